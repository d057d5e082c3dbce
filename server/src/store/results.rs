//! The `results` table: recorded runs with the verdict they were stored
//! under. Rows belong to a user and every query filters by user.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use shared::api::{ResultRecord, StoredResult};
use shared::compliance::Verdict;

use super::{rfc3339, StoreError};

/// Stores an allowed result for `user_id` (with its client id, when it has
/// one; [`find_by_client_id`] first, or the unique index refuses a repeat).
pub fn insert(
    tx: &Transaction<'_>,
    user_id: i64,
    record: &ResultRecord,
    verdict: &Verdict,
    now_ms: i64,
) -> Result<StoredResult, StoreError> {
    let record_json = serde_json::to_string(record).map_err(corrupt)?;
    let verdict_json = serde_json::to_string(verdict).map_err(corrupt)?;
    tx.execute(
        "INSERT INTO results (user_id, record, verdict, created_at, client_id)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![user_id, record_json, verdict_json, now_ms, record.client_id],
    )?;
    Ok(StoredResult {
        id: tx.last_insert_rowid(),
        created_at: rfc3339(now_ms),
        verdict: verdict.clone(),
        record: record.clone(),
    })
}

/// `user_id`'s result recorded under `client_id`, if any (another user's
/// result with the same client id is never found).
pub fn find_by_client_id(
    connection: &Connection,
    user_id: i64,
    client_id: &str,
) -> Result<Option<StoredResult>, StoreError> {
    let row = connection
        .query_row(
            "SELECT id, record, verdict, created_at FROM results
             WHERE user_id = ?1 AND client_id = ?2",
            params![user_id, client_id],
            raw_row,
        )
        .optional()?;
    row.map(stored).transpose()
}

/// One row's columns, still encoded.
type RawRow = (i64, String, String, i64);

fn raw_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn stored((id, record, verdict, created_at): RawRow) -> Result<StoredResult, StoreError> {
    Ok(StoredResult {
        id,
        record: serde_json::from_str(&record).map_err(corrupt)?,
        verdict: serde_json::from_str(&verdict).map_err(corrupt)?,
        created_at: rfc3339(created_at),
    })
}

/// `user_id`'s results, newest first (at most `limit`).
pub fn list(
    connection: &Connection,
    user_id: i64,
    limit: u32,
) -> Result<Vec<StoredResult>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT id, record, verdict, created_at FROM results
         WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = statement.query_map(params![user_id, limit], raw_row)?;
    rows.map(|row| stored(row?)).collect()
}

/// `user_id`'s result `id`, if it exists and is theirs.
pub fn get(
    connection: &Connection,
    user_id: i64,
    id: i64,
) -> Result<Option<StoredResult>, StoreError> {
    use rusqlite::OptionalExtension;
    let row = connection
        .query_row(
            "SELECT record, verdict, created_at FROM results WHERE user_id = ?1 AND id = ?2",
            params![user_id, id],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            },
        )
        .optional()?;
    row.map(|(record, verdict, created_at)| {
        Ok(StoredResult {
            id,
            record: serde_json::from_str(&record).map_err(corrupt)?,
            verdict: serde_json::from_str(&verdict).map_err(corrupt)?,
            created_at: rfc3339(created_at),
        })
    })
    .transpose()
}

fn corrupt(error: serde_json::Error) -> StoreError {
    StoreError::Corrupt(error.to_string())
}
