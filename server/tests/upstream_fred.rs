//! The FRED client against a fake FRED on 127.0.0.1: missing values, offset
//! paging, error mapping, retries, the circuit breaker, and that the key
//! (which FRED takes in the query string) never shows in an error or a log.

#[path = "common/fake_upstream.rs"]
mod fake_upstream;

use std::sync::Arc;
use std::time::Duration;

use fake_upstream::{assert_no_key, capture_logs, fast_settings, sentinel_key, Fake, LogBuffer};
use server::upstream::{
    ApiKey, BreakerState, FredClient, FredObservations, ManualClock, Provider, UpstreamError,
    UpstreamSettings,
};

struct Setup {
    fake: Fake,
    client: FredClient,
    logs: LogBuffer,
    _guard: tracing::subscriber::DefaultGuard,
}

async fn setup(settings: UpstreamSettings) -> Setup {
    let (logs, guard) = capture_logs();
    let fake = fake_upstream::start().await;
    let client = FredClient::new(&fake.base, sentinel_key(), settings).expect("valid base");
    Setup {
        fake,
        client,
        logs,
        _guard: guard,
    }
}

impl Setup {
    async fn observations(&self, series: &str) -> Result<FredObservations, UpstreamError> {
        self.client.observations(series, None, None).await
    }

    async fn error(&self, series: &str) -> UpstreamError {
        let error = self.observations(series).await.expect_err("the call fails");
        assert_no_key(&format!("{error} {error:?} {:?}", error.problem()));
        error
    }

    /// The logs hold upstream events, but no key and no query string.
    fn check_logs(&self) {
        let logs = self.logs.contents();
        assert_no_key(&logs);
        assert!(
            logs.contains("provider=\"fred\""),
            "no upstream events in: {logs}"
        );
        assert!(logs.contains("/fred/series/observations"), "{logs}");
        for query in ["api_key", "series_id", "file_type", "offset="] {
            assert!(!logs.contains(query), "query {query} logged: {logs}");
        }
    }
}

fn paged(limit: u32) -> UpstreamSettings {
    UpstreamSettings {
        fred_page_limit: limit,
        ..fast_settings()
    }
}

#[tokio::test]
async fn missing_values_are_reported_not_filled() {
    let s = setup(fast_settings()).await;
    let obs = s.observations("GAPPY").await.expect("ok");
    assert_eq!(
        obs.points,
        [
            ("2024-01-02".to_owned(), 4.01),
            ("2024-01-03".to_owned(), 3.98),
            ("2024-01-05".to_owned(), 4.05)
        ]
    );
    assert_eq!(obs.missing, ["2024-01-01", "2024-01-04"]);
    assert_eq!(s.fake.seen.hits("GAPPY"), 1);
    assert_eq!(s.fake.seen.keyed(), 1, "the key arrives as api_key");
    s.check_logs();
}

#[tokio::test]
async fn offset_paging_collects_every_observation() {
    let s = setup(paged(2)).await;
    let obs = s.observations("GAPPY").await.expect("ok");
    assert_eq!(obs.points.len() + obs.missing.len(), 5);
    assert_eq!(obs.missing, ["2024-01-01", "2024-01-04"]);
    let dates: Vec<&str> = obs.points.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(dates, ["2024-01-02", "2024-01-03", "2024-01-05"]);
    assert_eq!(s.fake.seen.hits("GAPPY"), 3, "offsets 0, 2, 4");
    assert_eq!(s.fake.seen.keyed(), 3);
    s.check_logs();
}

#[tokio::test]
async fn dates_are_sent_and_checked() {
    let s = setup(fast_settings()).await;
    let obs = s
        .client
        .observations("GAPPY", Some("2024-01-01"), Some("2024-01-31"))
        .await
        .expect("ok");
    assert_eq!(obs.points.len(), 3);
    let error = s
        .client
        .observations("GAPPY", Some("01/01/2024"), None)
        .await
        .expect_err("bad date");
    assert_eq!(error.code(), "upstream_invalid_input");
    let error = s
        .client
        .observations("GAPPY&api_key=x", None, None)
        .await
        .expect_err("bad id");
    assert_eq!(error.code(), "upstream_invalid_input");
    assert_eq!(s.fake.seen.total(), 1);
}

#[tokio::test]
async fn a_missing_series_is_a_bad_request_without_the_echoed_key() {
    let s = setup(fast_settings()).await;
    let error = s.error("NOSUCH").await;
    match &error {
        UpstreamError::BadRequest { provider, message } => {
            assert_eq!(*provider, Provider::Fred);
            assert!(message.contains("The series does not exist."), "{message}");
            assert!(message.contains("api_key=[redacted]"), "{message}");
        }
        other => panic!("expected BadRequest, got {other:?}"),
    }
    assert_eq!(error.code(), "upstream_bad_request");
    assert_eq!(error.http_status(), 400);
    assert_eq!(s.fake.seen.hits("NOSUCH"), 1, "400 is not retried");
    assert_eq!(s.client.breaker_state(), BreakerState::Closed);
    s.check_logs();
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized() {
    let (logs, _guard) = capture_logs();
    let fake = fake_upstream::start().await;
    let wrong = ApiKey::from_lookup("FRED_API_KEY", |_| Some("not-the-key".to_owned()));
    let client = FredClient::new(&fake.base, wrong, fast_settings()).expect("valid base");
    let error = client
        .observations("GAPPY", None, None)
        .await
        .expect_err("bad key");
    assert_eq!(error.code(), "upstream_unauthorized", "{error:?}");
    assert!(!error.to_string().contains("not-the-key"));
    assert_eq!(fake.seen.total(), 1);
    assert!(!logs.contents().contains("not-the-key"));
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_retried() {
    let s = setup(fast_settings()).await;
    for series in ["FLAKY", "RATE"] {
        let obs = s
            .observations(series)
            .await
            .expect("second attempt succeeds");
        assert_eq!(obs.points.len(), 2, "{series}");
        assert_eq!(s.fake.seen.hits(series), 2, "{series}");
    }
    let error = s.error("DOWN").await;
    assert!(
        matches!(
            error,
            UpstreamError::Unavailable {
                status: Some(500),
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
async fn the_circuit_opens_and_sends_nothing_until_the_probe() {
    let settings = UpstreamSettings {
        max_attempts: 2,
        breaker_threshold: 1,
        breaker_cooldown: Duration::from_secs(10),
        ..fast_settings()
    };
    let (logs, _guard) = capture_logs();
    let fake = fake_upstream::start().await;
    let clock = Arc::new(ManualClock::new());
    let client = FredClient::new(&fake.base, sentinel_key(), settings)
        .expect("valid base")
        .with_clock(clock.clone());

    client
        .observations("DOWN", None, None)
        .await
        .expect_err("down");
    assert_eq!(
        fake.seen.hits("DOWN"),
        2,
        "one failed exchange of two attempts"
    );
    let error = client
        .observations("GAPPY", None, None)
        .await
        .expect_err("open");
    assert_eq!(error.code(), "upstream_circuit_open");
    assert_eq!(fake.seen.total(), 2, "nothing reaches the fake while open");

    clock.advance(Duration::from_secs(10));
    let obs = client
        .observations("GAPPY", None, None)
        .await
        .expect("probe");
    assert_eq!(obs.points.len(), 3);
    assert_eq!(client.breaker_state(), BreakerState::Closed);
    let stats = client.stats().snapshot().fred;
    assert_eq!((stats.calls, stats.requests, stats.retries), (2, 3, 1));
    assert_eq!((stats.failures, stats.circuit_rejections), (1, 1));
    assert_no_key(&logs.contents());
}

#[tokio::test]
async fn a_hang_is_a_timeout() {
    let settings = UpstreamSettings {
        max_attempts: 1,
        request_timeout: Duration::from_millis(200),
        ..fast_settings()
    };
    let s = setup(settings).await;
    let error = s.error("HANG").await;
    assert_eq!(
        error,
        UpstreamError::Timeout {
            provider: Provider::Fred,
            attempts: 1
        }
    );
    s.check_logs();
}

#[tokio::test]
async fn no_key_means_not_configured_and_nothing_sent() {
    let fake = fake_upstream::start().await;
    let client = FredClient::new(&fake.base, None, fast_settings()).expect("valid base");
    let error = client
        .observations("GAPPY", None, None)
        .await
        .expect_err("no key");
    assert_eq!(
        error,
        UpstreamError::NotConfigured {
            provider: Provider::Fred
        }
    );
    assert_eq!(fake.seen.total(), 0);
}

#[tokio::test]
async fn bad_values_and_lying_counts_are_protocol_errors() {
    let s = setup(paged(2)).await;
    let error = s.error("BADVALUE").await;
    assert_eq!(error.code(), "upstream_protocol");
    assert!(error.to_string().contains("2024-01-01"), "{error}");
    let error = s.error("LYING").await;
    assert_eq!(error.code(), "upstream_protocol");
    assert_eq!(s.fake.seen.hits("LYING"), 2);
    s.check_logs();
}

#[tokio::test]
async fn shared_stats_count_both_providers() {
    let fake = fake_upstream::start().await;
    let stats = Arc::new(server::upstream::UpstreamStats::new());
    let fred = FredClient::new(&fake.base, sentinel_key(), fast_settings())
        .expect("valid base")
        .with_stats(stats.clone());
    let polygon = server::upstream::PolygonClient::new(&fake.base, sentinel_key(), fast_settings())
        .expect("valid base")
        .with_stats(stats.clone());
    fred.observations("GAPPY", None, None).await.expect("fred");
    polygon
        .aggregates(
            "AAPL",
            1,
            server::upstream::Timespan::Day,
            "2024-01-01",
            "2024-01-02",
        )
        .await
        .expect("polygon");
    let snap = stats.snapshot();
    assert_eq!(snap.fred.requests, 1);
    assert_eq!(snap.polygon.requests, 1);
}
