//! `/api/chat`: one user message in, the coach's answer out as server-sent
//! events (one `ChatEvent` per frame, `event:` named by its type, with
//! keep-alive comments). Everything that can be refused is refused before
//! the stream starts, as problem+json: an empty or too long message, an
//! unknown conversation, a spent token budget. Once the stream has
//! started, failures arrive as an `error` event and the answer is stored
//! marked incomplete (see `coach::turn`).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::stream::{self, Stream};
use shared::api::{ChatEvent, ChatRequest, CoachStatus, MessageRole, MAX_MESSAGE_CHARS};
use tokio::sync::mpsc;

use super::json::ApiJson;
use crate::auth::{Session, Writer};
use crate::coach::budget;
use crate::coach::context::gather;
use crate::coach::turn::{self, Turn};
use crate::problem::Problem;
use crate::state::AppState;
use crate::store::conversations;
use crate::store::messages::{self, NewMessage};
use crate::store::now_ms;

/// Events buffered between the turn and a slow reader.
const EVENT_BUFFER: usize = 64;
/// Characters of the first message kept as a new conversation's title.
const TITLE_CHARS: usize = 60;
/// The least an answer may be allowed before the budget counts as spent.
const MIN_ANSWER_TOKENS: u64 = 64;

/// `GET /api/chat/status`: the coach in use and today's token use.
pub async fn status(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<CoachStatus>, Problem> {
    let used = used_today(&state, session.user_id).await?;
    Ok(Json(CoachStatus {
        provider: state.coach.provider_name().to_string(),
        model: state.coach.model().to_string(),
        tokens_used_today: used,
        daily_token_budget: state.coach.settings().daily_token_budget,
    }))
}

/// `POST /api/chat`: stores the message and streams the answer.
pub async fn chat(
    State(state): State<AppState>,
    Writer(session): Writer,
    ApiJson(request): ApiJson<ChatRequest>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    state
        .limits
        .expensive(&format!("user:{}", session.user_id))?;
    let message = checked_message(&request.message)?;
    let settings = *state.coach.settings();
    let used = used_today(&state, session.user_id).await?;
    let left = budget::remaining(settings.daily_token_budget, used);
    if left < MIN_ANSWER_TOKENS {
        return Err(budget::spent(settings.daily_token_budget, used));
    }
    let user_id = session.user_id;
    let conversation_id = request.conversation_id;
    let (conversation_id, user_message_id, context) = state
        .store
        .write(move |tx| {
            let conversation_id = match conversation_id {
                Some(id) => {
                    conversations::conversation(tx, user_id, id)?
                        .ok_or_else(|| Problem::not_found(format!("no conversation {id}")))?
                        .id
                }
                None => {
                    conversations::create_conversation(tx, user_id, &title(&message), now_ms())?.id
                }
            };
            let stored = messages::insert_message(
                tx,
                user_id,
                &NewMessage::plain(
                    conversation_id,
                    MessageRole::User,
                    message.clone(),
                    now_ms(),
                ),
            )?;
            let context = gather(tx, user_id, conversation_id, stored.id, &message, &settings)?;
            Ok::<_, Problem>((conversation_id, stored.id, context))
        })
        .await?;
    let turn = Turn {
        session,
        conversation_id,
        message: request.message.trim().to_string(),
        context,
        max_answer_tokens: u32::try_from(left.min(u64::from(settings.max_answer_tokens)))
            .unwrap_or(settings.max_answer_tokens),
    };
    let (sender, receiver) = mpsc::channel(EVENT_BUFFER);
    let started = ChatEvent::Started {
        conversation_id,
        user_message_id,
        provider: state.coach.provider_name().to_string(),
        model: state.coach.model().to_string(),
    };
    // The buffer is empty, so the first event always fits.
    let _ = sender.try_send(started);
    tokio::spawn(turn::run(state, turn, sender));
    let events = stream::unfold(receiver, |mut receiver| async move {
        let event = receiver.recv().await?;
        Some((Ok(frame(&event)), receiver))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// One SSE frame: `event: <type>` and the event as JSON.
fn frame(event: &ChatEvent) -> Event {
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".to_string());
    Event::default().event(event.name()).data(data)
}

/// The message trimmed, or 422 naming the field and the allowed length.
fn checked_message(text: &str) -> Result<String, Problem> {
    let text = text.trim();
    let chars = text.chars().count();
    if chars == 0 || chars > MAX_MESSAGE_CHARS {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_message",
            format!("message must have 1 to {MAX_MESSAGE_CHARS} characters, got {chars}"),
        ));
    }
    Ok(text.to_string())
}

/// A new conversation's title: the first words of its first message.
fn title(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default().trim();
    if line.chars().count() <= TITLE_CHARS {
        return line.to_string();
    }
    let cut: String = line.chars().take(TITLE_CHARS).collect();
    match cut.rfind(' ') {
        Some(space) if space > TITLE_CHARS / 2 => format!("{}…", &cut[..space]),
        _ => format!("{cut}…"),
    }
}

/// Tokens `user_id` used since midnight UTC.
async fn used_today(state: &AppState, user_id: i64) -> Result<u64, Problem> {
    let since = budget::day_start_ms(now_ms());
    state
        .store
        .read(move |c| messages::tokens_used_since(c, user_id, since).map_err(Problem::from))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_trimmed_and_bounded() {
        assert_eq!(checked_message("  hi \n").unwrap(), "hi");
        assert_eq!(
            checked_message("   ").unwrap_err().code(),
            "invalid_message"
        );
        let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
        assert_eq!(
            checked_message(&long).unwrap_err().code(),
            "invalid_message"
        );
        assert!(checked_message(&"é".repeat(MAX_MESSAGE_CHARS)).is_ok());
    }

    #[test]
    fn titles_are_short_first_lines() {
        assert_eq!(title("Train a model\nmore"), "Train a model");
        let long = "compare all gradient boosting models on NASDAQ with a five day horizon please";
        let short = title(long);
        assert!(short.ends_with('…'), "{short}");
        assert!(short.chars().count() <= TITLE_CHARS + 1, "{short}");
    }

    #[test]
    fn frames_are_named_by_type() {
        let event = ChatEvent::Delta {
            text: "a\nb".into(),
        };
        // Multi-line data is split into several data lines by axum; the
        // JSON itself never holds a raw newline.
        let json = serde_json::to_string(&event).unwrap();
        assert!(!json.contains('\n'));
    }
}
