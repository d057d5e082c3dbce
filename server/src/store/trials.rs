//! The `trials`, `trial_steps` and `trial_events` tables: a trial's plan
//! and status, each step's status and output, and the numbered event log.
//! [`apply`] appends events and applies them to the trial and its steps in
//! the caller's transaction, so the log and the state never disagree.
//!
//! A trial run by a browser ([`TrialHost::Browser`]) holds a lease
//! ([`set_browser`], [`renew_lease`]) until the server takes it over
//! ([`take_over`]).
//!
//! Rows belong to a user and every query filters by user, except
//! [`unfinished`], which the runner uses at start to find every user's
//! trials to resume, and [`lapsed`], which finds browser trials whose
//! lease ran out (ids only).

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use shared::api::{
    TrialDetail, TrialHost, TrialStatus, TrialStepView, TrialSummary, TRIAL_EVENTS_PAGE,
};
use shared::trial::{EventKind, FinishedStep, Plan, StepOutcome, StepStatus, TrialEvent};

use super::{rfc3339, StoreError};

/// Stores a new trial of `plan` for `user_id` (every step pending) with
/// its first `events`; returns its id.
pub fn create(
    tx: &Transaction<'_>,
    user_id: i64,
    plan: &Plan,
    events: &[TrialEvent],
    now_ms: i64,
) -> Result<i64, StoreError> {
    let plan_json = serde_json::to_string(plan).map_err(corrupt)?;
    tx.execute(
        "INSERT INTO trials (user_id, name, plan, status, last_seq, created_at)
         VALUES (?1, ?2, ?3, 'running', 0, ?4)",
        params![user_id, plan.name, plan_json, now_ms],
    )?;
    let trial_id = tx.last_insert_rowid();
    for (position, step) in plan.steps.iter().enumerate() {
        tx.execute(
            "INSERT INTO trial_steps (trial_id, user_id, position, step_id, action, status, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)",
            params![
                trial_id,
                user_id,
                position as i64,
                step.id,
                step.action.tool_name(),
                now_ms
            ],
        )?;
    }
    apply(tx, user_id, trial_id, events, None, now_ms)?;
    Ok(trial_id)
}

/// Appends `events` to `trial_id`'s log and applies them to the trial and
/// its steps; `output` is the full output of the step whose
/// `step_succeeded` is among them.
pub fn apply(
    tx: &Transaction<'_>,
    user_id: i64,
    trial_id: i64,
    events: &[TrialEvent],
    output: Option<(&str, &serde_json::Value)>,
    now_ms: i64,
) -> Result<(), StoreError> {
    let set_step = |step: &str, status: StepStatus, error: Option<&str>| {
        tx.execute(
            "UPDATE trial_steps SET status = ?4, error = ?5, updated_at = ?6
             WHERE user_id = ?1 AND trial_id = ?2 AND step_id = ?3",
            params![user_id, trial_id, step, status.as_str(), error, now_ms],
        )
    };
    for event in events {
        let body = serde_json::to_string(event).map_err(corrupt)?;
        tx.execute(
            "INSERT INTO trial_events (trial_id, user_id, seq, kind, body, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                trial_id,
                user_id,
                event.seq as i64,
                event.kind.name(),
                body,
                now_ms
            ],
        )?;
        match &event.kind {
            EventKind::TrialStarted { .. } | EventKind::StepProgress { .. } => {}
            EventKind::TrialResumed { rerun } => {
                for step in rerun {
                    set_step(step, StepStatus::Pending, None)?;
                }
            }
            EventKind::StepStarted { step } => {
                set_step(step, StepStatus::Running, None)?;
            }
            EventKind::StepSucceeded { step, summary } => {
                set_step(step, StepStatus::Succeeded, None)?;
                let full = match output {
                    Some((id, value)) if id == step => {
                        Some(serde_json::to_string(value).map_err(corrupt)?)
                    }
                    _ => None,
                };
                tx.execute(
                    "UPDATE trial_steps SET summary = ?4, output = ?5
                     WHERE user_id = ?1 AND trial_id = ?2 AND step_id = ?3",
                    params![
                        user_id,
                        trial_id,
                        step,
                        serde_json::to_string(summary).map_err(corrupt)?,
                        full
                    ],
                )?;
            }
            EventKind::StepFailed { step, reason } => {
                set_step(step, StepStatus::Failed, Some(reason))?;
            }
            EventKind::StepCancelled { step } => {
                set_step(step, StepStatus::Cancelled, None)?;
            }
            EventKind::TrialFinished { outcome } => {
                tx.execute(
                    "UPDATE trials SET status = ?3, finished_at = ?4 WHERE user_id = ?1 AND id = ?2",
                    params![
                        user_id,
                        trial_id,
                        TrialStatus::finished(*outcome).as_str(),
                        now_ms
                    ],
                )?;
            }
        }
    }
    if let Some(last) = events.last() {
        tx.execute(
            "UPDATE trials SET last_seq = MAX(last_seq, ?3) WHERE user_id = ?1 AND id = ?2",
            params![user_id, trial_id, last.seq as i64],
        )?;
    }
    Ok(())
}

/// Marks `trial_id` as cancelling if it is running; returns its status
/// before (`None`: no such trial of this user).
pub fn request_cancel(
    tx: &Transaction<'_>,
    user_id: i64,
    trial_id: i64,
) -> Result<Option<TrialStatus>, StoreError> {
    let before = status(tx, user_id, trial_id)?;
    if before == Some(TrialStatus::Running) {
        tx.execute(
            "UPDATE trials SET status = 'cancelling' WHERE user_id = ?1 AND id = ?2",
            params![user_id, trial_id],
        )?;
    }
    Ok(before)
}

/// The status of `trial_id`, if it is `user_id`'s.
pub fn status(
    connection: &Connection,
    user_id: i64,
    trial_id: i64,
) -> Result<Option<TrialStatus>, StoreError> {
    let text: Option<String> = connection
        .query_row(
            "SELECT status FROM trials WHERE user_id = ?1 AND id = ?2",
            params![user_id, trial_id],
            |row| row.get(0),
        )
        .optional()?;
    text.map(|t| parse_status(&t)).transpose()
}

const SUMMARY_SQL: &str = "SELECT t.id, t.name, t.status, t.last_seq, t.created_at, t.finished_at,
        (SELECT COUNT(*) FROM trial_steps s WHERE s.user_id = t.user_id AND s.trial_id = t.id),
        (SELECT COUNT(*) FROM trial_steps s WHERE s.user_id = t.user_id AND s.trial_id = t.id
            AND s.status IN ('succeeded', 'failed', 'cancelled')),
        t.host
     FROM trials t";

fn summary_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(TrialSummary, String)> {
    let host: String = row.get(8)?;
    Ok((
        TrialSummary {
            id: row.get(0)?,
            name: row.get(1)?,
            status: TrialStatus::Running,
            last_seq: row.get::<_, i64>(3)? as u64,
            created_at: rfc3339(row.get(4)?),
            finished_at: row.get::<_, Option<i64>>(5)?.map(rfc3339),
            steps_total: row.get::<_, i64>(6)? as usize,
            steps_done: row.get::<_, i64>(7)? as usize,
            // Only the two names pass the column's CHECK.
            host: TrialHost::parse(&host).unwrap_or_default(),
        },
        row.get(2)?,
    ))
}

fn with_status((mut summary, status): (TrialSummary, String)) -> Result<TrialSummary, StoreError> {
    summary.status = parse_status(&status)?;
    Ok(summary)
}

/// `user_id`'s trials, newest first (at most `limit`).
pub fn list(
    connection: &Connection,
    user_id: i64,
    limit: u32,
) -> Result<Vec<TrialSummary>, StoreError> {
    let mut statement = connection.prepare(&format!(
        "{SUMMARY_SQL} WHERE t.user_id = ?1 ORDER BY t.id DESC LIMIT ?2"
    ))?;
    let rows = statement.query_map(params![user_id, limit], summary_row)?;
    rows.map(|row| with_status(row?)).collect()
}

/// `trial_id`'s summary, if it is `user_id`'s.
pub fn summary(
    connection: &Connection,
    user_id: i64,
    trial_id: i64,
) -> Result<Option<TrialSummary>, StoreError> {
    connection
        .query_row(
            &format!("{SUMMARY_SQL} WHERE t.user_id = ?1 AND t.id = ?2"),
            params![user_id, trial_id],
            summary_row,
        )
        .optional()?
        .map(with_status)
        .transpose()
}

/// `trial_id` with its plan, steps and the events after `after` (at most
/// [`TRIAL_EVENTS_PAGE`]), if it is `user_id`'s.
pub fn detail(
    connection: &Connection,
    user_id: i64,
    trial_id: i64,
    after: u64,
) -> Result<Option<TrialDetail>, StoreError> {
    let Some(trial) = summary(connection, user_id, trial_id)? else {
        return Ok(None);
    };
    let plan = plan(connection, user_id, trial_id)?;
    let mut statement = connection.prepare(
        "SELECT step_id, action, status, summary, error FROM trial_steps
         WHERE user_id = ?1 AND trial_id = ?2 ORDER BY position",
    )?;
    let steps = statement
        .query_map(params![user_id, trial_id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, Option<String>>(4)?,
            ))
        })?
        .map(|row| {
            let (id, action, status, summary, error) = row?;
            Ok(TrialStepView {
                id,
                action,
                status: parse_step_status(&status)?,
                summary: summary
                    .map(|s| serde_json::from_str(&s).map_err(corrupt))
                    .transpose()?,
                error,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let events = events_after(connection, user_id, trial_id, after, TRIAL_EVENTS_PAGE)?;
    Ok(Some(TrialDetail {
        trial,
        plan,
        steps,
        events,
    }))
}

/// `trial_id`'s events with a sequence number above `after`, in order.
pub fn events_after(
    connection: &Connection,
    user_id: i64,
    trial_id: i64,
    after: u64,
    limit: u32,
) -> Result<Vec<TrialEvent>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT body FROM trial_events WHERE user_id = ?1 AND trial_id = ?2 AND seq > ?3
         ORDER BY seq LIMIT ?4",
    )?;
    let rows = statement.query_map(
        params![
            user_id,
            trial_id,
            i64::try_from(after).unwrap_or(i64::MAX),
            limit
        ],
        |row| row.get::<_, String>(0),
    )?;
    rows.map(|body| serde_json::from_str(&body?).map_err(corrupt))
        .collect()
}

/// `user_id`'s trials that were unfinished at some time since `since_ms`
/// (unfinished now, or finished since), oldest first: the trials whose
/// events a live socket opened then may have missed.
pub fn active_since(
    connection: &Connection,
    user_id: i64,
    since_ms: i64,
) -> Result<Vec<i64>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT id FROM trials WHERE user_id = ?1 AND (finished_at IS NULL OR finished_at >= ?2)
         ORDER BY id",
    )?;
    let rows = statement.query_map(params![user_id, since_ms], |row| row.get(0))?;
    rows.collect::<Result<_, _>>().map_err(StoreError::from)
}

/// The plan of `trial_id`.
pub fn plan(connection: &Connection, user_id: i64, trial_id: i64) -> Result<Plan, StoreError> {
    let text: String = connection.query_row(
        "SELECT plan FROM trials WHERE user_id = ?1 AND id = ?2",
        params![user_id, trial_id],
        |row| row.get(0),
    )?;
    serde_json::from_str(&text).map_err(corrupt)
}

/// A trial that has not finished: which, and whose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unfinished {
    /// The trial's id.
    pub trial_id: i64,
    /// Its owner.
    pub user_id: i64,
}

/// Every user's unfinished trials, oldest first: for the runner at start
/// only (the one query across users; it returns ids, and everything read
/// afterwards is filtered by the owner).
/// Browser trials are left to their lease (see [`lapsed`]).
pub fn unfinished(connection: &Connection) -> Result<Vec<Unfinished>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT id, user_id FROM trials WHERE status IN ('running', 'cancelling')
         AND host = 'server' ORDER BY id",
    )?;
    let rows = statement.query_map([], |row| {
        Ok(Unfinished {
            trial_id: row.get(0)?,
            user_id: row.get(1)?,
        })
    })?;
    rows.map(|row| row.map_err(StoreError::from)).collect()
}

/// Marks `user_id`'s new trial `trial_id` as run by a browser holding a
/// lease until `lease_until` (ms).
pub fn set_browser(
    tx: &Transaction<'_>,
    user_id: i64,
    trial_id: i64,
    lease_until: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE trials SET host = 'browser', lease_until = ?3 WHERE user_id = ?1 AND id = ?2",
        params![user_id, trial_id, lease_until],
    )?;
    Ok(())
}

/// Who runs `trial_id` and its status, if it is `user_id`'s.
pub fn host(
    connection: &Connection,
    user_id: i64,
    trial_id: i64,
) -> Result<Option<(TrialHost, TrialStatus)>, StoreError> {
    let row: Option<(String, String)> = connection
        .query_row(
            "SELECT host, status FROM trials WHERE user_id = ?1 AND id = ?2",
            params![user_id, trial_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    row.map(|(host, status)| {
        let host = TrialHost::parse(&host)
            .ok_or_else(|| StoreError::Corrupt(format!("trial host {host:?}")))?;
        Ok((host, parse_status(&status)?))
    })
    .transpose()
}

/// Extends the lease of `user_id`'s browser trial `trial_id` to
/// `lease_until` (ms).
pub fn renew_lease(
    tx: &Transaction<'_>,
    user_id: i64,
    trial_id: i64,
    lease_until: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE trials SET lease_until = ?3 WHERE user_id = ?1 AND id = ?2 AND host = 'browser'",
        params![user_id, trial_id, lease_until],
    )?;
    Ok(())
}

/// Hands `user_id`'s unfinished browser trial `trial_id` to the server;
/// whether it was one (false: not theirs, not a browser's, or finished).
pub fn take_over(tx: &Transaction<'_>, user_id: i64, trial_id: i64) -> Result<bool, StoreError> {
    let changed = tx.execute(
        "UPDATE trials SET host = 'server', lease_until = NULL
         WHERE user_id = ?1 AND id = ?2 AND host = 'browser'
         AND status IN ('running', 'cancelling')",
        params![user_id, trial_id],
    )?;
    Ok(changed == 1)
}

/// Every user's unfinished browser trials whose lease ended before
/// `now_ms`, oldest first: for the server's lease watcher only (ids; what
/// is read afterwards is filtered by the owner).
pub fn lapsed(connection: &Connection, now_ms: i64) -> Result<Vec<Unfinished>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT id, user_id FROM trials WHERE host = 'browser'
         AND status IN ('running', 'cancelling') AND lease_until < ?1 ORDER BY id",
    )?;
    let rows = statement.query_map([now_ms], |row| {
        Ok(Unfinished {
            trial_id: row.get(0)?,
            user_id: row.get(1)?,
        })
    })?;
    rows.map(|row| row.map_err(StoreError::from)).collect()
}

/// Every step of `trial_id` with its status, in plan order.
pub fn step_statuses(
    connection: &Connection,
    user_id: i64,
    trial_id: i64,
) -> Result<Vec<(String, StepStatus)>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT step_id, status FROM trial_steps WHERE user_id = ?1 AND trial_id = ?2
         ORDER BY position",
    )?;
    let rows = statement.query_map(params![user_id, trial_id], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    rows.map(|row| {
        let (id, status) = row?;
        Ok((id, parse_step_status(&status)?))
    })
    .collect()
}

/// The last event's sequence number of `trial_id` (0 if not theirs).
pub fn last_seq(connection: &Connection, user_id: i64, trial_id: i64) -> Result<u64, StoreError> {
    let seq: Option<i64> = connection
        .query_row(
            "SELECT last_seq FROM trials WHERE user_id = ?1 AND id = ?2",
            params![user_id, trial_id],
            |row| row.get(0),
        )
        .optional()?;
    Ok(seq.unwrap_or(0) as u64)
}

/// What a runner needs to pick a trial up again.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The plan as accepted.
    pub plan: Plan,
    /// The trial's status.
    pub status: TrialStatus,
    /// Steps that finished.
    pub finished: Vec<FinishedStep>,
    /// Steps that were running.
    pub interrupted: Vec<String>,
    /// The last event's sequence number.
    pub last_seq: u64,
}

/// The record of `trial_id`, if it is `user_id`'s.
pub fn record(
    connection: &Connection,
    user_id: i64,
    trial_id: i64,
) -> Result<Option<Record>, StoreError> {
    let Some(status) = status(connection, user_id, trial_id)? else {
        return Ok(None);
    };
    let last_seq: i64 = connection.query_row(
        "SELECT last_seq FROM trials WHERE user_id = ?1 AND id = ?2",
        params![user_id, trial_id],
        |row| row.get(0),
    )?;
    let mut statement = connection.prepare(
        "SELECT step_id, status, error FROM trial_steps
         WHERE user_id = ?1 AND trial_id = ?2 ORDER BY position",
    )?;
    let rows = statement.query_map(params![user_id, trial_id], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, Option<String>>(2)?,
        ))
    })?;
    let (mut finished, mut interrupted) = (Vec::new(), Vec::new());
    for row in rows {
        let (id, status, error) = row?;
        let outcome = match parse_step_status(&status)? {
            StepStatus::Pending => continue,
            StepStatus::Running => {
                interrupted.push(id);
                continue;
            }
            StepStatus::Succeeded => StepOutcome::Succeeded,
            StepStatus::Failed => StepOutcome::Failed(error.unwrap_or_default()),
            StepStatus::Cancelled => StepOutcome::Cancelled,
        };
        finished.push(FinishedStep { id, outcome });
    }
    Ok(Some(Record {
        plan: plan(connection, user_id, trial_id)?,
        status,
        finished,
        interrupted,
        last_seq: last_seq as u64,
    }))
}

/// The full outputs of `steps` of `trial_id` that succeeded, in the order
/// asked for.
pub fn outputs(
    connection: &Connection,
    user_id: i64,
    trial_id: i64,
    steps: &[String],
) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT output FROM trial_steps WHERE user_id = ?1 AND trial_id = ?2 AND step_id = ?3
         AND status = 'succeeded'",
    )?;
    let mut found = Vec::new();
    for step in steps {
        let output: Option<Option<String>> = statement
            .query_row(params![user_id, trial_id, step], |row| row.get(0))
            .optional()?;
        if let Some(Some(text)) = output {
            found.push((step.clone(), serde_json::from_str(&text).map_err(corrupt)?));
        }
    }
    Ok(found)
}

fn parse_status(text: &str) -> Result<TrialStatus, StoreError> {
    TrialStatus::parse(text).ok_or_else(|| StoreError::Corrupt(format!("trial status {text:?}")))
}

fn parse_step_status(text: &str) -> Result<StepStatus, StoreError> {
    StepStatus::parse(text).ok_or_else(|| StoreError::Corrupt(format!("step status {text:?}")))
}

fn corrupt(error: serde_json::Error) -> StoreError {
    StoreError::Corrupt(error.to_string())
}

#[cfg(test)]
mod tests {
    use shared::api::Role;
    use shared::trial::TrialState;

    use super::*;
    use crate::store::{users, Store};

    fn plan() -> Plan {
        Plan::from_value(serde_json::json!({"name": "p", "steps": [
            {"id": "a", "action": {"action": "price_option", "right": "call", "spot": 100.0,
                "strike": 100.0, "days": 30.0, "volatility": 0.2}},
            {"id": "b", "inputs": ["a"], "action": {"action": "price_option", "right": "put",
                "spot": 100.0, "strike": 100.0, "days": 30.0, "volatility": 0.2}},
        ]}))
        .unwrap()
    }

    #[tokio::test]
    async fn events_drive_the_record_and_stay_with_their_owner() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (ann, bob, id) = store
            .write(|tx| {
                let ann = users::create(tx, "ann", "h", Role::Analyst, false, 1)?;
                let bob = users::create(tx, "bob", "h", Role::Analyst, false, 1)?;
                let mut trial = TrialState::new(plan().check_graph().unwrap());
                let mut events = trial.start();
                let id = create(tx, ann, &plan(), &events, 1)?;
                events = trial.started("a").unwrap();
                apply(tx, ann, id, &events, None, 2)?;
                let output = serde_json::json!({"price": 2.5});
                events = trial
                    .succeeded("a", serde_json::json!({"price": 2.5}))
                    .unwrap();
                apply(tx, ann, id, &events, Some(("a", &output)), 3)?;
                events = trial.started("b").unwrap();
                apply(tx, ann, id, &events, None, 4)?;
                Ok::<_, StoreError>((ann, bob, id))
            })
            .await
            .unwrap();
        store
            .read(move |c| {
                let brief = summary(c, ann, id)?.unwrap();
                assert_eq!((brief.steps_done, brief.steps_total), (1, 2));
                assert_eq!(brief.last_seq, 4);
                let resume = record(c, ann, id)?.unwrap();
                assert_eq!(resume.interrupted, vec!["b".to_string()]);
                assert_eq!(resume.finished.len(), 1);
                assert_eq!(
                    outputs(c, ann, id, &["a".to_string(), "b".to_string()])?,
                    vec![("a".to_string(), serde_json::json!({"price": 2.5}))]
                );
                let later = detail(c, ann, id, 2)?.unwrap();
                assert_eq!(
                    later.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
                    [3, 4]
                );
                assert_eq!(later.steps[0].status, StepStatus::Succeeded);
                assert_eq!(later.steps[1].status, StepStatus::Running);
                // Bob sees nothing of Ann's trial.
                assert!(list(c, bob, 10)?.is_empty());
                assert!(summary_none(c, bob, id)?);
                assert!(record(c, bob, id)?.is_none());
                assert!(outputs(c, bob, id, &["a".to_string()])?.is_empty());
                assert!(events_after(c, bob, id, 0, 10)?.is_empty());
                Ok::<_, StoreError>(())
            })
            .await
            .unwrap();
        let before = store
            .write(move |tx| request_cancel(tx, bob, id))
            .await
            .unwrap();
        assert_eq!(before, None, "bob cannot cancel ann's trial");
        let before = store
            .write(move |tx| request_cancel(tx, ann, id))
            .await
            .unwrap();
        assert_eq!(before, Some(TrialStatus::Running));
        let now = store.read(move |c| status(c, ann, id)).await.unwrap();
        assert_eq!(now, Some(TrialStatus::Cancelling));
        let unfinished = store.read(unfinished).await.unwrap();
        assert_eq!(
            unfinished,
            vec![Unfinished {
                trial_id: id,
                user_id: ann
            }]
        );
    }

    fn summary_none(c: &Connection, user: i64, id: i64) -> Result<bool, StoreError> {
        Ok(summary(c, user, id)?.is_none() && detail(c, user, id, 0)?.is_none())
    }
}
