//! One trial's driver: an async loop around the pure scheduler
//! ([`TrialState`]). It starts ready steps as workers free up, takes the
//! steps' progress and results from a channel, polls the cancel flag
//! (and, for cancels from the CLI, the store), and stores every event with
//! the state change it describes in one transaction; a step's model
//! results are recorded (as `POST /api/results` does) in the same
//! transaction as its success, and the trial's end is audited there too.
//!
//! Must not run step work itself (that is [`super::steps`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use shared::api::{ResultRecord, TrialStatus};
use shared::compliance::check_result;
use shared::trial::{EventKind, Step, TrialEvent, TrialOutcome, TrialState};
use tokio::sync::{mpsc, Semaphore};

use super::steps::{self, StepContext, StepOutput, CANCELLED};
use crate::auth::Session;
use crate::problem::Problem;
use crate::routes::results::insert_audited;
use crate::state::AppState;
use crate::store::audit::{self, AuditEvent};
use crate::store::{now_ms, trials};

/// How often the driver looks at the cancel flag.
const POLL: Duration = Duration::from_millis(100);
/// Every this many polls it also asks the store (cancels from the CLI).
const STORE_POLLS: u32 = 5;

/// What a running step tells its driver.
enum Report {
    Progress {
        step: String,
        fraction: f64,
        message: String,
    },
    Done {
        step: String,
        result: Result<StepOutput, String>,
    },
}

/// Everything one trial's driver needs.
pub struct Driver {
    /// The server's state.
    pub state: AppState,
    /// The trial's owner.
    pub session: Session,
    /// The trial.
    pub trial_id: i64,
    /// Set to cancel.
    pub cancel: Arc<AtomicBool>,
    /// The runner's worker pool.
    pub workers: Arc<Semaphore>,
}

/// The audit entry of a trial's end.
pub fn end_event(session: &Session, trial_id: i64, outcome: TrialOutcome) -> AuditEvent {
    AuditEvent::new(Some(session.user_id), &session.username, "trial.end")
        .detail(serde_json::json!({ "trial_id": trial_id, "outcome": outcome.as_str() }))
}

/// Stores `events` of `session`'s trial `trial_id` in `tx`: the events
/// with the state change they describe (`output`: the full output of the
/// step whose success is among them), each model result checked by the
/// compliance rules and recorded as `POST /api/results` records one (a
/// refused one is audited, not recorded), and the trial's end audited.
/// The one write path of a batch of events, for both hosts.
pub fn record_batch(
    tx: &rusqlite::Transaction<'_>,
    session: &Session,
    trial_id: i64,
    events: &[TrialEvent],
    output: Option<(&str, &serde_json::Value)>,
    results: &[ResultRecord],
    rules: &shared::compliance::Rules,
) -> Result<(), Problem> {
    trials::apply(tx, session.user_id, trial_id, events, output, now_ms())?;
    for record in results {
        let verdict = check_result(rules, record);
        if verdict.allowed {
            insert_audited(tx, session, record, &verdict)?;
        } else {
            audit::append(
                tx,
                &AuditEvent::new(Some(session.user_id), &session.username, "result.record")
                    .verdict(&verdict)
                    .detail(serde_json::json!({
                        "trial_id": trial_id, "model": record.model,
                    })),
            )?;
        }
    }
    for event in events {
        if let EventKind::TrialFinished { outcome } = event.kind {
            audit::append(tx, &end_event(session, trial_id, outcome))?;
        }
    }
    Ok(())
}

impl Driver {
    /// Runs the trial to its end. A store failure stops the driver (the
    /// trial stays unfinished in the store and resumes at the next start).
    pub async fn run(self, mut trial: TrialState) {
        if let Err(problem) = self.drive(&mut trial).await {
            tracing::error!(
                trial_id = self.trial_id,
                error = %problem.detail(),
                "the trial stopped: its record could not be written"
            );
        }
    }

    async fn drive(&self, trial: &mut TrialState) -> Result<(), Problem> {
        let (send, mut receive) = mpsc::unbounded_channel::<Report>();
        let mut tick = tokio::time::interval(POLL);
        let mut polls = 0u32;
        while trial.outcome().is_none() {
            if !trial.is_cancelled() && self.cancel.load(Ordering::SeqCst) {
                let events = trial.cancel();
                self.persist(events, None, Vec::new()).await?;
                continue;
            }
            let next: Option<Step> = trial.ready().first().map(|step| (*step).clone());
            tokio::select! {
                Some(report) = receive.recv() => self.on_report(trial, report).await?,
                permit = Arc::clone(&self.workers).acquire_owned(), if next.is_some() => {
                    let permit = permit.map_err(|e| Problem::internal(&e))?;
                    let Some(step) = next else { continue };
                    if self.cancel.load(Ordering::SeqCst) {
                        continue;
                    }
                    let events = trial.started(&step.id).map_err(|e| Problem::internal(&e))?;
                    self.persist(events, None, Vec::new()).await?;
                    self.launch(step, permit, send.clone()).await?;
                }
                _ = tick.tick() => {
                    polls = polls.wrapping_add(1);
                    if !trial.is_cancelled() && self.cancel_asked(polls).await? {
                        self.cancel.store(true, Ordering::SeqCst);
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether a cancel was asked for: the flag, or (every few polls) the
    /// store's status.
    async fn cancel_asked(&self, polls: u32) -> Result<bool, Problem> {
        if self.cancel.load(Ordering::SeqCst) {
            return Ok(true);
        }
        if !polls.is_multiple_of(STORE_POLLS) {
            return Ok(false);
        }
        let (user_id, trial_id) = (self.session.user_id, self.trial_id);
        let status = self
            .state
            .store
            .read(move |c| trials::status(c, user_id, trial_id).map_err(Problem::from))
            .await?;
        Ok(status == Some(TrialStatus::Cancelling))
    }

    /// Spawns `step` with its inputs' outputs; the permit is held until
    /// the step ends.
    async fn launch(
        &self,
        step: Step,
        permit: tokio::sync::OwnedSemaphorePermit,
        send: mpsc::UnboundedSender<Report>,
    ) -> Result<(), Problem> {
        let (user_id, trial_id) = (self.session.user_id, self.trial_id);
        let inputs = step.inputs.clone();
        let outputs = self
            .state
            .store
            .read(move |c| trials::outputs(c, user_id, trial_id, &inputs).map_err(Problem::from))
            .await?;
        let progress_send = send.clone();
        let id = step.id.clone();
        let ctx = StepContext {
            state: self.state.clone(),
            session: self.session.clone(),
            cancel: Arc::clone(&self.cancel),
            progress: Arc::new(move |fraction, message| {
                let _ = progress_send.send(Report::Progress {
                    step: id.clone(),
                    fraction,
                    message,
                });
            }),
        };
        tokio::spawn(async move {
            let result = steps::run(ctx, step.action, outputs).await;
            drop(permit);
            let _ = send.send(Report::Done {
                step: step.id,
                result,
            });
        });
        Ok(())
    }

    async fn on_report(&self, trial: &mut TrialState, report: Report) -> Result<(), Problem> {
        match report {
            Report::Progress {
                step,
                fraction,
                message,
            } => {
                // A late or malformed progress report is dropped, not fatal.
                if let Ok(events) = trial.progress(&step, fraction.clamp(0.0, 1.0), &message) {
                    self.persist(events, None, Vec::new()).await?;
                }
            }
            Report::Done { step, result } => {
                let cancelled = self.cancel.load(Ordering::SeqCst);
                let (events, output, results) = match result {
                    Ok(out) => {
                        let events = trial
                            .succeeded(&step, out.summary)
                            .map_err(|e| Problem::internal(&e))?;
                        (events, Some((step, out.output)), out.results)
                    }
                    Err(reason) if cancelled || reason == CANCELLED => (
                        trial.stopped(&step).map_err(|e| Problem::internal(&e))?,
                        None,
                        Vec::new(),
                    ),
                    Err(reason) => (
                        trial
                            .failed(&step, &reason)
                            .map_err(|e| Problem::internal(&e))?,
                        None,
                        Vec::new(),
                    ),
                };
                let recorded = events
                    .iter()
                    .any(|e| matches!(e.kind, EventKind::StepSucceeded { .. }));
                let results = if recorded { results } else { Vec::new() };
                let output = if recorded { output } else { None };
                self.persist(events, output, results).await?;
            }
        }
        Ok(())
    }

    /// Stores `events` (with a step's full output and its model results,
    /// each checked by the compliance rules as `POST /api/results` does)
    /// in one transaction; the trial's end is audited in it. Once it
    /// committed, the events go out (see [`super::committed`]).
    async fn persist(
        &self,
        events: Vec<TrialEvent>,
        output: Option<(String, serde_json::Value)>,
        results: Vec<ResultRecord>,
    ) -> Result<(), Problem> {
        if events.is_empty() {
            return Ok(());
        }
        let (session, trial_id) = (self.session.clone(), self.trial_id);
        let rules = Arc::clone(&self.state.rules);
        let events = self
            .state
            .store
            .write(move |tx| {
                let output = output.as_ref().map(|(id, value)| (id.as_str(), value));
                record_batch(tx, &session, trial_id, &events, output, &results, &rules)?;
                Ok::<_, Problem>(events)
            })
            .await?;
        super::committed(&self.state, &self.session, self.trial_id, &events);
        Ok(())
    }
}
