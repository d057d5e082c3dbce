//! A small real-data [`Dataset`] built by hand from the bundled S&P 500
//! closes, for the catalog and cross-platform tests. Deliberately independent
//! of `shared::features` (so these tests do not move when it changes).
//!
//! Row t (a trading day): features are the log returns of days t, t-1, ...,
//! t-4 and the 10-day volatility (std, ddof 1) of log returns up to t; the
//! label is the next day's simple return (horizon 1), its direction, and the
//! same return as `next_return`. Rows without 10 returns of history and the
//! last row (no next close) are dropped; then only the last `rows` are kept.
//! Logarithms come from `libm`, so the dataset is bit-identical on every
//! target.

use shared::data::bundled;
use shared::models::{Dataset, Matrix};

/// The last `rows` rows of the hand-built S&P 500 dataset.
pub fn sp500_dataset(rows: usize) -> Dataset {
    let series = bundled::load("sp500").expect("bundled sp500");
    let closes = series.closes();
    let all_dates = series.dates();
    let n = closes.len();
    let log_returns: Vec<f64> = (0..n)
        .map(|t| {
            if t == 0 {
                0.0
            } else {
                libm::log(closes[t] / closes[t - 1])
            }
        })
        .collect();
    let first = 10;
    let last = n - 2; // row n-1 has no next close
    let start = (last + 1).saturating_sub(rows).max(first);
    let mut x = Vec::new();
    let (mut dates, mut forward, mut direction) = (Vec::new(), Vec::new(), Vec::new());
    for t in start..=last {
        for lag in 0..5 {
            x.push(log_returns[t - lag]);
        }
        let window = &log_returns[t - 9..=t];
        let mean = window.iter().sum::<f64>() / 10.0;
        let var = window.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / 9.0;
        x.push(libm::sqrt(var));
        let r = closes[t + 1] / closes[t] - 1.0;
        dates.push(all_dates[t]);
        forward.push(r);
        direction.push(if r > 0.0 { 1.0 } else { 0.0 });
    }
    let count = dates.len();
    Dataset {
        feature_names: ["lr_1", "lr_2", "lr_3", "lr_4", "lr_5", "vol_10"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        x: Matrix::new(count, 6, x).expect("matrix"),
        dates,
        next_return: forward.clone(),
        forward_return: forward,
        direction,
        horizon: 1,
        periods_per_year: 252.0,
        symbol: "sp500".to_string(),
        data_hash: series.provenance().content_hash.clone(),
    }
}
