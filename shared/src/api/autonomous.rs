//! The autonomous loop on the wire: the start request with its budget, a
//! run's summary and detail (rounds with proposals, verdicts, trial ids,
//! results and spend), and why it stopped.
//!
//! Plain data plus the budget's bounds check ([`AutonomousBudget::check`]);
//! the loop itself runs on the server.

use serde::{Deserialize, Serialize};

use super::DataRequest;
use crate::actions::{Action, LabTarget};

/// Most rounds one run may have.
pub const MAX_ROUNDS: u32 = 20;
/// Most LLM tokens (input and output) one run may spend.
pub const MAX_TOKENS: u64 = 2_000_000;
/// Longest wall time one run may take, in seconds (6 hours).
pub const MAX_WALL_SECONDS: u64 = 21_600;
/// Most models one run may train.
pub const MAX_MODELS: u32 = 500;
/// Longest goal text, in characters.
pub const MAX_GOAL_CHARS: usize = 2_000;

/// The hard budget of one run; every field must be at least 1 and at most
/// its `MAX_*` constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutonomousBudget {
    /// Rounds (proposal, trial, results), 1 to [`MAX_ROUNDS`].
    pub max_rounds: u32,
    /// LLM tokens, 1 to [`MAX_TOKENS`] (the rule coach's estimates count).
    pub max_tokens: u64,
    /// Wall time in seconds, 1 to [`MAX_WALL_SECONDS`].
    pub max_wall_seconds: u64,
    /// Models trained (one per catalog entry per lab run), 1 to [`MAX_MODELS`].
    pub max_models: u32,
}

impl Default for AutonomousBudget {
    fn default() -> Self {
        AutonomousBudget {
            max_rounds: 4,
            max_tokens: 50_000,
            max_wall_seconds: 600,
            max_models: 40,
        }
    }
}

/// A budget field out of its range.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("budget.{field} is {value}: allowed 1 to {max}")]
pub struct BudgetError {
    /// The field, e.g. `max_rounds`.
    pub field: &'static str,
    /// The value given.
    pub value: u64,
    /// The largest allowed value.
    pub max: u64,
}

impl AutonomousBudget {
    /// Checks every field against its range; the error names the first
    /// field out of bounds and the range.
    pub fn check(&self) -> Result<(), BudgetError> {
        for (field, value, max) in [
            (
                "max_rounds",
                u64::from(self.max_rounds),
                u64::from(MAX_ROUNDS),
            ),
            ("max_tokens", self.max_tokens, MAX_TOKENS),
            ("max_wall_seconds", self.max_wall_seconds, MAX_WALL_SECONDS),
            (
                "max_models",
                u64::from(self.max_models),
                u64::from(MAX_MODELS),
            ),
        ] {
            if value == 0 || value > max {
                return Err(BudgetError { field, value, max });
            }
        }
        Ok(())
    }
}

/// The data a run works on: a bundled dataset id (`"sp500"`) or a full
/// data request (e.g. a short date range).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AutonomousData {
    /// A bundled dataset id, its whole series.
    Bundled(String),
    /// Any data request the gateway allows.
    Request(DataRequest),
}

impl AutonomousData {
    /// The data request this stands for.
    pub fn request(&self) -> DataRequest {
        match self {
            AutonomousData::Bundled(id) => DataRequest {
                source: "bundled".to_string(),
                symbol: id.clone(),
                from: None,
                to: None,
                timespan: None,
                multiplier: None,
            },
            AutonomousData::Request(request) => request.clone(),
        }
    }
}

/// `POST /api/autonomous`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AutonomousRequest {
    /// What to achieve, in words; the user's goal when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    /// The data to work on.
    pub data: AutonomousData,
    /// What to predict (default: the lab's, direction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<LabTarget>,
    /// Label horizon in rows (default: the lab's, 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon: Option<u32>,
    /// Rows in each lab run's first training window (default: the lab's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_rows: Option<u32>,
    /// Rows per test window (default: the lab's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_rows: Option<u32>,
    /// The hard budget.
    pub budget: AutonomousBudget,
}

/// Where a run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutonomousStatus {
    /// Rounds are running.
    Running,
    /// A stop was asked for; the running round is being cancelled.
    Stopping,
    /// Finished; see the stop reason.
    Finished,
}

impl AutonomousStatus {
    /// The snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            AutonomousStatus::Running => "running",
            AutonomousStatus::Stopping => "stopping",
            AutonomousStatus::Finished => "finished",
        }
    }

    /// Parses [`AutonomousStatus::as_str`]'s names.
    pub fn parse(text: &str) -> Option<AutonomousStatus> {
        [
            AutonomousStatus::Running,
            AutonomousStatus::Stopping,
            AutonomousStatus::Finished,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopKind {
    /// The coach declared the goal met (the detail is its evidence).
    GoalMet,
    /// Every round of the budget ran.
    RoundsSpent,
    /// The token budget is spent.
    TokensSpent,
    /// The wall-time budget is spent.
    WallTimeSpent,
    /// The models budget is spent.
    ModelsSpent,
    /// A proposed step was refused (the detail names it and the reason).
    Refused,
    /// The coach proposed nothing to run.
    NoProposals,
    /// The user stopped it.
    UserStopped,
    /// Something failed (the coach, a trial, the store); the detail says what.
    Failed,
}

impl StopKind {
    /// The snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            StopKind::GoalMet => "goal_met",
            StopKind::RoundsSpent => "rounds_spent",
            StopKind::TokensSpent => "tokens_spent",
            StopKind::WallTimeSpent => "wall_time_spent",
            StopKind::ModelsSpent => "models_spent",
            StopKind::Refused => "refused",
            StopKind::NoProposals => "no_proposals",
            StopKind::UserStopped => "user_stopped",
            StopKind::Failed => "failed",
        }
    }
}

/// A stop reason with its detail (for [`StopKind::GoalMet`], the coach's
/// evidence, e.g. "walk-forward Sharpe 0.9 vs buy-and-hold 0.6 over 12 folds").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopReason {
    /// Why.
    pub kind: StopKind,
    /// In words.
    pub detail: String,
}

/// What a run has spent so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutonomousSpend {
    /// Rounds started.
    pub rounds: u32,
    /// LLM tokens (input and output; estimates for the rule coach).
    pub tokens: u64,
    /// Wall time since the start, in seconds.
    pub wall_seconds: u64,
    /// Models trained.
    pub models: u32,
}

/// What the loop did with one proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalVerdict {
    /// Ran in the round's trial.
    Allowed,
    /// Refused by the gateway or the parser (the reason says why).
    Refused,
    /// Dropped or trimmed to stay within the models budget.
    Cut,
}

/// One proposal of a round and its verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundProposal {
    /// The tool name, e.g. `run_lab`.
    pub tool: String,
    /// What it does, in words (or what was proposed, when refused).
    pub summary: String,
    /// The typed action when it parsed (as it ran, after any cut).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    /// What the loop did with it.
    pub verdict: ProposalVerdict,
    /// Why it was refused or cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One model's result in a round, and on the leaderboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelResult {
    /// Catalog name.
    pub model: String,
    /// Family.
    pub family: String,
    /// The round it ran in (1-based).
    pub round: u32,
    /// Walk-forward Sharpe ratio of its trading signal (the ranking metric).
    pub sharpe: f64,
    /// Buy-and-hold's Sharpe ratio over the same test rows.
    pub buy_and_hold_sharpe: f64,
    /// Cumulative return of its signal.
    pub cumulative_return: f64,
    /// Buy-and-hold's cumulative return.
    pub buy_and_hold_return: f64,
    /// Accuracy (direction) when it is a classifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    /// Walk-forward folds.
    pub folds: u32,
}

/// One round: what the coach proposed, what ran, what came back, and the
/// spend after it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AutonomousRound {
    /// 1-based.
    pub number: u32,
    /// Who proposed: `rule` or `provider/model`.
    pub coach: String,
    /// The coach's words (shortened).
    pub text: String,
    /// Every proposal with its verdict.
    pub proposals: Vec<RoundProposal>,
    /// The trial that ran the allowed proposals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial_id: Option<i64>,
    /// Models that finished in the trial, best first.
    pub results: Vec<ModelResult>,
    /// Tokens this round's coach call used.
    pub tokens: u64,
    /// The run's spend after this round.
    pub spend: AutonomousSpend,
    /// When it started, RFC 3339.
    pub started_at: String,
    /// When it finished, RFC 3339 (absent while running).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

/// One run in a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AutonomousSummary {
    /// The run's id.
    pub id: i64,
    /// The goal it works towards.
    pub goal: String,
    /// The data it works on.
    pub data: DataRequest,
    /// What it predicts.
    pub target: LabTarget,
    /// Label horizon in rows.
    pub horizon: u32,
    /// Where it is.
    pub status: AutonomousStatus,
    /// The hard budget.
    pub budget: AutonomousBudget,
    /// Spent so far.
    pub spend: AutonomousSpend,
    /// Why it stopped, once finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<StopReason>,
    /// The best model so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best: Option<ModelResult>,
    /// When it started, RFC 3339.
    pub created_at: String,
    /// When it finished, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

/// A run with its rounds and leaderboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AutonomousDetail {
    /// The summary.
    pub run: AutonomousSummary,
    /// Every round, in order.
    pub rounds: Vec<AutonomousRound>,
    /// Every model result of the run, best first.
    pub leaderboard: Vec<ModelResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_bounds_name_the_field() {
        assert!(AutonomousBudget::default().check().is_ok());
        let mut budget = AutonomousBudget {
            max_rounds: 0,
            ..AutonomousBudget::default()
        };
        let error = budget.check().unwrap_err();
        assert_eq!((error.field, error.max), ("max_rounds", 20));
        budget.max_rounds = MAX_ROUNDS;
        budget.max_models = MAX_MODELS + 1;
        let error = budget.check().unwrap_err();
        assert_eq!(error.field, "max_models");
        assert!(error.to_string().contains("allowed 1 to 500"), "{error}");
        budget.max_models = 1;
        budget.max_wall_seconds = MAX_WALL_SECONDS + 1;
        assert_eq!(budget.check().unwrap_err().field, "max_wall_seconds");
        budget.max_wall_seconds = 1;
        budget.max_tokens = 0;
        assert_eq!(budget.check().unwrap_err().field, "max_tokens");
    }

    #[test]
    fn data_is_an_id_or_a_request() {
        let id: AutonomousData = serde_json::from_str("\"sp500\"").unwrap();
        assert_eq!(id.request().symbol, "sp500");
        assert_eq!(id.request().source, "bundled");
        let request: AutonomousData = serde_json::from_str(
            r#"{"source":"bundled","symbol":"nasdaq","from":"2015-01-01","to":"2019-12-31"}"#,
        )
        .unwrap();
        assert_eq!(request.request().from.as_deref(), Some("2015-01-01"));
        assert_eq!(request.request().symbol, "nasdaq");
    }
}
