//! The `users` table: accounts with a role and an Argon2id password hash.
//! Hashing itself is [`crate::auth::password`]'s job; this stores strings.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use shared::api::Role;

use super::StoreError;

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Account name (unique, case-insensitive).
    pub username: String,
    /// What they may do.
    pub role: Role,
    /// The PHC-format password hash (`!` for the local user: no login).
    pub password_hash: String,
    /// Whether this is the implicit local-mode user.
    pub is_local: bool,
}

/// Creates a user; fails with a constraint error if the name is taken.
pub fn create(
    tx: &Transaction<'_>,
    username: &str,
    password_hash: &str,
    role: Role,
    is_local: bool,
    now_ms: i64,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO users (username, password_hash, role, is_local, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![username, password_hash, role.as_str(), is_local, now_ms],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Replaces a user's password hash; `false` if there is no such user.
pub fn set_password(
    tx: &Transaction<'_>,
    username: &str,
    password_hash: &str,
) -> Result<bool, StoreError> {
    let changed = tx.execute(
        "UPDATE users SET password_hash = ?2 WHERE username = ?1 AND is_local = 0",
        params![username, password_hash],
    )?;
    Ok(changed == 1)
}

/// The user called `username` (case-insensitive).
pub fn by_name(connection: &Connection, username: &str) -> Result<Option<User>, StoreError> {
    one(connection, "username = ?1", &username)
}

/// The user with id `id`.
pub fn by_id(connection: &Connection, id: i64) -> Result<Option<User>, StoreError> {
    one(connection, "id = ?1", &id)
}

/// The implicit local-mode user, if created.
pub fn local(connection: &Connection) -> Result<Option<User>, StoreError> {
    one(connection, "is_local = ?1", &1)
}

/// Number of real accounts (not counting the local-mode user).
pub fn count_accounts(connection: &Connection) -> Result<i64, rusqlite::Error> {
    connection.query_row("SELECT COUNT(*) FROM users WHERE is_local = 0", [], |row| {
        row.get(0)
    })
}

fn one(
    connection: &Connection,
    condition: &str,
    value: &dyn rusqlite::ToSql,
) -> Result<Option<User>, StoreError> {
    let row = connection
        .query_row(
            &format!(
                "SELECT id, username, role, password_hash, is_local FROM users WHERE {condition}"
            ),
            [value],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, bool>(4)?,
                ))
            },
        )
        .optional()?;
    row.map(|(id, username, role, password_hash, is_local)| {
        let role = Role::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("user {id} has unknown role {role:?}")))?;
        Ok(User {
            id,
            username,
            role,
            password_hash,
            is_local,
        })
    })
    .transpose()
}
