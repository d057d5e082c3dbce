//! [`build_dataset`]: one series and a [`FeatureSpec`] to a
//! [`Dataset`] of features and aligned labels.
//!
//! Must not look ahead, fill or interpolate: warm-up rows are dropped from
//! the front, the last `horizon` rows (no label) from the back, and a value
//! that is not finite anywhere else is an error, never patched. A value
//! series' missing dates are simply absent rows, so a return across them
//! spans the gap.

use super::spec::{Feature, FeatureSpec, Inputs};
use crate::calendar::Date;
use crate::data::Series;
use crate::models::{Dataset, Matrix};

/// Why a dataset could not be built.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FeatureError {
    /// The label horizon is 0.
    #[error("the horizon must be at least 1 row")]
    HorizonZero,
    /// No feature left to compute (an empty spec, or only bar or volume
    /// features for a series without them).
    #[error("no feature applies to this series (spec has {requested} features)")]
    NoFeatures {
        /// How many features the spec asked for.
        requested: usize,
    },
    /// A feature's parameters are unusable.
    #[error("feature {feature}: {reason}")]
    BadParameter {
        /// The feature's name.
        feature: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// Too few rows for the warm-up, the horizon and one row.
    #[error("the series has {rows} rows; these features and horizon need at least {needed} (warm-up {warm_up} + horizon {horizon} + 1); windows too long for it: {}", too_long.join(", "))]
    TooShort {
        /// Rows in the series.
        rows: usize,
        /// Rows needed.
        needed: usize,
        /// Longest warm-up of the features.
        warm_up: usize,
        /// The horizon.
        horizon: usize,
        /// Names of the features that alone leave no row.
        too_long: Vec<String>,
    },
    /// A close or value is zero or negative, so returns and ratios are
    /// undefined (e.g. a factor return series).
    #[error("value {value} on {date} is not positive; features need positive prices or levels")]
    NotPositive {
        /// The date.
        date: Date,
        /// The value.
        value: f64,
    },
    /// A feature came out infinite or NaN after its warm-up (e.g. a ratio
    /// overflowed); reported, never filled.
    #[error("feature {feature} is not finite on {date}")]
    NotFinite {
        /// The feature's name.
        feature: String,
        /// The date.
        date: Date,
    },
    /// The matrix could not be assembled (a bug).
    #[error("matrix: {0}")]
    Shape(String),
}

/// Rows per year inferred from the median gap between consecutive dates:
/// 252 (at most 5 days: trading days), 52 (at most 10: weeks), 12 (at most
/// 45: months), 4 (at most 120: quarters), else 1. A single date gives 252.
pub fn periods_per_year(dates: &[Date]) -> f64 {
    let mut gaps: Vec<i64> = dates.windows(2).map(|w| w[0].days_until(&w[1])).collect();
    if gaps.is_empty() {
        return 252.0;
    }
    gaps.sort_unstable();
    let median = gaps[gaps.len() / 2];
    match median {
        i64::MIN..=5 => 252.0,
        6..=10 => 52.0,
        11..=45 => 12.0,
        46..=120 => 4.0,
        _ => 1.0,
    }
}

/// Builds the feature matrix and labels of `series` for a label `horizon`
/// in rows.
///
/// Row `t` (date `dates[t]`) holds the features of `spec` computed from
/// rows `0..=t`; `forward_return = close[t + horizon] / close[t] - 1`,
/// `direction = 1.0` if that is positive else `0.0`, `next_return =
/// close[t + 1] / close[t] - 1`. The first `spec`-warm-up rows and the last
/// `horizon` rows are dropped, so the dataset has `rows - warm_up -
/// horizon` rows. A value series (no bars) uses its value as the close and
/// skips the bar-only features (ATR); a series without volume on every
/// row skips the volume features; `feature_names` lists only the columns
/// computed. Missing dates of a value series are absent rows: a one-row
/// return after a gap spans it. `periods_per_year` comes from
/// [`periods_per_year`]; `data_hash` is the series' provenance content
/// hash.
pub fn build_dataset(
    series: &Series,
    spec: &FeatureSpec,
    horizon: usize,
) -> Result<Dataset, FeatureError> {
    if horizon == 0 {
        return Err(FeatureError::HorizonZero);
    }
    for feature in &spec.features {
        if let Some(reason) = feature.problem() {
            return Err(FeatureError::BadParameter {
                feature: feature.name(),
                reason,
            });
        }
    }
    let dates = series.dates();
    let close = series.closes();
    if let Some((date, value)) = dates
        .iter()
        .zip(&close)
        .find(|(_, v)| **v <= 0.0)
        .map(|(d, v)| (*d, *v))
    {
        return Err(FeatureError::NotPositive { date, value });
    }
    let (high, low, volume): (Vec<f64>, Vec<f64>, Option<Vec<f64>>) = match series.bars() {
        Some(bars) => (
            bars.iter().map(|b| b.high).collect(),
            bars.iter().map(|b| b.low).collect(),
            bars.iter().map(|b| b.volume).collect(),
        ),
        None => (Vec::new(), Vec::new(), None),
    };
    let input = Inputs {
        dates: &dates,
        close: &close,
        high_low: series.bars().map(|_| (high.as_slice(), low.as_slice())),
        volume: volume.as_deref(),
    };
    let active: Vec<&Feature> = spec
        .features
        .iter()
        .filter(|f| {
            !(f.needs_bars() && input.high_low.is_none()
                || f.needs_volume() && input.volume.is_none())
        })
        .collect();
    if active.is_empty() {
        return Err(FeatureError::NoFeatures {
            requested: spec.features.len(),
        });
    }
    let n = close.len();
    let warm_up = active.iter().map(|f| f.warm_up()).max().unwrap_or(0);
    let needed = warm_up.saturating_add(horizon).saturating_add(1);
    if n < needed {
        let too_long = active
            .iter()
            .filter(|f| f.warm_up().saturating_add(horizon).saturating_add(1) > n)
            .map(|f| f.name())
            .collect();
        return Err(FeatureError::TooShort {
            rows: n,
            needed,
            warm_up,
            horizon,
            too_long,
        });
    }
    let end = n - horizon;
    let mut columns = Vec::with_capacity(active.len());
    for feature in &active {
        // `compute` only returns None for features filtered out above.
        let column = feature.compute(&input).ok_or_else(|| {
            FeatureError::Shape(format!("{} has no input column", feature.name()))
        })?;
        if let Some(t) = (warm_up..end).find(|&t| !column[t].is_finite()) {
            return Err(FeatureError::NotFinite {
                feature: feature.name(),
                date: dates[t],
            });
        }
        columns.push(column);
    }
    let rows = end - warm_up;
    let mut data = Vec::with_capacity(rows * columns.len());
    for t in warm_up..end {
        data.extend(columns.iter().map(|c| c[t]));
    }
    let x =
        Matrix::new(rows, columns.len(), data).map_err(|e| FeatureError::Shape(e.to_string()))?;
    let forward_return: Vec<f64> = (warm_up..end)
        .map(|t| close[t + horizon] / close[t] - 1.0)
        .collect();
    Ok(Dataset {
        feature_names: active.iter().map(|f| f.name()).collect(),
        x,
        dates: dates[warm_up..end].to_vec(),
        direction: forward_return
            .iter()
            .map(|r| if *r > 0.0 { 1.0 } else { 0.0 })
            .collect(),
        forward_return,
        next_return: (warm_up..end)
            .map(|t| close[t + 1] / close[t] - 1.0)
            .collect(),
        horizon,
        periods_per_year: periods_per_year(&dates),
        symbol: series.provenance().symbol.clone(),
        data_hash: series.provenance().content_hash.clone(),
    })
}
