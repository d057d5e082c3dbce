//! The `results` table: recorded runs with the verdict they were stored
//! under. Rows belong to a user and every query filters by user.

use rusqlite::{params, Connection, Transaction};
use shared::api::{ResultRecord, StoredResult};
use shared::compliance::Verdict;

use super::{rfc3339, StoreError};

/// Stores an allowed result for `user_id`.
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
        "INSERT INTO results (user_id, record, verdict, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![user_id, record_json, verdict_json, now_ms],
    )?;
    Ok(StoredResult {
        id: tx.last_insert_rowid(),
        created_at: rfc3339(now_ms),
        verdict: verdict.clone(),
        record: record.clone(),
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
    let rows = statement.query_map(params![user_id, limit], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, i64>(3)?,
        ))
    })?;
    rows.map(|row| {
        let (id, record, verdict, created_at) = row?;
        Ok(StoredResult {
            id,
            record: serde_json::from_str(&record).map_err(corrupt)?,
            verdict: serde_json::from_str(&verdict).map_err(corrupt)?,
            created_at: rfc3339(created_at),
        })
    })
    .collect()
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
