//! Fit and predict times of every linear-model-family entry (linear,
//! regularised linear, logistic, kNN, naive Bayes, SVM, PCA pipelines) on
//! ~5,000 rows x 20 features built from the bundled S&P 500 closes: the last
//! 15 daily log returns, the 5/10/20-day sample volatility and the 10/20-day
//! summed return; target the next day's return or its sign. The same
//! features as `tests/reference/linear_models_reference.py --timing`.
//!
//! Run: `cargo run --release -p shared --example linear_models_timing`

use std::time::Instant;

use shared::data::bundled;
use shared::models::families::{knn, linear, logistic, naive_bayes, pca, svm};
use shared::models::{Matrix, Task};

fn sample_sd(w: &[f64]) -> f64 {
    let m = w.iter().sum::<f64>() / w.len() as f64;
    (w.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (w.len() - 1) as f64).sqrt()
}

fn main() {
    let closes = bundled::load("sp500").expect("bundled sp500").closes();
    let r: Vec<f64> = closes.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    let mut rows = Vec::new();
    let mut y = Vec::new();
    for t in 19..r.len() - 1 {
        let mut row: Vec<f64> = (0..15).map(|k| r[t - k]).collect();
        for w in [5, 10, 20] {
            row.push(sample_sd(&r[t + 1 - w..=t]));
        }
        for w in [10, 20] {
            row.push(r[t + 1 - w..=t].iter().sum());
        }
        rows.push(row);
        y.push(r[t + 1]);
    }
    let x = Matrix::from_rows(&rows).expect("rows");
    let c: Vec<f64> = y.iter().map(|v| if *v > 0.0 { 1.0 } else { 0.0 }).collect();
    println!("{} rows x {} features", x.rows(), x.cols());
    let mut entries = linear::entries();
    entries.extend(logistic::entries());
    entries.extend(knn::entries());
    entries.extend(naive_bayes::entries());
    entries.extend(svm::entries());
    entries.extend(pca::entries());
    let mut total = 0.0;
    for entry in entries {
        let mut model = entry.build().expect("build");
        let target = if entry.spec.task == Task::Regression {
            &y
        } else {
            &c
        };
        let t0 = Instant::now();
        model.fit(&x, target, 42).expect("fit");
        let fit = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let pred = model.predict(&x).expect("predict");
        let predict = t1.elapsed().as_secs_f64();
        total += fit + predict;
        let score = if entry.spec.task == Task::Regression {
            let mse = pred
                .iter()
                .zip(&y)
                .map(|(p, t)| (p - t) * (p - t))
                .sum::<f64>()
                / y.len() as f64;
            format!("in-sample rmse {:.5}", mse.sqrt())
        } else {
            let acc = pred.iter().zip(&c).filter(|(p, t)| p == t).count() as f64 / c.len() as f64;
            format!("in-sample acc {acc:.3}")
        };
        println!(
            "{:45} fit {:9.2} ms  predict {:9.2} ms  {score}",
            entry.spec.name,
            1e3 * fit,
            1e3 * predict
        );
    }
    println!("total {:.2} s", total);
}
