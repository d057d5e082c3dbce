//! Backtests of VaR forecasts: count the breaches (a loss larger than the
//! forecast VaR) against the expected number, Kupiec's proportion-of-
//! failures test of the breach rate, Christoffersen's test that breaches
//! do not cluster, and their sum, the conditional coverage test.
//!
//! With `n` forecasts, `x` breaches and `p = 1 − confidence` (conventions
//! `0 · ln 0 = 0`):
//! - Kupiec (1995): `LR_pof = −2 ln[(1 − p)^(n−x) p^x] + 2 ln[(1 − x/n)^(n−x)
//!   (x/n)^x]`, χ² with 1 degree of freedom;
//! - Christoffersen (1998): with `n_ij` the number of days in state j
//!   after a day in state i (1 = breach) over the `n − 1` transitions,
//!   `π_01 = n01/(n00 + n01)`, `π_11 = n11/(n10 + n11)`, `π = (n01 +
//!   n11)/(n − 1)`: `LR_ind = −2 ln[(1 − π)^(n00+n10) π^(n01+n11)] + 2
//!   ln[(1 − π01)^n00 π01^n01 (1 − π11)^n10 π11^n11]`, χ²(1);
//! - conditional coverage: `LR_cc = LR_pof + LR_ind`, χ²(2).
//!
//! p-values are χ² survival functions from `statrs`. Must not panic.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::{check_confidence, check_finite, check_len, check_same_len, RiskError};

/// A likelihood-ratio test result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LrTest {
    /// The LR statistic (≥ 0).
    pub statistic: f64,
    /// Degrees of freedom of its χ² distribution.
    pub dof: u32,
    /// P(χ² ≥ statistic); small values reject the VaR model.
    pub p_value: f64,
}

/// The outcome of a VaR backtest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VarBacktest {
    /// The forecasts' confidence level.
    pub confidence: f64,
    /// Number of forecasts tested.
    pub observations: usize,
    /// Number of breaches (loss > VaR).
    pub breaches: usize,
    /// Expected number of breaches, `n (1 − confidence)`.
    pub expected: f64,
    /// Index of each breach in the input.
    pub breach_indices: Vec<usize>,
    /// Kupiec's proportion-of-failures test.
    pub kupiec: LrTest,
    /// Christoffersen's independence test.
    pub independence: LrTest,
    /// Conditional coverage: Kupiec plus independence, 2 degrees of freedom.
    pub conditional_coverage: LrTest,
}

/// `a · ln b`, with `0 · ln 0 = 0`.
fn xlny(a: f64, b: f64) -> f64 {
    if a == 0.0 {
        0.0
    } else {
        a * libm::log(b)
    }
}

fn lr_test(statistic: f64, dof: u32) -> LrTest {
    // Rounding can leave a hair below zero when the fit is exact.
    let statistic = statistic.max(0.0);
    let p_value = ChiSquared::new(f64::from(dof))
        .map(|c| c.sf(statistic))
        .unwrap_or(f64::NAN);
    LrTest {
        statistic,
        dof,
        p_value,
    }
}

/// Kupiec's LR statistic for `breaches` out of `n` at breach probability `p`.
pub fn kupiec_statistic(n: usize, breaches: usize, p: f64) -> f64 {
    let (n, x) = (n as f64, breaches as f64);
    let observed = x / n;
    -2.0 * (xlny(n - x, 1.0 - p) + xlny(x, p))
        + 2.0 * (xlny(n - x, 1.0 - observed) + xlny(x, observed))
}

/// Christoffersen's independence LR statistic of a breach indicator
/// sequence (`true` = breach); 0 for fewer than two days.
pub fn independence_statistic(hits: &[bool]) -> f64 {
    let (mut n00, mut n01, mut n10, mut n11) = (0.0, 0.0, 0.0, 0.0);
    for pair in hits.windows(2) {
        match (pair[0], pair[1]) {
            (false, false) => n00 += 1.0,
            (false, true) => n01 += 1.0,
            (true, false) => n10 += 1.0,
            (true, true) => n11 += 1.0,
        }
    }
    let total = n00 + n01 + n10 + n11;
    if total == 0.0 {
        return 0.0;
    }
    let pi = (n01 + n11) / total;
    let pi01 = if n00 + n01 > 0.0 {
        n01 / (n00 + n01)
    } else {
        0.0
    };
    let pi11 = if n10 + n11 > 0.0 {
        n11 / (n10 + n11)
    } else {
        0.0
    };
    -2.0 * (xlny(n00 + n10, 1.0 - pi) + xlny(n01 + n11, pi))
        + 2.0 * (xlny(n00, 1.0 - pi01) + xlny(n01, pi01) + xlny(n10, 1.0 - pi11) + xlny(n11, pi11))
}

/// Backtests VaR forecasts: `var[t]` is the VaR (positive = loss) forecast
/// for period t before it happened, `returns[t]` the return realised in it.
/// A breach is `−returns[t] > var[t]`.
pub fn backtest_var(
    returns: &[f64],
    var: &[f64],
    confidence: f64,
) -> Result<VarBacktest, RiskError> {
    let a = check_confidence(confidence)?;
    check_same_len("var", var.len(), "returns", returns.len())?;
    check_finite("returns", returns)?;
    check_finite("var", var)?;
    check_len(
        "returns",
        returns,
        2,
        "the independence test needs a transition",
    )?;
    let hits: Vec<bool> = returns.iter().zip(var).map(|(r, v)| -r > *v).collect();
    let breach_indices: Vec<usize> = (0..hits.len()).filter(|&i| hits[i]).collect();
    let n = returns.len();
    let p = 1.0 - a;
    let kupiec = lr_test(kupiec_statistic(n, breach_indices.len(), p), 1);
    let independence = lr_test(independence_statistic(&hits), 1);
    let conditional_coverage = lr_test(kupiec.statistic + independence.statistic, 2);
    Ok(VarBacktest {
        confidence: a,
        observations: n,
        breaches: breach_indices.len(),
        expected: n as f64 * p,
        breach_indices,
        kupiec,
        independence,
        conditional_coverage,
    })
}

/// One-day VaR forecasts for a backtest, without look-ahead: the forecast
/// for period t (t ≥ `window`) is the 1-day VaR of `method` fitted to
/// returns `t − window .. t` only; returns the forecasts for periods
/// `window..n`, to be tested against `returns[window..]`. Monte Carlo is
/// not offered here (one simulation per day is too slow to be useful).
pub fn rolling_forecasts(
    returns: &[f64],
    window: usize,
    confidence: f64,
    method: super::VarMethod,
) -> Result<Vec<f64>, RiskError> {
    use super::var::{historical, parametric, Distribution, VarMethod};
    check_finite("returns", returns)?;
    if method == VarMethod::MonteCarlo {
        return Err(RiskError::Invalid {
            field: "method",
            reason: "rolling forecasts use historical, normal or student_t".into(),
        });
    }
    check_len(
        "returns",
        returns,
        window + 2,
        "one window to fit and two periods to test",
    )?;
    (window..returns.len())
        .map(|t| {
            let past = &returns[t - window..t];
            let estimate = match method {
                VarMethod::Historical | VarMethod::MonteCarlo => historical(past, confidence, 1),
                VarMethod::Normal => parametric(past, confidence, 1, Distribution::Normal),
                VarMethod::StudentT => parametric(past, confidence, 1, Distribution::StudentT),
            };
            estimate.map(|e| e.var).map_err(|e| match e {
                RiskError::TooFew {
                    got,
                    needed,
                    reason,
                    ..
                } => RiskError::TooFew {
                    field: "window",
                    got,
                    needed,
                    reason,
                },
                other => other,
            })
        })
        .collect()
}
