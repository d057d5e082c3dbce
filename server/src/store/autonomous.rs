//! The `autonomous_runs` and `autonomous_rounds` tables: one row per run
//! (its request with the goal resolved, status, spend, stop reason and
//! best result) and one per round (the wire type as JSON, rewritten as the
//! round goes on).
//!
//! Rows belong to a user and every query filters by user. Must not decide
//! anything about a run: that is `crate::autonomous`.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use shared::api::{
    AutonomousDetail, AutonomousRequest, AutonomousRound, AutonomousSpend, AutonomousStatus,
    AutonomousSummary, ModelResult, StopKind, StopReason,
};
use shared::coach::autonomous::leaderboard;

use super::{rfc3339, StoreError};

/// Stores a new running run of `request` (its goal already resolved) for
/// `user_id`; returns its id.
pub fn create(
    tx: &Transaction<'_>,
    user_id: i64,
    request: &AutonomousRequest,
    now_ms: i64,
) -> Result<i64, StoreError> {
    let request = serde_json::to_string(request).map_err(corrupt)?;
    let spend = serde_json::to_string(&AutonomousSpend::default()).map_err(corrupt)?;
    tx.execute(
        "INSERT INTO autonomous_runs (user_id, request, status, spend, created_at)
         VALUES (?1, ?2, 'running', ?3, ?4)",
        params![user_id, request, spend, now_ms],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Writes round `round` (inserted or replaced) and the run's spend and
/// best result.
pub fn save_round(
    tx: &Transaction<'_>,
    user_id: i64,
    run_id: i64,
    round: &AutonomousRound,
    best: Option<&ModelResult>,
) -> Result<(), StoreError> {
    let body = serde_json::to_string(round).map_err(corrupt)?;
    tx.execute(
        "INSERT INTO autonomous_rounds (run_id, user_id, number, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (run_id, number) DO UPDATE SET body = excluded.body",
        params![run_id, user_id, round.number, body],
    )?;
    let spend = serde_json::to_string(&round.spend).map_err(corrupt)?;
    let best = best
        .map(serde_json::to_string)
        .transpose()
        .map_err(corrupt)?;
    tx.execute(
        "UPDATE autonomous_runs SET spend = ?3, best = COALESCE(?4, best)
         WHERE user_id = ?1 AND id = ?2",
        params![user_id, run_id, spend, best],
    )?;
    Ok(())
}

/// Marks `run_id` stopping (a user's stop); returns its status before, or
/// `None` if it is not the user's.
pub fn request_stop(
    tx: &Transaction<'_>,
    user_id: i64,
    run_id: i64,
) -> Result<Option<AutonomousStatus>, StoreError> {
    let before = status(tx, user_id, run_id)?;
    if before == Some(AutonomousStatus::Running) {
        tx.execute(
            "UPDATE autonomous_runs SET status = 'stopping' WHERE user_id = ?1 AND id = ?2",
            params![user_id, run_id],
        )?;
    }
    Ok(before)
}

/// Finishes `run_id` with `reason` and its final `spend`.
pub fn finish(
    tx: &Transaction<'_>,
    user_id: i64,
    run_id: i64,
    reason: &StopReason,
    spend: &AutonomousSpend,
    now_ms: i64,
) -> Result<(), StoreError> {
    let spend = serde_json::to_string(spend).map_err(corrupt)?;
    tx.execute(
        "UPDATE autonomous_runs SET status = 'finished', stop_kind = ?3, stop_detail = ?4,
             spend = ?5, finished_at = ?6
         WHERE user_id = ?1 AND id = ?2",
        params![
            user_id,
            run_id,
            reason.kind.as_str(),
            reason.detail,
            spend,
            now_ms
        ],
    )?;
    Ok(())
}

/// The run's status, or `None` if it is not the user's.
pub fn status(
    connection: &Connection,
    user_id: i64,
    run_id: i64,
) -> Result<Option<AutonomousStatus>, StoreError> {
    let text: Option<String> = connection
        .query_row(
            "SELECT status FROM autonomous_runs WHERE user_id = ?1 AND id = ?2",
            params![user_id, run_id],
            |row| row.get(0),
        )
        .optional()?;
    text.map(|t| {
        AutonomousStatus::parse(&t).ok_or_else(|| StoreError::Corrupt(format!("status {t}")))
    })
    .transpose()
}

const SUMMARY_COLUMNS: &str =
    "id, request, status, spend, stop_kind, stop_detail, best, created_at, finished_at";

fn summary_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawSummary> {
    Ok(RawSummary {
        id: row.get(0)?,
        request: row.get(1)?,
        status: row.get(2)?,
        spend: row.get(3)?,
        stop_kind: row.get(4)?,
        stop_detail: row.get(5)?,
        best: row.get(6)?,
        created_at: row.get(7)?,
        finished_at: row.get(8)?,
    })
}

struct RawSummary {
    id: i64,
    request: String,
    status: String,
    spend: String,
    stop_kind: Option<String>,
    stop_detail: Option<String>,
    best: Option<String>,
    created_at: i64,
    finished_at: Option<i64>,
}

fn stop_kind(text: &str) -> Option<StopKind> {
    [
        StopKind::GoalMet,
        StopKind::RoundsSpent,
        StopKind::TokensSpent,
        StopKind::WallTimeSpent,
        StopKind::ModelsSpent,
        StopKind::Refused,
        StopKind::NoProposals,
        StopKind::SearchExhausted,
        StopKind::UserStopped,
        StopKind::Failed,
    ]
    .into_iter()
    .find(|kind| kind.as_str() == text)
}

impl RawSummary {
    fn parse(self) -> Result<AutonomousSummary, StoreError> {
        let request: AutonomousRequest = serde_json::from_str(&self.request).map_err(corrupt)?;
        let stop = match (self.stop_kind, self.stop_detail) {
            (Some(kind), detail) => Some(StopReason {
                kind: stop_kind(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("stop kind {kind}")))?,
                detail: detail.unwrap_or_default(),
            }),
            (None, _) => None,
        };
        Ok(AutonomousSummary {
            id: self.id,
            goal: request.goal.clone().unwrap_or_default(),
            data: request.data.request(),
            target: request
                .target
                .unwrap_or(shared::actions::LabTarget::Direction),
            horizon: request.horizon.unwrap_or(1),
            status: AutonomousStatus::parse(&self.status)
                .ok_or_else(|| StoreError::Corrupt(format!("status {}", self.status)))?,
            budget: request.budget,
            spend: serde_json::from_str(&self.spend).map_err(corrupt)?,
            stop,
            best: self
                .best
                .map(|b| serde_json::from_str(&b))
                .transpose()
                .map_err(corrupt)?,
            created_at: rfc3339(self.created_at),
            finished_at: self.finished_at.map(rfc3339),
        })
    }
}

/// The user's runs, newest first, at most `limit`.
pub fn list(
    connection: &Connection,
    user_id: i64,
    limit: u32,
) -> Result<Vec<AutonomousSummary>, StoreError> {
    let mut statement = connection.prepare(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM autonomous_runs WHERE user_id = ?1
         ORDER BY id DESC LIMIT ?2"
    ))?;
    let rows = statement
        .query_map(params![user_id, limit], summary_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(RawSummary::parse).collect()
}

/// One run's summary, or `None` if it is not the user's.
pub fn summary(
    connection: &Connection,
    user_id: i64,
    run_id: i64,
) -> Result<Option<AutonomousSummary>, StoreError> {
    connection
        .query_row(
            &format!(
                "SELECT {SUMMARY_COLUMNS} FROM autonomous_runs WHERE user_id = ?1 AND id = ?2"
            ),
            params![user_id, run_id],
            summary_row,
        )
        .optional()?
        .map(RawSummary::parse)
        .transpose()
}

/// The stored request of a run (goal resolved), or `None` if not the user's.
pub fn request(
    connection: &Connection,
    user_id: i64,
    run_id: i64,
) -> Result<Option<AutonomousRequest>, StoreError> {
    let text: Option<String> = connection
        .query_row(
            "SELECT request FROM autonomous_runs WHERE user_id = ?1 AND id = ?2",
            params![user_id, run_id],
            |row| row.get(0),
        )
        .optional()?;
    text.map(|t| serde_json::from_str(&t).map_err(corrupt))
        .transpose()
}

/// One run with its rounds and leaderboard, or `None` if it is not the user's.
pub fn detail(
    connection: &Connection,
    user_id: i64,
    run_id: i64,
) -> Result<Option<AutonomousDetail>, StoreError> {
    let Some(run) = summary(connection, user_id, run_id)? else {
        return Ok(None);
    };
    let mut statement = connection.prepare(
        "SELECT body FROM autonomous_rounds WHERE user_id = ?1 AND run_id = ?2 ORDER BY number",
    )?;
    let rounds = statement
        .query_map(params![user_id, run_id], |row| row.get::<_, String>(0))?
        .map(|body| {
            body.map_err(StoreError::from)
                .and_then(|b| serde_json::from_str::<AutonomousRound>(&b).map_err(corrupt))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let board = leaderboard(
        rounds
            .iter()
            .flat_map(|round| round.results.iter().cloned())
            .collect(),
    );
    Ok(Some(AutonomousDetail {
        run,
        rounds,
        leaderboard: board,
    }))
}

/// Every run left running or stopping (by a server that stopped), with
/// its owner: `(run id, user id)`. The one query across users, for
/// finishing them at start.
pub fn unfinished(connection: &Connection) -> Result<Vec<(i64, i64)>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT id, user_id FROM autonomous_runs WHERE status IN ('running', 'stopping')",
    )?;
    let rows = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn corrupt(error: serde_json::Error) -> StoreError {
    StoreError::Corrupt(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::migrations::migrate;
    use shared::api::{AutonomousBudget, AutonomousData};

    fn request() -> AutonomousRequest {
        AutonomousRequest {
            goal: Some("beat buy-and-hold".to_string()),
            data: AutonomousData::Bundled("sp500".to_string()),
            target: None,
            horizon: None,
            train_rows: Some(250),
            test_rows: None,
            budget: AutonomousBudget::default(),
        }
    }

    #[test]
    fn rows_are_scoped_by_user_and_round_trip() {
        let mut connection = Connection::open_in_memory().unwrap();
        migrate(&mut connection).unwrap();
        for (id, name) in [(1, "ann"), (2, "bob")] {
            connection
                .execute(
                    "INSERT INTO users (id, username, password_hash, role, created_at)
                     VALUES (?1, ?2, 'x', 'analyst', 0)",
                    params![id, name],
                )
                .unwrap();
        }
        let tx = connection.transaction().unwrap();
        let run = create(&tx, 1, &request(), 1_000).unwrap();
        let round = AutonomousRound {
            number: 1,
            coach: "rule".to_string(),
            text: "round 1".to_string(),
            proposals: Vec::new(),
            trial_id: Some(7),
            results: Vec::new(),
            tokens: 12,
            spend: AutonomousSpend {
                rounds: 1,
                tokens: 12,
                wall_seconds: 3,
                models: 2,
            },
            started_at: rfc3339(1_000),
            finished_at: None,
        };
        save_round(&tx, 1, run, &round, None).unwrap();
        assert_eq!(request_stop(&tx, 2, run).unwrap(), None, "not bob's");
        assert_eq!(
            request_stop(&tx, 1, run).unwrap(),
            Some(AutonomousStatus::Running)
        );
        let reason = StopReason {
            kind: StopKind::UserStopped,
            detail: "stopped".to_string(),
        };
        finish(&tx, 1, run, &reason, &round.spend, 2_000).unwrap();
        tx.commit().unwrap();
        assert!(detail(&connection, 2, run).unwrap().is_none());
        assert!(list(&connection, 2, 10).unwrap().is_empty());
        let found = detail(&connection, 1, run).unwrap().unwrap();
        assert_eq!(found.rounds, vec![round.clone()]);
        assert_eq!(found.run.stop, Some(reason));
        assert_eq!(found.run.spend, round.spend);
        assert_eq!(found.run.status, AutonomousStatus::Finished);
        assert_eq!(found.run.data.symbol, "sp500");
        assert!(unfinished(&connection).unwrap().is_empty());
    }
}
