//! Trials on the wire: a trial's summary, its detail (plan, steps, events
//! after a sequence number) and the query for new events. The plan itself
//! is [`crate::trial::Plan`], posted as is.

use serde::{Deserialize, Serialize};

use crate::trial::{Plan, StepStatus, TrialEvent, TrialOutcome};

/// Where a trial is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialStatus {
    /// Steps are running or waiting.
    Running,
    /// A cancel was asked for; running steps are stopping.
    Cancelling,
    /// Finished: every step succeeded.
    Succeeded,
    /// Finished: at least one step failed.
    Failed,
    /// Finished: cancelled.
    Cancelled,
}

impl TrialStatus {
    /// The snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            TrialStatus::Running => "running",
            TrialStatus::Cancelling => "cancelling",
            TrialStatus::Succeeded => "succeeded",
            TrialStatus::Failed => "failed",
            TrialStatus::Cancelled => "cancelled",
        }
    }

    /// Parses [`TrialStatus::as_str`]'s names.
    pub fn parse(text: &str) -> Option<TrialStatus> {
        [
            TrialStatus::Running,
            TrialStatus::Cancelling,
            TrialStatus::Succeeded,
            TrialStatus::Failed,
            TrialStatus::Cancelled,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }

    /// The finished status for `outcome`.
    pub fn finished(outcome: TrialOutcome) -> TrialStatus {
        match outcome {
            TrialOutcome::Succeeded => TrialStatus::Succeeded,
            TrialOutcome::Failed => TrialStatus::Failed,
            TrialOutcome::Cancelled => TrialStatus::Cancelled,
        }
    }

    /// Whether no more events will come.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            TrialStatus::Succeeded | TrialStatus::Failed | TrialStatus::Cancelled
        )
    }
}

/// One trial in a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialSummary {
    /// The trial's id.
    pub id: i64,
    /// The plan's name.
    pub name: String,
    /// Where it is.
    pub status: TrialStatus,
    /// Steps in the plan.
    pub steps_total: usize,
    /// Steps finished (succeeded, failed or cancelled).
    pub steps_done: usize,
    /// The sequence number of its last event.
    pub last_seq: u64,
    /// When it was started, RFC 3339.
    pub created_at: String,
    /// When it finished, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

/// One step of a trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialStepView {
    /// The step id.
    pub id: String,
    /// Its action's tool name, e.g. `run_lab`.
    pub action: String,
    /// Where it is.
    pub status: StepStatus,
    /// A short summary of its output, once it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<serde_json::Value>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A trial with its plan, steps and events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialDetail {
    /// The summary.
    pub trial: TrialSummary,
    /// The plan as accepted.
    pub plan: Plan,
    /// Every step, in plan order.
    pub steps: Vec<TrialStepView>,
    /// Events after the `after` asked for (all when not given), in order
    /// (at most [`TRIAL_EVENTS_PAGE`]; ask again from the last one's seq).
    pub events: Vec<TrialEvent>,
}

/// Most events in one [`TrialDetail`].
pub const TRIAL_EVENTS_PAGE: u32 = 1000;

/// `GET /api/trials/{id}?after=SEQ`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrialQuery {
    /// Only events with a larger sequence number.
    #[serde(default)]
    pub after: Option<u64>,
}
