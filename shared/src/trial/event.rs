//! What a trial reports as it runs: one [`TrialEvent`] per change, with a
//! sequence number that increases by one per trial (1, 2, 3, ...), so a
//! stored event log can be replayed from any point.
//!
//! Plain data: the scheduler emits these; hosts store and forward them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How a trial ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrialOutcome {
    /// Every step succeeded.
    Succeeded,
    /// At least one step failed (independent branches still ran).
    Failed,
    /// The trial was cancelled.
    Cancelled,
}

impl TrialOutcome {
    /// The snake_case name, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            TrialOutcome::Succeeded => "succeeded",
            TrialOutcome::Failed => "failed",
            TrialOutcome::Cancelled => "cancelled",
        }
    }
}

/// One event with its per-trial sequence number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrialEvent {
    /// 1 for the first event of a trial, then one more per event.
    pub seq: u64,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// The trial began; it has `steps` steps.
    TrialStarted {
        /// Steps in the plan.
        steps: usize,
    },
    /// The trial was picked up again (after a restart); `rerun` are the
    /// steps that were running and will run again.
    TrialResumed {
        /// Steps that were running when the trial stopped.
        rerun: Vec<String>,
    },
    /// A step began.
    StepStarted {
        /// The step id.
        step: String,
    },
    /// A step reported progress.
    StepProgress {
        /// The step id.
        step: String,
        /// Done so far, 0 to 1.
        fraction: f64,
        /// What it is doing, in words.
        message: String,
    },
    /// A step succeeded.
    StepSucceeded {
        /// The step id.
        step: String,
        /// A short summary of its output (the full output is stored with
        /// the step).
        summary: serde_json::Value,
    },
    /// A step failed (or could not run because an input failed).
    StepFailed {
        /// The step id.
        step: String,
        /// Why.
        reason: String,
    },
    /// A step was cancelled (before it started, or while running).
    StepCancelled {
        /// The step id.
        step: String,
    },
    /// The trial ended; no more events follow.
    TrialFinished {
        /// How.
        outcome: TrialOutcome,
    },
}

impl EventKind {
    /// The step this event is about, if any.
    pub fn step(&self) -> Option<&str> {
        match self {
            EventKind::StepStarted { step }
            | EventKind::StepProgress { step, .. }
            | EventKind::StepSucceeded { step, .. }
            | EventKind::StepFailed { step, .. }
            | EventKind::StepCancelled { step } => Some(step),
            _ => None,
        }
    }

    /// The snake_case name of the event, e.g. `step_started`.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::TrialStarted { .. } => "trial_started",
            EventKind::TrialResumed { .. } => "trial_resumed",
            EventKind::StepStarted { .. } => "step_started",
            EventKind::StepProgress { .. } => "step_progress",
            EventKind::StepSucceeded { .. } => "step_succeeded",
            EventKind::StepFailed { .. } => "step_failed",
            EventKind::StepCancelled { .. } => "step_cancelled",
            EventKind::TrialFinished { .. } => "trial_finished",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_flat_with_their_name() {
        let event = TrialEvent {
            seq: 3,
            kind: EventKind::StepFailed {
                step: "fit".into(),
                reason: "boom".into(),
            },
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"seq": 3, "event": "step_failed", "step": "fit", "reason": "boom"})
        );
        let back: TrialEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
        assert_eq!(back.kind.name(), "step_failed");
        assert_eq!(back.kind.step(), Some("fit"));
    }
}
