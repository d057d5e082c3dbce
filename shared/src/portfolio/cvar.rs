//! Minimum conditional value at risk over historical scenarios,
//! Rockafellar & Uryasev (2000), "Optimization of conditional
//! value-at-risk", J. Risk 2(3), 21-41, as the linear program (their eq. 17)
//! solved by clarabel:
//!
//! `minimise α + 1/((1-β)T) Σ_t u_t` over `w, α, u`
//! subject to `u_t >= -r_t'w - α`, `u_t >= 0`, and the budget, bounds and
//! leverage constraints, where `r_t` is row `t` of the return matrix (one
//! scenario per date) and `β` the confidence. At the optimum `α` is the VaR
//! and the objective the CVaR of the loss `-r'w`.
//!
//! Losses are per period of the matrix (not annualised), as positive
//! fractions of wealth. Must not simulate scenarios: they are the data.

use serde::Serialize;

use super::align::ReturnMatrix;
use super::constraints::Constraints;
use super::estimate::Estimates;
use super::mean_variance::prepare;
use super::result::Portfolio;
use super::solver::Problem;
use super::PortfolioError;

/// A minimum-CVaR portfolio with its historical VaR and CVaR.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CvarPortfolio {
    /// The weights and the mean-variance figures under the estimates.
    pub portfolio: Portfolio,
    /// The confidence `β`, e.g. 0.95.
    pub confidence: f64,
    /// Historical value at risk of the period loss at `β`.
    pub var: f64,
    /// Historical conditional value at risk (expected shortfall) at `β`.
    pub cvar: f64,
}

fn check_confidence(confidence: f64, scenarios: usize) -> Result<(), PortfolioError> {
    if !(confidence.is_finite() && confidence > 0.0 && confidence < 1.0) {
        return Err(PortfolioError::Parameter {
            field: "confidence",
            value: confidence,
            reason: "must lie strictly between 0 and 1, e.g. 0.95",
        });
    }
    let tail = ((1.0 - confidence) * scenarios as f64).floor() as usize;
    if tail < 1 {
        return Err(PortfolioError::TooFewDates {
            count: scenarios,
            min: (1.0 / (1.0 - confidence)).ceil() as usize,
            what: "scenarios for this confidence level",
        });
    }
    Ok(())
}

/// Historical VaR and CVaR of the period loss `-r_t'w` at confidence `β`:
/// VaR is the lower `β`-quantile of the sorted losses (index `⌈βT⌉ - 1`)
/// and CVaR = VaR + 1/((1-β)T) Σ_t max(L_t - VaR, 0), the
/// Rockafellar-Uryasev function at its minimiser.
pub fn historical_var_cvar(
    returns: &ReturnMatrix,
    weights: &[f64],
    confidence: f64,
) -> Result<(f64, f64), PortfolioError> {
    let t = returns.n_dates();
    check_confidence(confidence, t)?;
    if weights.len() != returns.n_assets() {
        return Err(PortfolioError::Length {
            field: "weights",
            expected: returns.n_assets(),
            got: weights.len(),
        });
    }
    if let Some((i, w)) = weights.iter().enumerate().find(|(_, w)| !w.is_finite()) {
        return Err(PortfolioError::NotFinite {
            field: format!("weights[{i}]"),
            value: *w,
        });
    }
    let losses: Vec<f64> = (0..t)
        .map(|k| {
            -returns
                .row(k)
                .iter()
                .zip(weights)
                .map(|(r, w)| r * w)
                .sum::<f64>()
        })
        .collect();
    let mut sorted = losses.clone();
    sorted.sort_by(f64::total_cmp);
    let k = ((confidence * t as f64).ceil() as usize).clamp(1, t) - 1;
    let var = sorted[k];
    let excess: f64 = losses.iter().map(|l| (l - var).max(0.0)).sum();
    Ok((var, var + excess / ((1.0 - confidence) * t as f64)))
}

/// The minimum-CVaR portfolio at confidence `confidence` over the rows of
/// `returns` (the scenarios), under `constraints`. `est` must describe the
/// same assets; it supplies the reported return, volatility and Sharpe.
pub fn min_cvar(
    returns: &ReturnMatrix,
    est: &Estimates,
    constraints: &Constraints,
    confidence: f64,
    risk_free: f64,
) -> Result<CvarPortfolio, PortfolioError> {
    let n = returns.n_assets();
    if est.n() != n {
        return Err(PortfolioError::Length {
            field: "estimates' assets",
            expected: n,
            got: est.n(),
        });
    }
    for (position, (got, expected)) in returns.assets().iter().zip(est.assets()).enumerate() {
        if got != expected {
            return Err(PortfolioError::AssetMismatch {
                position,
                expected: expected.clone(),
                got: got.clone(),
            });
        }
    }
    let t = returns.n_dates();
    check_confidence(confidence, t)?;
    let (layout, _) = prepare(est, constraints, risk_free, 1 + t, false)?;
    let alpha = n;
    let u0 = n + 1;
    let mut p = Problem::new(layout.vars(1 + t));
    p.cost(alpha, 1.0);
    let c = 1.0 / ((1.0 - confidence) * t as f64);
    for k in 0..t {
        p.cost(u0 + k, c);
        // -r_t'w - α - u_t <= 0
        let mut row: Vec<(usize, f64)> = returns
            .row(k)
            .iter()
            .enumerate()
            .filter(|(_, r)| **r != 0.0)
            .map(|(i, r)| (i, -r))
            .collect();
        row.push((alpha, -1.0));
        row.push((u0 + k, -1.0));
        p.at_most(row, 0.0);
        p.at_most(vec![(u0 + k, -1.0)], 0.0);
    }
    layout.constrain(&mut p, None);
    let sol = p.solve("minimum CVaR")?;
    let w = layout.clean(sol.x[..n].to_vec());
    let (var, cvar) = historical_var_cvar(returns, &w, confidence)?;
    Ok(CvarPortfolio {
        portfolio: Portfolio::measure(est, w, risk_free, sol.status)?,
        confidence,
        var,
        cvar,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Date;
    use crate::portfolio::{PortfolioFrequency, ReturnKind};

    #[test]
    fn historical_var_and_cvar_by_hand() {
        // Ten returns -10 %, -9 %, ..., -1 %: at 80 % the losses above the
        // VaR quantile (index ⌈8⌉ - 1 = 7 of the sorted losses 1..10 %, i.e.
        // 8 %) are 9 % and 10 %: CVaR = 8 % + (1 % + 2 %) / (0.2 x 10) = 9.5 %.
        let dates: Vec<Date> = (1..=10).map(|m| Date::new(2020, m, 1).unwrap()).collect();
        let rows: Vec<Vec<f64>> = (1..=10).map(|k| vec![-(k as f64) / 100.0]).collect();
        let r = ReturnMatrix::new(
            vec!["A".into()],
            dates,
            &rows,
            PortfolioFrequency::Monthly,
            ReturnKind::Simple,
        )
        .unwrap();
        let (var, cvar) = historical_var_cvar(&r, &[1.0], 0.8).unwrap();
        assert!((var - 0.08).abs() < 1e-15, "{var}");
        assert!((cvar - 0.095).abs() < 1e-15, "{cvar}");
        assert!(matches!(
            historical_var_cvar(&r, &[1.0], 0.95),
            Err(PortfolioError::TooFewDates { .. })
        ));
        assert!(matches!(
            historical_var_cvar(&r, &[1.0], 1.0),
            Err(PortfolioError::Parameter { .. })
        ));
    }
}
