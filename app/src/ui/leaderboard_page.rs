//! The Leaderboard screen (`/leaderboard`): the user's lab results ranked
//! for a chosen dataset and metric with buy-and-hold beside, the insights
//! with their counts, and "Register" on each row (the new version then
//! opens on the registry screen, `registry_page`, by a link). Ranking and
//! insights are the server's (`shared::leaderboard`); this screen only asks
//! and shows.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::leaderboard::{target_name, Board, Leaderboard, METRICS};
use shared::registry::RegisterRequest;

use super::format::{fixed, percent};
use super::session::SessionGate;
use crate::api;

fn optional(text: String) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

fn number(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "—".to_string(), |v| fixed(v, decimals))
}

fn share(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), |v| percent(v, 1))
}

/// The screen.
#[component]
pub fn LeaderboardPage() -> impl IntoView {
    let source = RwSignal::new("bundled".to_string());
    let symbol = RwSignal::new("sp500".to_string());
    let metric = RwSignal::new("sharpe".to_string());
    let board = RwSignal::new(None::<Result<Leaderboard, String>>);
    let message = RwSignal::new(None::<String>);
    let reg_name = RwSignal::new(String::new());
    // The name just registered, for the link to its versions.
    let registered = RwSignal::new(None::<String>);

    let load = move || {
        // Untracked: the effect below runs once; the form asks again.
        let (source, symbol, metric) = (
            optional(source.get_untracked()),
            optional(symbol.get_untracked()),
            metric.get_untracked(),
        );
        spawn_local(async move {
            let answer = api::leaderboard(source, symbol, &metric, 10).await;
            board.set(Some(answer.map_err(|e| e.message())));
        });
    };
    Effect::new(move |_| load());
    let register = move |result_id: i64, model: String| {
        let name = optional(reg_name.get_untracked()).unwrap_or(model);
        spawn_local(async move {
            let request = RegisterRequest {
                name: name.clone(),
                result_id,
                note: String::new(),
            };
            match api::register(&request).await {
                Ok(version) => {
                    message.set(Some(format!(
                        "Registered {} version {}",
                        version.name, version.version
                    )));
                    registered.set(Some(name));
                }
                Err(error) => message.set(Some(error.message())),
            }
        });
    };
    let boards_view = move || {
        board.with(|b| match b {
            None => view! { <p class="status" role="status">"Loading…"</p> }.into_any(),
            Some(Err(error)) => view! { <p class="error" role="alert">{error.clone()}</p> }.into_any(),
            Some(Ok(lb)) if lb.boards.is_empty() => view! {
                <p id="lb-empty" class="muted">"No lab results for this dataset yet: run models in the Lab or a trial."</p>
            }
            .into_any(),
            Some(Ok(lb)) => lb
                .boards
                .iter()
                .map(|b| board_table(b, lb, register))
                .collect_view()
                .into_any(),
        })
    };
    let insights_view = move || {
        board.with(|b| {
            let items = match b {
                Some(Ok(lb)) => lb.insights.clone(),
                _ => Vec::new(),
            };
            if items.is_empty() {
                return view! { <p class="muted">"Not enough runs for a statement yet (each needs at least two)."</p> }.into_any();
            }
            view! {
                <ul id="insights" class="plain-list">
                    {items.into_iter().map(|i| view! { <li>{i.text}</li> }).collect_view()}
                </ul>
            }
            .into_any()
        })
    };
    let metric_options = METRICS
        .iter()
        .map(
            |(name, _)| view! { <option value=*name selected={*name == "sharpe"}>{*name}</option> },
        )
        .collect_view();
    view! {
        <div class="page">
            <SessionGate what="The leaderboard" />
            <section class="card" aria-labelledby="lb-title">
                <h2 id="lb-title">"Leaderboard"</h2>
                <p class="muted">"Every lab result of yours (Lab, chat, trials), best model per dataset, target and horizon, with the walk-forward trading result next to buy-and-hold on the same test rows."</p>
                <form id="lb-form" on:submit=move |ev| { ev.prevent_default(); load(); } novalidate=true>
                    <div class="grid">
                        <div class="field">
                            <label for="lb-source">"Source"</label>
                            <input id="lb-source" type="text" prop:value=move || source.get() on:input=move |ev| source.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label for="lb-symbol">"Dataset"</label>
                            <input id="lb-symbol" type="text" prop:value=move || symbol.get() on:input=move |ev| symbol.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label for="lb-metric">"Rank by"</label>
                            <select id="lb-metric" on:change=move |ev| { metric.set(event_target_value(&ev)); load(); }>{metric_options}</select>
                        </div>
                        <div class="field">
                            <label for="registry-name">"Register as"</label>
                            <input id="registry-name" type="text" placeholder="model name (default: the catalog name)" prop:value=move || reg_name.get() on:input=move |ev| reg_name.set(event_target_value(&ev)) />
                        </div>
                    </div>
                    <div class="actions"><button type="submit" id="lb-load">"Show"</button></div>
                </form>
                {move || message.get().map(|m| view! { <p id="lb-message" class="status" role="status">{m}</p> })}
                {move || registered.get().map(|name| view! {
                    <p><a id="lb-registry-link" href=format!("/registry?name={}", api::encode_component(&name))>{format!("Open {name} in the registry →")}</a></p>
                })}
                {boards_view}
            </section>
            <section class="card" aria-labelledby="insights-title">
                <h2 id="insights-title">"Insights"</h2>
                {insights_view}
            </section>
        </div>
    }
}

fn board_table(
    board: &Board,
    lb: &Leaderboard,
    register: impl Fn(i64, String) + Copy + 'static,
) -> impl IntoView {
    let key = &board.key;
    let title = format!(
        "{}/{} · {} · horizon {} · {} runs",
        key.source,
        key.symbol,
        target_name(key.target),
        key.horizon,
        board.runs
    );
    let rows = board
        .rows
        .iter()
        .map(|row| {
            let (id, model) = (row.result_id, row.model.clone());
            let beats = match row.beats_buy_and_hold {
                Some(true) => "yes",
                Some(false) => "no",
                None => "—",
            };
            view! {
                <tr data-result=row.result_id>
                    <th scope="row">{format!("{}. {}", row.rank, row.model)}</th>
                    <td>{row.family.clone()}</td>
                    <td>{fixed(row.value, 4)}</td>
                    <td>{number(row.sharpe, 2)}</td>
                    <td>{share(row.cumulative_return)}</td>
                    <td>{number(row.buy_and_hold_sharpe, 2)}</td>
                    <td>{share(row.buy_and_hold_cumulative_return)}</td>
                    <td>{beats}</td>
                    <td>{row.runs}</td>
                    <td><button type="button" class="secondary lb-register" on:click=move |_| register(id, model.clone())>"Register"</button></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h3>{title}</h3>
        <div class="table-scroll">
            <table class="leaderboard lb-table">
                <thead><tr>
                    <th scope="col">"Model"</th><th scope="col">"Family"</th><th scope="col">{lb.metric.clone()}</th>
                    <th scope="col">"Sharpe"</th><th scope="col">"Return"</th>
                    <th scope="col">"B&H Sharpe"</th><th scope="col">"B&H return"</th><th scope="col">"Beats B&H"</th>
                    <th scope="col">"Runs"</th><th scope="col">""</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
