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

/// The path of the readiness probe.
pub const READY_PATH: &str = "/readyz";

/// The readiness probe's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: &'static str,
    /// Newest migration applied to the database.
    pub migration: i64,
    /// Newest migration this build has.
    pub expected_migration: i64,
    /// What is wrong, when not ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `GET /readyz`: 200 when the store answers a query and every migration is
/// applied, else 503.
pub async fn readyz(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
) -> Response {
    use crate::store::migrations;
    let expected = migrations::latest_version();
    let applied = state.store.read(migrations::applied_version).await;
    let (status, body) = match applied {
        Ok(version) if version == expected => (
            axum::http::StatusCode::OK,
            Readiness {
                status: "ready",
                migration: version,
                expected_migration: expected,
                reason: None,
            },
        ),
        Ok(version) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Readiness {
                status: "not_ready",
                migration: version,
                expected_migration: expected,
                reason: Some("migrations are pending".to_string()),
            },
        ),
        Err(error) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Readiness {
                status: "not_ready",
                migration: 0,
                expected_migration: expected,
                reason: Some(format!("the store does not answer: {error}")),
            },
        ),
    };
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
