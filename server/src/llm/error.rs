//! [`LlmError`]: what can go wrong streaming an answer, with a stable code;
//! [`LlmConfigError`]: what is wrong with the LLM settings in the
//! environment; and the reading of the providers' error bodies.
//!
//! Every text an error carries is redacted (the key removed) and cut short
//! when the error is built (through `upstream::clean`), so an error can be
//! shown or logged as is. This file must not hold a raw upstream body.

use std::time::Duration;

use crate::upstream::{clean, ApiKey};

/// A failed or cut-short answer. Display and Debug never show a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// No LLM provider is configured.
    #[error("no LLM provider is configured")]
    NotConfigured,
    /// The provider answered with an HTTP error (after the retries, if any).
    #[error("the LLM provider answered HTTP {status} ({kind}): {message}{}", retry_hint(*retry_after))]
    Http {
        /// The HTTP status.
        status: u16,
        /// The provider's error type (e.g. `rate_limit_error`), or `http_error`.
        kind: String,
        /// The provider's message (redacted, shortened).
        message: String,
        /// The wait the provider asked for, if any.
        retry_after: Option<Duration>,
    },
    /// The provider sent nothing within the idle timeout.
    #[error("the LLM provider did not answer in time")]
    Timeout,
    /// The connection could not be made or broke off.
    #[error("the LLM provider could not be reached: {0}")]
    Connection(String),
    /// The answer is not what the protocol promises.
    #[error("the LLM provider sent an unexpected answer: {0}")]
    Protocol(String),
    /// The provider reported an error inside the stream, after HTTP 200.
    #[error("the LLM provider ended the answer with an error ({kind}): {message}")]
    StreamError {
        /// The provider's error type, e.g. `overloaded_error`.
        kind: String,
        /// The provider's message (redacted, shortened).
        message: String,
    },
    /// The stream ended before the answer's end.
    #[error("the answer's stream ended before the answer was complete")]
    Dropped,
    /// The provider's circuit breaker is open; nothing was sent.
    #[error("the LLM provider is failing; calls are paused for {:.3} s", retry_in.as_secs_f64())]
    CircuitOpen {
        /// Time until a probe may go through (zero: a probe is under way).
        retry_in: Duration,
    },
    /// The receiver of the events went away (the user pressed stop).
    #[error("the answer was cancelled")]
    Cancelled,
}

fn retry_hint(retry_after: Option<Duration>) -> String {
    retry_after.map_or_else(String::new, |d| {
        format!("; retry after {:.3} s", d.as_secs_f64())
    })
}

impl LlmError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured => "llm_not_configured",
            Self::Http { status: 429, .. } => "llm_rate_limited",
            Self::Http { status, kind, .. } if *status == 529 || kind == "overloaded_error" => {
                "llm_overloaded"
            }
            Self::Http { .. } => "llm_http_error",
            Self::Timeout => "llm_timeout",
            Self::Connection(_) => "llm_unavailable",
            Self::Protocol(_) => "llm_protocol_error",
            Self::StreamError { .. } => "llm_stream_error",
            Self::Dropped => "stream_dropped",
            Self::CircuitOpen { .. } => "llm_circuit_open",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether the error shows the provider failing (it counts towards
    /// opening the circuit breaker): 408 and 5xx answers, timeouts,
    /// connection failures, dropped streams and in-stream overload or API
    /// errors. Client errors and 429 show it answering.
    pub fn is_provider_failure(&self) -> bool {
        match self {
            Self::Http { status, .. } => *status == 408 || *status >= 500,
            Self::Timeout | Self::Connection(_) | Self::Dropped => true,
            Self::StreamError { kind, .. } => retryable_stream_kind(kind),
            Self::NotConfigured
            | Self::Protocol(_)
            | Self::CircuitOpen { .. }
            | Self::Cancelled => false,
        }
    }

    /// An [`Self::Http`] error; `kind` and `message` come from the
    /// provider's body and are redacted and cut here.
    pub(crate) fn http(
        status: u16,
        kind: &str,
        message: &str,
        retry_after: Option<Duration>,
        key: Option<&ApiKey>,
    ) -> Self {
        Self::Http {
            status,
            kind: clean(kind, key, "http_error"),
            message: clean(message, key, &format!("HTTP {status}")),
            retry_after,
        }
    }

    /// A [`Self::StreamError`], redacted and cut.
    pub(crate) fn stream_error(kind: &str, message: &str, key: Option<&ApiKey>) -> Self {
        Self::StreamError {
            kind: clean(kind, key, "error"),
            message: clean(message, key, "the provider reported an error"),
        }
    }

    /// A [`Self::Protocol`] error, redacted and cut.
    pub(crate) fn protocol(reason: &str, key: Option<&ApiKey>) -> Self {
        Self::Protocol(clean(reason, key, "malformed answer"))
    }

    /// The same error with `key` scrubbed from every text once more.
    pub(crate) fn redacted(self, key: Option<&ApiKey>) -> Self {
        let scrub = |text: String, fallback: &str| clean(&text, key, fallback);
        match self {
            Self::Http {
                status,
                kind,
                message,
                retry_after,
            } => Self::Http {
                status,
                kind: scrub(kind, "http_error"),
                message: scrub(message, "error"),
                retry_after,
            },
            Self::Connection(reason) => Self::Connection(scrub(reason, "connection failed")),
            Self::Protocol(reason) => Self::Protocol(scrub(reason, "malformed answer")),
            Self::StreamError { kind, message } => Self::StreamError {
                kind: scrub(kind, "error"),
                message: scrub(message, "error"),
            },
            other => other,
        }
    }
}

/// In-stream error types worth another attempt (when nothing was sent yet).
pub(crate) fn retryable_stream_kind(kind: &str) -> bool {
    matches!(kind, "overloaded_error" | "api_error" | "server_error")
}

/// A problem with the LLM settings in the environment; names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {reason}")]
pub struct LlmConfigError {
    /// The environment variable at fault.
    pub variable: &'static str,
    /// What is wrong with it (never its value when it is a key).
    pub reason: String,
}

impl LlmConfigError {
    /// An error about `variable`.
    pub(crate) fn new(variable: &'static str, reason: impl Into<String>) -> Self {
        Self {
            variable,
            reason: reason.into(),
        }
    }
}

/// The error type and message of a provider's error body (or an in-stream
/// error event), whichever of the usual shapes it has:
/// `{"type":"error","error":{"type","message"}}` (Anthropic),
/// `{"error":{"message","type"|"code"}}` (OpenAI, Ollama, llama.cpp),
/// `{"error":"text"}`, `{"message","type"}` (vLLM), `{"detail":"text"}`.
/// Empty strings where nothing is found; never the raw body.
pub(crate) fn error_fields(body: &[u8]) -> (String, String) {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
        return (String::new(), String::new());
    };
    let text = |value: Option<&serde_json::Value>| match value {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    match map.get("error") {
        Some(serde_json::Value::Object(error)) => {
            let kind = text(error.get("type"));
            let kind = if kind.is_empty() {
                text(error.get("code"))
            } else {
                kind
            };
            (kind, text(error.get("message")))
        }
        Some(serde_json::Value::String(message)) => (String::new(), message.clone()),
        _ => {
            let message = text(map.get("message"));
            let message = if message.is_empty() {
                text(map.get("detail"))
            } else {
                message
            };
            let kind = text(map.get("type"));
            (if kind == "error" { String::new() } else { kind }, message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ApiKey {
        ApiKey::from_lookup("K", |_| Some("sk-SENTINEL-1".to_owned())).expect("key")
    }

    #[test]
    fn reads_every_error_body_shape() {
        let cases: [(&str, (&str, &str)); 6] = [
            (
                r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"},"request_id":"r"}"#,
                ("rate_limit_error", "slow down"),
            ),
            (
                r#"{"error":{"message":"model does not support tools","type":"api_error","param":null}}"#,
                ("api_error", "model does not support tools"),
            ),
            (
                r#"{"error":{"code":500,"message":"boom"}}"#,
                ("500", "boom"),
            ),
            (r#"{"error":"plain"}"#, ("", "plain")),
            (
                r#"{"object":"error","message":"bad","type":"BadRequestError","code":400}"#,
                ("BadRequestError", "bad"),
            ),
            (r#"{"detail":"Not Found"}"#, ("", "Not Found")),
        ];
        for (body, (kind, message)) in cases {
            let (k, m) = error_fields(body.as_bytes());
            assert_eq!((k.as_str(), m.as_str()), (kind, message), "{body}");
        }
        assert_eq!(
            error_fields(b"<html>x</html>"),
            (String::new(), String::new())
        );
    }

    #[test]
    fn errors_are_redacted_and_capped() {
        let k = key();
        let echo = format!("bad key sk-SENTINEL-1 {}", "x".repeat(1000));
        let errors = [
            LlmError::http(401, "authentication_error", &echo, None, Some(&k)),
            LlmError::stream_error("sk-SENTINEL-1", &echo, Some(&k)),
            LlmError::protocol(&echo, Some(&k)),
            LlmError::Connection(echo.clone()).redacted(Some(&k)),
        ];
        for error in errors {
            let text = format!("{error} {error:?}");
            assert!(!text.contains("SENTINEL"), "{text}");
            assert!(text.len() < 800, "{text}");
        }
    }

    #[test]
    fn codes_are_stable() {
        let http = |status, kind: &str| LlmError::http(status, kind, "", None, None);
        assert_eq!(http(429, "rate_limit_error").code(), "llm_rate_limited");
        assert_eq!(http(529, "").code(), "llm_overloaded");
        assert_eq!(http(500, "overloaded_error").code(), "llm_overloaded");
        assert_eq!(http(400, "invalid_request_error").code(), "llm_http_error");
        assert_eq!(LlmError::Dropped.code(), "stream_dropped");
        assert_eq!(LlmError::Cancelled.code(), "cancelled");
        assert_eq!(LlmError::NotConfigured.code(), "llm_not_configured");
        assert_eq!(
            LlmError::CircuitOpen {
                retry_in: Duration::ZERO
            }
            .code(),
            "llm_circuit_open"
        );
        assert!(http(503, "").is_provider_failure());
        assert!(!http(429, "").is_provider_failure());
        assert!(!http(400, "").is_provider_failure());
        assert!(LlmError::stream_error("overloaded_error", "", None).is_provider_failure());
        assert_eq!(
            http(429, "").to_string(),
            "the LLM provider answered HTTP 429 (http_error): HTTP 429"
        );
    }
}
