//! The coach and its memory: `POST /api/chat` read as a stream of
//! server-sent events from `fetch`'s body (not `EventSource`, so the bearer
//! token and a POST body work), and the JSON routes of conversations,
//! search, import, export and pruning. A stop is an `AbortController`
//! signal: the fetch and its body stream end at once.

use super::client::{authorized, call, decode, Method};
use super::error::ApiError;
use super::query::with_query;
use super::sse::{chat_event, SseDecoder};
use super::transport::{self, network, Outgoing, JSON};
use shared::api::{
    ChatEvent, ChatMessage, ChatRequest, CoachStatus, ConversationDetail, ConversationSummary,
    ImportReport, ImportRequest, PruneReport, PruneRequest, ResultMessageRequest, SearchHit,
    SearchQuery,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, ReadableStreamDefaultReader};

/// How a streamed answer ended on this side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEnd {
    /// The body ended (after `done` or `error`, which the caller saw).
    Ended,
    /// The user stopped it (the signal aborted the fetch).
    Stopped,
    /// The body ended without `done` or `error`: dropped.
    Dropped,
}

/// `POST /api/chat`: sends the message and calls `on_event` for every
/// event as it arrives. Errors before the stream starts (429 budget spent,
/// 422 naming a field) are [`ApiError`]s; a stop through `signal` answers
/// [`StreamEnd::Stopped`].
pub async fn chat(
    request: &ChatRequest,
    signal: &AbortSignal,
    mut on_event: impl FnMut(ChatEvent),
) -> Result<StreamEnd, ApiError> {
    let body = serde_json::to_string(request).map_err(|e| ApiError::Network {
        message: format!("could not encode the request: {e}"),
    })?;
    let opened = authorized(&Outgoing {
        method: Method::Post.as_str(),
        path: "/api/chat",
        body: Some(&body),
        content_type: JSON,
        accept: "text/event-stream, application/problem+json",
        signal: Some(signal),
    })
    .await;
    let response = match opened {
        Ok(response) => response,
        Err(_) if signal.aborted() => return Ok(StreamEnd::Stopped),
        Err(error) => return Err(error),
    };
    if !response.ok() || !transport::content_type(&response).starts_with("text/event-stream") {
        // A problem answer (or something that is not a stream): decode it.
        let raw = transport::read_text(response).await?;
        return Err(decode::<()>(raw)
            .err()
            .unwrap_or_else(|| ApiError::Network {
                message: "the server did not answer with a stream".to_string(),
            }));
    }
    let Some(stream) = response.body() else {
        return Ok(StreamEnd::Dropped);
    };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut decoder = SseDecoder::new();
    let mut finished = false;
    loop {
        let chunk = match JsFuture::from(reader.read()).await {
            Ok(chunk) => chunk,
            Err(_) if signal.aborted() => return Ok(StreamEnd::Stopped),
            Err(_) => {
                return Ok(if finished {
                    StreamEnd::Ended
                } else {
                    StreamEnd::Dropped
                })
            }
        };
        let done = js_sys::Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        let value = js_sys::Reflect::get(&chunk, &"value".into()).map_err(network)?;
        let bytes = js_sys::Uint8Array::new(&value).to_vec();
        for frame in decoder.push(&bytes) {
            match chat_event(&frame) {
                Ok(event) => {
                    finished |= matches!(event, ChatEvent::Done { .. } | ChatEvent::Error { .. });
                    on_event(event);
                }
                Err(message) => on_event(ChatEvent::Error {
                    code: "bad_event".into(),
                    message,
                    message_id: None,
                }),
            }
        }
    }
    if signal.aborted() {
        return Ok(StreamEnd::Stopped);
    }
    Ok(if finished {
        StreamEnd::Ended
    } else {
        StreamEnd::Dropped
    })
}

/// `GET /api/chat/status`: the coach's provider and today's token budget.
pub async fn coach_status() -> Result<CoachStatus, ApiError> {
    call::<_, ()>(Method::Get, "/api/chat/status", None).await
}

/// `GET /api/conversations`: the user's conversations.
pub async fn conversations() -> Result<Vec<ConversationSummary>, ApiError> {
    call::<_, ()>(Method::Get, "/api/conversations", None).await
}

/// `GET /api/conversations/{id}`: one conversation with its messages.
pub async fn conversation(id: i64) -> Result<ConversationDetail, ApiError> {
    call::<_, ()>(Method::Get, &format!("/api/conversations/{id}"), None).await
}

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// The conversation as JSON.
    Json,
    /// One message per CSV row.
    Csv,
}

impl ExportFormat {
    /// The `format` query value and the file extension.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
        }
    }

    /// The file's media type.
    pub fn media_type(self) -> &'static str {
        match self {
            ExportFormat::Json => "application/json",
            ExportFormat::Csv => "text/csv",
        }
    }
}

/// `GET /api/conversations/{id}/export?format=`: the export file's text.
pub async fn export_conversation(id: i64, format: ExportFormat) -> Result<String, ApiError> {
    let path = with_query(
        &format!("/api/conversations/{id}/export"),
        &[("format", Some(format.as_str().to_string()))],
    );
    let response = authorized(&Outgoing {
        method: Method::Get.as_str(),
        path: &path,
        body: None,
        content_type: JSON,
        accept: "application/json, text/csv, application/problem+json",
        signal: None,
    })
    .await?;
    let raw = transport::read_text(response).await?;
    if !raw.ok() {
        return Err(ApiError::from_response(
            raw.status,
            &raw.content_type,
            &raw.body,
        ));
    }
    Ok(raw.body)
}

/// `POST /api/conversations/{id}/results`: posts a card's outcome as a
/// result message.
pub async fn post_result_message(
    conversation_id: i64,
    request: &ResultMessageRequest,
) -> Result<ChatMessage, ApiError> {
    let path = format!("/api/conversations/{conversation_id}/results");
    call(Method::Post, &path, Some(request)).await
}

/// The URL of a memory search.
pub fn search_url(query: &SearchQuery) -> String {
    with_query(
        "/api/memory/search",
        &[
            ("q", Some(query.q.clone())),
            ("topic", query.topic.clone()),
            (
                "conversation_id",
                query.conversation_id.map(|c| c.to_string()),
            ),
            ("limit", query.limit.map(|l| l.to_string())),
        ],
    )
}

/// `GET /api/memory/search`: hits, best first.
pub async fn search(query: &SearchQuery) -> Result<Vec<SearchHit>, ApiError> {
    call::<_, ()>(Method::Get, &search_url(query), None).await
}

/// `POST /api/memory/import`: an earlier-format history (and goals file).
pub async fn import_history(request: &ImportRequest) -> Result<ImportReport, ApiError> {
    call(Method::Post, "/api/memory/import", Some(request)).await
}

/// `POST /api/memory/prune`: removes old, unimportant messages.
pub async fn prune(request: &PruneRequest) -> Result<PruneReport, ApiError> {
    call(Method::Post, "/api/memory/prune", Some(request)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_urls_encode_and_skip_empty_parts() {
        let url = search_url(&SearchQuery {
            q: "random forest & S&P".into(),
            topic: Some("dataset:sp500".into()),
            conversation_id: None,
            limit: Some(20),
        });
        assert!(url.starts_with("/api/memory/search?q=random"), "{url}");
        assert!(url.contains("topic=dataset%3Asp500"), "{url}");
        assert!(url.contains("limit=20"), "{url}");
        assert!(!url.contains("conversation_id"), "{url}");
        assert!(!url.contains(" &"), "{url}");
    }
}
