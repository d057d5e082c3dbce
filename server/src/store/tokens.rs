//! The `refresh_tokens` table: only SHA-256 hashes of tokens are stored.
//! Tokens rotate: each is used once, and its successor joins its family.
//! Presenting a used or revoked token revokes the whole family.

use rusqlite::{params, OptionalExtension, Transaction};

use super::StoreError;

/// A stored refresh token, looked up by hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    /// Row id.
    pub id: i64,
    /// Whose.
    pub user_id: i64,
    /// The rotation family it belongs to.
    pub family: String,
    /// Expiry, ms since the epoch.
    pub expires_at: i64,
    /// When it was used, if it was.
    pub used_at: Option<i64>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

/// Stores a new token hash in `family`.
pub fn insert(
    tx: &Transaction<'_>,
    user_id: i64,
    token_hash: &str,
    family: &str,
    now_ms: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO refresh_tokens (user_id, token_hash, family, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![user_id, token_hash, family, now_ms, expires_at],
    )?;
    Ok(())
}

/// The token with this hash.
pub fn by_hash(tx: &Transaction<'_>, token_hash: &str) -> Result<Option<RefreshToken>, StoreError> {
    Ok(tx
        .query_row(
            "SELECT id, user_id, family, expires_at, used_at, revoked_at
             FROM refresh_tokens WHERE token_hash = ?1",
            [token_hash],
            |row| {
                Ok(RefreshToken {
                    id: row.get(0)?,
                    user_id: row.get(1)?,
                    family: row.get(2)?,
                    expires_at: row.get(3)?,
                    used_at: row.get(4)?,
                    revoked_at: row.get(5)?,
                })
            },
        )
        .optional()?)
}

/// Marks a token used.
pub fn mark_used(tx: &Transaction<'_>, id: i64, now_ms: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE refresh_tokens SET used_at = ?2 WHERE id = ?1",
        params![id, now_ms],
    )?;
    Ok(())
}

/// Revokes every token of `user_id` in `family`; returns how many.
pub fn revoke_family(
    tx: &Transaction<'_>,
    user_id: i64,
    family: &str,
    now_ms: i64,
) -> Result<usize, StoreError> {
    Ok(tx.execute(
        "UPDATE refresh_tokens SET revoked_at = ?3
         WHERE user_id = ?1 AND family = ?2 AND revoked_at IS NULL",
        params![user_id, family, now_ms],
    )?)
}

/// Revokes every token of `user_id` (password reset).
pub fn revoke_user(tx: &Transaction<'_>, user_id: i64, now_ms: i64) -> Result<usize, StoreError> {
    Ok(tx.execute(
        "UPDATE refresh_tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
        params![user_id, now_ms],
    )?)
}
