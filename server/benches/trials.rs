//! Trial benchmark, two figures:
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
//!
//! Run with `cargo bench -p server --bench trials`. Measures only; asserts
//! nothing about speed.

use std::time::Instant;

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

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(store_events(count("TRIAL_EVENTS", 2_000)));
    runtime.block_on(runner(count("TRIAL_COUNT", 50)));
}
