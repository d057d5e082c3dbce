//! Typed actions: what the coach may propose and the user may run, one
//! variant per thing the product can do. The same types are offered to
//! LLMs as tools (their JSON schemas are generated from these definitions
//! with `schemars`), parsed from tool calls or, as a fallback, from plain
//! text, and validated against the model catalog and the compliance rules
//! before anything is offered to run.
//!
//! To add an action (e.g. a trial): add one
//! variant to [`Action`] with its input struct, its arm in the describe,
//! validate and tool-list functions (the compiler points at each), and its
//! handler where it runs (the app's chat runner or the server).
//!
//! Pure: no network, clock or randomness; nothing here executes an action.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::compliance::Verdict;

mod convert;
mod describe;
mod finance;
mod finance_check;
mod lab;
mod model_index;
mod models;
mod schema_check;
mod text;
mod tool_call;
mod tools;
mod trial;
mod validate;

pub use describe::describe;
pub use finance::{
    AssetBound, Backtest, CovarianceChoice, DirectionChoice, EpisodeChoice, OptimisePortfolio,
    PortfolioMethod, ReturnsChoice, RiskMethod, RiskReport, RuleChoice, SizingChoice,
    BOUND_RANGE_SHORTS, CONFIDENCE, EPISODES_MAX, PORTFOLIO_ASSETS, RISK_ASSETS_MAX, RISK_FREE,
    RISK_HORIZON_DAYS, SCENARIOS, SHORT_LEVERAGE,
};
pub use lab::{fits_target, LAB_DEFAULTS};
pub use models::{default_model, models_for};
pub use text::parse_text;
pub use tool_call::parse_tool_call;
pub use tools::{action_list_text, tool_specs, ToolSpec};
pub use trial::{step_id, RunTrial, TRIAL_DATA_STEP, TRIAL_MODELS_MAX};
pub use validate::validate;

/// What validation needs from outside: the compliance rules in force and
/// "today" (for date bounds). Nothing else, so parsing stays pure.
#[derive(Clone, Copy, Debug)]
pub struct ActionContext<'a> {
    /// The compliance rules in force.
    pub rules: &'a crate::compliance::Rules,
    /// Today's date, for the rules' date bounds.
    pub today: crate::pricing::dates::Date,
}

impl Action {
    /// The tool name of this action, its snake_case tag (e.g. `run_lab`).
    pub fn tool_name(&self) -> &'static str {
        match self {
            Action::FetchData(_) => "fetch_data",
            Action::RunLab(_) => "run_lab",
            Action::PriceOption(_) => "price_option",
            Action::SetGoal(_) => "set_goal",
            Action::OptimisePortfolio(_) => "optimise_portfolio",
            Action::RiskReport(_) => "risk_report",
            Action::Backtest(_) => "backtest",
            Action::RunTrial(_) => "run_trial",
        }
    }
}

/// One action the product can carry out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Fetch one series through the server's compliance gateway.
    FetchData(FetchData),
    /// Train and evaluate models walk-forward in the lab.
    RunLab(RunLab),
    /// Price one option (European or American) with its Greeks.
    PriceOption(PriceOption),
    /// Replace the user's research goal.
    SetGoal(SetGoal),
    /// Optimise a portfolio of real assets (boxed, as the finance inputs
    /// are large: the enum stays small).
    OptimisePortfolio(Box<OptimisePortfolio>),
    /// VaR, expected shortfall, drawdown, stress episodes and a VaR backtest.
    RiskReport(Box<RiskReport>),
    /// Backtest a technical rule against buy-and-hold.
    Backtest(Box<Backtest>),
    /// Several catalog models on one dataset as a background trial.
    RunTrial(RunTrial),
}

/// `fetch_data`: one series from an approved source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FetchData {
    /// `bundled`, `polygon`, `fred` or `user_upload`.
    pub source: String,
    /// Dataset id (bundled, e.g. `sp500`), ticker (polygon, e.g. `AAPL`),
    /// series id (fred, e.g. `DGS10`) or upload id (user_upload).
    pub symbol: String,
    /// First date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Bar size for polygon: `minute`, `hour`, `day` (default), `week`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timespan: Option<String>,
}

/// What the lab predicts.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum LabTarget {
    /// Next-k-day direction (up or not): classifiers and regime models.
    Direction,
    /// Next-k-day return: regressors.
    Return,
}

/// Which catalog entries a lab run covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModelScope {
    /// One catalog entry, named in `name`.
    Model,
    /// Every entry of the family named in `name` (e.g. `random_forest`).
    Family,
    /// The whole catalog (for the target).
    Catalog,
}

/// Expanding or rolling training windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    /// Every fold trains on all rows before it.
    Expanding,
    /// Every fold trains on the same number of most recent rows.
    Rolling,
}

/// `run_lab`: walk-forward evaluation of one model, a family or the catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunLab {
    /// Data source: `bundled` (default) or `user_upload`.
    #[serde(default = "default_lab_source")]
    pub source: String,
    /// Dataset id, e.g. `sp500`, `nasdaq`; or an upload id.
    pub symbol: String,
    /// What to predict (default `direction`).
    #[serde(default = "default_target")]
    pub target: LabTarget,
    /// Label horizon in rows (trading days for daily data), 1 to 252.
    #[serde(default = "default_horizon")]
    pub horizon: u32,
    /// One model, one family or the catalog.
    pub scope: ModelScope,
    /// The model's catalog name (scope `model`) or the family (scope `family`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Rows in the first training window (default: the lab's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_rows: Option<u32>,
    /// Rows per test window (default: the lab's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_rows: Option<u32>,
    /// Rows left out between training and testing (at least horizon - 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<u32>,
    /// Expanding (default) or rolling training windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<WindowKind>,
    /// Trading cost in basis points per unit of position change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_bps: Option<f64>,
    /// The run's seed (default 42).
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_lab_source() -> String {
    "bundled".to_string()
}
fn default_target() -> LabTarget {
    LabTarget::Direction
}
fn default_horizon() -> u32 {
    1
}
fn default_seed() -> u64 {
    42
}

/// Call or put.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OptionRight {
    /// The right to buy at the strike.
    Call,
    /// The right to sell at the strike.
    Put,
}

/// European (exercise at expiry) or American (any time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExerciseStyle {
    /// Black-Scholes-Merton.
    European,
    /// Cox-Ross-Rubinstein binomial tree.
    American,
}

/// `price_option`: one option's price and Greeks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceOption {
    /// Call or put.
    pub right: OptionRight,
    /// European (default) or American.
    #[serde(default = "default_exercise")]
    pub exercise: ExerciseStyle,
    /// Underlying price today.
    pub spot: f64,
    /// Strike price.
    pub strike: f64,
    /// Calendar days to expiry.
    pub days: f64,
    /// Annualised volatility as a decimal (0.2 = 20%).
    pub volatility: f64,
    /// Continuously compounded risk-free rate as a decimal (default 0).
    #[serde(default)]
    pub rate: f64,
    /// Continuous dividend yield as a decimal (default 0).
    #[serde(default)]
    pub dividend_yield: f64,
}

fn default_exercise() -> ExerciseStyle {
    ExerciseStyle::European
}

/// `set_goal`: a new research goal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetGoal {
    /// The goal in the user's words.
    pub text: String,
    /// Data sources it needs (e.g. `bundled`, `polygon`).
    #[serde(default)]
    pub sources: Vec<String>,
}

/// An action the coach proposed, ready to show as a card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposedAction {
    /// Stable id within its message: the tool call's id, or `text-N` for
    /// actions parsed from text.
    pub id: String,
    /// The typed, validated action.
    pub action: Action,
    /// What it will do, in words.
    pub summary: String,
    /// The local compliance verdict (the server checks again when it runs).
    pub verdict: Verdict,
}

/// A proposed tool call or request that was refused and will never run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// The tool (action) name as proposed, e.g. `run_lab`, or `text`.
    pub tool: String,
    /// The offending field, e.g. `name`, `spot`; empty when the whole call is wrong.
    pub field: String,
    /// Why, naming the value and what is allowed.
    pub reason: String,
    /// The compliance rule id when a rule refused it, else a parser code
    /// such as `action.unknown_tool`.
    pub rule_id: String,
}
