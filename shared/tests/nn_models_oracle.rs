//! The `nn_models` families (MLP, clustering) against scikit-learn 1.7.2
//! (`tests/reference/nn_models_reference.py` wrote
//! `tests/reference/nn_models_reference.json`; no Python is needed here).
//!
//! Data: the 20 sp500 features of `reference/nn_models_features.rs`,
//! standardised on the first 4,000 rows; the last 1,010 rows are the test.
//!
//! * k-means from the SAME explicit initial centres (rows 0, 600, ...;
//!   scikit-learn `init=array, n_init=1, tol=0`): identical labels and
//!   inertia within 1e-9 relative, k = 2, 4, 6.
//! * Gaussian mixtures (full and diagonal, k = 3) from the same k-means
//!   start: mean log-likelihood within 1e-6 relative on train and test,
//!   the same iteration count, test assignments agree on >= 99.5 % of rows.
//! * DBSCAN (deterministic): identical labels, noise included.
//! * MLP (32,16) ReLU, alpha 1e-4, Adam, batches of 200, early stopping:
//!   mean test accuracy over seeds 0..4 within 2 points of scikit-learn's
//!   `MLPClassifier` mean over its seeds 0..4. Not closer: the generators
//!   differ and scikit-learn's validation split is random and stratified
//!   where ours is the chronological tail, so only the accuracy level can
//!   agree. (Both sit near the 52 % share of up days: next-day direction is
//!   nearly unpredictable from these features.)

#[path = "reference/nn_models_features.rs"]
mod features;

use serde_json::Value;
use shared::models::families::clustering::{gmm_em, lloyd, Covariance, Dbscan, KMeans};
use shared::models::families::mlp::{Activation, Mlp, MlpConfig};
use shared::models::{Matrix, Model, Standardizer, Task};

const TRAIN: usize = 4000;

fn reference() -> Value {
    serde_json::from_str(include_str!("reference/nn_models_reference.json")).unwrap()
}

fn split() -> (Matrix, Matrix, Vec<f64>, Vec<f64>) {
    let (x, y, _) = features::sp500_features();
    let train = x.slice_rows(0, TRAIN);
    let scaler = Standardizer::fit(&train);
    (
        scaler.transform(&train),
        scaler.transform(&x.slice_rows(TRAIN, x.rows())),
        y[..TRAIN].to_vec(),
        y[TRAIN..].to_vec(),
    )
}

fn usizes(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

#[test]
fn kmeans_matches_sklearn_from_the_same_start() {
    let r = reference();
    let (z, _, _, _) = split();
    assert_eq!(r["rows"].as_u64().unwrap() as usize, TRAIN + 1010);
    for k in [2usize, 4, 6] {
        let want = &r["kmeans"][k.to_string()];
        let init = z.select_rows(&(0..k).map(|i| 600 * i).collect::<Vec<_>>());
        let fit = lloyd(&z, &init, 300).unwrap();
        let labels: Vec<i64> = fit.labels.iter().map(|&l| l as i64).collect();
        assert_eq!(labels, usizes(&want["labels"]), "k = {k}");
        let inertia = want["inertia"].as_f64().unwrap();
        let rel = (fit.inertia - inertia).abs() / inertia;
        assert!(
            rel < 1e-9,
            "k = {k}: {} vs {inertia} ({rel:e})",
            fit.inertia
        );
        println!(
            "k-means k={k}: inertia {} vs {inertia} (rel {rel:.1e}); iterations {} vs {}",
            fit.inertia, fit.iterations, want["n_iter"]
        );
    }
}

#[test]
fn gaussian_mixture_matches_sklearn_from_the_same_start() {
    let r = reference();
    let (z, zt, _, _) = split();
    let init = z.select_rows(&[0, 1000, 2000]);
    let start = lloyd(&z, &init, 300).unwrap();
    for (name, cov) in [("full", Covariance::Full), ("diag", Covariance::Diagonal)] {
        let want = &r["gmm"][name];
        let fit = gmm_em(&z, &start.labels, 3, cov, 100, 1e-3).unwrap();
        for (ours, key) in [
            (fit.score(&z), "train_score"),
            (fit.score(&zt), "test_score"),
        ] {
            let theirs = want[key].as_f64().unwrap();
            let rel = (ours - theirs).abs() / theirs.abs();
            println!("gmm {name} {key}: {ours} vs {theirs} (rel {rel:.1e})");
            assert!(rel < 1e-6, "{name} {key}: {ours} vs {theirs}");
        }
        assert_eq!(
            fit.iterations as u64,
            want["n_iter"].as_u64().unwrap(),
            "{name}"
        );
        assert!(fit.converged);
        let ours = fit.predict(&zt);
        let theirs = usizes(&want["test_labels"]);
        let same = ours
            .iter()
            .zip(&theirs)
            .filter(|(a, b)| **a as i64 == **b)
            .count();
        assert!(same as f64 >= 0.995 * theirs.len() as f64, "{name}: {same}");
    }
}

#[test]
fn dbscan_matches_sklearn() {
    let r = reference();
    let (z, _, _, _) = split();
    for want in r["dbscan"].as_object().unwrap().values() {
        let eps = want["eps"].as_f64().unwrap();
        let min = want["min_samples"].as_u64().unwrap() as usize;
        let (labels, _, clusters) = Dbscan::new(eps, min).unwrap().labels(&z);
        let ours: Vec<i64> = labels.iter().map(|l| l.map_or(-1, |c| c as i64)).collect();
        assert_eq!(ours, usizes(&want["labels"]), "eps {eps} min {min}");
        println!("dbscan eps {eps} min {min}: {clusters} clusters, identical labels");
    }
}

#[test]
fn mlp_accuracy_is_within_two_points_of_sklearn() {
    let r = reference();
    let (z, zt, y, yt) = split();
    let theirs: Vec<f64> = r["mlp_32_16_test_accuracy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let theirs_mean = theirs.iter().sum::<f64>() / theirs.len() as f64;
    let mut ours = Vec::new();
    for seed in 0..5 {
        let cfg = MlpConfig::new(Task::Classification, vec![32, 16], Activation::Relu, 1e-4);
        let mut model = Mlp::new(cfg).unwrap();
        model.fit(&z, &y, seed).unwrap();
        let pred = model.predict(&zt).unwrap();
        ours.push(pred.iter().zip(&yt).filter(|(a, b)| a == b).count() as f64 / yt.len() as f64);
    }
    let ours_mean = ours.iter().sum::<f64>() / ours.len() as f64;
    println!("MLP (32,16) test accuracy: ours {ours:?} mean {ours_mean:.4}; sklearn {theirs:?} mean {theirs_mean:.4}");
    assert!(
        (ours_mean - theirs_mean).abs() <= 0.02,
        "{ours_mean} vs {theirs_mean}"
    );
}

#[test]
fn seeded_kmeans_is_at_least_as_good_as_a_fixed_start() {
    // k-means++ from the seed reaches an inertia no worse than 5 % above the
    // fixed-start Lloyd run that scikit-learn reproduced.
    let r = reference();
    let (z, _, _, _) = split();
    let fixed = r["kmeans"]["4"]["inertia"].as_f64().unwrap();
    let fit = KMeans::run(&z, 4, 0).unwrap();
    assert!(fit.inertia < 1.05 * fixed, "{} vs {fixed}", fit.inertia);
}
