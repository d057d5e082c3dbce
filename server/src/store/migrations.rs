//! Versioned schema migrations, applied in order at start (and by the
//! `migrate` subcommand). Each runs in its own transaction together with
//! its row in `schema_migrations`, so a failed migration leaves nothing.
//!
//! To add tables (chat memory, trials, the model registry): append a
//! [`Migration`] with the next version to [`MIGRATIONS`]. Never edit one
//! that has shipped.

use rusqlite::{Connection, OptionalExtension};

use super::{now_ms, write_transaction, StoreError};

/// One schema change.
#[derive(Debug)]
pub struct Migration {
    /// Strictly increasing from 1.
    pub version: i64,
    /// Short name, for logs and `schema_migrations`.
    pub name: &'static str,
    /// The SQL, run as one batch.
    pub sql: &'static str,
}

/// Every migration, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "users, tokens, goals, uploads, cache, results, audit",
        sql: r#"
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    is_local      INTEGER NOT NULL DEFAULT 0 CHECK (is_local IN (0, 1)),
    created_at    INTEGER NOT NULL
);

CREATE TABLE refresh_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    family      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    revoked_at  INTEGER
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (user_id, family);

CREATE TABLE goals (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    text       TEXT NOT NULL,
    sources    TEXT NOT NULL,
    verdict    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX goals_by_user ON goals (user_id, id);

CREATE TABLE uploads (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    content      BLOB NOT NULL,
    series       TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX uploads_by_user ON uploads (user_id, id);

-- Public market data is not any user's: the cache is shared, keyed by the
-- normalised request. Who fetched what is in the audit log.
CREATE TABLE data_cache (
    request_key     TEXT PRIMARY KEY,
    source          TEXT NOT NULL,
    provenance_hash TEXT NOT NULL,
    series          TEXT NOT NULL,
    fetched_at      INTEGER NOT NULL
);

CREATE TABLE results (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    record     TEXT NOT NULL,
    verdict    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX results_by_user ON results (user_id, id);

CREATE TABLE audit_log (
    seq             INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    user_id         INTEGER REFERENCES users(id),
    actor           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    verdict         TEXT NOT NULL CHECK (verdict IN ('allowed', 'refused', 'none')),
    rule_id         TEXT NOT NULL,
    reason          TEXT NOT NULL,
    provenance_hash TEXT,
    detail          TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX audit_by_user ON audit_log (user_id, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- The chain's head, written in the same transaction as each entry, so that
-- cutting entries off the end is detected.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
"#,
    },
    Migration {
        version: 2,
        name: "conversations, messages, topics, full-text search, notes",
        sql: r#"
CREATE TABLE conversations (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    title      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX conversations_by_user ON conversations (user_id, updated_at);

CREATE TABLE messages (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users(id),
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    role             TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'result')),
    content          TEXT NOT NULL,
    complete         INTEGER NOT NULL CHECK (complete IN (0, 1)),
    topics           TEXT NOT NULL,
    importance       REAL NOT NULL,
    actions          TEXT NOT NULL,
    refusals         TEXT NOT NULL,
    input_tokens     INTEGER NOT NULL,
    output_tokens    INTEGER NOT NULL,
    tokens_estimated INTEGER NOT NULL CHECK (tokens_estimated IN (0, 1)),
    provider         TEXT,
    model            TEXT,
    created_at       INTEGER NOT NULL
);
CREATE INDEX messages_by_conversation ON messages (user_id, conversation_id, id);
CREATE INDEX messages_by_time ON messages (user_id, created_at);

CREATE TABLE message_topics (
    message_id INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    topic      TEXT NOT NULL,
    PRIMARY KEY (message_id, topic)
) WITHOUT ROWID;
CREATE INDEX message_topics_by_topic ON message_topics (user_id, topic, message_id);

-- A plain FTS5 table (it keeps its own copy of the text), written by the
-- store in the same transaction as the message. `body` is the text; `meta`
-- holds the owner (`u<user id>`), conversation (`c<id>`) and topic
-- (`t<hex of the topic>`) tokens, so that user, conversation and topic
-- filters are intersected inside the index. Ranked by BM25 over `body` only.
CREATE VIRTUAL TABLE messages_fts USING fts5(body, meta, tokenize = 'porter unicode61');
INSERT INTO messages_fts (messages_fts, rank) VALUES ('rank', 'bm25(1.0, 0.0)');

-- Deleting a message removes its index entry and its topics.
CREATE TRIGGER messages_delete AFTER DELETE ON messages
BEGIN
    DELETE FROM messages_fts WHERE rowid = old.id;
    DELETE FROM message_topics WHERE message_id = old.id;
END;

CREATE TABLE conversation_notes (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    text            TEXT NOT NULL,
    from_message_id INTEGER NOT NULL,
    to_message_id   INTEGER NOT NULL,
    method          TEXT NOT NULL CHECK (method IN ('llm', 'extractive')),
    created_at      INTEGER NOT NULL
);
CREATE INDEX conversation_notes_by_conversation ON conversation_notes (user_id, conversation_id, id);
"#,
    },
    Migration {
        version: 3,
        name: "trials, trial steps, trial events",
        sql: r#"
CREATE TABLE trials (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users(id),
    name             TEXT NOT NULL,
    plan             TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN
                         ('running', 'cancelling', 'succeeded', 'failed', 'cancelled')),
    last_seq         INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    finished_at      INTEGER
);
CREATE INDEX trials_by_user ON trials (user_id, id);
CREATE INDEX trials_unfinished ON trials (status) WHERE status IN ('running', 'cancelling');

CREATE TABLE trial_steps (
    trial_id    INTEGER NOT NULL REFERENCES trials(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    position    INTEGER NOT NULL,
    step_id     TEXT NOT NULL,
    action      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN
                    ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
    summary     TEXT,
    output      TEXT,
    error       TEXT,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (trial_id, step_id)
);
CREATE INDEX trial_steps_by_user ON trial_steps (user_id, trial_id, position);

-- One row per event, numbered per trial from 1: a client replays from the
-- last sequence number it saw.
CREATE TABLE trial_events (
    trial_id    INTEGER NOT NULL REFERENCES trials(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (trial_id, seq)
);
CREATE INDEX trial_events_by_user ON trial_events (user_id, trial_id, seq);
"#,
    },
    Migration {
        version: 4,
        name: "results: client ids for exactly-once recording",
        sql: r#"
-- The id the browser gave a result before sending it; a retried POST with
-- the same id finds this row instead of adding a second.
ALTER TABLE results ADD COLUMN client_id TEXT;
CREATE UNIQUE INDEX results_by_client_id ON results (user_id, client_id)
    WHERE client_id IS NOT NULL;
"#,
    },
    Migration {
        version: 5,
        name: "autonomous runs and rounds",
        sql: r#"
-- One autonomous loop: the request (goal resolved), its budget, what it
-- has spent, where it is and why it stopped.
CREATE TABLE autonomous_runs (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    request     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('running', 'stopping', 'finished')),
    spend       TEXT NOT NULL,
    stop_kind   TEXT,
    stop_detail TEXT,
    best        TEXT,
    created_at  INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX autonomous_runs_by_user ON autonomous_runs (user_id, id);

-- One row per round, its body the wire type as JSON, rewritten as the
-- round goes on.
CREATE TABLE autonomous_rounds (
    run_id      INTEGER NOT NULL REFERENCES autonomous_runs(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    number      INTEGER NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (run_id, number)
);
CREATE INDEX autonomous_rounds_by_user ON autonomous_rounds (user_id, run_id, number);
"#,
    },
    Migration {
        version: 6,
        name: "model registry: versions and the active version per name",
        sql: r#"
-- One row per registered version; the record is the result's JSON
-- (parameters, metrics, data hash, seed, code version).
CREATE TABLE model_versions (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    result_id   INTEGER REFERENCES results(id),
    origin      TEXT NOT NULL CHECK (origin IN ('result', 'import')),
    note        TEXT NOT NULL,
    record      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (user_id, name, version)
);

-- The active version of each name.
CREATE TABLE model_active (
    user_id     INTEGER NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, name),
    FOREIGN KEY (user_id, name, version) REFERENCES model_versions (user_id, name, version)
);
"#,
    },
    Migration {
        version: 7,
        name: "trials run by a browser: host and lease",
        sql: r#"
-- Who runs a trial's steps: the server's runner, or the browser tab that
-- started it, which holds a lease renewed by each report; when it lapses
-- the server takes the trial over (host becomes 'server').
ALTER TABLE trials ADD COLUMN host TEXT NOT NULL DEFAULT 'server'
    CHECK (host IN ('server', 'browser'));
ALTER TABLE trials ADD COLUMN lease_until INTEGER;
CREATE INDEX trials_browser_leases ON trials (lease_until)
    WHERE host = 'browser' AND status IN ('running', 'cancelling');
"#,
    },
];

/// The newest version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The newest version applied to `connection`'s database (0 if none).
pub fn applied_version(connection: &Connection) -> Result<i64, StoreError> {
    let exists: Option<i64> = connection
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(0);
    }
    Ok(connection.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |row| row.get(0),
    )?)
}

/// Applies every pending migration; returns the versions applied.
pub fn migrate(connection: &mut Connection) -> Result<Vec<i64>, StoreError> {
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at INTEGER NOT NULL
         )",
    )?;
    let current = applied_version(connection)?;
    if current > latest_version() {
        return Err(StoreError::TooNew {
            found: current,
            known: latest_version(),
        });
    }
    let mut applied = Vec::new();
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        write_transaction(connection, |tx| {
            let fail = |source| StoreError::Migration {
                version: migration.version,
                name: migration.name,
                source,
            };
            tx.execute_batch(migration.sql).map_err(fail)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                rusqlite::params![migration.version, migration.name, now_ms()],
            )
            .map_err(fail)?;
            Ok::<_, StoreError>(())
        })?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied migration"
        );
        applied.push(migration.version);
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_count_up_from_one_without_gaps() {
        assert_eq!(MIGRATIONS[0].version, 1);
        for pair in MIGRATIONS.windows(2) {
            assert_eq!(pair[0].version + 1, pair[1].version, "{}", pair[1].name);
        }
    }

    #[test]
    fn migrate_is_idempotent() {
        let mut connection = Connection::open_in_memory().unwrap();
        assert_eq!(
            migrate(&mut connection).unwrap(),
            MIGRATIONS.iter().map(|m| m.version).collect::<Vec<_>>()
        );
        assert!(migrate(&mut connection).unwrap().is_empty());
        assert_eq!(applied_version(&connection).unwrap(), latest_version());
    }

    #[test]
    fn audit_log_rejects_update_and_delete() {
        let mut connection = Connection::open_in_memory().unwrap();
        migrate(&mut connection).unwrap();
        connection
            .execute(
                "INSERT INTO audit_log (seq, at, actor, kind, verdict, rule_id, reason, detail, prev_hash, hash)
                 VALUES (1, 't', 'a', 'k', 'none', '', '', '{}', 'p', 'h')",
                [],
            )
            .unwrap();
        let update = connection.execute("UPDATE audit_log SET actor = 'x'", []);
        assert!(update.unwrap_err().to_string().contains("append-only"));
        let delete = connection.execute("DELETE FROM audit_log", []);
        assert!(delete.unwrap_err().to_string().contains("append-only"));
    }

    #[test]
    fn newer_database_is_refused() {
        let mut connection = Connection::open_in_memory().unwrap();
        migrate(&mut connection).unwrap();
        connection
            .execute(
                "INSERT INTO schema_migrations VALUES (?1, 'future', 0)",
                [latest_version() + 1],
            )
            .unwrap();
        assert!(matches!(
            migrate(&mut connection),
            Err(StoreError::TooNew { .. })
        ));
    }
}
