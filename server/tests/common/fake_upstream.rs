//! Fake Polygon and FRED servers on an ephemeral loopback port, speaking the
//! wire shapes of `PROTOCOLS.md`, plus a log capture for the upstream tests.
//!
//! The scenario is chosen by the ticker (Polygon) or series id (FRED), so
//! each test asks for the behaviour it needs. The fakes check that the key
//! arrives the right way (Bearer header for Polygon, `api_key` query for
//! FRED) and count every request. Several error bodies echo the key on
//! purpose, to prove the client never repeats it. Included with
//! `#[path]` by the upstream test files only.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use server::upstream::{ApiKey, UpstreamSettings};

/// The key the tests configure; it must never show in errors or logs.
pub const SENTINEL: &str = "SENTINEL-KEY-9f3c";

/// How long the `HANG` scenarios sleep before answering.
pub const HANG: Duration = Duration::from_secs(5);

/// The sentinel key, read through an injected environment.
pub fn sentinel_key() -> Option<ApiKey> {
    ApiKey::from_lookup("POLYGON_API_KEY", |_| Some(SENTINEL.to_owned()))
}

/// Settings for tests: tiny waits, short timeouts, no proxies.
pub fn fast_settings() -> UpstreamSettings {
    UpstreamSettings {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_millis(300),
        max_attempts: 3,
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(4),
        max_retry_after: Duration::from_millis(5),
        breaker_threshold: 5,
        breaker_cooldown: Duration::from_secs(30),
        proxy_from_env: false,
        ..UpstreamSettings::default()
    }
}

/// What the fake saw.
#[derive(Default)]
pub struct Seen {
    /// Requests per scenario name (ticker or series id).
    hits: Mutex<HashMap<String, usize>>,
    /// Requests in all.
    total: AtomicUsize,
    /// Requests whose key arrived correctly.
    keyed: AtomicUsize,
    /// Requests that carried the key somewhere it must not be.
    misplaced_key: AtomicUsize,
}

impl Seen {
    fn hit(&self, name: &str) -> usize {
        self.total.fetch_add(1, Ordering::SeqCst);
        let mut hits = self.hits.lock().expect("hits lock");
        let count = hits.entry(name.to_owned()).or_default();
        *count += 1;
        *count
    }

    /// Requests seen for scenario `name`.
    pub fn hits(&self, name: &str) -> usize {
        self.hits
            .lock()
            .expect("hits lock")
            .get(name)
            .copied()
            .unwrap_or(0)
    }

    /// Requests seen in all.
    pub fn total(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }

    /// Requests whose key arrived the right way.
    pub fn keyed(&self) -> usize {
        self.keyed.load(Ordering::SeqCst)
    }

    /// Requests with the key in a wrong place (Polygon query string).
    pub fn misplaced_key(&self) -> usize {
        self.misplaced_key.load(Ordering::SeqCst)
    }
}

/// A running fake: its base URL (no trailing `/`) and what it saw.
pub struct Fake {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The port, for building foreign-host URLs to the same socket.
    pub port: u16,
    /// Counters.
    pub seen: Arc<Seen>,
}

#[derive(Clone)]
struct AppState {
    seen: Arc<Seen>,
    base: String,
    port: u16,
}

/// Starts both fakes on one ephemeral loopback port.
pub async fn start() -> Fake {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind an ephemeral port");
    let addr: SocketAddr = listener.local_addr().expect("bound address");
    let base = format!("http://{addr}");
    let seen = Arc::new(Seen::default());
    let state = AppState {
        seen: Arc::clone(&seen),
        base: base.clone(),
        port: addr.port(),
    };
    let router = Router::new()
        .route(
            "/v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}",
            get(polygon_aggs),
        )
        .route("/fred/series/observations", get(fred_observations))
        .with_state(state);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Fake {
        base,
        port: addr.port(),
        seen,
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

fn bar(t: i64) -> Value {
    // Prices derived from t so tests can check values and order.
    let x = t as f64;
    json!({"o": x, "h": x + 1.0, "l": x - 1.0, "c": x + 0.5, "v": 1000.0 * x, "vw": x + 0.25, "t": t, "n": t * 10})
}

fn aggs_body(
    ticker: &str,
    results: Option<Vec<Value>>,
    status: &str,
    next_url: Option<String>,
) -> Value {
    let count = results.as_ref().map_or(0, Vec::len);
    let mut body = json!({
        "ticker": ticker,
        "queryCount": count,
        "resultsCount": count,
        "adjusted": true,
        "status": status,
        "request_id": "6a7e466379af0a71039d60cc78e72282",
        "count": count,
    });
    if let Some(results) = results {
        body["results"] = Value::Array(results);
    }
    if let Some(next_url) = next_url {
        body["next_url"] = Value::String(next_url);
    }
    body
}

/// `GET /v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}`.
async fn polygon_aggs(
    State(state): State<AppState>,
    Path((ticker, _multiplier, _timespan, _from, _to)): Path<(
        String,
        String,
        String,
        String,
        String,
    )>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let seen = &state.seen;
    let n = seen.hit(&ticker);
    if query.contains_key("apiKey") || query.values().any(|v| v.contains(SENTINEL)) {
        seen.misplaced_key.fetch_add(1, Ordering::SeqCst);
    }
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if bearer.as_deref() != Some(&format!("Bearer {SENTINEL}")) || ticker == "UNAUTH" {
        // The real body says only "Unknown API Key"; this one echoes the key.
        return json_response(
            StatusCode::UNAUTHORIZED,
            json!({"status": "ERROR", "request_id": "r401", "error": format!("Unknown API Key {SENTINEL}")}),
        );
    }
    seen.keyed.fetch_add(1, Ordering::SeqCst);
    let first_page_query_ok = query.get("adjusted").map(String::as_str) == Some("true")
        && query.get("sort").map(String::as_str) == Some("asc")
        && query.get("limit").map(String::as_str) == Some("50000");
    let page_url = |cursor: &str| {
        format!(
            "{}/v2/aggs/ticker/{ticker}/range/1/day/2024-01-01/2024-01-31?cursor={cursor}",
            state.base
        )
    };
    match ticker.as_str() {
        "PAGED" => match query.get("cursor").map(String::as_str) {
            None if first_page_query_ok => json_response(
                StatusCode::OK,
                aggs_body(&ticker, Some(vec![bar(1), bar(2)]), "OK", Some(page_url("p2"))),
            ),
            None => json_response(
                StatusCode::BAD_REQUEST,
                json!({"status": "ERROR", "request_id": "r400", "error": "wrong query"}),
            ),
            Some("p2") => json_response(
                StatusCode::OK,
                aggs_body(&ticker, Some(vec![bar(3), bar(4)]), "DELAYED", Some(page_url("p3"))),
            ),
            Some(_) => json_response(StatusCode::OK, aggs_body(&ticker, Some(vec![bar(5)]), "OK", None)),
        },
        "EMPTY" => json_response(StatusCode::OK, aggs_body(&ticker, None, "OK", None)),
        "RATE" if n == 1 => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            Json(json!({"status": "ERROR", "request_id": "r429",
                "error": "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://polygon.io/pricing"})),
        )
            .into_response(),
        "RATEEMPTY" if n == 1 => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "").into_response(),
        "ALWAYSRATE" => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "0")], "").into_response(),
        "RATE" | "RATEEMPTY" => json_response(StatusCode::OK, aggs_body(&ticker, Some(vec![bar(7)]), "OK", None)),
        "FORBID" => json_response(
            StatusCode::FORBIDDEN,
            json!({"status": "NOT_AUTHORIZED", "request_id": "r403",
                "message": format!("You are not entitled to this data. Key {SENTINEL}. Please upgrade your plan at https://polygon.io/pricing")}),
        ),
        "NOPE" => json_response(
            StatusCode::NOT_FOUND,
            json!({"status": "NOT_FOUND", "request_id": "r404", "message": format!("Not found for apiKey={SENTINEL}")}),
        ),
        "FLAKY" if n <= 2 => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"status": "ERROR", "request_id": "r500", "error": format!("internal error near {SENTINEL}")}),
        ),
        "FLAKY" => json_response(StatusCode::OK, aggs_body(&ticker, Some(vec![bar(9)]), "OK", None)),
        "DOWN" => json_response(
            StatusCode::BAD_GATEWAY,
            json!({"status": "ERROR", "request_id": "r502", "error": format!("bad gateway {SENTINEL}")}),
        ),
        "HANG" => {
            tokio::time::sleep(HANG).await;
            json_response(StatusCode::OK, aggs_body(&ticker, None, "OK", None))
        }
        "BADJSON" => (
            StatusCode::OK,
            [("content-type", "application/json")],
            format!("{{\"status\":\"OK\",\"results\":[{{\"o\":\"{SENTINEL}\""),
        )
            .into_response(),
        "WRONGSHAPE" => json_response(
            StatusCode::OK,
            json!({"status": "OK", "results": [{"o": SENTINEL, "h": 1, "l": 1, "c": 1, "v": 1, "t": 1}]}),
        ),
        "FOREIGN" => json_response(
            StatusCode::OK,
            aggs_body(
                &ticker,
                Some(vec![bar(1)]),
                "OK",
                // Same socket, other host name: were it followed, it would arrive here.
                Some(format!("http://localhost:{}/v2/aggs/ticker/FOREIGN/range/1/day/2024-01-01/2024-01-31?cursor=x", state.port)),
            ),
        ),
        "ENDLESS" => json_response(
            StatusCode::OK,
            aggs_body(&ticker, Some(vec![bar(i64::try_from(n).unwrap_or(0))]), "OK", Some(page_url(&format!("c{n}")))),
        ),
        _ => json_response(StatusCode::OK, aggs_body(&ticker, Some(vec![bar(1)]), "OK", None)),
    }
}

/// The observations of the `GAPPY` series: two missing values.
pub const GAPPY: [(&str, &str); 5] = [
    ("2024-01-01", "."),
    ("2024-01-02", "4.01"),
    ("2024-01-03", "3.98"),
    ("2024-01-04", "."),
    ("2024-01-05", "4.05"),
];

fn fred_error(status: StatusCode, message: String) -> Response {
    json_response(
        status,
        json!({"error_code": status.as_u16(), "error_message": message}),
    )
}

/// `GET /fred/series/observations`.
async fn fred_observations(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let seen = &state.seen;
    let series = query.get("series_id").cloned().unwrap_or_default();
    let n = seen.hit(&series);
    let api_key = query.get("api_key").cloned().unwrap_or_default();
    if api_key != SENTINEL {
        return fred_error(
            StatusCode::BAD_REQUEST,
            "Bad Request.  The value for variable api_key is not registered. Read https://fred.stlouisfed.org/docs/api/api_key.html for more information.".to_owned(),
        );
    }
    seen.keyed.fetch_add(1, Ordering::SeqCst);
    if query.get("file_type").map(String::as_str) != Some("json") {
        return (StatusCode::OK, "<?xml version=\"1.0\"?><observations/>").into_response();
    }
    let offset: usize = query
        .get("offset")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let limit: usize = query
        .get("limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let page = |all: &[(&str, &str)]| {
        let observations: Vec<Value> = all
            .iter()
            .skip(offset)
            .take(limit)
            .map(|(date, value)| json!({"realtime_start": "2024-06-01", "realtime_end": "2024-06-01", "date": date, "value": value}))
            .collect();
        json!({
            "realtime_start": "2024-06-01", "realtime_end": "2024-06-01",
            "observation_start": query.get("observation_start").map_or("1600-01-01", String::as_str),
            "observation_end": query.get("observation_end").map_or("9999-12-31", String::as_str),
            "units": "lin", "output_type": 1, "file_type": "json",
            "order_by": "observation_date", "sort_order": "asc",
            "count": all.len(), "offset": offset, "limit": limit,
            "observations": observations,
        })
    };
    match series.as_str() {
        "GAPPY" => json_response(StatusCode::OK, page(&GAPPY)),
        "NOSUCH" => fred_error(
            StatusCode::BAD_REQUEST,
            format!("Bad Request.  The series does not exist. (request: series_id=NOSUCH&api_key={SENTINEL}&file_type=json)"),
        ),
        "FLAKY" if n == 1 => fred_error(StatusCode::SERVICE_UNAVAILABLE, format!("busy {SENTINEL}")),
        "RATE" if n == 1 => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "0")], "").into_response(),
        "FLAKY" | "RATE" => json_response(StatusCode::OK, page(&GAPPY[1..3])),
        "DOWN" => fred_error(StatusCode::INTERNAL_SERVER_ERROR, format!("Internal Server Error {SENTINEL}")),
        "HANG" => {
            tokio::time::sleep(HANG).await;
            json_response(StatusCode::OK, page(&[]))
        }
        "BADVALUE" => json_response(StatusCode::OK, page(&[("2024-01-01", "n/a")])),
        "LYING" => {
            // Claims more observations than it ever returns.
            let mut body = page(&GAPPY[..2]);
            body["count"] = json!(10);
            if offset >= 2 {
                body["observations"] = json!([]);
            }
            json_response(StatusCode::OK, body)
        }
        _ => json_response(StatusCode::OK, page(&GAPPY[1..2])),
    }
}

/// A buffer the log capture writes into.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    /// Everything logged so far.
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log lock")).into_owned()
    }
}

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures every `tracing` event (and `log` record, e.g. reqwest's) at
/// TRACE level on this thread until the guard drops. Use with the
/// single-threaded `#[tokio::test]` runtime so client and fake run here.
pub fn capture_logs() -> (LogBuffer, tracing::subscriber::DefaultGuard) {
    static LOG_BRIDGE: Once = Once::new();
    LOG_BRIDGE.call_once(|| {
        // Fails only if another logger is installed; then `log` records are
        // simply not captured.
        let _ = tracing_log::LogTracer::init();
        // A global subscriber that wants every event (and drops them):
        // without it, a test thread with no subscriber can hit a callsite
        // first and have it cached as never enabled, racing with this
        // thread's capture (seen as a flaky "no events logged").
        let sink = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(std::io::sink)
            .finish();
        let _ = tracing::subscriber::set_global_default(sink);
    });
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    (buffer, guard)
}

/// Asserts the sentinel key shows nowhere in `text`.
pub fn assert_no_key(text: &str) {
    assert!(!text.contains(SENTINEL), "the key leaked into: {text}");
    assert!(
        !text.contains("SENTINEL-KEY"),
        "part of the key leaked into: {text}"
    );
}
