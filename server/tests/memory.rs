//! The coach's memory end to end: the real `mltrainer-server` binary over
//! real HTTP with a real SQLite file, two analysts made by its own
//! `user create`. Messages are seeded through the store's own functions
//! (the chat route is tested elsewhere) before the server starts. Proves
//! ranked search with topic filters, per-user isolation, result messages,
//! JSON and CSV export (quoting round trip), import reports with goals
//! checked against the rules, malformed imports storing nothing, and
//! pruning that summarises first, keeps what matters, and is audited.

mod common;
#[path = "common/spawn.rs"]
mod spawn;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{json, Value};
use server::store::conversations::{self, NewMessage};
use server::store::{users, Store, StoreError};
use shared::api::MessageRole;
use spawn::{Api, Server, JWT_SECRET};

const DAY_MS: i64 = 86_400_000;

/// A data directory with analysts ann and bob, made once per binary.
fn accounts_template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        spawn::create_user(&dir, "ann", "analyst");
        spawn::create_user(&dir, "bob", "analyst");
        dir
    })
}

/// A running server on a copy of the template, with ann's and bob's clients.
struct Setup {
    server: Server,
    ann: Api,
    bob: Api,
    data: tempfile::TempDir,
    _dist: common::TempDir,
}

/// Copies the template, lets `seed` write through the store, then starts
/// the server and signs both users in.
async fn setup<F>(seed: F) -> Setup
where
    F: FnOnce(&rusqlite::Transaction<'_>, i64, i64) -> Result<(), StoreError> + Send + 'static,
{
    setup_with(&[], seed).await
}

/// [`setup`] with extra server environment.
async fn setup_with<F>(env: &[(&str, &str)], seed: F) -> Setup
where
    F: FnOnce(&rusqlite::Transaction<'_>, i64, i64) -> Result<(), StoreError> + Send + 'static,
{
    let data = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(accounts_template()).expect("read the template") {
        let entry = entry.expect("template entry");
        if entry.file_type().expect("file type").is_file() {
            std::fs::copy(entry.path(), data.path().join(entry.file_name())).expect("copy");
        }
    }
    {
        let store = Store::open(data.path()).expect("open the store");
        store
            .write(move |tx| {
                let ann = users::by_name(tx, "ann")?.expect("ann").id;
                let bob = users::by_name(tx, "bob")?.expect("bob").id;
                seed(tx, ann, bob)
            })
            .await
            .expect("seed");
    }
    let dist = common::fake_dist();
    let mut command = spawn::command(data.path());
    command
        .env("MLTRAINER_JWT_SECRET", JWT_SECRET)
        .env("MLTRAINER_LOGIN_PER_MINUTE", "100000")
        .env("MLTRAINER_EXPENSIVE_PER_MINUTE", "100000");
    for (name, value) in env {
        command.env(name, value);
    }
    let server = spawn::start(command, dist.path(), &data.path().join("stderr.log"));
    let anon = server.api();
    let ann = anon.signed_in("ann").await;
    let bob = anon.signed_in("bob").await;
    Setup {
        server,
        ann,
        bob,
        data,
        _dist: dist,
    }
}

fn now_ms() -> i64 {
    server::store::now_ms()
}

/// Stores one message.
fn add(
    tx: &rusqlite::Transaction<'_>,
    user_id: i64,
    conversation_id: i64,
    role: MessageRole,
    content: &str,
    at_ms: i64,
) -> Result<i64, StoreError> {
    let message = NewMessage::plain(conversation_id, role, content.to_string(), at_ms);
    Ok(conversations::insert_message(tx, user_id, &message)?.id)
}

/// The ids of a search answer's hits, in order.
fn hit_ids(answer: &spawn::Answer) -> Vec<i64> {
    answer.expect(200, None);
    answer
        .json
        .as_array()
        .expect("a list of hits")
        .iter()
        .map(|hit| hit["message"]["id"].as_i64().expect("an id"))
        .collect()
}

/// The user's own audit entries of `kind`, their `detail` parsed.
async fn audited(api: &Api, kind: &str) -> Vec<Value> {
    let answer = api.get("/api/audit?limit=500").await;
    answer.expect(200, None);
    answer.json["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| {
            let mut entry = e.clone();
            entry["detail"] = serde_json::from_str(e["detail"].as_str().expect("detail text"))
                .expect("detail is JSON");
            entry
        })
        .collect()
}

/// A conversation id of `api`'s user by title.
async fn conversation_by_title(api: &Api, title: &str) -> i64 {
    let list = api.get("/api/conversations").await;
    list.expect(200, None);
    list.json
        .as_array()
        .expect("a list")
        .iter()
        .find(|c| c["title"] == title)
        .and_then(|c| c["id"].as_i64())
        .unwrap_or_else(|| panic!("no conversation {title} in {}", list.text()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_ranks_filters_and_keeps_users_apart() {
    let t = now_ms();
    let s = setup(move |tx, ann, bob| {
        let a = conversations::create_conversation(tx, ann, "Forests", t)?.id;
        add(tx, ann, a, MessageRole::User, "Backtest the random forest on sp500: a walk-forward backtest, then another backtest.", t)?;
        add(tx, ann, a, MessageRole::Assistant, "Gradient boosting on the nasdaq could be a backtest too, though this answer mostly talks about other things at length.", t + 1)?;
        add(tx, ann, a, MessageRole::User, "thanks", t + 2)?;
        let b = conversations::create_conversation(tx, bob, "Bob's secrets", t)?.id;
        add(tx, bob, b, MessageRole::User, "My private backtest on sp500 with a drawdown limit.", t + 3)?;
        Ok(())
    })
    .await;

    let hits = s.ann.get("/api/memory/search?q=backtest").await;
    let ids = hit_ids(&hits);
    assert_eq!(ids.len(), 2, "{}", hits.text());
    let first = &hits.json[0];
    assert!(first["message"]["content"]
        .as_str()
        .unwrap()
        .starts_with("Backtest the random forest"));
    assert!(first["rank"].as_f64().unwrap() < hits.json[1]["rank"].as_f64().unwrap());
    assert_eq!(first["conversation_title"], "Forests");
    assert!(
        first["snippet"].as_str().unwrap().contains("[backtest"),
        "{}",
        first["snippet"]
    );
    // Stemming: "backtests" finds the same messages.
    assert_eq!(
        hit_ids(&s.ann.get("/api/memory/search?q=backtests").await),
        ids
    );

    // Topic filters, with and without words.
    let nasdaq = hit_ids(
        &s.ann
            .get("/api/memory/search?q=backtest&topic=dataset:nasdaq")
            .await,
    );
    assert_eq!(nasdaq, vec![ids[1]]);
    let sp500 = hit_ids(&s.ann.get("/api/memory/search?topic=dataset:sp500").await);
    assert_eq!(sp500, vec![ids[0]]);
    assert_eq!(
        hit_ids(&s.ann.get("/api/memory/search?q=backtest&limit=1").await),
        vec![ids[0]]
    );

    // Isolation: bob's words and conversations are invisible to ann.
    assert!(hit_ids(&s.ann.get("/api/memory/search?q=private").await).is_empty());
    let bobs = s.bob.get("/api/memory/search?q=backtest").await;
    assert_eq!(hit_ids(&bobs).len(), 1);
    assert_eq!(bobs.json[0]["conversation_title"], "Bob's secrets");
    let bob_conversation = conversation_by_title(&s.bob, "Bob's secrets").await;
    let ann_list = s.ann.get("/api/conversations").await;
    assert_eq!(ann_list.json.as_array().unwrap().len(), 1);
    assert_eq!(ann_list.json[0]["messages"], 3);
    s.ann
        .get(&format!("/api/conversations/{bob_conversation}"))
        .await
        .expect(404, Some("not_found"));
    s.ann
        .get(&format!(
            "/api/conversations/{bob_conversation}/export?format=csv"
        ))
        .await
        .expect(404, Some("not_found"));
    let filtered = s
        .ann
        .get(&format!(
            "/api/memory/search?q=backtest&conversation_id={bob_conversation}"
        ))
        .await;
    assert!(hit_ids(&filtered).is_empty());

    // Bad parameters are 422s naming the field.
    for (query, field) in [
        ("q=backtest&limit=0", "limit"),
        ("q=backtest&limit=101", "limit"),
        ("q=backtest&limit=ten", "limit"),
        ("q=backtest&conversation_id=x", "conversation_id"),
        ("q=%20%22%20", "q"),
    ] {
        let answer = s.ann.get(&format!("/api/memory/search?{query}")).await;
        answer.expect(422, Some("invalid_field"));
        assert!(
            answer.json["detail"].as_str().unwrap().starts_with(field),
            "{}",
            answer.text()
        );
    }
    s.server.stop();
}

/// Splits CSV text (RFC 4180) into records of fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "CSV ends with a line end"
    );
    records
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_are_stored_and_export_round_trips() {
    let t = now_ms();
    let s = setup(move |tx, ann, _| {
        let a = conversations::create_conversation(tx, ann, "Lab", t)?.id;
        add(
            tx,
            ann,
            a,
            MessageRole::User,
            "Run a random forest on sp500, please.",
            t,
        )?;
        Ok(())
    })
    .await;
    let id = conversation_by_title(&s.ann, "Lab").await;
    let tricky = "accuracy 54.1%, Sharpe 0.8; the model said \"up\"\nsecond line, with commas";
    let posted = s
        .ann
        .post(
            &format!("/api/conversations/{id}/results"),
            &json!({ "action_id": "call-1", "content": tricky, "result_id": 7 }),
        )
        .await;
    posted.expect(201, None);
    assert_eq!(posted.json["role"], "result");
    assert_eq!(posted.json["content"], tricky);
    let topics: Vec<&str> = posted.json["topics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(topics.contains(&"concept:sharpe"), "{topics:?}");
    let result_id = posted.json["id"].as_i64().unwrap();
    let audit = audited(&s.ann, "chat.result").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["detail"]["message_id"], result_id);

    // Refusals: too long (naming the field), another user's conversation.
    let long = s
        .ann
        .post(
            &format!("/api/conversations/{id}/results"),
            &json!({ "action_id": "a", "content": "x".repeat(20_001) }),
        )
        .await;
    long.expect(422, Some("invalid_field"));
    assert!(long.json["detail"].as_str().unwrap().starts_with("content"));
    s.bob
        .post(
            &format!("/api/conversations/{id}/results"),
            &json!({ "action_id": "a", "content": "sneaky" }),
        )
        .await
        .expect(404, Some("not_found"));

    // JSON export: a download of the detail.
    let exported = s
        .ann
        .get(&format!("/api/conversations/{id}/export?format=json"))
        .await;
    exported.expect(200, None);
    assert_eq!(exported.header("content-type"), "application/json");
    assert_eq!(
        exported.header("content-disposition"),
        format!("attachment; filename=\"conversation-{id}.json\"")
    );
    let detail = s.ann.get(&format!("/api/conversations/{id}")).await;
    assert_eq!(exported.json, detail.json);
    assert_eq!(detail.json["messages"].as_array().unwrap().len(), 2);

    // CSV export: quoting survives a round trip.
    let csv = s
        .ann
        .get(&format!("/api/conversations/{id}/export?format=csv"))
        .await;
    csv.expect(200, None);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert_eq!(
        csv.header("content-disposition"),
        format!("attachment; filename=\"conversation-{id}.csv\"")
    );
    let records = parse_csv(&csv.text());
    assert_eq!(
        records[0],
        [
            "id",
            "role",
            "created_at",
            "complete",
            "importance",
            "topics",
            "content"
        ]
    );
    assert_eq!(records.len(), 3);
    let row = &records[2];
    assert_eq!(row[0], result_id.to_string());
    assert_eq!(row[1], "result");
    assert_eq!(row[3], "true");
    assert_eq!(row[6], tricky);
    assert_eq!(row[5], topics.join(";"));
    s.ann
        .get(&format!("/api/conversations/{id}/export?format=xml"))
        .await
        .expect(422, Some("invalid_field"));
    s.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_reports_every_entry_and_checks_goals() {
    let s = setup(|_, _, _| Ok(())).await;
    let history = json!([
        { "role": "user", "content": "My goal is to beat the S&P 500 with momentum.", "timestamp": "2024-03-01T10:00:00Z" },
        { "role": "mltrainer", "content": "Let's backtest a momentum strategy on sp500.", "timestamp": 1_709_287_260 },
        { "role": "user", "timestamp": "2024-03-01T10:02:00Z" },
        { "role": "system", "content": "You are a bot.", "timestamp": "2024-03-01T10:03:00Z" },
        { "role": "user", "content": "When?", "timestamp": "last tuesday" }
    ]);
    let goals = json!([
        { "goal": "Beat the S&P 500 with momentum", "timestamp": "2024-03-01T10:05:00Z" },
        { "goal": "Train on synthetic data to look good", "timestamp": "2024-03-01T10:06:00Z" },
        { "timestamp": "2024-03-01T10:07:00Z" }
    ]);
    let answer = s
        .ann
        .post("/api/memory/import", &json!({ "history": history.to_string(), "goals": goals.to_string(), "title": "Old chats" }))
        .await;
    answer.expect(201, None);
    let report = &answer.json;
    assert_eq!(report["messages_counted"], 5);
    assert_eq!(report["messages_imported"], 2);
    assert_eq!(report["goals_counted"], 3);
    assert_eq!(report["goals_imported"], 1);
    let skipped: Vec<(String, u64, String)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["file"].as_str().unwrap().to_string(),
                s["index"].as_u64().unwrap(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let reason = |file: &str, index: u64| {
        skipped
            .iter()
            .find(|s| s.0 == file && s.1 == index)
            .map(|s| s.2.clone())
            .unwrap_or_else(|| panic!("{file}[{index}] not skipped: {skipped:?}"))
    };
    assert_eq!(skipped.len(), 5, "{skipped:?}");
    assert!(reason("history", 2).starts_with("content"));
    assert!(reason("history", 3).starts_with("role"));
    assert!(reason("history", 4).starts_with("timestamp"));
    assert!(
        reason("goals", 1).contains("data.no_synthetic"),
        "{}",
        reason("goals", 1)
    );
    assert!(reason("goals", 2).starts_with("goal"));

    let id = report["conversation_id"].as_i64().unwrap();
    let detail = s.ann.get(&format!("/api/conversations/{id}")).await;
    detail.expect(200, None);
    assert_eq!(detail.json["conversation"]["title"], "Old chats");
    let messages = detail.json["messages"].as_array().unwrap();
    assert_eq!(messages[0]["role"], "user");
    assert_eq!(messages[0]["created_at"], "2024-03-01T10:00:00.000Z");
    assert_eq!(messages[1]["role"], "assistant");
    assert_eq!(messages[1]["created_at"], "2024-03-01T10:01:00.000Z");
    let goal = s.ann.get("/api/goal").await;
    assert_eq!(
        goal.json["current"]["text"],
        "Beat the S&P 500 with momentum"
    );
    // Imported messages are searchable; bob sees none of them.
    assert_eq!(
        hit_ids(&s.ann.get("/api/memory/search?q=momentum").await).len(),
        2
    );
    assert!(hit_ids(&s.bob.get("/api/memory/search?q=momentum").await).is_empty());
    let audit = audited(&s.ann, "memory.import").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["detail"]["messages_imported"], 2);
    assert_eq!(audit[0]["detail"]["goals_imported"], 1);
    s.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_import_stores_nothing() {
    let s = setup(|_, _, _| Ok(())).await;
    let history = "[\n {\"role\": \"user\", \"content\": \"hello there\", \"timestamp\": 1},\n {\"role\": \"user\", \"content\": }\n]";
    let answer = s
        .ann
        .post("/api/memory/import", &json!({ "history": history }))
        .await;
    answer.expect(422, Some("invalid_import"));
    let detail = answer.json["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("history: malformed JSON at line 3"),
        "{detail}"
    );
    // Valid history, malformed goals: still nothing.
    let good = json!([{ "role": "user", "content": "Beat the S&P 500 with momentum", "timestamp": 1_709_287_200 }]).to_string();
    let answer = s
        .ann
        .post(
            "/api/memory/import",
            &json!({ "history": good, "goals": "[{\"goal\": \"x\"" }),
        )
        .await;
    answer.expect(422, Some("invalid_import"));
    assert!(answer.json["detail"]
        .as_str()
        .unwrap()
        .starts_with("goals: malformed JSON"));
    let list = s.ann.get("/api/conversations").await;
    assert_eq!(list.json, json!([]));
    assert!(hit_ids(&s.ann.get("/api/memory/search?q=momentum").await).is_empty());
    assert!(audited(&s.ann, "memory.import").await.is_empty());
    // The same history alone imports, so the refusal above was the goals file.
    s.ann
        .post("/api/memory/import", &json!({ "history": good }))
        .await
        .expect(201, None);
    s.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_summarises_first_and_keeps_what_matters() {
    let t = now_ms();
    let old = t - 10 * DAY_MS;
    let s = setup(move |tx, ann, bob| {
        let a = conversations::create_conversation(tx, ann, "Long chat", old)?.id;
        add(tx, ann, a, MessageRole::User, "thanks", old)?;
        add(tx, ann, a, MessageRole::Assistant, "ok sure", old + 1)?;
        add(
            tx,
            ann,
            a,
            MessageRole::Assistant,
            "The weather aside, gradient boosting on the nasdaq is worth a look.",
            old + 2,
        )?;
        add(
            tx,
            ann,
            a,
            MessageRole::User,
            "My goal is to beat the sp500 with a random forest; I want a 5 day horizon.",
            old + 3,
        )?;
        add(tx, ann, a, MessageRole::Result, "ok", old + 4)?;
        add(tx, ann, a, MessageRole::User, "hi again", t)?;
        let b = conversations::create_conversation(tx, bob, "Bob old", old)?.id;
        add(tx, bob, b, MessageRole::User, "thanks", old)?;
        Ok(())
    })
    .await;
    for (body, field) in [
        (json!({ "older_than_days": 0 }), "older_than_days"),
        (
            json!({ "older_than_days": 7, "below_importance": 1.5 }),
            "below_importance",
        ),
    ] {
        let answer = s.ann.post("/api/memory/prune", &body).await;
        answer.expect(422, Some("invalid_field"));
        assert!(answer.json["detail"].as_str().unwrap().starts_with(field));
    }
    let id = conversation_by_title(&s.ann, "Long chat").await;
    let before = s.ann.get(&format!("/api/conversations/{id}")).await;
    let before_ids: Vec<i64> = before.json["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();

    let answer = s
        .ann
        .post(
            "/api/memory/prune",
            &json!({ "older_than_days": 7, "below_importance": 0.5 }),
        )
        .await;
    answer.expect(200, None);
    assert_eq!(
        answer.json,
        json!({ "pruned": 3, "kept": 2, "summaries": 1 })
    );

    let after = s.ann.get(&format!("/api/conversations/{id}")).await;
    let kept: Vec<i64> = after.json["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        kept,
        vec![before_ids[3], before_ids[4], before_ids[5]],
        "goal, result and the recent message stay"
    );
    let summaries = after.json["summaries"].as_array().unwrap();
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0]["method"], "extractive");
    assert_eq!(summaries[0]["from_message_id"], before_ids[0]);
    assert_eq!(summaries[0]["to_message_id"], before_ids[2]);
    assert!(
        summaries[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Coach: The weather aside, gradient boosting"),
        "{}",
        summaries[0]["text"]
    );
    // The index follows: pruned words are gone, kept ones found.
    assert!(hit_ids(&s.ann.get("/api/memory/search?q=weather").await).is_empty());
    assert_eq!(
        hit_ids(&s.ann.get("/api/memory/search?q=horizon").await),
        vec![before_ids[3]]
    );
    let audit = audited(&s.ann, "memory.prune").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["detail"]["pruned"], 3);
    assert_eq!(audit[0]["detail"]["summaries"], 1);
    // Bob's old small talk is his: untouched by ann's prune.
    let bob_id = conversation_by_title(&s.bob, "Bob old").await;
    let bob_detail = s.bob.get(&format!("/api/conversations/{bob_id}")).await;
    assert_eq!(bob_detail.json["messages"].as_array().unwrap().len(), 1);
    // Pruning again finds nothing more to drop.
    let again = s
        .ann
        .post("/api/memory/prune", &json!({ "older_than_days": 7 }))
        .await;
    assert_eq!(
        again.json,
        json!({ "pruned": 0, "kept": 2, "summaries": 0 })
    );
    let _ = &s.data;
    s.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_age_setting_prunes_every_user_at_start_and_audits_it() {
    let t = now_ms();
    let old = t - 30 * DAY_MS;
    let s = setup_with(
        &[("MLTRAINER_PRUNE_AFTER_DAYS", "14")],
        move |tx, ann, bob| {
            let a = conversations::create_conversation(tx, ann, "Old chat", old)?.id;
            add(tx, ann, a, MessageRole::User, "thanks", old)?;
            add(tx, ann, a, MessageRole::Assistant, "ok sure", old + 1)?;
            add(
                tx,
                ann,
                a,
                MessageRole::User,
                "My goal is to beat the sp500 with a random forest; I want a 5 day horizon.",
                old + 2,
            )?;
            add(
                tx,
                ann,
                a,
                MessageRole::User,
                "fine, thanks",
                t - 3 * DAY_MS,
            )?;
            let b = conversations::create_conversation(tx, bob, "Bob old", old)?.id;
            add(tx, bob, b, MessageRole::User, "hello", old)?;
            Ok(())
        },
    )
    .await;
    // The first run happens at start; wait for both users' entries.
    let mut entries = Vec::new();
    for _ in 0..100 {
        entries = audited(&s.ann, "memory.prune").await;
        if !entries.is_empty() && !audited(&s.bob, "memory.prune").await.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(entries.len(), 1, "one run for ann");
    let detail = &entries[0]["detail"];
    assert_eq!(detail["trigger"], "age_setting");
    assert_eq!(detail["older_than_days"], 14);
    assert_eq!(detail["pruned"], 2);
    let id = conversation_by_title(&s.ann, "Old chat").await;
    let after = s.ann.get(&format!("/api/conversations/{id}")).await;
    let contents: Vec<&str> = after.json["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        contents,
        [
            "My goal is to beat the sp500 with a random forest; I want a 5 day horizon.",
            "fine, thanks"
        ],
        "the goal and the message younger than the age stay"
    );
    assert_eq!(after.json["summaries"].as_array().map(Vec::len), Some(1));
    let bob_id = conversation_by_title(&s.bob, "Bob old").await;
    let bob_after = s.bob.get(&format!("/api/conversations/{bob_id}")).await;
    assert_eq!(bob_after.json["messages"].as_array().map(Vec::len), Some(0));
    s.server.stop();
}
