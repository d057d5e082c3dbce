//! The one implementation of position-series arithmetic: net returns after
//! costs, the equity curve, drawdown, Sharpe, hit rate, exposure and
//! position changes. The backtest's report and the Lab's trading metrics
//! ([`crate::models::metrics::trading`]) are both computed here, so they
//! cannot disagree.
//!
//! Position `positions[t]` (a fraction of capital in [−1, 1], negative =
//! short) is held over the period that earns `next_return[t]`. The
//! position before the first period is 0, so entering costs. Net return of
//! period t: `positions[t] · next_return[t] − cost_bps / 10⁴ · |positions[t]
//! − positions[t−1]|`; equity compounds from 1.0. Positions are
//! fractions of current equity (implicitly rebalanced every period). Must
//! not decide positions or read prices: callers do.

use serde::{Deserialize, Serialize};

use super::BacktestError;
use crate::risk::drawdown::curve_unchecked;

/// Everything computed from one position series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PositionRun {
    /// Net return of each period (after costs).
    pub returns: Vec<f64>,
    /// Equity: 1.0 before the first period, then after each (n + 1 values).
    pub equity: Vec<f64>,
    /// Drawdown of each value of `equity` from its running peak (positive).
    pub drawdown: Vec<f64>,
    /// Largest drawdown (the start, 1.0, counts as a peak).
    pub max_drawdown: f64,
    /// Annualised Sharpe ratio, risk-free rate 0 (see [`sharpe`]).
    pub sharpe: f64,
    /// Sum of |position change|, the entry from 0 included.
    pub turnover: f64,
    /// Number of periods whose position differs from the previous one.
    pub position_changes: usize,
    /// Periods with a non-zero position.
    pub in_market: usize,
    /// In-market periods whose position earned a positive return before costs.
    pub hits: usize,
}

impl PositionRun {
    /// Final equity minus 1.
    pub fn cumulative_return(&self) -> f64 {
        self.equity[self.equity.len() - 1] - 1.0
    }

    /// Share of in-market periods with a positive gross return; 0 when
    /// never in the market.
    pub fn hit_rate(&self) -> f64 {
        if self.in_market == 0 {
            0.0
        } else {
            self.hits as f64 / self.in_market as f64
        }
    }

    /// Share of periods with a non-zero position.
    pub fn exposure(&self) -> f64 {
        self.in_market as f64 / self.returns.len() as f64
    }
}

/// Mean of a non-empty slice.
pub(crate) fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Sample standard deviation (ddof = 1); 0 for fewer than two values.
pub fn std_sample(returns: &[f64]) -> f64 {
    let n = returns.len();
    if n < 2 {
        return 0.0;
    }
    let m = mean(returns);
    let variance = returns.iter().map(|r| (r - m) * (r - m)).sum::<f64>() / (n - 1) as f64;
    libm::sqrt(variance)
}

/// Annualised Sharpe ratio of per-period returns with a zero risk-free
/// rate: mean / std (ddof = 1) × sqrt(periods_per_year); 0 when the std is
/// 0 or there are fewer than two periods.
pub fn sharpe(returns: &[f64], periods_per_year: f64) -> f64 {
    if returns.len() < 2 {
        return 0.0;
    }
    let std = std_sample(returns);
    if std == 0.0 {
        0.0
    } else {
        mean(returns) / std * libm::sqrt(periods_per_year)
    }
}

fn check_finite(field: &'static str, values: &[f64]) -> Result<(), BacktestError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(BacktestError::NotFinite {
            field,
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

/// Validates the inputs and runs the position series (see the module docs).
pub fn simulate(
    positions: &[f64],
    next_return: &[f64],
    cost_bps: f64,
    periods_per_year: f64,
) -> Result<PositionRun, BacktestError> {
    if positions.len() != next_return.len() {
        return Err(BacktestError::Length {
            field: "positions",
            got: positions.len(),
            other: "returns",
            expected: next_return.len(),
        });
    }
    if positions.is_empty() {
        return Err(BacktestError::TooFew {
            field: "positions",
            got: 0,
            needed: 1,
            reason: "one period to hold".into(),
        });
    }
    check_finite("positions", positions)?;
    check_finite("returns", next_return)?;
    if let Some(index) = positions.iter().position(|p| !(-1.0..=1.0).contains(p)) {
        return Err(BacktestError::PositionRange {
            index,
            value: positions[index],
        });
    }
    if !cost_bps.is_finite() || cost_bps < 0.0 {
        return Err(BacktestError::Invalid {
            field: "cost_bps",
            reason: format!("must be a finite number >= 0, got {cost_bps}"),
        });
    }
    if !periods_per_year.is_finite() || periods_per_year <= 0.0 {
        return Err(BacktestError::Invalid {
            field: "periods_per_year",
            reason: format!("must be a finite number > 0, got {periods_per_year}"),
        });
    }
    let cost = cost_bps / 10_000.0;
    let n = positions.len();
    let mut returns = Vec::with_capacity(n);
    let mut equity = Vec::with_capacity(n + 1);
    equity.push(1.0_f64);
    let (mut previous, mut value, mut turnover) = (0.0_f64, 1.0_f64, 0.0);
    let (mut position_changes, mut in_market, mut hits) = (0usize, 0usize, 0usize);
    for (&position, &r) in positions.iter().zip(next_return) {
        let change = (position - previous).abs();
        if change != 0.0 {
            position_changes += 1;
        }
        turnover += change;
        if position != 0.0 {
            in_market += 1;
            if position * r > 0.0 {
                hits += 1;
            }
        }
        let net = position * r - cost * change;
        returns.push(net);
        value *= 1.0 + net;
        equity.push(value);
        previous = position;
    }
    let drawdown = curve_unchecked(&equity);
    let max_drawdown = drawdown
        .iter()
        .fold(0.0, |m: f64, d| if *d > m { *d } else { m });
    let run = PositionRun {
        sharpe: sharpe(&returns, periods_per_year),
        returns,
        equity,
        drawdown,
        max_drawdown,
        turnover,
        position_changes,
        in_market,
        hits,
    };
    for (field, value) in [
        ("cumulative_return", run.cumulative_return()),
        ("sharpe", run.sharpe),
        ("max_drawdown", run.max_drawdown),
    ] {
        if !value.is_finite() {
            return Err(BacktestError::Numerical { field, value });
        }
    }
    Ok(run)
}
