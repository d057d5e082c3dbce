//! Running a backtest on a price series: signal → size → position traded
//! at the next bar's close → equity, trades and the report, with
//! buy-and-hold on the same dates for comparison.
//!
//! Execution (no look-ahead): the signal computed at the close of bar t is
//! traded at the **close of bar t + 1** (for bars, not their open, so
//! series of values run the same way) and earns `close[t+2] / close[t+1]
//! − 1` next. The report's dates therefore start at bar 1 (the first price
//! a trade can happen at) and the equity curve is 1.0 there; buy-and-hold
//! buys at that same close and holds to the last. Costs (commission) and
//! slippage, both in basis points per unit of position change, are
//! charged by [`super::engine`] when the position changes, for the
//! strategy and buy-and-hold alike (buy-and-hold pays once, to enter).

use serde::{Deserialize, Serialize};

use super::engine::{mean, simulate, std_sample, PositionRun};
use super::signals::{Direction, Signal};
use super::sizing::Sizing;
use super::BacktestError;
use crate::calendar::Date;
use crate::data::Series;

/// Allowed commission and slippage (basis points per unit of position
/// change each), the Lab's range.
pub const COST_BPS: (f64, f64) = crate::models::evaluation::COST_BPS;

/// What to backtest and how.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BacktestConfig {
    /// The signal: a rule or given positions.
    pub signal: Signal,
    /// Long-only or long-short.
    pub direction: Direction,
    /// Position sizing.
    pub sizing: Sizing,
    /// Commission in basis points per unit of position change.
    pub cost_bps: f64,
    /// Slippage in basis points per unit of position change.
    pub slippage_bps: f64,
    /// Periods per year of the series (252 for daily bars).
    pub periods_per_year: f64,
}

/// Performance figures of one position series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    /// Final equity minus 1.
    pub cumulative_return: f64,
    /// `equity^(periods_per_year / periods) − 1` (−1 if equity reached 0).
    pub annualised_return: f64,
    /// Annualised volatility of net period returns (ddof = 1).
    pub volatility: f64,
    /// Annualised Sharpe ratio, risk-free rate 0.
    pub sharpe: f64,
    /// Annualised Sortino ratio: mean / downside deviation × √periods,
    /// downside deviation `√(Σ min(r, 0)² / n)`; 0 when it is 0.
    pub sortino: f64,
    /// Annualised return / max drawdown; 0 when there is no drawdown.
    pub calmar: f64,
    /// Largest fall of equity from its running peak (positive fraction).
    pub max_drawdown: f64,
    /// Annualised turnover: Σ |position change| per year.
    pub turnover: f64,
    /// Share of in-market periods with a positive gross return.
    pub hit_rate: f64,
    /// Share of periods in the market.
    pub exposure: f64,
    /// Number of periods whose position changed (the Lab's `trades`).
    pub position_changes: usize,
    /// Number of round trips in the trade list.
    pub trades: usize,
}

/// Long or short.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Positive position.
    Long,
    /// Negative position.
    Short,
}

/// One round trip: a run of positions of one sign.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trade {
    /// Long or short.
    pub side: Side,
    /// Date of the entry close.
    pub entry_date: Date,
    /// The entry close.
    pub entry_price: f64,
    /// Date of the exit close (the last date if still open).
    pub exit_date: Date,
    /// The exit close.
    pub exit_price: f64,
    /// Periods held.
    pub bars_held: usize,
    /// Price return in the trade's direction for a full position:
    /// `±(exit / entry − 1)`.
    pub price_return: f64,
    /// Compounded net strategy return over the held periods (with its
    /// size, the entry cost and any resizing costs; the exit cost is
    /// charged to the period after).
    pub net_return: f64,
    /// Whether the trade was still open at the end.
    pub open: bool,
}

/// The result of a backtest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BacktestReport {
    /// The configuration run.
    pub config: BacktestConfig,
    /// The execution rule, in words.
    pub execution: String,
    /// The strategy's figures.
    pub strategy: Performance,
    /// Buy-and-hold's figures on the same dates and costs.
    pub buy_and_hold: Performance,
    /// Dates of the equity curve (bar 1 onward).
    pub dates: Vec<Date>,
    /// Closes on those dates.
    pub prices: Vec<f64>,
    /// Strategy equity on each date (1.0 on the first).
    pub equity: Vec<f64>,
    /// Buy-and-hold equity on each date.
    pub buy_and_hold_equity: Vec<f64>,
    /// Strategy drawdown on each date (positive fraction).
    pub drawdown: Vec<f64>,
    /// Position held over the period ending on `dates[i + 1]`.
    pub positions: Vec<f64>,
    /// The round trips.
    pub trades: Vec<Trade>,
}

/// The execution rule stated in every report.
pub const EXECUTION: &str = "a signal computed at the close of bar t is traded at the close of bar t+1; costs and slippage are charged per unit of position change";

fn check_costs(field: &'static str, bps: f64) -> Result<f64, BacktestError> {
    if bps.is_finite() && (COST_BPS.0..=COST_BPS.1).contains(&bps) {
        Ok(bps)
    } else {
        Err(BacktestError::Invalid {
            field,
            reason: format!(
                "{bps} is outside [{}, {}] basis points",
                COST_BPS.0, COST_BPS.1
            ),
        })
    }
}

/// Figures of a run over `periods_per_year`, with `trades` round trips.
pub fn performance(run: &PositionRun, periods_per_year: f64, trades: usize) -> Performance {
    let n = run.returns.len() as f64;
    let end = run.equity[run.equity.len() - 1];
    let annualised_return = if end > 0.0 {
        libm::pow(end, periods_per_year / n) - 1.0
    } else {
        -1.0
    };
    let root = libm::sqrt(periods_per_year);
    let downside = libm::sqrt(run.returns.iter().map(|r| r.min(0.0).powi(2)).sum::<f64>() / n);
    Performance {
        cumulative_return: run.cumulative_return(),
        annualised_return,
        volatility: std_sample(&run.returns) * root,
        sharpe: run.sharpe,
        sortino: if downside > 0.0 {
            mean(&run.returns) / downside * root
        } else {
            0.0
        },
        calmar: if run.max_drawdown > 0.0 {
            annualised_return / run.max_drawdown
        } else {
            0.0
        },
        max_drawdown: run.max_drawdown,
        turnover: run.turnover / (n / periods_per_year),
        hit_rate: run.hit_rate(),
        exposure: run.exposure(),
        position_changes: run.position_changes,
        trades,
    }
}

/// The round trips of `positions` (period i runs from `dates[i]` to
/// `dates[i + 1]` at `prices`), with the run's net returns.
pub fn trades(positions: &[f64], run: &PositionRun, dates: &[Date], prices: &[f64]) -> Vec<Trade> {
    let sign = |p: f64| {
        if p > 0.0 {
            1
        } else if p < 0.0 {
            -1
        } else {
            0
        }
    };
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let close = |out: &mut Vec<Trade>, j: usize, k: usize, open: bool| {
        let side = if positions[j] > 0.0 {
            Side::Long
        } else {
            Side::Short
        };
        let direction = if side == Side::Long { 1.0 } else { -1.0 };
        out.push(Trade {
            side,
            entry_date: dates[j],
            entry_price: prices[j],
            exit_date: dates[k],
            exit_price: prices[k],
            bars_held: k - j,
            price_return: direction * (prices[k] / prices[j] - 1.0),
            net_return: run.returns[j..k].iter().fold(1.0, |a, r| a * (1.0 + r)) - 1.0,
            open,
        });
    };
    for i in 0..positions.len() {
        if let Some(j) = start {
            if sign(positions[i]) != sign(positions[j]) {
                close(&mut out, j, i, false);
                start = None;
            }
        }
        if start.is_none() && positions[i] != 0.0 {
            start = Some(i);
        }
    }
    if let Some(j) = start {
        close(&mut out, j, positions.len(), true);
    }
    out
}

/// Backtests `config` on `series` (its closes, or its values).
pub fn run(series: &Series, config: &BacktestConfig) -> Result<BacktestReport, BacktestError> {
    run_prices(&series.dates(), &series.values(), config)
}

/// Backtests `config` on closes `prices` observed on `dates`.
pub fn run_prices(
    dates: &[Date],
    prices: &[f64],
    config: &BacktestConfig,
) -> Result<BacktestReport, BacktestError> {
    if dates.len() != prices.len() {
        return Err(BacktestError::Length {
            field: "prices",
            got: prices.len(),
            other: "dates",
            expected: dates.len(),
        });
    }
    if let Some(index) = prices.iter().position(|p| !(p.is_finite() && *p > 0.0)) {
        return Err(BacktestError::Invalid {
            field: "prices",
            reason: format!(
                "price {index} is {}, expected a positive number",
                prices[index]
            ),
        });
    }
    let cost = check_costs("cost_bps", config.cost_bps)?
        + check_costs("slippage_bps", config.slippage_bps)?;
    let ppy = config.periods_per_year;
    if !(ppy.is_finite() && ppy > 0.0) {
        return Err(BacktestError::Invalid {
            field: "periods_per_year",
            reason: format!("{ppy} must be a finite number > 0 (252 for daily bars)"),
        });
    }
    let (dates, prices, signal) = match &config.signal {
        Signal::Rule(rule) => (
            dates.to_vec(),
            prices.to_vec(),
            rule.signal(prices, config.direction)?,
        ),
        Signal::Given {
            dates: given,
            positions,
        } => given_window(dates, prices, given, positions, config.direction)?,
    };
    if prices.len() < 3 {
        return Err(BacktestError::TooFew {
            field: "prices",
            got: prices.len(),
            needed: 3,
            reason: "a signal bar, a trade bar and one period to hold".into(),
        });
    }
    let sizes = config.sizing.sizes(&prices, ppy)?;
    let n = prices.len();
    // Desired position at close t, held from close t+1 to close t+2.
    let positions: Vec<f64> = (0..n - 2).map(|t| signal[t] * sizes[t]).collect();
    let next_return: Vec<f64> = (1..n - 1)
        .map(|t| prices[t + 1] / prices[t] - 1.0)
        .collect();
    let strategy = simulate(&positions, &next_return, cost, ppy)?;
    let hold = simulate(&vec![1.0; n - 2], &next_return, cost, ppy)?;
    let window_dates = dates[1..].to_vec();
    let window_prices = prices[1..].to_vec();
    let trade_list = trades(&positions, &strategy, &window_dates, &window_prices);
    let hold_trades = trades(&vec![1.0; n - 2], &hold, &window_dates, &window_prices);
    Ok(BacktestReport {
        config: config.clone(),
        execution: EXECUTION.into(),
        strategy: performance(&strategy, ppy, trade_list.len()),
        buy_and_hold: performance(&hold, ppy, hold_trades.len()),
        dates: window_dates,
        prices: window_prices,
        equity: strategy.equity.clone(),
        buy_and_hold_equity: hold.equity,
        drawdown: strategy.drawdown,
        positions,
        trades: trade_list,
    })
}

type Window = (Vec<Date>, Vec<f64>, Vec<f64>);

/// The series restricted to the given decision dates, with the given
/// positions as the signal (long-only clamps shorts to flat).
fn given_window(
    dates: &[Date],
    prices: &[f64],
    given: &[Date],
    positions: &[f64],
    direction: Direction,
) -> Result<Window, BacktestError> {
    if given.len() != positions.len() {
        return Err(BacktestError::Length {
            field: "positions",
            got: positions.len(),
            other: "dates",
            expected: given.len(),
        });
    }
    if let Some(index) = positions
        .iter()
        .position(|p| !(p.is_finite() && (-1.0..=1.0).contains(p)))
    {
        return Err(BacktestError::PositionRange {
            index,
            value: positions[index],
        });
    }
    let mut out_prices = Vec::with_capacity(given.len());
    let mut j = 0;
    for (i, d) in given.iter().enumerate() {
        if i > 0 && given[i - 1] >= *d {
            return Err(BacktestError::Invalid {
                field: "dates",
                reason: format!("date {i} ({d}) is not after the one before"),
            });
        }
        while j < dates.len() && dates[j] < *d {
            j += 1;
        }
        if j == dates.len() || dates[j] != *d {
            return Err(BacktestError::Invalid {
                field: "dates",
                reason: format!("date {i} ({d}) is not a bar of the series"),
            });
        }
        out_prices.push(prices[j]);
    }
    let signal = positions
        .iter()
        .map(|&p| match direction {
            Direction::LongOnly => p.max(0.0),
            Direction::LongShort => p,
        })
        .collect();
    Ok((given.to_vec(), out_prices, signal))
}
