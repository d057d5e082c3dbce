//! A [`Dataset`]: the feature matrix and aligned labels built from one
//! series with no look-ahead (see `crate::features`), ready for
//! walk-forward evaluation.

use serde::{Deserialize, Serialize};

use super::Matrix;
use crate::calendar::Date;

/// Features and labels, one row per date.
///
/// Row `t` holds features computed from data up to and including date `t`
/// only; `forward_return[t]` is the return from the close of `t` to the
/// close `horizon` rows later, and `direction[t]` is 1.0 when that return is
/// positive, else 0.0; `next_return[t]` is the one-row return after `t`. Rows whose label would need data past the end are
/// dropped, as are the first rows whose features need more history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Feature names, one per column of `x`.
    pub feature_names: Vec<String>,
    /// The features.
    pub x: Matrix,
    /// The date of each row.
    pub dates: Vec<Date>,
    /// Next-`horizon` return of each row (the regression target).
    pub forward_return: Vec<f64>,
    /// 1.0 if `forward_return > 0`, else 0.0 (the classification target).
    pub direction: Vec<f64>,
    /// Return from the close of each row's date to the next row's close:
    /// what a position decided at row `t` earns (trading simulation).
    pub next_return: Vec<f64>,
    /// The label horizon in rows (trading days for daily data).
    pub horizon: usize,
    /// Rows per year (252 for daily bars, 12 for monthly), for annualising.
    pub periods_per_year: f64,
    /// Symbol of the source series.
    pub symbol: String,
    /// Content hash of the source series (its provenance).
    pub data_hash: String,
}

impl Dataset {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.dates.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.dates.is_empty()
    }
}
