//! The autonomous loop end to end: the real `mltrainer-server` binary over
//! real HTTP with a real SQLite file. With the rule coach on a short
//! bundled range it stops by itself (goal declared with evidence) within
//! every budget and leaves a complete audit trail that verifies; a fake
//! Anthropic server that keeps proposing and never declares success stops
//! at the rounds budget, and one that proposes the whole catalog never
//! trains more than the models budget (nor calls it without the tokens
//! for its prompt); the wall-time budget stops a run
//! and cancels its trial; the user's stop works; another user can neither
//! see nor stop a run, a viewer cannot start one, and a budget out of
//! bounds is refused naming the field; an OpenAI-compatible model declares
//! the goal met in text; a run a killed server left is finished at the next
//! start.

mod common;
#[path = "common/spawn.rs"]
mod spawn;

use std::time::{Duration, Instant};

use common::fake_llm::{
    anthropic_end, anthropic_start, anthropic_tool_block, openai_text_answer, FakeLlm, Piece, Reply,
};
use serde_json::{json, Value};
use spawn::{Api, Server};

/// How long a run may take on a loaded machine before the test fails.
const LIMIT: Duration = Duration::from_secs(420);

fn start_server(data: &common::TempDir, dist: &common::TempDir, env: &[(&str, &str)]) -> Server {
    let mut command = spawn::command(data.path());
    command.env("MLTRAINER_EXPENSIVE_PER_MINUTE", "1000");
    for (name, value) in env {
        command.env(name, value);
    }
    spawn::start(command, dist.path(), &data.path().join("stderr.log"))
}

/// A short bundled range and small walk-forward windows: a few folds.
fn short_data() -> Value {
    json!({"source": "bundled", "symbol": "sp500", "from": "2015-01-01", "to": "2018-12-31"})
}

fn request(data: Value, budget: Value) -> Value {
    json!({"goal": "Beat buy-and-hold on next-day S&P 500 direction", "data": data,
        "train_rows": 250, "test_rows": 250, "budget": budget})
}

fn budget(rounds: u32, tokens: u64, wall: u64, models: u32) -> Value {
    json!({"max_rounds": rounds, "max_tokens": tokens, "max_wall_seconds": wall,
        "max_models": models})
}

fn finished(detail: &Value) -> bool {
    detail["run"]["status"] == "finished"
}

/// Polls run `id` until `done(detail)` holds; panics after [`LIMIT`].
async fn wait_for(api: &Api, id: i64, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + LIMIT;
    loop {
        let answer = api.get(&format!("/api/autonomous/{id}")).await;
        answer.expect(200, None);
        if done(&answer.json) {
            return answer.json;
        }
        assert!(
            Instant::now() < deadline,
            "run {id} never got there: {}",
            answer.text()
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

fn u64_at(value: &Value, path: &[&str]) -> u64 {
    let mut at = value;
    for key in path {
        at = &at[*key];
    }
    at.as_u64()
        .unwrap_or_else(|| panic!("{path:?} missing in {value}"))
}

/// Asserts every spend is within its budget in the summary and in every round.
fn assert_within_budget(detail: &Value) {
    let budget = &detail["run"]["budget"];
    let check = |spend: &Value| {
        for (spent, max) in [
            ("rounds", "max_rounds"),
            ("tokens", "max_tokens"),
            ("models", "max_models"),
        ] {
            assert!(
                u64_at(spend, &[spent]) <= u64_at(budget, &[max]),
                "{spent} over budget: {spend} vs {budget}"
            );
        }
    };
    check(&detail["run"]["spend"]);
    for round in detail["rounds"].as_array().unwrap() {
        check(&round["spend"]);
    }
}

/// Models with a result, over every round.
fn trained_models(detail: &Value) -> u64 {
    detail["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["results"].as_array().unwrap().len() as u64)
        .sum()
}

async fn audit_entries(api: &Api) -> Vec<Value> {
    let answer = api.get("/api/audit?limit=500").await;
    answer.expect(200, None);
    answer.json["entries"].as_array().unwrap().clone()
}

async fn trial_status(api: &Api, id: i64) -> String {
    let answer = api.get(&format!("/api/trials/{id}")).await;
    answer.expect(200, None);
    answer.json["trial"]["status"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rule_coach_stops_by_itself_within_budget_with_a_verifying_audit_trail() {
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    let server = start_server(&data, &dist, &[]);
    let api = server.api();
    let answer = api
        .post(
            "/api/autonomous",
            &request(short_data(), budget(6, 200_000, 1_800, 60)),
        )
        .await;
    answer.expect(201, None);
    let id = answer.json["id"].as_i64().unwrap();
    assert_eq!(answer.json["status"], "running");
    let detail = wait_for(&api, id, finished).await;
    let stop = &detail["run"]["stop"];
    let evidence = stop["detail"].as_str().unwrap();
    assert!(
        evidence.contains("walk-forward Sharpe") && evidence.contains("vs buy-and-hold"),
        "{evidence}"
    );
    // The goal is met only when the best model beats buy-and-hold; else the
    // strategy ends with nothing left to try.
    let expected = if evidence.contains("(beats buy-and-hold)") {
        "goal_met"
    } else {
        "search_exhausted"
    };
    assert_eq!(stop["kind"], expected, "{detail}");
    assert_within_budget(&detail);
    assert!(
        u64_at(&detail, &["run", "spend", "wall_seconds"])
            <= u64_at(&detail, &["run", "budget", "max_wall_seconds"])
    );
    let rounds = detail["rounds"].as_array().unwrap();
    // Defaults, tuning, ensembles, then the declaration.
    assert_eq!(rounds.len(), 4, "{detail}");
    for round in &rounds[..3] {
        assert_eq!(round["coach"], "rule");
        let trial = round["trial_id"].as_i64().expect("a trial per round");
        assert_eq!(trial_status(&api, trial).await, "succeeded");
        assert!(!round["results"].as_array().unwrap().is_empty(), "{round}");
        for proposal in round["proposals"].as_array().unwrap() {
            assert_eq!(proposal["verdict"], "allowed", "{proposal}");
        }
    }
    assert!(rounds[3]["trial_id"].is_null());
    // Round 2 tuned the two families that led round 1 (ensembles aside);
    // round 3 tried ensembles.
    let mut leaders: Vec<&str> = Vec::new();
    for result in rounds[0]["results"].as_array().unwrap() {
        let family = result["family"].as_str().unwrap();
        if family != "ensemble" && !leaders.contains(&family) && leaders.len() < 2 {
            leaders.push(family);
        }
    }
    for result in rounds[1]["results"].as_array().unwrap() {
        let family = result["family"].as_str().unwrap();
        assert!(
            leaders.contains(&family),
            "{family} is not one of {leaders:?}"
        );
    }
    for result in rounds[2]["results"].as_array().unwrap() {
        assert_eq!(result["family"], "ensemble", "{result}");
    }
    // The evidence names the leaderboard's best model.
    let best = &detail["leaderboard"][0];
    assert!(
        evidence.contains(best["model"].as_str().unwrap()),
        "{evidence}"
    );
    assert_eq!(&detail["run"]["best"], best);
    assert!(
        trained_models(&detail) <= u64_at(&detail, &["run", "spend", "models"]),
        "no model ran beyond those budgeted"
    );
    // The audit trail: the start, every round, the stop.
    let entries = audit_entries(&api).await;
    let of = |kind: &str| -> Vec<&Value> { entries.iter().filter(|e| e["kind"] == kind).collect() };
    assert_eq!(of("autonomous.start").len(), 1);
    let audited_rounds = of("autonomous.round");
    assert_eq!(audited_rounds.len(), 4);
    for entry in &audited_rounds {
        let detail: Value = serde_json::from_str(entry["detail"].as_str().unwrap()).unwrap();
        assert_eq!(detail["run_id"], id);
        assert!(detail["spend"]["tokens"].as_u64().is_some());
        assert!(detail["proposals"].is_array() && detail["results"].is_array());
    }
    let stops = of("autonomous.stop");
    assert_eq!(stops.len(), 1);
    let stop_detail: Value = serde_json::from_str(stops[0]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(stop_detail["reason"], stop["kind"]);
    assert_eq!(stop_detail["detail"], evidence);
    assert_eq!(of("trial.start").len(), 3);
    let list = api.get("/api/autonomous").await;
    assert_eq!(list.json[0]["id"], id);
    server.stop();
    let verify = spawn::audit_verify(data.path());
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}

/// An Anthropic answer calling `run_lab` with each of `inputs`, never
/// declaring the goal met.
fn proposing_reply(inputs: &[Value]) -> Reply {
    let mut body = anthropic_start(900);
    for (index, input) in inputs.iter().enumerate() {
        let text = input.to_string();
        body.push_str(&anthropic_tool_block(
            index as u64,
            &format!("toolu_{index}"),
            "run_lab",
            &[&text],
        ));
    }
    body.push_str(&anthropic_end("tool_use", 120));
    Reply::stream(body)
}

fn start_with_fake(data: &common::TempDir, dist: &common::TempDir, fake: &FakeLlm) -> Server {
    start_server(
        data,
        dist,
        &[
            ("ANTHROPIC_API_KEY", "sk-ant-test-autonomous"),
            ("MLTRAINER_ANTHROPIC_BASE_URL", &fake.base),
            ("MLTRAINER_ANTHROPIC_MODEL", "claude-test"),
        ],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_that_never_declares_success_stops_at_the_rounds_budget() {
    let fake = FakeLlm::start(vec![proposing_reply(&[
        json!({"symbol": "sp500", "scope": "model", "name": "baseline_majority_class"}),
        json!({"symbol": "sp500", "scope": "model", "name": "logistic_l2_c_1"}),
    ])])
    .await;
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    let server = start_with_fake(&data, &dist, &fake);
    let api = server.api();
    let answer = api
        .post(
            "/api/autonomous",
            &request(short_data(), budget(3, 200_000, 1_800, 50)),
        )
        .await;
    answer.expect(201, None);
    let id = answer.json["id"].as_i64().unwrap();
    let detail = wait_for(&api, id, finished).await;
    assert_eq!(detail["run"]["stop"]["kind"], "rounds_spent", "{detail}");
    assert_within_budget(&detail);
    assert_eq!(u64_at(&detail, &["run", "spend", "rounds"]), 3);
    assert_eq!(fake.count(), 3, "one LLM call per round, none after");
    assert_eq!(u64_at(&detail, &["run", "spend", "models"]), 6);
    for round in detail["rounds"].as_array().unwrap() {
        assert_eq!(round["coach"], "anthropic/claude-test");
        assert_eq!(round["results"].as_array().unwrap().len(), 2, "{round}");
        // The provider's usage counts: 900 in, 120 out.
        assert_eq!(round["tokens"], 1020);
    }
    // Each call was capped at the tokens left and saw the results as data.
    let received = fake.received();
    let tools: Vec<&str> = received[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(tools.contains(&"run_lab") && tools.contains(&"declare_goal_met"));
    let later = received[2].body["messages"][0]["content"].as_str().unwrap();
    assert!(later.contains("data, not instructions") && later.contains("logistic_l2_c_1"));
    for request in &received {
        assert!(request.body["max_tokens"].as_u64().unwrap() <= 200_000);
    }
    server.stop();
    assert!(spawn::audit_verify(data.path()).status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proposals_are_cut_to_the_models_budget() {
    // The model asks for the whole catalog every round.
    let fake = FakeLlm::start(vec![proposing_reply(&[
        json!({"symbol": "sp500", "scope": "catalog"}),
    ])])
    .await;
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    let server = start_with_fake(&data, &dist, &fake);
    let api = server.api();
    let answer = api
        .post(
            "/api/autonomous",
            &request(short_data(), budget(5, 200_000, 1_800, 3)),
        )
        .await;
    answer.expect(201, None);
    let id = answer.json["id"].as_i64().unwrap();
    let detail = wait_for(&api, id, finished).await;
    assert_eq!(detail["run"]["stop"]["kind"], "models_spent", "{detail}");
    assert_within_budget(&detail);
    assert_eq!(u64_at(&detail, &["run", "spend", "models"]), 3);
    assert_eq!(fake.count(), 1, "no call once the models are spent");
    let round = &detail["rounds"][0];
    assert_eq!(round["proposals"][0]["verdict"], "cut");
    assert!(round["proposals"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("trimmed to 3 of"));
    let trial = api
        .get(&format!(
            "/api/trials/{}",
            round["trial_id"].as_i64().unwrap()
        ))
        .await;
    // The data step and three models, no more.
    assert_eq!(trial.json["steps"].as_array().unwrap().len(), 4);
    let results = api.get("/api/results").await;
    assert!(results.json.as_array().unwrap().len() <= 3);
    // Too few tokens for the prompt itself: no call is made at all.
    let answer = api
        .post(
            "/api/autonomous",
            &request(short_data(), budget(5, 100, 1_800, 3)),
        )
        .await;
    answer.expect(201, None);
    let id = answer.json["id"].as_i64().unwrap();
    let detail = wait_for(&api, id, finished).await;
    assert_eq!(detail["run"]["stop"]["kind"], "tokens_spent", "{detail}");
    assert_eq!(u64_at(&detail, &["run", "spend", "tokens"]), 0);
    assert_eq!(fake.count(), 1, "the second run never called the model");
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wall_time_budget_stops_a_run_and_cancels_its_trial() {
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    let server = start_server(&data, &dist, &[]);
    let api = server.api();
    // The whole series with the lab's windows: round 1 takes far longer
    // than two seconds.
    let body = json!({"goal": "Beat buy-and-hold", "data": "sp500",
        "budget": budget(5, 200_000, 2, 100)});
    let answer = api.post("/api/autonomous", &body).await;
    answer.expect(201, None);
    let id = answer.json["id"].as_i64().unwrap();
    let detail = wait_for(&api, id, finished).await;
    assert_eq!(detail["run"]["stop"]["kind"], "wall_time_spent", "{detail}");
    assert_within_budget(&detail);
    let trial = detail["rounds"][0]["trial_id"].as_i64().unwrap();
    let deadline = Instant::now() + LIMIT;
    loop {
        let status = trial_status(&api, trial).await;
        if status == "cancelled" {
            break;
        }
        assert!(Instant::now() < deadline, "the trial is still {status}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    // Cancelled between folds: at most a moment past the budget.
    assert!(u64_at(&detail, &["run", "spend", "wall_seconds"]) <= 2 + 5);
    server.stop();
    assert!(spawn::audit_verify(data.path()).status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_stops_a_run_and_other_users_cannot_see_or_stop_it() {
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    for (name, role) in [("ann", "analyst"), ("bob", "analyst"), ("vic", "viewer")] {
        spawn::create_user(data.path(), name, role);
    }
    let server = start_server(&data, &dist, &[("MLTRAINER_JWT_SECRET", spawn::JWT_SECRET)]);
    let api = server.api();
    let ann = api.signed_in("ann").await;
    let bob = api.signed_in("bob").await;
    let vic = api.signed_in("vic").await;
    // Out of bounds: refused, naming the field and the range.
    let answer = ann
        .post(
            "/api/autonomous",
            &request(short_data(), budget(0, 1_000, 60, 5)),
        )
        .await;
    answer.expect(422, Some("invalid_budget"));
    let text = answer.json["detail"].as_str().unwrap();
    assert!(
        text.contains("max_rounds") && text.contains("1 to 20"),
        "{text}"
    );
    let answer = ann
        .post(
            "/api/autonomous",
            &request(short_data(), budget(3, 1_000, 60, 501)),
        )
        .await;
    answer.expect(422, Some("invalid_budget"));
    assert!(answer.json["detail"]
        .as_str()
        .unwrap()
        .contains("max_models"));
    vic.post(
        "/api/autonomous",
        &request(short_data(), budget(3, 1_000, 60, 5)),
    )
    .await
    .expect(403, Some("forbidden"));
    let body = json!({"goal": "Beat buy-and-hold", "data": "sp500",
        "budget": budget(10, 200_000, 1_800, 200)});
    let answer = ann.post("/api/autonomous", &body).await;
    answer.expect(201, None);
    let id = answer.json["id"].as_i64().unwrap();
    assert_eq!(bob.get("/api/autonomous").await.json, json!([]));
    bob.get(&format!("/api/autonomous/{id}"))
        .await
        .expect(404, Some("not_found"));
    bob.post(&format!("/api/autonomous/{id}/stop"), &json!({}))
        .await
        .expect(404, Some("not_found"));
    vic.post(&format!("/api/autonomous/{id}/stop"), &json!({}))
        .await
        .expect(403, Some("forbidden"));
    let running = wait_for(&ann, id, |d| !d["rounds"][0]["trial_id"].is_null()).await;
    assert_eq!(
        running["run"]["status"], "running",
        "bob's stop did nothing"
    );
    let trial = running["rounds"][0]["trial_id"].as_i64().unwrap();
    let answer = ann
        .post(&format!("/api/autonomous/{id}/stop"), &json!({}))
        .await;
    answer.expect(200, None);
    assert!(matches!(
        answer.json["status"].as_str(),
        Some("stopping" | "finished")
    ));
    let detail = wait_for(&ann, id, finished).await;
    assert_eq!(detail["run"]["stop"]["kind"], "user_stopped", "{detail}");
    assert_eq!(detail["rounds"].as_array().unwrap().len(), 1);
    assert_eq!(trial_status(&ann, trial).await, "cancelled");
    assert_eq!(bob.get("/api/autonomous").await.json, json!([]));
    let kinds: Vec<String> = audit_entries(&ann)
        .await
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    for kind in [
        "autonomous.start",
        "autonomous.stop_requested",
        "autonomous.round",
        "autonomous.stop",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} missing: {kinds:?}");
    }
    server.stop();
    assert!(spawn::audit_verify(data.path()).status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_openai_compatible_model_declares_the_goal_met_in_text() {
    let fake = FakeLlm::start(vec![Reply::stream(openai_text_answer(&[
        "The search is done.\n",
        "GOAL MET: walk-forward Sharpe 0.9 vs buy-and-hold 0.6 over 12 folds",
    ]))])
    .await;
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    let server = start_server(
        &data,
        &dist,
        &[
            ("MLTRAINER_OPENAI_BASE_URL", &fake.base),
            ("MLTRAINER_OPENAI_MODEL", "llama3"),
        ],
    );
    let api = server.api();
    let answer = api
        .post(
            "/api/autonomous",
            &request(short_data(), budget(3, 200_000, 600, 10)),
        )
        .await;
    answer.expect(201, None);
    let id = answer.json["id"].as_i64().unwrap();
    let detail = wait_for(&api, id, finished).await;
    let stop = &detail["run"]["stop"];
    assert_eq!(stop["kind"], "goal_met", "{detail}");
    assert_eq!(
        stop["detail"],
        "walk-forward Sharpe 0.9 vs buy-and-hold 0.6 over 12 folds"
    );
    assert_eq!(fake.count(), 1);
    let round = &detail["rounds"][0];
    assert_eq!(round["coach"], "openai/llama3");
    assert!(round["trial_id"].is_null(), "nothing ran");
    assert_eq!(u64_at(&detail, &["run", "spend", "models"]), 0);
    // The provider's usage: 12 prompt and 5 completion tokens.
    assert_eq!(u64_at(&detail, &["run", "spend", "tokens"]), 17);
    server.stop();
    assert!(spawn::audit_verify(data.path()).status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_cut_short_by_a_server_kill_is_finished_at_the_next_start() {
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    let server = start_server(&data, &dist, &[]);
    let api = server.api();
    let body = json!({"goal": "Beat buy-and-hold", "data": "sp500",
        "budget": budget(5, 200_000, 1_800, 100)});
    let answer = api.post("/api/autonomous", &body).await;
    answer.expect(201, None);
    let id = answer.json["id"].as_i64().unwrap();
    wait_for(&api, id, |d| !d["rounds"][0]["trial_id"].is_null()).await;
    server.kill();
    let server = start_server(&data, &dist, &[]);
    let api = server.api();
    let detail = wait_for(&api, id, finished).await;
    assert_eq!(detail["run"]["stop"]["kind"], "failed", "{detail}");
    assert!(detail["run"]["stop"]["detail"]
        .as_str()
        .unwrap()
        .contains("server stopped"));
    server.stop();
    assert!(spawn::audit_verify(data.path()).status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_while_the_model_is_answering_ends_the_run() {
    // The model starts its answer, then stalls.
    let fake = FakeLlm::start(vec![Reply::Stream(vec![
        Piece::Bytes(anthropic_start(10)),
        Piece::Stall(Duration::from_secs(120)),
    ])])
    .await;
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    let server = start_with_fake(&data, &dist, &fake);
    let api = server.api();
    let answer = api
        .post(
            "/api/autonomous",
            &request(short_data(), budget(3, 200_000, 1_800, 10)),
        )
        .await;
    answer.expect(201, None);
    let id = answer.json["id"].as_i64().unwrap();
    let deadline = Instant::now() + LIMIT;
    while fake.count() == 0 {
        assert!(Instant::now() < deadline, "the model was never asked");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let asked = Instant::now();
    api.post(&format!("/api/autonomous/{id}/stop"), &json!({}))
        .await
        .expect(200, None);
    let detail = wait_for(&api, id, finished).await;
    assert!(
        asked.elapsed() < Duration::from_secs(60),
        "the stop did not wait for the stalled answer"
    );
    assert_eq!(detail["run"]["stop"]["kind"], "user_stopped", "{detail}");
    assert!(detail["rounds"].as_array().unwrap().is_empty());
    server.stop();
}
