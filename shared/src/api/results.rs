//! Recorded results on the wire: a finished run sent to the server to be
//! checked, stored and audited.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::compliance::Verdict;

/// A hyperparameter value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// A number (bounded by the rules when named there).
    Number(f64),
    /// A switch.
    Flag(bool),
    /// A choice such as `rbf`.
    Text(String),
}

/// `POST /api/results`: what a run produced and how to repeat it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultRecord {
    /// What ran, e.g. `lab_run`, `backtest`.
    pub kind: String,
    /// Model name from the catalog, e.g. `random_forest_100`.
    pub model: String,
    /// Model family, e.g. `random_forest`.
    pub family: String,
    /// Hyperparameters and run settings by name.
    #[serde(default)]
    pub params: BTreeMap<String, ParamValue>,
    /// The seed the run used.
    pub seed: u64,
    /// Source of the data it ran on.
    pub source: String,
    /// Symbol or dataset id of that data.
    pub symbol: String,
    /// Content hash of that data (its provenance hash).
    pub data_hash: String,
    /// Code version that produced it.
    pub code_version: String,
    /// Metrics by name; all must be finite.
    pub metrics: BTreeMap<String, f64>,
}

/// A stored result: the record, its id and the verdict it was stored under.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredResult {
    /// Row id.
    pub id: i64,
    /// When it was stored (RFC 3339, UTC).
    pub created_at: String,
    /// The compliance verdict.
    pub verdict: Verdict,
    /// What was recorded.
    pub record: ResultRecord,
}
