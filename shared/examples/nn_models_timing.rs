//! Fit and predict times of the `nn_models` families on the ~5,000 x 20
//! sp500 features (all rows), natively. Run with
//! `cargo run --release -p shared --example nn_models_timing`; compare with
//! the scikit-learn times in `tests/reference/nn_models_reference.json`.

#[path = "../tests/reference/nn_models_features.rs"]
mod features;

use std::time::Instant;

use shared::models::{entry, Model};

fn main() {
    let (x, y, _) = features::sp500_features();
    println!("{} rows x {} features", x.rows(), x.cols());
    for name in [
        "mlp_clf_relu_32_16_alpha_0_0001",
        "mlp_reg_relu_32_16_alpha_0_0001",
        "kmeans_k4",
        "gmm_full_k3",
        "gmm_diag_k3",
        "dbscan_eps0_5_min10",
        "agglomerative_ward_k3",
    ] {
        let e = entry(name).expect("entry");
        let mut best_fit = f64::INFINITY;
        let mut best_predict = f64::INFINITY;
        for _ in 0..3 {
            let mut model: Box<dyn Model> = e.build().unwrap();
            let t = Instant::now();
            model.fit(&x, &y, 0).unwrap();
            best_fit = best_fit.min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let p = model.predict(&x).unwrap();
            best_predict = best_predict.min(t.elapsed().as_secs_f64());
            assert_eq!(p.len(), x.rows());
        }
        println!(
            "{name:36} fit {:8.4} s   predict {:8.4} s",
            best_fit, best_predict
        );
    }
}
