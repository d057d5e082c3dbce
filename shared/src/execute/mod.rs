//! Carries out the actions whose work is pure computation on series that
//! have already been fetched: `optimise_portfolio`, `risk_report` and
//! `backtest`. One implementation for every host: the browser's finance
//! worker, the chat's cards and the server's trial runner all call
//! [`run`].
//!
//! Must not fetch, invent or fill data, or format figures for display:
//! the caller fetches the series (through the gateway, or the bundled
//! copy), and words and tables belong to the screens.

use serde::{Deserialize, Serialize};

use crate::actions::Action;
use crate::backtest::BacktestReport;
use crate::data::Series;

mod align;
mod backtest;
mod portfolio;
mod risk;
pub mod workload;

pub use align::periods_per_year;
pub use backtest::{backtest, backtest_signal};
pub use portfolio::{optimise, PortfolioOutcome, RiskReturn, FRONTIER_POINTS};
pub use risk::{risk_report, RiskOutcome, VAR_BACKTEST_WINDOW};

/// The outcome of one finance action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FinanceOutcome {
    /// An optimised portfolio.
    Portfolio(PortfolioOutcome),
    /// A risk report.
    Risk(RiskOutcome),
    /// A backtest against buy-and-hold.
    Backtest(BacktestReport),
}

/// Whether `action` is one [`run`] carries out.
pub fn is_finance(action: &Action) -> bool {
    matches!(
        action,
        Action::OptimisePortfolio(_) | Action::RiskReport(_) | Action::Backtest(_)
    )
}

/// Runs a finance `action` on `series`, in the order of the action's data
/// requests (`OptimisePortfolio::data_requests`,
/// `RiskReport::data_requests`, `Backtest::data_request`). Errors are
/// sentences for the user.
pub fn run(action: &Action, series: &[Series]) -> Result<FinanceOutcome, String> {
    match action {
        Action::OptimisePortfolio(a) => optimise(a, series).map(FinanceOutcome::Portfolio),
        Action::RiskReport(a) => risk_report(a, series).map(FinanceOutcome::Risk),
        Action::Backtest(a) => match series {
            [one] => backtest(a, one).map(FinanceOutcome::Backtest),
            _ => Err(format!("a backtest takes one series, not {}", series.len())),
        },
        other => Err(format!(
            "{} is not a finance action; it runs elsewhere",
            other.tool_name()
        )),
    }
}

#[cfg(test)]
mod tests;
