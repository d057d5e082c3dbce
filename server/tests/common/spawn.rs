//! Running the real `mltrainer-server` binary for the API tests: a clean
//! environment, a data directory that outlives restarts, the `user create`
//! and `audit verify` subcommands, start/stop (SIGTERM or SIGKILL), and a
//! small JSON client that returns status, headers and body for assertions.
//! Included with `#[path]` by the API test files.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::fs::File;
use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::Value;

/// The server binary Cargo built for these tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_mltrainer-server");
/// What the listening line starts with.
const LINE_PREFIX: &str = "mlTrainer listening on http://";
/// How long a start may take on a loaded machine before the test fails.
const START_LIMIT: Duration = Duration::from_secs(60);
/// A password that meets the policy (at least 12 characters).
pub const PASSWORD: &str = "correct horse battery";
/// A signing secret of 32+ bytes.
pub const JWT_SECRET: &str = "test-signing-secret-0123456789abcdef";

/// Variables the server reads (besides the coach's, `COACH_VARIABLES`),
/// removed from every spawned command so the developer's environment
/// cannot change a test (proxies included: the upstream clients honour
/// them).
const SCRUBBED: &[&str] = &[
    "MLTRAINER_ADDR",
    "MLTRAINER_DIST",
    "MLTRAINER_ALLOW_PUBLIC",
    "MLTRAINER_DATA_DIR",
    "MLTRAINER_JWT_SECRET",
    "MLTRAINER_LOGIN_PER_MINUTE",
    "MLTRAINER_EXPENSIVE_PER_MINUTE",
    "MLTRAINER_PUBLIC_ORIGIN",
    "MLTRAINER_POLYGON_BASE_URL",
    "MLTRAINER_FRED_BASE_URL",
    "MLTRAINER_PASSWORD",
    "POLYGON_API_KEY",
    "FRED_API_KEY",
    "MLTRAINER_DAILY_TOKEN_BUDGET",
    "MLTRAINER_PRUNE_AFTER_DAYS",
    "MLTRAINER_BROWSER_LEASE_SECS",
    "MLTRAINER_TRIAL_WORKERS",
    "MLTRAINER_WEBHOOK_URL",
    "MLTRAINER_WS_BUFFER",
    "MLTRAINER_WS_PER_USER",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
];

/// The binary with a scrubbed environment, `RUST_LOG=warn`, and
/// `data_dir` as its data directory.
pub fn command(data_dir: &Path) -> Command {
    let mut command = Command::new(BINARY);
    for name in SCRUBBED.iter().chain(server::coach::env::COACH_VARIABLES) {
        command.env_remove(name);
    }
    command.env("MLTRAINER_DATA_DIR", data_dir);
    command.env("RUST_LOG", "warn");
    command.stdin(Stdio::null());
    command
}

/// Runs `user create --username NAME --role ROLE` against `data_dir` with
/// [`PASSWORD`] in `MLTRAINER_PASSWORD`; panics unless it succeeds.
pub fn create_user(data_dir: &Path, username: &str, role: &str) {
    let output = command(data_dir)
        .args(["user", "create", "--username", username, "--role", role])
        .env("MLTRAINER_PASSWORD", PASSWORD)
        .output()
        .expect("run user create");
    assert!(
        output.status.success(),
        "user create {username} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `audit verify` against `data_dir` and returns its output.
pub fn audit_verify(data_dir: &Path) -> Output {
    command(data_dir)
        .args(["audit", "verify"])
        .output()
        .expect("run audit verify")
}

/// A running server process; killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT` (no trailing `/`).
    pub base: String,
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The file its stderr goes to.
    pub stderr_path: PathBuf,
}

/// Starts `command` (from [`command`], with any extra variables set) on an
/// ephemeral loopback port serving `dist`, with stderr written to
/// `stderr_path`; waits for the listening line.
pub fn start(mut command: Command, dist: &Path, stderr_path: &Path) -> Server {
    let stderr = File::create(stderr_path).expect("create the stderr file");
    let mut child = command
        .args(["--addr", "127.0.0.1:0", "--dist"])
        .arg(dist)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(stderr))
        .spawn()
        .expect("spawn the server binary");
    let stdout = child.stdout.take().expect("piped stdout");
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut first = String::new();
        let _ = reader.read_line(&mut first);
        let _ = send.send(first);
        // Keep draining so the child never blocks on a full pipe.
        let mut rest = String::new();
        while reader.read_line(&mut rest).is_ok_and(|n| n > 0) {
            rest.clear();
        }
    });
    let line = match receive.recv_timeout(START_LIMIT) {
        Ok(line) if !line.is_empty() => line,
        other => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the server printed no listening line ({other:?}); stderr: {}",
                std::fs::read_to_string(stderr_path).unwrap_or_default()
            );
        }
    };
    let addr: SocketAddr = line
        .trim_end()
        .strip_prefix(LINE_PREFIX)
        .and_then(|rest| rest.strip_suffix('/'))
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("unexpected listening line {line:?}"));
    Server {
        child,
        base: format!("http://{addr}"),
        addr,
        stderr_path: stderr_path.to_owned(),
    }
}

impl Server {
    /// Sends SIGTERM and waits (up to a minute) for a clean exit.
    pub fn stop(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "send SIGTERM");
        let status = wait_with_timeout(&mut self.child, START_LIMIT)
            .expect("the server exits after SIGTERM");
        assert!(status.success(), "clean shutdown exits 0, got {status}");
        status
    }

    /// Sends SIGKILL and reaps the process.
    pub fn kill(mut self) {
        self.child.kill().expect("send SIGKILL");
        let _ = self.child.wait();
    }

    /// Everything the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// A client for this server, with no token.
    pub fn api(&self) -> Api {
        Api {
            client: client(),
            base: self.base.clone(),
            token: None,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Waits up to `limit` for `child` to exit.
pub fn wait_with_timeout(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// An HTTP client that ignores proxy settings, with a generous timeout.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("build an HTTP client")
}

/// One answer: status, headers, raw body, and the body as JSON (`Null`
/// when it is not JSON).
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body's bytes.
    pub body: Vec<u8>,
    /// The body parsed as JSON, or `Null`.
    pub json: Value,
}

impl Answer {
    /// The problem+json `code`, or "" when absent.
    pub fn code(&self) -> &str {
        self.json["code"].as_str().unwrap_or("")
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value as text, or "" when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts the status and, for errors, the problem code and media type.
    pub fn expect(&self, status: u16, code: Option<&str>) -> &Self {
        assert_eq!(self.status.as_u16(), status, "unexpected answer: {self:?}");
        if let Some(code) = code {
            assert_eq!(self.code(), code, "unexpected code: {}", self.text());
            assert_eq!(
                self.header("content-type"),
                "application/problem+json",
                "errors are problem+json"
            );
        }
        self
    }
}

/// A JSON client for one base URL, optionally signed in.
#[derive(Clone)]
pub struct Api {
    /// The HTTP client.
    pub client: reqwest::Client,
    /// `http://IP:PORT`.
    pub base: String,
    /// The access token sent as `Authorization: Bearer`, if any.
    pub token: Option<String>,
}

impl Api {
    /// The same client with `token` as its bearer token.
    pub fn with_token(&self, token: &str) -> Api {
        Api {
            token: Some(token.to_owned()),
            ..self.clone()
        }
    }

    /// A request builder for `method path`, with the token if any.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.client.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Answer {
        send(self.request(reqwest::Method::GET, path)).await
    }

    /// `POST path` with `body` as JSON.
    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        send(self.request(reqwest::Method::POST, path).json(body)).await
    }

    /// `PUT path` with `body` as JSON.
    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        send(self.request(reqwest::Method::PUT, path).json(body)).await
    }

    /// Logs in as `username` with [`PASSWORD`]; panics unless 200. Returns
    /// the token pair as JSON.
    pub async fn login(&self, username: &str) -> Value {
        let answer = self
            .post(
                "/api/auth/login",
                &serde_json::json!({ "username": username, "password": PASSWORD }),
            )
            .await;
        answer.expect(200, None);
        answer.json
    }

    /// Logs in as `username` and returns a client carrying the access token.
    pub async fn signed_in(&self, username: &str) -> Api {
        let pair = self.login(username).await;
        self.with_token(pair["access_token"].as_str().expect("an access token"))
    }
}

/// Sends `request` and collects the answer.
pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("a body").to_vec();
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
        json,
    }
}

/// A goal request body.
pub fn goal(text: &str) -> Value {
    serde_json::json!({ "text": text, "sources": ["bundled"] })
}

/// A result record that the default rules allow, with `seed`.
pub fn result_record(seed: u64) -> Value {
    serde_json::json!({
        "kind": "lab_run",
        "model": "random_forest_100",
        "family": "random_forest",
        "params": { "n_estimators": 100.0 },
        "seed": seed,
        "source": "bundled",
        "symbol": "sp500",
        "data_hash": "ab".repeat(32),
        "code_version": "0.1.0",
        "metrics": { "accuracy": 0.53 },
    })
}

/// A small valid OHLC CSV.
pub const GOOD_CSV: &str = "date,open,high,low,close\n\
    2020-01-02,10,11,9,10.5\n\
    2020-01-03,10.5,12,10,11.5\n\
    2020-01-06,11.5,12.5,11,12\n";
