//! Exactly-once recording of results sent by the browser's outbox, end to
//! end: the real binary over HTTP with a real SQLite file. A repeated
//! `POST /api/results` with the same `client_id` answers 200 with the row
//! stored the first time, adding no second row and no second audit entry;
//! another user's equal client id is a different result; a malformed
//! client id is refused with its rule.

mod common;
#[path = "common/spawn.rs"]
mod spawn;

use serde_json::{json, Value};
use spawn::{result_record, Api, Server, JWT_SECRET};

/// Starts the binary with accounts `ann` and `bob` (analysts).
fn start(data_dir: &std::path::Path, dist: &std::path::Path) -> Server {
    for name in ["ann", "bob"] {
        spawn::create_user(data_dir, name, "analyst");
    }
    let mut command = spawn::command(data_dir);
    command
        .env("MLTRAINER_JWT_SECRET", JWT_SECRET)
        .env("MLTRAINER_LOGIN_PER_MINUTE", "100000")
        .env("MLTRAINER_EXPENSIVE_PER_MINUTE", "100000");
    spawn::start(command, dist, &data_dir.join("stderr.log"))
}

/// `seed`'s portfolio record under `client_id`.
fn finance_record(seed: u64, client_id: &str) -> Value {
    let mut record = result_record(seed);
    record["kind"] = json!("portfolio");
    record["model"] = json!("max_sharpe");
    record["family"] = json!("portfolio");
    record["metrics"] = json!({ "sharpe": 0.8, "volatility": 0.15 });
    record["client_id"] = json!(client_id);
    record
}

/// How many `result.record` audit entries `api`'s user has.
async fn record_entries(api: &Api) -> usize {
    let answer = api.get("/api/audit?limit=500").await;
    answer.expect(200, None);
    answer.json["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["kind"] == "result.record")
        .count()
}

#[tokio::test]
async fn a_repeated_client_id_is_recorded_once_per_user() {
    let dist = common::fake_dist();
    let data = tempfile::tempdir().expect("temp dir");
    let server = start(data.path(), dist.path());
    let anon = server.api();
    let ann = anon.signed_in("ann").await;
    let bob = anon.signed_in("bob").await;

    let first = ann
        .post("/api/results", &finance_record(1, "fin-abc123"))
        .await;
    first.expect(201, None);
    assert_eq!(first.json["record"]["client_id"], "fin-abc123");
    assert_eq!(record_entries(&ann).await, 1);

    // The outbox retries (the answer was lost): same row, 200, nothing new,
    // even when the repeat's content differs.
    for seed in [1, 2] {
        let again = ann
            .post("/api/results", &finance_record(seed, "fin-abc123"))
            .await;
        again.expect(200, None);
        assert_eq!(again.json["id"], first.json["id"]);
        assert_eq!(again.json["record"]["seed"], 1);
    }
    let listed = ann.get("/api/results").await;
    assert_eq!(listed.json.as_array().map(Vec::len), Some(1));
    assert_eq!(record_entries(&ann).await, 1);

    // Bob's result with the same client id is his own, a new row.
    let his = bob
        .post("/api/results", &finance_record(3, "fin-abc123"))
        .await;
    his.expect(201, None);
    assert_ne!(his.json["id"], first.json["id"]);
    let his_list = bob.get("/api/results").await;
    assert_eq!(his_list.json.as_array().map(Vec::len), Some(1));
    assert_eq!(his_list.json[0]["record"]["seed"], 3);
    assert_eq!(
        ann.get("/api/results").await.json.as_array().map(Vec::len),
        Some(1)
    );

    // Without a client id every POST is a new result, as before.
    for _ in 0..2 {
        ann.post("/api/results", &result_record(5))
            .await
            .expect(201, None);
    }
    assert_eq!(
        ann.get("/api/results").await.json.as_array().map(Vec::len),
        Some(3)
    );

    // A malformed client id is refused by its rule and stores nothing.
    for bad in ["", "has space", &"x".repeat(65)] {
        let refused = ann.post("/api/results", &finance_record(6, bad)).await;
        refused.expect(422, None);
        assert_eq!(refused.json["verdict"]["rule_id"], "result.client_id");
    }
    assert_eq!(
        ann.get("/api/results").await.json.as_array().map(Vec::len),
        Some(3)
    );

    let verify = ann.get("/api/audit/verify").await;
    verify.expect(200, None);
    server.stop();
}
