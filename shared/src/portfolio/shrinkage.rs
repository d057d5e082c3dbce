//! Ledoit-Wolf covariance shrinkage, written by hand from the papers, with
//! both of their targets. Both shrink the (biased, `1/T`) sample covariance
//! `S` of the demeaned returns towards a structured target `F`:
//! `Σ* = δ F + (1 - δ) S`, with the intensity `δ` estimated to minimise the
//! expected Frobenius loss. The result is annualised by the frequency.
//!
//! Must not choose the target for the caller: each function says which.

use serde::Serialize;

use super::align::ReturnMatrix;
use super::estimate::{check_rows, check_variances, column_means};
use super::PortfolioError;

/// A shrunk covariance and its intensity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Shrunk {
    /// Annualised shrunk covariance, row-major `n x n`.
    pub covariance: Vec<f64>,
    /// The shrinkage intensity `δ` in `[0, 1]` (weight on the target).
    pub shrinkage: f64,
}

/// Demeaned returns (row-major `T x n`) and the biased sample covariance
/// `S = Y'Y / T` (row-major `n x n`), not annualised.
fn demeaned(r: &ReturnMatrix) -> (Vec<f64>, Vec<f64>) {
    let (t, n) = (r.n_dates(), r.n_assets());
    let m = column_means(r);
    let mut y = Vec::with_capacity(t * n);
    for k in 0..t {
        y.extend(r.row(k).iter().zip(&m).map(|(x, mj)| x - mj));
    }
    let mut s = vec![0.0; n * n];
    for row in y.chunks_exact(n) {
        for i in 0..n {
            for j in i..n {
                s[i * n + j] += row[i] * row[j];
            }
        }
    }
    for i in 0..n {
        for j in i..n {
            s[i * n + j] /= t as f64;
            s[j * n + i] = s[i * n + j];
        }
    }
    (y, s)
}

/// Ledoit & Wolf (2004), "A well-conditioned estimator for
/// large-dimensional covariance matrices", J. Multivariate Analysis 88,
/// 365-411: shrinkage towards a multiple of the **identity**.
///
/// With `p` assets, `T` dates, demeaned rows `x_t`, `S = (1/T) Σ_t x_t x_t'`
/// and the scaled Frobenius norm `‖A‖² = tr(AA')/p` (their Lemma 2.1 and
/// Section 3.3):
/// - `m = tr(S)/p`, target `F = m I`;
/// - `d² = ‖S - m I‖²`;
/// - `b̄² = (1/T²) Σ_t ‖x_t x_t' - S‖²`, `b² = min(b̄², d²)`;
/// - `δ = b² / d²`, `Σ* = δ m I + (1 - δ) S`.
///
/// `‖x x' - S‖²` is computed as `((x'x)² - 2 x'Sx + ‖S‖_F²)/p`. This is the
/// estimator of scikit-learn's `sklearn.covariance.ledoit_wolf`.
pub fn ledoit_wolf_identity(r: &ReturnMatrix) -> Result<Shrunk, PortfolioError> {
    check_rows(r, 2)?;
    let (t, p) = (r.n_dates(), r.n_assets());
    let (y, s) = demeaned(r);
    let pf = p as f64;
    let m = (0..p).map(|i| s[i * p + i]).sum::<f64>() / pf;
    let s_fro2: f64 = s.iter().map(|v| v * v).sum();
    let mut d2 = 0.0;
    for i in 0..p {
        for j in 0..p {
            let target = if i == j { m } else { 0.0 };
            d2 += (s[i * p + j] - target).powi(2);
        }
    }
    d2 /= pf;
    let mut sum = 0.0;
    let mut sx = vec![0.0; p];
    for x in y.chunks_exact(p) {
        let xx: f64 = x.iter().map(|v| v * v).sum();
        for (i, o) in sx.iter_mut().enumerate() {
            *o = s[i * p..(i + 1) * p]
                .iter()
                .zip(x)
                .map(|(a, b)| a * b)
                .sum();
        }
        let xsx: f64 = sx.iter().zip(x).map(|(a, b)| a * b).sum();
        sum += (xx * xx - 2.0 * xsx + s_fro2) / pf;
    }
    let b2_bar = sum / (t as f64 * t as f64);
    let b2 = b2_bar.min(d2);
    let delta = if d2 > 0.0 { b2 / d2 } else { 0.0 };
    let ppy = r.frequency().periods_per_year();
    let mut cov = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..p {
            let target = if i == j { m } else { 0.0 };
            cov[i * p + j] = ppy * (delta * target + (1.0 - delta) * s[i * p + j]);
        }
    }
    check_variances(r, &cov)?;
    Ok(Shrunk {
        covariance: cov,
        shrinkage: delta,
    })
}

/// Ledoit & Wolf (2004), "Honey, I shrunk the sample covariance matrix",
/// J. Portfolio Management 30(4), 110-119: shrinkage towards the
/// **constant-correlation** matrix.
///
/// With `T` dates, demeaned returns `y_ti`, `S = (s_ij)` the `1/T` sample
/// covariance and `r_ij = s_ij / sqrt(s_ii s_jj)` (their Appendix A-B):
/// - `r̄ = 2/(N(N-1)) Σ_{i<j} r_ij`; target `f_ii = s_ii`,
///   `f_ij = r̄ sqrt(s_ii s_jj)`;
/// - `π̂ = Σ_ij π_ij`, `π_ij = (1/T) Σ_t (y_ti y_tj - s_ij)²`;
/// - `ρ̂ = Σ_i π_ii + Σ_{i≠j} (r̄/2)(sqrt(s_jj/s_ii) ϑ_ii,ij + sqrt(s_ii/s_jj) ϑ_jj,ij)`,
///   `ϑ_ii,ij = (1/T) Σ_t (y_ti² - s_ii)(y_ti y_tj - s_ij)`;
/// - `γ̂ = Σ_ij (f_ij - s_ij)²`;
/// - `κ̂ = (π̂ - ρ̂)/γ̂`, `δ = max(0, min(1, κ̂/T))`, `Σ* = δ F + (1 - δ) S`.
///
/// The same estimator as the authors' `covCor.m`.
pub fn ledoit_wolf_constant_correlation(r: &ReturnMatrix) -> Result<Shrunk, PortfolioError> {
    check_rows(r, 2)?;
    let (t, n) = (r.n_dates(), r.n_assets());
    let tf = t as f64;
    let (y, s) = demeaned(r);
    let ppy = r.frequency().periods_per_year();
    if n == 1 {
        let cov = vec![ppy * s[0]];
        check_variances(r, &cov)?;
        return Ok(Shrunk {
            covariance: cov,
            shrinkage: 0.0,
        });
    }
    let sd: Vec<f64> = (0..n).map(|i| s[i * n + i].sqrt()).collect();
    if let Some(i) = sd.iter().position(|v| v.is_nan() || *v <= 0.0) {
        return Err(PortfolioError::ConstantSeries {
            asset: r.assets()[i].clone(),
            variance: s[i * n + i],
        });
    }
    let mut r_sum = 0.0;
    for i in 0..n {
        for j in i + 1..n {
            r_sum += s[i * n + j] / (sd[i] * sd[j]);
        }
    }
    let r_bar = 2.0 * r_sum / (n as f64 * (n as f64 - 1.0));
    // E[y_i² y_j²] and E[y_i³ y_j] over the dates.
    let mut sq = vec![0.0; n * n];
    let mut cube = vec![0.0; n * n];
    let mut y2 = vec![0.0; n];
    let mut y3 = vec![0.0; n];
    for row in y.chunks_exact(n) {
        for i in 0..n {
            y2[i] = row[i] * row[i];
            y3[i] = y2[i] * row[i];
        }
        for i in 0..n {
            let (a, b) = (y2[i], y3[i]);
            let sq_row = &mut sq[i * n..(i + 1) * n];
            for (o, v) in sq_row.iter_mut().zip(&y2) {
                *o += a * v;
            }
            let cube_row = &mut cube[i * n..(i + 1) * n];
            for (o, v) in cube_row.iter_mut().zip(row) {
                *o += b * v;
            }
        }
    }
    let mut pi_hat = 0.0;
    let mut rho_hat = 0.0;
    let mut gamma_hat = 0.0;
    let mut f = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let sij = s[i * n + j];
            let pi_ij = sq[i * n + j] / tf - sij * sij;
            pi_hat += pi_ij;
            if i == j {
                rho_hat += pi_ij;
                f[i * n + j] = sij;
            } else {
                // ϑ_ii,ij = E[y_i³ y_j] - s_ii s_ij (means are zero).
                let theta = cube[i * n + j] / tf - s[i * n + i] * sij;
                rho_hat += r_bar * (sd[j] / sd[i]) * theta;
                f[i * n + j] = r_bar * sd[i] * sd[j];
            }
            gamma_hat += (f[i * n + j] - sij).powi(2);
        }
    }
    let delta = if gamma_hat > 0.0 {
        ((pi_hat - rho_hat) / gamma_hat / tf).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let cov: Vec<f64> = f
        .iter()
        .zip(&s)
        .map(|(fi, si)| ppy * (delta * fi + (1.0 - delta) * si))
        .collect();
    check_variances(r, &cov)?;
    Ok(Shrunk {
        covariance: cov,
        shrinkage: delta,
    })
}
