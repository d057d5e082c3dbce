//! The server's clients for the data providers, Polygon and FRED: retries
//! with backoff, a circuit breaker per client, counters for metrics, and
//! keys that never leave in a log line or an error.
//!
//! ```text
//! PolygonClient::aggregates / FredClient::observations
//!   -> input checks (nothing sent on bad input or without a key)
//!   -> per page: transport: breaker permit -> attempts (retry policy) -> parse
//!   -> UpstreamError (redacted) or the data
//! ```
//!
//! This module fetches and parses only: it must not cache, audit, check
//! compliance or tag provenance (the data proxy does), and must not log a
//! URL's query string, a key or an upstream body.

/// The accessors every provider client has over its `transport` field:
/// `with_stats`, `with_clock`, `is_configured`, `stats`, `breaker_state`.
/// One definition, expanded inside each client's `impl` block (the client's
/// module imports `Arc`, `UpstreamStats`, `Clock` and `BreakerState`).
macro_rules! transport_accessors {
    () => {
        /// Counts into `stats` (shared with other clients) instead of its own.
        pub fn with_stats(mut self, stats: Arc<UpstreamStats>) -> Self {
            self.transport.set_stats(stats);
            self
        }

        /// Reads time for the circuit breaker from `clock` (tests move it by hand).
        pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
            self.transport.set_clock(clock);
            self
        }

        /// Whether a key is configured.
        pub fn is_configured(&self) -> bool {
            self.transport.key().is_some()
        }

        /// The counters this client writes.
        pub fn stats(&self) -> &Arc<UpstreamStats> {
            self.transport.stats()
        }

        /// The circuit breaker's state now.
        pub fn breaker_state(&self) -> BreakerState {
            self.transport.breaker_state()
        }
    };
}
pub(crate) use transport_accessors;

mod breaker;
mod error;
mod fred;
mod input;
mod polygon;
mod provider;
mod retry;
mod secret;
mod settings;
mod stats;
mod transport;

pub use breaker::{BreakerState, CircuitBreaker, Clock, ManualClock, Outcome, Permit, SystemClock};
pub(crate) use error::clean;
pub use error::{UpstreamError, MAX_MESSAGE_CHARS};
pub use fred::{FredClient, FredObservations, MAX_PAGE_LIMIT as FRED_MAX_PAGE_LIMIT};
pub use polygon::{PolygonBar, PolygonClient, Timespan, PAGE_LIMIT as POLYGON_PAGE_LIMIT};
pub use provider::Provider;
pub use retry::{is_retryable_status, retry_after, AttemptFailure, JitterRng, RetryPolicy};
pub(crate) use secret::key_forms;
pub use secret::{redact, ApiKey, FRED_KEY_ENV, POLYGON_KEY_ENV, REDACTED};
pub use settings::UpstreamSettings;
pub use stats::{ProviderSnapshot, ProviderStats, UpstreamStats, UpstreamStatsSnapshot};

use reqwest::Url;

/// `base_url` checked as a client's base: absolute http(s) with a host, and
/// no query, fragment or credentials.
fn parse_base_url(provider: Provider, base_url: &str) -> Result<Url, UpstreamError> {
    let bad = |reason: &str| UpstreamError::misconfigured(provider, reason, None);
    let url = Url::parse(base_url).map_err(|_| bad("the base URL does not parse"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad("the base URL must be http(s) with a host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("the base URL must not have a query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("the base URL must not carry credentials"));
    }
    Ok(url)
}

/// A JSON error described by kind and position only: serde's own message
/// can quote the body.
pub(crate) fn json_error(what: &str, error: &serde_json::Error) -> String {
    let kind = match error.classify() {
        serde_json::error::Category::Io => "unreadable",
        serde_json::error::Category::Syntax => "malformed",
        serde_json::error::Category::Data => "wrongly shaped",
        serde_json::error::Category::Eof => "truncated",
    };
    format!(
        "{kind} {what} JSON at line {}, column {}",
        error.line(),
        error.column()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Handlers run the calls on a multi-threaded runtime: the futures and
    /// clients must be `Send` (and the clients `Sync`).
    #[test]
    fn clients_and_their_futures_are_send() {
        fn send<T: Send>(_: &T) {}
        fn sync<T: Sync>() {}
        sync::<PolygonClient>();
        sync::<FredClient>();
        let settings = UpstreamSettings::default();
        let polygon = PolygonClient::new(PolygonClient::DEFAULT_BASE_URL, None, settings.clone())
            .expect("valid base");
        send(&polygon.aggregates("AAPL", 1, Timespan::Day, "2024-01-01", "2024-01-02"));
        let fred =
            FredClient::new(FredClient::DEFAULT_BASE_URL, None, settings).expect("valid base");
        send(&fred.observations("DGS10", None, None));
    }

    #[test]
    fn base_urls() {
        assert!(parse_base_url(Provider::Fred, "https://api.stlouisfed.org").is_ok());
        assert!(parse_base_url(Provider::Fred, "http://127.0.0.1:1234/").is_ok());
        for bad in [
            "ftp://x",
            "not a url",
            "https://x/?a=1",
            "https://u:p@x/",
            "https://x/#f",
        ] {
            assert!(parse_base_url(Provider::Fred, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn json_errors_do_not_quote_the_body() {
        let error = serde_json::from_str::<Vec<f64>>(r#"["SECRET"]"#).expect_err("wrong type");
        let text = json_error("test", &error);
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.starts_with("wrongly shaped test JSON"), "{text}");
    }
}
