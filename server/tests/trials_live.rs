//! Live trial updates and the end-of-trial webhook, against the real
//! `mltrainer-server` binary: two sockets of one user both see every event
//! of a trial in order, another user's socket sees none; tickets are
//! single-use and checked (with the origin and the socket cap) before the
//! upgrade; a slow socket with a one-event buffer resynchronises from the
//! store and still gets every event once; a reconnect with `after` resumes
//! without duplicates; the webhook reaches a local receiver, retries a 500,
//! and audits a permanent failure without touching the trial; a
//! shutdown closes open sockets with 1001.
//! (A ticket's expiry is tested in `live::ticket`'s unit tests: tickets
//! last 30 s.)

mod common;
#[path = "common/live.rs"]
mod live;
#[path = "common/spawn.rs"]
mod spawn;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use spawn::{Api, Server};

/// How long a trial may take on a loaded machine before the test fails.
const LIMIT: Duration = Duration::from_secs(240);

fn price(id: &str, inputs: &[&str], strike: f64) -> Value {
    json!({"id": id, "inputs": inputs, "action": {"action": "price_option", "right": "call",
        "spot": 100.0, "strike": strike, "days": 90.0, "volatility": 0.25, "rate": 0.03}})
}

/// Five cheap steps: a chain of three and an independent pair.
fn price_plan(name: &str) -> Value {
    json!({"name": name, "max_concurrent": 2, "steps": [
        price("a", &[], 95.0), price("b", &["a"], 100.0), price("c", &["b"], 105.0),
        price("d", &[], 110.0), price("e", &["d"], 115.0),
    ]})
}

/// A fetch of half a year (too short for the lab's 250-row window, so the
/// lab fails) with ten steps depending on the lab: its failure is stored
/// and published as one batch of twelve events.
fn burst_plan() -> Value {
    let mut steps = vec![
        json!({"id": "fetch", "action": {"action": "fetch_data", "source": "bundled",
            "symbol": "sp500", "from": "2018-07-01", "to": "2018-12-31"}}),
        json!({"id": "lab", "inputs": ["fetch"], "action": {"action": "run_lab",
            "symbol": "sp500", "scope": "model", "name": "baseline_majority_class",
            "train_rows": 250, "test_rows": 250}}),
    ];
    for i in 0..10 {
        steps.push(price(&format!("p{i}"), &["lab"], 100.0 + f64::from(i)));
    }
    json!({"name": "burst", "max_concurrent": 1, "steps": steps})
}

/// A fetch and one cheap lab model: a trial with a best result.
fn lab_plan(name: &str) -> Value {
    json!({"name": name, "steps": [
        {"id": "fetch", "action": {"action": "fetch_data", "source": "bundled",
            "symbol": "sp500", "from": "2015-01-01", "to": "2018-12-31"}},
        {"id": "lab", "inputs": ["fetch"], "action": {"action": "run_lab", "symbol": "sp500",
            "scope": "model", "name": "baseline_majority_class",
            "train_rows": 250, "test_rows": 250}},
    ]})
}

struct Setup {
    server: Server,
    _data: common::TempDir,
    _dist: common::TempDir,
}

/// A server with accounts `ann` and `bob` (analysts) and `env`.
fn with_accounts(env: &[(&str, &str)]) -> Setup {
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    spawn::create_user(data.path(), "ann", "analyst");
    spawn::create_user(data.path(), "bob", "analyst");
    let mut command = spawn::command(data.path());
    for (name, value) in env {
        command.env(name, value);
    }
    let server = spawn::start(command, dist.path(), &data.path().join("stderr.log"));
    Setup {
        server,
        _data: data,
        _dist: dist,
    }
}

async fn start_trial(api: &Api, plan: &Value) -> i64 {
    let answer = api.post("/api/trials", plan).await;
    answer.expect(201, None);
    answer.json["id"].as_i64().expect("an id")
}

/// The trial's stored events, once it finished.
async fn finished_events(api: &Api, id: i64) -> Vec<Value> {
    let deadline = Instant::now() + LIMIT;
    loop {
        let answer = api.get(&format!("/api/trials/{id}")).await;
        answer.expect(200, None);
        let status = answer.json["trial"]["status"].as_str().unwrap_or("");
        if matches!(status, "succeeded" | "failed" | "cancelled") {
            return answer.json["events"].as_array().unwrap().clone();
        }
        assert!(Instant::now() < deadline, "trial {id} never finished");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The socket's event frames of `trial_id` are exactly the stored events.
fn assert_same_as_stored(frames: &[Value], trial_id: i64, stored: &[Value]) {
    let events: Vec<&Value> = frames
        .iter()
        .filter(|f| f["type"] == "event" && f["trial_id"] == trial_id)
        .map(|f| &f["event"])
        .collect();
    assert_eq!(events.len(), stored.len(), "{frames:?}");
    for (got, want) in events.iter().zip(stored) {
        assert_eq!(*got, want);
    }
    let expected: Vec<u64> = (1..=stored.len() as u64).collect();
    assert_eq!(live::seqs(frames, trial_id), expected, "1..n, no gaps");
}

async fn audit_entries(api: &Api, kind: &str) -> Vec<Value> {
    let answer = api.get("/api/audit?limit=500").await;
    answer.expect(200, None);
    let mut entries: Vec<Value> = answer.json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| {
            let mut e = e.clone();
            e["detail"] = serde_json::from_str(e["detail"].as_str().unwrap_or("null")).unwrap();
            e
        })
        .collect();
    entries.reverse();
    entries
}

/// Waits until `count` audit entries of `kind` exist; returns them, oldest first.
async fn wait_audited(api: &Api, kind: &str, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + LIMIT;
    loop {
        let entries = audit_entries(api, kind).await;
        if entries.len() >= count {
            return entries;
        }
        assert!(
            Instant::now() < deadline,
            "never {count} {kind}: {entries:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sockets_of_a_user_see_every_event_in_order_and_another_user_none() {
    let s = with_accounts(&[]);
    let api = s.server.api();
    let (ann, bob) = (api.signed_in("ann").await, api.signed_in("bob").await);
    let mut tab1 = live::open(&ann).await;
    let mut tab2 = live::open(&ann).await;
    let mut bobs = live::open(&bob).await;
    let id = start_trial(&ann, &price_plan("ann's")).await;
    let first = live::until_finished(&mut tab1, id).await;
    let second = live::until_finished(&mut tab2, id).await;
    let stored = finished_events(&ann, id).await;
    assert_eq!(
        stored.len(),
        12,
        "started, 5 x (step started, succeeded), finished"
    );
    assert_same_as_stored(&first, id, &stored);
    assert_same_as_stored(&second, id, &stored);
    // Bob's socket is live (it gets his own trial) but got none of Ann's.
    let his = start_trial(&bob, &price_plan("bob's")).await;
    let frames = live::until_finished(&mut bobs, his).await;
    assert!(frames.iter().all(|f| f["trial_id"] == his), "{frames:?}");
    assert_same_as_stored(&frames, his, &finished_events(&bob, his).await);
    // Nor does Ann's socket get Bob's.
    assert!(live::next_frame(&mut tab1, Duration::from_millis(300))
        .await
        .is_none());
    // A client may not resume someone else's trial.
    live::send(
        &mut bobs,
        &json!({"type": "subscribe", "trial_id": id, "after": 0}),
    )
    .await;
    let refused = live::next_frame(&mut bobs, live::FRAME_LIMIT)
        .await
        .unwrap();
    assert_eq!(refused["type"], "error");
    assert_eq!(refused["code"], "not_found");
    live::send(&mut bobs, &json!({"type": "hello"})).await;
    let invalid = live::next_frame(&mut bobs, live::FRAME_LIMIT)
        .await
        .unwrap();
    assert_eq!(invalid["code"], "invalid_frame");
    s.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_origins_and_the_socket_cap_are_checked_before_the_upgrade() {
    let s = with_accounts(&[("MLTRAINER_WS_PER_USER", "2")]);
    let api = s.server.api();
    let ann = api.signed_in("ann").await;
    // A ticket needs a session.
    api.post("/api/ws/ticket", &json!({}))
        .await
        .expect(401, Some("unauthenticated"));
    let missing = live::connect(&ann, None, None).await.unwrap_err();
    assert_eq!(live::refusal(missing), (401, "ticket_missing".into()));
    let forged = live::connect(&ann, Some("AAAAforged"), None)
        .await
        .unwrap_err();
    assert_eq!(live::refusal(forged), (401, "ticket_invalid".into()));
    // A foreign origin is refused; the app's own is accepted.
    let ticket = live::ticket(&ann).await;
    let foreign = live::connect(&ann, Some(&ticket), Some("http://evil.example"))
        .await
        .unwrap_err();
    assert_eq!(live::refusal(foreign), (403, "origin_refused".into()));
    let own = format!("http://{}", s.server.addr);
    let first = live::connect(&ann, Some(&ticket), Some(&own)).await;
    assert!(first.is_ok(), "the app's origin opens a socket");
    // Single use.
    let reused = live::connect(&ann, Some(&ticket), None).await.unwrap_err();
    assert_eq!(live::refusal(reused), (401, "ticket_used".into()));
    // Not a WebSocket: refused without spending the ticket.
    let plain = ann.get("/api/ws?ticket=x").await;
    plain.expect(400, Some("websocket_required"));
    // The cap: two sockets per user here.
    let second = live::open(&ann).await;
    let third = live::connect(&ann, Some(&live::ticket(&ann).await), None)
        .await
        .unwrap_err();
    assert_eq!(live::refusal(third), (429, "too_many_sockets".into()));
    drop(second);
    let deadline = Instant::now() + LIMIT;
    loop {
        let ticket = live::ticket(&ann).await;
        match live::connect(&ann, Some(&ticket), None).await {
            Ok(_) => break,
            Err(error) => {
                assert_eq!(live::refusal(error), (429, "too_many_sockets".into()));
                assert!(Instant::now() < deadline, "a closed socket frees its slot");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    s.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_socket_resynchronises_and_gets_every_event_once() {
    let s = with_accounts(&[("MLTRAINER_WS_BUFFER", "1")]);
    let api = s.server.api();
    let ann = api.signed_in("ann").await;
    let mut slow = live::open(&ann).await;
    let id = start_trial(&ann, &burst_plan()).await;
    // Read nothing until the trial is over.
    let stored = finished_events(&ann, id).await;
    assert_eq!(
        stored.last().unwrap()["outcome"],
        "failed",
        "the lab fails: {stored:?}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let frames = live::until_finished(&mut slow, id).await;
    assert!(
        frames.iter().any(|f| f["type"] == "resync"),
        "a burst of 12 events overflows a buffer of 1: {frames:?}"
    );
    assert_same_as_stored(&frames, id, &stored);
    assert!(live::next_frame(&mut slow, Duration::from_millis(300))
        .await
        .is_none());
    s.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_with_after_resumes_without_duplicates() {
    let s = with_accounts(&[]);
    let api = s.server.api();
    let ann = api.signed_in("ann").await;
    let mut first = live::open(&ann).await;
    let id = start_trial(&ann, &price_plan("resume")).await;
    let mut got = Vec::new();
    while got.len() < 3 {
        got.push(
            live::next_frame(&mut first, live::FRAME_LIMIT)
                .await
                .unwrap(),
        );
    }
    assert_eq!(live::seqs(&got, id), [1, 2, 3]);
    drop(first);
    let stored = finished_events(&ann, id).await;
    let mut second = live::open(&ann).await;
    live::send(
        &mut second,
        &json!({"type": "subscribe", "trial_id": id, "after": 3}),
    )
    .await;
    got.extend(live::until_finished(&mut second, id).await);
    assert_same_as_stored(&got, id, &stored);
    // Asking again from an older seq sends nothing this socket already sent.
    live::send(
        &mut second,
        &json!({"type": "subscribe", "trial_id": id, "after": 1}),
    )
    .await;
    assert!(live::next_frame(&mut second, Duration::from_millis(500))
        .await
        .is_none());
    // A fresh socket asking from 0 gets the whole record.
    let mut third = live::open(&ann).await;
    live::send(&mut third, &json!({"type": "subscribe", "trial_id": id})).await;
    let replay = live::until_finished(&mut third, id).await;
    assert_same_as_stored(&replay, id, &stored);
    // A shutdown closes open sockets cleanly: 1001, going away.
    s.server.stop();
    let close = live::closing(&mut third).await;
    assert_eq!(close, 1001);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_is_sent_retried_and_its_failures_audited() {
    // Trial 1: 200. Trial 2: 500, then 200. Trial 3: 503 every time.
    let hook = live::FakeWebhook::start(&[200, 500, 200, 503]).await;
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    let mut command = spawn::command(data.path());
    command.env("MLTRAINER_WEBHOOK_URL", &hook.url);
    command.env("POLYGON_API_KEY", "pk-SENTINEL-webhook");
    let server = spawn::start(command, dist.path(), &data.path().join("stderr.log"));
    let api = server.api();

    let one = start_trial(&api, &lab_plan("first")).await;
    finished_events(&api, one).await;
    let sent = wait_audited(&api, "trial.webhook_sent", 1).await;
    assert_eq!(sent[0]["detail"]["attempts"], 1);
    let bodies = hook.received();
    assert_eq!(bodies.len(), 1);
    let text = bodies[0]["text"].as_str().unwrap();
    assert!(
        text.starts_with(&format!(
            "mlTrainer: trial \"first\" (#{one}) succeeded: 2 of 2 steps"
        )) && text.contains("Best result: baseline_majority_class (step lab) accuracy 0."),
        "{text}"
    );
    assert_eq!(bodies[0].as_object().unwrap().len(), 1, "only text");
    assert!(
        !text.contains("SENTINEL") && !text.contains("2016-"),
        "{text}"
    );
    assert!(audit_entries(&api, "trial.webhook_failed").await.is_empty());

    let two = start_trial(&api, &price_plan("second")).await;
    finished_events(&api, two).await;
    let sent = wait_audited(&api, "trial.webhook_sent", 2).await;
    assert_eq!(sent[1]["detail"]["trial_id"], two);
    assert_eq!(sent[1]["detail"]["attempts"], 2);
    let failed = audit_entries(&api, "trial.webhook_failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["detail"]["status"], 500);
    assert_eq!(failed[0]["detail"]["retrying"], true);
    assert!(hook.received()[2]["text"]
        .as_str()
        .unwrap()
        .ends_with("No model results."));

    let three = start_trial(&api, &price_plan("third")).await;
    let events = finished_events(&api, three).await;
    assert_eq!(
        events.last().unwrap()["outcome"],
        "succeeded",
        "never fatal"
    );
    let failed = wait_audited(&api, "trial.webhook_failed", 5).await;
    let last: Vec<&Value> = failed[1..].iter().map(|e| &e["detail"]).collect();
    for (i, detail) in last.iter().enumerate() {
        assert_eq!(detail["trial_id"], three);
        assert_eq!(detail["attempt"], i + 1);
        assert_eq!(detail["status"], 503);
        assert_eq!(detail["reason"], "http_status");
        assert_eq!(detail["retrying"], i < 3, "4 attempts, then it gives up");
    }
    assert_eq!(hook.received().len(), 7);
    let stderr = server.stderr();
    assert!(!stderr.contains("SECRETPATH"), "the URL is never logged");
    let data_dir = data.path().to_owned();
    server.stop();
    let verify = spawn::audit_verify(&data_dir);
    assert!(verify.status.success(), "{verify:?}");
    for file in ["mltrainer.sqlite3", "mltrainer.sqlite3-wal"] {
        if let Ok(bytes) = std::fs::read(data_dir.join(file)) {
            let found = bytes.windows(10).any(|w| w == b"SECRETPATH");
            assert!(!found, "the URL is never stored ({file})");
        }
    }
}
