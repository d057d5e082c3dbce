//! The `goals` table: every goal a user set, newest last. The current goal
//! is the user's newest row; the others are its history.

use rusqlite::{params, Connection, Transaction};
use shared::api::{Goal, GoalRequest};
use shared::compliance::Verdict;

use super::{rfc3339, StoreError};

/// Stores `goal` as `user_id`'s current goal.
pub fn insert(
    tx: &Transaction<'_>,
    user_id: i64,
    goal: &GoalRequest,
    verdict: &Verdict,
    now_ms: i64,
) -> Result<Goal, StoreError> {
    let sources = serde_json::to_string(&goal.sources).map_err(corrupt)?;
    let verdict_json = serde_json::to_string(verdict).map_err(corrupt)?;
    tx.execute(
        "INSERT INTO goals (user_id, text, sources, verdict, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![user_id, goal.text, sources, verdict_json, now_ms],
    )?;
    Ok(Goal {
        id: tx.last_insert_rowid(),
        text: goal.text.clone(),
        sources: goal.sources.clone(),
        created_at: rfc3339(now_ms),
        verdict: verdict.clone(),
    })
}

/// `user_id`'s goals, newest first.
pub fn history(connection: &Connection, user_id: i64) -> Result<Vec<Goal>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT id, text, sources, verdict, created_at FROM goals
         WHERE user_id = ?1 ORDER BY id DESC LIMIT 200",
    )?;
    let rows = statement.query_map([user_id], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, i64>(4)?,
        ))
    })?;
    rows.map(|row| {
        let (id, text, sources, verdict, created_at) = row?;
        Ok(Goal {
            id,
            text,
            sources: serde_json::from_str(&sources).map_err(corrupt)?,
            verdict: serde_json::from_str(&verdict).map_err(corrupt)?,
            created_at: rfc3339(created_at),
        })
    })
    .collect()
}

fn corrupt(error: serde_json::Error) -> StoreError {
    StoreError::Corrupt(error.to_string())
}
