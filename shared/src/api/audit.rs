//! The audit trail on the wire: entries, filters and the chain report.

use serde::{Deserialize, Serialize};

/// One audit entry. `hash` is SHA-256 over the canonical encoding of every
/// other field plus `prev_hash`, so any edit breaks the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1, no gaps.
    pub seq: i64,
    /// When (RFC 3339, UTC, milliseconds).
    pub at: String,
    /// Who: the user id, `None` for the system itself.
    pub user_id: Option<i64>,
    /// Who, by name (as it was when the entry was written).
    pub actor: String,
    /// What kind of event: `data.fetch`, `goal.set`, `result.record`,
    /// `auth.login`, `compliance.check`, ...
    pub kind: String,
    /// `allowed`, `refused`, or `none` for events with no verdict.
    pub verdict: String,
    /// The compliance rule that decided, if any.
    pub rule_id: String,
    /// Why, in words.
    pub reason: String,
    /// Content hash of the data involved, if any.
    pub provenance_hash: Option<String>,
    /// Extra facts as compact JSON.
    pub detail: String,
    /// Hash of the previous entry (64 zeros for the first).
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

/// Filters for `GET /api/audit` (all optional, combined with AND).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Only this user's entries (admins only; others always see their own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    /// Only this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Only `allowed`, `refused` or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// Only entries on or after this date (`YYYY-MM-DD`, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Only entries on or before this date (`YYYY-MM-DD`, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Only entries with `seq` below this (paging backwards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<i64>,
    /// At most this many (default 100, at most 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `GET /api/audit`: matching entries, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` to get the next page; `None` at the end.
    pub next_before: Option<i64>,
}

/// `GET /api/audit/verify`: the result of walking the whole chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    /// True when every link holds and the head matches.
    pub ok: bool,
    /// Entries checked.
    pub entries: u64,
    /// Hash of the last entry.
    pub head_hash: String,
    /// The first broken link, if any.
    pub first_broken: Option<BrokenLink>,
}

/// Where and how the chain breaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenLink {
    /// Sequence number of the first entry that does not verify.
    pub seq: i64,
    /// What is wrong with it.
    pub reason: String,
}
