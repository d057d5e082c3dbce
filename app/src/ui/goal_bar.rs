//! The research goal in the header: the current goal (one line with an
//! ellipsis on small screens, the whole text in its `title` and behind
//! "More"), and for users who may write, an editor that checks the goal
//! against the compliance rules as you type and shows the server's verdict
//! on save, with the earlier goals below.

use super::format::timestamp;
use super::session::use_session;
use crate::api;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{Goal, GoalRequest};
use shared::compliance::{check_goal, Verdict};

/// Goals longer than this many characters get a "More" toggle.
const LONG_GOAL_CHARS: usize = 32;

/// A verdict as one sentence: `"{prefix}: allowed (…)"` or
/// `"{prefix}: refused by rule.id: reason"`.
pub fn verdict_sentence(prefix: &str, verdict: &Verdict) -> String {
    if verdict.allowed {
        format!("{prefix}: allowed ({})", verdict.reason)
    } else {
        format!("{prefix}: refused by {}", api::verdict_words(verdict))
    }
}

/// What the goal line shows.
#[derive(Clone, Debug, PartialEq)]
enum Shown {
    Loading,
    Failed(String),
    NoGoal,
    Current(Goal),
}

/// The goal line and its editor; nothing until the session is ready.
#[component]
pub fn GoalBar() -> impl IntoView {
    let session = use_session();
    let ready = Memo::new(move |_| session.me().map(|me| me.role.can_write()));
    let shown = Memo::new(move |_| {
        session.goal.with(|goal| match goal {
            None => Shown::Loading,
            Some(Err(error)) => Shown::Failed(error.message()),
            Some(Ok(state)) => match &state.current {
                Some(goal) => Shown::Current(goal.clone()),
                None => Shown::NoGoal,
            },
        })
    });
    let text = Memo::new(move |_| match shown.get() {
        Shown::Loading => "Loading…".to_string(),
        Shown::Failed(message) => format!("unavailable. {message}"),
        Shown::NoGoal => "none yet".to_string(),
        Shown::Current(goal) => goal.text,
    });
    let long = Memo::new(move |_| text.with(|t| t.chars().count() > LONG_GOAL_CHARS));
    let expanded = RwSignal::new(false);
    let editing = RwSignal::new(false);
    move || {
        let can_write = ready.get()?;
        let edit_button = can_write.then(|| {
            view! {
                <button
                    type="button"
                    id="goal-edit"
                    class="secondary"
                    aria-label="Edit goal"
                    aria-controls="goal-form"
                    aria-expanded=move || editing.get().to_string()
                    on:click=move |_| editing.update(|e| *e = !*e)
                >
                    "Edit"
                </button>
            }
        });
        Some(view! {
            <section class="goal-bar" aria-label="Research goal">
                <p class="goal-line">
                    <span class="goal-label">"Goal: "</span>
                    <span
                        id="goal-text"
                        class="goal-text"
                        class:expanded=move || expanded.get()
                        class:placeholder=move || !matches!(shown.get(), Shown::Current(_))
                        title=move || text.get()
                    >
                        {move || text.get()}
                    </span>
                </p>
                <Show when=move || long.get()>
                    <button
                        type="button"
                        id="goal-expand"
                        class="secondary"
                        aria-controls="goal-text"
                        aria-expanded=move || expanded.get().to_string()
                        aria-label=move || if expanded.get() { "Less of the goal" } else { "More of the goal" }
                        on:click=move |_| expanded.update(|e| *e = !*e)
                    >
                        {move || if expanded.get() { "Less" } else { "More" }}
                    </button>
                </Show>
                {edit_button}
                <Show when=move || can_write && editing.get()>
                    <GoalEditor on_close=move || editing.set(false) />
                </Show>
            </section>
        })
    }
}

/// The goal form: text, sources, live local verdict, server verdict, and
/// the earlier goals.
#[component]
fn GoalEditor(
    /// Closes the editor.
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let current = session.goal.with_untracked(|goal| {
        goal.as_ref()
            .and_then(|g| g.as_ref().ok())
            .and_then(|state| state.current.clone())
    });
    let draft = RwSignal::new(current.as_ref().map(|g| g.text.clone()).unwrap_or_default());
    let sources = RwSignal::new(current.map(|g| g.sources).unwrap_or_default());
    let server = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let request = Memo::new(move |_| GoalRequest {
        text: draft.get(),
        sources: sources.get(),
    });
    let max_chars = Memo::new(move |_| {
        session.rules.with(|rules| match rules {
            Some(Ok(doc)) => Some(doc.rules.max_goal_chars),
            _ => None,
        })
    });
    let local = Memo::new(move |_| {
        session.rules.with(|rules| match rules {
            None => None,
            Some(Err(error)) => Some((
                None,
                format!("Local check unavailable: {}", error.message()),
            )),
            Some(Ok(doc)) => {
                let verdict = request.with(|r| check_goal(&doc.rules, r));
                Some((
                    Some(verdict.allowed),
                    verdict_sentence("Local check", &verdict),
                ))
            }
        })
    });
    let source_boxes = move || {
        session.rules.with(|rules| match rules {
            Some(Ok(doc)) => doc
                .rules
                .approved_sources
                .iter()
                .map(|rule| {
                    let name = rule.name.clone();
                    let id = format!("goal-source-{name}");
                    let for_checked = name.clone();
                    let for_change = name.clone();
                    view! {
                        <div class="field checkbox">
                            <input
                                type="checkbox"
                                id=id.clone()
                                prop:checked=move || sources.with(|s| s.contains(&for_checked))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let name = for_change.clone();
                                    sources.update(|s| {
                                        s.retain(|x| *x != name);
                                        if on {
                                            s.push(name);
                                        }
                                    });
                                }
                            />
                            <label for=id>{name}</label>
                        </div>
                    }
                })
                .collect_view()
                .into_any(),
            _ => view! { <p class="status">"Sources appear once the rules are loaded."</p> }
                .into_any(),
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        server.set(None);
        let request = request.get_untracked();
        spawn_local(async move {
            match api::set_goal(&request).await {
                Ok(goal) => {
                    server.set(Some((true, verdict_sentence("Server", &goal.verdict))));
                    session.reload_goal();
                }
                Err(error) => {
                    let line = match error.verdict() {
                        Some(verdict) => verdict_sentence("Server", verdict),
                        None => format!("Not saved: {}", error.message()),
                    };
                    server.set(Some((false, line)));
                }
            }
            busy.set(false);
        });
    };
    let history = move || {
        session.goal.with(|goal| {
            let earlier: Vec<Goal> = goal
                .as_ref()
                .and_then(|g| g.as_ref().ok())
                .map(|state| state.history.clone())
                .unwrap_or_default();
            if earlier.is_empty() {
                return view! { <p class="status" id="goal-history-empty">"No earlier goals."</p> }
                    .into_any();
            }
            let items = earlier
                .into_iter()
                .map(|goal| {
                    let sources = if goal.sources.is_empty() {
                        String::new()
                    } else {
                        format!(" · {}", goal.sources.join(", "))
                    };
                    view! {
                        <li>
                            <span class="history-text">{goal.text}</span>
                            <small class="muted">
                                <time datetime=goal.created_at.clone()>{timestamp(&goal.created_at)}</time>
                                {sources}
                            </small>
                        </li>
                    }
                })
                .collect_view();
            view! { <ol id="goal-history" class="goal-history">{items}</ol> }.into_any()
        })
    };
    let close = on_close.clone();
    view! {
        <form id="goal-form" class="goal-form" on:submit=submit novalidate=true>
            <div class="field">
                <label for="goal-input">"Your research goal"</label>
                <textarea
                    id="goal-input"
                    name="goal"
                    rows="3"
                    aria-describedby="goal-count goal-local-verdict"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                ></textarea>
                <p class="status" id="goal-count">
                    {move || {
                        let n = draft.with(|d| d.trim().chars().count());
                        match max_chars.get() {
                            Some(max) => format!("{n} / {max} characters"),
                            None => format!("{n} characters"),
                        }
                    }}
                </p>
            </div>
            <fieldset class="sources">
                <legend>"Data sources the goal needs"</legend>
                {source_boxes}
            </fieldset>
            <p
                id="goal-local-verdict"
                class="verdict"
                class:allowed=move || matches!(local.get(), Some((Some(true), _)))
                class:refused=move || matches!(local.get(), Some((Some(false), _)))
                aria-live="polite"
            >
                {move || local.get().map(|(_, line)| line).unwrap_or_else(|| "Loading the rules…".into())}
            </p>
            <div class="row wrap">
                <button type="submit" id="goal-save" aria-label="Save goal" disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { "Save goal" }}
                </button>
                <button type="button" id="goal-cancel" class="secondary" aria-label="Close" on:click=move |_| close()>
                    "Close"
                </button>
            </div>
            <p
                id="goal-server-verdict"
                class="verdict"
                class:allowed=move || matches!(server.get(), Some((true, _)))
                class:refused=move || matches!(server.get(), Some((false, _)))
                role="status"
            >
                {move || server.get().map(|(_, line)| line).unwrap_or_default()}
            </p>
            <h3 class="history-title">"Earlier goals"</h3>
            {history}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_read_as_one_sentence_with_the_rule_id() {
        let refused = Verdict {
            allowed: false,
            rule_id: "data.no_synthetic".into(),
            reason: "goal mentions \"synthetic\": only real data".into(),
        };
        assert_eq!(
            verdict_sentence("Server", &refused),
            "Server: refused by data.no_synthetic: goal mentions \"synthetic\": only real data"
        );
        let allowed = Verdict {
            allowed: true,
            rule_id: "all".into(),
            reason: "passed goal.length".into(),
        };
        assert_eq!(
            verdict_sentence("Local check", &allowed),
            "Local check: allowed (passed goal.length)"
        );
    }
}
