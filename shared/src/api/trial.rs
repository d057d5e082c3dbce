//! Trials on the wire: a trial's summary, its detail (plan, steps, events
//! after a sequence number) and the query for new events. The plan itself
//! is [`crate::trial::Plan`], posted as is. A trial run by the browser's
//! workers ([`TrialHost::Browser`]) reports each step as a [`StepReport`]
//! and is answered a [`LeaseAnswer`].

use serde::{Deserialize, Serialize};

use super::ResultRecord;
use crate::trial::{Plan, StepStatus, TrialEvent, TrialOutcome};

/// Who runs a trial's steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialHost {
    /// The server's headless runner.
    #[default]
    Server,
    /// The web workers of the browser tab that started it, reporting each
    /// event to the server; the server takes over when its lease lapses.
    Browser,
}

impl TrialHost {
    /// The snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            TrialHost::Server => "server",
            TrialHost::Browser => "browser",
        }
    }

    /// Parses [`TrialHost::as_str`]'s names.
    pub fn parse(text: &str) -> Option<TrialHost> {
        [TrialHost::Server, TrialHost::Browser]
            .into_iter()
            .find(|host| host.as_str() == text)
    }
}

/// `POST /api/trials?host=browser`: who will run the trial (the server
/// when not given).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartQuery {
    /// Who runs the steps.
    #[serde(default)]
    pub host: Option<TrialHost>,
}

/// `POST /api/trials/{id}/steps/{step}`: what the browser reports about
/// one step of a trial it runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "report", rename_all = "snake_case")]
pub enum StepReport {
    /// The step began (it must be ready on the server's record).
    Started,
    /// Progress within the step.
    Progress {
        /// Done so far, 0 to 1.
        fraction: f64,
        /// What it is doing, in words (at most [`MAX_REPORT_TEXT`]
        /// characters).
        message: String,
    },
    /// The step succeeded.
    Done {
        /// The short summary sent in the step's event.
        summary: serde_json::Value,
        /// The full output, stored and passed to dependants. For
        /// `fetch_data` the server fetches the series through its gateway
        /// itself, checks its content hash against the summary's
        /// `content_hash` and stores its own copy (this one is ignored).
        #[serde(default)]
        output: serde_json::Value,
        /// Model results to record, each checked as `POST /api/results`
        /// checks one.
        #[serde(default)]
        results: Vec<ResultRecord>,
    },
    /// The step failed.
    Failed {
        /// Why (at most [`MAX_REPORT_TEXT`] characters).
        reason: String,
    },
}

/// Longest message or reason in a [`StepReport`].
pub const MAX_REPORT_TEXT: usize = 2000;

/// The answer to a browser's report or heartbeat: the trial as it stands,
/// the events the report caused, and how long the lease now lasts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeaseAnswer {
    /// The trial (a `cancelling` status tells the browser to stop).
    pub trial: TrialSummary,
    /// The events this report caused, already stored and sent to every
    /// open socket of the user.
    pub events: Vec<TrialEvent>,
    /// Seconds the lease lasts from now: report or send a heartbeat
    /// (`POST /api/trials/{id}/heartbeat`) well before.
    pub lease_secs: u64,
}

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
    /// Who runs its steps now (a browser trial the server took over says
    /// `server`).
    #[serde(default)]
    pub host: TrialHost,
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
