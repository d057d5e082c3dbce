//! Models: the catalog of named, trainable configurations, the data layout
//! they train on, and (in `evaluation`) honest walk-forward scoring.
//!
//! Every model implements [`Model`]; every configuration is a
//! [`CatalogEntry`] in [`catalog()`]. Randomness is always seeded through a
//! named portable generator, so a model gives the same predictions in the
//! browser and natively. Nothing here reads clocks, files or the network.

mod catalog;
mod dataset;
pub mod evaluation;
pub mod families;
pub(crate) mod linalg;
mod matrix;
pub mod metrics;
mod model;

pub use catalog::{catalog, entry};
pub use dataset::Dataset;
pub use evaluation::{
    evaluate, evaluate_many, fold_seed, folds, Fold, ModelOutcome, ModelReport, Progress,
    WalkForwardConfig, Window,
};
pub use matrix::{Matrix, Standardizer};
pub use metrics::{ClassificationMetrics, RegressionMetrics, TradingMetrics, TradingResult};
pub use model::{
    num, number, text, txt, CatalogEntry, Factory, Family, Model, ModelError, ModelSpec, Params,
    Task,
};
