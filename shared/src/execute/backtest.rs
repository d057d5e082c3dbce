//! The `backtest` action: one series through [`crate::backtest::run`],
//! with the action's rule or with given positions (a Lab model's
//! walk-forward positions).
//!
//! Must not simulate positions itself: the engine is the one
//! implementation.

use super::align::periods_per_year;
use crate::actions::Backtest;
use crate::backtest::{BacktestConfig, BacktestReport, Signal};
use crate::data::Series;

/// Backtests `action` on `series`, annualising by the series' frequency.
pub fn backtest(action: &Backtest, series: &Series) -> Result<BacktestReport, String> {
    backtest_signal(action, series, Signal::Rule(action.trading_rule()))
}

/// Backtests `signal` on `series` with `action`'s direction, sizing, costs
/// and slippage (its rule is replaced by `signal`), annualising by the
/// series' frequency. With [`Signal::Given`] this is "backtest this
/// model": the positions a Lab model took walk-forward.
pub fn backtest_signal(
    action: &Backtest,
    series: &Series,
    signal: Signal,
) -> Result<BacktestReport, String> {
    let ppy = periods_per_year(&action.symbol, series)?;
    let config = BacktestConfig {
        signal,
        ..action.config(ppy)
    };
    crate::backtest::run(series, &config).map_err(|e| e.to_string())
}
