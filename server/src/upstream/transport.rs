//! One guarded GET exchange with a provider: circuit breaker, attempts with
//! backoff, body limits, logging and counters. Shared by both clients.
//!
//! It logs the provider, the URL's path (never its query, where FRED's key
//! travels), the status, the attempt and the wait; never a URL with its
//! query, a key, or an upstream body. Errors leave it redacted. It knows
//! nothing about Polygon or FRED payloads: the caller parses the body.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::{Response, Url};

use super::breaker::{CircuitBreaker, Clock, Outcome, SystemClock};
use super::error::UpstreamError;
use super::provider::Provider;
use super::retry::{retry_after, AttemptFailure, JitterRng, RetryPolicy};
use super::secret::{redact, ApiKey};
use super::settings::UpstreamSettings;
use super::stats::{ProviderStats, UpstreamStats};
use super::BreakerState;

/// The most bytes of an error body read to find the provider's message.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// How the key goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyIn {
    /// `Authorization: Bearer KEY` (Polygon).
    BearerHeader,
    /// The caller already put it in the URL's query (FRED); never log the URL.
    Query,
}

/// A failed attempt: why (for the retry policy), and the provider's message.
struct Failed {
    failure: AttemptFailure,
    message: String,
}

/// The guarded HTTP transport of one provider client.
#[derive(Debug)]
pub(crate) struct Transport {
    provider: Provider,
    http: reqwest::Client,
    key: Option<ApiKey>,
    policy: RetryPolicy,
    breaker: CircuitBreaker,
    clock: Arc<dyn Clock>,
    stats: Arc<UpstreamStats>,
    rng: Mutex<JitterRng>,
    max_body_bytes: usize,
    message_fields: &'static [&'static str],
}

impl Transport {
    /// A transport for `provider`; `message_fields` are the JSON fields of
    /// the provider's error bodies that hold a human message, in order.
    pub(crate) fn new(
        provider: Provider,
        key: Option<ApiKey>,
        settings: &UpstreamSettings,
        message_fields: &'static [&'static str],
    ) -> Result<Self, UpstreamError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            // Retrying is ours alone, so attempts are counted and logged.
            .retry(reqwest::retry::never())
            .user_agent(concat!("mlTrainer/", env!("CARGO_PKG_VERSION")));
        if !settings.proxy_from_env {
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|_| {
            UpstreamError::misconfigured(provider, "the HTTP client could not be built", None)
        })?;
        Ok(Self {
            provider,
            http,
            key,
            policy: RetryPolicy::from_settings(settings),
            breaker: CircuitBreaker::new(settings.breaker_threshold, settings.breaker_cooldown),
            clock: Arc::new(SystemClock),
            stats: Arc::new(UpstreamStats::new()),
            rng: Mutex::new(JitterRng::new(settings.jitter_seed)),
            max_body_bytes: settings.max_body_bytes,
            message_fields,
        })
    }

    pub(crate) fn set_stats(&mut self, stats: Arc<UpstreamStats>) {
        self.stats = stats;
    }

    pub(crate) fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = clock;
    }

    pub(crate) fn stats(&self) -> &Arc<UpstreamStats> {
        &self.stats
    }

    pub(crate) fn key(&self) -> Option<&ApiKey> {
        self.key.as_ref()
    }

    pub(crate) fn breaker_state(&self) -> BreakerState {
        self.breaker.state(self.clock.now())
    }

    fn counters(&self) -> &ProviderStats {
        self.stats.provider(self.provider)
    }

    /// GETs `url` through the breaker with retries, and parses a successful
    /// body with `parse` (whose error text becomes a redacted protocol
    /// error). Fails fast with [`UpstreamError::CircuitOpen`] while the
    /// breaker is open, and with [`UpstreamError::NotConfigured`] without a
    /// key; neither sends anything.
    pub(crate) async fn get<T>(
        &self,
        url: &Url,
        key_in: KeyIn,
        parse: impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<T, UpstreamError> {
        let provider = self.provider;
        let Some(key) = self.key.as_ref() else {
            return Err(UpstreamError::NotConfigured { provider });
        };
        let path = redact(url.path(), Some(key));
        let permit = match self.breaker.try_acquire(self.clock.now()) {
            Ok(permit) => permit,
            Err(retry_in) => {
                self.counters().add_circuit_rejection();
                self.counters().set_breaker_state(self.breaker_state());
                tracing::warn!(
                    provider = provider.as_str(),
                    path = %path,
                    retry_in_ms = millis(retry_in),
                    "upstream call refused: circuit open"
                );
                return Err(UpstreamError::CircuitOpen { provider, retry_in });
            }
        };
        self.counters().add_call();
        self.counters().set_breaker_state(self.breaker_state());

        let mut attempt = 0;
        let result = loop {
            attempt += 1;
            self.counters().add_request(attempt);
            let failed = match self.attempt(url, key_in, key).await {
                Ok(body) => {
                    tracing::debug!(
                        provider = provider.as_str(),
                        path = %path,
                        status = 200u16,
                        attempt,
                        bytes = body.len(),
                        "upstream attempt succeeded"
                    );
                    break parse(&body)
                        .map_err(|reason| UpstreamError::protocol(provider, &reason, Some(key)));
                }
                Err(failed) => failed,
            };
            let wait = {
                let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
                self.policy.next_wait(attempt, failed.failure, &mut rng)
            };
            let (status, kind) = describe(failed.failure);
            tracing::warn!(
                provider = provider.as_str(),
                path = %path,
                status,
                failure = kind,
                attempt,
                max_attempts = self.policy.max_attempts(),
                wait_ms = wait.map(millis),
                "upstream attempt failed"
            );
            match wait {
                Some(wait) => tokio::time::sleep(wait).await,
                None => break Err(self.final_error(failed, attempt)),
            }
        };

        let outcome = match &result {
            Err(error) if error.is_provider_failure() => Outcome::Failure,
            _ => Outcome::Success,
        };
        permit.record(outcome, self.clock.now());
        self.counters().set_breaker_state(self.breaker_state());
        result.map_err(|error| {
            self.counters().add_failure();
            error.redacted(Some(key))
        })
    }

    /// One request and its body.
    async fn attempt(&self, url: &Url, key_in: KeyIn, key: &ApiKey) -> Result<Vec<u8>, Failed> {
        let mut request = self.http.get(url.clone());
        if key_in == KeyIn::BearerHeader {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", key.expose())).map_err(|_| Failed {
                    failure: AttemptFailure::Other,
                    message: "the API key is not a valid header value".to_owned(),
                })?;
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        let response = request.send().await.map_err(transport_failure)?;
        let status = response.status();
        if status.is_success() {
            return read_body(response, self.max_body_bytes).await;
        }
        if status.is_redirection() || status.is_informational() {
            return Err(Failed {
                failure: AttemptFailure::Other,
                message: format!(
                    "unexpected HTTP {} (redirects are not followed)",
                    status.as_u16()
                ),
            });
        }
        let wait = retry_after(response.headers(), SystemTime::now());
        // The body only serves to find the provider's message; a body that
        // cannot be read leaves the message empty.
        let body = read_body(response, MAX_ERROR_BODY)
            .await
            .unwrap_or_default();
        Err(Failed {
            failure: AttemptFailure::Status {
                status: status.as_u16(),
                retry_after: wait,
            },
            message: message_of(&body, self.message_fields),
        })
    }

    fn final_error(&self, failed: Failed, attempts: u32) -> UpstreamError {
        let provider = self.provider;
        let key = self.key.as_ref();
        match failed.failure {
            AttemptFailure::Status {
                status,
                retry_after,
            } => UpstreamError::from_status(
                provider,
                status,
                &failed.message,
                retry_after,
                attempts,
                key,
            ),
            AttemptFailure::Timeout => UpstreamError::Timeout { provider, attempts },
            AttemptFailure::Connection => UpstreamError::Unavailable {
                provider,
                status: None,
                attempts,
                reason: redact(&failed.message, key),
            },
            AttemptFailure::Other => UpstreamError::protocol(provider, &failed.message, key),
        }
    }
}

/// Reads at most `limit` bytes of body; more is a protocol failure.
async fn read_body(mut response: Response, limit: usize) -> Result<Vec<u8>, Failed> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_failure)? {
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(Failed {
                failure: AttemptFailure::Other,
                message: format!("the answer is larger than {limit} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A reqwest error as an attempt failure. The error's own text is not kept:
/// it can carry the URL, and with it FRED's key.
fn transport_failure(error: reqwest::Error) -> Failed {
    let error = error.without_url();
    if error.is_timeout() {
        Failed {
            failure: AttemptFailure::Timeout,
            message: "timed out".to_owned(),
        }
    } else if error.is_connect() {
        Failed {
            failure: AttemptFailure::Connection,
            message: "could not connect".to_owned(),
        }
    } else if error.is_request() || error.is_body() {
        Failed {
            failure: AttemptFailure::Connection,
            message: "the connection failed".to_owned(),
        }
    } else {
        Failed {
            failure: AttemptFailure::Other,
            message: "the request could not be made".to_owned(),
        }
    }
}

/// The first of `fields` that is a string in `body`'s top-level JSON
/// object, else empty. Never the raw body.
fn message_of(body: &[u8], fields: &[&str]) -> String {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
        return String::new();
    };
    fields
        .iter()
        .find_map(|field| map.get(*field).and_then(serde_json::Value::as_str))
        .unwrap_or_default()
        .to_owned()
}

/// The status (0 without one) and a word for the log.
fn describe(failure: AttemptFailure) -> (u16, &'static str) {
    match failure {
        AttemptFailure::Status { status, .. } => (status, "http_status"),
        AttemptFailure::Timeout => (0, "timeout"),
        AttemptFailure::Connection => (0, "connection"),
        AttemptFailure::Other => (0, "unexpected_answer"),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_message_field_only() {
        let body = br#"{"status":"ERROR","request_id":"r1","error":"Unknown API Key"}"#;
        assert_eq!(message_of(body, &["error", "message"]), "Unknown API Key");
        assert_eq!(message_of(b"", &["error"]), "");
        assert_eq!(message_of(b"<html>oops</html>", &["error"]), "");
        assert_eq!(message_of(br#"{"error":5}"#, &["error"]), "");
    }
}
