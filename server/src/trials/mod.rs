//! The headless trial runner: trials run on the server with no browser
//! open. [`TrialRunner::start`] validates a plan, stores the trial with its
//! first event and its audit entry in one transaction, and spawns its
//! driver (see [`driver`]); steps wait in a queue for one of a bounded
//! number of workers (`MLTRAINER_TRIAL_WORKERS`) and run on blocking
//! threads (see [`steps`]). [`TrialRunner::cancel`] sets the trial's cancel
//! flag, which running steps check between units of work, and marks it
//! cancelling in the store (a `trial cancel` from the CLI only does the
//! latter; the driver polls for it). [`TrialRunner::resume_all`] picks up
//! every unfinished trial at start: steps that were running run again.
//! A trial run by a browser's workers is stored the same way but not
//! driven here: [`browser`] takes its reports and, when its lease lapses
//! or the user asks, hands it to this runner through the same resume path.
//!
//! Must not decide what a plan means (that is `shared::trial`) or answer
//! HTTP (that is `routes::trials`).

pub mod browser;
pub mod driver;
pub mod steps;
pub mod webhook;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::http::StatusCode;
use shared::actions::ActionContext;
use shared::api::{TrialHost, TrialStatus, TrialSummary};
use shared::trial::{EventKind, Plan, TrialEvent, TrialState};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::auth::Session;
use crate::problem::Problem;
use crate::state::{today, AppState};
use crate::store::audit::{self, AuditEvent};
use crate::store::{now_ms, trials, users, StoreError};

/// Workers when `MLTRAINER_TRIAL_WORKERS` is not set.
pub const DEFAULT_WORKERS: usize = 2;
/// Most workers `MLTRAINER_TRIAL_WORKERS` may ask for.
pub const MAX_WORKERS: usize = 64;

/// Marks `session`'s trial `trial_id` cancelling inside `tx`, audited as
/// `trial.cancel` (the driver, or the next start, finishes the cancel);
/// 404 if it is not theirs. The one cancel path of the API and the CLI.
pub fn request_cancel(
    tx: &rusqlite::Transaction<'_>,
    session: &Session,
    trial_id: i64,
) -> Result<TrialSummary, Problem> {
    let before = trials::request_cancel(tx, session.user_id, trial_id)?;
    let Some(before) = before else {
        return Err(Problem::not_found(format!("no trial {trial_id}")));
    };
    if before == TrialStatus::Running {
        audit::append(
            tx,
            &AuditEvent::new(Some(session.user_id), &session.username, "trial.cancel")
                .detail(serde_json::json!({ "trial_id": trial_id })),
        )?;
    }
    trials::summary(tx, session.user_id, trial_id)?
        .ok_or_else(|| Problem::not_found(format!("no trial {trial_id}")))
}

/// After `events` of `session`'s trial `trial_id` committed: publishes
/// them to the user's open sockets and, when the trial finished, sends the
/// webhook in the background. The one path from the record to the outside.
pub fn committed(state: &AppState, session: &Session, trial_id: i64, events: &[TrialEvent]) {
    state.live.publish(session.user_id, trial_id, events);
    let finished = events.iter().find_map(|event| match event.kind {
        EventKind::TrialFinished { outcome } => Some(outcome),
        _ => None,
    });
    if let (Some(outcome), Some(webhook)) = (finished, &state.webhook) {
        webhook.spawn(state.clone(), session.clone(), trial_id, outcome);
    }
}

/// The runner: the worker pool and the cancel flags of running trials.
/// Cheap to clone.
#[derive(Clone)]
pub struct TrialRunner {
    inner: Arc<Inner>,
}

struct Inner {
    workers: Arc<Semaphore>,
    count: usize,
    lease: Duration,
    cancels: Mutex<HashMap<i64, Arc<AtomicBool>>>,
}

impl std::fmt::Debug for TrialRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrialRunner")
            .field("workers", &self.inner.count)
            .finish()
    }
}

/// A trial just started: its summary and its driver's task.
#[derive(Debug)]
pub struct Started {
    /// The stored trial.
    pub summary: TrialSummary,
    /// The driver; it ends when the trial ends.
    pub driver: JoinHandle<()>,
}

impl TrialRunner {
    /// A runner with `workers` step workers (at least 1), whose browser
    /// trials hold a lease of [`browser::DEFAULT_LEASE_SECS`].
    pub fn new(workers: usize) -> TrialRunner {
        TrialRunner::with_lease(workers, browser::DEFAULT_LEASE_SECS)
    }

    /// A runner with `workers` step workers (at least 1) whose browser
    /// trials hold a lease of `lease_secs` (1 to
    /// [`browser::MAX_LEASE_SECS`]) from each report.
    pub fn with_lease(workers: usize, lease_secs: u64) -> TrialRunner {
        let count = workers.clamp(1, MAX_WORKERS);
        TrialRunner {
            inner: Arc::new(Inner {
                workers: Arc::new(Semaphore::new(count)),
                count,
                lease: Duration::from_secs(lease_secs.clamp(1, browser::MAX_LEASE_SECS)),
                cancels: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The number of step workers.
    pub fn workers(&self) -> usize {
        self.inner.count
    }

    /// How long a browser trial's lease lasts from each report.
    pub fn lease(&self) -> Duration {
        self.inner.lease
    }

    /// Validates `plan` (422 `invalid_plan` naming the step and the reason,
    /// audited), stores the trial, its first event and a `trial.start`
    /// audit entry in one transaction, and spawns its driver.
    pub async fn start(
        &self,
        state: &AppState,
        session: &Session,
        plan: Plan,
    ) -> Result<Started, Problem> {
        let (summary, trial) = self.create(state, session, plan, TrialHost::Server).await?;
        let driver = self.spawn(state, session, summary.id, trial);
        Ok(Started { summary, driver })
    }

    /// Validates and stores `plan` as [`TrialRunner::start`] does, run by
    /// `host`: the server spawns its driver; a browser trial gets a lease
    /// and waits for the browser's reports (see [`browser`]).
    pub async fn start_hosted(
        &self,
        state: &AppState,
        session: &Session,
        plan: Plan,
        host: TrialHost,
    ) -> Result<TrialSummary, Problem> {
        match host {
            TrialHost::Server => Ok(self.start(state, session, plan).await?.summary),
            TrialHost::Browser => Ok(self.create(state, session, plan, host).await?.0),
        }
    }

    /// Validates `plan` and stores it as a new trial run by `host`, with
    /// its first event and its audit entry, in one transaction.
    async fn create(
        &self,
        state: &AppState,
        session: &Session,
        plan: Plan,
        host: TrialHost,
    ) -> Result<(TrialSummary, TrialState), Problem> {
        let ctx = ActionContext {
            rules: &state.rules,
            today: today(),
        };
        let valid = match plan.validate(&ctx) {
            Ok(valid) => valid,
            Err(error) => {
                let event =
                    AuditEvent::new(Some(session.user_id), &session.username, "trial.refused")
                        .detail(serde_json::json!({
                            "name": plan.name, "step": error.step, "index": error.index,
                            "field": error.field, "rule_id": error.rule_id, "reason": error.reason,
                        }));
                state.audit(event).await?;
                return Err(Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_plan",
                    error.to_string(),
                ));
            }
        };
        let mut trial = TrialState::new(valid);
        let events = trial.start();
        let owner = session.clone();
        let stored_plan = plan.clone();
        let first = events.clone();
        let lease_ms = i64::try_from(self.lease().as_millis()).unwrap_or(i64::MAX);
        let summary = state
            .store
            .write(move |tx| {
                let id = trials::create(tx, owner.user_id, &stored_plan, &events, now_ms())?;
                if host == TrialHost::Browser {
                    trials::set_browser(tx, owner.user_id, id, now_ms().saturating_add(lease_ms))?;
                }
                audit::append(
                    tx,
                    &AuditEvent::new(Some(owner.user_id), &owner.username, "trial.start").detail(
                        serde_json::json!({
                            "trial_id": id, "name": stored_plan.name,
                            "steps": stored_plan.steps.len(), "host": host.as_str(),
                            "actions": stored_plan.steps.iter()
                                .map(|s| s.action.tool_name()).collect::<Vec<_>>(),
                        }),
                    ),
                )?;
                trials::summary(tx, owner.user_id, id)?
                    .ok_or_else(|| StoreError::Corrupt("the new trial is missing".into()))
                    .map_err(Problem::from)
            })
            .await?;
        committed(state, session, summary.id, &first);
        Ok((summary, trial))
    }

    /// Cancels `session`'s trial `trial_id`: marks it cancelling (audited
    /// as `trial.cancel`) and sets its cancel flag. 404 if it is not
    /// theirs; a finished trial is answered as it is.
    pub async fn cancel(
        &self,
        state: &AppState,
        session: &Session,
        trial_id: i64,
    ) -> Result<TrialSummary, Problem> {
        let owner = session.clone();
        let rules = Arc::clone(&state.rules);
        let (summary, events) = state
            .store
            .write(move |tx| {
                let before = request_cancel(tx, &owner, trial_id)?;
                // A browser's trial has no driver here: its pending steps
                // are cancelled now, its running ones when it reports.
                let events = browser::settle_cancel(tx, &owner, trial_id, &rules)?;
                let after = trials::summary(tx, owner.user_id, trial_id)?;
                Ok::<_, Problem>((after.unwrap_or(before), events))
            })
            .await?;
        committed(state, session, trial_id, &events);
        if let Some(flag) = self.flag(trial_id) {
            flag.store(true, Ordering::SeqCst);
        }
        Ok(summary)
    }

    /// Resumes every unfinished trial in the store (at start): finished
    /// steps keep their outcome, running ones run again. Returns how many.
    pub async fn resume_all(&self, state: &AppState) -> Result<usize, Problem> {
        let unfinished = state
            .store
            .read(|c| trials::unfinished(c).map_err(Problem::from))
            .await?;
        let mut resumed = 0;
        for trial in unfinished {
            match self.resume(state, trial).await {
                Ok(()) => resumed += 1,
                Err(problem) => tracing::error!(
                    trial_id = trial.trial_id,
                    error = %problem.detail(),
                    "cannot resume the trial"
                ),
            }
        }
        Ok(resumed)
    }

    /// Picks `trial` up from its record and drives it to its end: finished
    /// steps keep their outcome, running ones run again (`trial.resume`
    /// audited). At start, and when the server takes over a browser's
    /// trial.
    pub async fn resume(&self, state: &AppState, trial: trials::Unfinished) -> Result<(), Problem> {
        let trials::Unfinished { trial_id, user_id } = trial;
        let (user, record) = state
            .store
            .read(move |c| {
                Ok::<_, Problem>((
                    users::by_id(c, user_id)?,
                    trials::record(c, user_id, trial_id)?,
                ))
            })
            .await?;
        let (Some(user), Some(record)) = (user, record) else {
            return Err(Problem::not_found(format!("no trial {trial_id}")));
        };
        let session = Session {
            user_id,
            username: user.username,
            role: user.role,
            local: user.is_local,
        };
        let valid = record
            .plan
            .check_graph()
            .map_err(|e| Problem::internal(&e))?;
        let (mut trial, mut events) = TrialState::resume(
            valid,
            &record.finished,
            &record.interrupted,
            record.last_seq,
        )
        .map_err(|e| Problem::internal(&e))?;
        if record.status == TrialStatus::Cancelling {
            events.extend(trial.cancel());
        }
        let owner = session.clone();
        let rerun = record.interrupted.clone();
        let finished = trial.outcome();
        let stored = events.clone();
        state
            .store
            .write(move |tx| {
                trials::apply(tx, owner.user_id, trial_id, &stored, None, now_ms())?;
                audit::append(
                    tx,
                    &AuditEvent::new(Some(owner.user_id), &owner.username, "trial.resume")
                        .detail(serde_json::json!({ "trial_id": trial_id, "rerun": rerun })),
                )?;
                if let Some(outcome) = finished {
                    audit::append(tx, &driver::end_event(&owner, trial_id, outcome))?;
                }
                Ok::<_, Problem>(())
            })
            .await?;
        committed(state, &session, trial_id, &events);
        if trial.outcome().is_none() {
            self.spawn(state, &session, trial_id, trial);
        }
        Ok(())
    }

    /// The cancel flag of a trial this runner is driving.
    fn flag(&self, trial_id: i64) -> Option<Arc<AtomicBool>> {
        self.inner
            .cancels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&trial_id)
            .cloned()
    }

    fn spawn(
        &self,
        state: &AppState,
        session: &Session,
        trial_id: i64,
        trial: TrialState,
    ) -> JoinHandle<()> {
        let cancel = Arc::new(AtomicBool::new(false));
        self.inner
            .cancels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(trial_id, Arc::clone(&cancel));
        let driver = driver::Driver {
            state: state.clone(),
            session: session.clone(),
            trial_id,
            cancel,
            workers: Arc::clone(&self.inner.workers),
        };
        let runner = self.clone();
        tokio::spawn(async move {
            driver.run(trial).await;
            runner
                .inner
                .cancels
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&trial_id);
        })
    }
}
