//! Counters of upstream traffic per provider, for metrics.
//!
//! Plain atomics, written by the clients and read through
//! [`UpstreamStats::snapshot`]; exporting them (Prometheus) is someone
//! else's job. Nothing here formats, logs or exports.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};

use super::breaker::BreakerState;
use super::provider::Provider;

/// Counters for one provider.
#[derive(Debug, Default)]
pub struct ProviderStats {
    calls: AtomicU64,
    requests: AtomicU64,
    retries: AtomicU64,
    failures: AtomicU64,
    circuit_rejections: AtomicU64,
    breaker_state: AtomicU8,
}

/// Counters for every provider. Share one with both clients through an
/// `Arc` (see the clients' `with_stats`).
#[derive(Debug, Default)]
pub struct UpstreamStats {
    polygon: ProviderStats,
    fred: ProviderStats,
}

/// The counters of one provider at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderSnapshot {
    /// Guarded exchanges started (one per page fetched, retries included in
    /// one exchange), refused ones not counted.
    pub calls: u64,
    /// HTTP requests actually sent (every attempt).
    pub requests: u64,
    /// Attempts after the first.
    pub retries: u64,
    /// Exchanges that ended in an error, client errors included.
    pub failures: u64,
    /// Exchanges refused by the open circuit breaker, with no request sent.
    pub circuit_rejections: u64,
    /// The breaker's state as last seen by a call (an open breaker whose
    /// cool-down passed shows as open until the next call).
    pub breaker_state: BreakerState,
}

/// Every provider's counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpstreamStatsSnapshot {
    /// Polygon's counters.
    pub polygon: ProviderSnapshot,
    /// FRED's counters.
    pub fred: ProviderSnapshot,
}

impl UpstreamStatsSnapshot {
    /// The counters of `provider`.
    pub fn get(&self, provider: Provider) -> ProviderSnapshot {
        match provider {
            Provider::Polygon => self.polygon,
            Provider::Fred => self.fred,
        }
    }
}

impl UpstreamStats {
    /// All counters at zero, every breaker closed.
    pub fn new() -> Self {
        Self::default()
    }

    /// The counters of `provider`.
    pub fn provider(&self, provider: Provider) -> &ProviderStats {
        match provider {
            Provider::Polygon => &self.polygon,
            Provider::Fred => &self.fred,
        }
    }

    /// A copy of every counter.
    pub fn snapshot(&self) -> UpstreamStatsSnapshot {
        UpstreamStatsSnapshot {
            polygon: self.polygon.snapshot(),
            fred: self.fred.snapshot(),
        }
    }
}

impl ProviderStats {
    /// A copy of the counters.
    pub fn snapshot(&self) -> ProviderSnapshot {
        ProviderSnapshot {
            calls: self.calls.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            circuit_rejections: self.circuit_rejections.load(Ordering::Relaxed),
            breaker_state: BreakerState::from_u8(self.breaker_state.load(Ordering::Relaxed)),
        }
    }

    pub(crate) fn add_call(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_request(&self, attempt: u32) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if attempt > 1 {
            self.retries.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn add_failure(&self) {
        self.failures.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_circuit_rejection(&self) {
        self.circuit_rejections.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn set_breaker_state(&self, state: BreakerState) {
        self.breaker_state.store(state.as_u8(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_provider() {
        let stats = UpstreamStats::new();
        let p = stats.provider(Provider::Polygon);
        p.add_call();
        p.add_request(1);
        p.add_request(2);
        p.add_failure();
        p.set_breaker_state(BreakerState::Open);
        stats.provider(Provider::Fred).add_circuit_rejection();
        let snap = stats.snapshot();
        assert_eq!(
            snap.get(Provider::Polygon),
            ProviderSnapshot {
                calls: 1,
                requests: 2,
                retries: 1,
                failures: 1,
                circuit_rejections: 0,
                breaker_state: BreakerState::Open,
            }
        );
        assert_eq!(snap.fred.circuit_rejections, 1);
        assert_eq!(snap.fred.breaker_state, BreakerState::Closed);
    }
}
