//! Load test: the real router served in-process on loopback (real SQLite
//! file in a temporary directory, rate limits lifted), hammered by N
//! concurrent clients for a fixed time per scenario. Prints requests per
//! second, p50, p99 and max latency, and the error count for: (a) cached
//! bundled data requests (each compliance-checked and audited), (b) the
//! audit write path (`POST /api/compliance/check`), (c) `PUT /api/goal`.
//!
//! Run with `cargo bench -p server --bench load`; `LOAD_SECONDS` (default 5)
//! and `LOAD_CLIENTS` (default 16) override the duration and concurrency.
//! Measures only; asserts nothing about speed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use server::limits::LimitSettings;
use server::Config;

/// One scenario: a name and how to build its request.
struct Scenario {
    name: &'static str,
    build: fn(&reqwest::Client, &str, u64) -> reqwest::RequestBuilder,
}

/// What one client measured.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: u64,
}

/// Reads a positive number from the environment variable `name`.
fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// Writes a minimal built app (the server refuses to start without one).
fn fake_dist(dir: &std::path::Path) {
    std::fs::write(
        dir.join("index.html"),
        "<!DOCTYPE html><html><head><title>mlTrainer</title></head><body></body></html>\n",
    )
    .expect("write index.html");
}

/// Starts the router on an ephemeral loopback port; returns its base URL.
async fn start(dist: &std::path::Path, data: &std::path::Path) -> String {
    let config = Config {
        dist: dist.to_owned(),
        data_dir: data.to_owned(),
        limits: LimitSettings {
            login_per_minute: 1_000_000,
            expensive_per_minute: 1_000_000,
        },
        ..Config::default()
    };
    let router = server::app(&config).expect("build the app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    format!("http://{addr}")
}

/// Runs `scenario` with `clients` concurrent clients for `duration`.
async fn run(scenario: &Scenario, base: &str, clients: u64, duration: Duration) {
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(usize::try_from(clients).unwrap_or(16))
        .build()
        .expect("client");
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let build = scenario.build;
    let tasks: Vec<_> = (0..clients)
        .map(|id| {
            let client = client.clone();
            let base = Arc::<str>::from(base);
            tokio::spawn(async move {
                let mut tally = Tally::default();
                let mut n = 0u64;
                while Instant::now() < deadline {
                    let begun = Instant::now();
                    let ok = match build(&client, &base, id * 1_000_000 + n).send().await {
                        Ok(response) => {
                            let ok = response.status().is_success();
                            ok && response.bytes().await.is_ok()
                        }
                        Err(_) => false,
                    };
                    tally.latencies.push(begun.elapsed());
                    if !ok {
                        tally.errors += 1;
                    }
                    n += 1;
                }
                tally
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let tally = task.await.expect("client task");
        latencies.extend(tally.latencies);
        errors += tally.errors;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let pick = |q: f64| {
        let index = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies.get(index).copied().unwrap_or_default()
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{:<28} {:>7} req {:>9.1} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  errors {}",
        scenario.name,
        latencies.len(),
        latencies.len() as f64 / elapsed,
        ms(pick(0.50)),
        ms(pick(0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
        errors
    );
}

fn main() {
    let seconds = env_number("LOAD_SECONDS", 5);
    let clients = env_number("LOAD_CLIENTS", 16);
    let dist = tempfile::tempdir().expect("temp dist");
    fake_dist(dist.path());
    let data = tempfile::tempdir().expect("temp data");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let base = start(dist.path(), data.path()).await;
        println!(
            "load: {clients} clients, {seconds} s per scenario, {} CPUs, store {}",
            std::thread::available_parallelism().map_or(0, usize::from),
            data.path().display()
        );
        let scenarios = [
            Scenario {
                name: "GET /api/data (bundled)",
                build: |client, base, _| {
                    client.get(format!(
                        "{base}/api/data?source=bundled&symbol=sp500&from=2018-01-02&to=2018-12-31"
                    ))
                },
            },
            Scenario {
                name: "POST /api/compliance/check",
                build: |client, base, _| {
                    client
                        .post(format!("{base}/api/compliance/check"))
                        .json(&serde_json::json!({
                            "source": "polygon", "symbol": "AAPL",
                            "from": "2020-01-02", "to": "2020-12-31"
                        }))
                },
            },
            Scenario {
                name: "PUT /api/goal",
                build: |client, base, n| {
                    client
                        .put(format!("{base}/api/goal"))
                        .json(&serde_json::json!({
                            "text": format!("beat buy-and-hold, attempt {n}"),
                            "sources": ["bundled"]
                        }))
                },
            },
        ];
        for scenario in &scenarios {
            run(scenario, &base, clients, Duration::from_secs(seconds)).await;
        }
        let verify: serde_json::Value = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client")
            .get(format!("{base}/api/audit/verify"))
            .send()
            .await
            .expect("verify")
            .json()
            .await
            .expect("verify JSON");
        println!(
            "audit chain after the run: ok={} entries={}",
            verify["ok"], verify["entries"]
        );
    });
}
