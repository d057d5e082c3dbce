//! Rate limits: a keyed GCRA limiter (the `governor` crate) per class of
//! route. Login is limited per client IP and per account name; expensive
//! routes (data fetches, uploads, recorded results) per user.

use std::net::SocketAddr;
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::problem::Problem;

/// Requests allowed per minute for each class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSettings {
    /// Login attempts per minute per IP and per account name.
    pub login_per_minute: u32,
    /// Expensive requests per minute per user.
    pub expensive_per_minute: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            login_per_minute: 10,
            expensive_per_minute: 120,
        }
    }
}

/// The limiters, shared by all requests.
pub struct RateLimits {
    login: DefaultKeyedRateLimiter<String>,
    expensive: DefaultKeyedRateLimiter<String>,
}

impl RateLimits {
    /// Limiters with `settings` (zero counts as one).
    pub fn new(settings: LimitSettings) -> Self {
        let quota = |per_minute: u32| {
            Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN))
        };
        Self {
            login: DefaultKeyedRateLimiter::keyed(quota(settings.login_per_minute)),
            expensive: DefaultKeyedRateLimiter::keyed(quota(settings.expensive_per_minute)),
        }
    }

    /// Takes one login attempt for `key`, or answers 429.
    pub fn login(&self, key: &str) -> Result<(), Problem> {
        check(&self.login, key)
    }

    /// Takes one expensive request for `key`, or answers 429.
    pub fn expensive(&self, key: &str) -> Result<(), Problem> {
        check(&self.expensive, key)
    }
}

fn check(limiter: &DefaultKeyedRateLimiter<String>, key: &str) -> Result<(), Problem> {
    limiter.check_key(&key.to_string()).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        Problem::rate_limited(wait.as_secs().max(1))
    })?;
    // Forget idle keys now and then so the map cannot grow without bound.
    if limiter.len() > 10_000 {
        limiter.retain_recent();
    }
    Ok(())
}

/// The client's IP address (from the connection, never from headers a
/// client can forge), or `unknown` when served without connection info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_string(), |info| info.0.ip().to_string()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key() {
        let limits = RateLimits::new(LimitSettings {
            login_per_minute: 3,
            expensive_per_minute: 1,
        });
        for _ in 0..3 {
            limits.login("ip:1").unwrap();
        }
        let refused = limits.login("ip:1").unwrap_err();
        assert_eq!(refused.code(), "rate_limited");
        limits.login("ip:2").unwrap();
        limits.expensive("user:1").unwrap();
        assert!(limits.expensive("user:1").is_err());
    }
}
