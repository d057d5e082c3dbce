//! Security headers added to every response: the CSP and the fixed
//! hardening headers.
//!
//! Applied as the outermost response layer around the whole router, so 404s,
//! 405s, the app fallback and API errors carry them too. It only sets
//! headers; it never inspects or changes bodies or status codes.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::csp::ContentSecurityPolicy;

/// `cross-origin-opener-policy` (not among `http`'s named constants).
const CROSS_ORIGIN_OPENER_POLICY: HeaderName =
    HeaderName::from_static("cross-origin-opener-policy");
/// `permissions-policy` (not among `http`'s named constants).
const PERMISSIONS_POLICY: HeaderName = HeaderName::from_static("permissions-policy");

/// The headers set on every response, replacing any a handler set.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    headers: Arc<HeaderMap>,
}

impl SecurityHeaders {
    /// The headers for an app whose page has the policy `csp`.
    pub fn new(csp: &ContentSecurityPolicy) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_SECURITY_POLICY, csp.header_value());
        headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        headers.insert(
            CROSS_ORIGIN_OPENER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
        headers.insert(
            PERMISSIONS_POLICY,
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        );
        Self {
            headers: Arc::new(headers),
        }
    }

    /// Sets every header on `headers`, replacing existing values.
    pub fn apply(&self, headers: &mut HeaderMap) {
        for (name, value) in self.headers.iter() {
            headers.insert(name.clone(), value.clone());
        }
    }
}

/// Middleware (for [`axum::middleware::from_fn_with_state`]) that runs the
/// request and adds the security headers to whatever comes back.
pub async fn add_headers(
    State(security): State<SecurityHeaders>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    security.apply(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_replaces_existing_values() {
        let security = SecurityHeaders::new(&ContentSecurityPolicy::for_index_html(b""));
        let mut headers = HeaderMap::new();
        headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
        security.apply(&mut headers);
        assert_eq!(headers[X_FRAME_OPTIONS], "DENY");
        assert_eq!(headers.len(), 6);
    }
}
