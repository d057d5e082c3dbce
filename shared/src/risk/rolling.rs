//! Rolling volatility (annualised) and rolling beta of return series over
//! a trailing window.
//!
//! Row t uses returns `t + 1 − window ..= t` only; the first `window − 1`
//! rows are `NaN` (warm-up, as in [`crate::features::indicators`]). Must
//! not fill anything or panic on input.

use super::{check_finite, check_len, check_same_len, RiskError};
use crate::features::indicators::{rolling_std_sample, sma};

fn check_window(window: usize) -> Result<usize, RiskError> {
    if window >= 2 {
        Ok(window)
    } else {
        Err(RiskError::Invalid {
            field: "window",
            reason: format!("{window} is below 2; a standard deviation needs two returns"),
        })
    }
}

/// Sample standard deviation (ddof = 1) of the last `window` returns times
/// `sqrt(periods_per_year)`.
pub fn rolling_volatility(
    returns: &[f64],
    window: usize,
    periods_per_year: f64,
) -> Result<Vec<f64>, RiskError> {
    let window = check_window(window)?;
    check_finite("returns", returns)?;
    check_len("returns", returns, window, "one full window")?;
    if !(periods_per_year.is_finite() && periods_per_year > 0.0) {
        return Err(RiskError::Invalid {
            field: "periods_per_year",
            reason: format!("{periods_per_year} must be a finite number > 0 (252 for daily)"),
        });
    }
    let scale = libm::sqrt(periods_per_year);
    Ok(rolling_std_sample(returns, window)
        .into_iter()
        .map(|s| s * scale)
        .collect())
}

/// Rolling beta of `asset` against `market` returns (same dates): the
/// window's sample covariance over the market's sample variance. `NaN`
/// where the market is constant over the window (beta is undefined).
pub fn rolling_beta(asset: &[f64], market: &[f64], window: usize) -> Result<Vec<f64>, RiskError> {
    let window = check_window(window)?;
    check_same_len("asset", asset.len(), "market", market.len())?;
    check_finite("asset", asset)?;
    check_finite("market", market)?;
    check_len("asset", asset, window, "one full window")?;
    let mean_a = sma(asset, window);
    let mean_m = sma(market, window);
    let mut out = vec![f64::NAN; asset.len()];
    for t in window - 1..asset.len() {
        let range = t + 1 - window..=t;
        let (mut cov, mut var) = (0.0, 0.0);
        for i in range {
            let dm = market[i] - mean_m[t];
            cov += (asset[i] - mean_a[t]) * dm;
            var += dm * dm;
        }
        if var > 0.0 {
            out[t] = cov / var;
        }
    }
    Ok(out)
}
