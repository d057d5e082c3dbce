//! The Polygon client against a fake Polygon on 127.0.0.1: pagination,
//! retries, the circuit breaker, timeouts, error mapping, and that the key
//! never shows in an error or a log line.

#[path = "common/fake_upstream.rs"]
mod fake_upstream;

use std::sync::Arc;
use std::time::Duration;

use fake_upstream::{assert_no_key, capture_logs, fast_settings, sentinel_key, Fake, LogBuffer};
use server::upstream::{
    BreakerState, ManualClock, PolygonBar, PolygonClient, Timespan, UpstreamError, UpstreamSettings,
};

struct Setup {
    fake: Fake,
    client: PolygonClient,
    logs: LogBuffer,
    _guard: tracing::subscriber::DefaultGuard,
}

async fn setup(settings: UpstreamSettings) -> Setup {
    let (logs, guard) = capture_logs();
    let fake = fake_upstream::start().await;
    let client = PolygonClient::new(&fake.base, sentinel_key(), settings).expect("valid base");
    Setup {
        fake,
        client,
        logs,
        _guard: guard,
    }
}

impl Setup {
    async fn bars(&self, ticker: &str) -> Result<Vec<PolygonBar>, UpstreamError> {
        self.client
            .aggregates(ticker, 1, Timespan::Day, "2024-01-01", "2024-01-31")
            .await
    }

    async fn error(&self, ticker: &str) -> UpstreamError {
        let error = self.bars(ticker).await.expect_err("the call fails");
        assert_no_key(&format!("{error} {error:?} {:?}", error.problem()));
        error
    }

    /// The logs hold upstream events, but no key and no query string.
    fn check_logs(&self) {
        let logs = self.logs.contents();
        assert_no_key(&logs);
        assert!(
            logs.contains("provider=\"polygon\""),
            "no upstream events in: {logs}"
        );
        for query in ["cursor=", "limit=50000", "adjusted=", "apiKey"] {
            assert!(!logs.contains(query), "query {query} logged: {logs}");
        }
    }
}

#[tokio::test]
async fn pagination_fetches_every_bar_in_order_with_the_key_on_each_page() {
    let s = setup(fast_settings()).await;
    let bars = s.bars("PAGED").await.expect("three pages");
    let times: Vec<i64> = bars.iter().map(|b| b.t).collect();
    assert_eq!(times, [1, 2, 3, 4, 5]);
    assert_eq!(
        bars[2],
        PolygonBar {
            t: 3,
            o: 3.0,
            h: 4.0,
            l: 2.0,
            c: 3.5,
            v: 3000.0,
            vw: Some(3.25),
            n: Some(30)
        }
    );
    assert_eq!(s.fake.seen.hits("PAGED"), 3);
    assert_eq!(s.fake.seen.keyed(), 3, "the key goes with every page");
    assert_eq!(
        s.fake.seen.misplaced_key(),
        0,
        "the key never goes in a URL"
    );
    let stats = s.client.stats().snapshot().polygon;
    assert_eq!((stats.calls, stats.requests, stats.failures), (3, 3, 0));
    s.check_logs();
}

#[tokio::test]
async fn missing_results_are_zero_bars() {
    let s = setup(fast_settings()).await;
    assert_eq!(s.bars("EMPTY").await.expect("ok"), []);
}

#[tokio::test]
async fn rate_limit_is_retried_honouring_retry_after() {
    let s = setup(fast_settings()).await;
    for ticker in ["RATE", "RATEEMPTY"] {
        let bars = s
            .bars(ticker)
            .await
            .expect("succeeds on the second attempt");
        assert_eq!(bars.len(), 1);
        assert_eq!(s.fake.seen.hits(ticker), 2, "{ticker}");
    }
    // retry-after: 1 cut to max_retry_after (5 ms); backoff alone is at most 4 ms.
    let logs = s.logs.contents();
    assert_eq!(logs.matches("wait_ms=5").count(), 2, "{logs}");
    assert!(logs.contains("status=429"), "{logs}");
    assert_eq!(s.client.stats().snapshot().polygon.retries, 2);
    s.check_logs();
}

#[tokio::test]
async fn rate_limit_that_persists_is_rate_limited() {
    let s = setup(fast_settings()).await;
    let error = s.error("ALWAYSRATE").await;
    assert_eq!(
        error,
        UpstreamError::RateLimited {
            provider: server::upstream::Provider::Polygon,
            retry_after: Some(Duration::ZERO)
        }
    );
    assert_eq!(error.code(), "upstream_rate_limited");
    assert_eq!(s.fake.seen.hits("ALWAYSRATE"), 3);
    s.check_logs();
}

#[tokio::test]
async fn client_errors_are_not_retried_and_do_not_echo_the_key() {
    let s = setup(fast_settings()).await;
    let unauthorized = s.error("UNAUTH").await;
    assert!(
        matches!(&unauthorized, UpstreamError::Unauthorized { message, .. } if message.contains("Unknown API Key")),
        "{unauthorized:?}"
    );
    assert!(unauthorized.to_string().contains("[redacted]"));
    let forbidden = s.error("FORBID").await;
    assert!(
        matches!(&forbidden, UpstreamError::Forbidden { message, .. } if message.contains("not entitled")),
        "{forbidden:?}"
    );
    let not_found = s.error("NOPE").await;
    assert_eq!(not_found.code(), "upstream_not_found");
    for ticker in ["UNAUTH", "FORBID", "NOPE"] {
        assert_eq!(s.fake.seen.hits(ticker), 1, "{ticker} was retried");
    }
    // Client errors show the provider is up: the breaker stays closed.
    assert_eq!(s.client.breaker_state(), BreakerState::Closed);
    s.check_logs();
}

#[tokio::test]
async fn server_errors_are_retried_up_to_max_attempts() {
    let s = setup(fast_settings()).await;
    let bars = s.bars("FLAKY").await.expect("third attempt succeeds");
    assert_eq!(bars[0].t, 9);
    assert_eq!(s.fake.seen.hits("FLAKY"), 3);

    let error = s.error("DOWN").await;
    assert!(
        matches!(
            error,
            UpstreamError::Unavailable {
                status: Some(502),
                attempts: 3,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(s.fake.seen.hits("DOWN"), 3);
    s.check_logs();
}

#[tokio::test]
async fn the_circuit_opens_fails_fast_and_a_probe_closes_it() {
    let settings = UpstreamSettings {
        max_attempts: 1,
        breaker_threshold: 2,
        breaker_cooldown: Duration::from_secs(30),
        ..fast_settings()
    };
    let (logs, _guard) = capture_logs();
    let fake = fake_upstream::start().await;
    let clock = Arc::new(ManualClock::new());
    let client = PolygonClient::new(&fake.base, sentinel_key(), settings)
        .expect("valid base")
        .with_clock(clock.clone());
    let call = |ticker: &'static str| {
        client.aggregates(ticker, 1, Timespan::Day, "2024-01-01", "2024-01-31")
    };

    for _ in 0..2 {
        assert_eq!(
            call("DOWN").await.expect_err("down").code(),
            "upstream_unavailable"
        );
    }
    assert_eq!(client.breaker_state(), BreakerState::Open);
    let before = fake.seen.total();
    for ticker in ["DOWN", "AAPL", "DOWN"] {
        let error = call(ticker).await.expect_err("open");
        assert_eq!(
            error,
            UpstreamError::CircuitOpen {
                provider: server::upstream::Provider::Polygon,
                retry_in: Duration::from_secs(30)
            }
        );
        assert_eq!(error.http_status(), 503);
    }
    assert_eq!(
        fake.seen.total(),
        before,
        "no request reaches an open circuit"
    );
    let stats = client.stats().snapshot().polygon;
    assert_eq!(stats.circuit_rejections, 3);
    assert_eq!(stats.breaker_state, BreakerState::Open);

    // After the cool-down one probe goes through; a failing probe reopens.
    clock.advance(Duration::from_secs(30));
    assert_eq!(client.breaker_state(), BreakerState::HalfOpen);
    assert_eq!(
        call("DOWN").await.expect_err("probe fails").code(),
        "upstream_unavailable"
    );
    assert_eq!(client.breaker_state(), BreakerState::Open);
    assert_eq!(fake.seen.total(), before + 1);

    // A succeeding probe closes it.
    clock.advance(Duration::from_secs(30));
    assert_eq!(call("AAPL").await.expect("probe succeeds").len(), 1);
    assert_eq!(client.breaker_state(), BreakerState::Closed);
    assert_eq!(
        client.stats().snapshot().polygon.breaker_state,
        BreakerState::Closed
    );
    assert_eq!(call("AAPL").await.expect("closed").len(), 1);
    assert_no_key(&logs.contents());
}

#[tokio::test]
async fn a_hang_is_a_timeout() {
    let settings = UpstreamSettings {
        max_attempts: 2,
        request_timeout: Duration::from_millis(200),
        ..fast_settings()
    };
    let s = setup(settings).await;
    let error = s.error("HANG").await;
    assert_eq!(
        error,
        UpstreamError::Timeout {
            provider: server::upstream::Provider::Polygon,
            attempts: 2
        }
    );
    assert_eq!(error.code(), "upstream_timeout");
    assert_eq!(s.fake.seen.hits("HANG"), 2, "timeouts are retried");
    s.check_logs();
}

#[tokio::test]
async fn no_key_means_not_configured_and_nothing_sent() {
    let fake = fake_upstream::start().await;
    let client = PolygonClient::new(&fake.base, None, fast_settings()).expect("valid base");
    assert!(!client.is_configured());
    let error = client
        .aggregates("AAPL", 1, Timespan::Day, "2024-01-01", "2024-01-31")
        .await
        .expect_err("no key");
    assert_eq!(error.code(), "upstream_not_configured");
    assert_eq!(error.http_status(), 503);
    assert_eq!(fake.seen.total(), 0);
}

#[tokio::test]
async fn malformed_answers_are_protocol_errors_without_the_body() {
    let s = setup(fast_settings()).await;
    for ticker in ["BADJSON", "WRONGSHAPE"] {
        let error = s.error(ticker).await;
        assert_eq!(error.code(), "upstream_protocol", "{error:?}");
        assert_eq!(s.fake.seen.hits(ticker), 1, "{ticker} was retried");
    }
    s.check_logs();
}

#[tokio::test]
async fn a_next_url_to_a_foreign_host_is_refused() {
    let s = setup(fast_settings()).await;
    let error = s.error("FOREIGN").await;
    assert!(
        matches!(&error, UpstreamError::Protocol { reason, .. } if reason.contains("outside")),
        "{error:?}"
    );
    assert!(!error.to_string().contains("localhost"), "{error}");
    assert_eq!(s.fake.seen.total(), 1, "the foreign page was not requested");
    s.check_logs();
}

#[tokio::test]
async fn pages_are_bounded() {
    let settings = UpstreamSettings {
        max_pages: 4,
        ..fast_settings()
    };
    let s = setup(settings).await;
    let error = s.error("ENDLESS").await;
    assert_eq!(error.code(), "upstream_protocol");
    assert_eq!(s.fake.seen.hits("ENDLESS"), 4);
}

#[tokio::test]
async fn bad_arguments_send_nothing() {
    let s = setup(fast_settings()).await;
    let error = s
        .client
        .aggregates("AAPL/../../x", 1, Timespan::Day, "2024-01-01", "2024-01-31")
        .await
        .expect_err("bad ticker");
    assert_eq!(error.code(), "upstream_invalid_input");
    let error = s
        .client
        .aggregates("AAPL", 1, Timespan::Day, "2024-31-01", "2024-01-31")
        .await
        .expect_err("bad date");
    assert_eq!(error.code(), "upstream_invalid_input");
    assert_eq!(s.fake.seen.total(), 0);
}
