//! The audit log: an append-only hash chain. Each entry's hash is SHA-256
//! over a canonical encoding of its fields and the previous entry's hash;
//! triggers reject UPDATE and DELETE; `audit_head` records the last entry,
//! written in the same transaction, so truncation is detected too.
//!
//! Canonical encoding (version 1): for each field in the order `seq, at,
//! user_id, actor, kind, verdict, rule_id, reason, provenance_hash, detail,
//! prev_hash`, an 8-byte big-endian length followed by the UTF-8 bytes;
//! integers as decimal text; an absent value as the length `u64::MAX` with
//! no bytes. Lengths make the encoding unambiguous.

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use sha2::{Digest, Sha256};
use shared::api::{AuditEntry, AuditPage, AuditQuery, BrokenLink, ChainReport};
use shared::compliance::{hex, Verdict};

use super::{now_ms, rfc3339, StoreError};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Default and largest page size for [`list`].
pub const PAGE_DEFAULT: u32 = 100;
/// Largest page size for [`list`].
pub const PAGE_MAX: u32 = 500;

/// What to record.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// The user acted for, `None` for the system.
    pub user_id: Option<i64>,
    /// Their name (or `system`).
    pub actor: String,
    /// Event kind, e.g. `data.fetch`.
    pub kind: String,
    /// The compliance verdict, if the event had one.
    pub verdict: Option<Verdict>,
    /// Content hash of the data involved.
    pub provenance_hash: Option<String>,
    /// Extra facts.
    pub detail: serde_json::Value,
}

impl AuditEvent {
    /// An event with no verdict and no data.
    pub fn new(user_id: Option<i64>, actor: &str, kind: &str) -> AuditEvent {
        AuditEvent {
            user_id,
            actor: actor.to_string(),
            kind: kind.to_string(),
            verdict: None,
            provenance_hash: None,
            detail: serde_json::Value::Object(Default::default()),
        }
    }

    /// With a compliance verdict.
    pub fn verdict(mut self, verdict: &Verdict) -> AuditEvent {
        self.verdict = Some(verdict.clone());
        self
    }

    /// With the content hash of the data involved.
    pub fn provenance(mut self, hash: &str) -> AuditEvent {
        self.provenance_hash = Some(hash.to_string());
        self
    }

    /// With extra facts.
    pub fn detail(mut self, detail: serde_json::Value) -> AuditEvent {
        self.detail = detail;
        self
    }
}

/// Appends `event` to the chain inside `tx` and returns the entry.
pub fn append(tx: &Transaction<'_>, event: &AuditEvent) -> Result<AuditEntry, StoreError> {
    let (prev_seq, prev_hash) = tx
        .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .optional()?
        .unwrap_or((0, GENESIS_HASH.to_string()));
    let (verdict, rule_id, reason) = match &event.verdict {
        Some(v) if v.allowed => ("allowed", v.rule_id.clone(), v.reason.clone()),
        Some(v) => ("refused", v.rule_id.clone(), v.reason.clone()),
        None => ("none", String::new(), String::new()),
    };
    let mut entry = AuditEntry {
        seq: prev_seq + 1,
        at: rfc3339(now_ms()),
        user_id: event.user_id,
        actor: event.actor.clone(),
        kind: event.kind.clone(),
        verdict: verdict.to_string(),
        rule_id,
        reason,
        provenance_hash: event.provenance_hash.clone(),
        detail: event.detail.to_string(),
        prev_hash,
        hash: String::new(),
    };
    entry.hash = entry_hash(&entry);
    tx.execute(
        "INSERT INTO audit_log (seq, at, user_id, actor, kind, verdict, rule_id, reason,
                                provenance_hash, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            entry.seq,
            entry.at,
            entry.user_id,
            entry.actor,
            entry.kind,
            entry.verdict,
            entry.rule_id,
            entry.reason,
            entry.provenance_hash,
            entry.detail,
            entry.prev_hash,
            entry.hash
        ],
    )?;
    tx.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        params![entry.seq, entry.hash],
    )?;
    Ok(entry)
}

/// The hash of `entry` over the canonical encoding (ignores `entry.hash`).
pub fn entry_hash(entry: &AuditEntry) -> String {
    let mut hasher = Sha256::new();
    let mut field = |value: Option<&str>| match value {
        Some(text) => {
            hasher.update((text.len() as u64).to_be_bytes());
            hasher.update(text.as_bytes());
        }
        None => hasher.update(u64::MAX.to_be_bytes()),
    };
    field(Some(&entry.seq.to_string()));
    field(Some(&entry.at));
    field(entry.user_id.map(|id| id.to_string()).as_deref());
    field(Some(&entry.actor));
    field(Some(&entry.kind));
    field(Some(&entry.verdict));
    field(Some(&entry.rule_id));
    field(Some(&entry.reason));
    field(entry.provenance_hash.as_deref());
    field(Some(&entry.detail));
    field(Some(&entry.prev_hash));
    hex(&hasher.finalize())
}

/// Walks the whole chain from the first entry and reports the first link
/// that does not hold: a gap or reordering in `seq`, a `prev_hash` that is
/// not the previous entry's hash, a hash that does not match the fields, or
/// a head that does not match the last entry (truncation).
pub fn verify(connection: &Connection) -> Result<ChainReport, StoreError> {
    let mut statement = connection.prepare(&format!("{SELECT_ENTRY} ORDER BY rowid"))?;
    let mut rows = statement.query([])?;
    let mut expected_seq = 1;
    let mut prev_hash = GENESIS_HASH.to_string();
    let mut entries = 0u64;
    let mut first_broken = None;
    while let Some(row) = rows.next()? {
        let entry = entry_from_row(row)?;
        entries += 1;
        if first_broken.is_some() {
            continue;
        }
        let problem = if entry.seq != expected_seq {
            Some(format!(
                "expected entry #{expected_seq} here, found #{}: entries were deleted or reordered",
                entry.seq
            ))
        } else if entry.prev_hash != prev_hash {
            Some("prev_hash does not match the previous entry's hash".to_string())
        } else if entry_hash(&entry) != entry.hash {
            Some("the entry's fields do not match its hash: it was edited".to_string())
        } else {
            None
        };
        if let Some(reason) = problem {
            first_broken = Some(BrokenLink {
                seq: entry.seq,
                reason,
            });
        }
        expected_seq = entry.seq + 1;
        prev_hash = entry.hash;
    }
    let head: Option<(i64, String)> = connection
        .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let last_seq = expected_seq - 1;
    if first_broken.is_none() {
        let head_problem = match &head {
            None if entries > 0 => Some("the chain head record is missing".to_string()),
            Some((seq, _)) if *seq > last_seq => Some(format!(
                "the head says entry #{seq} is the last, but the chain ends at #{last_seq}: it was truncated"
            )),
            Some((seq, hash)) if *seq != last_seq || *hash != prev_hash => {
                Some("the chain head does not match the last entry".to_string())
            }
            _ => None,
        };
        if let Some(reason) = head_problem {
            first_broken = Some(BrokenLink {
                seq: last_seq + 1,
                reason,
            });
        }
    }
    Ok(ChainReport {
        ok: first_broken.is_none(),
        entries,
        head_hash: if entries == 0 {
            GENESIS_HASH.to_string()
        } else {
            prev_hash
        },
        first_broken,
    })
}

/// Who may see what in [`list`].
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// Every user's entries (admins).
    Everyone,
    /// Only this user's entries.
    User(i64),
}

/// Entries matching `query` within `scope`, newest first.
pub fn list(
    connection: &Connection,
    query: &AuditQuery,
    scope: Scope,
) -> Result<AuditPage, StoreError> {
    let mut clauses = Vec::new();
    let mut values: Vec<rusqlite::types::Value> = Vec::new();
    let user = match scope {
        Scope::User(id) => Some(id),
        Scope::Everyone => query.user_id,
    };
    if let Some(id) = user {
        clauses.push("user_id = ?");
        values.push(id.into());
    }
    if let Some(kind) = &query.kind {
        clauses.push("kind = ?");
        values.push(kind.clone().into());
    }
    if let Some(verdict) = &query.verdict {
        clauses.push("verdict = ?");
        values.push(verdict.clone().into());
    }
    if let Some(from) = &query.from {
        clauses.push("at >= ?");
        values.push(from.clone().into());
    }
    if let Some(to) = &query.to {
        // Dates compare as prefixes of RFC 3339 text: include the whole day.
        clauses.push("at < ?");
        values.push(format!("{to}T99").into());
    }
    if let Some(before) = query.before {
        clauses.push("seq < ?");
        values.push(before.into());
    }
    let limit = query.limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let sql = format!(
        "{SELECT_ENTRY} {filter} ORDER BY seq DESC LIMIT {}",
        limit + 1
    );
    let mut statement = connection.prepare(&sql)?;
    let mut entries = statement
        .query_map(rusqlite::params_from_iter(values), |row| {
            entry_from_row(row).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let next_before = if entries.len() > limit as usize {
        entries.truncate(limit as usize);
        entries.last().map(|entry| entry.seq)
    } else {
        None
    };
    Ok(AuditPage {
        entries,
        next_before,
    })
}

const SELECT_ENTRY: &str = "SELECT seq, at, user_id, actor, kind, verdict, rule_id, reason, \
                            provenance_hash, detail, prev_hash, hash FROM audit_log";

fn entry_from_row(row: &Row<'_>) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: row.get(0)?,
        at: row.get(1)?,
        user_id: row.get(2)?,
        actor: row.get(3)?,
        kind: row.get(4)?,
        verdict: row.get(5)?,
        rule_id: row.get(6)?,
        reason: row.get(7)?,
        provenance_hash: row.get(8)?,
        detail: row.get(9)?,
        prev_hash: row.get(10)?,
        hash: row.get(11)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{migrations, write_transaction};

    fn chain(entries: usize) -> Connection {
        let mut connection = Connection::open_in_memory().unwrap();
        migrations::migrate(&mut connection).unwrap();
        connection
            .execute(
                "INSERT INTO users (id, username, password_hash, role, created_at)
                 VALUES (1, 'ann', 'x', 'analyst', 0)",
                [],
            )
            .unwrap();
        for index in 0..entries {
            write_transaction(&mut connection, |tx| {
                let verdict = Verdict {
                    allowed: index % 3 != 0,
                    rule_id: "source.approved".into(),
                    reason: format!("reason {index}"),
                };
                append(
                    tx,
                    &AuditEvent::new(Some(1), "ann", "data.fetch")
                        .verdict(&verdict)
                        .provenance(&"ab".repeat(32))
                        .detail(serde_json::json!({ "n": index })),
                )
            })
            .unwrap();
        }
        connection
    }

    /// Tampering as an attacker with file access would: drop the triggers.
    fn tamper(connection: &Connection, sql: &str) {
        connection
            .execute_batch(&format!(
                "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; {sql}"
            ))
            .unwrap();
    }

    #[test]
    fn intact_chain_verifies() {
        let connection = chain(10);
        let report = verify(&connection).unwrap();
        assert!(report.ok, "{report:?}");
        assert_eq!(report.entries, 10);
        let head: String = connection
            .query_row("SELECT hash FROM audit_log WHERE seq = 10", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(report.head_hash, head);
        assert!(verify(&chain(0)).unwrap().ok);
    }

    #[test]
    fn edit_is_detected_at_the_edited_entry() {
        let connection = chain(10);
        tamper(
            &connection,
            "UPDATE audit_log SET reason = 'fine' WHERE seq = 4",
        );
        let report = verify(&connection).unwrap();
        assert!(!report.ok);
        let broken = report.first_broken.unwrap();
        assert_eq!(broken.seq, 4);
        assert!(broken.reason.contains("edited"), "{}", broken.reason);
    }

    #[test]
    fn edit_with_recomputed_hash_breaks_the_next_link() {
        let connection = chain(10);
        tamper(
            &connection,
            "UPDATE audit_log SET verdict = 'allowed' WHERE seq = 4",
        );
        let edited: AuditEntry = connection
            .query_row(&format!("{SELECT_ENTRY} WHERE seq = 4"), [], |row| {
                Ok(entry_from_row(row).unwrap())
            })
            .unwrap();
        let forged = entry_hash(&edited);
        connection
            .execute("UPDATE audit_log SET hash = ?1 WHERE seq = 4", [forged])
            .unwrap();
        let broken = verify(&connection).unwrap().first_broken.unwrap();
        assert_eq!(broken.seq, 5);
        assert!(broken.reason.contains("prev_hash"), "{}", broken.reason);
    }

    #[test]
    fn delete_is_detected() {
        let connection = chain(10);
        tamper(&connection, "DELETE FROM audit_log WHERE seq = 6");
        let broken = verify(&connection).unwrap().first_broken.unwrap();
        assert_eq!(broken.seq, 7);
        assert!(broken.reason.contains("deleted"), "{}", broken.reason);
    }

    #[test]
    fn reorder_is_detected() {
        let connection = chain(10);
        // Swap the contents of entries 3 and 4 (keeping their seq numbers).
        tamper(
            &connection,
            "CREATE TEMP TABLE t AS SELECT * FROM audit_log WHERE seq IN (3, 4);
             DELETE FROM audit_log WHERE seq IN (3, 4);
             INSERT INTO audit_log SELECT 3, at, user_id, actor, kind, verdict, rule_id, reason,
                 provenance_hash, detail, prev_hash, hash FROM t WHERE seq = 4;
             INSERT INTO audit_log SELECT 4, at, user_id, actor, kind, verdict, rule_id, reason,
                 provenance_hash, detail, prev_hash, hash FROM t WHERE seq = 3;",
        );
        let broken = verify(&connection).unwrap().first_broken.unwrap();
        assert_eq!(broken.seq, 3);
    }

    #[test]
    fn truncation_is_detected() {
        let connection = chain(10);
        tamper(&connection, "DELETE FROM audit_log WHERE seq >= 8");
        let report = verify(&connection).unwrap();
        let broken = report.first_broken.unwrap();
        assert_eq!(broken.seq, 8);
        assert!(broken.reason.contains("truncated"), "{}", broken.reason);
    }

    #[test]
    fn list_filters_and_pages() {
        let connection = chain(10);
        let all = list(&connection, &AuditQuery::default(), Scope::Everyone).unwrap();
        assert_eq!(all.entries.len(), 10);
        assert_eq!(all.entries[0].seq, 10);
        let refused = list(
            &connection,
            &AuditQuery {
                verdict: Some("refused".into()),
                ..Default::default()
            },
            Scope::Everyone,
        )
        .unwrap();
        assert_eq!(
            refused.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
            [10, 7, 4, 1]
        );
        let page = list(
            &connection,
            &AuditQuery {
                limit: Some(4),
                ..Default::default()
            },
            Scope::Everyone,
        )
        .unwrap();
        assert_eq!(page.next_before, Some(7));
        let other_user = list(&connection, &AuditQuery::default(), Scope::User(2)).unwrap();
        assert!(other_user.entries.is_empty());
        let today = &all.entries[0].at[..10];
        let dated = list(
            &connection,
            &AuditQuery {
                from: Some(today.into()),
                to: Some(today.into()),
                ..Default::default()
            },
            Scope::Everyone,
        )
        .unwrap();
        assert_eq!(dated.entries.len(), 10);
    }
}
