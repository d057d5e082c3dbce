//! The result every optimiser returns: weights with their expected return,
//! volatility, Sharpe ratio, each asset's risk contribution and how the
//! solution was found.
//!
//! Must not optimise: it only measures a given weight vector.

use serde::{Deserialize, Serialize};

use super::estimate::Estimates;
use super::PortfolioError;

/// How a portfolio's weights were obtained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SolveStatus {
    /// clarabel reached its full accuracy.
    Solved {
        /// Interior-point iterations.
        iterations: u32,
    },
    /// clarabel stopped at its reduced accuracy (still a solution).
    AlmostSolved {
        /// Interior-point iterations.
        iterations: u32,
    },
    /// A hand-written iteration converged (risk parity).
    Converged {
        /// Newton iterations.
        iterations: u32,
        /// Largest relative deviation of a risk contribution from its budget.
        residual: f64,
    },
    /// Computed directly, no iteration (hierarchical risk parity).
    Direct,
}

/// An optimised portfolio and its figures (annualised).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Portfolio {
    /// Asset names, in weight order.
    pub assets: Vec<String>,
    /// Weights, summing to 1.
    pub weights: Vec<f64>,
    /// `μ'w`.
    pub expected_return: f64,
    /// `sqrt(w'Σw)`.
    pub volatility: f64,
    /// `(μ'w - rf) / σ`.
    pub sharpe: f64,
    /// The risk-free rate the Sharpe ratio uses.
    pub risk_free: f64,
    /// Each asset's contribution to volatility, `w_i (Σw)_i / σ`; they sum
    /// to the volatility.
    pub risk_contributions: Vec<f64>,
    /// How the weights were found.
    pub status: SolveStatus,
}

/// `Σ w` for the row-major covariance.
pub(crate) fn cov_times(est: &Estimates, w: &[f64]) -> Vec<f64> {
    let n = est.n();
    est.covariance()
        .chunks_exact(n)
        .map(|row| row.iter().zip(w).map(|(a, b)| a * b).sum())
        .collect()
}

impl Portfolio {
    /// Measures weights `w` under the estimates: expected return,
    /// volatility, Sharpe at `risk_free`, risk contributions.
    pub fn measure(
        est: &Estimates,
        weights: Vec<f64>,
        risk_free: f64,
        status: SolveStatus,
    ) -> Result<Portfolio, PortfolioError> {
        if weights.len() != est.n() {
            return Err(PortfolioError::Length {
                field: "weights",
                expected: est.n(),
                got: weights.len(),
            });
        }
        if let Some((i, w)) = weights.iter().enumerate().find(|(_, w)| !w.is_finite()) {
            return Err(PortfolioError::NotFinite {
                field: format!("weight of \"{}\"", est.assets()[i]),
                value: *w,
            });
        }
        if !risk_free.is_finite() {
            return Err(PortfolioError::NotFinite {
                field: "risk_free".into(),
                value: risk_free,
            });
        }
        let sw = cov_times(est, &weights);
        let var: f64 = weights.iter().zip(&sw).map(|(a, b)| a * b).sum();
        let volatility = var.max(0.0).sqrt();
        let expected_return: f64 = weights
            .iter()
            .zip(est.expected_returns())
            .map(|(a, b)| a * b)
            .sum();
        let (sharpe, risk_contributions) = if volatility > 0.0 {
            (
                (expected_return - risk_free) / volatility,
                weights
                    .iter()
                    .zip(&sw)
                    .map(|(w, s)| w * s / volatility)
                    .collect(),
            )
        } else {
            (0.0, vec![0.0; weights.len()])
        };
        Ok(Portfolio {
            assets: est.assets().to_vec(),
            weights,
            expected_return,
            volatility,
            sharpe,
            risk_free,
            risk_contributions,
            status,
        })
    }
}
