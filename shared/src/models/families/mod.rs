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
