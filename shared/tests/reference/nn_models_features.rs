//! The 20 sp500 features of the `nn_models` oracle test and timing example,
//! built exactly as `nn_models_reference.py` builds them (included with
//! `#[path]`; not a test target of its own).
//!
//! Row `t` (from bar 20 to the second-to-last bar) holds, with
//! `r_t = ln(C_t / C_{t-1})`: `r_t .. r_{t-9}`; the population standard
//! deviation of the last 5, 10 and 20 returns; `ln(C_t/C_{t-5})`,
//! `ln(C_t/C_{t-20})`; `ln(H_t/L_t)`; `ln(C_t/O_t)`; `ln(O_t/C_{t-1})`;
//! `ln(C_t / mean(C_{t-9..=t}))`; `ln(V_t / mean(V_{t-19..=t}))`. Labels:
//! `r_{t+1} > 0` (direction) and `r_{t+1}` (return).

use shared::data::bundled;
use shared::models::Matrix;

/// Features, direction labels and next-day returns of the bundled sp500.
pub fn sp500_features() -> (Matrix, Vec<f64>, Vec<f64>) {
    let series = bundled::load("sp500").expect("bundled sp500");
    let bars = series.bars().expect("sp500 has bars");
    let c: Vec<f64> = bars.iter().map(|b| b.close).collect();
    let o: Vec<f64> = bars.iter().map(|b| b.open).collect();
    let h: Vec<f64> = bars.iter().map(|b| b.high).collect();
    let l: Vec<f64> = bars.iter().map(|b| b.low).collect();
    let v: Vec<f64> = bars.iter().map(|b| b.volume.unwrap_or(1.0)).collect();
    let n = c.len();
    let mut r = vec![0.0; n];
    for t in 1..n {
        r[t] = (c[t] / c[t - 1]).ln();
    }
    let sd = |t: usize, w: usize| {
        let window = &r[t + 1 - w..=t];
        let mean = window.iter().sum::<f64>() / w as f64;
        (window.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / w as f64).sqrt()
    };
    let mut rows = Vec::new();
    let mut direction = Vec::new();
    let mut next = Vec::new();
    for t in 20..n - 1 {
        let mut row: Vec<f64> = (0..10).map(|k| r[t - k]).collect();
        row.push(sd(t, 5));
        row.push(sd(t, 10));
        row.push(sd(t, 20));
        row.push((c[t] / c[t - 5]).ln());
        row.push((c[t] / c[t - 20]).ln());
        row.push((h[t] / l[t]).ln());
        row.push((c[t] / o[t]).ln());
        row.push((o[t] / c[t - 1]).ln());
        row.push((c[t] / (c[t - 9..=t].iter().sum::<f64>() / 10.0)).ln());
        row.push((v[t] / (v[t - 19..=t].iter().sum::<f64>() / 20.0)).ln());
        rows.push(row);
        direction.push(if r[t + 1] > 0.0 { 1.0 } else { 0.0 });
        next.push(r[t + 1]);
    }
    (Matrix::from_rows(&rows).unwrap(), direction, next)
}
