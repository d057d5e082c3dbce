//! Position sizing: how much of capital a signal of ±1 puts at risk.
//!
//! Size at close t uses data up to t only. Positions never exceed 1 in
//! absolute value (no leverage). Must not decide direction: signals do.

use serde::{Deserialize, Serialize};

use super::BacktestError;
use crate::features::indicators::volatility;

/// How a signal becomes a position size.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "sizing", rename_all = "snake_case")]
pub enum Sizing {
    /// The whole of capital: position = signal.
    Full,
    /// A fixed fraction of capital: position = fraction × signal.
    FixedFraction {
        /// In (0, 1].
        fraction: f64,
    },
    /// Volatility targeting: position = signal × min(1, target / σ_t),
    /// with σ_t the annualised sample volatility of the last `lookback`
    /// log returns up to t ([`volatility`]); flat until σ is defined, full
    /// size when σ_t is 0.
    VolatilityTarget {
        /// Annualised target volatility, in (0, 2] (0.1 = 10%).
        target: f64,
        /// Bars of returns in the estimate, 2 to 1000.
        lookback: usize,
    },
}

impl Sizing {
    /// Checks the parameters' ranges.
    pub fn validate(&self) -> Result<(), BacktestError> {
        match *self {
            Sizing::Full => Ok(()),
            Sizing::FixedFraction { fraction } => {
                if fraction.is_finite() && fraction > 0.0 && fraction <= 1.0 {
                    Ok(())
                } else {
                    Err(BacktestError::Invalid {
                        field: "fraction",
                        reason: format!("{fraction} is outside (0, 1]"),
                    })
                }
            }
            Sizing::VolatilityTarget { target, lookback } => {
                if !(target.is_finite() && target > 0.0 && target <= 2.0) {
                    return Err(BacktestError::Invalid {
                        field: "target",
                        reason: format!("{target} is outside (0, 2] (annualised, 0.1 = 10%)"),
                    });
                }
                if !(2..=1000).contains(&lookback) {
                    return Err(BacktestError::Invalid {
                        field: "lookback",
                        reason: format!("{lookback} is outside [2, 1000]"),
                    });
                }
                Ok(())
            }
        }
    }

    /// The size (in [0, 1]) at each close.
    pub fn sizes(&self, closes: &[f64], periods_per_year: f64) -> Result<Vec<f64>, BacktestError> {
        self.validate()?;
        Ok(match *self {
            Sizing::Full => vec![1.0; closes.len()],
            Sizing::FixedFraction { fraction } => vec![fraction; closes.len()],
            Sizing::VolatilityTarget { target, lookback } => {
                volatility(closes, lookback, Some(periods_per_year))
                    .into_iter()
                    .map(|sigma| {
                        if sigma.is_nan() {
                            0.0
                        } else if sigma > 0.0 {
                            (target / sigma).min(1.0)
                        } else {
                            1.0
                        }
                    })
                    .collect()
            }
        })
    }
}
