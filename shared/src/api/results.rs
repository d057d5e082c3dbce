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
    /// The id the browser gave this result before sending it (1 to
    /// [`CLIENT_ID_MAX_LEN`] characters of `A-Z a-z 0-9 - _`), so that a
    /// retried POST is recorded once: the server answers a repeat with the
    /// row already stored. Absent for results sent once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// Longest [`ResultRecord::client_id`].
pub const CLIENT_ID_MAX_LEN: usize = 64;

/// Why `id` is not a valid [`ResultRecord::client_id`], or `None` if it is.
pub fn client_id_problem(id: &str) -> Option<String> {
    let len = id.chars().count();
    if len == 0 || len > CLIENT_ID_MAX_LEN {
        return Some(format!(
            "client_id has {len} characters; expected 1 to {CLIENT_ID_MAX_LEN}"
        ));
    }
    id.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        .map(|bad| format!("client_id contains '{bad}'; expected A-Z a-z 0-9 - _"))
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
