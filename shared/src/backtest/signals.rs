//! Trading signals: technical rules computed from closes with the
//! indicators of [`crate::features::indicators`], or positions given by
//! the caller (a model's walk-forward positions from the Lab).
//!
//! `signal[t]` is the position wanted at the close of bar t, in [−1, 1],
//! computed from closes `0..=t` only; during an indicator's warm-up it is
//! 0 (flat). Long-only runs turn every short (negative) signal into flat.
//! Must not look ahead, fill prices or execute: [`super::run`] trades each
//! signal at the next bar's close.

use serde::{Deserialize, Serialize};

use super::BacktestError;
use crate::calendar::Date;
use crate::features::indicators::{bollinger, returns_over, rsi, sma};

/// Whether the strategy may go short.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Long or flat; short signals become flat.
    LongOnly,
    /// Long, flat or short.
    LongShort,
}

/// A technical trading rule with its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// Long while SMA(fast) > SMA(slow), short while below, unchanged at equality
    /// (flat before the first cross-check).
    MaCrossover {
        /// Fast SMA period, ≥ 1 and below `slow`.
        fast: usize,
        /// Slow SMA period, at most 1000.
        slow: usize,
    },
    /// Mean reversion on RSI (Wilder): go long when RSI < `lower`, short
    /// when RSI > `upper`; otherwise keep the previous signal.
    Rsi {
        /// RSI period, 2 to 500.
        period: usize,
        /// Oversold threshold, in (0, upper).
        lower: f64,
        /// Overbought threshold, in (lower, 100).
        upper: f64,
    },
    /// Bollinger mean reversion: long when the close is below the lower
    /// band, short when above the upper band; a long exits (to flat) once
    /// the close is back at or above the middle band, a short at or below.
    Bollinger {
        /// SMA period, 2 to 500.
        period: usize,
        /// Band width in population standard deviations, in (0, 10].
        k: f64,
    },
    /// Time-series momentum: long when the `lookback`-bar return is
    /// positive, short when negative, flat when zero.
    Momentum {
        /// Lookback in bars, 1 to 1000.
        lookback: usize,
    },
}

/// Where the signal comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signal {
    /// A technical rule on the closes.
    Rule(Rule),
    /// Positions decided by the caller at the close of each date (e.g. a
    /// Lab model's walk-forward positions), each in [−1, 1]. The backtest
    /// runs over exactly these dates, which must all be bars of the series
    /// (returns are taken between consecutive given dates).
    Given {
        /// The decision dates, strictly increasing.
        dates: Vec<Date>,
        /// The position wanted at each date's close.
        positions: Vec<f64>,
    },
}

fn invalid(field: &'static str, reason: String) -> BacktestError {
    BacktestError::Invalid { field, reason }
}

impl Rule {
    /// Checks the parameters' ranges.
    pub fn validate(&self) -> Result<(), BacktestError> {
        match *self {
            Rule::MaCrossover { fast, slow } => {
                if fast == 0 {
                    return Err(invalid("fast", "must be at least 1".into()));
                }
                if slow <= fast || slow > 1000 {
                    return Err(invalid(
                        "slow",
                        format!("{slow} must be above fast ({fast}) and at most 1000"),
                    ));
                }
            }
            Rule::Rsi {
                period,
                lower,
                upper,
            } => {
                if !(2..=500).contains(&period) {
                    return Err(invalid("period", format!("{period} is outside [2, 500]")));
                }
                if !(lower.is_finite() && lower > 0.0 && lower < 100.0) {
                    return Err(invalid("lower", format!("{lower} is outside (0, 100)")));
                }
                if !(upper.is_finite() && upper > lower && upper < 100.0) {
                    return Err(invalid(
                        "upper",
                        format!("{upper} must lie above lower ({lower}) and below 100"),
                    ));
                }
            }
            Rule::Bollinger { period, k } => {
                if !(2..=500).contains(&period) {
                    return Err(invalid("period", format!("{period} is outside [2, 500]")));
                }
                if !(k.is_finite() && k > 0.0 && k <= 10.0) {
                    return Err(invalid("k", format!("{k} is outside (0, 10]")));
                }
            }
            Rule::Momentum { lookback } => {
                if !(1..=1000).contains(&lookback) {
                    return Err(invalid(
                        "lookback",
                        format!("{lookback} is outside [1, 1000]"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Bars of warm-up before the rule can give a signal.
    pub fn warm_up(&self) -> usize {
        match *self {
            Rule::MaCrossover { slow, .. } => slow - 1,
            Rule::Rsi { period, .. } => period,
            Rule::Bollinger { period, .. } => period - 1,
            Rule::Momentum { lookback } => lookback,
        }
    }

    /// The raw signal (−1, 0 or 1) at each close; see the variants.
    pub fn signal(&self, closes: &[f64], direction: Direction) -> Result<Vec<f64>, BacktestError> {
        self.validate()?;
        let n = closes.len();
        let mut out = vec![0.0_f64; n];
        match *self {
            Rule::MaCrossover { fast, slow } => {
                let (f, s) = (sma(closes, fast), sma(closes, slow));
                for t in 0..n {
                    if f[t].is_nan() || s[t].is_nan() {
                        continue;
                    }
                    out[t] = if f[t] > s[t] {
                        1.0
                    } else if f[t] < s[t] {
                        -1.0
                    } else if t > 0 {
                        out[t - 1]
                    } else {
                        0.0
                    };
                }
            }
            Rule::Rsi {
                period,
                lower,
                upper,
            } => {
                let r = rsi(closes, period);
                let mut state = 0.0;
                for t in 0..n {
                    if r[t].is_nan() {
                        continue;
                    }
                    if r[t] < lower {
                        state = 1.0;
                    } else if r[t] > upper {
                        state = -1.0;
                    }
                    out[t] = state;
                }
            }
            Rule::Bollinger { period, k } => {
                let b = bollinger(closes, period, k);
                let mut state = 0.0;
                for t in 0..n {
                    if b.middle[t].is_nan() {
                        continue;
                    }
                    let c = closes[t];
                    if c < b.lower[t] {
                        state = 1.0;
                    } else if c > b.upper[t] {
                        state = -1.0;
                    } else if (state > 0.0 && c >= b.middle[t]) || (state < 0.0 && c <= b.middle[t])
                    {
                        state = 0.0;
                    }
                    out[t] = state;
                }
            }
            Rule::Momentum { lookback } => {
                let m = returns_over(closes, lookback);
                for t in 0..n {
                    if m[t] > 0.0 {
                        out[t] = 1.0;
                    } else if m[t] < 0.0 {
                        out[t] = -1.0;
                    }
                }
            }
        }
        if direction == Direction::LongOnly {
            out.iter_mut().for_each(|s| *s = s.max(0.0));
        }
        Ok(out)
    }

    /// A short description with the parameters, e.g. `ma_crossover(fast=50, slow=200)`.
    pub fn describe(&self) -> String {
        match self {
            Rule::MaCrossover { fast, slow } => format!("ma_crossover(fast={fast}, slow={slow})"),
            Rule::Rsi {
                period,
                lower,
                upper,
            } => format!("rsi(period={period}, lower={lower}, upper={upper})"),
            Rule::Bollinger { period, k } => format!("bollinger(period={period}, k={k})"),
            Rule::Momentum { lookback } => format!("momentum(lookback={lookback})"),
        }
    }
}
