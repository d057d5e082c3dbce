//! The Trials screen (`/trials`): start a trial of several lab models on a
//! bundled dataset (or from pasted plan JSON), the list of the user's
//! trials, and the open trial (`/trials?id=N`, so a reload reopens it) as a
//! live graph of its steps with their progress and results, its event log
//! and a Cancel button; a browser notification when it ends, if the user
//! asked for one. The live feed is `trial_feed`'s, the plan `trial_form`'s,
//! the drawing `trial_graph`'s; this file only wires them to the page. A
//! trial started with "Run in this browser" runs in `crate::browser_trial`
//! and is followed like any other; Resume hands it to the server.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use shared::actions::{LabTarget, ModelScope};
use shared::api::{DatasetSummary, TrialHost, TrialStatus, TrialSummary};
use shared::trial::StepStatus;

use super::format::timestamp;
use super::session::{Loaded, SessionGate};
use super::trial_feed::{follow, Feed, FeedHooks, FeedMode};
use super::trial_form::{build_plan, PlanForm};
use super::trial_graph::TrialGraph;
use super::trial_model::{event_line, summary_words, TrialView};
use crate::api::{self, ApiError};

/// Where the "notify me" choice is kept.
const NOTIFY_KEY: &str = "mltrainer.trials.notify";

/// Words for a trial's status.
pub fn status_words(status: TrialStatus) -> &'static str {
    status.as_str()
}

/// An error of a start, in words: a refused plan names its step.
fn start_error(error: &ApiError) -> String {
    match error {
        ApiError::Server { code, detail, .. } if code == "invalid_plan" => {
            format!("The plan was refused: {detail}")
        }
        other => other.message(),
    }
}

fn notify_wanted() -> bool {
    use gloo_storage::Storage;
    gloo_storage::LocalStorage::get::<bool>(NOTIFY_KEY).unwrap_or(false)
}

fn notify_permission_granted() -> bool {
    web_sys::Notification::permission() == web_sys::NotificationPermission::Granted
}

/// Shows a notification that `view`'s trial ended, where allowed.
fn notify_end(view: &TrialView) {
    if !notify_wanted() || !notify_permission_granted() {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(&format!(
        "{} — {} ({} of {} steps)",
        view.detail.trial.name,
        view.detail.trial.status.as_str(),
        view.detail.trial.steps_done,
        view.detail.trial.steps_total
    ));
    let _ = web_sys::Notification::new_with_options("Trial ended", &options);
}

/// The screen.
#[component]
pub fn TrialsPage() -> impl IntoView {
    let query = use_query_map();
    let open_id = Memo::new(move |_| {
        query.with(|q| q.get("id").and_then(|id| id.trim().parse::<i64>().ok()))
    });
    let list: RwSignal<Loaded<Vec<TrialSummary>>> = RwSignal::new(None);
    let reload_list = move || {
        spawn_local(async move { list.set(Some(api::trials().await)) });
    };
    reload_list();
    let view = RwSignal::new(None::<TrialView>);
    let mode = RwSignal::new(FeedMode::Connecting);
    let feed = StoredValue::new_local(None::<Feed>);
    Effect::new(move |_| {
        let id = open_id.get();
        feed.update_value(|slot| {
            if let Some(old) = slot.take() {
                old.stop();
            }
            *slot = id.map(|id| {
                follow(
                    id,
                    view,
                    mode,
                    FeedHooks {
                        on_finished: std::rc::Rc::new(notify_end),
                        on_other: std::rc::Rc::new(reload_list),
                    },
                )
            });
        });
        if id.is_none() {
            view.set(None);
        }
    });
    on_cleanup(move || {
        feed.try_update_value(|slot| {
            if let Some(old) = slot.take() {
                old.stop();
            }
        });
    });

    let navigate = use_navigate();
    view! {
        <SessionGate what="Trials" />
        <p class="card auto-link">
            <a href="/autonomous" id="autonomous-link">"Autonomous loop →"</a>
            <span class="muted">" the coach proposes, trials run, results go back, until the goal is met or the budget is spent"</span>
        </p>
        <StartCard on_started=move |id| {
            reload_list();
            navigate(&format!("/trials?id={id}"), NavigateOptions::default());
        } />
        <Show when=move || open_id.get().is_some()>
            <OpenTrial view=view mode=mode on_changed=reload_list />
        </Show>
        <TrialList list=list open_id=open_id />
    }
}

/// The start form: dataset, target, models, backtest, or pasted JSON.
#[component]
fn StartCard(on_started: impl Fn(i64) + Clone + 'static) -> impl IntoView {
    let datasets: RwSignal<Loaded<Vec<DatasetSummary>>> = RwSignal::new(None);
    spawn_local(async move { datasets.set(Some(api::bundled_datasets().await)) });
    let symbol = RwSignal::new("sp500".to_string());
    let target = RwSignal::new(LabTarget::Direction);
    let chosen = RwSignal::new(Vec::<String>::new());
    let backtest = RwSignal::new(false);
    let in_browser = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let max_concurrent = RwSignal::new("2".to_string());
    let seed = RwSignal::new("42".to_string());
    let json = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let catalog = Memo::new(move |_| {
        shared::actions::models_for(ModelScope::Catalog, target.get().task(), None)
    });
    let form = move || PlanForm {
        name: name.get_untracked(),
        symbol: symbol.get_untracked(),
        target: target.get_untracked(),
        models: chosen.get_untracked(),
        backtest: backtest.get_untracked(),
        max_concurrent: max_concurrent.get_untracked(),
        seed: seed.get_untracked(),
    };
    let started = {
        let on_started = on_started.clone();
        move |result: Result<TrialSummary, ApiError>| {
            busy.set(false);
            match result {
                Ok(summary) => {
                    message.set(None);
                    on_started(summary.id);
                }
                Err(error) => message.set(Some(start_error(&error))),
            }
        }
    };
    let submit = {
        let started = started.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            match build_plan(&form()) {
                Err(why) => message.set(Some(why)),
                Ok(plan) if in_browser.get_untracked() => {
                    busy.set(true);
                    let started = started.clone();
                    spawn_local(async move {
                        let answer = api::start_trial_in_browser(&plan).await;
                        if let Ok(summary) = &answer {
                            if let Err(why) = crate::browser_trial::start(summary.id, &plan) {
                                message.set(Some(why));
                            }
                        }
                        started(answer)
                    });
                }
                Ok(plan) => {
                    busy.set(true);
                    let started = started.clone();
                    spawn_local(async move { started(api::start_trial(&plan).await) });
                }
            }
        }
    };
    let start_json = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let text = json.get_untracked();
        let started = started.clone();
        spawn_local(async move { started(api::start_trial_json(&text).await) });
    };
    let as_json = move |_| match build_plan(&form()) {
        Ok(plan) => {
            json.set(serde_json::to_string_pretty(&plan).unwrap_or_default());
            message.set(None);
        }
        Err(why) => message.set(Some(why)),
    };
    let dataset_options = move || {
        datasets.with(|d| match d {
            Some(Ok(list)) => list
                .iter()
                .map(|d| {
                    let selected = d.id == symbol.get_untracked();
                    view! { <option value=d.id.clone() selected=selected>{d.title.clone()}</option> }
                })
                .collect_view()
                .into_any(),
            _ => view! { <option value="sp500">"S&P 500"</option> }.into_any(),
        })
    };
    let model_boxes = move || {
        catalog
            .get()
            .into_iter()
            .map(|model| {
                let id = format!("trial-model-{model}");
                let checked = {
                    let model = model.clone();
                    move || chosen.with(|c| c.contains(&model))
                };
                let toggle = {
                    let model = model.clone();
                    move |ev: leptos::ev::Event| {
                        let on = event_target_checked(&ev);
                        chosen.update(|c| {
                            c.retain(|m| m != &model);
                            if on {
                                c.push(model.clone());
                            }
                        });
                    }
                };
                let label_for = id.clone();
                view! {
                    <label class="check" for=label_for>
                        <input type="checkbox" id=id value=model.clone() prop:checked=checked on:change=toggle />
                        {model.clone()}
                    </label>
                }
            })
            .collect_view()
    };
    view! {
        <section class="card" aria-labelledby="trial-start-title">
            <h2 id="trial-start-title">"Start a trial"</h2>
            <p class="muted">"Several lab models on one bundled dataset, run in the background on the server: keep working, reload, or open another device; the trial carries on."</p>
            <form id="trial-form" on:submit=submit novalidate=true>
                <div class="grid">
                    <div class="field">
                        <label for="trial-dataset">"Dataset"</label>
                        <select id="trial-dataset" on:change=move |ev| symbol.set(event_target_value(&ev))>{dataset_options}</select>
                    </div>
                    <div class="field">
                        <label for="trial-target">"Target"</label>
                        <select id="trial-target" on:change=move |ev| {
                            target.set(if event_target_value(&ev) == "return" { LabTarget::Return } else { LabTarget::Direction });
                            chosen.set(Vec::new());
                        }>
                            <option value="direction">"Next-day direction"</option>
                            <option value="return">"Next-day return"</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for="trial-name">"Name (optional)"</label>
                        <input id="trial-name" type="text" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                    </div>
                    <div class="field">
                        <label for="trial-concurrent">"Steps at once"</label>
                        <input id="trial-concurrent" type="number" min="1" max="8" inputmode="numeric" prop:value=move || max_concurrent.get() on:input=move |ev| max_concurrent.set(event_target_value(&ev)) />
                    </div>
                    <div class="field">
                        <label for="trial-seed">"Seed"</label>
                        <input id="trial-seed" type="number" min="0" inputmode="numeric" prop:value=move || seed.get() on:input=move |ev| seed.set(event_target_value(&ev)) />
                    </div>
                </div>
                <fieldset class="trial-models">
                    <legend>{move || format!("Models ({} chosen)", chosen.with(Vec::len))}</legend>
                    <div class="trial-model-list">{model_boxes}</div>
                </fieldset>
                <label class="check" for="trial-backtest">
                    <input type="checkbox" id="trial-backtest" prop:checked=move || backtest.get() on:change=move |ev| backtest.set(event_target_checked(&ev)) />
                    "Also backtest a 50/200-day moving-average crossover"
                </label>
                <label class="check" for="trial-in-browser">
                    <input type="checkbox" id="trial-in-browser" prop:checked=move || in_browser.get() on:change=move |ev| in_browser.set(event_target_checked(&ev)) />
                    "Run in this browser (if this page closes, the server finishes it)"
                </label>
                <div class="actions">
                    <button type="submit" id="trial-start" disabled=move || busy.get()>"Start trial"</button>
                    <button type="button" class="secondary" id="trial-as-json" on:click=as_json>"Edit as JSON"</button>
                </div>
            </form>
            <details class="trial-json" id="trial-json-panel" prop:open=move || !json.with(String::is_empty)>
                <summary>"Paste plan JSON (advanced)"</summary>
                <label for="trial-json">"Plan JSON"</label>
                <textarea id="trial-json" rows="10" spellcheck="false" prop:value=move || json.get() on:input=move |ev| json.set(event_target_value(&ev))></textarea>
                <button type="button" id="trial-start-json" disabled=move || busy.get() on:click=start_json>"Start from JSON"</button>
            </details>
            {move || message.get().map(|m| view! { <p class="error" id="trial-error" role="alert">{m}</p> })}
        </section>
    }
}

/// The open trial: status, graph, steps, log, cancel and notify.
#[component]
fn OpenTrial(
    view: RwSignal<Option<TrialView>>,
    mode: RwSignal<FeedMode>,
    on_changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let cancel_error = RwSignal::new(None::<String>);
    let notify = RwSignal::new(notify_wanted() && notify_permission_granted());
    let cancel = move |_| {
        let Some(id) = view.with_untracked(|v| v.as_ref().map(TrialView::id)) else {
            return;
        };
        spawn_local(async move {
            match api::cancel_trial(id).await {
                Ok(summary) => {
                    cancel_error.set(None);
                    view.update(|v| {
                        if let Some(v) = v.as_mut().filter(|v| !v.finished()) {
                            v.detail.trial.status = summary.status;
                        }
                    });
                    on_changed();
                }
                Err(error) => cancel_error.set(Some(error.message())),
            }
        });
    };
    let resume = move |_| {
        let Some(id) = view.with_untracked(|v| v.as_ref().map(TrialView::id)) else {
            return;
        };
        crate::browser_trial::stop_here(id);
        spawn_local(async move {
            match api::resume_trial_on_server(id).await {
                Ok(summary) => {
                    cancel_error.set(None);
                    view.update(|v| {
                        if let Some(v) = v.as_mut() {
                            v.detail.trial.host = summary.host;
                        }
                    });
                    on_changed();
                }
                Err(error) => cancel_error.set(Some(error.message())),
            }
        });
    };
    let can_resume = move || {
        view.with(|v| {
            v.as_ref().is_some_and(|v| {
                v.detail.trial.host == TrialHost::Browser && !v.detail.trial.status.is_finished()
            })
        })
    };
    let toggle_notify = move |ev: leptos::ev::Event| {
        use gloo_storage::Storage;
        let on = event_target_checked(&ev);
        let _ = gloo_storage::LocalStorage::set(NOTIFY_KEY, on);
        if !on {
            notify.set(false);
            return;
        }
        if notify_permission_granted() {
            notify.set(true);
            return;
        }
        // Asked only here, on the user's own click.
        match web_sys::Notification::request_permission() {
            Ok(promise) => spawn_local(async move {
                let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                notify.set(notify_permission_granted());
            }),
            Err(_) => notify.set(false),
        }
    };
    let header = move || {
        view.with(|v| {
            v.as_ref().map(|v| {
                let t = &v.detail.trial;
                let status = t.status.as_str();
                view! {
                    <h2 id="trial-title">{t.name.clone()}</h2>
                    <p class="trial-status">
                        <span class=format!("badge status-{status}") id="trial-status">{status}</span>
                        " "
                        <span id="trial-progress">{format!("{} of {} steps done", t.steps_done, t.steps_total)}</span>
                        " · started " {timestamp(&t.created_at)}
                        " · runs " <span id="trial-host">{match t.host {
                            TrialHost::Browser if crate::browser_trial::is_running_here(t.id) => "in this browser",
                            TrialHost::Browser => "in a browser",
                            TrialHost::Server => "on the server",
                        }}</span>
                    </p>
                }
            })
        })
    };
    let steps = move || {
        view.with(|v| {
            v.as_ref().map(|v| {
                v.detail
                    .steps
                    .iter()
                    .map(|s| {
                        let status = s.status.as_str();
                        let detail = match (&s.error, &s.summary, v.progress.get(&s.id)) {
                            (Some(error), _, _) => error.clone(),
                            (_, Some(summary), _) => summary_words(summary),
                            (_, _, Some((fraction, message))) if s.status == StepStatus::Running => {
                                format!("{:.0}% {message}", fraction * 100.0)
                            }
                            _ => String::new(),
                        };
                        view! {
                            <li class=format!("trial-step status-{status}") data-step=s.id.clone() data-status=status>
                                <span class="trial-step-id">{s.id.clone()}</span>
                                <span class="muted">{format!(" {} · {status}", s.action)}</span>
                                <span class="trial-step-detail">{detail}</span>
                            </li>
                        }
                    })
                    .collect_view()
            })
        })
    };
    let log = move || {
        view.with(|v| {
            v.as_ref().map(|v| {
                v.detail
                    .events
                    .iter()
                    .rev()
                    .map(|e| view! { <li data-seq=e.seq.to_string()>{event_line(e)}</li> })
                    .collect_view()
            })
        })
    };
    let can_cancel = move || {
        view.with(|v| {
            v.as_ref()
                .is_some_and(|v| v.detail.trial.status == TrialStatus::Running)
        })
    };
    view! {
        <section class="card trial-open" aria-labelledby="trial-title" id="trial-open">
            {header}
            <p class="muted" id="trial-feed" data-mode=move || mode.with(FeedMode::name)>
                "Updates: " {move || mode.with(FeedMode::words)}
            </p>
            <div class="actions">
                <button type="button" id="trial-cancel" class="danger" disabled=move || !can_cancel() on:click=cancel>"Cancel trial"</button>
                <Show when=can_resume>
                    <button type="button" id="trial-resume" class="secondary" on:click=resume>"Resume on the server"</button>
                </Show>
                <label class="check" for="trial-notify">
                    <input type="checkbox" id="trial-notify" prop:checked=move || notify.get() on:change=toggle_notify />
                    "Notify me when it ends"
                </label>
            </div>
            {move || cancel_error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <TrialGraph view=view />
            <h3>"Steps"</h3>
            <ul class="trial-steps" id="trial-steps">{steps}</ul>
            <details class="trial-log-panel" open=true>
                <summary>"Event log"</summary>
                <ol class="trial-log" id="trial-log" reversed=true>{log}</ol>
            </details>
        </section>
    }
}

/// The user's trials, newest first.
#[component]
fn TrialList(
    list: RwSignal<Loaded<Vec<TrialSummary>>>,
    open_id: Memo<Option<i64>>,
) -> impl IntoView {
    let rows = move || {
        list.with(|l| match l {
            None => view! { <p class="status" role="status">"Loading trials…"</p> }.into_any(),
            Some(Err(error)) => view! { <p class="error" role="alert">{error.message()}</p> }.into_any(),
            Some(Ok(trials)) if trials.is_empty() => {
                view! { <p class="muted" id="trials-empty">"No trials yet."</p> }.into_any()
            }
            Some(Ok(trials)) => trials
                .iter()
                .map(|t| {
                    let status = t.status.as_str();
                    let current = open_id.get() == Some(t.id);
                    view! {
                        <li class="trial-row" data-id=t.id.to_string() data-status=status>
                            <a href=format!("/trials?id={}", t.id) aria-current=current.then_some("page")>
                                {format!("#{} {}", t.id, t.name)}
                            </a>
                            <span class=format!("badge status-{status}")>{status_words(t.status)}</span>
                            <span class="muted">{format!(" {}/{} steps · {}", t.steps_done, t.steps_total, timestamp(&t.created_at))}</span>
                        </li>
                    }
                })
                .collect_view()
                .into_any(),
        })
    };
    view! {
        <section class="card" aria-labelledby="trials-title">
            <h2 id="trials-title">"Your trials"</h2>
            <ul class="trial-list" id="trial-list">{rows}</ul>
        </section>
    }
}
