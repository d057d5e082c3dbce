//! Drawdowns of a value (equity or price) curve: the curve of falls from
//! the running peak, and the largest one with its peak, trough and
//! recovery dates and durations.
//!
//! Drawdown at t is `(peak_t − v_t) / peak_t`, a positive fraction, where
//! `peak_t` is the largest value up to and including t (the first value
//! counts as a peak). Must not panic: values must be finite and positive.

use serde::{Deserialize, Serialize};

use super::{check_finite, check_len, check_same_len, RiskError};
use crate::calendar::Date;

/// The largest drawdown of a curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MaxDrawdown {
    /// Depth, a positive fraction of the peak (0 when the curve never falls).
    pub depth: f64,
    /// Date of the peak the fall started from.
    pub peak_date: Date,
    /// Date of the lowest point of the fall.
    pub trough_date: Date,
    /// First date the curve regained the peak's value; `None` if it never did.
    pub recovery_date: Option<Date>,
    /// Observations from peak to trough.
    pub bars_to_trough: usize,
    /// Observations from peak to recovery, or to the last date when there
    /// was no recovery (the drawdown is still running).
    pub duration_bars: usize,
    /// Calendar days from peak to recovery (or to the last date).
    pub duration_days: i64,
}

/// The drawdown of each value, `(running peak − value) / running peak`.
/// `values` must be finite and positive.
pub fn drawdown_curve(values: &[f64]) -> Result<Vec<f64>, RiskError> {
    check_finite("values", values)?;
    if let Some(i) = values.iter().position(|v| *v <= 0.0) {
        return Err(RiskError::Invalid {
            field: "values",
            reason: format!("value {i} is {}, expected a positive level", values[i]),
        });
    }
    Ok(curve_unchecked(values))
}

/// The drawdown curve of already-checked values; a non-positive peak gives
/// 0 (used by the backtest engine, whose equity may in principle reach 0).
pub(crate) fn curve_unchecked(values: &[f64]) -> Vec<f64> {
    let mut peak = f64::NEG_INFINITY;
    values
        .iter()
        .map(|&v| {
            if v > peak {
                peak = v;
            }
            if peak > 0.0 {
                (peak - v) / peak
            } else {
                0.0
            }
        })
        .collect()
}

/// The largest drawdown of `values` observed on `dates` (same length, at
/// least two), with its dates and durations. Ties keep the earliest.
pub fn max_drawdown(dates: &[Date], values: &[f64]) -> Result<MaxDrawdown, RiskError> {
    check_same_len("values", values.len(), "dates", dates.len())?;
    check_len("values", values, 2, "a drawdown needs two observations")?;
    let curve = drawdown_curve(values)?;
    let mut trough = 0;
    for (i, d) in curve.iter().enumerate() {
        if *d > curve[trough] {
            trough = i;
        }
    }
    let peak = if curve[trough] == 0.0 {
        trough
    } else {
        (0..trough).rev().find(|&i| curve[i] == 0.0).unwrap_or(0)
    };
    let recovery = (trough + 1..values.len()).find(|&i| values[i] >= values[peak]);
    let end = recovery.unwrap_or(values.len() - 1);
    Ok(MaxDrawdown {
        depth: curve[trough],
        peak_date: dates[peak],
        trough_date: dates[trough],
        recovery_date: recovery.map(|i| dates[i]),
        bars_to_trough: trough - peak,
        duration_bars: if curve[trough] == 0.0 { 0 } else { end - peak },
        duration_days: if curve[trough] == 0.0 {
            0
        } else {
            dates[peak].days_until(&dates[end])
        },
    })
}
