//! The `backtest` action: one series through [`crate::backtest::run`].
//!
//! Must not simulate positions itself: the engine is the one
//! implementation.

use super::align::periods_per_year;
use crate::actions::Backtest;
use crate::backtest::BacktestReport;
use crate::data::Series;

/// Backtests `action` on `series`, annualising by the series' frequency.
pub fn backtest(action: &Backtest, series: &Series) -> Result<BacktestReport, String> {
    let ppy = periods_per_year(&action.symbol, series)?;
    crate::backtest::run(series, &action.config(ppy)).map_err(|e| e.to_string())
}
