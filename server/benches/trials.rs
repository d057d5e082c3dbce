//! Trial benchmark, three figures:
//!
//! 1. Events per second through the store: one trial with one running
//!    step, then `TRIAL_EVENTS` progress events from the scheduler, each
//!    stored by `store::trials::apply` in its own write transaction (as the
//!    driver stores them: durable, `synchronous = FULL`).
//! 2. Headless runner throughput: `TRIAL_COUNT` trials of four
//!    `price_option` steps (two independent pairs) started at once through
//!    `TrialRunner::start` on a server state over a temporary data
//!    directory, with the default two workers; trials and steps per second
//!    until every driver has finished.
//! 3. Events per second through the store and out to `WS_CLIENTS` (10)
//!    WebSocket clients: a server on a loopback port in local mode, ten
//!    sockets opened with tickets, then `TRIAL_EVENTS` progress events each
//!    stored in its own transaction and published as the driver does
//!    (`trials::committed`); the clock stops when every client has the
//!    last one (each checks it got every seq once, in order).
//!
//! Run with `cargo bench -p server --bench trials`. Measures only; asserts
//! nothing about speed.

use std::time::Instant;

use futures_util::StreamExt as _;
use tokio_tungstenite::tungstenite::Message;

use server::store::{now_ms, trials, users, Store, StoreError};
use shared::api::Role;
use shared::trial::{Plan, TrialState};

fn count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn price(id: &str, inputs: &[&str], strike: f64) -> serde_json::Value {
    serde_json::json!({"id": id, "inputs": inputs, "action": {"action": "price_option",
        "right": "put", "exercise": "american", "spot": 100.0, "strike": strike,
        "days": 60.0, "volatility": 0.3}})
}

fn plan() -> Plan {
    Plan::from_value(serde_json::json!({"name": "bench", "steps": [
        price("a", &[], 95.0), price("b", &["a"], 100.0),
        price("c", &[], 105.0), price("d", &["c"], 110.0),
    ]}))
    .expect("a valid plan")
}

async fn store_events(events: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open the store");
    let mut trial = TrialState::new(plan().check_graph().expect("a DAG"));
    let first = trial.start();
    let (user, id) = store
        .write(move |tx| {
            let user = users::create(tx, "bench", "!", Role::Analyst, false, now_ms())?;
            let id = trials::create(tx, user, &plan(), &first, now_ms())?;
            Ok::<_, StoreError>((user, id))
        })
        .await
        .expect("create the trial");
    let started = trial.started("a").expect("a is ready");
    store
        .write(move |tx| trials::apply(tx, user, id, &started, None, now_ms()))
        .await
        .expect("store the start");
    let t0 = Instant::now();
    for i in 0..events {
        let batch = trial
            .progress("a", i as f64 / events as f64, "working")
            .expect("a is running");
        store
            .write(move |tx| trials::apply(tx, user, id, &batch, None, now_ms()))
            .await
            .expect("store the event");
    }
    let seconds = t0.elapsed().as_secs_f64();
    println!(
        "store: {events} events, one transaction each, in {seconds:.2} s: {:.0} events/s",
        events as f64 / seconds
    );
}

async fn runner(count: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = server::Config {
        data_dir: dir.path().to_path_buf(),
        ..server::Config::default()
    };
    let state = server::build_state(&config).expect("the state");
    let session = state.local_user.clone().expect("local mode");
    let t0 = Instant::now();
    let mut drivers = Vec::with_capacity(count);
    for _ in 0..count {
        let started = state
            .trials
            .start(&state, &session, plan())
            .await
            .expect("start a trial");
        drivers.push(started.driver);
    }
    for driver in drivers {
        driver.await.expect("the driver ends");
    }
    let seconds = t0.elapsed().as_secs_f64();
    println!(
        "runner: {count} trials of 4 steps with {} workers in {seconds:.2} s: {:.1} trials/s, {:.1} steps/s",
        state.trials.workers(),
        count as f64 / seconds,
        (count * 4) as f64 / seconds
    );
}

/// One client: reads frames until it has seq `last` of `trial_id`;
/// returns the events it got and the resync frames it saw.
async fn client(url: String, trial_id: i64, last: u64) -> (u64, u64) {
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the socket opens");
    let (mut expected, mut resyncs) = (1u64, 0u64);
    while expected <= last {
        let Some(Ok(message)) = socket.next().await else {
            panic!("the socket closed early");
        };
        let Message::Text(text) = message else {
            continue;
        };
        let frame: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        if frame["type"] == "resync" {
            resyncs += 1;
            continue;
        }
        assert_eq!(frame["trial_id"], trial_id);
        assert_eq!(frame["event"]["seq"], expected, "in order, once, no gaps");
        expected += 1;
    }
    (expected - 1, resyncs)
}

async fn sockets(events: usize, clients: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let dist = tempfile::tempdir().expect("temp dist");
    std::fs::write(
        dist.path().join("index.html"),
        "<!DOCTYPE html><html><head><title>bench</title></head><body></body></html>",
    )
    .expect("write index.html");
    let config = server::Config {
        data_dir: dir.path().to_path_buf(),
        dist: dist.path().to_path_buf(),
        ..server::Config::default()
    };
    let (router, state) = server::app_with_state(&config).expect("the app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    let session = state.local_user.clone().expect("local mode");
    let mut trial = TrialState::new(plan().check_graph().expect("a DAG"));
    let first = trial.start();
    let user = session.user_id;
    let stored = first.clone();
    let id = state
        .store
        .write(move |tx| trials::create(tx, user, &plan(), &stored, now_ms()))
        .await
        .expect("create the trial");
    let started = trial.started("a").expect("a is ready");
    let stored = started.clone();
    state
        .store
        .write(move |tx| trials::apply(tx, user, id, &stored, None, now_ms()))
        .await
        .expect("store the start");
    // Events 1 and 2 were stored before the clients connected: each reads
    // them from the store when the first live event shows the gap.
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a client");
    let last = 2 + events as u64;
    let mut readers = Vec::with_capacity(clients);
    for _ in 0..clients {
        let ticket: serde_json::Value = http
            .post(format!("http://{addr}/api/ws/ticket"))
            .send()
            .await
            .expect("a ticket")
            .json()
            .await
            .expect("JSON");
        let url = format!(
            "ws://{addr}/api/ws?ticket={}",
            ticket["ticket"].as_str().expect("a ticket")
        );
        readers.push(tokio::spawn(client(url, id, last)));
    }
    while state.live.open_sockets() < clients {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let t0 = Instant::now();
    for i in 0..events {
        let batch = trial
            .progress("a", i as f64 / events as f64, "working")
            .expect("a is running");
        let stored = batch.clone();
        state
            .store
            .write(move |tx| trials::apply(tx, user, id, &stored, None, now_ms()))
            .await
            .expect("store the event");
        server::trials::committed(&state, &session, id, &batch);
    }
    let mut resyncs = 0;
    for reader in readers {
        let (got, resynced) = reader.await.expect("the client ends");
        assert_eq!(got, last);
        resyncs += resynced;
    }
    let seconds = t0.elapsed().as_secs_f64();
    println!(
        "sockets: {events} events stored and sent to {clients} WebSocket clients in {seconds:.2} s: \
         {:.0} events/s stored, {:.0} frames/s delivered ({resyncs} resyncs)",
        events as f64 / seconds,
        (events * clients) as f64 / seconds
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(store_events(count("TRIAL_EVENTS", 2_000)));
    runtime.block_on(runner(count("TRIAL_COUNT", 50)));
    runtime.block_on(sockets(
        count("TRIAL_EVENTS", 2_000),
        count("WS_CLIENTS", 10),
    ));
}
