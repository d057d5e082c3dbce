//! The `uploads` table: a user's CSV files, kept verbatim with their hash
//! and the parsed series (JSON). Every query filters by user.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::StoreError;

/// A stored upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// Row id.
    pub id: i64,
    /// File name as uploaded.
    pub name: String,
    /// SHA-256 of the file's bytes (hex).
    pub content_hash: String,
    /// The parsed series as JSON.
    pub series_json: String,
    /// When stored, ms since the epoch.
    pub created_at: i64,
}

/// Stores an upload for `user_id`; returns its id.
pub fn insert(
    tx: &Transaction<'_>,
    user_id: i64,
    name: &str,
    content: &[u8],
    content_hash: &str,
    series_json: &str,
    now_ms: i64,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO uploads (user_id, name, content_hash, content, series, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![user_id, name, content_hash, content, series_json, now_ms],
    )?;
    Ok(tx.last_insert_rowid())
}

/// `user_id`'s upload `id` (none if it is someone else's).
pub fn get(connection: &Connection, user_id: i64, id: i64) -> Result<Option<Upload>, StoreError> {
    Ok(connection
        .query_row(
            "SELECT id, name, content_hash, series, created_at FROM uploads
             WHERE user_id = ?1 AND id = ?2",
            params![user_id, id],
            upload_from_row,
        )
        .optional()?)
}

/// `user_id`'s uploads, newest first.
pub fn list(connection: &Connection, user_id: i64) -> Result<Vec<Upload>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT id, name, content_hash, series, created_at FROM uploads
         WHERE user_id = ?1 ORDER BY id DESC LIMIT 500",
    )?;
    let rows = statement.query_map([user_id], upload_from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

fn upload_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Upload> {
    Ok(Upload {
        id: row.get(0)?,
        name: row.get(1)?,
        content_hash: row.get(2)?,
        series_json: row.get(3)?,
        created_at: row.get(4)?,
    })
}
