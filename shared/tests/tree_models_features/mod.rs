//! The 20 real-data features of the tree-model oracle test, benchmark and
//! timing example, built from a bundled daily series exactly as
//! `tests/reference/tree_models_reference.py` builds them: ten lagged
//! one-day log returns, 5/10/20-day log momentum, 5/10/20-day volatility
//! (population standard deviation of log returns), log high/low range, log
//! close/open, log volume change and log distance from the 20-day mean
//! close. Row `t` uses data up to day `t`; the label is the next day's
//! direction (1 if the close rises) and the regression target the next
//! day's simple return.

use shared::data::bundled;
use shared::models::Matrix;

/// Features, next-day direction labels and next-day returns of dataset `id`.
pub fn build(id: &str) -> (Matrix, Vec<f64>, Vec<f64>) {
    let series = bundled::load(id).expect("bundled dataset");
    let bars = series.bars().expect("bars");
    let c: Vec<f64> = bars.iter().map(|b| b.close).collect();
    let n = c.len();
    let r: Vec<f64> = (0..n)
        .map(|t| if t == 0 { 0.0 } else { (c[t] / c[t - 1]).ln() })
        .collect();
    let mut rows = Vec::new();
    let mut direction = Vec::new();
    let mut forward = Vec::new();
    for t in 20..n - 1 {
        let mut row = Vec::with_capacity(20);
        for k in 0..10 {
            row.push(r[t - k]);
        }
        for k in [5, 10, 20] {
            row.push((c[t] / c[t - k]).ln());
        }
        for w in [5, 10, 20] {
            let window = &r[t + 1 - w..=t];
            let mut sum = 0.0;
            for v in window {
                sum += v;
            }
            let mean = sum / w as f64;
            let mut var = 0.0;
            for v in window {
                var += (v - mean) * (v - mean);
            }
            row.push((var / w as f64).sqrt());
        }
        let b = &bars[t];
        row.push((b.high / b.low).ln());
        row.push((b.close / b.open).ln());
        let v = |i: usize| bars[i].volume.unwrap_or(0.0) + 1.0;
        row.push((v(t) / v(t - 1)).ln());
        let mut sum = 0.0;
        for value in &c[t - 19..=t] {
            sum += value;
        }
        row.push((c[t] / (sum / 20.0)).ln());
        rows.push(row);
        direction.push(if c[t + 1] > c[t] { 1.0 } else { 0.0 });
        forward.push(c[t + 1] / c[t] - 1.0);
    }
    (Matrix::from_rows(&rows).expect("rows"), direction, forward)
}

/// `x` with every value rounded to `f32` (what scikit-learn's trees see).
#[allow(dead_code)]
pub fn to_f32(x: &Matrix) -> Matrix {
    let data = x.as_slice().iter().map(|&v| f64::from(v as f32)).collect();
    Matrix::new(x.rows(), x.cols(), data).expect("same shape")
}
