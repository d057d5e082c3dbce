//! `GET /healthz`: a liveness probe for scripts and supervisors.
//!
//! Answers as long as the process serves requests; it checks no
//! dependencies, so it never fails slowly.

use axum::http::header::CACHE_CONTROL;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// The path of the probe.
pub const PATH: &str = "/healthz";

/// The probe's body: `{"status":"ok","version":"<crate version>"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Health {
    /// Always `"ok"` when the server answers.
    pub status: &'static str,
    /// The server crate's version.
    pub version: &'static str,
}

impl Health {
    /// The answer of a running server.
    pub const OK: Self = Self {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    };
}

/// Handler for [`PATH`].
pub async fn healthz() -> Response {
    let mut response = Json(Health::OK).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
