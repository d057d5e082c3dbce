//! Messages between the Lab screen and the lab worker, as JSON text (the
//! worker is a plain `Worker`, so the page can terminate it to cancel).

use serde::{Deserialize, Serialize};
use shared::data::Series;
use shared::features::FeatureSpec;
use shared::models::{ModelReport, Task, WalkForwardConfig};

/// What the page asks the worker to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LabRequest {
    /// Build the dataset from `series` and evaluate `models` in order.
    Run {
        /// The data, as fetched through the server's gateway.
        series: Series,
        /// The features.
        features: FeatureSpec,
        /// Label horizon in rows.
        horizon: usize,
        /// Classification (direction) or regression (return); clustering
        /// models run with the direction target.
        target: Task,
        /// Catalog names, run in this order.
        models: Vec<String>,
        /// Walk-forward settings.
        config: WalkForwardConfig,
    },
    /// Every catalog entry through the Lab's default walk-forward on
    /// `series` (horizon 1, default features), timed one by one: the
    /// whole-catalog benchmark (the bench page and `catalog_run`).
    CatalogBench {
        /// The data.
        series: Series,
    },
    /// Time fit and predict of a few entries on `series` (the bench page).
    Bench {
        /// The data.
        series: Series,
        /// Rows to use from the end of the dataset.
        rows: usize,
        /// Catalog names to time.
        models: Vec<String>,
    },
}

/// What the worker reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LabEvent {
    /// The worker has loaded and listens: the page sends its request now
    /// (a message posted before the WASM module runs would be lost).
    Ready,
    /// The dataset is built; `total` models will run.
    Started {
        /// Models to run.
        total: usize,
        /// Dataset rows.
        rows: usize,
        /// Feature names.
        features: Vec<String>,
    },
    /// One model finished (or failed).
    Model {
        /// Models finished so far, this one included.
        done: usize,
        /// Models in the run.
        total: usize,
        /// Catalog name.
        name: String,
        /// Its report, boxed to keep the enum small, or why it failed.
        outcome: Result<Box<ModelReport>, String>,
    },
    /// Every model ran.
    Finished,
    /// Nothing could run (bad data, bad settings).
    Failed {
        /// Why, naming the field or the data problem.
        message: String,
    },
    /// One entry of the whole-catalog benchmark finished.
    CatalogProgress {
        /// Entries finished so far.
        done: usize,
        /// Entries in the catalog.
        total: usize,
        /// This entry's name.
        name: String,
    },
    /// The whole-catalog benchmark's result.
    CatalogBench {
        /// Each entry's walk-forward wall time, in catalog order.
        timings: Vec<CatalogTiming>,
        /// Wall time of the whole run, milliseconds.
        total_ms: f64,
    },
    /// Bench timings.
    Bench {
        /// (name, fit ms, predict ms, rows, features) per model.
        timings: Vec<BenchTiming>,
    },
}

/// One entry of the whole-catalog benchmark.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogTiming {
    /// Catalog name.
    pub name: String,
    /// Walk-forward wall time (every fold's fit and predict), milliseconds.
    pub ms: f64,
    /// Why it failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The `n` slowest entries, slowest first.
pub fn slowest(timings: &[CatalogTiming], n: usize) -> Vec<CatalogTiming> {
    let mut sorted = timings.to_vec();
    sorted.sort_by(|a, b| b.ms.total_cmp(&a.ms));
    sorted.truncate(n);
    sorted
}

/// Fewest rounds the model benchmark runs per entry (a fresh model each
/// round, same seed). The fastest round is reported, as
/// `scripts/bench-peers.sh` reports the peers; the first round is kept too,
/// because in a browser it runs partly on V8's baseline code until the hot
/// functions tier up.
pub const BENCH_MIN_ROUNDS: usize = 3;

/// Most rounds per entry. An entry runs more than [`BENCH_MIN_ROUNDS`] while
/// its rounds have taken less than [`BENCH_BUDGET_MS`] in all: a model that
/// fits in a millisecond gets enough rounds for V8 to finish optimising its
/// code (with ten, linear regression's fastest fit in the browser was
/// 0.8 ms on some page loads and 2.0 ms on others; with fifty, 0.7–0.8 ms)
/// and for the browser clock's 0.1 ms steps to stop mattering.
pub const BENCH_MAX_ROUNDS: usize = 50;

/// Time per entry, milliseconds, after which no round beyond
/// [`BENCH_MIN_ROUNDS`] starts.
pub const BENCH_BUDGET_MS: f64 = 300.0;

/// One benchmark line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchTiming {
    /// Catalog name.
    pub name: String,
    /// Training time, milliseconds: the fastest round (see
    /// [`BENCH_MIN_ROUNDS`]).
    pub fit_ms: f64,
    /// Prediction time for the same rows, milliseconds: the fastest round.
    pub predict_ms: f64,
    /// Training time of the first round, milliseconds.
    pub first_fit_ms: f64,
    /// Prediction time of the first round, milliseconds.
    pub first_predict_ms: f64,
    /// Rows.
    pub rows: usize,
    /// Features.
    pub features: usize,
}

/// The catalog entries the model benchmark times (the main families).
pub const BENCH_MODELS: [&str; 10] = [
    "linear_regression_ols",
    "ridge_alpha_1",
    "logistic_l2_c_1",
    "kmeans_k4",
    "gaussian_nb_var_smoothing_1e_9",
    "knn_clf_k15",
    "random_forest_clf_100_sqrt",
    "extra_trees_clf_100_sqrt",
    "gradient_boosting_clf_100_lr0_1_depth3",
    "mlp_clf_relu_32_16_alpha_0_0001",
];

/// The catalog entries a run over `target` may use (one definition, in
/// `shared::actions`).
pub use shared::actions::fits_target;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_as_json() {
        let event = LabEvent::Failed {
            message: "too short".into(),
        };
        let text = serde_json::to_string(&event).unwrap();
        assert_eq!(serde_json::from_str::<LabEvent>(&text).unwrap(), event);
    }
}
