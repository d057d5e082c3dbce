//! The audit log's integrity against a real SQLite file: the append-only
//! triggers refuse UPDATE and DELETE; tampering by someone who drops them
//! (editing, deleting, swapping or cutting off entries) is detected both by
//! `GET /api/audit/verify` after a restart and by the `audit verify`
//! subcommand (exit 1, naming the first broken entry); and a server killed
//! with SIGKILL in the middle of a burst of writes restarts with an intact
//! database, a verifying chain and every write it acknowledged.

mod common;
#[path = "common/spawn.rs"]
mod spawn;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use spawn::{goal, result_record, Server};

/// Goals written into the populated store (plus the local user's entry,
/// the chain has this many + 1 entries).
const GOALS: usize = 10;

/// Starts the binary in local mode on `data_dir`, with generous limits.
fn start(data_dir: &Path, dist: &Path) -> Server {
    let mut command = spawn::command(data_dir);
    command.env("MLTRAINER_EXPENSIVE_PER_MINUTE", "1000000");
    spawn::start(command, dist, &data_dir.join("stderr.log"))
}

/// Opens the store's database file directly, as an attacker with file
/// access would.
fn open_db(data_dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(data_dir.join(server::store::DB_FILE)).expect("open the db file")
}

/// A data directory whose chain holds the local user's entry and
/// [`GOALS`] goal entries, written through the API and cleanly stopped.
async fn populated(dist: &Path) -> tempfile::TempDir {
    let data = tempfile::tempdir().expect("temp dir");
    let server = start(data.path(), dist);
    let api = server.api();
    for n in 0..GOALS {
        api.put("/api/goal", &goal(&format!("goal {n}")))
            .await
            .expect(201, None);
    }
    let report = api.get("/api/audit/verify").await;
    assert_eq!(report.json["ok"], true, "{}", report.text());
    assert_eq!(report.json["entries"], GOALS as u64 + 1);
    server.stop();
    data
}

/// Asserts that both the API (after a restart) and the CLI report the
/// chain broken at `seq`, with `reason_part` in the API's reason.
async fn assert_broken_at(data_dir: &Path, dist: &Path, seq: i64, reason_part: &str) {
    let output = spawn::audit_verify(data_dir);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("broken at entry #{seq}:")),
        "the CLI names entry #{seq}: {stderr}"
    );

    let server = start(data_dir, dist);
    let report = server.api().get("/api/audit/verify").await;
    report.expect(200, None);
    assert_eq!(report.json["ok"], false, "{}", report.text());
    assert_eq!(report.json["first_broken"]["seq"], seq, "{}", report.text());
    let reason = report.json["first_broken"]["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(reason.contains(reason_part), "{reason}");
    server.stop();
}

/// Drops the append-only triggers and runs `sql` against the file.
fn tamper(data_dir: &Path, sql: &str) {
    open_db(data_dir)
        .execute_batch(&format!(
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; {sql}"
        ))
        .expect("tamper with the db");
}

#[tokio::test]
async fn triggers_refuse_update_and_delete() {
    let dist = common::fake_dist();
    let data = populated(dist.path()).await;
    let db = open_db(data.path());
    let update = db
        .execute("UPDATE audit_log SET reason = 'fine' WHERE seq = 2", [])
        .expect_err("UPDATE is refused");
    assert!(update.to_string().contains("append-only"), "{update}");
    let delete = db
        .execute("DELETE FROM audit_log WHERE seq = 2", [])
        .expect_err("DELETE is refused");
    assert!(delete.to_string().contains("append-only"), "{delete}");
    drop(db);
    let output = spawn::audit_verify(data.path());
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("{} entries", GOALS + 1)),
        "{stdout}"
    );
    assert!(stdout.contains("integrity ok"), "{stdout}");
}

#[tokio::test]
async fn edited_entry_is_detected() {
    let dist = common::fake_dist();
    let data = populated(dist.path()).await;
    tamper(
        data.path(),
        "UPDATE audit_log SET detail = '{\"text\":\"a nicer goal\"}' WHERE seq = 4",
    );
    assert_broken_at(data.path(), dist.path(), 4, "edited").await;
}

#[tokio::test]
async fn deleted_middle_entry_is_detected() {
    let dist = common::fake_dist();
    let data = populated(dist.path()).await;
    tamper(data.path(), "DELETE FROM audit_log WHERE seq = 6");
    assert_broken_at(data.path(), dist.path(), 7, "deleted").await;
}

#[tokio::test]
async fn swapped_entries_are_detected() {
    let dist = common::fake_dist();
    let data = populated(dist.path()).await;
    // Swap the contents of entries 3 and 5, keeping their seq numbers.
    tamper(
        data.path(),
        "CREATE TEMP TABLE t AS SELECT * FROM audit_log WHERE seq IN (3, 5);
         DELETE FROM audit_log WHERE seq IN (3, 5);
         INSERT INTO audit_log SELECT 3, at, user_id, actor, kind, verdict, rule_id, reason,
             provenance_hash, detail, prev_hash, hash FROM t WHERE seq = 5;
         INSERT INTO audit_log SELECT 5, at, user_id, actor, kind, verdict, rule_id, reason,
             provenance_hash, detail, prev_hash, hash FROM t WHERE seq = 3;",
    );
    assert_broken_at(data.path(), dist.path(), 3, "").await;
}

#[tokio::test]
async fn cut_off_tail_is_detected() {
    let dist = common::fake_dist();
    let data = populated(dist.path()).await;
    tamper(data.path(), "DELETE FROM audit_log WHERE seq >= 9");
    assert_broken_at(data.path(), dist.path(), 9, "truncated").await;
}

/// Writes goals and results in a loop until `stop` is set or the server
/// stops answering; records the text of every goal answered 201.
async fn writer(
    api: spawn::Api,
    task: usize,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<String>>>,
) {
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let text = format!("burst goal {task}-{n}");
        let Ok(response) = api
            .request(reqwest::Method::PUT, "/api/goal")
            .json(&goal(&text))
            .send()
            .await
        else {
            return;
        };
        if response.status().as_u16() == 201 {
            acked.lock().expect("acked lock").push(text);
        }
        let recorded = api
            .request(reqwest::Method::POST, "/api/results")
            .json(&result_record(n))
            .send()
            .await;
        if recorded.is_err() {
            return;
        }
        n += 1;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_mid_burst_loses_nothing_acknowledged() {
    let dist = common::fake_dist();
    let data = tempfile::tempdir().expect("temp dir");
    let server = start(data.path(), dist.path());
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..8)
        .map(|task| {
            tokio::spawn(writer(
                server.api(),
                task,
                Arc::clone(&stop),
                Arc::clone(&acked),
            ))
        })
        .collect();
    // Let the burst run (this wait is not an assertion), then kill the
    // server while requests are still in flight.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let still_writing = tasks.iter().filter(|t| !t.is_finished()).count();
    server.kill();
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.expect("writer task");
    }
    assert_eq!(still_writing, 8, "every writer was mid-burst at the kill");
    let acked: Vec<String> = acked.lock().expect("acked lock").clone();
    assert!(!acked.is_empty(), "some goals were acknowledged");

    // The CLI runs PRAGMA integrity_check and walks the chain.
    let output = spawn::audit_verify(data.path());
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("integrity ok"));

    let server = start(data.path(), dist.path());
    let report = server.api().get("/api/audit/verify").await;
    assert_eq!(report.json["ok"], true, "{}", report.text());
    server.stop();

    let stored: BTreeSet<String> = {
        let db = open_db(data.path());
        let mut statement = db.prepare("SELECT text FROM goals").expect("query goals");
        statement
            .query_map([], |row| row.get::<_, String>(0))
            .expect("goals")
            .collect::<Result<_, _>>()
            .expect("goal rows")
    };
    let lost: Vec<&String> = acked.iter().filter(|t| !stored.contains(*t)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged goals lost, e.g. {:?}",
        lost.len(),
        acked.len(),
        lost.first()
    );
}
