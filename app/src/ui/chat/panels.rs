//! The chat's side panels: the conversation list (folded on phones), the
//! memory search (hits with snippet and conversation title; a hit opens its
//! conversation at the message), and the memory tools: export of the open
//! conversation (JSON, CSV), import of an earlier-format history with its
//! report, and pruning of old, unimportant messages.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{
    ConversationSummary, ImportReport, ImportRequest, PruneRequest, SearchHit, SearchQuery,
};

use super::files::{chosen_text, save_text};
use crate::api::{self, ExportFormat};
use crate::ui::format::timestamp;
use crate::ui::session::Loaded;

/// Whether the window is wide enough to show side panels unfolded.
fn wide() -> bool {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .is_some_and(|w| w >= 900.0)
}

/// The user's conversations and "New conversation".
#[component]
pub fn ConversationList(
    /// The list from the server.
    conversations: RwSignal<Loaded<Vec<ConversationSummary>>>,
    /// The open conversation.
    current: RwSignal<Option<i64>>,
    /// Opens a conversation.
    on_open: Callback<i64>,
    /// Starts a new one.
    on_new: Callback<()>,
) -> impl IntoView {
    let count = move || {
        conversations.with(|c| c.as_ref().and_then(|c| c.as_ref().ok()).map_or(0, Vec::len))
    };
    let items = move || {
        conversations.with(|list| match list {
            None => view! { <p class="muted">"Loading…"</p> }.into_any(),
            Some(Err(error)) => view! { <p class="error">{error.message()}</p> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No conversations yet."</p> }.into_any(),
            Some(Ok(list)) => view! {
                <ul id="conversation-list" class="conversation-list">
                    {list.iter().map(|c| {
                        let id = c.id;
                        let label = format!("{} · {} messages · {}", c.title, c.messages, timestamp(&c.updated_at));
                        view! {
                            <li>
                                <button type="button" class="link conversation" data-id=id.to_string()
                                    aria-current=move || (current.get() == Some(id)).then_some("true")
                                    on:click=move |_| on_open.run(id)>{label}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any(),
        })
    };
    view! {
        <details class="card side-panel" id="conversations-panel" open=wide()>
            <summary>{move || format!("Conversations ({})", count())}</summary>
            <button type="button" id="new-conversation" on:click=move |_| on_new.run(())>"New conversation"</button>
            {items}
        </details>
    }
}

/// Full-text search over the user's messages.
#[component]
pub fn SearchPanel(
    /// The query box (the `/` shortcut focuses it).
    input_ref: NodeRef<html::Input>,
    /// Opens (conversation, message).
    on_open: Callback<(i64, i64)>,
) -> impl IntoView {
    let q = RwSignal::new(String::new());
    let topic = RwSignal::new(String::new());
    let hits: RwSignal<Loaded<Vec<SearchHit>>> = RwSignal::new(None);
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let query = SearchQuery {
            q: q.get_untracked().trim().to_string(),
            topic: Some(topic.get_untracked().trim().to_string()).filter(|t| !t.is_empty()),
            conversation_id: None,
            limit: Some(20),
        };
        if query.q.is_empty() {
            return;
        }
        hits.set(None);
        spawn_local(async move { hits.set(Some(api::search(&query).await)) });
    };
    let results = move || {
        hits.with(|h| match h {
            None => None,
            Some(Err(error)) => Some(view! { <p class="error" role="alert">{error.message()}</p> }.into_any()),
            Some(Ok(list)) if list.is_empty() => Some(view! { <p class="muted" id="search-none">"No messages match."</p> }.into_any()),
            Some(Ok(list)) => Some(view! {
                <ul id="search-results" class="search-results">
                    {list.iter().map(|hit| {
                        let (conversation, message) = (hit.message.conversation_id, hit.message.id);
                        view! {
                            <li class="hit">
                                <button type="button" class="link" data-message=message.to_string()
                                    on:click=move |_| on_open.run((conversation, message))>
                                    <span class="hit-title">{hit.conversation_title.clone()}</span>
                                    <span class="hit-snippet">{hit.snippet.clone()}</span>
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()),
        })
    };
    view! {
        <section class="card side-panel" aria-labelledby="search-title">
            <h2 id="search-title">"Search memory"</h2>
            <form id="search-form" role="search" on:submit=search>
                <div class="field">
                    <label for="search-input">"Words"</label>
                    <input id="search-input" type="search" node_ref=input_ref
                        prop:value=move || q.get() on:input=move |ev| q.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="search-topic">"Topic (optional, e.g. dataset:sp500)"</label>
                    <input id="search-topic" type="text"
                        prop:value=move || topic.get() on:input=move |ev| topic.set(event_target_value(&ev)) />
                </div>
                <button type="submit" id="search-run">"Search"</button>
            </form>
            {results}
        </section>
    }
}

/// Export, import and pruning.
#[component]
pub fn MemoryPanel(
    /// The open conversation (export needs one).
    current: RwSignal<Option<i64>>,
    /// Called after an import with its conversation.
    on_imported: Callback<Option<i64>>,
) -> impl IntoView {
    let message = RwSignal::new(None::<String>);
    let report = RwSignal::new(None::<ImportReport>);
    let history_ref = NodeRef::<html::Input>::new();
    let goals_ref = NodeRef::<html::Input>::new();
    let prune_days = RwSignal::new("90".to_string());
    let busy = RwSignal::new(false);

    let export = move |format: ExportFormat| {
        let Some(id) = current.get_untracked() else {
            return message.set(Some("Open a conversation to export it.".into()));
        };
        spawn_local(async move {
            let saved = match api::export_conversation(id, format).await {
                Ok(text) => save_text(
                    &format!("conversation-{id}.{}", format.as_str()),
                    format.media_type(),
                    &text,
                )
                .map(|()| format!("Saved conversation-{id}.{}", format.as_str())),
                Err(error) => Err(error.message()),
            };
            message.set(Some(
                saved.unwrap_or_else(|e| format!("Export failed: {e}")),
            ));
        });
    };
    let import = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(history), Some(goals)) = (history_ref.get_untracked(), goals_ref.get_untracked())
        else {
            return;
        };
        busy.set(true);
        report.set(None);
        spawn_local(async move {
            let outcome = async {
                let Some(history) = chosen_text(&history).await? else {
                    return Err(
                        "Choose the history file (a JSON list of {role, content, timestamp})."
                            .to_string(),
                    );
                };
                let goals = chosen_text(&goals).await?;
                api::import_history(&ImportRequest {
                    history,
                    goals,
                    title: None,
                })
                .await
                .map_err(|e| e.message())
            }
            .await;
            busy.set(false);
            match outcome {
                Ok(done) => {
                    message.set(None);
                    on_imported.run(done.conversation_id);
                    report.set(Some(done));
                }
                Err(error) => message.set(Some(error)),
            }
        });
    };
    let prune = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let days = match prune_days.get_untracked().trim().parse::<u32>() {
            Ok(days) if days >= 1 => days,
            _ => {
                return message.set(Some(
                    "Older than (days): a whole number, at least 1.".into(),
                ))
            }
        };
        spawn_local(async move {
            let words = match api::prune(&PruneRequest {
                older_than_days: days,
                below_importance: None,
            })
            .await
            {
                Ok(r) => format!(
                    "Pruned {} messages, kept {} that matter, wrote {} summaries.",
                    r.pruned, r.kept, r.summaries
                ),
                Err(error) => error.message(),
            };
            message.set(Some(words));
        });
    };
    let report_view = move || {
        report.get().map(|r| {
            let skipped = r
                .skipped
                .iter()
                .map(|s| view! { <li>{format!("{} #{}: {}", s.file, s.index, s.reason)}</li> })
                .collect_view();
            view! {
                <div id="import-report" role="status">
                    <p>{format!(
                        "Messages: {} counted, {} imported. Goals: {} counted, {} imported. Skipped: {}.",
                        r.messages_counted, r.messages_imported, r.goals_counted, r.goals_imported, r.skipped.len()
                    )}</p>
                    <ul class="skipped">{skipped}</ul>
                </div>
            }
        })
    };
    view! {
        <details class="card side-panel" id="memory-panel" open=wide()>
            <summary>"Export, import, prune"</summary>
            <div class="actions">
                <button type="button" id="export-json" class="secondary" on:click=move |_| export(ExportFormat::Json)>"Export JSON"</button>
                <button type="button" id="export-csv" class="secondary" on:click=move |_| export(ExportFormat::Csv)>"Export CSV"</button>
            </div>
            <form id="import-form" on:submit=import>
                <div class="field">
                    <label for="import-history">"History file (JSON)"</label>
                    <input id="import-history" type="file" accept=".json,application/json" node_ref=history_ref />
                </div>
                <div class="field">
                    <label for="import-goals">"Goals file (optional)"</label>
                    <input id="import-goals" type="file" accept=".json,application/json" node_ref=goals_ref />
                </div>
                <button type="submit" id="import-run" disabled=move || busy.get()>"Import"</button>
            </form>
            {report_view}
            <form id="prune-form" on:submit=prune>
                <div class="field">
                    <label for="prune-days">"Prune old messages: older than (days)"</label>
                    <input id="prune-days" type="number" min="1" inputmode="numeric"
                        prop:value=move || prune_days.get() on:input=move |ev| prune_days.set(event_target_value(&ev)) />
                </div>
                <button type="submit" id="prune-run" class="secondary">"Prune old messages"</button>
            </form>
            {move || message.get().map(|m| view! { <p id="memory-message" class="status" role="status">{m}</p> })}
        </details>
    }
}
