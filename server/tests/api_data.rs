//! The compliance gateway and the data proxy, end to end: the real
//! `mltrainer-server` binary over real HTTP with a real SQLite file, its
//! Polygon and FRED clients pointed at local fakes. Proves that refused
//! requests never reach a provider and are audited with their rule; that
//! Polygon pages are followed and then served from the cache; that FRED's
//! missing values are reported; that an unconfigured source is 503; that a
//! failing provider opens the circuit breaker; that the API key appears in
//! no response, log line, database byte or audit entry; that every fetch is
//! audited with its provenance hash; the metrics and readiness probes; and
//! that the OpenAPI table matches the routes actually served.

mod common;
#[path = "common/fake_upstream.rs"]
mod fake_upstream;
#[path = "common/spawn.rs"]
mod spawn;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use fake_upstream::SENTINEL;
use serde_json::{json, Value};
use spawn::{Answer, Api, Server};

/// Requests a [`FakePolygon`] received, by ticker, and those with the key.
#[derive(Default)]
struct PolygonSeen {
    hits: std::sync::Mutex<HashMap<String, usize>>,
    keyed: AtomicUsize,
}

impl PolygonSeen {
    /// Requests seen for `ticker`.
    fn hits(&self, ticker: &str) -> usize {
        self.hits
            .lock()
            .expect("hits lock")
            .get(ticker)
            .copied()
            .unwrap_or(0)
    }

    /// Requests seen in all.
    fn total(&self) -> usize {
        self.hits.lock().expect("hits lock").values().sum()
    }
}

/// A Polygon fake with real trading-day timestamps (the shared fake's bars
/// all fall on 1970-01-01, which a dated series rightly refuses). `PAGED`
/// answers in two pages joined by `next_url`; `LEAKY` answers 401 echoing
/// the key, as a careless proxy might; `DOWN` always answers 500 with the
/// key in the body.
struct FakePolygon {
    base: String,
    seen: Arc<PolygonSeen>,
}

#[derive(Clone)]
struct PolygonState {
    base: String,
    seen: Arc<PolygonSeen>,
}

/// Milliseconds since the epoch of midnight UTC, 2024-01-`day`.
fn jan_2024(day: i64) -> i64 {
    // 2024-01-01 is day 19723 since the epoch.
    (19_723 + day - 1) * 86_400_000
}

/// One Polygon aggregate bar on 2024-01-`day`.
fn polygon_bar(day: i64) -> Value {
    let x = 100.0 + day as f64;
    json!({"o": x, "h": x + 1.0, "l": x - 1.0, "c": x + 0.5, "v": 1000.0, "vw": x, "t": jan_2024(day), "n": 10})
}

/// `GET /v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}`.
async fn polygon_aggs(
    State(state): State<PolygonState>,
    UrlPath((ticker, _, _, _, _)): UrlPath<(String, String, String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> axum::response::Response {
    *state
        .seen
        .hits
        .lock()
        .expect("hits lock")
        .entry(ticker.clone())
        .or_default() += 1;
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    if bearer != Some(&format!("Bearer {SENTINEL}")) || ticker == "LEAKY" {
        let body = json!({"status": "ERROR", "request_id": "r401", "error": format!("Unknown API Key {SENTINEL}")});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    state.seen.keyed.fetch_add(1, Ordering::SeqCst);
    let page = |bars: Vec<Value>, next: Option<String>| {
        let mut body = json!({"ticker": ticker, "adjusted": true, "status": "OK",
            "request_id": "r200", "resultsCount": bars.len(), "results": bars});
        if let Some(next) = next {
            body["next_url"] = json!(next);
        }
        (StatusCode::OK, Json(body)).into_response()
    };
    match (ticker.as_str(), query.get("cursor")) {
        ("PAGED", None) => page(
            vec![polygon_bar(2), polygon_bar(3)],
            Some(format!(
                "{}/v2/aggs/ticker/PAGED/range/1/day/2024-01-01/2024-01-31?cursor=p2",
                state.base
            )),
        ),
        ("PAGED", Some(_)) => page(vec![polygon_bar(4), polygon_bar(5)], None),
        ("DOWN", _) => {
            let body =
                json!({"status": "ERROR", "error": format!("internal error near {SENTINEL}")});
            (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
        }
        _ => page(vec![polygon_bar(2)], None),
    }
}

/// Starts a [`FakePolygon`] on an ephemeral loopback port.
async fn start_polygon() -> FakePolygon {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind an ephemeral port");
    let base = format!("http://{}", listener.local_addr().expect("bound address"));
    let seen = Arc::new(PolygonSeen::default());
    let router = axum::Router::new()
        .route(
            "/v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}",
            axum::routing::get(polygon_aggs),
        )
        .with_state(PolygonState {
            base: base.clone(),
            seen: Arc::clone(&seen),
        });
    tokio::spawn(async move { axum::serve(listener, router).await });
    FakePolygon { base, seen }
}

/// Both fakes and a server (local mode, debug logs, keys set unless
/// `keys` is false) pointed at them.
struct Setup {
    polygon: FakePolygon,
    fred: fake_upstream::Fake,
    server: Server,
    api: Api,
    data: tempfile::TempDir,
    _dist: common::TempDir,
}

/// Starts the fakes and the server.
async fn setup(keys: bool) -> Setup {
    let dist = common::fake_dist();
    let data = tempfile::tempdir().expect("temp dir");
    let polygon = start_polygon().await;
    let fred = fake_upstream::start().await;
    let mut command = spawn::command(data.path());
    command
        .env("RUST_LOG", "debug")
        .env("MLTRAINER_EXPENSIVE_PER_MINUTE", "1000000")
        .env("MLTRAINER_POLYGON_BASE_URL", &polygon.base)
        .env("MLTRAINER_FRED_BASE_URL", &fred.base);
    if keys {
        command
            .env("POLYGON_API_KEY", SENTINEL)
            .env("FRED_API_KEY", SENTINEL);
    }
    let server = spawn::start(command, dist.path(), &data.path().join("stderr.log"));
    let api = server.api();
    Setup {
        polygon,
        fred,
        server,
        api,
        data,
        _dist: dist,
    }
}

/// `GET /api/data?` + `query`.
async fn data(api: &Api, query: &str) -> Answer {
    api.get(&format!("/api/data?{query}")).await
}

/// Audit entries matching `query` (newest first).
async fn audit(api: &Api, query: &str) -> Vec<Value> {
    let answer = api.get(&format!("/api/audit?limit=500&{query}")).await;
    answer.expect(200, None);
    answer.json["entries"].as_array().expect("entries").clone()
}

/// The value of the Prometheus sample named exactly `sample` (with labels).
fn sample(metrics: &str, sample: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        line.strip_prefix(sample)
            .and_then(|rest| rest.strip_prefix(' '))
            .and_then(|value| value.trim().parse().ok())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_bundled_data_and_refusals_that_never_reach_a_provider() {
    let s = setup(true).await;
    let rules = s.api.get("/api/compliance/rules").await;
    rules.expect(200, None);
    assert!(rules.json["version"]
        .as_str()
        .is_some_and(|v| !v.is_empty()));
    let hash = rules.json["hash"].as_str().unwrap_or_default();
    assert_eq!(hash.len(), 64, "{hash}");
    assert!(hash
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));

    let bundled = data(
        &s.api,
        "source=bundled&symbol=sp500&from=2010-01-04&to=2010-12-31",
    )
    .await;
    bundled.expect(200, None);
    let provenance = &bundled.json["series"]["provenance"];
    assert_eq!(provenance["source"], "bundled");
    assert_eq!(bundled.json["verdict"]["allowed"], true);
    let rows = bundled.json["series"]["observations"]["rows"]
        .as_array()
        .expect("rows");
    assert!(
        rows.len() > 200,
        "a year of trading days, got {}",
        rows.len()
    );
    assert_eq!(provenance["rows"], rows.len());
    assert_eq!(rows[0]["date"], "2010-01-04");

    let future = format!("{}-01-01", current_year() + 2);
    for (query, rule) in [
        (
            "source=yahoo&symbol=AAPL&from=2020-01-02&to=2020-02-03".to_string(),
            "source.approved",
        ),
        (
            "source=polygon&symbol=aapl%3BDROP&from=2020-01-02&to=2020-02-03".to_string(),
            "symbol.format",
        ),
        (
            format!("source=polygon&symbol=AAPL&from=2020-01-02&to={future}"),
            "date.bounds",
        ),
        (
            format!("source=fred&symbol=GAPPY&from=2020-01-02&to={future}"),
            "date.bounds",
        ),
    ] {
        let refused = data(&s.api, &query).await;
        refused.expect(422, Some("compliance_refused"));
        assert_eq!(refused.json["verdict"]["allowed"], false, "{query}");
        assert_eq!(refused.json["verdict"]["rule_id"], rule, "{query}");
        let audited = audit(&s.api, "verdict=refused&kind=data.fetch").await;
        assert!(
            audited.first().is_some_and(|e| e["rule_id"] == rule),
            "newest refused entry has rule {rule}: {audited:?}"
        );
    }
    assert_eq!(
        s.polygon.seen.total(),
        0,
        "no refused request reached Polygon"
    );
    assert_eq!(s.fred.seen.total(), 0, "no refused request reached FRED");
    s.server.stop();
}

/// This year, from the system clock.
fn current_year() -> i64 {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        / 86_400;
    1970 + i64::try_from(days).expect("days fit") * 400 / 146_097
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_fetches_cache_audit_and_metrics() {
    let s = setup(true).await;
    let paged = "source=polygon&symbol=PAGED&from=2024-01-01&to=2024-01-31";
    let first = data(&s.api, paged).await;
    first.expect(200, None);
    assert_eq!(first.json["cached"], false);
    assert_eq!(s.polygon.seen.hits("PAGED"), 2, "both pages were fetched");
    assert_eq!(s.polygon.seen.keyed.load(Ordering::SeqCst), 2);
    let series = &first.json["series"];
    assert_eq!(series["provenance"]["source"], "polygon");
    assert_eq!(series["provenance"]["rows"], 4);
    let dates: Vec<&str> = series["observations"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|bar| bar["date"].as_str())
        .collect();
    assert_eq!(
        dates,
        ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]
    );

    let second = data(&s.api, paged).await;
    second.expect(200, None);
    assert_eq!(second.json["cached"], true);
    assert_eq!(second.json["series"], first.json["series"]);
    assert_eq!(s.polygon.seen.hits("PAGED"), 2, "the cache answered");

    let gappy = data(
        &s.api,
        "source=fred&symbol=GAPPY&from=2024-01-01&to=2024-01-31",
    )
    .await;
    gappy.expect(200, None);
    assert_eq!(
        gappy.json["series"]["missing"],
        json!(["2024-01-01", "2024-01-04"])
    );
    assert_eq!(gappy.json["series"]["observations"]["kind"], "values");
    assert_eq!(
        gappy.json["series"]["observations"]["rows"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert_eq!(s.fred.seen.hits("GAPPY"), 1);

    let bundled = data(
        &s.api,
        "source=bundled&symbol=sp500&from=2018-01-02&to=2018-12-31",
    )
    .await;
    bundled.expect(200, None);

    // Every fetch, cached or not, is audited with its provenance hash.
    let fetches = [&first, &second, &gappy, &bundled];
    let mut entries = audit(&s.api, "kind=data.fetch").await;
    entries.reverse();
    assert_eq!(entries.len(), fetches.len(), "{entries:?}");
    for (entry, fetch) in entries.iter().zip(fetches) {
        assert_eq!(
            entry["provenance_hash"], fetch.json["series"]["provenance"]["content_hash"],
            "{entry}"
        );
        assert_eq!(entry["verdict"], "allowed");
    }
    let cached: Vec<bool> = entries
        .iter()
        .map(|e| {
            let detail: Value =
                serde_json::from_str(e["detail"].as_str().unwrap_or("{}")).unwrap_or_default();
            detail["cached"].as_bool().unwrap_or_default()
        })
        .collect();
    assert_eq!(cached, [false, true, false, true]);

    // A refusal, for the verdict counters.
    data(&s.api, "source=yahoo&symbol=AAPL")
        .await
        .expect(422, Some("compliance_refused"));

    let metrics = s.api.get("/metrics").await;
    metrics.expect(200, None);
    let text = metrics.text();
    let value = |name: &str| sample(&text, name).unwrap_or_else(|| panic!("{name} in {text}"));
    assert_eq!(
        value("mltrainer_http_requests_total{method=\"GET\",route=\"/api/data\",status=\"200\"}"),
        4.0
    );
    assert_eq!(
        value("mltrainer_http_requests_total{method=\"GET\",route=\"/api/data\",status=\"422\"}"),
        1.0
    );
    assert_eq!(
        value("mltrainer_compliance_verdicts_total{kind=\"data.fetch\",verdict=\"allowed\"}"),
        4.0
    );
    assert_eq!(
        value("mltrainer_compliance_verdicts_total{kind=\"data.fetch\",verdict=\"refused\"}"),
        1.0
    );
    assert_eq!(
        value("mltrainer_upstream_requests_total{provider=\"polygon\"}"),
        2.0
    );
    assert_eq!(
        value("mltrainer_upstream_calls_total{provider=\"fred\"}"),
        1.0
    );
    assert_eq!(
        value("mltrainer_upstream_circuit_state{provider=\"polygon\"}"),
        0.0
    );

    let ready = s.api.get("/readyz").await;
    ready.expect(200, None);
    assert_eq!(ready.json["status"], "ready");
    let migration = ready.json["migration"].as_i64().expect("migration");
    assert!(migration >= 1);
    assert_eq!(ready.json["expected_migration"], migration);
    s.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unconfigured_source_is_503() {
    let s = setup(false).await;
    for (query, variable) in [
        (
            "source=polygon&symbol=AAPL&from=2024-01-01&to=2024-01-31",
            "POLYGON_API_KEY",
        ),
        (
            "source=fred&symbol=GAPPY&from=2024-01-01&to=2024-01-31",
            "FRED_API_KEY",
        ),
    ] {
        let answer = data(&s.api, query).await;
        answer.expect(503, Some("source_not_configured"));
        assert!(answer.text().contains(variable), "{}", answer.text());
    }
    assert_eq!(s.polygon.seen.total() + s.fred.seen.total(), 0);
    let failed = audit(&s.api, "kind=data.fetch_failed").await;
    assert_eq!(failed.len(), 2, "failed fetches are audited");
    s.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_provider_opens_the_circuit_breaker() {
    let s = setup(true).await;
    let query = "source=fred&symbol=DOWN&from=2024-01-01&to=2024-01-31";
    // The default breaker opens after 5 consecutive failed requests.
    for n in 1..=5 {
        let answer = data(&s.api, query).await;
        assert_eq!(
            answer.status.as_u16(),
            502,
            "request {n}: {}",
            answer.text()
        );
        assert!(answer.code().starts_with("upstream_"), "{}", answer.text());
    }
    let before = s.fred.seen.hits("DOWN");
    assert!(before >= 5, "every failed request reached FRED");
    let open = data(&s.api, query).await;
    open.expect(503, Some("upstream_circuit_open"));
    assert_eq!(
        s.fred.seen.hits("DOWN"),
        before,
        "an open breaker sends nothing"
    );
    // Other series of the same provider are refused too while it is open.
    data(
        &s.api,
        "source=fred&symbol=GAPPY&from=2024-01-01&to=2024-01-31",
    )
    .await
    .expect(503, Some("upstream_circuit_open"));
    assert_eq!(s.fred.seen.hits("GAPPY"), 0);
    // Polygon has its own breaker.
    data(
        &s.api,
        "source=polygon&symbol=PAGED&from=2024-01-01&to=2024-01-31",
    )
    .await
    .expect(200, None);
    let metrics = s.api.get("/metrics").await.text();
    assert_eq!(
        sample(
            &metrics,
            "mltrainer_upstream_circuit_state{provider=\"fred\"}"
        ),
        Some(1.0),
        "{metrics}"
    );
    s.server.stop();
}

/// Asserts `bytes` do not contain the key (or its recognisable prefix).
fn assert_no_key_bytes(what: &str, bytes: &[u8]) {
    for needle in [SENTINEL.as_bytes(), b"SENTINEL-KEY"] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the key leaked into {what}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_key_appears_nowhere() {
    let s = setup(true).await;
    let mut answers = Vec::new();
    for query in [
        "source=polygon&symbol=PAGED&from=2024-01-01&to=2024-01-31",
        "source=polygon&symbol=LEAKY&from=2024-01-01&to=2024-01-31",
        "source=polygon&symbol=DOWN&from=2024-01-01&to=2024-01-31",
        "source=fred&symbol=NOSUCH&from=2024-01-01&to=2024-01-31",
        "source=fred&symbol=DOWN&from=2024-01-01&to=2024-01-31",
        "source=fred&symbol=GAPPY&from=2024-01-01&to=2024-01-31",
    ] {
        answers.push((query, data(&s.api, query).await));
    }
    let statuses: Vec<u16> = answers.iter().map(|(_, a)| a.status.as_u16()).collect();
    assert_eq!(statuses[0], 200);
    assert_eq!(statuses[5], 200);
    assert!(
        statuses[1..5].iter().all(|s| *s >= 400),
        "the leaky scenarios fail: {statuses:?}"
    );
    // The key really was sent to both fakes (so it had a chance to leak).
    assert!(s.polygon.seen.keyed.load(Ordering::SeqCst) > 0);
    assert!(s.fred.seen.keyed() > 0);
    assert!(s.polygon.seen.hits("LEAKY") > 0 && s.fred.seen.hits("NOSUCH") > 0);

    for (query, answer) in &answers {
        assert_no_key_bytes(&format!("the body for {query}"), &answer.body);
        for (name, value) in &answer.headers {
            assert_no_key_bytes(&format!("header {name} for {query}"), value.as_bytes());
        }
    }
    let entries = s.api.get("/api/audit?limit=500").await;
    assert!(entries.json["entries"]
        .as_array()
        .is_some_and(|e| e.len() >= 6));
    assert_no_key_bytes("/api/audit", &entries.body);
    let metrics = s.api.get("/metrics").await;
    assert_no_key_bytes("/metrics", &metrics.body);

    let data_dir = s.data.path().to_owned();
    let server = s.server;
    server.stop();
    let stderr = std::fs::read(data_dir.join("stderr.log")).expect("stderr file");
    let stderr_text = String::from_utf8_lossy(&stderr);
    assert!(
        stderr_text.contains("DEBUG") && stderr_text.contains("fred"),
        "debug logs of the upstream calls were captured: {stderr_text}"
    );
    assert_no_key_bytes("the server's stderr", &stderr);
    for file in ["mltrainer.sqlite3", "mltrainer.sqlite3-wal"] {
        if let Ok(bytes) = std::fs::read(data_dir.join(file)) {
            assert_no_key_bytes(file, &bytes);
        }
    }
    assert!(Path::new(&data_dir.join("mltrainer.sqlite3")).exists());
}

/// The server's own router, reached through real HTTP: every route in
/// `server::openapi::ROUTES` is in the document and is served (no 404/405).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_lists_and_serves_every_route() {
    let s = setup(true).await;
    let doc = s.api.get("/api/openapi.json").await;
    doc.expect(200, None);
    for route in server::openapi::ROUTES {
        assert!(
            doc.json["paths"][route.path][route.method].is_object(),
            "{} {} is documented",
            route.method,
            route.path
        );
        let method: reqwest::Method = route.method.to_uppercase().parse().expect("a method");
        let answer = spawn::send(s.api.request(method, route.path)).await;
        let status = answer.status.as_u16();
        assert!(
            status != 404 && status != 405,
            "{} {} answered {status}: {}",
            route.method,
            route.path,
            answer.text()
        );
    }
    // Control: an unknown API path is a 404, so the check above can fail.
    s.api.get("/api/no-such-route").await.expect(404, None);
    let documented = doc.json["paths"].as_object().map_or(0, |p| p.len());
    let distinct: std::collections::BTreeSet<&str> =
        server::openapi::ROUTES.iter().map(|r| r.path).collect();
    assert_eq!(documented, distinct.len(), "no undocumented extras");
    s.server.stop();
}
