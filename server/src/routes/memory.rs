//! The coach's memory over HTTP: conversations and their detail, result
//! messages posted by the app, export (JSON or CSV), search, import of an
//! earlier mlTrainer history, and pruning. Every query is the session
//! user's own; another user's conversation is a 404. Writes are audited in
//! the same transaction. The chat route itself (`/api/chat`) is not here.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use shared::api::{
    ChatMessage, ConversationDetail, ConversationSummary, ImportReport, ImportRequest, MessageRole,
    PruneReport, PruneRequest, ResultMessageRequest, SearchHit, SearchQuery,
};

use super::json::ApiJson;
use crate::auth::{Session, Writer};
use crate::memory_upkeep::{prune_audited, PruneTrigger};
use crate::problem::Problem;
use crate::state::AppState;
use crate::store::audit::{self, AuditEvent};
use crate::store::conversations::{self, ImportError, NewMessage};
use crate::store::messages::{DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT};
use crate::store::now_ms;

/// Largest import body, in bytes (a long history and its goals).
pub const IMPORT_BODY_LIMIT: usize = 5 * 1024 * 1024;
/// Longest result message, in characters.
pub const MAX_RESULT_CHARS: usize = 20_000;
/// Longest action id, in characters.
pub const MAX_ACTION_ID_CHARS: usize = 200;
/// Longest search text, in characters.
pub const MAX_QUERY_CHARS: usize = 500;

/// A 422 naming `field`.
fn invalid_field(field: &str, detail: impl std::fmt::Display) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
        format!("{field}: {detail}"),
    )
}

/// The conversation id of the path, or 400.
fn conversation_id(path: Result<Path<i64>, PathRejection>) -> Result<i64, Problem> {
    path.map(|Path(id)| id)
        .map_err(|_| Problem::invalid("the conversation id must be an integer"))
}

fn not_found(id: i64) -> Problem {
    Problem::not_found(format!("no conversation {id}"))
}

/// `GET /api/conversations`: the user's conversations, latest first.
pub async fn list(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<Vec<ConversationSummary>>, Problem> {
    let user_id = session.user_id;
    let list = state
        .store
        .read(move |c| conversations::list_conversations(c, user_id).map_err(Problem::from))
        .await?;
    Ok(Json(list))
}

/// `GET /api/conversations/{id}`: messages and summaries, or 404.
pub async fn detail(
    State(state): State<AppState>,
    session: Session,
    path: Result<Path<i64>, PathRejection>,
) -> Result<Json<ConversationDetail>, Problem> {
    let id = conversation_id(path)?;
    let user_id = session.user_id;
    state
        .store
        .read(move |c| conversations::detail(c, user_id, id).map_err(Problem::from))
        .await?
        .map(Json)
        .ok_or_else(|| not_found(id))
}

/// `POST /api/conversations/{id}/results`: 201 with the stored `result`
/// message; 422 naming the field for an empty or too long content or
/// action id; 404 for a conversation that is not the user's.
pub async fn post_result(
    State(state): State<AppState>,
    Writer(session): Writer,
    path: Result<Path<i64>, PathRejection>,
    ApiJson(request): ApiJson<ResultMessageRequest>,
) -> Result<(StatusCode, Json<ChatMessage>), Problem> {
    let id = conversation_id(path)?;
    let chars = request.content.chars().count();
    if request.content.trim().is_empty() || chars > MAX_RESULT_CHARS {
        return Err(invalid_field(
            "content",
            format!("{chars} characters; it must have 1 to {MAX_RESULT_CHARS}"),
        ));
    }
    let action_chars = request.action_id.chars().count();
    if request.action_id.trim().is_empty() || action_chars > MAX_ACTION_ID_CHARS {
        return Err(invalid_field(
            "action_id",
            format!("{action_chars} characters; it must have 1 to {MAX_ACTION_ID_CHARS}"),
        ));
    }
    let stored = state
        .store
        .write(move |tx| {
            if conversations::conversation(tx, session.user_id, id)?.is_none() {
                return Err(not_found(id));
            }
            let message = conversations::insert_message(
                tx,
                session.user_id,
                &NewMessage::plain(id, MessageRole::Result, request.content, now_ms()),
            )?;
            audit::append(
                tx,
                &AuditEvent::new(Some(session.user_id), &session.username, "chat.result").detail(
                    serde_json::json!({
                        "conversation_id": id,
                        "message_id": message.id,
                        "action_id": request.action_id,
                        "result_id": request.result_id,
                    }),
                ),
            )?;
            Ok::<_, Problem>(message)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// Query of `GET /api/conversations/{id}/export`.
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// `GET /api/conversations/{id}/export?format=json|csv`: the conversation
/// as a file download.
pub async fn export(
    State(state): State<AppState>,
    session: Session,
    path: Result<Path<i64>, PathRejection>,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let id = conversation_id(path)?;
    let Query(query) = query.map_err(|rejection| Problem::invalid(rejection.body_text()))?;
    let csv = match query.format.as_deref().unwrap_or("json") {
        "json" => false,
        "csv" => true,
        other => {
            return Err(invalid_field(
                "format",
                format!("{other:?} is not json or csv"),
            ))
        }
    };
    let user_id = session.user_id;
    let body = state
        .store
        .read(move |c| {
            if csv {
                conversations::export_csv(c, user_id, id)
            } else {
                conversations::export_json(c, user_id, id)
            }
            .map_err(Problem::from)
        })
        .await?
        .ok_or_else(|| not_found(id))?;
    let (content_type, extension) = if csv {
        ("text/csv; charset=utf-8", "csv")
    } else {
        ("application/json", "json")
    };
    let disposition = format!("attachment; filename=\"conversation-{id}.{extension}\"");
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// Query of `GET /api/memory/search` (numbers read as text, so that a bad
/// one is a 422 naming its field).
#[derive(Debug, Deserialize)]
pub struct SearchParams {
    /// Words to find.
    pub q: Option<String>,
    /// A topic filter, e.g. `dataset:sp500`.
    pub topic: Option<String>,
    /// A conversation filter.
    pub conversation_id: Option<String>,
    /// At most this many hits, 1 to 100 (default 20).
    pub limit: Option<String>,
}

/// `GET /api/memory/search?q=&topic=&conversation_id=&limit=`: the user's
/// messages, best first; 422 naming the field for a bad limit, id or an
/// empty query without a topic.
pub async fn search(
    State(state): State<AppState>,
    session: Session,
    query: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<Vec<SearchHit>>, Problem> {
    let Query(params) = query.map_err(|rejection| Problem::invalid(rejection.body_text()))?;
    let limit = match params.limit.as_deref().filter(|s| !s.is_empty()) {
        None => DEFAULT_SEARCH_LIMIT,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_SEARCH_LIMIT).contains(n))
            .ok_or_else(|| {
                invalid_field(
                    "limit",
                    format!("{text:?} is not a whole number from 1 to {MAX_SEARCH_LIMIT}"),
                )
            })?,
    };
    let conversation_id = match params.conversation_id.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            invalid_field("conversation_id", format!("{text:?} is not an integer"))
        })?),
    };
    let q = params.q.unwrap_or_default();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(invalid_field(
            "q",
            format!("at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let topic = params.topic.filter(|t| !t.trim().is_empty());
    if topic.is_none() && !q.chars().any(char::is_alphanumeric) {
        return Err(invalid_field("q", "give words to find, or a topic"));
    }
    let query = SearchQuery {
        q,
        topic,
        conversation_id,
        limit: Some(limit),
    };
    let user_id = session.user_id;
    let hits = state
        .store
        .read(move |c| conversations::search(c, user_id, &query).map_err(Problem::from))
        .await?;
    Ok(Json(hits))
}

/// `POST /api/memory/import`: 201 with the report; 422 `invalid_import`
/// naming the file, line and column of malformed JSON (nothing stored).
pub async fn import(
    State(state): State<AppState>,
    Writer(session): Writer,
    ApiJson(request): ApiJson<ImportRequest>,
) -> Result<(StatusCode, Json<ImportReport>), Problem> {
    state
        .limits
        .expensive(&format!("user:{}", session.user_id))?;
    let rules = std::sync::Arc::clone(&state.rules);
    let report = state
        .store
        .write(move |tx| {
            let report = conversations::import(tx, session.user_id, &request, &rules, now_ms())
                .map_err(|error| match error {
                    ImportError::Malformed { .. } => Problem::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid_import",
                        error.to_string(),
                    ),
                    ImportError::Store(error) => Problem::from(error),
                })?;
            audit::append(
                tx,
                &AuditEvent::new(Some(session.user_id), &session.username, "memory.import").detail(
                    serde_json::json!({
                        "conversation_id": report.conversation_id,
                        "messages_counted": report.messages_counted,
                        "messages_imported": report.messages_imported,
                        "goals_counted": report.goals_counted,
                        "goals_imported": report.goals_imported,
                        "skipped": report.skipped.len(),
                    }),
                ),
            )?;
            Ok::<_, Problem>(report)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(report)))
}

/// `POST /api/memory/prune`: the report; 422 naming the field for
/// `older_than_days` below 1 or `below_importance` outside [0, 1].
pub async fn prune(
    State(state): State<AppState>,
    Writer(session): Writer,
    ApiJson(request): ApiJson<PruneRequest>,
) -> Result<Json<PruneReport>, Problem> {
    if request.older_than_days < 1 {
        return Err(invalid_field("older_than_days", "must be at least 1"));
    }
    if let Some(value) = request.below_importance {
        if !(0.0..=1.0).contains(&value) {
            return Err(invalid_field(
                "below_importance",
                format!("{value} is not between 0 and 1"),
            ));
        }
    }
    let report = state
        .store
        .write(move |tx| {
            prune_audited(
                tx,
                session.user_id,
                &session.username,
                &request,
                PruneTrigger::Request,
            )
            .map_err(Problem::from)
        })
        .await?;
    Ok(Json(report))
}
