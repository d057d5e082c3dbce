//! Fit and predict times of the tree ensembles on real features: sp500
//! (~5,000 x 20) and sp500 + nasdaq stacked (~10,000 x 20). Single thread,
//! release build: `cargo run --release -p shared --example tree_models_timing`.

use std::time::Instant;

use shared::models::{self as catalog, Matrix};

#[path = "../tests/tree_models_features/mod.rs"]
mod tree_models_features;

fn stack(a: &Matrix, b: &Matrix) -> Matrix {
    let mut data = a.as_slice().to_vec();
    data.extend_from_slice(b.as_slice());
    Matrix::new(a.rows() + b.rows(), a.cols(), data).unwrap()
}

fn main() {
    let (x1, y1, _) = tree_models_features::build("sp500");
    let (x2, y2, _) = tree_models_features::build("nasdaq");
    let x12 = stack(&x1, &x2);
    let y12: Vec<f64> = y1.iter().chain(&y2).copied().collect();
    for (label, x, y) in [("sp500_5k", &x1, &y1), ("sp500_nasdaq_10k", &x12, &y12)] {
        for name in [
            "random_forest_clf_100_sqrt",
            "extra_trees_clf_100_sqrt",
            "gradient_boosting_clf_100_lr0_1_depth3",
            "gradient_boosting_clf_100_lr0_1_depth4",
            "gradient_boosting_clf_100_lr0_1_depth6",
            "decision_tree_clf_gini_depth8_leaf20",
            "adaboost_samme_100_depth1",
            "bagging_clf_hist_tree_25",
        ] {
            let entry = catalog::entry(name).unwrap();
            let mut model = entry.build().unwrap();
            let start = Instant::now();
            model.fit(x, y, 0).unwrap();
            let fit = start.elapsed().as_secs_f64();
            let start = Instant::now();
            let p = model.predict_proba(x).unwrap();
            let predict = start.elapsed().as_secs_f64();
            assert!(p.is_some());
            println!(
                "{label} rows={} {name}: fit {fit:.3} s, predict {predict:.4} s",
                x.rows()
            );
        }
    }
}
