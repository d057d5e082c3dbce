//! Mean-variance optimisers, solved with clarabel: minimum variance
//! (QP), maximum Sharpe (QP, Cornuejols-Tütüncü reformulation), target
//! return (QP), target risk (second-order cone program, one solve, no
//! bisection), and the efficient frontier (a QP per point between the
//! minimum-variance and maximum-return portfolios, the latter an LP).
//!
//! Must not estimate anything: it takes an [`Estimates`]. The covariance
//! must be positive definite (checked by Cholesky); a singular one is
//! refused with the advice to shrink it.

use super::constraints::Constraints;
use super::estimate::Estimates;
use super::result::{Portfolio, SolveStatus};
use super::solver::{Problem, Row};
use super::PortfolioError;
use crate::models::linalg::cholesky;

/// Weights for `n` assets in a problem: `w` at `0..n`, the leverage
/// auxiliaries `t_i >= |w_i|` at `t_offset..t_offset+n` when used.
pub(crate) struct Layout {
    pub(crate) n: usize,
    pub(crate) bounds: Vec<(f64, f64)>,
    pub(crate) leverage: Option<(usize, f64)>,
}

/// The lower Cholesky factor of the covariance, or [`PortfolioError::Singular`].
pub(crate) fn factor(est: &Estimates) -> Result<Vec<f64>, PortfolioError> {
    cholesky(est.covariance(), est.n()).ok_or_else(|| PortfolioError::Singular {
        reason: format!(
            "Cholesky factorisation of the {n} x {n} covariance failed",
            n = est.n()
        ),
    })
}

/// Checks the inputs common to every optimiser: at least two assets, a
/// finite risk-free rate, a positive definite covariance (when
/// `need_factor`; its Cholesky factor is returned, else empty), valid
/// constraints. `extra` variables sit between the weights and the leverage
/// auxiliaries.
pub(crate) fn prepare(
    est: &Estimates,
    constraints: &Constraints,
    risk_free: f64,
    extra: usize,
    need_factor: bool,
) -> Result<(Layout, Vec<f64>), PortfolioError> {
    if est.n() < 2 {
        return Err(PortfolioError::TooFewAssets {
            count: est.n(),
            min: 2,
        });
    }
    if !risk_free.is_finite() {
        return Err(PortfolioError::NotFinite {
            field: "risk_free".into(),
            value: risk_free,
        });
    }
    let l = if need_factor {
        factor(est)?
    } else {
        Vec::new()
    };
    let bounds = constraints.bounds(est.n())?;
    let leverage = constraints
        .leverage(&bounds)
        .map(|limit| (est.n() + extra, limit));
    Ok((
        Layout {
            n: est.n(),
            bounds,
            leverage,
        },
        l,
    ))
}

impl Layout {
    /// Total variables: weights, `extra` more, and the leverage auxiliaries.
    pub(crate) fn vars(&self, extra: usize) -> usize {
        self.n + extra + if self.leverage.is_some() { self.n } else { 0 }
    }

    /// Adds the budget, bounds and leverage rows. With `scale = Some(k)`
    /// the rows are homogenised by variable `k` (`Σ y = κ`, `lo κ <= y <= hi κ`,
    /// `Σ t <= L κ`), as the maximum-Sharpe reformulation needs.
    pub(crate) fn constrain(&self, p: &mut Problem, scale: Option<usize>) {
        let n = self.n;
        let mut budget: Vec<(usize, f64)> = (0..n).map(|i| (i, 1.0)).collect();
        match scale {
            Some(k) => {
                budget.push((k, -1.0));
                p.equal(budget, 0.0);
                p.at_most(vec![(k, -1.0)], 0.0);
            }
            None => p.equal(budget, 1.0),
        }
        for (i, &(lo, hi)) in self.bounds.iter().enumerate() {
            if hi.is_finite() {
                match scale {
                    Some(k) => p.at_most(vec![(i, 1.0), (k, -hi)], 0.0),
                    None => p.at_most(vec![(i, 1.0)], hi),
                }
            }
            if lo.is_finite() {
                match scale {
                    Some(k) => p.at_most(vec![(i, -1.0), (k, lo)], 0.0),
                    None => p.at_most(vec![(i, -1.0)], -lo),
                }
            }
        }
        if let Some((t, limit)) = self.leverage {
            for i in 0..n {
                p.at_most(vec![(i, 1.0), (t + i, -1.0)], 0.0);
                p.at_most(vec![(i, -1.0), (t + i, -1.0)], 0.0);
            }
            let mut gross: Vec<(usize, f64)> = (0..n).map(|i| (t + i, 1.0)).collect();
            match scale {
                Some(k) => {
                    gross.push((k, -limit));
                    p.at_most(gross, 0.0);
                }
                None => p.at_most(gross, limit),
            }
        }
    }

    /// Clips solver round-off back into the bounds and restores the budget
    /// by spreading the residual over the assets with room.
    pub(crate) fn clean(&self, mut w: Vec<f64>) -> Vec<f64> {
        for (wi, &(lo, hi)) in w.iter_mut().zip(&self.bounds) {
            *wi = wi.clamp(lo, hi);
        }
        let residual = 1.0 - w.iter().sum::<f64>();
        let room: Vec<f64> = w
            .iter()
            .zip(&self.bounds)
            .map(|(wi, &(lo, hi))| {
                let r = if residual > 0.0 { hi - wi } else { wi - lo };
                r.min(1.0)
            })
            .collect();
        let total: f64 = room.iter().sum();
        if total > 0.0 {
            for (wi, r) in w.iter_mut().zip(&room) {
                *wi += residual * r / total;
            }
        }
        w
    }
}

/// Solves `minimise ½ w'Σw` with the constraints and optional extra
/// inequality rows on `w`.
fn min_var_with(
    est: &Estimates,
    layout: &Layout,
    rows: Vec<Row>,
    what: &'static str,
) -> Result<(Vec<f64>, SolveStatus), PortfolioError> {
    let mut p = Problem::new(layout.vars(0));
    p.quadratic_block(0, est.covariance(), layout.n);
    layout.constrain(&mut p, None);
    for (a, b) in rows {
        p.at_most(a, b);
    }
    let sol = p.solve(what)?;
    Ok((layout.clean(sol.x[..layout.n].to_vec()), sol.status))
}

/// The minimum-variance portfolio: `minimise w'Σw` subject to the budget,
/// bounds and leverage limit (a QP solved by clarabel).
pub fn min_variance(
    est: &Estimates,
    constraints: &Constraints,
    risk_free: f64,
) -> Result<Portfolio, PortfolioError> {
    let (layout, _) = prepare(est, constraints, risk_free, 0, true)?;
    let (w, status) = min_var_with(est, &layout, Vec::new(), "minimum variance")?;
    Portfolio::measure(est, w, risk_free, status)
}

/// The maximum-return portfolio under the constraints (an LP), or
/// [`PortfolioError::Unbounded`] when shorts have no bounds or limit.
///
/// Unboundedness is decided before solving (interior-point methods detect
/// it slowly): without a leverage limit the LP is unbounded exactly when
/// some asset `i` has no upper bound, another `j` no lower bound and
/// `μ_i > μ_j` (buy `i`, short `j` without end).
fn max_return(est: &Estimates, layout: &Layout) -> Result<(Vec<f64>, SolveStatus), PortfolioError> {
    if layout.leverage.is_none() {
        let mu = est.expected_returns();
        for (i, bi) in layout.bounds.iter().enumerate() {
            for (j, bj) in layout.bounds.iter().enumerate() {
                if i != j && bi.1 == f64::INFINITY && bj.0 == f64::NEG_INFINITY && mu[i] > mu[j] {
                    return Err(PortfolioError::Unbounded {
                        what: "the maximum expected return",
                    });
                }
            }
        }
    }
    let mut p = Problem::new(layout.vars(0));
    for (j, m) in est.expected_returns().iter().enumerate() {
        p.cost(j, -m);
    }
    layout.constrain(&mut p, None);
    let sol = p.solve("the maximum expected return")?;
    Ok((layout.clean(sol.x[..layout.n].to_vec()), sol.status))
}

/// The maximum-Sharpe (tangency) portfolio at annual risk-free rate
/// `risk_free`.
///
/// Reformulation (Cornuejols & Tütüncü, *Optimization Methods in Finance*,
/// §8.2): with `y = κ w`, `κ > 0`, solve the QP `minimise y'Σy` subject to
/// `(μ - rf)'y = 1`, `Σ y_i = κ`, `lo κ <= y <= hi κ`, `Σ|y_i| <= L κ`;
/// then `w = y / κ`. If no portfolio's expected return beats `rf` (for
/// long-only: no asset's), returns [`PortfolioError::NoAssetBeatsRiskFree`].
pub fn max_sharpe(
    est: &Estimates,
    constraints: &Constraints,
    risk_free: f64,
) -> Result<Portfolio, PortfolioError> {
    let (mut layout, _) = prepare(est, constraints, risk_free, 1, true)?;
    let n = layout.n;
    let (best, best_return) =
        est.expected_returns()
            .iter()
            .enumerate()
            .fold(
                (0, f64::NEG_INFINITY),
                |acc, (i, &m)| if m > acc.1 { (i, m) } else { acc },
            );
    let beats = PortfolioError::NoAssetBeatsRiskFree {
        risk_free,
        best_asset: est.assets()[best].clone(),
        best_return,
    };
    let long_only = layout.bounds.iter().all(|b| b.0 >= 0.0);
    if long_only && best_return <= risk_free {
        return Err(beats);
    }
    // The leverage auxiliaries sit after κ.
    layout.leverage = layout.leverage.map(|(_, l)| (n + 1, l));
    let kappa = n;
    let mut p = Problem::new(layout.vars(1));
    p.quadratic_block(0, est.covariance(), n);
    let excess: Vec<(usize, f64)> = est
        .expected_returns()
        .iter()
        .enumerate()
        .map(|(i, m)| (i, m - risk_free))
        .collect();
    p.equal(excess, 1.0);
    layout.constrain(&mut p, Some(kappa));
    let sol = match p.solve("maximum Sharpe") {
        Err(PortfolioError::Infeasible { .. }) => return Err(beats),
        other => other?,
    };
    let k = sol.x[kappa];
    if k.is_nan() || k <= 0.0 {
        return Err(beats);
    }
    let w = layout.clean(sol.x[..n].iter().map(|y| y / k).collect());
    Portfolio::measure(est, w, risk_free, sol.status)
}

/// The efficient portfolio for a target annual return: `minimise w'Σw`
/// subject to `μ'w >= target` and the constraints (a QP). A target below
/// the minimum-variance portfolio's return gives that portfolio; one above
/// the largest reachable return is [`PortfolioError::UnreachableTarget`].
pub fn target_return(
    est: &Estimates,
    constraints: &Constraints,
    target: f64,
    risk_free: f64,
) -> Result<Portfolio, PortfolioError> {
    let (layout, _) = prepare(est, constraints, risk_free, 0, true)?;
    if !target.is_finite() {
        return Err(PortfolioError::NotFinite {
            field: "target return".into(),
            value: target,
        });
    }
    let top = match max_return(est, &layout) {
        Ok((w, _)) => dot(&w, est.expected_returns()),
        Err(PortfolioError::Unbounded { .. }) => f64::INFINITY,
        Err(e) => return Err(e),
    };
    if target > top + 1e-12 * top.abs().max(1.0) {
        return Err(PortfolioError::UnreachableTarget {
            field: "return",
            value: target,
            min: f64::NEG_INFINITY,
            max: top,
        });
    }
    let (w, status) = min_var_with(est, &layout, vec![return_row(est, target)], "target return")?;
    Portfolio::measure(est, w, risk_free, status)
}

/// `μ'w >= target` as `-μ'w <= -target`.
fn return_row(est: &Estimates, target: f64) -> Row {
    (
        est.expected_returns()
            .iter()
            .enumerate()
            .map(|(i, m)| (i, -m))
            .collect(),
        -target,
    )
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The highest-return portfolio whose annual volatility is at most
/// `target_volatility`: `maximise μ'w` subject to the second-order cone
/// `‖L'w‖₂ <= target_volatility` (with `Σ = LL'`) and the constraints, one
/// SOCP solved by clarabel (no bisection). A target below the
/// minimum-variance volatility is [`PortfolioError::UnreachableTarget`].
pub fn target_risk(
    est: &Estimates,
    constraints: &Constraints,
    target_volatility: f64,
    risk_free: f64,
) -> Result<Portfolio, PortfolioError> {
    let (layout, l) = prepare(est, constraints, risk_free, 0, true)?;
    if !(target_volatility.is_finite() && target_volatility > 0.0) {
        return Err(PortfolioError::Parameter {
            field: "target volatility",
            value: target_volatility,
            reason: "must be a positive annual volatility",
        });
    }
    let (w0, _) = min_var_with(est, &layout, Vec::new(), "minimum variance")?;
    let floor = Portfolio::measure(est, w0, risk_free, SolveStatus::Direct)?.volatility;
    if target_volatility < floor * (1.0 - 1e-7) {
        return Err(PortfolioError::UnreachableTarget {
            field: "volatility",
            value: target_volatility,
            min: floor,
            max: f64::INFINITY,
        });
    }
    let n = layout.n;
    let mut p = Problem::new(layout.vars(0));
    for (j, m) in est.expected_returns().iter().enumerate() {
        p.cost(j, -m);
    }
    layout.constrain(&mut p, None);
    // s_0 = σ, s_k = (L'w)_k = Σ_i L[i][k] w_i, so a_k = -L[·][k].
    let mut rows: Vec<Row> = vec![(Vec::new(), target_volatility.max(floor))];
    for k in 0..n {
        rows.push(((k..n).map(|i| (i, -l[i * n + k])).collect(), 0.0));
    }
    p.cone(rows);
    let sol = p.solve("target risk")?;
    let w = layout.clean(sol.x[..n].to_vec());
    Portfolio::measure(est, w, risk_free, sol.status)
}

/// The efficient frontier: `points` portfolios (at least 2) whose target
/// returns are evenly spaced from the minimum-variance portfolio's return
/// to the largest return the constraints allow (an LP), each the
/// minimum-variance portfolio for its target (a QP). Unbounded maximum
/// return (shorts with no bounds or leverage limit) is an error.
pub fn efficient_frontier(
    est: &Estimates,
    constraints: &Constraints,
    points: usize,
    risk_free: f64,
) -> Result<Vec<Portfolio>, PortfolioError> {
    if !(2..=1000).contains(&points) {
        return Err(PortfolioError::Parameter {
            field: "points",
            value: points as f64,
            reason: "must be between 2 and 1000",
        });
    }
    let (layout, _) = prepare(est, constraints, risk_free, 0, true)?;
    let (w0, status0) = min_var_with(est, &layout, Vec::new(), "minimum variance")?;
    let low = dot(&w0, est.expected_returns());
    let (w_top, _) = max_return(est, &layout)?;
    let high = dot(&w_top, est.expected_returns());
    let mut out = Vec::with_capacity(points);
    out.push(Portfolio::measure(est, w0, risk_free, status0)?);
    for k in 1..points {
        let frac = k as f64 / (points - 1) as f64;
        // The very top is a single point of the feasible set: aim a hair
        // below it so the QP keeps an interior.
        let target = low + (high - low) * frac.min(1.0 - 1e-9);
        let (w, status) = min_var_with(
            est,
            &layout,
            vec![return_row(est, target)],
            "frontier point",
        )?;
        out.push(Portfolio::measure(est, w, risk_free, status)?);
    }
    Ok(out)
}
