//! The request, response and event types on the wire between the app and
//! the server (JSON over HTTP). Both sides compile these same types, so a
//! field renamed here is renamed everywhere.
//!
//! Plain data only: no validation (that is [`crate::compliance`]'s job) and
//! no transport.

mod audit;
mod auth;
mod autonomous;
mod chat;
mod data;
mod goal;
mod live;
mod results;
mod trial;

pub use audit::{AuditEntry, AuditPage, AuditQuery, BrokenLink, ChainReport};
pub use auth::{LoginRequest, Me, RefreshRequest, Role, TokenPair};
pub use autonomous::{
    AutonomousBudget, AutonomousData, AutonomousDetail, AutonomousRequest, AutonomousRound,
    AutonomousSpend, AutonomousStatus, AutonomousSummary, BudgetError, ModelResult,
    ProposalVerdict, RoundProposal, StopKind, StopReason, MAX_GOAL_CHARS, MAX_MODELS, MAX_ROUNDS,
    MAX_TOKENS, MAX_WALL_SECONDS,
};
pub use chat::{
    ChatEvent, ChatMessage, ChatRequest, CoachStatus, ConversationDetail, ConversationNote,
    ConversationSummary, ImportReport, ImportRequest, ImportSkip, MessageRole, PruneReport,
    PruneRequest, ResultMessageRequest, SearchHit, SearchQuery, TokenUsage, MAX_MESSAGE_CHARS,
};
pub use data::{DataRequest, DataResponse, DatasetSummary, UploadSummary};
pub use goal::{Goal, GoalRequest, GoalState};
pub use live::{ClientFrame, ServerFrame, WsTicket, WS_PATH, WS_TICKET_PATH, WS_TICKET_TTL_S};
pub use results::{client_id_problem, ParamValue, ResultRecord, StoredResult, CLIENT_ID_MAX_LEN};
pub use trial::{
    LeaseAnswer, StartQuery, StepReport, TrialDetail, TrialHost, TrialQuery, TrialStatus,
    TrialStepView, TrialSummary, MAX_REPORT_TEXT, TRIAL_EVENTS_PAGE,
};

use serde::{Deserialize, Serialize};

/// An error answer (RFC 9457 `application/problem+json`) with a stable
/// machine-readable `code`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// Always `about:blank`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP reason phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Stable code clients match on, e.g. `compliance_refused`.
    pub code: String,
    /// What was wrong, for people.
    pub detail: String,
    /// The compliance verdict, when a rule refused the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<crate::compliance::Verdict>,
}
