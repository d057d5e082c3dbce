//! Error responses as RFC 9457 `application/problem+json`, with a stable
//! machine-readable `code`.
//!
//! Only the shape of the body lives here; handlers decide which problem to
//! answer with.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use shared::compliance::Verdict;

/// The media type of a problem body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer: status, stable code, human title and detail.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    status: StatusCode,
    code: &'static str,
    detail: String,
    verdict: Option<Verdict>,
    retry_after_s: Option<u64>,
}

impl Problem {
    /// A problem with `status`, the stable `code` clients match on, and a
    /// human-readable `detail`.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            verdict: None,
            retry_after_s: None,
        }
    }

    /// What was wrong, for people.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// 429 with code `rate_limited` and a `retry-after` header.
    pub fn rate_limited(retry_after_s: u64) -> Self {
        let mut problem = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests; try again in {retry_after_s} s"),
        );
        problem.retry_after_s = Some(retry_after_s);
        problem
    }

    /// 422 with code `compliance_refused`, carrying the refusing verdict.
    pub fn refused(verdict: Verdict) -> Self {
        let mut problem = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "compliance_refused",
            format!("refused by rule {}: {}", verdict.rule_id, verdict.reason),
        );
        problem.verdict = Some(verdict);
        problem
    }

    /// 400 with code `invalid_input`.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_input", detail)
    }

    /// 401 with code `unauthenticated`.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail)
    }

    /// 403 with code `forbidden`.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    /// 500 with code `internal`; the cause is logged, never sent.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed; nothing was changed",
        )
    }

    /// The verdict, when a compliance rule refused.
    pub fn verdict(&self) -> Option<&Verdict> {
        self.verdict.as_ref()
    }

    /// 404 with code `not_found`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

/// The wire form of a [`Problem`].
#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'a str,
    status: u16,
    code: &'a str,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<&'a Verdict>,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = Body {
            kind: "about:blank",
            title: self.status.canonical_reason().unwrap_or("Error"),
            status: self.status.as_u16(),
            code: self.code,
            detail: &self.detail,
            verdict: self.verdict.as_ref(),
        };
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(seconds) = self.retry_after_s {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<crate::store::StoreError> for Problem {
    fn from(error: crate::store::StoreError) -> Self {
        Problem::internal(&error)
    }
}
