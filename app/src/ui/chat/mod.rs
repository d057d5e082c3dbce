//! The Chat screen (`/chat`): the conversation list, the messages with the
//! coach's streaming answer rendered as safe markdown, action cards, the
//! coach's provider and token budget, memory search, export, import and
//! pruning, a Stop button (and Esc) while an answer streams, keyboard
//! shortcuts and their help overlay. Mobile-first: at 360 px the side
//! panels fold away.
//!
//! It renders and wires signals only: the stream is `api::chat`, the
//! actions run through `card`, the markdown is `markdown`.

mod card;
pub(super) mod files;
mod finance;
mod help;
mod markdown;
mod panels;
mod words;

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{
    ChatEvent, ChatMessage, ChatRequest, CoachStatus, ConversationSummary, MessageRole, TokenUsage,
};
use wasm_bindgen::JsCast;
use web_sys::AbortController;

use super::session::{use_session, Loaded, SessionGate};
use crate::api::{self, StreamEnd};
use card::{ActionCard, RefusalCard};
use markdown::Markdown;

/// Where a message stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Stored and whole.
    Complete,
    /// The answer is still arriving.
    Streaming,
    /// The user stopped it: stored marked incomplete.
    Stopped,
    /// It ended in an error (the message): stored marked incomplete.
    Failed(String),
    /// Loaded from the server marked incomplete.
    Incomplete,
}

/// The marker shown on a message that is not a complete answer.
pub fn marker(status: &Status) -> Option<String> {
    match status {
        Status::Complete => None,
        Status::Streaming => Some("answering…".into()),
        Status::Stopped => Some("stopped — incomplete".into()),
        Status::Failed(message) => Some(format!("error — incomplete: {message}")),
        Status::Incomplete => Some("incomplete".into()),
    }
}

/// The `data-state` of a message.
fn state_name(status: &Status) -> &'static str {
    match status {
        Status::Complete => "complete",
        Status::Streaming => "streaming",
        Status::Stopped => "stopped",
        Status::Failed(_) => "error",
        Status::Incomplete => "incomplete",
    }
}

/// One message on screen.
#[derive(Clone, Debug, PartialEq)]
struct Shown {
    message: ChatMessage,
    status: Status,
}

impl Shown {
    fn stored(message: ChatMessage) -> Shown {
        let status = if message.complete {
            Status::Complete
        } else {
            Status::Incomplete
        };
        Shown { message, status }
    }
}

/// A message's place in the list: a stable key and its reactive content,
/// so a streaming answer updates without re-rendering its neighbours (or
/// resetting a running card).
#[derive(Clone, Copy)]
struct Slot {
    key: u64,
    data: RwSignal<Shown>,
}

/// The "Coach: …" line.
pub fn coach_words(status: &CoachStatus) -> String {
    let who = if status.provider == "rules" {
        "Coach: rules".to_string()
    } else {
        format!("Coach: {} {}", status.provider, status.model)
    };
    format!(
        "{who} · {} of {} tokens used today",
        status.tokens_used_today, status.daily_token_budget
    )
}

/// The screen's shared state (cheap to copy into handlers).
#[derive(Clone, Copy)]
struct ChatState {
    slots: RwSignal<Vec<Slot>>,
    conversation: RwSignal<Option<i64>>,
    conversations: RwSignal<Loaded<Vec<ConversationSummary>>>,
    coach: RwSignal<Loaded<CoachStatus>>,
    streaming: RwSignal<bool>,
    /// A message to scroll to once shown (from a search hit).
    focus: RwSignal<Option<i64>>,
    notice: RwSignal<Option<String>>,
    next_key: StoredValue<u64>,
}

impl ChatState {
    fn new() -> ChatState {
        ChatState {
            slots: RwSignal::new(Vec::new()),
            conversation: RwSignal::new(None),
            conversations: RwSignal::new(None),
            coach: RwSignal::new(None),
            streaming: RwSignal::new(false),
            focus: RwSignal::new(None),
            notice: RwSignal::new(None),
            next_key: StoredValue::new(0),
        }
    }

    fn slot(self, shown: Shown) -> Slot {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        Slot {
            key,
            data: RwSignal::new(shown),
        }
    }

    fn push(self, shown: Shown) -> Slot {
        let slot = self.slot(shown);
        self.slots.update(|s| s.push(slot));
        slot
    }

    fn reload_list(self) {
        spawn_local(async move { self.conversations.set(Some(api::conversations().await)) });
        spawn_local(async move { self.coach.set(Some(api::coach_status().await)) });
    }

    /// Shows conversation `id`, then scrolls to `focus` if given.
    fn open(self, id: i64, focus: Option<i64>) {
        if self.streaming.get_untracked() {
            return self.notice.set(Some(
                "Stop the answer before switching conversations.".into(),
            ));
        }
        spawn_local(async move {
            match api::conversation(id).await {
                Ok(detail) => {
                    self.conversation.set(Some(id));
                    let slots = detail
                        .messages
                        .into_iter()
                        .map(|m| self.slot(Shown::stored(m)))
                        .collect();
                    self.slots.set(slots);
                    self.notice.set(None);
                    self.focus.set(focus);
                }
                Err(error) => self.notice.set(Some(error.message())),
            }
        });
    }

    fn start_new(self) {
        if self.streaming.get_untracked() {
            return;
        }
        self.conversation.set(None);
        self.slots.set(Vec::new());
    }
}

/// The screen.
#[component]
pub fn ChatPage() -> impl IntoView {
    let session = use_session();
    let state = ChatState::new();
    let draft = RwSignal::new(String::new());
    let controller = StoredValue::new_local(None::<AbortController>);
    // Which send is current: a stopped answer's stream may end after the
    // next message was sent, and must not touch the new one's state.
    let generation = StoredValue::new(0u64);
    let help_open = RwSignal::new(false);
    let input_ref = NodeRef::<html::Textarea>::new();
    let search_ref = NodeRef::<html::Input>::new();
    Effect::new(move |_| {
        if session.me().is_some() {
            state.reload_list();
        }
    });

    let stop = move || {
        if !state.streaming.get_untracked() {
            return;
        }
        controller.with_value(|c| {
            if let Some(c) = c {
                c.abort();
            }
        });
        // Marked at once; the server stores what arrived as incomplete.
        state.slots.with_untracked(|slots| {
            if let Some(last) = slots.last() {
                last.data.update(|d| {
                    if d.status == Status::Streaming {
                        d.status = Status::Stopped;
                        d.message.complete = false;
                    }
                });
            }
        });
        state.streaming.set(false);
    };

    let send = move || {
        let text = draft.get_untracked().trim().to_string();
        if text.is_empty() || state.streaming.get_untracked() {
            return;
        }
        let Ok(abort) = AbortController::new() else {
            return state
                .notice
                .set(Some("This browser cannot stop a request.".into()));
        };
        let signal = abort.signal();
        controller.set_value(Some(abort));
        generation.update_value(|g| *g += 1);
        let this_send = generation.get_value();
        draft.set(String::new());
        state.notice.set(None);
        let conversation_id = state.conversation.get_untracked();
        let blank = |role, content: String| ChatMessage {
            id: 0,
            conversation_id: conversation_id.unwrap_or(0),
            role,
            content,
            created_at: String::new(),
            complete: false,
            topics: Vec::new(),
            importance: 0.0,
            actions: Vec::new(),
            refusals: Vec::new(),
            usage: TokenUsage::default(),
        };
        let user = state.push(Shown {
            message: ChatMessage {
                complete: true,
                ..blank(MessageRole::User, text.clone())
            },
            status: Status::Complete,
        });
        let answer = state.push(Shown {
            message: blank(MessageRole::Assistant, String::new()),
            status: Status::Streaming,
        });
        state.streaming.set(true);
        let request = ChatRequest {
            conversation_id,
            message: text,
        };
        spawn_local(async move {
            let live = move |update: &dyn Fn(&mut Shown)| {
                answer.data.update(|d| {
                    // After a stop, nothing more changes the message.
                    if d.status == Status::Streaming || d.status == Status::Stopped {
                        update(d)
                    }
                })
            };
            let end = api::chat(&request, &signal, |event| match event {
                ChatEvent::Started {
                    conversation_id,
                    user_message_id,
                    ..
                } => {
                    state.conversation.set(Some(conversation_id));
                    user.data.update(|d| {
                        d.message.id = user_message_id;
                        d.message.conversation_id = conversation_id;
                    });
                    live(&|d| d.message.conversation_id = conversation_id);
                }
                ChatEvent::Delta { text } => live(&|d| {
                    if d.status == Status::Streaming {
                        d.message.content.push_str(&text)
                    }
                }),
                ChatEvent::Action { proposal } => {
                    live(&|d| d.message.actions.push(proposal.clone()))
                }
                ChatEvent::Refused { refusal } => {
                    live(&|d| d.message.refusals.push(refusal.clone()))
                }
                ChatEvent::Done { message_id, usage } => live(&|d| {
                    d.message.id = message_id;
                    d.message.usage = usage;
                    if d.status == Status::Streaming {
                        d.message.complete = true;
                        d.status = Status::Complete;
                    }
                }),
                ChatEvent::Error {
                    message,
                    message_id,
                    ..
                } => live(&|d| {
                    d.message.id = message_id.unwrap_or(d.message.id);
                    d.message.complete = false;
                    if d.status == Status::Streaming {
                        d.status = Status::Failed(message.clone());
                    }
                }),
            })
            .await;
            let failure = match end {
                Ok(StreamEnd::Ended) | Ok(StreamEnd::Stopped) => None,
                Ok(StreamEnd::Dropped) => {
                    Some("the connection dropped before the answer ended".to_string())
                }
                Err(error) => Some(error.message()),
            };
            answer.data.update(|d| {
                if d.status == Status::Streaming {
                    d.message.complete = false;
                    d.status =
                        Status::Failed(failure.unwrap_or_else(|| "the answer ended early".into()));
                }
            });
            if generation.get_value() == this_send {
                controller.set_value(None);
                state.streaming.set(false);
            }
            state.reload_list();
        });
    };

    // Keyboard shortcuts: Esc stops (or closes the help), `/` focuses the
    // search and `?` opens the help when not typing in a field.
    let keys = window_event_listener(ev::keydown, move |ev: web_sys::KeyboardEvent| {
        let key = ev.key();
        if key == "Escape" {
            if help_open.get_untracked() {
                help_open.set(false);
            } else if state.streaming.get_untracked() {
                ev.prevent_default();
                stop();
            }
            return;
        }
        if ev.ctrl_key()
            || ev.meta_key()
            || ev.alt_key()
            || in_field(&ev)
            || help_open.get_untracked()
        {
            return;
        }
        if key == "/" {
            if let Some(input) = search_ref.get_untracked() {
                ev.prevent_default();
                let _ = input.focus();
            }
        } else if key == "?" {
            ev.prevent_default();
            help_open.set(true);
        }
    });
    on_cleanup(move || {
        keys.remove();
        controller.with_value(|c| {
            if let Some(c) = c {
                c.abort();
            }
        });
    });

    // Scroll to a message opened from a search hit.
    Effect::new(move |_| {
        let Some(id) = state.focus.get() else { return };
        let _ = state.slots.with(Vec::len);
        request_animation_frame(move || {
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(&format!("msg-{id}")))
            {
                el.scroll_into_view();
                let _ = el.class_list().add_1("focused");
                state.focus.set(None);
            }
        });
    });

    let on_result = Callback::new(move |message: ChatMessage| {
        state.push(Shown::stored(message));
    });
    let list = move || {
        view! {
            <For each=move || state.slots.get() key=|entry| entry.key let:entry>
                <MessageView entry=entry on_result=on_result />
            </For>
        }
    };
    let title = move || {
        let id = state.conversation.get()?;
        state.conversations.with(|list| match list {
            Some(Ok(list)) => list.iter().find(|c| c.id == id).map(|c| c.title.clone()),
            _ => None,
        })
    };

    view! {
        <div class="page chat-page">
            <SessionGate what="The coach" />
            <p id="coach-status" class="muted coach-status" role="status">
                {move || state.coach.with(|c| match c {
                    None => "Coach: …".to_string(),
                    Some(Ok(status)) => coach_words(status),
                    Some(Err(error)) => format!("Coach: unavailable. {}", error.message()),
                })}
            </p>
            <div class="chat-layout">
                <aside class="chat-side" aria-label="Conversations and memory">
                    <panels::ConversationList
                        conversations=state.conversations
                        current=state.conversation
                        on_open=Callback::new(move |id| state.open(id, None))
                        on_new=Callback::new(move |()| state.start_new())
                    />
                    <panels::SearchPanel
                        input_ref=search_ref
                        on_open=Callback::new(move |(conversation, message)| state.open(conversation, Some(message)))
                    />
                    <panels::MemoryPanel
                        current=state.conversation
                        on_imported=Callback::new(move |id: Option<i64>| {
                            state.reload_list();
                            if let Some(id) = id {
                                state.open(id, None);
                            }
                        })
                    />
                </aside>
                <section class="card chat-main" aria-labelledby="chat-title">
                    <div class="chat-head">
                        <h2 id="chat-title">{move || title().unwrap_or_else(|| "New conversation".into())}</h2>
                        <button type="button" id="help-open" class="secondary" aria-haspopup="dialog" on:click=move |_| help_open.set(true)>"Shortcuts"</button>
                    </div>
                    <ol id="messages" class="messages" aria-live="polite">
                        {list}
                    </ol>
                    {move || state.slots.with(Vec::is_empty).then(|| view! {
                        <p class="muted" id="chat-empty">"Ask for a model, a price or your data, e.g. “train a random forest on the S&P 500” or “price a 3-month 105 call on 100 at 20% vol”."</p>
                    })}
                    {move || state.notice.get().map(|n| view! { <p class="error" role="alert" id="chat-notice">{n}</p> })}
                    <form id="chat-form" class="composer" on:submit=move |ev: ev::SubmitEvent| { ev.prevent_default(); send(); }>
                        <label for="chat-input">"Message"</label>
                        <textarea
                            id="chat-input"
                            node_ref=input_ref
                            rows="3"
                            maxlength=shared::api::MAX_MESSAGE_CHARS.to_string()
                            placeholder="Ask the coach… (Enter sends, Shift+Enter new line)"
                            prop:value=move || draft.get()
                            on:input=move |ev| draft.set(event_target_value(&ev))
                            on:keydown=move |ev: web_sys::KeyboardEvent| {
                                if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                                    ev.prevent_default();
                                    send();
                                }
                            }
                        ></textarea>
                        <div class="actions">
                            <button type="submit" id="chat-send" disabled=move || state.streaming.get()>"Send"</button>
                            <Show when=move || state.streaming.get()>
                                <button type="button" id="chat-stop" class="secondary" on:click=move |_| stop()>"Stop"</button>
                            </Show>
                        </div>
                    </form>
                </section>
            </div>
            <help::HelpOverlay open=help_open />
        </div>
    }
}

/// Whether a key event comes from a field the user types in.
fn in_field(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || el.get_attribute("contenteditable").is_some()
        })
}

/// One message with its cards.
#[component]
fn MessageView(entry: Slot, on_result: Callback<ChatMessage>) -> impl IntoView {
    let data = entry.data;
    let role = data.with_untracked(|d| d.message.role);
    let content = Signal::derive(move || data.with(|d| d.message.content.clone()));
    let conversation =
        Signal::derive(move || data.with(|d| Some(d.message.conversation_id).filter(|id| *id > 0)));
    let id = move || data.with(|d| (d.message.id > 0).then(|| format!("msg-{}", d.message.id)));
    let body = match role {
        MessageRole::User => view! { <p class="user-text">{move || content.get()}</p> }.into_any(),
        _ => view! { <Markdown text=content /> }.into_any(),
    };
    let who = match role {
        MessageRole::User => "You",
        MessageRole::Assistant => "Coach",
        MessageRole::Result => "Result",
    };
    view! {
        <li class="message" id=id data-role=role.as_str() data-state=move || data.with(|d| state_name(&d.status))>
            <p class="message-who muted">{who}</p>
            {body}
            {move || data.with(|d| marker(&d.status)).map(|m| {
                let class = if data.with(|d| d.status == Status::Streaming) { "marker muted" } else { "marker incomplete" };
                view! { <p class=class>{m}</p> }
            })}
            <For each=move || data.with(|d| d.message.actions.clone()) key=|p| p.id.clone() let:proposal>
                <ActionCard proposal=proposal conversation_id=conversation on_result=on_result />
            </For>
            <For each=move || data.with(|d| d.message.refusals.iter().cloned().enumerate().collect::<Vec<_>>()) key=|(i, _)| *i let:item>
                <RefusalCard refusal=item.1 />
            </For>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_complete_answers_have_no_marker() {
        assert_eq!(marker(&Status::Complete), None);
        assert_eq!(marker(&Status::Stopped).unwrap(), "stopped — incomplete");
        assert!(marker(&Status::Failed("llm_timeout".into()))
            .unwrap()
            .contains("incomplete: llm_timeout"));
        assert_eq!(marker(&Status::Incomplete).unwrap(), "incomplete");
        assert!(marker(&Status::Streaming).is_some());
    }

    #[test]
    fn stored_messages_keep_their_completeness() {
        let message: ChatMessage = serde_json::from_value(serde_json::json!({
            "id": 3, "conversation_id": 1, "role": "assistant", "content": "x",
            "created_at": "2026-01-01T00:00:00Z", "complete": false, "importance": 0.2
        }))
        .unwrap();
        assert_eq!(Shown::stored(message.clone()).status, Status::Incomplete);
        let whole = ChatMessage {
            complete: true,
            ..message
        };
        assert_eq!(Shown::stored(whole).status, Status::Complete);
    }

    #[test]
    fn coach_line_names_the_provider_and_budget() {
        let mut status = CoachStatus {
            provider: "rules".into(),
            model: "rules".into(),
            tokens_used_today: 120,
            daily_token_budget: 200_000,
        };
        assert_eq!(
            coach_words(&status),
            "Coach: rules · 120 of 200000 tokens used today"
        );
        status.provider = "anthropic".into();
        status.model = "claude-sonnet-4-5".into();
        assert!(coach_words(&status).starts_with("Coach: anthropic claude-sonnet-4-5 · "));
    }
}
