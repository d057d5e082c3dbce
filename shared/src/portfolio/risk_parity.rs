//! Risk parity (equal risk contribution, or any risk budgets), written by
//! hand: Spinu (2013), "An algorithm for computing risk parity weights",
//! SSRN 2297383. The weights are long-only and sum to 1; each asset's
//! contribution `w_i (Σw)_i / σ` equals its budget share of `σ`.
//!
//! Method: the strictly convex problem `minimise f(x) = ½ x'Σx - Σ_i b_i ln x_i`
//! over `x > 0` has the unique solution with `x_i (Σx)_i = b_i`; Newton's
//! method (gradient `Σx - b/x`, Hessian `Σ + diag(b/x²)`, damped steps
//! `1/(1+λ)` until the Newton decrement `λ < 1/4`, then full steps)
//! converges quadratically; then
//! `w = x / Σx`. It stops when every relative contribution is within
//! `1e-12` of its budget and fails if not within `1e-10` after 200 steps.
//!
//! Must not take bounds or shorts: risk parity here is long-only by design.

use super::estimate::Estimates;
use super::mean_variance::factor;
use super::result::{cov_times, Portfolio, SolveStatus};
use super::PortfolioError;
use crate::models::linalg::{back_substitute, cholesky, forward_substitute};

/// Risk-parity weights: equal risk contributions when `budgets` is `None`,
/// otherwise contributions proportional to `budgets` (positive, one per
/// asset). `risk_free` is used only for the reported Sharpe ratio.
pub fn risk_parity(
    est: &Estimates,
    budgets: Option<&[f64]>,
    risk_free: f64,
) -> Result<Portfolio, PortfolioError> {
    let n = est.n();
    if n < 2 {
        return Err(PortfolioError::TooFewAssets { count: n, min: 2 });
    }
    factor(est)?;
    let b: Vec<f64> = match budgets {
        None => vec![1.0 / n as f64; n],
        Some(b) => {
            if b.len() != n {
                return Err(PortfolioError::Length {
                    field: "risk budgets",
                    expected: n,
                    got: b.len(),
                });
            }
            if let Some(&v) = b.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
                return Err(PortfolioError::Parameter {
                    field: "risk budget",
                    value: v,
                    reason: "every risk budget must be a positive number",
                });
            }
            let total: f64 = b.iter().sum();
            b.iter().map(|v| v / total).collect()
        }
    };
    let cov = est.covariance();
    let b_min = b.iter().cloned().fold(f64::INFINITY, f64::min);
    // Start from inverse volatilities scaled so x'Σx = 1 (f's natural scale).
    let mut x: Vec<f64> = (0..n).map(|i| 1.0 / est.cov(i, i).sqrt()).collect();
    let s = dot(&x, &cov_times(est, &x)).sqrt();
    x.iter_mut().for_each(|v| *v /= s);
    let residual = |x: &[f64]| -> f64 {
        let sx = cov_times(est, x);
        let var = dot(x, &sx);
        x.iter()
            .zip(&sx)
            .zip(&b)
            .map(|((xi, si), bi)| (xi * si / var / bi - 1.0).abs())
            .fold(0.0, f64::max)
    };
    let mut iterations = 0;
    let mut res = residual(&x);
    while res > 1e-12 && iterations < 200 {
        iterations += 1;
        let sx = cov_times(est, &x);
        let g: Vec<f64> = (0..n).map(|i| sx[i] - b[i] / x[i]).collect();
        let mut h = cov.to_vec();
        for i in 0..n {
            h[i * n + i] += b[i] / (x[i] * x[i]);
        }
        let l = cholesky(&h, n).ok_or_else(|| PortfolioError::Singular {
            reason: "the risk-parity Hessian is not positive definite".into(),
        })?;
        let mut d: Vec<f64> = g.iter().map(|v| -v).collect();
        forward_substitute(&l, n, &mut d);
        back_substitute(&l, n, &mut d);
        // Damped Newton (Nesterov, *Introductory Lectures on Convex
        // Optimization*, §4.1.5): f / min(b) is self-concordant, so with its
        // Newton decrement λ the step 1/(1+λ) stays inside x > 0 and
        // decreases f, and full steps converge quadratically once λ < 1/4.
        // No line search, so round-off in f near the optimum cannot stall it.
        let lambda = (-dot(&g, &d) / b_min).max(0.0).sqrt();
        let mut step = if lambda < 0.25 {
            1.0
        } else {
            1.0 / (1.0 + lambda)
        };
        for (xi, di) in x.iter().zip(&d) {
            if *di < 0.0 {
                step = step.min(-0.99 * xi / di);
            }
        }
        let next: Vec<f64> = x.iter().zip(&d).map(|(xi, di)| xi + step * di).collect();
        x = next;
        res = residual(&x);
    }
    if res.is_nan() || res > 1e-10 {
        return Err(PortfolioError::Solver {
            problem: "risk parity",
            status: format!(
                "Newton's method stopped after {iterations} steps with relative error {res:e}"
            ),
        });
    }
    let total: f64 = x.iter().sum();
    let w: Vec<f64> = x.iter().map(|v| v / total).collect();
    Portfolio::measure(
        est,
        w,
        risk_free,
        SolveStatus::Converged {
            iterations,
            residual: res,
        },
    )
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
