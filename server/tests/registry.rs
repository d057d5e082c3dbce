//! The model registry and the leaderboard end to end: the real
//! `mltrainer-server` binary over real HTTP with a real SQLite file. Two
//! lab results computed here with `shared` (as the app's lab worker
//! computes them) are recorded through `POST /api/results`, ranked on the
//! leaderboard, registered as versions, activated and rolled back
//! (audited), compared, exported, re-imported and re-run on the server,
//! which reproduces every metric bit for bit. Another user sees none of it.

mod common;
#[path = "common/spawn.rs"]
mod spawn;

use serde_json::{json, Value};
use shared::api::ResultRecord;
use shared::features::{build_dataset, FeatureSpec};
use shared::models::{entry, evaluate};

/// A real lab run on the bundled S&P 500 with short windows.
fn lab_record(model: &str) -> ResultRecord {
    let series = shared::data::bundled::load("sp500").expect("bundled sp500");
    let data = build_dataset(&series, &FeatureSpec::default(), 1).expect("dataset");
    let mut config = shared::actions::LAB_DEFAULTS.clone();
    config.train_rows = 500;
    config.test_rows = 500;
    config.seed = 11;
    let report =
        evaluate(&entry(model).expect("catalog"), &data, &config, &|| false).expect("evaluation");
    report.to_result_record("bundled", "sp500")
}

async fn audit_entries(api: &spawn::Api) -> Vec<Value> {
    let answer = api.get("/api/audit?limit=500").await;
    answer.expect(200, None);
    answer.json["entries"].as_array().unwrap().clone()
}

fn bits(value: &Value) -> u64 {
    value.as_f64().expect("a number").to_bits()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_versions_roll_back_export_import_and_reproduce() {
    let (data, dist) = (common::TempDir::new(), common::fake_dist());
    spawn::create_user(data.path(), "ann", "analyst");
    spawn::create_user(data.path(), "bob", "analyst");
    let server = spawn::start(
        spawn::command(data.path()),
        dist.path(),
        &data.path().join("stderr.log"),
    );
    let api = server.api();
    let ann = api.signed_in("ann").await;
    let bob = api.signed_in("bob").await;

    let records = [
        lab_record("logistic_l2_c_1"),
        lab_record("baseline_majority_class"),
    ];
    let mut ids = Vec::new();
    for record in &records {
        let answer = ann
            .post("/api/results", &serde_json::to_value(record).unwrap())
            .await;
        answer.expect(201, None);
        ids.push(answer.json["id"].as_i64().unwrap());
    }

    // The leaderboard ranks both by accuracy, best first, buy-and-hold beside.
    let board = ann
        .get("/api/leaderboard?source=bundled&symbol=sp500&metric=accuracy&limit=5")
        .await;
    board.expect(200, None);
    let boards = board.json["boards"].as_array().unwrap();
    assert_eq!(boards.len(), 1, "{}", board.text());
    assert_eq!(boards[0]["key"]["target"], "direction");
    assert_eq!(boards[0]["key"]["horizon"], 1);
    let rows = boards[0]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let mut expected: Vec<(f64, i64)> = records
        .iter()
        .zip(&ids)
        .map(|(r, &id)| (r.metrics["accuracy"], id))
        .collect();
    expected.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (row, (accuracy, id)) in rows.iter().zip(&expected) {
        assert_eq!(row["result_id"].as_i64(), Some(*id));
        assert_eq!(bits(&row["value"]), accuracy.to_bits());
        let record = &records[ids.iter().position(|i| i == id).unwrap()];
        assert_eq!(
            bits(&row["buy_and_hold_cumulative_return"]),
            record.metrics["buy_and_hold_cumulative_return"].to_bits()
        );
    }
    ann.get("/api/leaderboard?metric=profit")
        .await
        .expect(400, Some("invalid_input"));

    // Register both as versions of "trend": the first becomes active.
    for (n, id) in ids.iter().enumerate() {
        let answer = ann
            .post(
                "/api/registry",
                &json!({"name": "trend", "result_id": id, "note": "run"}),
            )
            .await;
        answer.expect(201, None);
        assert_eq!(answer.json["version"], n as u64 + 1);
        assert_eq!(answer.json["active"], n == 0);
        assert_eq!(answer.json["record"]["seed"], 11);
    }
    ann.post(
        "/api/registry",
        &json!({"name": "bad name", "result_id": ids[0]}),
    )
    .await
    .expect(400, Some("invalid_input"));
    ann.post(
        "/api/registry",
        &json!({"name": "trend", "result_id": 999_999}),
    )
    .await
    .expect(404, Some("not_found"));
    let answer = ann
        .post("/api/registry/trend/activate", &json!({"version": 2}))
        .await;
    answer.expect(200, None);
    assert_eq!(answer.json["active"], true);
    let models = ann.get("/api/registry").await;
    assert_eq!(models.json[0]["active_version"], 2);

    // Roll back: version 1 is active again, audited with the one before.
    let answer = ann.post("/api/registry/trend/rollback", &json!({})).await;
    answer.expect(200, None);
    assert_eq!(answer.json["version"], 1);
    let versions = ann.get("/api/registry/trend").await;
    let active: Vec<bool> = versions
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["active"].as_bool().unwrap())
        .collect();
    assert_eq!(active, [true, false]);
    let rollback = audit_entries(&ann)
        .await
        .into_iter()
        .find(|e| e["kind"] == "registry.rollback")
        .expect("a registry.rollback entry");
    let detail: Value = serde_json::from_str(rollback["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["version"], 1);
    assert_eq!(detail["previous_active"], 2);
    ann.post("/api/registry/trend/rollback", &json!({}))
        .await
        .expect(422, Some("invalid_rollback"));

    // Compare the two side by side.
    let compared = ann.get("/api/registry/trend/compare?a=1&b=2").await;
    compared.expect(200, None);
    assert_eq!(compared.json["same_data"], true);
    let accuracy = compared.json["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "accuracy")
        .unwrap();
    assert_eq!(
        bits(&accuracy["a"]),
        records[0].metrics["accuracy"].to_bits()
    );
    assert_eq!(
        bits(&accuracy["b"]),
        records[1].metrics["accuracy"].to_bits()
    );

    // Export keeps every metric's bits; re-import makes version 3.
    let export = ann.get("/api/registry/trend/1/export").await;
    export.expect(200, None);
    assert_eq!(export.json["format"], "mltrainer.model_version");
    for (name, value) in &records[0].metrics {
        assert_eq!(
            bits(&export.json["record"]["metrics"][name]),
            value.to_bits(),
            "{name}"
        );
    }
    let imported = ann.post("/api/registry/import", &export.json).await;
    imported.expect(201, None);
    assert_eq!(imported.json["version"], 3);
    assert_eq!(imported.json["origin"], "import");
    let mut synthetic = export.json.clone();
    synthetic["record"]["source"] = json!("synthetic");
    ann.post("/api/registry/import", &synthetic)
        .await
        .expect(422, Some("compliance_refused"));

    // Re-run the imported version on the server: every metric, bit for bit.
    let rerun = ann.post("/api/registry/trend/3/rerun", &json!({})).await;
    rerun.expect(200, None);
    assert_eq!(rerun.json["reproduced"], true, "{}", rerun.text());
    assert_eq!(
        rerun.json["code_version_now"],
        rerun.json["code_version_recorded"]
    );
    assert_eq!(rerun.json["data_hash_now"], records[0].data_hash.as_str());
    let checks = rerun.json["metrics"].as_array().unwrap();
    assert_eq!(checks.len(), records[0].metrics.len());
    assert!(checks.iter().all(|m| m["identical"] == true));
    let kinds: Vec<String> = audit_entries(&ann)
        .await
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    for kind in [
        "registry.register",
        "registry.activate",
        "registry.rollback",
        "registry.import",
        "registry.rerun",
        "data.fetch",
    ] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "{kind} missing from {kinds:?}"
        );
    }

    // Another user sees nothing of it and cannot use ann's result.
    assert_eq!(bob.get("/api/registry").await.json, json!([]));
    bob.get("/api/registry/trend")
        .await
        .expect(404, Some("not_found"));
    bob.get("/api/registry/trend/1/export")
        .await
        .expect(404, Some("not_found"));
    bob.post("/api/registry/trend/1/rerun", &json!({}))
        .await
        .expect(404, Some("not_found"));
    bob.post("/api/registry/trend/rollback", &json!({}))
        .await
        .expect(404, Some("not_found"));
    bob.post(
        "/api/registry",
        &json!({"name": "mine", "result_id": ids[0]}),
    )
    .await
    .expect(404, Some("not_found"));
    let board = bob.get("/api/leaderboard").await;
    assert_eq!(board.json["boards"], json!([]));
    assert_eq!(bob.get("/api/registry").await.json, json!([]));

    assert!(spawn::audit_verify(data.path()).status.success());
    server.stop();
}
