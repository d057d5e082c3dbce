//! [`UpstreamError`]: what can go wrong talking to a provider, with a stable
//! code and an HTTP status hint for problem+json answers.
//!
//! Every text an error carries passes through [`super::secret::redact`] and
//! is cut to a short length when the error is built, so an error can be
//! shown or logged as is. This file must not hold a raw upstream body, a
//! URL with its query, or a key.

use std::time::Duration;

use axum::http::StatusCode;

use super::provider::Provider;
use super::secret::{redact, ApiKey};
use crate::problem::Problem;

/// The most characters of upstream-provided text an error keeps.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// A failed call to a data provider. Display and Debug never show a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// No API key is configured for the provider; nothing was sent.
    #[error("{provider} is not configured: its API key is not set")]
    NotConfigured {
        /// The provider.
        provider: Provider,
    },
    /// The client itself is set up wrongly (bad base URL, unusable key).
    #[error("{provider} client is misconfigured: {reason}")]
    Misconfigured {
        /// The provider.
        provider: Provider,
        /// What is wrong (redacted).
        reason: String,
    },
    /// The arguments are not a valid request (checked before sending).
    #[error("invalid {provider} request: {reason}")]
    InvalidInput {
        /// The provider.
        provider: Provider,
        /// What is wrong (redacted).
        reason: String,
    },
    /// The provider rejected the API key (HTTP 401, or FRED's bad-key 400).
    #[error("{provider} rejected the API key: {message}")]
    Unauthorized {
        /// The provider.
        provider: Provider,
        /// The provider's message (redacted, shortened).
        message: String,
    },
    /// The key is valid but not entitled to this data (HTTP 403).
    #[error("{provider} refused access: {message}")]
    Forbidden {
        /// The provider.
        provider: Provider,
        /// The provider's message (redacted, shortened).
        message: String,
    },
    /// The provider has no such resource (HTTP 404).
    #[error("{provider} found nothing there: {message}")]
    NotFound {
        /// The provider.
        provider: Provider,
        /// The provider's message (redacted, shortened).
        message: String,
    },
    /// The provider kept answering 429 until the attempts ran out.
    #[error("{provider} rate limit exceeded{}", retry_hint(*retry_after))]
    RateLimited {
        /// The provider.
        provider: Provider,
        /// The wait the provider last asked for, if any.
        retry_after: Option<Duration>,
    },
    /// The provider refused the request as malformed (HTTP 400), e.g. FRED's
    /// "The series does not exist."
    #[error("{provider} rejected the request: {message}")]
    BadRequest {
        /// The provider.
        provider: Provider,
        /// The provider's message (redacted, shortened).
        message: String,
    },
    /// Another 4xx status, not retried.
    #[error("{provider} refused the request with HTTP {status}")]
    Rejected {
        /// The provider.
        provider: Provider,
        /// The HTTP status.
        status: u16,
    },
    /// 5xx answers or connection failures until the attempts ran out.
    #[error("{provider} is unavailable after {attempts} attempt(s): {reason}")]
    Unavailable {
        /// The provider.
        provider: Provider,
        /// The last HTTP status, or `None` when no answer came.
        status: Option<u16>,
        /// Attempts made.
        attempts: u32,
        /// What went wrong last (redacted, shortened).
        reason: String,
    },
    /// The provider's circuit breaker is open; nothing was sent.
    #[error("{provider} is failing; calls are paused for {}", seconds(*retry_in))]
    CircuitOpen {
        /// The provider.
        provider: Provider,
        /// Time until a probe may go through (zero: a probe is under way).
        retry_in: Duration,
    },
    /// Every attempt ran past the time limit (or the provider answered 408).
    #[error("{provider} did not answer in time after {attempts} attempt(s)")]
    Timeout {
        /// The provider.
        provider: Provider,
        /// Attempts made.
        attempts: u32,
    },
    /// The answer is not what the protocol promises (bad JSON, wrong shape,
    /// a redirect, a foreign `next_url`, too many pages).
    #[error("{provider} sent an unexpected answer: {reason}")]
    Protocol {
        /// The provider.
        provider: Provider,
        /// What was wrong (redacted, shortened).
        reason: String,
    },
}

fn retry_hint(retry_after: Option<Duration>) -> String {
    retry_after.map_or_else(String::new, |d| format!("; retry after {}", seconds(d)))
}

fn seconds(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// `text` made safe to carry: key removed, control characters turned into
/// spaces, cut to [`MAX_MESSAGE_CHARS`]; empty becomes `fallback`.
pub(crate) fn clean(text: &str, key: Option<&ApiKey>, fallback: &str) -> String {
    let redacted = redact(text, key);
    let mut out: String = redacted
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_MESSAGE_CHARS)
        .collect();
    if redacted.chars().count() > MAX_MESSAGE_CHARS {
        out.push('…');
    }
    let trimmed = out.trim();
    if trimmed.is_empty() {
        fallback.to_owned()
    } else {
        trimmed.to_owned()
    }
}

impl UpstreamError {
    /// The final error for an HTTP `status` the provider answered with after
    /// `attempts` attempts. `message` is the provider's own message field
    /// (never the raw body); it is redacted here.
    pub(crate) fn from_status(
        provider: Provider,
        status: u16,
        message: &str,
        retry_after: Option<Duration>,
        attempts: u32,
        key: Option<&ApiKey>,
    ) -> Self {
        let message = clean(message, key, &format!("HTTP {status}"));
        match status {
            400 => Self::BadRequest { provider, message },
            401 => Self::Unauthorized { provider, message },
            403 => Self::Forbidden { provider, message },
            404 => Self::NotFound { provider, message },
            408 => Self::Timeout { provider, attempts },
            429 => Self::RateLimited {
                provider,
                retry_after,
            },
            500..=599 => Self::Unavailable {
                provider,
                status: Some(status),
                attempts,
                reason: message,
            },
            _ => Self::Rejected { provider, status },
        }
    }

    /// A [`Self::Protocol`] error with a redacted reason.
    pub(crate) fn protocol(provider: Provider, reason: &str, key: Option<&ApiKey>) -> Self {
        Self::Protocol {
            provider,
            reason: clean(reason, key, "malformed answer"),
        }
    }

    /// A [`Self::InvalidInput`] error with a redacted reason.
    pub(crate) fn invalid_input(provider: Provider, reason: &str, key: Option<&ApiKey>) -> Self {
        Self::InvalidInput {
            provider,
            reason: clean(reason, key, "invalid input"),
        }
    }

    /// A [`Self::Misconfigured`] error with a redacted reason.
    pub(crate) fn misconfigured(provider: Provider, reason: &str, key: Option<&ApiKey>) -> Self {
        Self::Misconfigured {
            provider,
            reason: clean(reason, key, "misconfigured"),
        }
    }

    /// The same error with `key` scrubbed from every text once more; the
    /// clients apply it to every error they return.
    pub(crate) fn redacted(self, key: Option<&ApiKey>) -> Self {
        let scrub = |text: String| redact(&text, key);
        match self {
            Self::Misconfigured { provider, reason } => Self::Misconfigured {
                provider,
                reason: scrub(reason),
            },
            Self::InvalidInput { provider, reason } => Self::InvalidInput {
                provider,
                reason: scrub(reason),
            },
            Self::Unauthorized { provider, message } => Self::Unauthorized {
                provider,
                message: scrub(message),
            },
            Self::Forbidden { provider, message } => Self::Forbidden {
                provider,
                message: scrub(message),
            },
            Self::NotFound { provider, message } => Self::NotFound {
                provider,
                message: scrub(message),
            },
            Self::BadRequest { provider, message } => Self::BadRequest {
                provider,
                message: scrub(message),
            },
            Self::Unavailable {
                provider,
                status,
                attempts,
                reason,
            } => Self::Unavailable {
                provider,
                status,
                attempts,
                reason: scrub(reason),
            },
            Self::Protocol { provider, reason } => Self::Protocol {
                provider,
                reason: scrub(reason),
            },
            other @ (Self::NotConfigured { .. }
            | Self::RateLimited { .. }
            | Self::Rejected { .. }
            | Self::CircuitOpen { .. }
            | Self::Timeout { .. }) => other,
        }
    }

    /// The provider the error is about.
    pub fn provider(&self) -> Provider {
        match self {
            Self::NotConfigured { provider }
            | Self::Misconfigured { provider, .. }
            | Self::InvalidInput { provider, .. }
            | Self::Unauthorized { provider, .. }
            | Self::Forbidden { provider, .. }
            | Self::NotFound { provider, .. }
            | Self::RateLimited { provider, .. }
            | Self::BadRequest { provider, .. }
            | Self::Rejected { provider, .. }
            | Self::Unavailable { provider, .. }
            | Self::CircuitOpen { provider, .. }
            | Self::Timeout { provider, .. }
            | Self::Protocol { provider, .. } => *provider,
        }
    }

    /// The stable machine-readable code for problem+json answers.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured { .. } => "upstream_not_configured",
            Self::Misconfigured { .. } => "upstream_misconfigured",
            Self::InvalidInput { .. } => "upstream_invalid_input",
            Self::Unauthorized { .. } => "upstream_unauthorized",
            Self::Forbidden { .. } => "upstream_forbidden",
            Self::NotFound { .. } => "upstream_not_found",
            Self::RateLimited { .. } => "upstream_rate_limited",
            Self::BadRequest { .. } => "upstream_bad_request",
            Self::Rejected { .. } => "upstream_rejected",
            Self::Unavailable { .. } => "upstream_unavailable",
            Self::CircuitOpen { .. } => "upstream_circuit_open",
            Self::Timeout { .. } => "upstream_timeout",
            Self::Protocol { .. } => "upstream_protocol",
        }
    }

    /// The status our server should answer with: 400 for requests the
    /// provider (or our check) found malformed, 404 for missing data, 429 for
    /// rate limits, 502 for key trouble and bad answers (the fault is
    /// between us and the provider), 503 when not configured or paused, 504
    /// for timeouts, 500 for our own misconfiguration.
    pub fn http_status(&self) -> StatusCode {
        match self {
            Self::InvalidInput { .. } | Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unauthorized { .. }
            | Self::Forbidden { .. }
            | Self::Rejected { .. }
            | Self::Unavailable { .. }
            | Self::Protocol { .. } => StatusCode::BAD_GATEWAY,
            Self::NotConfigured { .. } | Self::CircuitOpen { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            Self::Misconfigured { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether the error shows the provider failing (it counts against the
    /// circuit breaker): spent retries on 429/5xx, connection errors,
    /// timeouts and malformed answers. Client errors do not count.
    pub fn is_provider_failure(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. }
                | Self::Unavailable { .. }
                | Self::Timeout { .. }
                | Self::Protocol { .. }
        )
    }

    /// The problem+json answer for this error: [`Self::http_status`],
    /// [`Self::code`] and the (redacted) message as detail.
    pub fn problem(&self) -> Problem {
        Problem::new(self.http_status(), self.code(), self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENTINEL: &str = "SENTINEL-KEY-9f3c";

    fn key() -> ApiKey {
        ApiKey::from_lookup("K", |_| Some(SENTINEL.to_owned())).expect("key")
    }

    fn assert_clean(error: &UpstreamError) {
        let shown = format!("{error} {error:?} {:?}", error.problem());
        assert!(!shown.contains(SENTINEL), "key leaked: {shown}");
        assert!(
            !shown.contains("SENTINEL-KEY"),
            "key prefix leaked: {shown}"
        );
    }

    /// Every variant, built from an upstream whose text echoes the key (as
    /// text and inside a URL), never shows it.
    #[test]
    fn no_variant_shows_the_key() {
        let k = key();
        let echo = format!(
            "Unknown API Key {SENTINEL} (https://api.example/x?apiKey={SENTINEL}&api_key={SENTINEL})"
        );
        let mut errors: Vec<UpstreamError> = [400, 401, 403, 404, 408, 409, 429, 500, 503]
            .into_iter()
            .map(|status| {
                UpstreamError::from_status(
                    Provider::Fred,
                    status,
                    &echo,
                    Some(Duration::from_secs(1)),
                    3,
                    Some(&k),
                )
            })
            .collect();
        errors.push(UpstreamError::protocol(Provider::Polygon, &echo, Some(&k)));
        errors.push(UpstreamError::invalid_input(
            Provider::Polygon,
            &echo,
            Some(&k),
        ));
        errors.push(UpstreamError::misconfigured(
            Provider::Polygon,
            &echo,
            Some(&k),
        ));
        errors.push(UpstreamError::NotConfigured {
            provider: Provider::Polygon,
        });
        errors.push(UpstreamError::CircuitOpen {
            provider: Provider::Polygon,
            retry_in: Duration::from_millis(1500),
        });
        // A variant built raw, then scrubbed on the way out.
        errors.push(
            UpstreamError::Unavailable {
                provider: Provider::Polygon,
                status: None,
                attempts: 3,
                reason: echo.clone(),
            }
            .redacted(Some(&k)),
        );
        let mut codes: Vec<&str> = errors.iter().map(UpstreamError::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 13, "every variant is covered: {codes:?}");
        for error in &errors {
            assert_clean(error);
        }
    }

    #[test]
    fn statuses_map_to_variants_and_hints() {
        let e = |s| UpstreamError::from_status(Provider::Polygon, s, "", None, 3, None);
        assert_eq!(e(401).code(), "upstream_unauthorized");
        assert_eq!(e(403).code(), "upstream_forbidden");
        assert_eq!(e(404).http_status(), StatusCode::NOT_FOUND);
        assert_eq!(e(429).http_status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(e(503).http_status(), StatusCode::BAD_GATEWAY);
        assert_eq!(e(408).http_status(), StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(e(418).code(), "upstream_rejected");
        assert_eq!(e(401).to_string(), "polygon rejected the API key: HTTP 401");
        assert!(e(500).is_provider_failure());
        assert!(!e(404).is_provider_failure());
    }

    #[test]
    fn messages_are_cleaned_and_bounded() {
        let long = "x".repeat(1000);
        let cleaned = clean(&long, None, "f");
        assert_eq!(cleaned.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert_eq!(clean("a\nb\u{7}", None, "f"), "a b");
        assert_eq!(clean("  ", None, "fallback"), "fallback");
    }
}
