//! The data proxy on the wire: requests for series, the answer with its
//! provenance, bundled datasets and uploads.

use serde::{Deserialize, Serialize};

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
