//! The data proxy on the wire: requests for series, the answer with its
//! provenance, bundled datasets and uploads.

use serde::{Deserialize, Serialize};

use crate::compliance::Verdict;

/// `GET /api/data?source=..&symbol=..`: one series from one source. Also
/// the body of `POST /api/compliance/check`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataRequest {
    /// `polygon`, `fred`, `bundled` or `user_upload` (anything else is
    /// refused by the compliance gateway, not by the parser, so the refusal
    /// is audited with its reason).
    pub source: String,
    /// Ticker (polygon), series id (fred), dataset id (bundled) or upload
    /// id (user_upload).
    pub symbol: String,
    /// First date wanted, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last date wanted, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Bar size for polygon: `minute`, `hour`, `day` (default), `week`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timespan: Option<String>,
    /// Bar multiplier for polygon (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiplier: Option<u32>,
}
/// The answer to a [`DataRequest`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataResponse {
    /// The gateway's verdict (always allowed here; refusals are problems).
    pub verdict: Verdict,
    /// Whether it came from the server's cache.
    pub cached: bool,
    /// The series with its provenance.
    pub series: crate::data::Series,
}

/// One bundled dataset in `GET /api/data/bundled`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatasetSummary {
    /// Dataset id, the `symbol` of a `bundled` request.
    pub id: String,
    /// Short title.
    pub title: String,
    /// Where it comes from and what it spans.
    pub provenance: crate::data::Provenance,
}

/// One stored upload in `GET /api/uploads` and the answer to
/// `POST /api/uploads`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UploadSummary {
    /// Upload id, the `symbol` of a `user_upload` request.
    pub id: i64,
    /// File name as uploaded.
    pub name: String,
    /// When it was stored (RFC 3339, UTC).
    pub created_at: String,
    /// What it holds.
    pub provenance: crate::data::Provenance,
}
