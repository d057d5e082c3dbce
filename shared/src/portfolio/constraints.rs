//! The constraints every mean-variance and CVaR optimiser accepts: long-only
//! or shorts, per-asset bounds, the budget (weights sum to 1, always) and a
//! gross leverage limit `Σ|w_i| <= L` when shorting.
//!
//! Must not solve anything: it checks the constraints and gives each asset's
//! effective bounds.

use serde::{Deserialize, Serialize};

use super::PortfolioError;

/// Constraints on the weights. The budget `Σ w_i = 1` always holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Constraints {
    /// No short positions (`w_i >= 0`). Default `true`.
    pub long_only: bool,
    /// Per-asset lower bounds (one per asset), if any.
    pub lower: Option<Vec<f64>>,
    /// Per-asset upper bounds (one per asset), if any.
    pub upper: Option<Vec<f64>>,
    /// Gross leverage limit `Σ|w_i| <= max_leverage` (at least 1), if any.
    /// Only binds when shorting.
    pub max_leverage: Option<f64>,
}

impl Default for Constraints {
    fn default() -> Self {
        Constraints::long_only()
    }
}

impl Constraints {
    /// Long-only, no other bounds.
    pub fn long_only() -> Constraints {
        Constraints {
            long_only: true,
            lower: None,
            upper: None,
            max_leverage: None,
        }
    }

    /// Shorts allowed, with an optional gross leverage limit.
    pub fn with_shorts(max_leverage: Option<f64>) -> Constraints {
        Constraints {
            long_only: false,
            lower: None,
            upper: None,
            max_leverage,
        }
    }

    /// Checks the constraints for `n` assets and returns each asset's
    /// effective `(lower, upper)` bounds (infinite when unbounded).
    ///
    /// Refuses: bounds of the wrong length, NaN bounds, `lower > upper`, a
    /// negative upper bound when long-only, `Σ lower > 1` or `Σ upper < 1`
    /// (no portfolio meets the budget), a leverage limit below 1 or below
    /// the leverage the lower bounds already force.
    pub(crate) fn bounds(&self, n: usize) -> Result<Vec<(f64, f64)>, PortfolioError> {
        let base = if self.long_only {
            0.0
        } else {
            f64::NEG_INFINITY
        };
        let mut out = vec![(base, f64::INFINITY); n];
        for (field, given, is_lower) in
            [("lower", &self.lower, true), ("upper", &self.upper, false)]
        {
            let Some(v) = given else { continue };
            if v.len() != n {
                return Err(PortfolioError::Length {
                    field: if is_lower {
                        "lower bounds"
                    } else {
                        "upper bounds"
                    },
                    expected: n,
                    got: v.len(),
                });
            }
            for (i, &b) in v.iter().enumerate() {
                if b.is_nan() {
                    return Err(PortfolioError::NotFinite {
                        field: format!("{field}[{i}]"),
                        value: b,
                    });
                }
                if is_lower {
                    out[i].0 = out[i].0.max(b);
                } else {
                    out[i].1 = b;
                }
            }
        }
        for (i, &(lo, hi)) in out.iter().enumerate() {
            if lo > hi {
                return Err(PortfolioError::Infeasible {
                    reason: format!(
                        "asset {i}: lower bound {lo} is above upper bound {hi}{}",
                        if self.long_only {
                            " (long-only makes the lower bound at least 0)"
                        } else {
                            ""
                        }
                    ),
                });
            }
        }
        let sum_lo: f64 = out.iter().map(|b| b.0).sum();
        let sum_hi: f64 = out.iter().map(|b| b.1).sum();
        if sum_lo > 1.0 + 1e-12 {
            return Err(PortfolioError::Infeasible {
                reason: format!("the lower bounds sum to {sum_lo} > 1: weights must sum to 1"),
            });
        }
        if sum_hi < 1.0 - 1e-12 {
            return Err(PortfolioError::Infeasible {
                reason: format!("the upper bounds sum to {sum_hi} < 1: weights must sum to 1"),
            });
        }
        if let Some(l) = self.max_leverage {
            if !(l.is_finite() && l >= 1.0) {
                return Err(PortfolioError::Parameter {
                    field: "max_leverage",
                    value: l,
                    reason: "must be a finite number at least 1 (weights sum to 1)",
                });
            }
            // The least gross exposure the bounds force: Σ max(lo, 0, -hi)
            // is a lower bound on Σ|w_i|.
            let forced: f64 = out.iter().map(|&(lo, hi)| lo.max(0.0).max(-hi)).sum();
            if forced > l + 1e-12 {
                return Err(PortfolioError::Infeasible {
                    reason: format!(
                        "the bounds force a gross leverage of at least {forced} > max_leverage {l}"
                    ),
                });
            }
        }
        Ok(out)
    }

    /// Whether the leverage limit can bind (shorts possible and a limit set).
    pub(crate) fn leverage(&self, bounds: &[(f64, f64)]) -> Option<f64> {
        let shorts = bounds.iter().any(|b| b.0 < 0.0);
        self.max_leverage.filter(|_| shorts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_bounds_and_forced_leverage() {
        assert_eq!(
            Constraints::long_only().bounds(2).unwrap(),
            vec![(0.0, f64::INFINITY); 2]
        );
        let c = Constraints {
            long_only: true,
            lower: Some(vec![-1.0, 0.2]),
            upper: Some(vec![0.9, 1.0]),
            max_leverage: None,
        };
        assert_eq!(c.bounds(2).unwrap(), vec![(0.0, 0.9), (0.2, 1.0)]);
        assert_eq!(c.leverage(&c.bounds(2).unwrap()), None);
        let forced = Constraints {
            long_only: false,
            lower: Some(vec![0.8, -1.0]),
            upper: Some(vec![1.0, -0.5]),
            max_leverage: Some(1.2),
        };
        assert!(matches!(
            forced.bounds(2),
            Err(PortfolioError::Infeasible { .. })
        ));
        let nan = Constraints {
            upper: Some(vec![f64::NAN, 1.0]),
            ..Constraints::long_only()
        };
        assert!(matches!(
            nan.bounds(2),
            Err(PortfolioError::NotFinite { .. })
        ));
    }
}
