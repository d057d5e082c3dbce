//! The API's authentication, authorisation and input handling, end to end:
//! the real `mltrainer-server` binary over real HTTP with a real SQLite file
//! in a temporary data directory, accounts made by its own `user create`
//! subcommand. Proves local mode, role checks (viewer cannot write), per-user
//! isolation of goals, results, uploads and audit entries, rejection of
//! forged, expired and malformed tokens, refresh-token rotation with reuse
//! detection, the login rate limit, body limits and problem+json errors, the
//! public-bind refusal, CORS, and that data survives a restart.

mod common;
#[path = "common/spawn.rs"]
mod spawn;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use spawn::{goal, result_record, Api, Server, GOOD_CSV, JWT_SECRET};

/// A data directory holding the four accounts (admin, analysts ann and bob,
/// viewer vic), created once per test binary with the CLI; tests copy it so
/// the slow password hashing runs only four times.
fn accounts_template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        for (name, role) in [
            ("admin", "admin"),
            ("ann", "analyst"),
            ("bob", "analyst"),
            ("vic", "viewer"),
        ] {
            spawn::create_user(&dir, name, role);
        }
        dir
    })
}

/// A fresh data directory with a copy of [`accounts_template`]'s database.
fn accounts_data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(accounts_template()).expect("read the template") {
        let entry = entry.expect("template entry");
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy the db");
    }
    dir
}

/// Starts the binary on `data_dir` with a signing secret, generous rate
/// limits unless `extra` overrides them, and `extra` variables.
fn start_with(data_dir: &Path, dist: &Path, extra: &[(&str, &str)]) -> Server {
    let mut command = spawn::command(data_dir);
    command
        .env("MLTRAINER_JWT_SECRET", JWT_SECRET)
        .env("MLTRAINER_LOGIN_PER_MINUTE", "100000")
        .env("MLTRAINER_EXPENSIVE_PER_MINUTE", "100000");
    for (name, value) in extra {
        command.env(name, value);
    }
    spawn::start(command, dist, &data_dir.join("stderr.log"))
}

/// Starts the binary in local mode (no accounts, no secret) on `data_dir`.
fn start_local(data_dir: &Path, dist: &Path) -> Server {
    spawn::start(spawn::command(data_dir), dist, &data_dir.join("stderr.log"))
}

/// The `/api/me` user id of `api`'s token.
async fn user_id(api: &Api) -> i64 {
    let me = api.get("/api/me").await;
    me.expect(200, None);
    me.json["user_id"].as_i64().expect("a user id")
}

/// The user's own audit entries (newest first), as JSON values.
async fn audit_entries(api: &Api, query: &str) -> Vec<Value> {
    let answer = api.get(&format!("/api/audit?limit=500{query}")).await;
    answer.expect(200, None);
    answer.json["entries"]
        .as_array()
        .expect("an entries array")
        .clone()
}

/// Seconds since the epoch.
fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// An HS256 JWT over `claims` signed with `secret`.
fn sign(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("sign a token")
}

/// Claims the server would accept for `user_id`, valid for ten minutes.
fn good_claims(user_id: i64) -> Value {
    let now = now_s();
    json!({
        "sub": user_id.to_string(), "role": "admin", "iss": "mltrainer-server",
        "aud": "mltrainer-app", "iat": now, "exp": now + 600,
    })
}

#[tokio::test]
async fn local_mode_answers_me_without_a_token() {
    let dist = common::fake_dist();
    let data = tempfile::tempdir().expect("temp dir");
    let server = start_local(data.path(), dist.path());
    let me = server.api().get("/api/me").await;
    me.expect(200, None);
    assert_eq!(me.json["local_mode"], true, "{}", me.text());
    assert_eq!(me.json["role"], "admin");
    assert_eq!(me.json["username"], "local");
    // Local mode still writes and audits as that user.
    server
        .api()
        .put("/api/goal", &goal("local goal"))
        .await
        .expect(201, None);
    server.stop();
}

#[tokio::test]
async fn roles_and_per_user_isolation() {
    let dist = common::fake_dist();
    let data = accounts_data_dir();
    let server = start_with(data.path(), dist.path(), &[]);
    let anon = server.api();

    // Accounts exist, so no token means no access.
    let answer = anon.get("/api/me").await;
    answer.expect(401, Some("unauthenticated"));
    anon.get("/api/goal")
        .await
        .expect(401, Some("unauthenticated"));
    let answer = anon
        .post(
            "/api/auth/login",
            &json!({ "username": "ann", "password": "wrong password!!" }),
        )
        .await;
    answer.expect(401, Some("bad_credentials"));
    anon.post(
        "/api/auth/login",
        &json!({ "username": "nobody", "password": spawn::PASSWORD }),
    )
    .await
    .expect(401, Some("bad_credentials"));

    let pair = anon.login("ann").await;
    assert_eq!(pair["token_type"], "Bearer");
    assert!(pair["expires_in"].as_u64().is_some_and(|s| s > 0));
    assert!(pair["refresh_token"]
        .as_str()
        .is_some_and(|t| t.len() >= 32));
    let ann = anon.with_token(pair["access_token"].as_str().expect("token"));
    let me = ann.get("/api/me").await;
    me.expect(200, None);
    assert_eq!(me.json["username"], "ann");
    assert_eq!(me.json["role"], "analyst");
    assert_eq!(me.json["local_mode"], false);
    let ann_id = me.json["user_id"].as_i64().expect("id");

    let bob = anon.signed_in("bob").await;
    let bob_id = user_id(&bob).await;
    let vic = anon.signed_in("vic").await;
    let admin = anon.signed_in("admin").await;
    assert_ne!(ann_id, bob_id);

    // Viewers read but never write.
    vic.put("/api/goal", &goal("viewer goal"))
        .await
        .expect(403, Some("forbidden"));
    vic.post("/api/results", &result_record(1))
        .await
        .expect(403, Some("forbidden"));
    vic.get("/api/goal").await.expect(200, None);

    // Ann's goal, result and upload.
    let set = ann.put("/api/goal", &goal("ann's secret goal")).await;
    set.expect(201, None);
    let recorded = ann.post("/api/results", &result_record(7)).await;
    recorded.expect(201, None);
    let upload = spawn::send(
        ann.request(reqwest::Method::POST, "/api/uploads?name=prices.csv")
            .header("content-type", "text/csv")
            .body(GOOD_CSV),
    )
    .await;
    upload.expect(201, None);
    let upload_id = upload.json["id"].as_i64().expect("upload id");

    // Ann sees them.
    let mine = ann.get("/api/goal").await;
    assert_eq!(mine.json["current"]["text"], "ann's secret goal");
    let results = ann.get("/api/results").await;
    assert_eq!(results.json.as_array().map(Vec::len), Some(1));
    let uploads = ann.get("/api/uploads").await;
    assert_eq!(uploads.json.as_array().map(Vec::len), Some(1));
    let own = ann
        .get(&format!("/api/data?source=user_upload&symbol={upload_id}"))
        .await;
    own.expect(200, None);
    assert_eq!(own.json["series"]["provenance"]["source"], "user_upload");

    // Bob sees none of them.
    let theirs = bob.get("/api/goal").await;
    theirs.expect(200, None);
    assert_eq!(theirs.json["current"], Value::Null, "{}", theirs.text());
    assert_eq!(theirs.json["history"], json!([]));
    assert_eq!(bob.get("/api/results").await.json, json!([]));
    assert_eq!(bob.get("/api/uploads").await.json, json!([]));
    bob.get(&format!("/api/data?source=user_upload&symbol={upload_id}"))
        .await
        .expect(404, Some("not_found"));

    // Audit: bob sees only his own entries and may not ask for ann's.
    let bobs = audit_entries(&bob, "").await;
    assert!(!bobs.is_empty(), "bob's login is audited");
    assert!(
        bobs.iter().all(|e| e["user_id"] == json!(bob_id)),
        "{bobs:?}"
    );
    bob.get(&format!("/api/audit?user_id={ann_id}"))
        .await
        .expect(403, Some("forbidden"));
    // The admin may.
    let anns = audit_entries(&admin, &format!("&user_id={ann_id}")).await;
    assert!(anns.iter().all(|e| e["user_id"] == json!(ann_id)));
    let kinds: Vec<&str> = anns.iter().filter_map(|e| e["kind"].as_str()).collect();
    for kind in ["goal.set", "result.record", "upload.create", "auth.login"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    // ...and the viewer's refused writes never reached the store.
    assert_eq!(
        vic.get("/api/goal").await.json["current"],
        Value::Null,
        "the viewer's goal was not stored"
    );
    server.stop();
}

#[tokio::test]
async fn forged_expired_and_malformed_tokens_are_refused() {
    let dist = common::fake_dist();
    let data = accounts_data_dir();
    let server = start_with(data.path(), dist.path(), &[]);
    let anon = server.api();
    let admin = anon.signed_in("admin").await;
    let admin_id = user_id(&admin).await;

    // Control: a token we sign with the server's secret is accepted, so the
    // refusals below are about the one thing each changes.
    let good = sign(&good_claims(admin_id), JWT_SECRET.as_bytes());
    anon.with_token(&good)
        .get("/api/me")
        .await
        .expect(200, None);

    let b64 = |text: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
    };
    let alg_none = format!(
        "{}.{}.",
        b64(r#"{"alg":"none","typ":"JWT"}"#),
        b64(&good_claims(admin_id).to_string())
    );
    let wrong_key = sign(&good_claims(admin_id), b"another-secret-0123456789abcdefgh");
    let mut expired = good_claims(admin_id);
    expired["iat"] = json!(now_s() - 7200);
    expired["exp"] = json!(now_s() - 3600);
    let expired = sign(&expired, JWT_SECRET.as_bytes());
    let mut wrong_aud = good_claims(admin_id);
    wrong_aud["aud"] = json!("someone-else");
    let wrong_aud = sign(&wrong_aud, JWT_SECRET.as_bytes());
    let mut wrong_iss = good_claims(admin_id);
    wrong_iss["iss"] = json!("evil-issuer");
    let wrong_iss = sign(&wrong_iss, JWT_SECRET.as_bytes());

    for (what, header, code) in [
        ("alg none", format!("Bearer {alg_none}"), "unauthenticated"),
        (
            "wrong key",
            format!("Bearer {wrong_key}"),
            "unauthenticated",
        ),
        ("expired", format!("Bearer {expired}"), "token_expired"),
        (
            "wrong aud",
            format!("Bearer {wrong_aud}"),
            "unauthenticated",
        ),
        (
            "wrong iss",
            format!("Bearer {wrong_iss}"),
            "unauthenticated",
        ),
        ("garbage", "Bearer garbage".to_string(), "unauthenticated"),
        ("basic", "Basic YWRtaW46eHh4".to_string(), "unauthenticated"),
        ("empty", "Bearer ".to_string(), "unauthenticated"),
    ] {
        let answer = spawn::send(
            anon.client
                .get(format!("{}/api/me", anon.base))
                .header("authorization", header),
        )
        .await;
        assert_eq!(answer.status.as_u16(), 401, "{what}: {}", answer.text());
        assert_eq!(answer.code(), code, "{what}");
    }
    server.stop();
}

#[tokio::test]
async fn refresh_rotates_detects_reuse_and_logout_revokes() {
    let dist = common::fake_dist();
    let data = accounts_data_dir();
    let server = start_with(data.path(), dist.path(), &[]);
    let anon = server.api();
    let first = anon.login("ann").await;
    let old = first["refresh_token"].as_str().expect("refresh token");

    let rotated = anon
        .post("/api/auth/refresh", &json!({ "refresh_token": old }))
        .await;
    rotated.expect(200, None);
    let new = rotated.json["refresh_token"].as_str().expect("new token");
    assert_ne!(new, old, "rotation issues a new refresh token");
    let access = rotated.json["access_token"].as_str().expect("access");
    anon.with_token(access)
        .get("/api/me")
        .await
        .expect(200, None);

    // Reusing the old one is theft: refused, and the family is revoked.
    anon.post("/api/auth/refresh", &json!({ "refresh_token": old }))
        .await
        .expect(401, Some("refresh_token_reused"));
    let after = anon
        .post("/api/auth/refresh", &json!({ "refresh_token": new }))
        .await;
    after.expect(401, None);
    assert_ne!(after.code(), "", "a problem code: {}", after.text());

    // Logout revokes a fresh family.
    let second = anon.login("ann").await;
    let token = second["refresh_token"].as_str().expect("refresh token");
    let out = spawn::send(
        anon.request(reqwest::Method::POST, "/api/auth/logout")
            .json(&json!({ "refresh_token": token })),
    )
    .await;
    assert_eq!(out.status.as_u16(), 204, "{}", out.text());
    anon.post("/api/auth/refresh", &json!({ "refresh_token": token }))
        .await
        .expect(401, None);
    // Nonsense is refused too.
    anon.post("/api/auth/refresh", &json!({ "refresh_token": "nope" }))
        .await
        .expect(401, None);
    server.stop();
}

#[tokio::test]
async fn login_is_rate_limited() {
    let dist = common::fake_dist();
    let data = accounts_data_dir();
    let server = start_with(
        data.path(),
        dist.path(),
        &[("MLTRAINER_LOGIN_PER_MINUTE", "3")],
    );
    let anon = server.api();
    let attempt = json!({ "username": "ann", "password": "not the password" });
    for n in 1..=3 {
        let answer = anon.post("/api/auth/login", &attempt).await;
        assert_eq!(
            answer.status.as_u16(),
            401,
            "attempt {n}: {}",
            answer.text()
        );
    }
    let limited = anon.post("/api/auth/login", &attempt).await;
    limited.expect(429, Some("rate_limited"));
    let retry: u64 = limited
        .header("retry-after")
        .parse()
        .unwrap_or_else(|_| panic!("a numeric retry-after: {:?}", limited.headers));
    assert!((1..=60).contains(&retry), "retry-after {retry}");
    // Even the right password is refused while limited.
    let right = json!({ "username": "ann", "password": spawn::PASSWORD });
    anon.post("/api/auth/login", &right)
        .await
        .expect(429, Some("rate_limited"));
    server.stop();
}

#[tokio::test]
async fn bad_bodies_are_problems_and_store_nothing() {
    let dist = common::fake_dist();
    let data = accounts_data_dir();
    let server = start_with(data.path(), dist.path(), &[]);
    let ann = server.api().signed_in("ann").await;
    let before = audit_entries(&ann, "").await;

    let malformed = spawn::send(
        ann.request(reqwest::Method::PUT, "/api/goal")
            .header("content-type", "application/json")
            .body("{\"text\": \"unterminated"),
    )
    .await;
    malformed.expect(400, Some("malformed_body"));
    let wrong_shape = spawn::send(
        ann.request(reqwest::Method::PUT, "/api/goal")
            .header("content-type", "application/json")
            .body("{\"txt\": 1}"),
    )
    .await;
    wrong_shape.expect(400, Some("malformed_body"));

    let huge = goal(&"x".repeat(70 * 1024));
    ann.put("/api/goal", &huge)
        .await
        .expect(413, Some("body_too_large"));

    let plain = spawn::send(
        ann.request(reqwest::Method::PUT, "/api/goal")
            .header("content-type", "text/plain")
            .body(goal("fine text").to_string()),
    )
    .await;
    plain.expect(415, Some("unsupported_media_type"));

    let bad_csv = "date,open,high,low,close\n\
                   2020-01-02,10,11,9,10.5\n\
                   2020-01-03,10.5,12,10,not-a-number\n";
    let refused = spawn::send(
        ann.request(reqwest::Method::POST, "/api/uploads?name=broken.csv")
            .header("content-type", "text/csv")
            .body(bad_csv),
    )
    .await;
    refused.expect(422, Some("invalid_csv"));
    let detail = refused.json["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("broken.csv"), "names the file: {detail}");
    assert!(detail.contains('3'), "names line 3: {detail}");

    // Nothing was stored and nothing was audited.
    assert_eq!(ann.get("/api/uploads").await.json, json!([]));
    assert_eq!(ann.get("/api/goal").await.json["current"], Value::Null);
    let after = audit_entries(&ann, "").await;
    assert_eq!(before, after, "bad bodies leave no audit entries");
    server.stop();
}

#[test]
fn public_bind_without_accounts_is_refused() {
    let dist = common::fake_dist();
    let data = tempfile::tempdir().expect("temp dir");
    let output = spawn::command(data.path())
        .args(["--addr", "0.0.0.0:0", "--dist"])
        .arg(dist.path())
        .env("MLTRAINER_ALLOW_PUBLIC", "1")
        .output()
        .expect("run the binary");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(output.stdout.is_empty(), "no listening line");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("MLTRAINER_JWT_SECRET"), "{stderr}");
    assert!(stderr.contains("refusing to listen"), "{stderr}");
}

#[tokio::test]
async fn cors_allows_only_the_servers_own_origin() {
    let dist = common::fake_dist();
    let data = tempfile::tempdir().expect("temp dir");
    let server = start_local(data.path(), dist.path());
    let api = server.api();
    let own = server.base.clone();
    for (origin, allowed) in [("http://evil.example", false), (own.as_str(), true)] {
        let preflight = spawn::send(
            api.request(reqwest::Method::OPTIONS, "/api/goal")
                .header("origin", origin)
                .header("access-control-request-method", "PUT")
                .header("access-control-request-headers", "content-type"),
        )
        .await;
        let get = spawn::send(
            api.request(reqwest::Method::GET, "/api/me")
                .header("origin", origin),
        )
        .await;
        get.expect(200, None);
        for answer in [&preflight, &get] {
            let header = answer.headers.get("access-control-allow-origin");
            if allowed {
                assert_eq!(
                    header.and_then(|v| v.to_str().ok()),
                    Some(origin),
                    "{answer:?}"
                );
            } else {
                assert!(header.is_none(), "{origin} must not be allowed: {answer:?}");
            }
        }
    }
    server.stop();
}

#[tokio::test]
async fn data_survives_a_restart() {
    let dist = common::fake_dist();
    let data = tempfile::tempdir().expect("temp dir");
    let server = start_local(data.path(), dist.path());
    let api = server.api();
    api.put("/api/goal", &goal("survive the restart"))
        .await
        .expect(201, None);
    let upload = spawn::send(
        api.request(reqwest::Method::POST, "/api/uploads?name=keep.csv")
            .header("content-type", "text/csv")
            .body(GOOD_CSV),
    )
    .await;
    upload.expect(201, None);
    let result = api.post("/api/results", &result_record(99)).await;
    result.expect(201, None);
    let verify = api.get("/api/audit/verify").await;
    verify.expect(200, None);
    let entries_before = verify.json["entries"].as_u64().expect("entries");
    server.stop();

    let server = start_local(data.path(), dist.path());
    let api = server.api();
    let goal_state = api.get("/api/goal").await;
    assert_eq!(goal_state.json["current"]["text"], "survive the restart");
    let uploads = api.get("/api/uploads").await;
    assert_eq!(uploads.json[0]["id"], upload.json["id"]);
    assert_eq!(
        uploads.json[0]["provenance"]["content_hash"],
        upload.json["provenance"]["content_hash"]
    );
    let results = api.get("/api/results").await;
    assert_eq!(results.json[0]["id"], result.json["id"]);
    assert_eq!(results.json[0]["record"]["seed"], 99);
    let verify = api.get("/api/audit/verify").await;
    verify.expect(200, None);
    assert_eq!(verify.json["ok"], true, "{}", verify.text());
    assert!(verify.json["entries"].as_u64().expect("entries") >= entries_before);
    server.stop();
}
