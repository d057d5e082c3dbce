//! The `conversation_notes` table (summaries of older spans of a
//! conversation) and pruning: old, unimportant messages are summarised
//! into a note first, then deleted. Every query filters by the user id.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use shared::api::{ConversationNote, MessageRole, PruneReport, PruneRequest};
use shared::memory::summary;

use super::{rfc3339, StoreError};

/// One day in milliseconds; nothing younger is ever pruned.
pub const DAY_MS: i64 = 86_400_000;
/// Importance threshold when the request names none.
pub const DEFAULT_PRUNE_IMPORTANCE: f64 = 0.5;
/// Sentences kept in a pruning summary.
pub const SUMMARY_SENTENCES: usize = 8;

/// Stores a summary of messages `from_message_id..=to_message_id` of a
/// conversation of `user_id`; `method` is `llm` or `extractive`.
pub fn add_note(
    tx: &Transaction<'_>,
    user_id: i64,
    conversation_id: i64,
    text: &str,
    (from_message_id, to_message_id): (i64, i64),
    method: &str,
    now_ms: i64,
) -> Result<ConversationNote, StoreError> {
    tx.execute(
        "INSERT INTO conversation_notes
             (user_id, conversation_id, text, from_message_id, to_message_id, method, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            user_id,
            conversation_id,
            text,
            from_message_id,
            to_message_id,
            method,
            now_ms
        ],
    )?;
    Ok(ConversationNote {
        id: tx.last_insert_rowid(),
        text: text.to_string(),
        from_message_id,
        to_message_id,
        method: method.to_string(),
        created_at: rfc3339(now_ms),
    })
}

/// The newest note of a conversation of `user_id`.
pub fn latest_note(
    connection: &Connection,
    user_id: i64,
    conversation_id: i64,
) -> Result<Option<ConversationNote>, StoreError> {
    Ok(connection
        .query_row(
            "SELECT id, text, from_message_id, to_message_id, method, created_at
             FROM conversation_notes WHERE user_id = ?1 AND conversation_id = ?2
             ORDER BY id DESC LIMIT 1",
            params![user_id, conversation_id],
            note_row,
        )
        .optional()?)
}

/// Every note of a conversation of `user_id`, oldest first.
pub fn notes(
    connection: &Connection,
    user_id: i64,
    conversation_id: i64,
) -> Result<Vec<ConversationNote>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT id, text, from_message_id, to_message_id, method, created_at
         FROM conversation_notes WHERE user_id = ?1 AND conversation_id = ?2 ORDER BY id",
    )?;
    let rows = statement.query_map(params![user_id, conversation_id], note_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn note_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ConversationNote> {
    Ok(ConversationNote {
        id: row.get(0)?,
        text: row.get(1)?,
        from_message_id: row.get(2)?,
        to_message_id: row.get(3)?,
        method: row.get(4)?,
        created_at: rfc3339(row.get(5)?),
    })
}

/// A message about to be pruned: id, role, content.
type Doomed = (i64, MessageRole, String);

/// Prunes `user_id`'s messages older than `request.older_than_days` (at
/// least one day, whatever the request says) whose importance is below
/// `request.below_importance` (default [`DEFAULT_PRUNE_IMPORTANCE`],
/// clamped to [0, 1]); `result` messages are never pruned. For each
/// conversation, the pruned messages are first summarised with
/// `shared::memory::summary::extractive` into an `extractive` note
/// covering their first to last id, then deleted (their index entries and
/// topics go with them). Old messages that stay are counted as `kept`.
pub fn prune(
    tx: &Transaction<'_>,
    user_id: i64,
    request: &PruneRequest,
    now_ms: i64,
) -> Result<PruneReport, StoreError> {
    let days = i64::from(request.older_than_days.max(1));
    let cutoff = now_ms.saturating_sub(days.saturating_mul(DAY_MS));
    let threshold = request
        .below_importance
        .filter(|v| v.is_finite())
        .unwrap_or(DEFAULT_PRUNE_IMPORTANCE)
        .clamp(0.0, 1.0);
    let mut statement = tx.prepare(
        "SELECT id, conversation_id, role, content, importance FROM messages
         WHERE user_id = ?1 AND created_at < ?2 ORDER BY conversation_id, id",
    )?;
    let rows = statement
        .query_map(params![user_id, cutoff], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, f64>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    drop(statement);
    let mut report = PruneReport {
        pruned: 0,
        kept: 0,
        summaries: 0,
    };
    // What goes, per conversation.
    let mut spans: Vec<(i64, Vec<Doomed>)> = Vec::new();
    for (id, conversation_id, role, content, importance) in rows {
        let role = MessageRole::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("message role {role:?}")))?;
        if role == MessageRole::Result || importance >= threshold {
            report.kept += 1;
            continue;
        }
        match spans.last_mut() {
            Some((conversation, span)) if *conversation == conversation_id => {
                span.push((id, role, content));
            }
            _ => spans.push((conversation_id, vec![(id, role, content)])),
        }
    }
    for (conversation_id, span) in spans {
        let texts: Vec<(MessageRole, &str)> = span
            .iter()
            .map(|(_, role, content)| (*role, content.as_str()))
            .collect();
        let mut text = summary::extractive(&texts, SUMMARY_SENTENCES);
        if text.is_empty() {
            text = format!(
                "{} earlier messages without lasting content were removed.",
                span.len()
            );
        }
        let first = span.first().map_or(0, |m| m.0);
        let last = span.last().map_or(0, |m| m.0);
        add_note(
            tx,
            user_id,
            conversation_id,
            &text,
            (first, last),
            "extractive",
            now_ms,
        )?;
        report.summaries += 1;
        let mut delete =
            tx.prepare_cached("DELETE FROM messages WHERE id = ?1 AND user_id = ?2")?;
        for (id, _, _) in &span {
            report.pruned += delete.execute(params![id, user_id])?;
        }
    }
    Ok(report)
}
