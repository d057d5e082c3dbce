//! The catalog's families, one module each. Every module exposes
//! `entries()`: its named configurations with their factories.

pub mod baseline;
pub mod boosting;
pub mod clustering;
pub mod ensemble;
pub mod forest;
mod hist;
pub mod knn;
pub mod linear;
pub mod logistic;
pub mod mlp;
pub mod naive_bayes;
pub mod pca;
pub mod svm;
pub mod tree;

/// Test support: trains a fresh model from `entry` twice on the same data
/// and seed, asserts both give the same predictions, and returns them.
#[cfg(test)]
pub(crate) fn fit_predict_twice(
    entry: &crate::models::CatalogEntry,
    x: &crate::models::Matrix,
    y: &[f64],
    seed: u64,
) -> Vec<f64> {
    let mut model = entry.build().unwrap();
    model.fit(x, y, seed).unwrap();
    let first = model.predict(x).unwrap();
    let mut again = entry.build().unwrap();
    again.fit(x, y, seed).unwrap();
    assert_eq!(first, again.predict(x).unwrap(), "{}", entry.spec.name);
    first
}
