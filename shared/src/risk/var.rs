//! Value at risk and expected shortfall (CVaR) of a return series at a
//! confidence level and a horizon in days: historical, parametric (normal,
//! Student-t) and Monte Carlo.
//!
//! Losses are positive (see the module [`crate::risk`]). With `α` the
//! confidence, `L = −R` the loss over the horizon:
//! - **historical**: h-day returns are the *overlapping* compounded
//!   returns `∏(1 + r) − 1` of every window of `h` consecutive periods
//!   (h = 1: the returns themselves). Of the `m` losses sorted ascending,
//!   VaR is the `⌈m α⌉`-th (numpy's `inverted_cdf` quantile) and ES is the
//!   mean of that loss and every larger one, so ES ≥ VaR always. At least
//!   one loss must lie beyond VaR: `m ≥ ⌈1 / (1 − α)⌉`.
//! - **parametric**: mean `μ` and sample standard deviation `σ` (ddof = 1)
//!   of the per-period returns, scaled by the square-root-of-time rule
//!   `μ_h = h μ`, `σ_h = √h σ`. Normal: `VaR = z_α σ_h − μ_h`, `ES = σ_h
//!   φ(z_α) / (1 − α) − μ_h`. Student-t: a *standardised* t (unit
//!   variance) with ν fitted by maximum likelihood ([`fit_student_t`]);
//!   with `t = t_ν⁻¹(α)`, `s = √((ν − 2)/ν)`: `VaR = σ_h s t − μ_h`, `ES =
//!   σ_h s g_ν(t) / (1 − α) · (ν + t²)/(ν − 1) − μ_h` (McNeil, Frey &
//!   Embrechts, *Quantitative Risk Management*, 2005, Example 2.19). For
//!   h > 1 the t scaling is the usual approximation (a sum of t variables
//!   is not t).
//! - **Monte Carlo**: scenarios of the h-day return as the *sum* of `h`
//!   per-period returns drawn from the fitted normal or standardised t (the
//!   same aggregation as the √h rule), with Xoshiro256++ seeded by the
//!   caller; VaR and ES by the historical rule on the simulated losses. The
//!   result is a [`VarSimulation`], never a data series.
//!
//! Quantiles and densities come from `statrs`. Must not panic on input.

use rand::SeedableRng;
use rand_distr::{Distribution as _, StandardNormal, StudentT};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};
use statrs::distribution::{Continuous, ContinuousCDF, Normal, StudentsT};

use super::{check_confidence, check_finite, check_horizon, check_len, mean_std, RiskError};

/// Bounds of the fitted Student-t degrees of freedom: above 2 so the
/// variance exists, and at most 1000 (indistinguishable from normal).
pub const DOF_RANGE: (f64, f64) = (2.05, 1000.0);

/// Allowed numbers of Monte Carlo scenarios.
pub const SCENARIOS_RANGE: (usize, usize) = (1_000, 10_000_000);

/// Fewest returns a parametric fit accepts.
pub const MIN_PARAMETRIC_RETURNS: usize = 20;

/// The assumed distribution of per-period returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// Normal with the sample mean and standard deviation.
    Normal,
    /// Standardised Student-t with the sample mean and standard deviation
    /// and degrees of freedom fitted by maximum likelihood.
    StudentT,
}

/// How a [`VarEstimate`] was computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VarMethod {
    /// Empirical quantile of observed (overlapping h-day) returns.
    Historical,
    /// Closed form under a normal distribution.
    Normal,
    /// Closed form under a standardised Student-t distribution.
    StudentT,
    /// Quantile of simulated scenarios (see [`VarSimulation`]).
    MonteCarlo,
}

/// VaR and ES of one method at one confidence and horizon.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VarEstimate {
    /// How it was computed.
    pub method: VarMethod,
    /// Confidence level α in (0, 1).
    pub confidence: f64,
    /// Horizon in periods (trading days for daily data).
    pub horizon_days: usize,
    /// Value at risk: the α-quantile of the loss, positive for a loss.
    pub var: f64,
    /// Expected shortfall (CVaR): the mean loss at or beyond VaR; ≥ `var`.
    pub es: f64,
    /// Number of returns the estimate is based on (h-day windows for the
    /// historical method, scenarios for Monte Carlo).
    pub observations: usize,
    /// Fitted degrees of freedom, for the Student-t methods.
    pub dof: Option<f64>,
}

/// A Monte Carlo VaR: a simulation, labelled as such, with everything
/// needed to repeat it. Never stored or shown as data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VarSimulation {
    /// Always "Monte Carlo simulation": what this result is.
    pub label: String,
    /// The seed of the Xoshiro256++ stream.
    pub seed: u64,
    /// Number of simulated scenarios.
    pub scenarios: usize,
    /// The distribution the scenarios were drawn from.
    pub distribution: Distribution,
    /// Per-period mean used for the draws.
    pub mean: f64,
    /// Per-period standard deviation used for the draws.
    pub std: f64,
    /// The VaR and ES of the simulated losses.
    pub estimate: VarEstimate,
}

/// A Student-t fitted to returns.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StudentTFit {
    /// Sample mean (location).
    pub mean: f64,
    /// Sample standard deviation (ddof = 1); the standardised t is scaled
    /// to have this standard deviation.
    pub std: f64,
    /// Degrees of freedom, in [`DOF_RANGE`].
    pub dof: f64,
    /// Log-likelihood at the fit.
    pub log_likelihood: f64,
}

fn check_returns(returns: &[f64], needed: usize, reason: &str) -> Result<(), RiskError> {
    check_finite("returns", returns)?;
    check_len("returns", returns, needed, reason)
}

fn moments(returns: &[f64]) -> Result<(f64, f64), RiskError> {
    check_returns(
        returns,
        MIN_PARAMETRIC_RETURNS,
        "a parametric fit needs a sample",
    )?;
    let (mean, std) = mean_std(returns);
    if std <= 0.0 || returns.iter().all(|r| *r == returns[0]) {
        return Err(RiskError::Invalid {
            field: "returns",
            reason:
                "the returns are constant (standard deviation 0); a distribution cannot be fitted"
                    .into(),
        });
    }
    Ok((mean, std))
}

/// Fewest observations the empirical rule needs at `confidence`: one loss
/// beyond VaR, `⌈1 / (1 − α)⌉`.
pub fn min_observations(confidence: f64) -> Result<usize, RiskError> {
    let a = check_confidence(confidence)?;
    Ok(libm::ceil(1.0 / (1.0 - a) - 1e-9).max(2.0) as usize)
}

/// VaR and ES of `losses` by the empirical rule (module docs); reorders
/// `losses`. The caller has checked `losses.len() >= min_observations`.
fn empirical_tail(losses: &mut [f64], confidence: f64) -> (f64, f64) {
    let m = losses.len();
    // The small epsilon keeps 100 × 0.95 at rank 95, not 96.
    let k = (libm::ceil(m as f64 * confidence - 1e-9) as usize).clamp(1, m);
    let (_, var, tail) = losses.select_nth_unstable_by(k - 1, f64::total_cmp);
    let var = *var;
    let es = (var + tail.iter().sum::<f64>()) / (tail.len() + 1) as f64;
    (var, es)
}

/// Historical VaR and ES of `returns` (per period) at `confidence` over
/// `horizon_days`, from overlapping h-day compounded returns.
pub fn historical(
    returns: &[f64],
    confidence: f64,
    horizon_days: usize,
) -> Result<VarEstimate, RiskError> {
    let needed_tail = min_observations(confidence)?;
    let h = check_horizon(horizon_days)?;
    check_finite("returns", returns)?;
    let needed = needed_tail + h - 1;
    check_len(
        "returns",
        returns,
        needed,
        &format!("{needed_tail} {h}-day windows put one loss beyond the {confidence} quantile"),
    )?;
    let mut losses: Vec<f64> = returns
        .windows(h)
        .map(|w| 1.0 - w.iter().fold(1.0, |acc, r| acc * (1.0 + r)))
        .collect();
    let (var, es) = empirical_tail(&mut losses, confidence);
    Ok(VarEstimate {
        method: VarMethod::Historical,
        confidence,
        horizon_days: h,
        var,
        es,
        observations: losses.len(),
        dof: None,
    })
}

fn standard_t(dof: f64) -> Result<StudentsT, RiskError> {
    StudentsT::new(0.0, 1.0, dof).map_err(|e| RiskError::Invalid {
        field: "dof",
        reason: e.to_string(),
    })
}

fn standardised_t_log_likelihood(z: &[f64], dof: f64) -> f64 {
    let s = libm::sqrt((dof - 2.0) / dof);
    match standard_t(dof) {
        Ok(t) => z.iter().map(|&x| t.ln_pdf(x / s) - libm::log(s)).sum(),
        Err(_) => f64::NEG_INFINITY,
    }
}

/// Fits a standardised Student-t to `returns`: location and scale are the
/// sample mean and standard deviation (so the fit has the sample's
/// variance), and ν maximises the likelihood of the standardised returns
/// (golden-section search over ln ν in [`DOF_RANGE`]; a profile maximum
/// likelihood, not a joint three-parameter one).
pub fn fit_student_t(returns: &[f64]) -> Result<StudentTFit, RiskError> {
    let (mean, std) = moments(returns)?;
    let z: Vec<f64> = returns.iter().map(|r| (r - mean) / std).collect();
    let f = |x: f64| standardised_t_log_likelihood(&z, libm::exp(x));
    let (mut a, mut b) = (libm::log(DOF_RANGE.0), libm::log(DOF_RANGE.1));
    let ratio = (libm::sqrt(5.0) - 1.0) / 2.0;
    let mut c = b - ratio * (b - a);
    let mut d = a + ratio * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    for _ in 0..80 {
        if fc > fd {
            b = d;
            d = c;
            fd = fc;
            c = b - ratio * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + ratio * (b - a);
            fd = f(d);
        }
    }
    let dof = libm::exp((a + b) / 2.0).clamp(DOF_RANGE.0, DOF_RANGE.1);
    Ok(StudentTFit {
        mean,
        std,
        dof,
        log_likelihood: standardised_t_log_likelihood(&z, dof),
    })
}

/// Parametric VaR and ES (normal or fitted Student-t) of `returns` at
/// `confidence` over `horizon_days` by the square-root-of-time rule.
pub fn parametric(
    returns: &[f64],
    confidence: f64,
    horizon_days: usize,
    distribution: Distribution,
) -> Result<VarEstimate, RiskError> {
    let a = check_confidence(confidence)?;
    let h = check_horizon(horizon_days)?;
    match distribution {
        Distribution::Normal => {
            let (mean, std) = moments(returns)?;
            let (var, es) = normal_var_es(mean, std, a, h)?;
            Ok(VarEstimate {
                method: VarMethod::Normal,
                confidence: a,
                horizon_days: h,
                var,
                es,
                observations: returns.len(),
                dof: None,
            })
        }
        Distribution::StudentT => {
            let fit = fit_student_t(returns)?;
            let (var, es) = student_t_var_es(fit.mean, fit.std, fit.dof, a, h)?;
            Ok(VarEstimate {
                method: VarMethod::StudentT,
                confidence: a,
                horizon_days: h,
                var,
                es,
                observations: returns.len(),
                dof: Some(fit.dof),
            })
        }
    }
}

/// Normal VaR and ES of per-period mean `mean` and standard deviation
/// `std` at confidence `a` over `h` periods (√h rule).
pub fn normal_var_es(mean: f64, std: f64, a: f64, h: usize) -> Result<(f64, f64), RiskError> {
    check_confidence(a)?;
    check_horizon(h)?;
    let n = Normal::new(0.0, 1.0).map_err(|e| RiskError::Invalid {
        field: "std",
        reason: e.to_string(),
    })?;
    let z = n.inverse_cdf(a);
    let (mean_h, std_h) = (mean * h as f64, std * libm::sqrt(h as f64));
    Ok((z * std_h - mean_h, std_h * n.pdf(z) / (1.0 - a) - mean_h))
}

/// Standardised Student-t VaR and ES (ν = `dof` > 2) of per-period mean
/// `mean` and standard deviation `std` at confidence `a` over `h` periods.
pub fn student_t_var_es(
    mean: f64,
    std: f64,
    dof: f64,
    a: f64,
    h: usize,
) -> Result<(f64, f64), RiskError> {
    check_confidence(a)?;
    check_horizon(h)?;
    if !(dof > 2.0 && dof.is_finite()) {
        return Err(RiskError::Invalid {
            field: "dof",
            reason: format!("{dof} must be a finite number > 2 (the variance must exist)"),
        });
    }
    let t = standard_t(dof)?;
    let q = t.inverse_cdf(a);
    let s = libm::sqrt((dof - 2.0) / dof);
    let (mean_h, std_h) = (mean * h as f64, std * libm::sqrt(h as f64));
    let es_standard = t.pdf(q) / (1.0 - a) * (dof + q * q) / (dof - 1.0);
    Ok((std_h * s * q - mean_h, std_h * s * es_standard - mean_h))
}

/// Monte Carlo VaR and ES: `scenarios` h-day returns, each the sum of `h`
/// per-period draws from `distribution` fitted to `returns`, with the
/// Xoshiro256++ stream seeded by `seed`.
pub fn monte_carlo(
    returns: &[f64],
    confidence: f64,
    horizon_days: usize,
    distribution: Distribution,
    scenarios: usize,
    seed: u64,
) -> Result<VarSimulation, RiskError> {
    let a = check_confidence(confidence)?;
    let h = check_horizon(horizon_days)?;
    if !(SCENARIOS_RANGE.0..=SCENARIOS_RANGE.1).contains(&scenarios) {
        return Err(RiskError::Invalid {
            field: "scenarios",
            reason: format!(
                "{scenarios} is outside [{}, {}]",
                SCENARIOS_RANGE.0, SCENARIOS_RANGE.1
            ),
        });
    }
    let needed = min_observations(a)?;
    if scenarios < needed {
        return Err(RiskError::Invalid {
            field: "scenarios",
            reason: format!(
                "{scenarios} put no scenario beyond the {a} quantile; use at least {needed}"
            ),
        });
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (mean, std, dof, mut losses) = match distribution {
        Distribution::Normal => {
            let (mean, std) = moments(returns)?;
            let losses = (0..scenarios)
                .map(|_| {
                    let mut total = 0.0;
                    for _ in 0..h {
                        let z: f64 = StandardNormal.sample(&mut rng);
                        total += mean + std * z;
                    }
                    -total
                })
                .collect::<Vec<f64>>();
            (mean, std, None, losses)
        }
        Distribution::StudentT => {
            let fit = fit_student_t(returns)?;
            let t = StudentT::new(fit.dof).map_err(|e| RiskError::Invalid {
                field: "dof",
                reason: e.to_string(),
            })?;
            let scale = fit.std * libm::sqrt((fit.dof - 2.0) / fit.dof);
            let losses = (0..scenarios)
                .map(|_| {
                    let mut total = 0.0;
                    for _ in 0..h {
                        let z: f64 = t.sample(&mut rng);
                        total += fit.mean + scale * z;
                    }
                    -total
                })
                .collect::<Vec<f64>>();
            (fit.mean, fit.std, Some(fit.dof), losses)
        }
    };
    let (var, es) = empirical_tail(&mut losses, a);
    Ok(VarSimulation {
        label: "Monte Carlo simulation".into(),
        seed,
        scenarios,
        distribution,
        mean,
        std,
        estimate: VarEstimate {
            method: VarMethod::MonteCarlo,
            confidence: a,
            horizon_days: h,
            var,
            es,
            observations: scenarios,
            dof,
        },
    })
}
