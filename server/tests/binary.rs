//! The `mltrainer-server` binary end to end: it prints the listening line,
//! answers `/healthz`, stops cleanly on SIGTERM, and refuses bad starts with
//! a non-zero exit and a clear message.

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_mltrainer-server");
const LINE_PREFIX: &str = "mlTrainer listening on http://";

/// The binary with a clean environment for our variables and a fresh data
/// directory (kept alive by the returned guard).
fn command() -> Command {
    let mut command = Command::new(BINARY);
    for name in [
        "MLTRAINER_ADDR",
        "MLTRAINER_DIST",
        "MLTRAINER_ALLOW_PUBLIC",
        "MLTRAINER_JWT_SECRET",
        "POLYGON_API_KEY",
        "FRED_API_KEY",
    ] {
        command.env_remove(name);
    }
    let data = tempfile::tempdir().expect("temp data dir").keep();
    command.env("MLTRAINER_DATA_DIR", data);
    command.env("RUST_LOG", "warn");
    command
}

/// Kills the child if the test ends early.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Waits up to `limit` for the child to exit.
fn wait_with_timeout(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Starts the binary on a free loopback port with a fake dist; returns it
/// once it has printed its listening line, with the address from that line.
fn start(dist: &std::path::Path) -> (Running, std::net::SocketAddr) {
    let child = command()
        .arg("--addr")
        .arg("127.0.0.1:0")
        .arg("--dist")
        .arg(dist)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the server binary");
    let mut running = Running(child);

    let stdout = running.0.stdout.take().expect("piped stdout");
    let (lines, line) = mpsc::channel();
    std::thread::spawn(move || {
        let mut first = String::new();
        let _ = BufReader::new(stdout).read_line(&mut first);
        let _ = lines.send(first);
    });
    let line = line
        .recv_timeout(Duration::from_secs(30))
        .expect("the server prints its listening line");
    let addr = line
        .trim_end()
        .strip_prefix(LINE_PREFIX)
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected line {line:?}"));
    let addr: std::net::SocketAddr = addr.parse().expect("the line holds IP:PORT");
    (running, addr)
}

/// Sends SIGTERM and asserts a clean exit (status 0) within 15 s.
fn stop_cleanly(mut running: Running) {
    let pid = running.0.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(killed.is_ok_and(|s| s.success()), "send SIGTERM");
    let status = wait_with_timeout(&mut running.0, Duration::from_secs(15))
        .expect("the server exits after SIGTERM");
    assert!(status.success(), "clean shutdown exits 0, got {status}");
}

#[tokio::test]
async fn binary_serves_healthz_and_stops_on_sigterm() {
    let dist = common::fake_dist();
    let (running, addr) = start(dist.path());
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0, "the real port is printed, not 0");

    let response = common::client()
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .expect("healthz answers");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let body = response.bytes().await.expect("healthz body");
    let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON body");
    assert_eq!(body["status"], "ok");

    stop_cleanly(running);
}

/// The signal handlers exist before the listening line is printed: a
/// SIGTERM sent as soon as the line is read stops the server cleanly. (It
/// used to kill it when it arrived before the first poll of the shutdown
/// future, a window that a loaded machine sometimes hit.)
#[test]
fn binary_stops_cleanly_on_sigterm_sent_right_after_the_listening_line() {
    let dist = common::fake_dist();
    for _ in 0..5 {
        let (running, _addr) = start(dist.path());
        stop_cleanly(running);
    }
}

#[test]
fn binary_refuses_a_public_address_without_opt_in() {
    let dist = common::fake_dist();
    let output = command()
        .args(["--addr", "0.0.0.0:0", "--dist"])
        .arg(dist.path())
        .output()
        .expect("run the server binary");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        output.stdout.is_empty(),
        "nothing on stdout when not listening"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0"),
        "{stderr}"
    );
    assert!(stderr.contains("MLTRAINER_ALLOW_PUBLIC=1"), "{stderr}");
}

#[test]
fn binary_fails_without_a_built_dist() {
    let dir = common::TempDir::new();
    let missing = dir.path().join("dist");
    let output = command()
        .args(["--addr", "127.0.0.1:0", "--dist"])
        .arg(&missing)
        .output()
        .expect("run the server binary");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
    assert!(stderr.contains("scripts/build-app.sh"), "{stderr}");
}

#[test]
fn binary_rejects_unknown_flags_with_status_2() {
    let output = command()
        .arg("--port=1")
        .output()
        .expect("run the server binary");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--port"));
}
