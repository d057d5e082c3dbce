//! Expected returns (historical mean, exponentially weighted mean, CAPM)
//! and covariance (sample, exponentially weighted; Ledoit-Wolf lives in
//! `shrinkage`), annualised by the matrix's frequency (252 daily, 52
//! weekly, 12 monthly): means times the periods per year, covariances too.
//!
//! Must not optimise anything: the optimisers take an [`Estimates`].

use serde::Serialize;

use super::align::ReturnMatrix;
use super::shrinkage::{ledoit_wolf_constant_correlation, ledoit_wolf_identity};
use super::PortfolioError;

/// Annualised expected returns and covariance of some assets.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Estimates {
    assets: Vec<String>,
    mu: Vec<f64>,
    cov: Vec<f64>,
    shrinkage: Option<f64>,
}

impl Estimates {
    /// Checks and wraps annualised expected returns `mu` and an `n x n`
    /// covariance `cov` (rows): lengths agree, numbers finite, covariance
    /// symmetric (to 1e-10 relative) with positive variances.
    pub fn new(
        assets: Vec<String>,
        mu: Vec<f64>,
        cov: &[Vec<f64>],
    ) -> Result<Estimates, PortfolioError> {
        let flat: Vec<f64> = cov.iter().flatten().copied().collect();
        if cov.len() != assets.len() {
            return Err(PortfolioError::Length {
                field: "covariance rows",
                expected: assets.len(),
                got: cov.len(),
            });
        }
        if let Some(row) = cov.iter().find(|r| r.len() != assets.len()) {
            return Err(PortfolioError::Length {
                field: "covariance row",
                expected: assets.len(),
                got: row.len(),
            });
        }
        Estimates::from_flat(assets, mu, flat, None)
    }

    pub(crate) fn from_flat(
        assets: Vec<String>,
        mu: Vec<f64>,
        cov: Vec<f64>,
        shrinkage: Option<f64>,
    ) -> Result<Estimates, PortfolioError> {
        let n = assets.len();
        if n == 0 {
            return Err(PortfolioError::TooFewAssets { count: 0, min: 1 });
        }
        if mu.len() != n {
            return Err(PortfolioError::Length {
                field: "expected_returns",
                expected: n,
                got: mu.len(),
            });
        }
        if cov.len() != n * n {
            return Err(PortfolioError::Length {
                field: "covariance entries",
                expected: n * n,
                got: cov.len(),
            });
        }
        for (i, &m) in mu.iter().enumerate() {
            if !m.is_finite() {
                return Err(PortfolioError::NotFinite {
                    field: format!("expected return of \"{}\"", assets[i]),
                    value: m,
                });
            }
        }
        for i in 0..n {
            for j in 0..n {
                let (a, b) = (cov[i * n + j], cov[j * n + i]);
                if !a.is_finite() {
                    return Err(PortfolioError::NotFinite {
                        field: format!("covariance[{i}][{j}]"),
                        value: a,
                    });
                }
                if (a - b).abs() > 1e-10 * a.abs().max(b.abs()).max(1e-300) {
                    return Err(PortfolioError::NotSymmetric {
                        row: i,
                        col: j,
                        a,
                        b,
                    });
                }
            }
            if cov[i * n + i] <= 0.0 {
                return Err(PortfolioError::ConstantSeries {
                    asset: assets[i].clone(),
                    variance: cov[i * n + i],
                });
            }
        }
        Ok(Estimates {
            assets,
            mu,
            cov,
            shrinkage,
        })
    }

    /// Asset names.
    pub fn assets(&self) -> &[String] {
        &self.assets
    }

    /// Number of assets.
    pub fn n(&self) -> usize {
        self.assets.len()
    }

    /// Annualised expected returns.
    pub fn expected_returns(&self) -> &[f64] {
        &self.mu
    }

    /// Annualised covariance, row-major `n x n`.
    pub fn covariance(&self) -> &[f64] {
        &self.cov
    }

    /// Entry `(i, j)` of the covariance.
    pub fn cov(&self, i: usize, j: usize) -> f64 {
        self.cov[i * self.n() + j]
    }

    /// The Ledoit-Wolf shrinkage intensity when the covariance was shrunk.
    pub fn shrinkage(&self) -> Option<f64> {
        self.shrinkage
    }
}

/// How to estimate expected returns.
#[derive(Clone, Debug, PartialEq)]
pub enum ReturnEstimator {
    /// Arithmetic mean of the period returns times periods per year.
    Mean,
    /// Exponentially weighted mean with this half-life in periods.
    Ewma {
        /// Half-life in periods (> 0).
        half_life: f64,
    },
    /// CAPM: `rf + beta_i (E[r_m] - rf)` against a market series.
    Capm {
        /// The market's period returns on the same dates as the matrix.
        market: Vec<f64>,
        /// Annual risk-free rate (decimal).
        risk_free: f64,
    },
}

/// How to estimate the covariance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CovarianceEstimator {
    /// Unbiased sample covariance (divides by `T - 1`).
    Sample,
    /// Exponentially weighted covariance with this half-life in periods.
    Ewma {
        /// Half-life in periods (> 0).
        half_life: f64,
    },
    /// Ledoit-Wolf (2004) shrinkage to the constant-correlation matrix.
    LedoitWolfConstantCorrelation,
    /// Ledoit-Wolf (2004) shrinkage to a multiple of the identity.
    LedoitWolfIdentity,
}

/// Checks there is an asset and at least `min_dates` rows.
pub(crate) fn check_rows(r: &ReturnMatrix, min_dates: usize) -> Result<(), PortfolioError> {
    if r.n_assets() == 0 {
        return Err(PortfolioError::TooFewAssets { count: 0, min: 1 });
    }
    if r.n_dates() < min_dates {
        return Err(PortfolioError::TooFewDates {
            count: r.n_dates(),
            min: min_dates,
            what: "aligned returns",
        });
    }
    Ok(())
}

/// Normalised exponential weights, the newest row weighing most:
/// `w_t ∝ 2^{-(T-1-t)/h}`.
pub(crate) fn ewma_weights(t: usize, half_life: f64) -> Result<Vec<f64>, PortfolioError> {
    if !(half_life.is_finite() && half_life > 0.0) {
        return Err(PortfolioError::Parameter {
            field: "half_life",
            value: half_life,
            reason: "must be a positive number of periods",
        });
    }
    let raw: Vec<f64> = (0..t)
        .map(|k| libm::exp2(-((t - 1 - k) as f64) / half_life))
        .collect();
    let total: f64 = raw.iter().sum();
    Ok(raw.into_iter().map(|w| w / total).collect())
}

/// Weighted column means (`weights` summing to 1).
fn weighted_means(r: &ReturnMatrix, weights: &[f64]) -> Vec<f64> {
    let mut m = vec![0.0; r.n_assets()];
    for (t, w) in weights.iter().enumerate() {
        for (mj, x) in m.iter_mut().zip(r.row(t)) {
            *mj += w * x;
        }
    }
    m
}

/// Column means of the period returns (not annualised).
pub(crate) fn column_means(r: &ReturnMatrix) -> Vec<f64> {
    let t = r.n_dates() as f64;
    let mut m = vec![0.0; r.n_assets()];
    for k in 0..r.n_dates() {
        for (mj, x) in m.iter_mut().zip(r.row(k)) {
            *mj += x;
        }
    }
    m.iter_mut().for_each(|v| *v /= t);
    m
}

/// Annualised historical mean: `ppy * (1/T) Σ_t r_t` per asset.
pub fn mean_returns(r: &ReturnMatrix) -> Result<Vec<f64>, PortfolioError> {
    check_rows(r, 1)?;
    let ppy = r.frequency().periods_per_year();
    Ok(column_means(r).into_iter().map(|m| m * ppy).collect())
}

/// Annualised exponentially weighted mean: `ppy * Σ_t w_t r_t` with
/// `w_t ∝ 2^{-(T-1-t)/half_life}` (the newest date has weight 1 before
/// normalising; a return `half_life` periods older has half).
pub fn ewma_returns(r: &ReturnMatrix, half_life: f64) -> Result<Vec<f64>, PortfolioError> {
    check_rows(r, 1)?;
    let w = ewma_weights(r.n_dates(), half_life)?;
    let ppy = r.frequency().periods_per_year();
    Ok(weighted_means(r, &w).into_iter().map(|m| m * ppy).collect())
}

/// CAPM expected returns: `rf + beta_i (ppy * mean(r_m) - rf)` with
/// `beta_i = cov(r_i, r_m) / var(r_m)` from the sample (both with `T - 1`).
/// `market` holds the market's period returns on the matrix's dates;
/// `risk_free` is annual.
pub fn capm_returns(
    r: &ReturnMatrix,
    market: &[f64],
    risk_free: f64,
) -> Result<Vec<f64>, PortfolioError> {
    check_rows(r, 3)?;
    if market.len() != r.n_dates() {
        return Err(PortfolioError::Length {
            field: "market returns",
            expected: r.n_dates(),
            got: market.len(),
        });
    }
    if !risk_free.is_finite() {
        return Err(PortfolioError::NotFinite {
            field: "risk_free".into(),
            value: risk_free,
        });
    }
    if let Some((t, v)) = market.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(PortfolioError::NotFinite {
            field: format!("market return {t}"),
            value: *v,
        });
    }
    let t = market.len() as f64;
    let mm = market.iter().sum::<f64>() / t;
    let var_m = market.iter().map(|x| (x - mm) * (x - mm)).sum::<f64>() / (t - 1.0);
    if var_m <= 0.0 {
        return Err(PortfolioError::ConstantSeries {
            asset: "market".into(),
            variance: var_m,
        });
    }
    let means = column_means(r);
    let ppy = r.frequency().periods_per_year();
    let premium = mm * ppy - risk_free;
    let mut cov = vec![0.0; r.n_assets()];
    for (k, m) in market.iter().enumerate() {
        for ((c, x), mean) in cov.iter_mut().zip(r.row(k)).zip(&means) {
            *c += (x - mean) * (m - mm);
        }
    }
    Ok(cov
        .into_iter()
        .map(|c| risk_free + c / (t - 1.0) / var_m * premium)
        .collect())
}

/// Weighted covariance about the weighted means, `Σ_t w_t (r_t - m)(r_t - m)'`,
/// times `scale`. Row-major `n x n`.
fn weighted_covariance(r: &ReturnMatrix, weights: &[f64], scale: f64) -> Vec<f64> {
    let n = r.n_assets();
    let m = weighted_means(r, weights);
    let mut c = vec![0.0; n * n];
    let mut d = vec![0.0; n];
    for (t, w) in weights.iter().enumerate() {
        for ((dj, x), mj) in d.iter_mut().zip(r.row(t)).zip(&m) {
            *dj = x - mj;
        }
        for i in 0..n {
            let wi = w * d[i];
            for j in i..n {
                c[i * n + j] += wi * d[j];
            }
        }
    }
    for i in 0..n {
        for j in i..n {
            c[i * n + j] *= scale;
            c[j * n + i] = c[i * n + j];
        }
    }
    c
}

/// Annualised unbiased sample covariance: `ppy/(T-1) Σ_t (r_t - r̄)(r_t - r̄)'`,
/// row-major.
pub fn sample_covariance(r: &ReturnMatrix) -> Result<Vec<f64>, PortfolioError> {
    check_rows(r, 2)?;
    let t = r.n_dates();
    let w = vec![1.0 / t as f64; t];
    let scale = r.frequency().periods_per_year() * t as f64 / (t as f64 - 1.0);
    let c = weighted_covariance(r, &w, scale);
    check_variances(r, &c)?;
    Ok(c)
}

/// Annualised exponentially weighted covariance: `ppy Σ_t w_t (r_t - m)(r_t - m)'`
/// with the weights of [`ewma_returns`] and `m` the weighted mean.
pub fn ewma_covariance(r: &ReturnMatrix, half_life: f64) -> Result<Vec<f64>, PortfolioError> {
    check_rows(r, 2)?;
    let w = ewma_weights(r.n_dates(), half_life)?;
    let c = weighted_covariance(r, &w, r.frequency().periods_per_year());
    check_variances(r, &c)?;
    Ok(c)
}

/// Refuses a covariance with a (numerically) zero variance, naming the asset.
pub(crate) fn check_variances(r: &ReturnMatrix, c: &[f64]) -> Result<(), PortfolioError> {
    let n = r.n_assets();
    for j in 0..n {
        let v = c[j * n + j];
        let col = r.column(j);
        let scale = col.iter().fold(0.0f64, |a, x| a.max(x.abs()));
        if v.is_nan() || v <= 1e-24 * scale.max(1.0) || col.iter().all(|x| *x == col[0]) {
            return Err(PortfolioError::ConstantSeries {
                asset: r.assets()[j].clone(),
                variance: v,
            });
        }
    }
    Ok(())
}

/// Expected returns and covariance of `r` with the chosen estimators.
pub fn estimate(
    r: &ReturnMatrix,
    returns: &ReturnEstimator,
    covariance: CovarianceEstimator,
) -> Result<Estimates, PortfolioError> {
    let mu = match returns {
        ReturnEstimator::Mean => mean_returns(r)?,
        ReturnEstimator::Ewma { half_life } => ewma_returns(r, *half_life)?,
        ReturnEstimator::Capm { market, risk_free } => capm_returns(r, market, *risk_free)?,
    };
    let (cov, shrinkage) = match covariance {
        CovarianceEstimator::Sample => (sample_covariance(r)?, None),
        CovarianceEstimator::Ewma { half_life } => (ewma_covariance(r, half_life)?, None),
        CovarianceEstimator::LedoitWolfConstantCorrelation => {
            let s = ledoit_wolf_constant_correlation(r)?;
            (s.covariance, Some(s.shrinkage))
        }
        CovarianceEstimator::LedoitWolfIdentity => {
            let s = ledoit_wolf_identity(r)?;
            (s.covariance, Some(s.shrinkage))
        }
    };
    Estimates::from_flat(r.assets().to_vec(), mu, cov, shrinkage)
}
