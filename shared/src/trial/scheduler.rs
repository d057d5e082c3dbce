//! The pure scheduler of a trial: [`TrialState`] says which steps are
//! ready (every input succeeded, not running, within the plan's
//! concurrency limit, in plan order), takes the host's reports and answers
//! with numbered [`TrialEvent`]s.
//!
//! Rules: a failed step fails every transitive dependant with
//! `input X failed: reason` and independent branches go on; after
//! [`TrialState::cancel`] no step starts, pending steps are cancelled, and
//! running steps are reported cancelled when the host says they stopped
//! (whatever they report, nothing is recorded after the cancel); the trial
//! finishes when no step is pending or running.
//!
//! Pure and deterministic: no threads, clock or I/O; the same reports in
//! the same order give the same events.

use std::collections::VecDeque;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::event::{EventKind, TrialEvent, TrialOutcome};
use super::plan::{Step, ValidPlan};

/// Where a step is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Not started yet.
    Pending,
    /// Started, not finished.
    Running,
    /// Finished with an output.
    Succeeded,
    /// Failed, or an input failed.
    Failed,
    /// Cancelled before or while running.
    Cancelled,
}

impl StepStatus {
    /// The snake_case name, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Running => "running",
            StepStatus::Succeeded => "succeeded",
            StepStatus::Failed => "failed",
            StepStatus::Cancelled => "cancelled",
        }
    }

    /// Parses [`StepStatus::as_str`]'s names.
    pub fn parse(text: &str) -> Option<StepStatus> {
        [
            StepStatus::Pending,
            StepStatus::Running,
            StepStatus::Succeeded,
            StepStatus::Failed,
            StepStatus::Cancelled,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }

    /// Whether the step is done (succeeded, failed or cancelled).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            StepStatus::Succeeded | StepStatus::Failed | StepStatus::Cancelled
        )
    }
}

/// How a recorded step finished, for [`TrialState::resume`].
#[derive(Clone, Debug, PartialEq)]
pub enum StepOutcome {
    /// It succeeded.
    Succeeded,
    /// It failed, for this reason.
    Failed(String),
    /// It was cancelled.
    Cancelled,
}

/// A step finished before the trial stopped (from the host's record).
#[derive(Clone, Debug, PartialEq)]
pub struct FinishedStep {
    /// The step id.
    pub id: String,
    /// How it finished.
    pub outcome: StepOutcome,
}

/// A report the scheduler cannot accept.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SchedulerError {
    /// No step has this id.
    #[error("no step {0:?} in this plan")]
    UnknownStep(String),
    /// The step cannot start now (inputs not done, not pending, at the
    /// concurrency limit, or the trial is cancelled or finished).
    #[error("step {0:?} is not ready to start")]
    NotReady(String),
    /// The step is not running.
    #[error("step {step:?} is not running (it is {status})")]
    NotRunning {
        /// The step id.
        step: String,
        /// Its status.
        status: &'static str,
    },
    /// Progress outside 0 to 1.
    #[error("progress of step {step:?} must be a number from 0 to 1, not {fraction}")]
    BadFraction {
        /// The step id.
        step: String,
        /// The fraction given.
        fraction: f64,
    },
}

/// The state of one trial: each step's status, the event counter and
/// whether it was cancelled or has finished.
#[derive(Clone, Debug)]
pub struct TrialState {
    plan: ValidPlan,
    status: Vec<StepStatus>,
    running: usize,
    cancelled: bool,
    outcome: Option<TrialOutcome>,
    seq: u64,
}

impl TrialState {
    /// A new trial of `plan`; call [`TrialState::start`] first.
    pub fn new(plan: ValidPlan) -> TrialState {
        let steps = plan.plan().steps.len();
        TrialState {
            plan,
            status: vec![StepStatus::Pending; steps],
            running: 0,
            cancelled: false,
            outcome: None,
            seq: 0,
        }
    }

    /// The trial-started event (the first event of a trial).
    pub fn start(&mut self) -> Vec<TrialEvent> {
        let steps = self.status.len();
        let mut events = Vec::new();
        self.emit(&mut events, EventKind::TrialStarted { steps });
        events
    }

    /// Picks a trial up again from its record: `finished` steps keep their
    /// outcome, `interrupted` steps (running when it stopped) will run
    /// again, the rest are pending. Event numbers go on from `last_seq`.
    /// A failure whose dependants were not yet failed fails them now; a
    /// cancelled step means the trial was cancelled.
    pub fn resume(
        plan: ValidPlan,
        finished: &[FinishedStep],
        interrupted: &[String],
        last_seq: u64,
    ) -> Result<(TrialState, Vec<TrialEvent>), SchedulerError> {
        let mut state = TrialState::new(plan);
        state.seq = last_seq;
        let mut failures = Vec::new();
        for step in finished {
            let index = state.index(&step.id)?;
            state.status[index] = match &step.outcome {
                StepOutcome::Succeeded => StepStatus::Succeeded,
                StepOutcome::Failed(reason) => {
                    failures.push((index, reason.clone()));
                    StepStatus::Failed
                }
                StepOutcome::Cancelled => {
                    state.cancelled = true;
                    StepStatus::Cancelled
                }
            };
        }
        for id in interrupted {
            state.index(id)?;
        }
        let mut events = Vec::new();
        state.emit(
            &mut events,
            EventKind::TrialResumed {
                rerun: interrupted.to_vec(),
            },
        );
        for (index, reason) in failures {
            state.fail_dependants(index, &reason, &mut events);
        }
        if state.cancelled {
            state.cancel_pending(&mut events);
        }
        state.finish_if_done(&mut events);
        Ok((state, events))
    }

    /// Rebuilds a trial exactly as its record stands, emitting nothing:
    /// each step's `status` (in any order; steps not named are pending),
    /// running steps still running, event numbers going on from
    /// `last_seq`. A cancelled step means the trial was cancelled. For a
    /// host that keeps no state between reports (the server, for a trial
    /// that runs in a browser); [`TrialState::resume`] instead runs
    /// interrupted steps again.
    pub fn restore(
        plan: ValidPlan,
        steps: &[(String, StepStatus)],
        last_seq: u64,
    ) -> Result<TrialState, SchedulerError> {
        let mut state = TrialState::new(plan);
        state.seq = last_seq;
        for (id, status) in steps {
            let index = state.index(id)?;
            state.status[index] = *status;
            match status {
                StepStatus::Running => state.running += 1,
                StepStatus::Cancelled => state.cancelled = true,
                _ => {}
            }
        }
        if state.status.iter().all(|s| s.is_final()) {
            let mut ignored = Vec::new();
            state.finish_if_done(&mut ignored);
            state.seq = last_seq;
        }
        Ok(state)
    }

    /// The steps that may start now, in plan order: pending, every input
    /// succeeded, no more than the plan's `max_concurrent` running in all.
    /// Empty once cancelled or finished.
    pub fn ready(&self) -> Vec<&Step> {
        if self.cancelled || self.outcome.is_some() {
            return Vec::new();
        }
        let limit = usize::try_from(self.plan.plan().max_concurrent).unwrap_or(usize::MAX);
        let room = limit.saturating_sub(self.running);
        (0..self.status.len())
            .filter(|&i| self.is_ready(i))
            .take(room)
            .map(|i| &self.plan.plan().steps[i])
            .collect()
    }

    /// The host started step `id` (it must be in [`TrialState::ready`]).
    pub fn started(&mut self, id: &str) -> Result<Vec<TrialEvent>, SchedulerError> {
        let index = self.index(id)?;
        if !self.ready().iter().any(|step| step.id == id) {
            return Err(SchedulerError::NotReady(id.to_string()));
        }
        self.status[index] = StepStatus::Running;
        self.running += 1;
        let mut events = Vec::new();
        self.emit(
            &mut events,
            EventKind::StepStarted {
                step: id.to_string(),
            },
        );
        Ok(events)
    }

    /// Step `id` reports progress (`fraction` from 0 to 1). Ignored (no
    /// event) once the trial is cancelled.
    pub fn progress(
        &mut self,
        id: &str,
        fraction: f64,
        message: &str,
    ) -> Result<Vec<TrialEvent>, SchedulerError> {
        let index = self.running_index(id)?;
        if !(0.0..=1.0).contains(&fraction) {
            return Err(SchedulerError::BadFraction {
                step: id.to_string(),
                fraction,
            });
        }
        let mut events = Vec::new();
        if !self.cancelled {
            let step = self.plan.plan().steps[index].id.clone();
            self.emit(
                &mut events,
                EventKind::StepProgress {
                    step,
                    fraction,
                    message: message.to_string(),
                },
            );
        }
        Ok(events)
    }

    /// Step `id` succeeded with an output summarised by `summary`. Once
    /// the trial is cancelled the result is not recorded: the step is
    /// reported cancelled instead.
    pub fn succeeded(
        &mut self,
        id: &str,
        summary: serde_json::Value,
    ) -> Result<Vec<TrialEvent>, SchedulerError> {
        let index = self.running_index(id)?;
        let mut events = Vec::new();
        self.running -= 1;
        if self.cancelled {
            self.stop(index, &mut events);
        } else {
            self.status[index] = StepStatus::Succeeded;
            self.emit(
                &mut events,
                EventKind::StepSucceeded {
                    step: id.to_string(),
                    summary,
                },
            );
        }
        self.finish_if_done(&mut events);
        Ok(events)
    }

    /// Step `id` failed for `reason`: every step that depends on it,
    /// directly or not, fails with `input ID failed: reason`. Once the
    /// trial is cancelled the step is reported cancelled instead.
    pub fn failed(&mut self, id: &str, reason: &str) -> Result<Vec<TrialEvent>, SchedulerError> {
        let index = self.running_index(id)?;
        let mut events = Vec::new();
        self.running -= 1;
        if self.cancelled {
            self.stop(index, &mut events);
        } else {
            self.status[index] = StepStatus::Failed;
            self.emit(
                &mut events,
                EventKind::StepFailed {
                    step: id.to_string(),
                    reason: reason.to_string(),
                },
            );
            self.fail_dependants(index, reason, &mut events);
        }
        self.finish_if_done(&mut events);
        Ok(events)
    }

    /// The host confirms that running step `id` stopped without a result
    /// (after a cancel): it is reported cancelled.
    pub fn stopped(&mut self, id: &str) -> Result<Vec<TrialEvent>, SchedulerError> {
        let index = self.running_index(id)?;
        let mut events = Vec::new();
        self.running -= 1;
        self.stop(index, &mut events);
        self.finish_if_done(&mut events);
        Ok(events)
    }

    /// Cancels the trial: nothing more starts, pending steps are
    /// cancelled, and the trial finishes (cancelled) once the running
    /// steps are reported. Nothing happens if it already finished or was
    /// cancelled.
    pub fn cancel(&mut self) -> Vec<TrialEvent> {
        let mut events = Vec::new();
        if self.cancelled || self.outcome.is_some() {
            return events;
        }
        self.cancelled = true;
        self.cancel_pending(&mut events);
        self.finish_if_done(&mut events);
        events
    }

    /// The validated plan.
    pub fn plan(&self) -> &ValidPlan {
        &self.plan
    }

    /// The status of step `id`.
    pub fn status_of(&self, id: &str) -> Option<StepStatus> {
        self.plan.index_of(id).map(|i| self.status[i])
    }

    /// Every step's id and status, in plan order.
    pub fn statuses(&self) -> Vec<(&str, StepStatus)> {
        self.plan
            .plan()
            .steps
            .iter()
            .zip(&self.status)
            .map(|(step, status)| (step.id.as_str(), *status))
            .collect()
    }

    /// The ids of the running steps, in plan order.
    pub fn running(&self) -> Vec<&str> {
        self.statuses()
            .into_iter()
            .filter(|(_, status)| *status == StepStatus::Running)
            .map(|(id, _)| id)
            .collect()
    }

    /// Whether the trial was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    /// How the trial ended, once it has.
    pub fn outcome(&self) -> Option<TrialOutcome> {
        self.outcome
    }

    /// The sequence number of the last event emitted (0 before any).
    pub fn last_seq(&self) -> u64 {
        self.seq
    }

    fn index(&self, id: &str) -> Result<usize, SchedulerError> {
        self.plan
            .index_of(id)
            .ok_or_else(|| SchedulerError::UnknownStep(id.to_string()))
    }

    fn running_index(&self, id: &str) -> Result<usize, SchedulerError> {
        let index = self.index(id)?;
        match self.status[index] {
            StepStatus::Running => Ok(index),
            status => Err(SchedulerError::NotRunning {
                step: id.to_string(),
                status: status.as_str(),
            }),
        }
    }

    fn is_ready(&self, index: usize) -> bool {
        self.status[index] == StepStatus::Pending
            && self
                .plan
                .inputs_of(index)
                .iter()
                .all(|&input| self.status[input] == StepStatus::Succeeded)
    }

    fn emit(&mut self, events: &mut Vec<TrialEvent>, kind: EventKind) {
        self.seq += 1;
        events.push(TrialEvent {
            seq: self.seq,
            kind,
        });
    }

    fn stop(&mut self, index: usize, events: &mut Vec<TrialEvent>) {
        self.status[index] = StepStatus::Cancelled;
        let step = self.plan.plan().steps[index].id.clone();
        self.emit(events, EventKind::StepCancelled { step });
    }

    fn cancel_pending(&mut self, events: &mut Vec<TrialEvent>) {
        for index in 0..self.status.len() {
            if self.status[index] == StepStatus::Pending {
                self.stop(index, events);
            }
        }
    }

    /// Fails every pending transitive dependant of `failed`, in plan order.
    fn fail_dependants(&mut self, failed: usize, reason: &str, events: &mut Vec<TrialEvent>) {
        let count = self.status.len();
        let mut hit = vec![false; count];
        let mut queue = VecDeque::from([failed]);
        while let Some(node) = queue.pop_front() {
            for (step, seen) in hit.iter_mut().enumerate() {
                if !*seen
                    && self.status[step] == StepStatus::Pending
                    && self.plan.inputs_of(step).contains(&node)
                {
                    *seen = true;
                    queue.push_back(step);
                }
            }
        }
        let source = self.plan.plan().steps[failed].id.clone();
        for step in (0..count).filter(|&i| hit[i]) {
            self.status[step] = StepStatus::Failed;
            let id = self.plan.plan().steps[step].id.clone();
            self.emit(
                events,
                EventKind::StepFailed {
                    step: id,
                    reason: format!("input {source} failed: {reason}"),
                },
            );
        }
    }

    fn finish_if_done(&mut self, events: &mut Vec<TrialEvent>) {
        if self.outcome.is_some() || self.status.iter().any(|s| !s.is_final()) {
            return;
        }
        let outcome = if self.cancelled {
            TrialOutcome::Cancelled
        } else if self.status.contains(&StepStatus::Failed) {
            TrialOutcome::Failed
        } else {
            TrialOutcome::Succeeded
        };
        self.outcome = Some(outcome);
        self.emit(events, EventKind::TrialFinished { outcome });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trial::Plan;

    fn price() -> serde_json::Value {
        serde_json::json!({"action": "price_option", "right": "put", "spot": 100.0,
            "strike": 90.0, "days": 30.0, "volatility": 0.3})
    }

    /// A plan of price steps with the given (id, inputs) and limit.
    fn plan(steps: &[(&str, &[&str])], max_concurrent: u32) -> ValidPlan {
        let steps: Vec<_> = steps
            .iter()
            .map(|(id, inputs)| serde_json::json!({"id": id, "action": price(), "inputs": inputs}))
            .collect();
        Plan::from_value(
            serde_json::json!({"name": "t", "max_concurrent": max_concurrent, "steps": steps}),
        )
        .unwrap()
        .check_graph()
        .unwrap()
    }

    fn ids(steps: Vec<&Step>) -> Vec<String> {
        steps.into_iter().map(|s| s.id.clone()).collect()
    }

    #[test]
    fn ready_respects_inputs_order_and_limit() {
        let mut state = TrialState::new(plan(
            &[("a", &[]), ("b", &[]), ("c", &[]), ("d", &["a", "b"])],
            2,
        ));
        assert_eq!(state.start()[0].seq, 1);
        assert_eq!(ids(state.ready()), ["a", "b"]);
        state.started("a").unwrap();
        state.started("b").unwrap();
        assert!(state.ready().is_empty(), "at the limit");
        assert_eq!(
            state.started("c").unwrap_err(),
            SchedulerError::NotReady("c".into())
        );
        state.succeeded("a", serde_json::json!(1)).unwrap();
        assert_eq!(ids(state.ready()), ["c"], "d still waits for b");
        state.succeeded("b", serde_json::json!(2)).unwrap();
        assert_eq!(ids(state.ready()), ["c", "d"]);
    }

    #[test]
    fn failure_stays_in_its_branch() {
        let mut state = TrialState::new(plan(
            &[("a", &[]), ("b", &["a"]), ("c", &["b"]), ("x", &[])],
            1,
        ));
        state.start();
        state.started("a").unwrap();
        let events = state.failed("a", "no data").unwrap();
        let failed: Vec<_> = events
            .iter()
            .map(|e| match &e.kind {
                EventKind::StepFailed { step, reason } => (step.as_str(), reason.as_str()),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            failed,
            [
                ("a", "no data"),
                ("b", "input a failed: no data"),
                ("c", "input a failed: no data")
            ]
        );
        assert_eq!(ids(state.ready()), ["x"]);
        state.started("x").unwrap();
        let events = state.succeeded("x", serde_json::json!({})).unwrap();
        assert_eq!(
            events.last().unwrap().kind,
            EventKind::TrialFinished {
                outcome: TrialOutcome::Failed
            }
        );
        assert!(state.ready().is_empty());
    }

    #[test]
    fn cancel_waits_for_running_steps_and_records_nothing_after() {
        let mut state = TrialState::new(plan(&[("a", &[]), ("b", &[]), ("c", &["a"])], 2));
        state.start();
        state.started("a").unwrap();
        state.started("b").unwrap();
        let events = state.cancel();
        assert_eq!(
            events.iter().map(|e| e.kind.name()).collect::<Vec<_>>(),
            ["step_cancelled"],
            "c is cancelled; a and b still run"
        );
        assert!(state.ready().is_empty());
        assert!(state.cancel().is_empty(), "a second cancel does nothing");
        assert!(state.progress("a", 0.5, "half").unwrap().is_empty());
        let events = state.succeeded("a", serde_json::json!("late")).unwrap();
        assert_eq!(
            events[0].kind,
            EventKind::StepCancelled { step: "a".into() }
        );
        assert_eq!(state.status_of("a"), Some(StepStatus::Cancelled));
        let events = state.stopped("b").unwrap();
        assert_eq!(
            events.last().unwrap().kind,
            EventKind::TrialFinished {
                outcome: TrialOutcome::Cancelled
            }
        );
        assert!(state.running().is_empty());
    }

    #[test]
    fn resume_reruns_interrupted_steps_and_numbers_on() {
        let valid = plan(&[("a", &[]), ("b", &["a"]), ("c", &["a"])], 2);
        let finished = [FinishedStep {
            id: "a".into(),
            outcome: StepOutcome::Succeeded,
        }];
        let (mut state, events) =
            TrialState::resume(valid.clone(), &finished, &["b".to_string()], 7).unwrap();
        assert_eq!(events[0].seq, 8);
        assert_eq!(
            events[0].kind,
            EventKind::TrialResumed {
                rerun: vec!["b".into()]
            }
        );
        assert_eq!(ids(state.ready()), ["b", "c"]);
        state.started("b").unwrap();
        assert_eq!(state.last_seq(), 9);
        let failed = [FinishedStep {
            id: "a".into(),
            outcome: StepOutcome::Failed("gone".into()),
        }];
        let (state, events) = TrialState::resume(valid, &failed, &[], 3).unwrap();
        assert_eq!(state.outcome(), Some(TrialOutcome::Failed));
        assert_eq!(events.len(), 4, "resumed, b and c failed, finished");
    }

    /// Restores `live` from its statuses, as a stateless host would.
    fn restored(live: &TrialState) -> TrialState {
        let steps: Vec<(String, StepStatus)> = live
            .statuses()
            .into_iter()
            .map(|(id, status)| (id.to_string(), status))
            .collect();
        TrialState::restore(live.plan().clone(), &steps, live.last_seq()).unwrap()
    }

    #[test]
    fn restore_picks_up_exactly_where_the_live_state_is() {
        let valid = plan(&[("a", &[]), ("b", &["a"]), ("c", &["a"]), ("d", &[])], 2);
        let mut live = TrialState::new(valid);
        live.start();
        type Report = fn(&mut TrialState) -> Vec<TrialEvent>;
        let reports: [Report; 8] = [
            |s| s.started("a").unwrap(),
            |s| s.started("d").unwrap(),
            |s| s.progress("a", 0.5, "half").unwrap(),
            |s| s.succeeded("a", serde_json::json!(1)).unwrap(),
            |s| s.started("b").unwrap(),
            |s| s.failed("d", "boom").unwrap(),
            |s| s.started("c").unwrap(),
            |s| s.succeeded("b", serde_json::json!(2)).unwrap(),
        ];
        for report in reports {
            let mut copy = restored(&live);
            assert_eq!(copy.statuses(), live.statuses());
            assert_eq!(ids(copy.ready()), ids(live.ready()));
            assert_eq!(copy.running(), live.running());
            assert_eq!(report(&mut copy), report(&mut live), "same events");
        }
        // The last step's success finishes both the same way.
        let mut copy = restored(&live);
        let events = live.succeeded("c", serde_json::json!(3)).unwrap();
        assert_eq!(copy.succeeded("c", serde_json::json!(3)).unwrap(), events);
        assert_eq!(
            events.last().unwrap().kind,
            EventKind::TrialFinished {
                outcome: TrialOutcome::Failed
            }
        );
        assert_eq!(restored(&live).outcome(), Some(TrialOutcome::Failed));
    }

    #[test]
    fn restore_of_a_cancelled_trial_stays_cancelled() {
        let mut live = TrialState::new(plan(&[("a", &[]), ("b", &[])], 1));
        live.start();
        live.started("a").unwrap();
        live.cancel();
        let mut copy = restored(&live);
        assert!(copy.is_cancelled() && copy.ready().is_empty());
        let events = copy.succeeded("a", serde_json::json!("late")).unwrap();
        assert_eq!(
            events,
            live.succeeded("a", serde_json::json!("late")).unwrap()
        );
        assert_eq!(copy.outcome(), Some(TrialOutcome::Cancelled));
        assert!(matches!(
            TrialState::restore(
                copy.plan().clone(),
                &[("zz".to_string(), StepStatus::Running)],
                1
            ),
            Err(SchedulerError::UnknownStep(_))
        ));
    }

    #[test]
    fn bad_reports_are_refused() {
        let mut state = TrialState::new(plan(&[("a", &[])], 1));
        state.start();
        assert!(matches!(
            state.succeeded("a", serde_json::json!(0)),
            Err(SchedulerError::NotRunning { .. })
        ));
        assert!(matches!(
            state.started("zz"),
            Err(SchedulerError::UnknownStep(_))
        ));
        state.started("a").unwrap();
        assert!(matches!(
            state.progress("a", f64::NAN, ""),
            Err(SchedulerError::BadFraction { .. })
        ));
        assert!(matches!(
            state.progress("a", 1.5, ""),
            Err(SchedulerError::BadFraction { .. })
        ));
    }
}
