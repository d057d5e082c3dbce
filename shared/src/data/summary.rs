//! Summary statistics of a series for the Data screen: span, level range,
//! period returns, annualised volatility and maximum drawdown. Pure; takes
//! the series as stored (missing dates are counted, never filled).

use serde::{Deserialize, Serialize};

use super::Series;
use crate::calendar::Date;

/// What the Data screen shows about a series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Observations.
    pub rows: usize,
    /// Dates the source reported as missing.
    pub missing: usize,
    /// First date.
    pub first: Date,
    /// Last date.
    pub last: Date,
    /// Smallest close (or value).
    pub min: f64,
    /// Largest close (or value).
    pub max: f64,
    /// Last close (or value).
    pub last_value: f64,
    /// Total return from first to last close (`last / first - 1`), when all
    /// values are positive (prices), else `None`.
    pub total_return: Option<f64>,
    /// Mean of period log returns, annualised by `periods_per_year`.
    pub annualised_return: Option<f64>,
    /// Sample standard deviation of period log returns × sqrt(periods).
    pub annualised_volatility: Option<f64>,
    /// Largest peak-to-trough fall of the closes, as a positive fraction.
    pub max_drawdown: Option<f64>,
    /// Periods per year inferred from the median gap between dates
    /// (`crate::features::periods_per_year`: 252 daily, 52 weekly, 12 monthly).
    pub periods_per_year: f64,
}

/// The summary of `series` (its closes, or its values).
pub fn summary(series: &Series) -> Summary {
    let values = series.closes();
    let dates = series.dates();
    let provenance = series.provenance();
    let periods = crate::features::periods_per_year(&dates);
    let positive = values.iter().all(|v| *v > 0.0);
    let (min, max) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    let last_value = values.last().copied().unwrap_or(f64::NAN);
    let log_returns: Vec<f64> = if positive {
        values.windows(2).map(|w| libm::log(w[1] / w[0])).collect()
    } else {
        Vec::new()
    };
    let n = log_returns.len() as f64;
    let mean = (n > 0.0).then(|| log_returns.iter().sum::<f64>() / n);
    let volatility = (n > 1.0).then(|| {
        let m = mean.unwrap_or(0.0);
        let var = log_returns.iter().map(|r| (r - m) * (r - m)).sum::<f64>() / (n - 1.0);
        (var * periods).sqrt()
    });
    let max_drawdown = positive.then(|| {
        let mut peak = f64::NEG_INFINITY;
        values.iter().fold(0.0_f64, |worst, v| {
            peak = peak.max(*v);
            worst.max(1.0 - v / peak)
        })
    });
    Summary {
        rows: provenance.rows,
        missing: series.missing().len(),
        first: provenance.first,
        last: provenance.last,
        min,
        max,
        last_value,
        total_return: (positive && !values.is_empty()).then(|| last_value / values[0] - 1.0),
        annualised_return: mean.map(|m| m * periods),
        annualised_volatility: volatility,
        max_drawdown,
        periods_per_year: periods,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Point, Source};

    fn series(values: &[f64], step_days: i64) -> Series {
        let start = Date::parse("2020-01-01").unwrap().days_since_epoch();
        let points = values
            .iter()
            .enumerate()
            .map(|(i, v)| Point {
                date: Date::from_days_since_epoch(start + i as i64 * step_days).unwrap(),
                value: *v,
            })
            .collect();
        Series::from_points(Source::UserUpload, "test", "X", points).unwrap()
    }

    #[test]
    fn hand_checked_summary() {
        let s = summary(&series(&[100.0, 110.0, 99.0, 121.0], 1));
        assert_eq!(s.rows, 4);
        assert_eq!((s.min, s.max, s.last_value), (99.0, 121.0, 121.0));
        assert!((s.total_return.unwrap() - 0.21).abs() < 1e-12);
        // Peak 110, trough 99: a 10% drawdown.
        assert!((s.max_drawdown.unwrap() - 0.1).abs() < 1e-12);
        assert_eq!(s.periods_per_year, 252.0);
        let mean = (121.0_f64 / 100.0).ln() / 3.0;
        assert!((s.annualised_return.unwrap() - mean * 252.0).abs() < 1e-12);
    }

    #[test]
    fn monthly_and_non_price_series() {
        assert_eq!(
            summary(&series(&[1.0, 2.0, 3.0], 30)).periods_per_year,
            12.0
        );
        let s = summary(&series(&[-1.0, 2.0, -3.0], 1));
        assert_eq!(s.total_return, None);
        assert_eq!(s.max_drawdown, None);
        assert_eq!(s.annualised_volatility, None);
        assert_eq!((s.min, s.max), (-3.0, 2.0));
    }
}
