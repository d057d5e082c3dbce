//! Trials run by a browser's web workers: the browser runs the steps and
//! reports each one (`POST /api/trials/{id}/steps/{step}`); the server
//! keeps no state for them between reports. Each report rebuilds the
//! trial from its record ([`TrialState::restore`]), applies the report
//! with the same pure scheduler the runner uses, and stores the events,
//! the step's output and its model results (checked as `POST
//! /api/results` checks one) in one transaction with a renewed lease;
//! then the events go out like a server-run trial's
//! ([`super::committed`]). A `fetch_data` step's series is fetched again
//! through the server's own gateway and must have the content hash the
//! browser reported, so a dependant the server may later run never takes
//! data that did not come through the gateway.
//!
//! When the lease lapses ([`spawn_watcher`]) or the user asks
//! ([`take_over`]), the trial becomes the server's and its runner resumes
//! it from its last finished step (steps that were running run again);
//! any later report of the browser is refused (409 `trial_taken_over`), so
//! nothing is recorded twice.
//!
//! Must not run step work (that is the browser's, or [`super::steps`]
//! after a takeover) or answer HTTP (that is `routes::trials`).

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use shared::actions::Action;
use shared::api::{
    LeaseAnswer, ResultRecord, StepReport, TrialHost, TrialStatus, TrialSummary, MAX_REPORT_TEXT,
};
use shared::compliance::Rules;
use shared::trial::{EventKind, SchedulerError, TrialEvent, TrialState};

use super::driver::record_batch;
use crate::auth::Session;
use crate::problem::Problem;
use crate::routes::data::fetch_audited;
use crate::state::AppState;
use crate::store::audit::{self, AuditEvent};
use crate::store::{now_ms, trials, users};

/// Lease when `MLTRAINER_BROWSER_LEASE_SECS` is not set.
pub const DEFAULT_LEASE_SECS: u64 = 30;
/// Longest lease `MLTRAINER_BROWSER_LEASE_SECS` may ask for.
pub const MAX_LEASE_SECS: u64 = 3600;

/// The trial as the record has it, rebuilt for one report: 404 if it is
/// not `session`'s, 409 `trial_taken_over` if the server runs it, 409
/// `trial_finished` if it ended. A cancel asked for (from the CLI, say)
/// is applied first; its events are returned.
fn restore(
    tx: &rusqlite::Transaction<'_>,
    session: &Session,
    trial_id: i64,
) -> Result<(TrialState, Vec<TrialEvent>), Problem> {
    let user_id = session.user_id;
    let Some((host, status)) = trials::host(tx, user_id, trial_id)? else {
        return Err(Problem::not_found(format!("no trial {trial_id}")));
    };
    if status.is_finished() {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "trial_finished",
            format!("trial {trial_id} has ended ({})", status.as_str()),
        ));
    }
    if host == TrialHost::Server {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "trial_taken_over",
            format!("trial {trial_id} runs on the server now; this browser's reports are refused"),
        ));
    }
    let plan = trials::plan(tx, user_id, trial_id)?;
    let valid = plan.check_graph().map_err(|e| Problem::internal(&e))?;
    let steps = trials::step_statuses(tx, user_id, trial_id)?;
    let last_seq = trials::last_seq(tx, user_id, trial_id)?;
    let mut trial =
        TrialState::restore(valid, &steps, last_seq).map_err(|e| Problem::internal(&e))?;
    let events = if status == TrialStatus::Cancelling {
        trial.cancel()
    } else {
        Vec::new()
    };
    Ok((trial, events))
}

/// 422 `invalid_report`: the report itself is wrong.
fn invalid_report(detail: String) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_report", detail)
}

/// A report the scheduler refused, as an answer: an unknown step or a bad
/// fraction is the report's fault (422 `invalid_report`), a step in the wrong state a
/// conflict with the record (409 `step_conflict`).
fn refused(error: SchedulerError) -> Problem {
    match error {
        SchedulerError::UnknownStep(_) | SchedulerError::BadFraction { .. } => {
            invalid_report(error.to_string())
        }
        SchedulerError::NotReady(_) | SchedulerError::NotRunning { .. } => {
            Problem::new(StatusCode::CONFLICT, "step_conflict", error.to_string())
        }
    }
}

fn lease_until(state: &AppState) -> i64 {
    let lease = i64::try_from(state.trials.lease().as_millis()).unwrap_or(i64::MAX);
    now_ms().saturating_add(lease)
}

fn answer(
    state: &AppState,
    tx: &rusqlite::Transaction<'_>,
    session: &Session,
    trial_id: i64,
    events: Vec<TrialEvent>,
) -> Result<LeaseAnswer, Problem> {
    let trial = trials::summary(tx, session.user_id, trial_id)?
        .ok_or_else(|| Problem::not_found(format!("no trial {trial_id}")))?;
    Ok(LeaseAnswer {
        trial,
        events,
        lease_secs: state.trials.lease().as_secs(),
    })
}

/// Checks the text in `report` against [`MAX_REPORT_TEXT`] (422 naming
/// the field).
fn check_text(report: &StepReport) -> Result<(), Problem> {
    let (field, text) = match report {
        StepReport::Progress { message, .. } => ("message", message),
        StepReport::Failed { reason } => ("reason", reason),
        _ => return Ok(()),
    };
    let chars = text.chars().count();
    if chars > MAX_REPORT_TEXT {
        return Err(invalid_report(format!(
            "{field}: at most {MAX_REPORT_TEXT} characters, not {chars}"
        )));
    }
    Ok(())
}

/// For a `fetch_data` step reported done: the series fetched through the
/// server's gateway (audited), which must have the `content_hash` the
/// browser reported (422 `output_mismatch` otherwise); `None` for any
/// other report.
async fn gateway_output(
    state: &AppState,
    session: &Session,
    trial_id: i64,
    step: &str,
    report: &StepReport,
) -> Result<Option<serde_json::Value>, Problem> {
    let StepReport::Done { summary, .. } = report else {
        return Ok(None);
    };
    let user_id = session.user_id;
    let plan = state
        .store
        .read(move |c| {
            if trials::host(c, user_id, trial_id)?.is_none() {
                return Ok(None);
            }
            trials::plan(c, user_id, trial_id).map(Some)
        })
        .await
        .map_err(Problem::from)?
        .ok_or_else(|| Problem::not_found(format!("no trial {trial_id}")))?;
    let Some(Action::FetchData(fetch)) = plan
        .steps
        .iter()
        .find(|s| s.id == step)
        .map(|s| s.action.clone())
    else {
        return Ok(None);
    };
    let response = fetch_audited(state, session, &fetch.data_request(), false).await?;
    let ours = &response.series.provenance().content_hash;
    let theirs = summary.get("content_hash").and_then(|h| h.as_str());
    if theirs != Some(ours.as_str()) {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "output_mismatch",
            format!(
                "summary.content_hash: the gateway's series of step {step:?} has hash {ours}, \
                 not {theirs:?}"
            ),
        ));
    }
    serde_json::to_value(&response.series)
        .map(Some)
        .map_err(|e| Problem::internal(&e))
}

/// Applies the browser's `report` about `step` of `session`'s trial
/// `trial_id` (see the module doc), renews the lease and answers the
/// trial, the events caused and the lease.
pub async fn report(
    state: &AppState,
    session: &Session,
    trial_id: i64,
    step: String,
    report: StepReport,
) -> Result<LeaseAnswer, Problem> {
    check_text(&report)?;
    let fetched = gateway_output(state, session, trial_id, &step, &report).await?;
    let owner = session.clone();
    let rules = Arc::clone(&state.rules);
    let until = lease_until(state);
    let for_answer = state.clone();
    let answer = state
        .store
        .write(move |tx| {
            let (mut trial, mut events) = restore(tx, &owner, trial_id)?;
            let mut output = None;
            let mut results: Vec<ResultRecord> = Vec::new();
            let caused = match report {
                StepReport::Started => trial.started(&step),
                StepReport::Progress { fraction, message } => {
                    trial.progress(&step, fraction, &message)
                }
                StepReport::Done {
                    summary,
                    output: reported,
                    results: records,
                } => {
                    let caused = trial.succeeded(&step, summary);
                    if caused.as_ref().is_ok_and(|events| {
                        events
                            .iter()
                            .any(|e| matches!(e.kind, EventKind::StepSucceeded { .. }))
                    }) {
                        output = Some(fetched.unwrap_or(reported));
                        results = records;
                    }
                    caused
                }
                StepReport::Failed { reason } => trial.failed(&step, &reason),
            };
            events.extend(caused.map_err(refused)?);
            trials::renew_lease(tx, owner.user_id, trial_id, until)?;
            let full = output.as_ref().map(|value| (step.as_str(), value));
            record_batch(tx, &owner, trial_id, &events, full, &results, &rules)?;
            answer(&for_answer, tx, &owner, trial_id, events)
        })
        .await?;
    super::committed(state, session, trial_id, &answer.events);
    Ok(answer)
}

/// `POST /api/trials/{id}/heartbeat`: renews the lease of `session`'s
/// browser trial and answers it (a cancel asked for elsewhere shows as
/// `cancelling`, with the events it caused).
pub async fn heartbeat(
    state: &AppState,
    session: &Session,
    trial_id: i64,
) -> Result<LeaseAnswer, Problem> {
    let owner = session.clone();
    let rules = Arc::clone(&state.rules);
    let until = lease_until(state);
    let for_answer = state.clone();
    let answer = state
        .store
        .write(move |tx| {
            let (_, events) = restore(tx, &owner, trial_id)?;
            trials::renew_lease(tx, owner.user_id, trial_id, until)?;
            record_batch(tx, &owner, trial_id, &events, None, &[], &rules)?;
            answer(&for_answer, tx, &owner, trial_id, events)
        })
        .await?;
    super::committed(state, session, trial_id, &answer.events);
    Ok(answer)
}

/// Inside a cancel's transaction: when `session`'s trial `trial_id` is an
/// unfinished browser trial, applies the cancel to its record (pending
/// steps cancelled; it finishes once no step runs) and returns the events;
/// nothing for any other trial.
pub fn settle_cancel(
    tx: &rusqlite::Transaction<'_>,
    session: &Session,
    trial_id: i64,
    rules: &Rules,
) -> Result<Vec<TrialEvent>, Problem> {
    match trials::host(tx, session.user_id, trial_id)? {
        Some((TrialHost::Browser, status)) if !status.is_finished() => {}
        _ => return Ok(Vec::new()),
    }
    let (_, events) = restore(tx, session, trial_id)?;
    record_batch(tx, session, trial_id, &events, None, &[], rules)?;
    Ok(events)
}

/// Why the server took a browser's trial over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Takeover {
    /// The browser's lease lapsed.
    LeaseExpired,
    /// The user pressed Resume on the server.
    User,
}

impl Takeover {
    fn as_str(self) -> &'static str {
        match self {
            Takeover::LeaseExpired => "lease_expired",
            Takeover::User => "user",
        }
    }
}

/// Hands user `user_id`'s unfinished browser trial `trial_id` to the
/// server (audited as `trial.takeover` with the reason) and resumes it on
/// the runner from its last finished step. False when it was not an
/// unfinished browser trial of theirs (nothing changes).
pub async fn take_over(
    state: &AppState,
    user_id: i64,
    trial_id: i64,
    why: Takeover,
) -> Result<bool, Problem> {
    let taken = state
        .store
        .write(move |tx| {
            let Some(user) = users::by_id(tx, user_id)? else {
                return Ok(false);
            };
            if !trials::take_over(tx, user_id, trial_id)? {
                return Ok(false);
            }
            audit::append(
                tx,
                &AuditEvent::new(Some(user_id), &user.username, "trial.takeover")
                    .detail(serde_json::json!({ "trial_id": trial_id, "reason": why.as_str() })),
            )?;
            Ok::<_, Problem>(true)
        })
        .await?;
    if taken {
        state
            .trials
            .resume(state, trials::Unfinished { trial_id, user_id })
            .await?;
    }
    Ok(taken)
}

/// `POST /api/trials/{id}/resume`: the user asks the server to take over
/// their browser trial now. 404 if it is not theirs, 409 `not_in_browser`
/// if it is not an unfinished browser trial.
pub async fn resume_on_server(
    state: &AppState,
    session: &Session,
    trial_id: i64,
) -> Result<TrialSummary, Problem> {
    let user_id = session.user_id;
    let found = state
        .store
        .read(move |c| trials::host(c, user_id, trial_id).map_err(Problem::from))
        .await?;
    if found.is_none() {
        return Err(Problem::not_found(format!("no trial {trial_id}")));
    }
    if !take_over(state, user_id, trial_id, Takeover::User).await? {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "not_in_browser",
            format!("trial {trial_id} is not running in a browser"),
        ));
    }
    state
        .store
        .read(move |c| trials::summary(c, user_id, trial_id).map_err(Problem::from))
        .await?
        .ok_or_else(|| Problem::not_found(format!("no trial {trial_id}")))
}

/// How often the watcher looks for lapsed leases: a quarter of the lease,
/// from 250 ms to 5 s.
pub fn watch_period(lease: Duration) -> Duration {
    (lease / 4).clamp(Duration::from_millis(250), Duration::from_secs(5))
}

/// Takes over every browser trial whose lease lapsed, now; returns how
/// many. Errors are logged per trial, never fatal.
pub async fn take_over_lapsed(state: &AppState) -> Result<usize, Problem> {
    let now = now_ms();
    let lapsed = state
        .store
        .read(move |c| trials::lapsed(c, now).map_err(Problem::from))
        .await?;
    let mut taken = 0;
    for trial in lapsed {
        match take_over(state, trial.user_id, trial.trial_id, Takeover::LeaseExpired).await {
            Ok(true) => taken += 1,
            Ok(false) => {}
            Err(problem) => tracing::error!(
                trial_id = trial.trial_id,
                error = %problem.detail(),
                "cannot take over the browser's trial"
            ),
        }
    }
    Ok(taken)
}

/// Spawns the lease watcher, if a tokio runtime is running: every
/// [`watch_period`] it takes over the browser trials whose lease lapsed
/// (also those a server restart left behind).
pub fn spawn_watcher(state: &AppState) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let state = state.clone();
    runtime.spawn(async move {
        let mut tick = tokio::time::interval(watch_period(state.trials.lease()));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match take_over_lapsed(&state).await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "took over browser trials whose lease lapsed"),
                Err(problem) => {
                    tracing::error!(error = %problem.detail(), "cannot look for lapsed leases")
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watcher_looks_often_enough_but_not_too_often() {
        assert_eq!(
            watch_period(Duration::from_secs(30)),
            Duration::from_millis(7500).min(Duration::from_secs(5))
        );
        assert_eq!(
            watch_period(Duration::from_secs(2)),
            Duration::from_millis(500)
        );
        assert_eq!(
            watch_period(Duration::from_millis(100)),
            Duration::from_millis(250)
        );
    }

    #[test]
    fn long_texts_are_refused_naming_the_field() {
        let long = "x".repeat(MAX_REPORT_TEXT + 1);
        let problem = check_text(&StepReport::Failed { reason: long }).unwrap_err();
        assert!(problem.detail().starts_with("reason: at most"));
        assert!(check_text(&StepReport::Started).is_ok());
    }
}
