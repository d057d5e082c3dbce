//! Risk measures of return series and portfolios: value at risk and
//! expected shortfall ([`var`]), drawdowns ([`drawdown`]), rolling
//! volatility and beta ([`rolling`]), stress tests on historical episodes
//! and user-defined shocks ([`stress`]), and backtests of VaR forecasts
//! ([`var_backtest`]).
//!
//! Conventions, everywhere in this module:
//! - returns are simple per-period returns as decimals (0.01 = 1%);
//! - **losses are positive**: a VaR of 0.02 means "lose 2% of value or
//!   more with probability 1 − confidence"; a negative VaR means even the
//!   tail quantile is a gain;
//! - `confidence` lies strictly between 0 and 1 (0.95, 0.99).
//!
//! Must not read data, fetch, or keep a simulation as data: Monte Carlo
//! results are their own type ([`var::VarSimulation`]), labelled a
//! simulation. Bad input is a [`RiskError`] naming the field; nothing here
//! panics.

pub mod drawdown;
pub mod rolling;
pub mod stress;
pub mod var;
pub mod var_backtest;

pub use drawdown::{drawdown_curve, max_drawdown, MaxDrawdown};
pub use rolling::{rolling_beta, rolling_volatility};
pub use stress::{
    historical_episodes, replay, shock, AlignedPrices, Episode, EpisodeResult, LinearHolding,
    OptionBook, Shock, ShockResult,
};
pub use var::{
    fit_student_t, historical, monte_carlo, parametric, Distribution, StudentTFit, VarEstimate,
    VarMethod, VarSimulation,
};
pub use var_backtest::{backtest_var, rolling_forecasts, LrTest, VarBacktest};

/// Why a risk computation was refused. Every variant names the input
/// field at fault.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RiskError {
    /// A value outside its allowed range.
    #[error("{field}: {reason}")]
    Invalid {
        /// The input at fault.
        field: &'static str,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// A NaN or infinite number in an input series.
    #[error("{field}: value {index} is {value}, expected a finite number")]
    NotFinite {
        /// The input series.
        field: &'static str,
        /// Position of the first bad value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// Too few observations for the computation asked for.
    #[error("{field}: {got} values, at least {needed} needed ({reason})")]
    TooFew {
        /// The input series.
        field: &'static str,
        /// How many were given.
        got: usize,
        /// How many are needed.
        needed: usize,
        /// Why that many.
        reason: String,
    },
    /// Two inputs that must have the same length do not.
    #[error("{field}: {got} values against {expected} in {other}")]
    Length {
        /// The input whose length is wrong.
        field: &'static str,
        /// Its length.
        got: usize,
        /// The other input.
        other: &'static str,
        /// The other input's length.
        expected: usize,
    },
    /// Option repricing under a shock failed.
    #[error("{field}: {reason}")]
    Pricing {
        /// The input at fault (a shocked pricing field, or `legs`).
        field: &'static str,
        /// The pricing library's message.
        reason: String,
    },
}

/// Checks that `confidence` lies strictly in (0, 1).
pub(crate) fn check_confidence(confidence: f64) -> Result<f64, RiskError> {
    if confidence.is_finite() && confidence > 0.0 && confidence < 1.0 {
        Ok(confidence)
    } else {
        Err(RiskError::Invalid {
            field: "confidence",
            reason: format!("{confidence} is outside (0, 1); use e.g. 0.95 or 0.99"),
        })
    }
}

/// Checks that `horizon_days` is between 1 and 250.
pub(crate) fn check_horizon(horizon_days: usize) -> Result<usize, RiskError> {
    if (1..=250).contains(&horizon_days) {
        Ok(horizon_days)
    } else {
        Err(RiskError::Invalid {
            field: "horizon_days",
            reason: format!("{horizon_days} is outside [1, 250]"),
        })
    }
}

/// Checks that every value of `values` is finite.
pub(crate) fn check_finite(field: &'static str, values: &[f64]) -> Result<(), RiskError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(RiskError::NotFinite {
            field,
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

/// Checks that `values` has at least `needed` entries.
pub(crate) fn check_len(
    field: &'static str,
    values: &[f64],
    needed: usize,
    reason: &str,
) -> Result<(), RiskError> {
    if values.len() < needed {
        Err(RiskError::TooFew {
            field,
            got: values.len(),
            needed,
            reason: reason.to_string(),
        })
    } else {
        Ok(())
    }
}

/// Checks that `a` (named `field`) is as long as `b` (named `other`).
pub(crate) fn check_same_len(
    field: &'static str,
    a: usize,
    other: &'static str,
    b: usize,
) -> Result<(), RiskError> {
    if a == b {
        Ok(())
    } else {
        Err(RiskError::Length {
            field,
            got: a,
            other,
            expected: b,
        })
    }
}

/// Sample mean and standard deviation (ddof = 1) of a non-empty slice.
pub(crate) fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    (mean, libm::sqrt(var))
}
