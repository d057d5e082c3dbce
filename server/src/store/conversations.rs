//! The `conversations` table, a conversation's detail and export, and the
//! import of a chat history in the earlier mlTrainer format. Every query
//! filters by the user id. The functions of [`super::messages`] and
//! [`super::notes`] are re-exported here, so the chat route finds the whole
//! memory API in one module.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::Value;
use shared::api::{
    ConversationDetail, ConversationSummary, GoalRequest, ImportReport, ImportRequest, ImportSkip,
    MessageRole, TokenUsage,
};
use shared::compliance::{check_goal, Rules};

pub use super::messages::{
    conversation_messages, insert_message, recent_messages, search, tokens_used_since, NewMessage,
};
pub use super::notes::{add_note, latest_note, prune};
use super::{goals, notes, rfc3339, StoreError};

/// Longest title kept, in characters.
pub const MAX_TITLE_CHARS: usize = 120;
/// Longest imported message, in characters (as for result messages).
pub const MAX_IMPORTED_CHARS: usize = 20_000;
/// Title of an import that names none.
pub const DEFAULT_IMPORT_TITLE: &str = "Imported history";

/// Why an import stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file is not a JSON list.
    #[error("{file}: malformed JSON at line {line}, column {column}: {message}")]
    Malformed {
        /// `history` or `goals`.
        file: &'static str,
        /// 1-based line (0 when the text is valid JSON but not a list).
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates a conversation for `user_id`; the title is trimmed and cut to
/// [`MAX_TITLE_CHARS`] characters (`New conversation` when empty).
pub fn create_conversation(
    tx: &Transaction<'_>,
    user_id: i64,
    title: &str,
    now_ms: i64,
) -> Result<ConversationSummary, StoreError> {
    let title = clean_title(title);
    tx.execute(
        "INSERT INTO conversations (user_id, title, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
        params![user_id, title, now_ms],
    )?;
    Ok(ConversationSummary {
        id: tx.last_insert_rowid(),
        title,
        created_at: rfc3339(now_ms),
        updated_at: rfc3339(now_ms),
        messages: 0,
    })
}

fn clean_title(title: &str) -> String {
    let words = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut title: String = words.chars().take(MAX_TITLE_CHARS).collect();
    if words.chars().count() > MAX_TITLE_CHARS {
        title.push('…');
    }
    if title.is_empty() {
        "New conversation".to_string()
    } else {
        title
    }
}

const SUMMARY_SELECT: &str = "SELECT c.id, c.title, c.created_at, c.updated_at,
     (SELECT COUNT(*) FROM messages m WHERE m.user_id = c.user_id AND m.conversation_id = c.id)
     FROM conversations c";

fn summary_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ConversationSummary> {
    Ok(ConversationSummary {
        id: row.get(0)?,
        title: row.get(1)?,
        created_at: rfc3339(row.get(2)?),
        updated_at: rfc3339(row.get(3)?),
        messages: u64::try_from(row.get::<_, i64>(4)?).unwrap_or(0),
    })
}

/// `user_id`'s conversation `id`, if it is theirs.
pub fn conversation(
    connection: &Connection,
    user_id: i64,
    id: i64,
) -> Result<Option<ConversationSummary>, StoreError> {
    Ok(connection
        .query_row(
            &format!("{SUMMARY_SELECT} WHERE c.id = ?1 AND c.user_id = ?2"),
            params![id, user_id],
            summary_row,
        )
        .optional()?)
}

/// `user_id`'s conversations, most recently updated first (at most 500).
pub fn list_conversations(
    connection: &Connection,
    user_id: i64,
) -> Result<Vec<ConversationSummary>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "{SUMMARY_SELECT} WHERE c.user_id = ?1 ORDER BY c.updated_at DESC, c.id DESC LIMIT 500"
    ))?;
    let rows = statement.query_map([user_id], summary_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// `user_id`'s conversation `id` with its messages (oldest first) and its
/// notes, if it is theirs.
pub fn detail(
    connection: &Connection,
    user_id: i64,
    id: i64,
) -> Result<Option<ConversationDetail>, StoreError> {
    let Some(conversation) = conversation(connection, user_id, id)? else {
        return Ok(None);
    };
    Ok(Some(ConversationDetail {
        conversation,
        messages: conversation_messages(connection, user_id, id)?,
        summaries: notes::notes(connection, user_id, id)?,
    }))
}

/// The conversation's [`ConversationDetail`] as pretty JSON.
pub fn export_json(
    connection: &Connection,
    user_id: i64,
    id: i64,
) -> Result<Option<String>, StoreError> {
    detail(connection, user_id, id)?
        .map(|detail| {
            serde_json::to_string_pretty(&detail).map_err(|e| StoreError::Corrupt(e.to_string()))
        })
        .transpose()
}

/// The columns of [`export_csv`].
pub const CSV_HEADER: &str = "id,role,created_at,complete,importance,topics,content";

/// The conversation's messages as CSV (RFC 4180: CRLF line ends; a field
/// with a comma, quote, CR or LF is quoted, quotes doubled), columns
/// [`CSV_HEADER`]; topics are joined with `;`.
pub fn export_csv(
    connection: &Connection,
    user_id: i64,
    id: i64,
) -> Result<Option<String>, StoreError> {
    if conversation(connection, user_id, id)?.is_none() {
        return Ok(None);
    }
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    for message in conversation_messages(connection, user_id, id)? {
        let fields = [
            message.id.to_string(),
            message.role.as_str().to_string(),
            message.created_at,
            message.complete.to_string(),
            format!("{:.4}", message.importance),
            message.topics.join(";"),
            message.content,
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Ok(Some(out))
}

/// One CSV field, quoted when needed.
pub fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// Imports a history (and goals) in the earlier mlTrainer format for
/// `user_id`.
///
/// * `history`: a JSON list of `{role, content, timestamp}`. Roles `user`
///   and `assistant` are kept; `mltrainer`, `ai` and `coach` (the earlier
///   app's names for its answers) are read as `assistant`; `result` as
///   `result`; anything else is skipped. `timestamp` is RFC 3339 / ISO 8601
///   (`2024-03-01T10:00:00Z`, `2024-03-01T10:00:00`, `2024-03-01 10:00:00`
///   read as UTC, or `2024-03-01`) or epoch seconds (a number or a string of
///   digits). Content must be 1 to [`MAX_IMPORTED_CHARS`] characters.
///   Messages go, in file order, into one new conversation titled
///   `request.title` (default [`DEFAULT_IMPORT_TITLE`]), created only if one
///   is imported. Usage is zero and marked estimated.
/// * `goals`: a JSON list of `{goal, timestamp}`; each goal is checked with
///   `check_goal` (no declared sources) and stored if allowed.
///
/// Every skipped entry is listed with its file, index and a reason naming
/// the field. A file that is not a JSON list is an [`ImportError::Malformed`]
/// naming the file, line and column, and nothing is stored (the caller's
/// transaction rolls back).
pub fn import(
    tx: &Transaction<'_>,
    user_id: i64,
    request: &ImportRequest,
    rules: &Rules,
    now_ms: i64,
) -> Result<ImportReport, ImportError> {
    let history = parse_list("history", &request.history)?;
    let goals_list = match &request.goals {
        Some(text) if !text.trim().is_empty() => parse_list("goals", text)?,
        _ => Vec::new(),
    };
    let mut report = ImportReport {
        conversation_id: None,
        messages_counted: history.len(),
        messages_imported: 0,
        goals_counted: goals_list.len(),
        goals_imported: 0,
        skipped: Vec::new(),
    };
    let skip = |report: &mut ImportReport, file: &str, index: usize, reason: String| {
        report.skipped.push(ImportSkip {
            file: file.to_string(),
            index,
            reason,
        });
    };
    for (index, entry) in history.iter().enumerate() {
        let parsed = history_entry(entry);
        let (role, content, at_ms) = match parsed {
            Ok(parsed) => parsed,
            Err(reason) => {
                skip(&mut report, "history", index, reason);
                continue;
            }
        };
        let conversation_id = match report.conversation_id {
            Some(id) => id,
            None => {
                let title = request.title.as_deref().unwrap_or(DEFAULT_IMPORT_TITLE);
                let created = create_conversation(tx, user_id, title, now_ms)?;
                report.conversation_id = Some(created.id);
                created.id
            }
        };
        insert_message(
            tx,
            user_id,
            &NewMessage {
                conversation_id,
                role,
                content,
                complete: true,
                actions: Vec::new(),
                refusals: Vec::new(),
                usage: TokenUsage {
                    estimated: true,
                    ..TokenUsage::default()
                },
                provider: None,
                model: None,
                created_at_ms: at_ms,
            },
        )?;
        report.messages_imported += 1;
    }
    for (index, entry) in goals_list.iter().enumerate() {
        let text = match entry.get("goal") {
            Some(Value::String(text)) if !text.trim().is_empty() => text.clone(),
            Some(Value::String(_)) => {
                skip(&mut report, "goals", index, "goal: empty".into());
                continue;
            }
            Some(_) => {
                skip(&mut report, "goals", index, "goal: not a string".into());
                continue;
            }
            None => {
                skip(&mut report, "goals", index, "goal: missing".into());
                continue;
            }
        };
        let at_ms = match entry.get("timestamp") {
            None | Some(Value::Null) => now_ms,
            Some(value) => match timestamp_ms(value) {
                Ok(ms) => ms,
                Err(reason) => {
                    skip(&mut report, "goals", index, reason);
                    continue;
                }
            },
        };
        let goal = GoalRequest {
            text,
            sources: Vec::new(),
        };
        let verdict = check_goal(rules, &goal);
        if !verdict.allowed {
            let reason = format!(
                "goal: refused by rule {}: {}",
                verdict.rule_id, verdict.reason
            );
            skip(&mut report, "goals", index, reason);
            continue;
        }
        goals::insert(tx, user_id, &goal, &verdict, at_ms)?;
        report.goals_imported += 1;
    }
    Ok(report)
}

/// `text` as a JSON list, or [`ImportError::Malformed`] naming `file`.
fn parse_list(file: &'static str, text: &str) -> Result<Vec<Value>, ImportError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(_) => Err(ImportError::Malformed {
            file,
            line: 0,
            column: 0,
            message: "expected a JSON list of entries".into(),
        }),
        Err(error) => Err(ImportError::Malformed {
            file,
            line: error.line(),
            column: error.column(),
            message: error.to_string(),
        }),
    }
}

/// One history entry's role, content and time, or why it is skipped.
fn history_entry(entry: &Value) -> Result<(MessageRole, String, i64), String> {
    if !entry.is_object() {
        return Err("entry: not an object with role, content and timestamp".into());
    }
    let role = match entry.get("role") {
        Some(Value::String(role)) => match role.trim().to_lowercase().as_str() {
            "user" => MessageRole::User,
            "assistant" | "mltrainer" | "ai" | "coach" => MessageRole::Assistant,
            "result" => MessageRole::Result,
            other => {
                return Err(format!(
                    "role: {other:?} is not user, assistant (or mltrainer, ai, coach) or result"
                ))
            }
        },
        Some(_) => return Err("role: not a string".into()),
        None => return Err("role: missing".into()),
    };
    let content = match entry.get("content") {
        Some(Value::String(content)) => content.clone(),
        Some(_) => return Err("content: not a string".into()),
        None => return Err("content: missing".into()),
    };
    let chars = content.trim().chars().count();
    if chars == 0 || content.chars().count() > MAX_IMPORTED_CHARS {
        return Err(format!(
            "content: {} characters; it must have 1 to {MAX_IMPORTED_CHARS}",
            content.chars().count()
        ));
    }
    let at_ms = match entry.get("timestamp") {
        Some(value) => timestamp_ms(value)?,
        None => return Err("timestamp: missing".into()),
    };
    Ok((role, content, at_ms))
}

/// Milliseconds since the epoch of an import timestamp (see [`import`]).
fn timestamp_ms(value: &Value) -> Result<i64, String> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    use time::{Date, OffsetDateTime, PrimitiveDateTime};

    let from_seconds = |seconds: f64| -> Result<i64, String> {
        // Up to the year 9999.
        if seconds.is_finite() && (0.0..=253_402_300_799.0).contains(&seconds) {
            Ok((seconds * 1000.0).round() as i64)
        } else {
            Err(format!(
                "timestamp: {seconds} epoch seconds is out of range"
            ))
        }
    };
    match value {
        Value::Number(number) => from_seconds(number.as_f64().unwrap_or(f64::NAN)),
        Value::String(text) => {
            let text = text.trim();
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                return from_seconds(text.parse::<f64>().unwrap_or(f64::NAN));
            }
            let ms = |at: OffsetDateTime| (at.unix_timestamp_nanos() / 1_000_000) as i64;
            if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
                return Ok(ms(at));
            }
            let t = text.replacen(' ', "T", 1);
            let naive = [
                format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]"),
                format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
                format_description!("[year]-[month]-[day]T[hour]:[minute]"),
            ];
            for format in naive {
                if let Ok(at) = PrimitiveDateTime::parse(&t, &format) {
                    return Ok(ms(at.assume_utc()));
                }
            }
            if let Ok(date) = Date::parse(text, &format_description!("[year]-[month]-[day]")) {
                return Ok(ms(date.midnight().assume_utc()));
            }
            Err(format!(
                "timestamp: {text:?} is neither ISO 8601 nor epoch seconds"
            ))
        }
        _ => Err("timestamp: not a string or a number".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_every_accepted_form() {
        let expected = 1_709_287_200_000; // 2024-03-01T10:00:00Z
        for value in [
            serde_json::json!("2024-03-01T10:00:00Z"),
            serde_json::json!("2024-03-01T11:00:00+01:00"),
            serde_json::json!("2024-03-01T10:00:00"),
            serde_json::json!("2024-03-01 10:00:00"),
            serde_json::json!("2024-03-01T10:00:00.000"),
            serde_json::json!(1_709_287_200),
            serde_json::json!("1709287200"),
        ] {
            assert_eq!(timestamp_ms(&value), Ok(expected), "{value}");
        }
        assert_eq!(
            timestamp_ms(&serde_json::json!("2024-03-01")),
            Ok(1_709_251_200_000)
        );
        for bad in [
            serde_json::json!("yesterday"),
            serde_json::json!(-5),
            serde_json::json!(true),
        ] {
            assert!(timestamp_ms(&bad).unwrap_err().starts_with("timestamp:"));
        }
    }

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\"\nnow"), "\"say \"\"hi\"\"\nnow\"");
    }

    #[test]
    fn titles_are_trimmed_and_cut() {
        assert_eq!(clean_title("  a \n b "), "a b");
        assert_eq!(clean_title(""), "New conversation");
        assert_eq!(
            clean_title(&"x".repeat(500)).chars().count(),
            MAX_TITLE_CHARS + 1
        );
    }
}
