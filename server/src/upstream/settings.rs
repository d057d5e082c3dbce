//! Tunables of the upstream clients: timeouts, retries, backoff, the circuit
//! breaker, paging bounds and the jitter seed.
//!
//! Plain data with production defaults; nothing here reads the environment
//! or acts on the values.

use std::time::Duration;

/// How an upstream client times, retries and bounds its requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamSettings {
    /// Limit for opening a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Limit for one whole attempt: connect, send, and read the full body.
    pub request_timeout: Duration,
    /// Attempts per request, the first included (0 counts as 1).
    pub max_attempts: u32,
    /// Backoff before the first retry; doubles for each later one.
    pub backoff_base: Duration,
    /// The most any backoff may be, before jitter.
    pub backoff_cap: Duration,
    /// The most the client waits because of a `retry-after` or
    /// `retry-after-ms` header; longer asks are cut to this.
    pub max_retry_after: Duration,
    /// Consecutive failed requests that open the circuit breaker (0 counts as 1).
    pub breaker_threshold: u32,
    /// How long an open breaker refuses calls before letting one probe through.
    pub breaker_cooldown: Duration,
    /// The most pages one call follows (Polygon `next_url`, FRED `offset`);
    /// more is an error rather than a silent truncation (0 counts as 1).
    pub max_pages: u32,
    /// FRED's `limit`: observations asked for per page (1..=100000).
    pub fred_page_limit: u32,
    /// The most bytes read from one response body; more is a protocol error.
    pub max_body_bytes: usize,
    /// Seed of the jitter generator, so backoff sequences can be repeated.
    pub jitter_seed: u64,
    /// Whether to use the proxy named by `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`
    /// (tests against a loopback fake turn it off).
    pub proxy_from_env: bool,
}

impl Default for UpstreamSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            max_attempts: 3,
            backoff_base: Duration::from_millis(250),
            backoff_cap: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(8),
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(30),
            max_pages: 100,
            fred_page_limit: 100_000,
            max_body_bytes: 64 * 1024 * 1024,
            jitter_seed: 0x6d6c_5472_6169_6e72,
            proxy_from_env: true,
        }
    }
}
