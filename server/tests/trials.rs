//! Trials end to end: the real `mltrainer-server` binary over real HTTP
//! with a real SQLite file. A plan of a bundled fetch, two lab runs and an
//! option price runs to completion in the background and records its
//! results; an invalid plan is refused naming the step; a cancel stops a
//! trial and nothing is recorded after it; another user can neither see
//! nor cancel it and a viewer cannot start one; a trial survives a SIGKILL
//! and a restart and completes; `trial run` runs a plan file from the CLI.

mod common;
#[path = "common/spawn.rs"]
mod spawn;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use spawn::{Api, Server};

/// How long a trial may take on a loaded machine before the test fails.
const LIMIT: Duration = Duration::from_secs(240);

fn fetch_step() -> Value {
    json!({"id": "fetch", "action": {"action": "fetch_data", "source": "bundled",
        "symbol": "sp500", "from": "2015-01-01", "to": "2018-12-31"}})
}

fn lab_step(id: &str, model: &str) -> Value {
    json!({"id": id, "inputs": ["fetch"], "action": {"action": "run_lab", "symbol": "sp500",
        "scope": "model", "name": model, "train_rows": 250, "test_rows": 250}})
}

fn price_step() -> Value {
    json!({"id": "price", "action": {"action": "price_option", "right": "call",
        "spot": 100.0, "strike": 105.0, "days": 90.0, "volatility": 0.25, "rate": 0.03}})
}

/// Fetch, two cheap lab runs on the fetched series, and a price.
fn small_plan() -> Value {
    json!({"name": "small", "max_concurrent": 2, "steps": [
        fetch_step(),
        lab_step("majority", "baseline_majority_class"),
        lab_step("logistic", "logistic_l2_c_1"),
        price_step(),
    ]})
}

/// A plan whose lab step runs every direction model: long enough to
/// cancel or kill mid-run.
fn long_plan() -> Value {
    json!({"name": "long", "steps": [
        fetch_step(),
        {"id": "lab", "inputs": ["fetch"], "action": {"action": "run_lab", "symbol": "sp500",
            "scope": "catalog", "train_rows": 250, "test_rows": 250}},
    ]})
}

fn start_server(data: &common::TempDir, dist: &common::TempDir, env: &[(&str, &str)]) -> Server {
    let mut command = spawn::command(data.path());
    for (name, value) in env {
        command.env(name, value);
    }
    spawn::start(command, dist.path(), &data.path().join("stderr.log"))
}

/// Polls the trial until `done(detail)` holds; panics after [`LIMIT`].
async fn wait_for(api: &Api, id: i64, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + LIMIT;
    loop {
        let answer = api.get(&format!("/api/trials/{id}")).await;
        answer.expect(200, None);
        if done(&answer.json) {
            return answer.json;
        }
        assert!(
            Instant::now() < deadline,
            "trial {id} never got there: {}",
            answer.text()
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

fn assert_numbered(detail: &Value) {
    for (i, event) in detail["events"].as_array().unwrap().iter().enumerate() {
        assert_eq!(
            event["seq"].as_u64(),
            Some(i as u64 + 1),
            "events numbered 1, 2, ..."
        );
    }
}

async fn audit_kinds(api: &Api) -> Vec<String> {
    let answer = api.get("/api/audit?limit=500").await;
    answer.expect(200, None);
    answer.json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_runs_to_completion_and_records_its_results() {
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    let server = start_server(&data, &dist, &[]);
    let api = server.api();
    let answer = api.post("/api/trials", &small_plan()).await;
    answer.expect(201, None);
    let id = answer.json["id"].as_i64().unwrap();
    assert_eq!(answer.json["steps_total"], 4);
    let detail = wait_for(&api, id, finished).await;
    assert_eq!(detail["trial"]["status"], "succeeded", "{detail}");
    assert_numbered(&detail);
    for step in detail["steps"].as_array().unwrap() {
        assert_eq!(step["status"], "succeeded", "{step}");
    }
    let names = event_names(&detail);
    let position = |name: &str| names.iter().position(|n| n == name).unwrap();
    assert!(position("step_succeeded:fetch") < position("step_started:majority"));
    assert!(position("step_succeeded:fetch") < position("step_started:logistic"));
    assert_eq!(names.last().unwrap(), "trial_finished:");
    let price = &detail["steps"][3]["summary"]["price"];
    assert!(price.as_f64().unwrap() > 0.0, "{price}");
    // The lab ran on the fetched 2015-2018 series, not the whole dataset.
    let lab = &detail["steps"][1]["summary"];
    assert_eq!(lab["input"], "fetch");
    assert!(lab["rows"].as_u64().unwrap() < 1100, "{lab}");
    // Events after a sequence number.
    let later = api.get(&format!("/api/trials/{id}?after=3")).await;
    later.expect(200, None);
    assert_eq!(later.json["events"][0]["seq"], 4);
    // Each model's result was recorded, as POST /api/results does.
    let results = api.get("/api/results").await;
    let models: Vec<&str> = results
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["record"]["model"].as_str().unwrap())
        .collect();
    assert_eq!(models.len(), 2, "{models:?}");
    assert!(models.contains(&"baseline_majority_class") && models.contains(&"logistic_l2_c_1"));
    let kinds = audit_kinds(&api).await;
    for kind in ["trial.start", "trial.end", "data.fetch", "result.record"] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "{kind} missing from {kinds:?}"
        );
    }
    let list = api.get("/api/trials").await;
    assert_eq!(list.json[0]["status"], "succeeded");
    assert_eq!(list.json[0]["steps_done"], 4);
    assert!(spawn::audit_verify(data.path()).status.success());
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_plans_are_refused_naming_the_step() {
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    let server = start_server(&data, &dist, &[]);
    let api = server.api();
    let cycle = json!({"name": "cycle", "steps": [
        {"id": "a", "inputs": ["b"], "action": price_step()["action"]},
        {"id": "b", "inputs": ["a"], "action": price_step()["action"]},
    ]});
    let answer = api.post("/api/trials", &cycle).await;
    answer.expect(422, Some("invalid_plan"));
    let detail = answer.json["detail"].as_str().unwrap();
    assert!(
        detail.contains("\"a\"") && detail.contains("cycle"),
        "{detail}"
    );
    let unknown = json!({"name": "x", "steps": [price_step(), {"id": "rocket", "action": {"action": "launch"}}]});
    let answer = api.post("/api/trials", &unknown).await;
    answer.expect(422, Some("invalid_plan"));
    assert!(
        answer.json["detail"]
            .as_str()
            .unwrap()
            .starts_with("step 1 (\"rocket\")"),
        "{}",
        answer.text()
    );
    let refused = json!({"name": "x", "steps": [{"id": "f", "action":
        {"action": "fetch_data", "source": "random_walk", "symbol": "SIM"}}]});
    let answer = api.post("/api/trials", &refused).await;
    answer.expect(422, Some("invalid_plan"));
    assert!(
        answer.json["detail"].as_str().unwrap().contains("\"f\""),
        "{}",
        answer.text()
    );
    let missing = json!({"name": "x", "steps": [{"id": "p", "inputs": ["nope"], "action": price_step()["action"]}]});
    api.post("/api/trials", &missing)
        .await
        .expect(422, Some("invalid_plan"));
    let list = api.get("/api/trials").await;
    assert_eq!(list.json, json!([]), "nothing was stored");
    assert!(audit_kinds(&api).await.iter().any(|k| k == "trial.refused"));
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_a_trial_and_nothing_is_recorded_after() {
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    let server = start_server(&data, &dist, &[]);
    let api = server.api();
    let answer = api.post("/api/trials", &long_plan()).await;
    answer.expect(201, None);
    let id = answer.json["id"].as_i64().unwrap();
    wait_for(&api, id, |d| {
        event_names(d).iter().any(|n| n == "step_progress:lab")
    })
    .await;
    let cancel = api
        .post(&format!("/api/trials/{id}/cancel"), &json!({}))
        .await;
    cancel.expect(200, None);
    assert_eq!(cancel.json["status"], "cancelling");
    let detail = wait_for(&api, id, finished).await;
    assert_eq!(detail["trial"]["status"], "cancelled", "{detail}");
    assert_numbered(&detail);
    let names = event_names(&detail);
    assert!(
        names.contains(&"step_cancelled:lab".to_string()),
        "{names:?}"
    );
    assert!(!names.contains(&"step_succeeded:lab".to_string()));
    let results = api.get("/api/results").await;
    assert_eq!(
        results.json,
        json!([]),
        "no result recorded after the cancel"
    );
    // Cancelling again answers the finished trial as it is.
    let again = api
        .post(&format!("/api/trials/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(again.json["status"], "cancelled");
    let kinds = audit_kinds(&api).await;
    assert!(kinds.iter().any(|k| k == "trial.cancel") && kinds.iter().any(|k| k == "trial.end"));
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_users_cannot_see_or_cancel_and_viewers_cannot_start() {
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    for (name, role) in [("ann", "analyst"), ("bob", "analyst"), ("vic", "viewer")] {
        spawn::create_user(data.path(), name, role);
    }
    let server = start_server(&data, &dist, &[("MLTRAINER_JWT_SECRET", spawn::JWT_SECRET)]);
    let api = server.api();
    api.post("/api/trials", &small_plan())
        .await
        .expect(401, Some("unauthenticated"));
    let ann = api.signed_in("ann").await;
    let bob = api.signed_in("bob").await;
    let vic = api.signed_in("vic").await;
    let answer = ann
        .post(
            "/api/trials",
            &json!({"name": "ann's", "steps": [price_step(), {"id": "backtest", "action": {
                "action": "backtest", "symbol": "sp500", "rule": "ma_crossover", "fast": 10,
                "slow": 50, "from": "2016-01-01", "to": "2018-12-31"}}]}),
        )
        .await;
    answer.expect(201, None);
    let id = answer.json["id"].as_i64().unwrap();
    assert_eq!(bob.get("/api/trials").await.json, json!([]));
    bob.get(&format!("/api/trials/{id}"))
        .await
        .expect(404, Some("not_found"));
    bob.post(&format!("/api/trials/{id}/cancel"), &json!({}))
        .await
        .expect(404, Some("not_found"));
    vic.post("/api/trials", &small_plan())
        .await
        .expect(403, Some("forbidden"));
    vic.post(&format!("/api/trials/{id}/cancel"), &json!({}))
        .await
        .expect(403, Some("forbidden"));
    let detail = wait_for(&ann, id, finished).await;
    assert_eq!(detail["trial"]["status"], "succeeded", "{detail}");
    // The backtest ran through shared::execute on the gateway's series.
    assert_eq!(detail["steps"][1]["summary"]["kind"], "backtest");
    assert_eq!(bob.get("/api/trials").await.json, json!([]));
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trial_survives_a_kill_and_completes_after_a_restart() {
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    let env = [("MLTRAINER_TRIAL_WORKERS", "1")];
    let server = start_server(&data, &dist, &env);
    let api = server.api();
    let plan = json!({"name": "restart", "max_concurrent": 1, "steps": [
        fetch_step(),
        {"id": "lab", "inputs": ["fetch"], "action": {"action": "run_lab", "symbol": "sp500",
            "scope": "family", "name": "logistic", "train_rows": 100, "test_rows": 100}},
        price_step(),
    ]});
    let answer = api.post("/api/trials", &plan).await;
    answer.expect(201, None);
    let id = answer.json["id"].as_i64().unwrap();
    let before = wait_for(&api, id, |d| {
        event_names(d).iter().any(|n| n == "step_started:lab")
    })
    .await;
    server.kill();
    assert!(!finished(&before));
    let server = start_server(&data, &dist, &env);
    let api = server.api();
    let detail = wait_for(&api, id, finished).await;
    assert_eq!(detail["trial"]["status"], "succeeded", "{detail}");
    assert_numbered(&detail);
    let names = event_names(&detail);
    let count = |name: &str| names.iter().filter(|n| *n == name).count();
    assert_eq!(
        count("step_started:fetch"),
        1,
        "the finished fetch is not run again: {names:?}"
    );
    assert_eq!(count("step_succeeded:lab"), 1, "{names:?}");
    let resumed = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "trial_resumed")
        .expect("a resumed event");
    assert_eq!(
        resumed["rerun"],
        json!(["lab"]),
        "the running lab step runs again"
    );
    assert_eq!(count("step_started:lab"), 2, "{names:?}");
    assert!(audit_kinds(&api).await.iter().any(|k| k == "trial.resume"));
    server.stop();
}

#[test]
fn the_cli_runs_a_plan_file_lists_and_cancels() {
    let data = common::TempDir::new();
    let text = serde_json::to_string(&small_plan()).unwrap();
    data.write("plan.json", text);
    let output = spawn::command(data.path())
        .args(["trial", "run"])
        .arg(data.path().join("plan.json"))
        .output()
        .expect("run trial run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(events.first().unwrap()["event"], "trial_started");
    assert_eq!(events.last().unwrap()["outcome"], "succeeded");
    assert!(stdout.trim_end().ends_with("succeeded"), "{stdout}");
    data.write("bad.json", r#"{"name": "bad", "steps": [{"id": "x", "inputs": ["y"], "action": {"action": "price_option", "right": "call", "spot": 1, "strike": 1, "days": 1, "volatility": 0.2}}]}"#);
    let output = spawn::command(data.path())
        .args(["trial", "run"])
        .arg(data.path().join("bad.json"))
        .output()
        .expect("run trial run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("\"x\"") && stderr.contains("unknown_input"),
        "{stderr}"
    );
    let list = spawn::command(data.path())
        .args(["trial", "list"])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(list.starts_with("1\tsucceeded\t4/4\t"), "{list}");
    let cancel = spawn::command(data.path())
        .args(["trial", "cancel", "1"])
        .output()
        .unwrap();
    assert!(cancel.status.success());
    assert!(String::from_utf8_lossy(&cancel.stdout).contains("trial 1 is succeeded"));
    let missing = spawn::command(data.path())
        .args(["trial", "cancel", "99"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_step_fails_its_dependants_and_independent_steps_go_on() {
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    let server = start_server(&data, &dist, &[]);
    let api = server.api();
    // Half a year of data cannot fill a 250-row training window.
    let plan = json!({"name": "branches", "max_concurrent": 1, "steps": [
        {"id": "fetch", "action": {"action": "fetch_data", "source": "bundled",
            "symbol": "sp500", "from": "2018-07-01", "to": "2018-12-31"}},
        lab_step("lab", "baseline_majority_class"),
        {"id": "after", "inputs": ["lab"], "action": price_step()["action"]},
        price_step(),
    ]});
    let answer = api.post("/api/trials", &plan).await;
    answer.expect(201, None);
    let id = answer.json["id"].as_i64().unwrap();
    let detail = wait_for(&api, id, finished).await;
    assert_eq!(detail["trial"]["status"], "failed", "{detail}");
    let status: Vec<&str> = detail["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["succeeded", "failed", "failed", "succeeded"]);
    let after = detail["steps"][2]["error"].as_str().unwrap();
    assert!(after.starts_with("input lab failed: "), "{after}");
    assert_eq!(api.get("/api/results").await.json, json!([]));
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_from_the_cli_reaches_the_running_server() {
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    let server = start_server(&data, &dist, &[]);
    let api = server.api();
    let answer = api.post("/api/trials", &long_plan()).await;
    answer.expect(201, None);
    let id = answer.json["id"].as_i64().unwrap();
    wait_for(&api, id, |d| {
        event_names(d).iter().any(|n| n == "step_progress:lab")
    })
    .await;
    let output = spawn::command(data.path())
        .args(["trial", "cancel", &id.to_string()])
        .output()
        .expect("run trial cancel");
    assert!(output.status.success(), "{output:?}");
    let detail = wait_for(&api, id, finished).await;
    assert_eq!(detail["trial"]["status"], "cancelled", "{detail}");
    assert_eq!(api.get("/api/results").await.json, json!([]));
    server.stop();
}
