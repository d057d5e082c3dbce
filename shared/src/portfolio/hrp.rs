//! Hierarchical risk parity, written by hand after López de Prado (2016),
//! "Building diversified portfolios that outperform out of sample",
//! J. Portfolio Management 42(4), 59-69:
//! 1. correlation distance `d_ij = sqrt((1 - ρ_ij) / 2)`, then the distance
//!    between the columns of `d`, `d̃_ij = sqrt(Σ_k (d_ki - d_kj)²)` (as in
//!    the paper's snippet 16.1);
//! 2. single-linkage agglomerative clustering on `d̃` (ties: first pair in
//!    scan order; each merge lists the lower cluster id first, like scipy);
//! 3. quasi-diagonalisation: the leaves in dendrogram order;
//! 4. recursive bisection of that order into halves, each half weighted by
//!    `1 - V_half / (V_left + V_right)` where `V` is the variance of the
//!    half's inverse-variance portfolio.
//!
//! Weights are long-only, positive and sum to 1. The covariance need not be
//! invertible. Must not take bounds or shorts.

use super::estimate::Estimates;
use super::result::{Portfolio, SolveStatus};
use super::PortfolioError;

/// The hierarchical-risk-parity portfolio of the covariance in `est`
/// (expected returns only feed the reported return and Sharpe ratio).
pub fn hierarchical_risk_parity(
    est: &Estimates,
    risk_free: f64,
) -> Result<Portfolio, PortfolioError> {
    let n = est.n();
    if n < 2 {
        return Err(PortfolioError::TooFewAssets { count: n, min: 2 });
    }
    let order = quasi_diagonal_order(est);
    let w = bisect(est, &order);
    Portfolio::measure(est, w, risk_free, SolveStatus::Direct)
}

/// Leaves in the order of the single-linkage dendrogram (steps 1-3).
pub(crate) fn quasi_diagonal_order(est: &Estimates) -> Vec<usize> {
    let n = est.n();
    let sd: Vec<f64> = (0..n).map(|i| est.cov(i, i).sqrt()).collect();
    let mut d = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let rho = (est.cov(i, j) / (sd[i] * sd[j])).clamp(-1.0, 1.0);
            d[i * n + j] = ((1.0 - rho) / 2.0).max(0.0).sqrt();
        }
    }
    // Distance between columns of d.
    let mut dd = vec![0.0; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let s: f64 = (0..n).map(|k| (d[k * n + i] - d[k * n + j]).powi(2)).sum();
            dd[i * n + j] = s.sqrt();
            dd[j * n + i] = dd[i * n + j];
        }
    }
    // Single linkage: active clusters with ids; Lance-Williams update
    // d(k, i ∪ j) = min(d(k, i), d(k, j)).
    let mut ids: Vec<usize> = (0..n).collect();
    let mut active: Vec<bool> = vec![true; n];
    let mut children: Vec<(usize, usize)> = Vec::with_capacity(n - 1);
    for step in 0..n - 1 {
        let mut best = (f64::INFINITY, 0, 0);
        for i in 0..n {
            if !active[i] {
                continue;
            }
            for j in i + 1..n {
                if active[j] && dd[i * n + j] < best.0 {
                    best = (dd[i * n + j], i, j);
                }
            }
        }
        let (_, i, j) = best;
        let (a, b) = (ids[i].min(ids[j]), ids[i].max(ids[j]));
        children.push((a, b));
        // Slot i holds the merged cluster; slot j retires.
        for k in 0..n {
            if active[k] && k != i && k != j {
                let v = dd[k * n + i].min(dd[k * n + j]);
                dd[k * n + i] = v;
                dd[i * n + k] = v;
            }
        }
        active[j] = false;
        ids[i] = n + step;
    }
    // Leaves of the root, left child first.
    let mut order = Vec::with_capacity(n);
    let mut stack = vec![2 * n - 2];
    while let Some(c) = stack.pop() {
        if c < n {
            order.push(c);
        } else {
            let (a, b) = children[c - n];
            stack.push(b);
            stack.push(a);
        }
    }
    order
}

/// Variance of the inverse-variance portfolio of the assets in `items`.
fn cluster_variance(est: &Estimates, items: &[usize]) -> f64 {
    let inv: Vec<f64> = items.iter().map(|&i| 1.0 / est.cov(i, i)).collect();
    let total: f64 = inv.iter().sum();
    let w: Vec<f64> = inv.iter().map(|v| v / total).collect();
    let mut var = 0.0;
    for (a, &i) in items.iter().enumerate() {
        for (b, &j) in items.iter().enumerate() {
            var += w[a] * w[b] * est.cov(i, j);
        }
    }
    var
}

/// Recursive bisection (step 4) over the quasi-diagonal order.
fn bisect(est: &Estimates, order: &[usize]) -> Vec<f64> {
    let mut w = vec![1.0; est.n()];
    let mut clusters: Vec<&[usize]> = vec![order];
    while let Some(c) = clusters.pop() {
        if c.len() < 2 {
            continue;
        }
        let (left, right) = c.split_at(c.len() / 2);
        let (vl, vr) = (cluster_variance(est, left), cluster_variance(est, right));
        let alpha = if vl + vr > 0.0 {
            1.0 - vl / (vl + vr)
        } else {
            0.5
        };
        for &i in left {
            w[i] *= alpha;
        }
        for &i in right {
            w[i] *= 1.0 - alpha;
        }
        clusters.push(right);
        clusters.push(left);
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlated_assets_end_up_next_to_each_other() {
        // Assets 0 and 2 move together, 1 and 3 move together.
        let rho = |i: usize, j: usize| {
            if i == j {
                1.0
            } else if i % 2 == j % 2 {
                0.9
            } else {
                0.1
            }
        };
        let cov: Vec<Vec<f64>> = (0..4)
            .map(|i| (0..4).map(|j| 0.04 * rho(i, j)).collect())
            .collect();
        let est = Estimates::new(
            (0..4).map(|i| format!("A{i}")).collect(),
            vec![0.0; 4],
            &cov,
        )
        .unwrap();
        let order = quasi_diagonal_order(&est);
        let pos = |a: usize| order.iter().position(|&x| x == a).unwrap();
        assert_eq!(pos(0).abs_diff(pos(2)), 1, "{order:?}");
        assert_eq!(pos(1).abs_diff(pos(3)), 1, "{order:?}");
        // Symmetric clusters of equal variance: equal weights.
        let p = hierarchical_risk_parity(&est, 0.0).unwrap();
        for w in &p.weights {
            assert!((w - 0.25).abs() < 1e-12);
        }
    }
}
