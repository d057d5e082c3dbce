//! Trials run by a browser, against the real `mltrainer-server` binary
//! over real HTTP with a real SQLite file (the test plays the browser):
//! reported events are stored, numbered, recorded once and sent to the
//! user's socket exactly as stored; a report out of order, about an
//! unknown step, with a forged series or by another user is refused; when
//! the lease lapses the server takes the trial over, runs the remaining
//! steps from the last finished one and refuses the browser's late
//! reports, so nothing is recorded twice; Resume hands it over at once;
//! Cancel works as for a server's trial.

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

const FROM: &str = "2015-01-01";
const TO: &str = "2018-12-31";

/// A fetch, a cheap lab model on it, and an independent option price.
fn plan(name: &str) -> Value {
    json!({"name": name, "max_concurrent": 2, "steps": [
        {"id": "fetch", "action": {"action": "fetch_data", "source": "bundled",
            "symbol": "sp500", "from": FROM, "to": TO}},
        {"id": "lab", "inputs": ["fetch"], "action": {"action": "run_lab", "symbol": "sp500",
            "scope": "model", "name": "baseline_majority_class",
            "train_rows": 250, "test_rows": 250}},
        {"id": "price", "action": {"action": "price_option", "right": "call",
            "spot": 100.0, "strike": 105.0, "days": 90.0, "volatility": 0.25, "rate": 0.03}},
    ]})
}

struct Setup {
    server: Server,
    _data: common::TempDir,
    _dist: common::TempDir,
}

/// A server with `ann`, `bob` (analysts) and `vic` (viewer), and `env`.
fn with_accounts(env: &[(&str, &str)]) -> Setup {
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    for (name, role) in [("ann", "analyst"), ("bob", "analyst"), ("vic", "viewer")] {
        spawn::create_user(data.path(), name, role);
    }
    let mut command = spawn::command(data.path());
    command.env("MLTRAINER_JWT_SECRET", spawn::JWT_SECRET);
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

async fn start_in_browser(api: &Api, plan: &Value) -> i64 {
    let answer = api.post("/api/trials?host=browser", plan).await;
    answer.expect(201, None);
    assert_eq!(answer.json["host"], "browser", "{}", answer.text());
    assert_eq!(answer.json["status"], "running");
    answer.json["id"].as_i64().expect("an id")
}

async fn report(api: &Api, id: i64, step: &str, body: Value) -> spawn::Answer {
    api.post(&format!("/api/trials/{id}/steps/{step}"), &body)
        .await
}

fn started() -> Value {
    json!({"report": "started"})
}

/// The content hash of the gateway's series for the plan's fetch.
async fn gateway_hash(api: &Api) -> String {
    let answer = api
        .get(&format!(
            "/api/data?source=bundled&symbol=sp500&from={FROM}&to={TO}"
        ))
        .await;
    answer.expect(200, None);
    answer.json["series"]["provenance"]["content_hash"]
        .as_str()
        .expect("a hash")
        .to_string()
}

fn fetch_done(hash: &str) -> Value {
    json!({"report": "done", "summary": {"source": "bundled", "symbol": "sp500",
        "content_hash": hash}})
}

async fn detail(api: &Api, id: i64) -> Value {
    let answer = api.get(&format!("/api/trials/{id}")).await;
    answer.expect(200, None);
    answer.json
}

async fn wait_for(api: &Api, id: i64, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + LIMIT;
    loop {
        let detail = detail(api, id).await;
        if done(&detail) {
            return detail;
        }
        assert!(
            Instant::now() < deadline,
            "trial {id} never got there: {detail}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn finished(detail: &Value) -> bool {
    matches!(
        detail["trial"]["status"].as_str(),
        Some("succeeded" | "failed" | "cancelled")
    )
}

fn event_names(detail: &Value) -> Vec<String> {
    detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["event"].as_str().unwrap(),
                e["step"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn count(names: &[String], name: &str) -> usize {
    names.iter().filter(|n| *n == name).count()
}

fn assert_numbered(detail: &Value) {
    for (i, event) in detail["events"].as_array().unwrap().iter().enumerate() {
        assert_eq!(event["seq"].as_u64(), Some(i as u64 + 1), "{detail}");
    }
}

async fn results(api: &Api) -> Vec<Value> {
    let answer = api.get("/api/results").await;
    answer.expect(200, None);
    answer.json.as_array().unwrap().clone()
}

async fn audit(api: &Api, kind: &str) -> Vec<Value> {
    let answer = api.get("/api/audit?limit=500").await;
    answer.expect(200, None);
    answer.json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| serde_json::from_str(e["detail"].as_str().unwrap_or("null")).unwrap())
        .collect()
}

/// A lab result the default rules allow, as the browser's lab reports it.
fn lab_result(hash: &str) -> Value {
    let mut record = spawn::result_record(42);
    record["model"] = json!("baseline_majority_class");
    record["data_hash"] = json!(hash);
    record
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_reports_are_checked_stored_once_and_sent_to_the_socket() {
    let s = with_accounts(&[]);
    let api = s.server.api();
    let ann = api.signed_in("ann").await;
    let (bob, vic) = (api.signed_in("bob").await, api.signed_in("vic").await);
    let mut socket = live::open(&ann).await;
    let id = start_in_browser(&ann, &plan("in the browser")).await;
    vic.post("/api/trials?host=browser", &plan("no"))
        .await
        .expect(403, Some("forbidden"));
    // The server does not run it.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let waiting = detail(&ann, id).await;
    assert_eq!(event_names(&waiting), ["trial_started:"], "{waiting}");
    // Out of order, unknown, or someone else's: refused, nothing stored.
    report(&ann, id, "lab", started())
        .await
        .expect(409, Some("step_conflict"));
    report(&ann, id, "rocket", started())
        .await
        .expect(422, Some("invalid_report"));
    report(&bob, id, "fetch", started())
        .await
        .expect(404, Some("not_found"));
    bob.post(&format!("/api/trials/{id}/heartbeat"), &json!({}))
        .await
        .expect(404, Some("not_found"));
    report(&vic, id, "fetch", started())
        .await
        .expect(403, Some("forbidden"));
    assert_eq!(detail(&ann, id).await["trial"]["last_seq"], 1);

    let answer = report(&ann, id, "fetch", started()).await;
    answer.expect(200, None);
    assert_eq!(answer.json["events"][0]["event"], "step_started");
    assert_eq!(answer.json["lease_secs"], 30);
    // A series that is not the gateway's is refused.
    report(&ann, id, "fetch", fetch_done(&"00".repeat(32)))
        .await
        .expect(422, Some("output_mismatch"));
    let hash = gateway_hash(&ann).await;
    report(&ann, id, "fetch", fetch_done(&hash))
        .await
        .expect(200, None);
    report(&ann, id, "lab", started()).await.expect(200, None);
    report(&ann, id, "price", started()).await.expect(200, None);
    let progress = json!({"report": "progress", "fraction": 0.5, "message": "1 of 2"});
    report(&ann, id, "lab", progress).await.expect(200, None);
    let bad = json!({"report": "progress", "fraction": 1.5, "message": "too far"});
    report(&ann, id, "lab", bad)
        .await
        .expect(422, Some("invalid_report"));
    let lab = json!({"report": "done", "summary": {"models": 1, "succeeded": 1},
        "output": {"models": [{"model": "baseline_majority_class"}]},
        "results": [lab_result(&hash)]});
    report(&ann, id, "lab", lab.clone()).await.expect(200, None);
    // The same success twice is a conflict, recorded once.
    report(&ann, id, "lab", lab)
        .await
        .expect(409, Some("step_conflict"));
    let done = report(
        &ann,
        id,
        "price",
        json!({"report": "done", "summary": {"price": 3.1}, "output": {"price": 3.1}}),
    )
    .await;
    done.expect(200, None);
    assert_eq!(done.json["trial"]["status"], "succeeded", "{}", done.text());
    assert_eq!(done.json["trial"]["host"], "browser");

    let stored = detail(&ann, id).await;
    assert_numbered(&stored);
    assert_eq!(stored["steps"][0]["summary"]["content_hash"], json!(hash));
    assert_eq!(stored["steps"][2]["summary"]["price"], 3.1);
    let frames = live::until_finished(&mut socket, id).await;
    let sent: Vec<&Value> = frames
        .iter()
        .filter(|f| f["type"] == "event" && f["trial_id"] == id)
        .map(|f| &f["event"])
        .collect();
    let events = stored["events"].as_array().unwrap();
    assert_eq!(sent.len(), events.len(), "{frames:?}");
    for (got, want) in sent.iter().zip(events) {
        assert_eq!(*got, want, "the socket sends the events as stored");
    }
    let recorded = results(&ann).await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0]["record"]["model"], "baseline_majority_class");
    assert!(results(&bob).await.is_empty());
    // Once finished, reports are refused.
    report(&ann, id, "price", started())
        .await
        .expect(409, Some("trial_finished"));
    let starts = audit(&ann, "trial.start").await;
    assert_eq!(starts[0]["host"], "browser");
    assert_eq!(audit(&ann, "trial.end").await.len(), 1);
    assert!(
        !audit(&ann, "data.fetch").await.is_empty(),
        "the check went through the gateway"
    );
    s.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsed_lease_hands_the_trial_to_the_server_which_finishes_it_once() {
    let s = with_accounts(&[("MLTRAINER_BROWSER_LEASE_SECS", "2")]);
    let api = s.server.api();
    let ann = api.signed_in("ann").await;
    let id = start_in_browser(&ann, &plan("left behind")).await;
    let hash = gateway_hash(&ann).await;
    report(&ann, id, "fetch", started()).await.expect(200, None);
    report(&ann, id, "fetch", fetch_done(&hash))
        .await
        .expect(200, None);
    let answer = report(&ann, id, "lab", started()).await;
    answer.expect(200, None);
    assert_eq!(answer.json["lease_secs"], 2);
    // The browser goes away mid-step.
    let detail = wait_for(&ann, id, finished).await;
    assert_eq!(detail["trial"]["status"], "succeeded", "{detail}");
    assert_eq!(detail["trial"]["host"], "server");
    assert_numbered(&detail);
    let names = event_names(&detail);
    assert_eq!(count(&names, "step_started:fetch"), 1, "{names:?}");
    assert_eq!(count(&names, "step_started:lab"), 2, "{names:?}");
    assert_eq!(count(&names, "step_succeeded:lab"), 1, "{names:?}");
    let resumed = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "trial_resumed")
        .expect("a resumed event");
    assert_eq!(resumed["rerun"], json!(["lab"]));
    // The server's lab ran on the series it fetched for the browser.
    assert_eq!(detail["steps"][1]["summary"]["input"], "fetch");
    assert_eq!(detail["steps"][1]["summary"]["data_hash"], json!(hash));
    // The browser's late result is refused: recorded once, by the server.
    let late = json!({"report": "done", "summary": {"models": 1},
        "results": [lab_result(&hash)]});
    report(&ann, id, "lab", late)
        .await
        .expect(409, Some("trial_finished"));
    assert_eq!(results(&ann).await.len(), 1);
    let takeovers = audit(&ann, "trial.takeover").await;
    assert_eq!(takeovers.len(), 1, "{takeovers:?}");
    assert_eq!(takeovers[0]["reason"], "lease_expired");
    assert_eq!(audit(&ann, "trial.resume").await.len(), 1);
    s.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_takes_over_at_once_and_late_reports_are_refused() {
    let s = with_accounts(&[]);
    let api = s.server.api();
    let (ann, bob) = (api.signed_in("ann").await, api.signed_in("bob").await);
    // A plan long enough that the server is still running it when the
    // browser's late report comes.
    let long = json!({"name": "long", "max_concurrent": 1, "steps": [
        {"id": "fetch", "action": {"action": "fetch_data", "source": "bundled",
            "symbol": "sp500", "from": FROM, "to": TO}},
        {"id": "lab", "inputs": ["fetch"], "action": {"action": "run_lab", "symbol": "sp500",
            "scope": "catalog", "train_rows": 250, "test_rows": 250}},
    ]});
    let id = start_in_browser(&ann, &long).await;
    report(&ann, id, "fetch", started()).await.expect(200, None);
    bob.post(&format!("/api/trials/{id}/resume"), &json!({}))
        .await
        .expect(404, Some("not_found"));
    let resumed = ann
        .post(&format!("/api/trials/{id}/resume"), &json!({}))
        .await;
    resumed.expect(200, None);
    assert_eq!(resumed.json["host"], "server");
    let hash = gateway_hash(&ann).await;
    report(&ann, id, "fetch", fetch_done(&hash))
        .await
        .expect(409, Some("trial_taken_over"));
    ann.post(&format!("/api/trials/{id}/heartbeat"), &json!({}))
        .await
        .expect(409, Some("trial_taken_over"));
    ann.post(&format!("/api/trials/{id}/resume"), &json!({}))
        .await
        .expect(409, Some("not_in_browser"));
    let progressing = wait_for(&ann, id, |d| {
        event_names(d).iter().any(|n| n == "step_progress:lab")
    })
    .await;
    let names = event_names(&progressing);
    assert_eq!(count(&names, "step_started:fetch"), 2, "rerun: {names:?}");
    assert_eq!(audit(&ann, "trial.takeover").await[0]["reason"], "user");
    // Cancel reaches the server's runner.
    ann.post(&format!("/api/trials/{id}/cancel"), &json!({}))
        .await
        .expect(200, None);
    let detail = wait_for(&ann, id, finished).await;
    assert_eq!(detail["trial"]["status"], "cancelled", "{detail}");
    assert!(results(&ann).await.is_empty());
    s.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_a_browser_trial_and_records_nothing_after() {
    let s = with_accounts(&[]);
    let api = s.server.api();
    let (ann, bob) = (api.signed_in("ann").await, api.signed_in("bob").await);
    let id = start_in_browser(&ann, &plan("cancelled")).await;
    report(&ann, id, "price", started()).await.expect(200, None);
    bob.post(&format!("/api/trials/{id}/cancel"), &json!({}))
        .await
        .expect(404, Some("not_found"));
    let cancel = ann
        .post(&format!("/api/trials/{id}/cancel"), &json!({}))
        .await;
    cancel.expect(200, None);
    assert_eq!(cancel.json["status"], "cancelling");
    let now = detail(&ann, id).await;
    let status: Vec<&str> = now["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["cancelled", "cancelled", "running"], "{now}");
    // The heartbeat tells the browser; nothing new starts.
    let beat = ann
        .post(&format!("/api/trials/{id}/heartbeat"), &json!({}))
        .await;
    beat.expect(200, None);
    assert_eq!(beat.json["trial"]["status"], "cancelling");
    // A result reported after the cancel is not recorded.
    let late = json!({"report": "done", "summary": {"price": 3.1},
        "results": [spawn::result_record(1)]});
    let answer = report(&ann, id, "price", late).await;
    answer.expect(200, None);
    let names: Vec<&str> = answer.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["step_cancelled", "trial_finished"]);
    assert_eq!(answer.json["trial"]["status"], "cancelled");
    assert!(results(&ann).await.is_empty());
    let detail = detail(&ann, id).await;
    assert_numbered(&detail);
    // A cancelled browser trial with nothing running ends at once.
    let idle = start_in_browser(&ann, &plan("idle")).await;
    let cancel = ann
        .post(&format!("/api/trials/{idle}/cancel"), &json!({}))
        .await;
    assert_eq!(cancel.json["status"], "cancelled", "{}", cancel.text());
    s.server.stop();
}
