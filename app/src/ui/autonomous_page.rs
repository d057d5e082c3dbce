//! The autonomous screen (`/autonomous`, linked from Trials): start the
//! loop with a goal, data and a hard budget; the open run
//! (`/autonomous?id=N`, so a reload reopens it) with its budget meters
//! (spent against each limit), the best model against buy-and-hold, every
//! round (the coach's proposals with their verdicts, the round's trial,
//! its results) and the stop reason when it ends, with a Stop button; and
//! the user's runs. The loop emits nothing on the live socket, so the open
//! run is polled every second until it finishes; all state comes from the
//! server. The form and the words are `autonomous_model`'s.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use shared::actions::LabTarget;
use shared::api::{
    AutonomousDetail, AutonomousRound, AutonomousStatus, AutonomousSummary, DatasetSummary,
    ModelResult,
};

use super::autonomous_model::{
    build_request, meters, result_line, stop_words, verdict_name, StartForm,
};
use super::format::{fixed, timestamp};
use super::session::{Loaded, SessionGate};
use crate::api;
use crate::clock::sleep;

/// How often the open run is read while it is not finished, in ms.
const POLL_MS: i32 = 1_000;
/// Results shown per round (the leaderboard has them all).
const ROUND_RESULTS: usize = 3;
/// Rows of the run's leaderboard shown.
const LEADERBOARD_ROWS: usize = 5;

/// The screen.
#[component]
pub fn AutonomousPage() -> impl IntoView {
    let query = use_query_map();
    let open_id = Memo::new(move |_| {
        query.with(|q| q.get("id").and_then(|id| id.trim().parse::<i64>().ok()))
    });
    let list: RwSignal<Loaded<Vec<AutonomousSummary>>> = RwSignal::new(None);
    let reload_list = move || {
        spawn_local(async move { list.set(Some(api::autonomous_runs().await)) });
    };
    reload_list();
    let detail: RwSignal<Loaded<AutonomousDetail>> = RwSignal::new(None);
    // Bumped when the open run changes or the page goes: an older poll
    // loop sees it and ends.
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let id = open_id.get();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        detail.set(None);
        let Some(id) = id else { return };
        spawn_local(async move {
            let mut last_status = None;
            loop {
                if generation.try_get_value() != Some(mine) {
                    return;
                }
                let answer = api::autonomous_run(id).await;
                if generation.try_get_value() != Some(mine) {
                    return;
                }
                let status = answer.as_ref().ok().map(|d| d.run.status);
                let done = match &answer {
                    Ok(d) => d.run.status == AutonomousStatus::Finished,
                    Err(error) => error.status() == Some(404),
                };
                detail.set(Some(answer));
                if status != last_status {
                    last_status = status;
                    reload_list();
                }
                if done {
                    return;
                }
                sleep(POLL_MS).await;
            }
        });
    });
    on_cleanup(move || generation.try_update_value(|g| *g += 1).unwrap_or(()));

    let navigate = use_navigate();
    view! {
        <SessionGate what="The autonomous loop" />
        <p class="muted"><a href="/trials">"← Trials"</a></p>
        <StartCard on_started=move |id| {
            reload_list();
            navigate(&format!("/autonomous?id={id}"), NavigateOptions::default());
        } />
        <Show when=move || open_id.get().is_some()>
            <OpenRun detail=detail on_changed=reload_list />
        </Show>
        <RunList list=list open_id=open_id />
    }
}

/// The start form: goal, data, target and the hard budget.
#[component]
fn StartCard(on_started: impl Fn(i64) + Clone + 'static) -> impl IntoView {
    let datasets: RwSignal<Loaded<Vec<DatasetSummary>>> = RwSignal::new(None);
    spawn_local(async move { datasets.set(Some(api::bundled_datasets().await)) });
    let form = RwSignal::new(StartForm::initial());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let request = match build_request(&form.get_untracked()) {
            Ok(request) => request,
            Err(why) => return message.set(Some(why)),
        };
        busy.set(true);
        let on_started = on_started.clone();
        spawn_local(async move {
            let answer = api::start_autonomous(&request).await;
            busy.set(false);
            match answer {
                Ok(run) => {
                    message.set(None);
                    on_started(run.id);
                }
                Err(error) => message.set(Some(format!("Not started: {}", error.message()))),
            }
        });
    };
    let dataset_options = move || {
        datasets.with(|d| match d {
            Some(Ok(list)) => list
                .iter()
                .map(|d| {
                    let selected = form.with_untracked(|f| f.symbol == d.id);
                    view! { <option value=d.id.clone() selected=selected>{d.title.clone()}</option> }
                })
                .collect_view()
                .into_any(),
            _ => view! { <option value="sp500">"S&P 500"</option> }.into_any(),
        })
    };
    // One text input bound to one form field.
    let text = move |id: &'static str,
                     label: &'static str,
                     hint: &'static str,
                     get: fn(&StartForm) -> &String,
                     set: fn(&mut StartForm, String)| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type="text" inputmode=hint
                    prop:value=move || form.with(|f| get(f).clone())
                    on:input=move |ev| form.update(|f| set(f, event_target_value(&ev))) />
            </div>
        }
    };
    view! {
        <section class="card" aria-labelledby="auto-start-title">
            <h2 id="auto-start-title">"Autonomous loop"</h2>
            <p class="muted">"Give a goal and a hard budget: each round the coach proposes models, they run as a trial, the results go back to the coach, until it declares the goal met with its evidence, a budget is spent, a step is refused, or you stop it. Every round is in the audit trail."</p>
            <form id="auto-form" on:submit=submit novalidate=true>
                <div class="field">
                    <label for="auto-goal">"Goal (empty: your current goal)"</label>
                    <textarea id="auto-goal" rows="2"
                        prop:value=move || form.with(|f| f.goal.clone())
                        on:input=move |ev| form.update(|f| f.goal = event_target_value(&ev))></textarea>
                </div>
                <div class="grid">
                    <div class="field">
                        <label for="auto-dataset">"Dataset"</label>
                        <select id="auto-dataset" on:change=move |ev| form.update(|f| f.symbol = event_target_value(&ev))>{dataset_options}</select>
                    </div>
                    <div class="field">
                        <label for="auto-target">"Target"</label>
                        <select id="auto-target" on:change=move |ev| {
                            let target = if event_target_value(&ev) == "return" { LabTarget::Return } else { LabTarget::Direction };
                            form.update(|f| f.target = Some(target));
                        }>
                            <option value="direction">"Direction"</option>
                            <option value="return">"Return"</option>
                        </select>
                    </div>
                    {text("auto-horizon", "Horizon (rows)", "numeric", |f| &f.horizon, |f, v| f.horizon = v)}
                    {text("auto-from", "From (optional, YYYY-MM-DD)", "text", |f| &f.from, |f, v| f.from = v)}
                    {text("auto-to", "To (optional, YYYY-MM-DD)", "text", |f| &f.to, |f, v| f.to = v)}
                    {text("auto-train-rows", "Training rows (optional)", "numeric", |f| &f.train_rows, |f, v| f.train_rows = v)}
                    {text("auto-test-rows", "Test rows (optional)", "numeric", |f| &f.test_rows, |f, v| f.test_rows = v)}
                </div>
                <fieldset class="auto-budget">
                    <legend>"Hard budget"</legend>
                    <div class="grid">
                        {text("auto-max-rounds", "Max rounds (1–20)", "numeric", |f| &f.max_rounds, |f, v| f.max_rounds = v)}
                        {text("auto-max-tokens", "Max tokens", "numeric", |f| &f.max_tokens, |f, v| f.max_tokens = v)}
                        {text("auto-max-wall", "Max wall time (s)", "numeric", |f| &f.max_wall_seconds, |f, v| f.max_wall_seconds = v)}
                        {text("auto-max-models", "Max models trained", "numeric", |f| &f.max_models, |f, v| f.max_models = v)}
                    </div>
                </fieldset>
                <div class="actions">
                    <button type="submit" id="auto-start" disabled=move || busy.get()>"Start the loop"</button>
                </div>
            </form>
            {move || message.get().map(|m| view! { <p class="error" id="auto-error" role="alert">{m}</p> })}
        </section>
    }
}

/// The open run: status, stop reason, meters, best, rounds and Stop.
#[component]
fn OpenRun(
    detail: RwSignal<Loaded<AutonomousDetail>>,
    on_changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let stop_error = RwSignal::new(None::<String>);
    let stop = move |_| {
        let Some(id) =
            detail.with_untracked(|d| d.as_ref().and_then(|d| d.as_ref().ok()).map(|d| d.run.id))
        else {
            return;
        };
        spawn_local(async move {
            match api::stop_autonomous(id).await {
                Ok(run) => {
                    stop_error.set(None);
                    detail.update(|d| {
                        if let Some(Ok(d)) = d.as_mut() {
                            if d.run.status != AutonomousStatus::Finished {
                                d.run.status = run.status;
                            }
                        }
                    });
                    on_changed();
                }
                Err(error) => stop_error.set(Some(error.message())),
            }
        });
    };
    let running = move || {
        detail.with(|d| matches!(d, Some(Ok(d)) if d.run.status == AutonomousStatus::Running))
    };
    let body = move || {
        detail.with(|d| match d {
            None => view! { <p class="status" role="status">"Loading the run…"</p> }.into_any(),
            Some(Err(error)) => {
                view! { <p class="error" role="alert">{error.message()}</p> }.into_any()
            }
            Some(Ok(d)) => run_view(d).into_any(),
        })
    };
    view! {
        <section class="card auto-open" aria-labelledby="auto-run-title" id="auto-open">
            {body}
            <div class="actions">
                <button type="button" id="auto-stop" class="danger" disabled=move || !running() on:click=stop>"Stop"</button>
            </div>
            {move || stop_error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </section>
    }
}

/// Everything about one run, as read from the server.
fn run_view(detail: &AutonomousDetail) -> impl IntoView {
    let run = &detail.run;
    let status = run.status.as_str();
    let data = &run.data;
    let span = match (&data.from, &data.to) {
        (None, None) => "whole series".to_string(),
        (from, to) => format!(
            "{} to {}",
            from.as_deref().unwrap_or("start"),
            to.as_deref().unwrap_or("latest")
        ),
    };
    let target = match run.target {
        LabTarget::Direction => "direction",
        LabTarget::Return => "return",
    };
    let stop = run.stop.as_ref().map(|stop| {
        view! {
            <div class="auto-stop-reason" id="auto-stop-reason" data-kind=stop.kind.as_str() role="status">
                <p><strong>{stop_words(stop.kind)}</strong></p>
                <p class="auto-evidence">{stop.detail.clone()}</p>
            </div>
        }
    });
    let meter_rows = meters(run)
        .into_iter()
        .map(|m| {
            let within = if m.within() { "within" } else { "over" };
            view! {
                <li class="auto-meter" data-key=m.key data-spent=m.spent.to_string() data-limit=m.limit.to_string() data-within=within>
                    <span class="auto-meter-label">{m.label}</span>
                    <progress max="1" value=m.fraction().to_string() aria-label=m.label></progress>
                    <span class="auto-meter-words">{m.words()}</span>
                </li>
            }
        })
        .collect_view();
    let best = run.best.as_ref().map(|best| {
        view! { <p id="auto-best"><strong>"Best so far: "</strong>{result_line(best)}</p> }
    });
    let leaders = (!detail.leaderboard.is_empty()).then(|| {
        view! {
            <details class="auto-leaderboard">
                <summary>{format!("Leaderboard ({} models)", detail.leaderboard.len())}</summary>
                {results_table(&detail.leaderboard[..detail.leaderboard.len().min(LEADERBOARD_ROWS)])}
            </details>
        }
    });
    let rounds = detail.rounds.iter().map(round_view).collect_view();
    view! {
        <h2 id="auto-run-title">{format!("Run #{}", run.id)}</h2>
        <p class="trial-status">
            <span class=format!("badge status-{status}") id="auto-status">{status}</span>
            " · started " {timestamp(&run.created_at)}
        </p>
        <p class="auto-goal">{run.goal.clone()}</p>
        <p class="muted">{format!("{} ({}, {span}) · {target}, horizon {}", data.symbol, data.source, run.horizon)}</p>
        {stop}
        <h3>"Budget"</h3>
        <ul class="auto-meters" id="auto-meters">{meter_rows}</ul>
        {best}
        {leaders}
        <h3>"Rounds"</h3>
        <ol class="auto-rounds" id="auto-rounds">{rounds}</ol>
    }
}

/// One round: the coach's words, proposals with verdicts, trial, results.
fn round_view(round: &AutonomousRound) -> impl IntoView {
    let proposals = round
        .proposals
        .iter()
        .map(|p| {
            let verdict = verdict_name(p.verdict);
            let reason = p.reason.clone().map(|r| format!(" — {r}"));
            view! {
                <li class="auto-proposal" data-verdict=verdict>
                    <span class=format!("badge {verdict}")>{verdict}</span>
                    " " <code>{p.tool.clone()}</code> " " {p.summary.clone()} {reason}
                </li>
            }
        })
        .collect_view();
    let trial = round.trial_id.map(|id| {
        view! { <a class="auto-trial-link" href=format!("/trials?id={id}")>{format!("Trial #{id}")}</a> }
    });
    let results = (!round.results.is_empty())
        .then(|| results_table(&round.results[..round.results.len().min(ROUND_RESULTS)]));
    let state = if round.finished_at.is_some() {
        "done"
    } else {
        "running"
    };
    view! {
        <li class="auto-round" data-round=round.number.to_string() data-state=state>
            <p>
                <strong>{format!("Round {}", round.number)}</strong>
                <span class="muted">{format!(" · {} · {} tokens · {}", round.coach, round.tokens, state)}</span>
                " " {trial}
            </p>
            {(!round.text.is_empty()).then(|| view! { <p class="auto-coach-text">{round.text.clone()}</p> })}
            <ul class="auto-proposals">{proposals}</ul>
            {results}
        </li>
    }
}

/// Results, best first: model, Sharpe, buy-and-hold's, return.
fn results_table(results: &[ModelResult]) -> impl IntoView {
    let rows = results
        .iter()
        .map(|r| {
            view! {
                <tr>
                    <th scope="row">{r.model.clone()}</th>
                    <td>{fixed(r.sharpe, 2)}</td>
                    <td>{fixed(r.buy_and_hold_sharpe, 2)}</td>
                    <td>{format!("{}%", fixed(r.cumulative_return * 100.0, 1))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="leaderboard auto-results">
                <thead><tr><th scope="col">"Model"</th><th scope="col">"Sharpe"</th><th scope="col">"B&H Sharpe"</th><th scope="col">"Return"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The user's runs, newest first.
#[component]
fn RunList(
    list: RwSignal<Loaded<Vec<AutonomousSummary>>>,
    open_id: Memo<Option<i64>>,
) -> impl IntoView {
    let rows = move || {
        list.with(|l| match l {
            None => view! { <p class="status" role="status">"Loading runs…"</p> }.into_any(),
            Some(Err(error)) => view! { <p class="error" role="alert">{error.message()}</p> }.into_any(),
            Some(Ok(runs)) if runs.is_empty() => {
                view! { <p class="muted" id="auto-empty">"No autonomous runs yet."</p> }.into_any()
            }
            Some(Ok(runs)) => runs
                .iter()
                .map(|r| {
                    let status = r.status.as_str();
                    let current = open_id.get() == Some(r.id);
                    let ended = r.stop.as_ref().map(|s| format!(" · {}", stop_words(s.kind)));
                    view! {
                        <li class="trial-row" data-id=r.id.to_string() data-status=status>
                            <a href=format!("/autonomous?id={}", r.id) aria-current=current.then_some("page")>
                                {format!("#{} {}", r.id, r.data.symbol)}
                            </a>
                            <span class=format!("badge status-{status}")>{status}</span>
                            <span class="muted">{format!(" {} rounds{}", r.spend.rounds, ended.unwrap_or_default())}</span>
                        </li>
                    }
                })
                .collect_view()
                .into_any(),
        })
    };
    view! {
        <section class="card" aria-labelledby="auto-list-title">
            <h2 id="auto-list-title">"Your autonomous runs"</h2>
            <ul class="trial-list" id="auto-list">{rows}</ul>
        </section>
    }
}
