//! The circuit breaker guarding one provider, and the clock it reads.
//!
//! Closed: requests flow; `threshold` consecutive failures open it. Open:
//! requests fail fast, with no network call, until the cool-down has passed.
//! Half-open: exactly one probe goes through; its success closes the
//! breaker, its failure opens it again for a fresh cool-down. Failures are
//! what the caller records as such (spent retries, 5xx, connection errors,
//! timeouts); a client error (4xx) shows the provider is up and counts as a
//! success. Time is passed in as an [`Instant`], so the state machine is
//! tested without sleeping. This file must not send requests or sleep.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Where time comes from for the clients; swap in [`ManualClock`] in tests.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The real monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that moves only when told to, for deterministic tests.
#[derive(Debug)]
pub struct ManualClock {
    start: Instant,
    elapsed: Mutex<Duration>,
}

impl ManualClock {
    /// A clock standing at the moment of creation.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            elapsed: Mutex::new(Duration::ZERO),
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut elapsed = self.elapsed.lock().unwrap_or_else(PoisonError::into_inner);
        *elapsed = elapsed.saturating_add(by);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        let elapsed = *self.elapsed.lock().unwrap_or_else(PoisonError::into_inner);
        self.start.checked_add(elapsed).unwrap_or(self.start)
    }
}

/// The breaker's state, as exported to metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Requests flow normally.
    Closed,
    /// Requests fail fast until the cool-down passes.
    Open,
    /// The cool-down has passed; one probe may go through.
    HalfOpen,
}

impl BreakerState {
    /// `closed`, `open` or `half_open`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }

    /// A gauge value: 0 closed, 1 open, 2 half-open.
    pub fn as_u8(self) -> u8 {
        match self {
            Self::Closed => 0,
            Self::Open => 1,
            Self::HalfOpen => 2,
        }
    }

    /// The inverse of [`Self::as_u8`]; unknown values read as closed.
    pub fn from_u8(value: u8) -> Self {
        match value {
            1 => Self::Open,
            2 => Self::HalfOpen,
            _ => Self::Closed,
        }
    }
}

/// What one guarded request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The provider answered (a success, or a client error).
    Success,
    /// The provider failed (spent retries, 5xx, connection error, timeout).
    Failure,
}

#[derive(Debug, Clone, Copy)]
enum Inner {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probing: bool },
}

/// A circuit breaker for one provider. Shared by reference; internally locked.
#[derive(Debug)]
pub struct CircuitBreaker {
    threshold: u32,
    cooldown: Duration,
    inner: Mutex<Inner>,
}

impl CircuitBreaker {
    /// A closed breaker that opens after `threshold` consecutive failures
    /// (at least 1) and stays open for `cooldown`.
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            cooldown,
            inner: Mutex::new(Inner::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The state at `now`: an open breaker whose cool-down has passed reads
    /// as half-open.
    pub fn state(&self, now: Instant) -> BreakerState {
        match *self.lock() {
            Inner::Closed { .. } => BreakerState::Closed,
            Inner::Open { until } if now < until => BreakerState::Open,
            Inner::Open { .. } | Inner::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Asks to send a request at `now`. Closed: granted. Open within the
    /// cool-down: refused with the time left. Open after it, or half-open
    /// with no probe out: granted as the probe. Half-open with a probe out:
    /// refused with zero time left (try again once the probe is back).
    pub fn try_acquire(&self, now: Instant) -> Result<Permit<'_>, Duration> {
        let mut inner = self.lock();
        match *inner {
            Inner::Closed { .. } => Ok(Permit {
                breaker: self,
                probe: false,
                done: false,
            }),
            Inner::Open { until } if now < until => Err(until.saturating_duration_since(now)),
            Inner::Open { .. } | Inner::HalfOpen { probing: false } => {
                *inner = Inner::HalfOpen { probing: true };
                Ok(Permit {
                    breaker: self,
                    probe: true,
                    done: false,
                })
            }
            Inner::HalfOpen { probing: true } => Err(Duration::ZERO),
        }
    }

    fn record(&self, probe: bool, outcome: Outcome, now: Instant) {
        let mut inner = self.lock();
        let open = Inner::Open {
            until: now.checked_add(self.cooldown).unwrap_or(now),
        };
        *inner = match (*inner, outcome) {
            (_, Outcome::Success) => Inner::Closed { failures: 0 },
            (Inner::Closed { failures }, Outcome::Failure) => {
                let failures = failures.saturating_add(1);
                if failures >= self.threshold {
                    open
                } else {
                    Inner::Closed { failures }
                }
            }
            (Inner::HalfOpen { .. }, Outcome::Failure) if probe => open,
            // A late answer from before the breaker opened changes nothing.
            (state, Outcome::Failure) => state,
        };
    }

    fn release_probe(&self) {
        let mut inner = self.lock();
        if let Inner::HalfOpen { probing: true } = *inner {
            *inner = Inner::HalfOpen { probing: false };
        }
    }
}

/// Leave to send one request; report how it went with [`Permit::record`].
/// Dropped unreported (the call was cancelled), a probe frees the slot for
/// the next caller and nothing else changes.
#[derive(Debug)]
#[must_use = "report the outcome with Permit::record"]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    probe: bool,
    done: bool,
}

impl Permit<'_> {
    /// Whether this permit is the half-open probe.
    pub fn is_probe(&self) -> bool {
        self.probe
    }

    /// Reports the request's outcome at `now`.
    pub fn record(mut self, outcome: Outcome, now: Instant) {
        self.done = true;
        self.breaker.record(self.probe, outcome, now);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.done && self.probe {
            self.breaker.release_probe();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COOL: Duration = Duration::from_secs(30);

    fn fail(b: &CircuitBreaker, now: Instant) {
        b.try_acquire(now)
            .expect("granted")
            .record(Outcome::Failure, now);
    }

    #[test]
    fn opens_after_threshold_consecutive_failures() {
        let t0 = Instant::now();
        let b = CircuitBreaker::new(3, COOL);
        fail(&b, t0);
        fail(&b, t0);
        assert_eq!(b.state(t0), BreakerState::Closed);
        fail(&b, t0);
        assert_eq!(b.state(t0), BreakerState::Open);
        assert_eq!(b.try_acquire(t0).err(), Some(COOL));
        let later = t0 + Duration::from_secs(10);
        assert_eq!(b.try_acquire(later).err(), Some(Duration::from_secs(20)));
    }

    #[test]
    fn a_success_resets_the_count() {
        let t0 = Instant::now();
        let b = CircuitBreaker::new(2, COOL);
        fail(&b, t0);
        b.try_acquire(t0)
            .expect("granted")
            .record(Outcome::Success, t0);
        fail(&b, t0);
        assert_eq!(b.state(t0), BreakerState::Closed);
    }

    #[test]
    fn half_open_lets_one_probe_and_success_closes() {
        let t0 = Instant::now();
        let b = CircuitBreaker::new(1, COOL);
        fail(&b, t0);
        let t1 = t0 + COOL;
        assert_eq!(b.state(t1), BreakerState::HalfOpen);
        let probe = b.try_acquire(t1).expect("probe granted");
        assert!(probe.is_probe());
        assert_eq!(b.try_acquire(t1).err(), Some(Duration::ZERO));
        probe.record(Outcome::Success, t1);
        assert_eq!(b.state(t1), BreakerState::Closed);
        assert!(!b.try_acquire(t1).expect("closed").is_probe());
    }

    #[test]
    fn failed_probe_reopens_for_a_fresh_cooldown() {
        let t0 = Instant::now();
        let b = CircuitBreaker::new(1, COOL);
        fail(&b, t0);
        let t1 = t0 + COOL + Duration::from_secs(1);
        b.try_acquire(t1)
            .expect("probe")
            .record(Outcome::Failure, t1);
        assert_eq!(b.state(t1), BreakerState::Open);
        assert_eq!(b.try_acquire(t1).err(), Some(COOL));
    }

    #[test]
    fn a_dropped_probe_frees_the_slot() {
        let t0 = Instant::now();
        let b = CircuitBreaker::new(1, COOL);
        fail(&b, t0);
        let t1 = t0 + COOL;
        drop(b.try_acquire(t1).expect("probe"));
        assert_eq!(b.state(t1), BreakerState::HalfOpen);
        assert!(b.try_acquire(t1).expect("probe again").is_probe());
    }

    #[test]
    fn late_failures_from_closed_permits_do_not_extend_an_open_breaker() {
        let t0 = Instant::now();
        let b = CircuitBreaker::new(1, COOL);
        let early = b.try_acquire(t0).expect("granted");
        fail(&b, t0);
        early.record(Outcome::Failure, t0 + Duration::from_secs(20));
        assert_eq!(b.try_acquire(t0).err(), Some(COOL));
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new();
        let a = clock.now();
        assert_eq!(clock.now(), a);
        clock.advance(Duration::from_secs(5));
        assert_eq!(clock.now() - a, Duration::from_secs(5));
        assert_eq!(
            BreakerState::from_u8(BreakerState::HalfOpen.as_u8()),
            BreakerState::HalfOpen
        );
    }
}
