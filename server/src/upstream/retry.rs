//! The retry policy: which failures are retried, and how long to wait.
//!
//! Hand-written rather than `backon`: waits must honour `retry-after` and
//! `retry-after-ms` per response, each attempt is logged and counted, and the
//! circuit breaker wraps the whole exchange, which a plain loop shows more
//! clearly than a retry combinator. Backoff uses **full jitter** (a uniform
//! wait between zero and `min(cap, base * 2^retry)`), drawn from a seeded
//! generator so a sequence of waits can be repeated. This file decides; it
//! must not sleep, send requests or read the clock itself.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

use super::settings::UpstreamSettings;

/// Why an attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptFailure {
    /// The upstream answered with this non-success HTTP status, and maybe a
    /// `retry-after`.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The wait the upstream asked for, if any.
        retry_after: Option<Duration>,
    },
    /// The attempt ran past the request timeout.
    Timeout,
    /// The connection could not be made or broke off.
    Connection,
    /// Anything else (bad response body, a redirect, a local error): never retried.
    Other,
}

/// Whether a status is worth retrying: 408, 429 and every 5xx. Other 4xx
/// are the request's fault and never retried.
pub fn is_retryable_status(status: u16) -> bool {
    status == 408 || status == 429 || (500..=599).contains(&status)
}

impl AttemptFailure {
    /// Whether another attempt may succeed.
    pub fn is_retryable(self) -> bool {
        match self {
            Self::Status { status, .. } => is_retryable_status(status),
            Self::Timeout | Self::Connection => true,
            Self::Other => false,
        }
    }
}

/// Attempts, backoff and the cap on server-requested waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base: Duration,
    cap: Duration,
    max_retry_after: Duration,
}

impl RetryPolicy {
    /// A policy with `max_attempts` (the first included, at least 1),
    /// backoff from `base` doubling up to `cap`, and server-requested waits
    /// cut to `max_retry_after`.
    pub fn new(
        max_attempts: u32,
        base: Duration,
        cap: Duration,
        max_retry_after: Duration,
    ) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            base,
            cap,
            max_retry_after,
        }
    }

    /// The policy described by `settings`.
    pub fn from_settings(settings: &UpstreamSettings) -> Self {
        Self::new(
            settings.max_attempts,
            settings.backoff_base,
            settings.backoff_cap,
            settings.max_retry_after,
        )
    }

    /// Attempts allowed per request, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before the attempt after `attempt` (1-based) failed with
    /// `failure`, or `None` to give up: the failure is not retryable or the
    /// attempts are spent. A server-requested wait wins over backoff, cut
    /// to the cap.
    pub fn next_wait(
        &self,
        attempt: u32,
        failure: AttemptFailure,
        rng: &mut JitterRng,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts || !failure.is_retryable() {
            return None;
        }
        if let AttemptFailure::Status {
            retry_after: Some(wait),
            ..
        } = failure
        {
            return Some(wait.min(self.max_retry_after));
        }
        Some(self.backoff(attempt, rng))
    }

    /// The full-jitter backoff after the `retry`-th failure (1-based):
    /// uniform in `[0, min(cap, base * 2^(retry - 1))]`.
    pub fn backoff(&self, retry: u32, rng: &mut JitterRng) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        let ceiling = self.base.saturating_mul(1u32 << exponent).min(self.cap);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        let draw = rng.next_u64() % nanos.saturating_add(1);
        Duration::from_nanos(draw)
    }
}

/// A small seeded generator (SplitMix64) for jitter; not for secrets.
#[derive(Debug, Clone)]
pub struct JitterRng(u64);

impl JitterRng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next pseudo-random number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The wait a response asks for: `retry-after-ms` (milliseconds) first,
/// then `retry-after` as seconds or as an HTTP date (counted from `now`; a
/// date in the past means no wait). Unparseable values are ignored.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = text("retry-after-ms").and_then(parse_non_negative) {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = text("retry-after")?;
    if let Some(seconds) = parse_non_negative(value) {
        return Some(Duration::from_secs_f64(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A finite, non-negative number no larger than a day (larger asks are
/// nonsense and would overflow nothing useful), or `None`.
fn parse_non_negative(text: &str) -> Option<f64> {
    let value: f64 = text.parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some(value.min(86_400_000.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn policy() -> RetryPolicy {
        RetryPolicy::new(
            3,
            Duration::from_millis(100),
            Duration::from_millis(300),
            Duration::from_secs(2),
        )
    }

    fn status(status: u16) -> AttemptFailure {
        AttemptFailure::Status {
            status,
            retry_after: None,
        }
    }

    #[test]
    fn retries_429_408_5xx_and_transport_errors_only() {
        for s in [408, 429, 500, 502, 503, 504, 599] {
            assert!(status(s).is_retryable(), "{s}");
        }
        for s in [400, 401, 403, 404, 405, 409, 410, 422] {
            assert!(!status(s).is_retryable(), "{s}");
        }
        assert!(AttemptFailure::Timeout.is_retryable());
        assert!(AttemptFailure::Connection.is_retryable());
        assert!(!AttemptFailure::Other.is_retryable());
    }

    #[test]
    fn stops_after_max_attempts() {
        let mut rng = JitterRng::new(1);
        let p = policy();
        assert!(p.next_wait(1, status(500), &mut rng).is_some());
        assert!(p.next_wait(2, status(500), &mut rng).is_some());
        assert!(p.next_wait(3, status(500), &mut rng).is_none());
        assert!(p.next_wait(1, status(401), &mut rng).is_none());
        assert_eq!(
            RetryPolicy::new(0, Duration::ZERO, Duration::ZERO, Duration::ZERO).max_attempts(),
            1
        );
    }

    #[test]
    fn full_jitter_stays_under_the_capped_ceiling_and_repeats_by_seed() {
        let p = policy();
        let mut rng = JitterRng::new(7);
        for retry in 1..=40 {
            let ceiling = Duration::from_millis(100 * (1u64 << (retry - 1).min(20)))
                .min(Duration::from_millis(300));
            assert!(p.backoff(retry, &mut rng) <= ceiling);
        }
        let a: Vec<_> = (1..5)
            .map(|r| p.backoff(r, &mut JitterRng::new(9)))
            .collect();
        let b: Vec<_> = (1..5)
            .map(|r| p.backoff(r, &mut JitterRng::new(9)))
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn retry_after_wins_and_is_capped() {
        let p = policy();
        let mut rng = JitterRng::new(1);
        let asked = |secs| AttemptFailure::Status {
            status: 429,
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(
            p.next_wait(1, asked(1), &mut rng),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            p.next_wait(1, asked(60), &mut rng),
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn parses_retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, now), None);
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(3)));
        h.insert("retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_millis(1500)));
        h.remove("retry-after-ms");
        let later = httpdate::fmt_http_date(now + Duration::from_secs(42));
        h.insert("retry-after", HeaderValue::from_str(&later).expect("ascii"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(42)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(42));
        h.insert(
            "retry-after",
            HeaderValue::from_str(&earlier).expect("ascii"),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::ZERO));
        for junk in ["-1", "soon", "NaN", "inf"] {
            h.insert("retry-after", HeaderValue::from_static(junk));
            assert_eq!(retry_after(&h, now), None, "{junk}");
        }
    }
}
