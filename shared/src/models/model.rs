//! What every catalog entry is: a [`Model`] that trains on a feature matrix
//! and predicts, described by a [`ModelSpec`] (name, family, task,
//! hyperparameters) and built fresh by a [`CatalogEntry`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Matrix;
use crate::api::ParamValue;

/// What a model predicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Next-k-day direction: labels 0.0 (down or flat) and 1.0 (up);
    /// `predict` returns labels, `predict_proba` P(up).
    Classification,
    /// Next-k-day return; `predict` returns the forecast return.
    Regression,
    /// Unsupervised regimes; trained on features only. The catalog wraps
    /// each clusterer so that it labels every regime with the share of up
    /// moves seen in it during training, and predicts like a classifier.
    Clustering,
}

impl Task {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
            Task::Clustering => "clustering",
        }
    }
}

/// Model families (the compliance rules' `allowed_model_families` use the
/// same names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Ordinary least squares.
    Linear,
    /// Ridge, lasso, elastic net.
    RegularisedLinear,
    /// Logistic regression.
    Logistic,
    /// CART decision trees.
    DecisionTree,
    /// Random forests.
    RandomForest,
    /// Extremely randomised trees.
    ExtraTrees,
    /// Gradient-boosted trees.
    GradientBoosting,
    /// k-nearest neighbours.
    Knn,
    /// Naive Bayes.
    NaiveBayes,
    /// Support vector machines.
    Svm,
    /// Multi-layer perceptrons.
    Mlp,
    /// k-means, DBSCAN, agglomerative, Gaussian mixtures (with regime labels).
    Clustering,
    /// PCA followed by another model.
    PcaPipeline,
    /// Voting, stacking, bagging, AdaBoost.
    Ensemble,
    /// Reference predictors (always up, last move).
    Baseline,
}

impl Family {
    /// The wire name, e.g. `random_forest`.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Linear => "linear",
            Family::RegularisedLinear => "regularised_linear",
            Family::Logistic => "logistic",
            Family::DecisionTree => "decision_tree",
            Family::RandomForest => "random_forest",
            Family::ExtraTrees => "extra_trees",
            Family::GradientBoosting => "gradient_boosting",
            Family::Knn => "knn",
            Family::NaiveBayes => "naive_bayes",
            Family::Svm => "svm",
            Family::Mlp => "mlp",
            Family::Clustering => "clustering",
            Family::PcaPipeline => "pca_pipeline",
            Family::Ensemble => "ensemble",
            Family::Baseline => "baseline",
        }
    }

    /// Every family, in display order.
    pub const ALL: [Family; 15] = [
        Family::Linear,
        Family::RegularisedLinear,
        Family::Logistic,
        Family::DecisionTree,
        Family::RandomForest,
        Family::ExtraTrees,
        Family::GradientBoosting,
        Family::Knn,
        Family::NaiveBayes,
        Family::Svm,
        Family::Mlp,
        Family::Clustering,
        Family::PcaPipeline,
        Family::Ensemble,
        Family::Baseline,
    ];
}

/// Hyperparameters by name.
pub type Params = BTreeMap<String, ParamValue>;

/// A catalog entry's description.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// Unique name, lower-case `[a-z0-9_]`, e.g. `random_forest_100`.
    pub name: String,
    /// Its family.
    pub family: Family,
    /// What it predicts.
    pub task: Task,
    /// Every hyperparameter that distinguishes it, by name.
    pub params: Params,
    /// What implements it: `hand-written` or the crate, e.g. `forust-ml 0.8.0`.
    pub implementation: String,
}

/// Why training or prediction failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// Inputs of the wrong shape.
    #[error("shape: {0}")]
    Shape(String),
    /// Too little data to train.
    #[error("not enough data: {0}")]
    TooLittleData(String),
    /// A hyperparameter out of its range.
    #[error("parameter {name}: {reason}")]
    Param {
        /// Which.
        name: String,
        /// Why.
        reason: String,
    },
    /// `predict` before `fit`.
    #[error("the model is not trained")]
    NotTrained,
    /// The numerics failed (singular matrix, divergence).
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// The run was cancelled.
    #[error("cancelled")]
    Cancelled,
}

/// A trainable model. `fit` may be called again to retrain from scratch.
///
/// `y` holds 0/1 labels for classification and clustering (clusterers may
/// use them only to label regimes after clustering) and returns for
/// regression. Randomness comes only from `seed` through a named portable
/// generator (`rand_xoshiro`), so results are identical in wasm and natively.
pub trait Model: Send {
    /// Trains on `x` (rows are samples) and `y`.
    fn fit(&mut self, x: &Matrix, y: &[f64], seed: u64) -> Result<(), ModelError>;

    /// Predictions for each row of `x`: labels (0/1) for classification
    /// and clustering, values for regression.
    fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ModelError>;

    /// P(label = 1) for each row, for classifiers that have it.
    fn predict_proba(&self, x: &Matrix) -> Result<Option<Vec<f64>>, ModelError> {
        let _ = x;
        Ok(None)
    }
}

/// Builds a fresh, untrained model from a spec's params.
pub type Factory = fn(&Params) -> Result<Box<dyn Model>, ModelError>;

/// One entry of the catalog: its description and how to build it.
#[derive(Clone, Debug)]
pub struct CatalogEntry {
    /// The description.
    pub spec: ModelSpec,
    /// Builds the model.
    pub factory: Factory,
}

impl CatalogEntry {
    /// An entry; `implementation` names the crate or `hand-written`.
    pub fn new(
        name: &str,
        family: Family,
        task: Task,
        params: &[(&str, ParamValue)],
        implementation: &str,
        factory: Factory,
    ) -> CatalogEntry {
        CatalogEntry {
            spec: ModelSpec {
                name: name.to_string(),
                family,
                task,
                params: params
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
                implementation: implementation.to_string(),
            },
            factory,
        }
    }

    /// A fresh, untrained model.
    pub fn build(&self) -> Result<Box<dyn Model>, ModelError> {
        (self.factory)(&self.spec.params)
    }
}

/// Reads a numeric parameter, or explains what is missing.
pub fn number(params: &Params, name: &str) -> Result<f64, ModelError> {
    match params.get(name) {
        Some(ParamValue::Number(value)) if value.is_finite() => Ok(*value),
        Some(other) => Err(ModelError::Param {
            name: name.to_string(),
            reason: format!("expected a number, got {other:?}"),
        }),
        None => Err(ModelError::Param {
            name: name.to_string(),
            reason: "missing".to_string(),
        }),
    }
}

/// Reads a text parameter.
pub fn text<'a>(params: &'a Params, name: &str) -> Result<&'a str, ModelError> {
    match params.get(name) {
        Some(ParamValue::Text(value)) => Ok(value),
        Some(other) => Err(ModelError::Param {
            name: name.to_string(),
            reason: format!("expected text, got {other:?}"),
        }),
        None => Err(ModelError::Param {
            name: name.to_string(),
            reason: "missing".to_string(),
        }),
    }
}

/// Shorthand for a numeric parameter value.
pub fn num(value: f64) -> ParamValue {
    ParamValue::Number(value)
}

/// Shorthand for a text parameter value.
pub fn txt(value: &str) -> ParamValue {
    ParamValue::Text(value.to_string())
}
