//! The user's research goal on the wire: `GET/PUT /api/goal`.

use serde::{Deserialize, Serialize};

use crate::compliance::Verdict;

/// `PUT /api/goal`: set a new current goal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalRequest {
    /// The goal in the user's words.
    pub text: String,
    /// Data sources the goal needs (e.g. `bundled`, `polygon`); checked
    /// against the approved sources.
    #[serde(default)]
    pub sources: Vec<String>,
}

/// A stored goal with the verdict it was accepted under.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    /// Row id; later goals have larger ids.
    pub id: i64,
    /// The goal in the user's words.
    pub text: String,
    /// Data sources the goal needs.
    pub sources: Vec<String>,
    /// When it was set (RFC 3339, UTC).
    pub created_at: String,
    /// The compliance verdict it was accepted under.
    pub verdict: Verdict,
}

/// `GET /api/goal`: the current goal (if any) and the earlier ones, newest
/// first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoalState {
    /// The goal in force, `None` before the first one is set.
    pub current: Option<Goal>,
    /// Earlier goals, newest first.
    pub history: Vec<Goal>,
}
