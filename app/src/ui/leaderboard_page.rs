//! The Leaderboard screen (`/leaderboard`): the user's lab results ranked
//! for a chosen dataset and metric with buy-and-hold beside, the insights
//! with their counts, and the model registry (versions with the active
//! mark, register from a leaderboard row, activate, roll back, compare two,
//! re-run, export JSON as a download). Ranking, insights, comparison and
//! re-runs are the server's (`shared::leaderboard`, `shared::registry`);
//! this screen only asks and shows.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::leaderboard::{target_name, Board, Leaderboard, METRICS};
use shared::registry::{Comparison, ModelVersion, RegisterRequest, RegistryModel, Reproduction};

use super::chat::files::save_text;
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
    let models = RwSignal::new(Vec::<RegistryModel>::new());
    let selected = RwSignal::new(None::<String>);
    let versions = RwSignal::new(Vec::<ModelVersion>::new());
    let message = RwSignal::new(None::<String>);
    let reg_name = RwSignal::new(String::new());
    let picks = RwSignal::new(Vec::<u32>::new());
    let comparison = RwSignal::new(None::<Comparison>);
    let reproduction = RwSignal::new(None::<Reproduction>);

    let load_versions = move |name: String| {
        spawn_local(async move {
            match api::versions(&name).await {
                Ok(list) => versions.set(list),
                Err(error) => message.set(Some(error.message())),
            }
        });
    };
    let load_models = move || {
        spawn_local(async move {
            match api::registry_models().await {
                Ok(list) => models.set(list),
                Err(error) => message.set(Some(error.message())),
            }
        });
    };
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
        load_models();
    };
    Effect::new(move |_| load());
    let select = move |name: String| {
        selected.set(Some(name.clone()));
        picks.set(Vec::new());
        comparison.set(None);
        reproduction.set(None);
        load_versions(name);
    };
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
                    load_models();
                    select(name);
                }
                Err(error) => message.set(Some(error.message())),
            }
        });
    };
    let after_change =
        move |name: String, result: Result<ModelVersion, api::ApiError>, verb: &'static str| {
            match result {
                Ok(version) => {
                    message.set(Some(format!(
                        "{verb}: {} version {} is active",
                        version.name, version.version
                    )));
                    load_models();
                    load_versions(name);
                }
                Err(error) => message.set(Some(error.message())),
            }
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
    let models_view = move || {
        let list = models.get();
        if list.is_empty() {
            return view! { <p class="muted">"Nothing registered yet: register a row of the leaderboard."</p> }.into_any();
        }
        view! {
            <ul id="registry-models" class="plain-list">
                {list.into_iter().map(|m| {
                    let name = m.name.clone();
                    view! {
                        <li>
                            <button type="button" class="secondary registry-model" on:click=move |_| select(name.clone())>{m.name.clone()}</button>
                            {format!(" — {} ({}), {} version(s), active {}", m.model, m.family, m.versions,
                                m.active_version.map_or("none".to_string(), |v| format!("v{v}")))}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let versions_view = move || {
        let name = selected.get()?;
        let list = versions.get();
        let rows = list
            .into_iter()
            .map(|v| {
                let version = v.version;
                let (n1, n2, n3) = (name.clone(), name.clone(), name.clone());
                let m = &v.record.metrics;
                view! {
                    <tr data-version=version class:active=v.active>
                        <th scope="row">
                            <label class="pick">
                                <input type="checkbox" class="registry-pick"
                                    prop:checked=move || picks.with(|p| p.contains(&version))
                                    on:change=move |_| picks.update(|p| {
                                        if let Some(i) = p.iter().position(|&x| x == version) { p.remove(i); } else { p.push(version); if p.len() > 2 { p.remove(0); } }
                                    }) />
                                {format!("v{version}")}
                            </label>
                        </th>
                        <td>{if v.active { "active" } else { "" }}</td>
                        <td>{v.record.model.clone()}</td>
                        <td>{number(m.get("sharpe").copied(), 2)}</td>
                        <td>{share(m.get("cumulative_return").copied())}</td>
                        <td>{share(m.get("buy_and_hold_cumulative_return").copied())}</td>
                        <td>{v.record.seed}</td>
                        <td>{v.record.code_version.clone()}</td>
                        <td class="row-actions">
                            <button type="button" class="secondary" disabled=v.active
                                on:click=move |_| { let n = n1.clone(); spawn_local(async move { let r = api::activate(&n, version).await; after_change(n, r, "Activated"); }); }>"Activate"</button>
                            <button type="button" class="secondary"
                                on:click=move |_| { let n = n2.clone(); spawn_local(async move {
                                    match api::export(&n, version).await {
                                        Ok(export) => {
                                            let text = serde_json::to_string_pretty(&export).unwrap_or_default();
                                            if let Err(e) = save_text(&format!("{n}-v{version}.json"), "application/json", &text) { message.set(Some(e)); }
                                            else { message.set(Some(format!("Exported {n} version {version}"))); }
                                        }
                                        Err(error) => message.set(Some(error.message())),
                                    }
                                }); }>"Export JSON"</button>
                            <button type="button" class="secondary"
                                on:click=move |_| { let n = n3.clone(); message.set(Some("Re-running…".into())); spawn_local(async move {
                                    match api::rerun(&n, version).await {
                                        Ok(r) => { message.set(Some(r.summary.clone())); reproduction.set(Some(r)); }
                                        Err(error) => message.set(Some(error.message())),
                                    }
                                }); }>"Re-run"</button>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        let (for_rollback, for_compare) = (name.clone(), name.clone());
        Some(view! {
            <h3>{format!("Versions of {name}")}</h3>
            <div class="table-scroll">
                <table id="registry-versions" class="leaderboard">
                    <thead><tr>
                        <th scope="col">"Version"</th><th scope="col">"Active"</th><th scope="col">"Model"</th>
                        <th scope="col">"Sharpe"</th><th scope="col">"Return"</th><th scope="col">"Buy & hold"</th>
                        <th scope="col">"Seed"</th><th scope="col">"Code"</th><th scope="col">"Actions"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <div class="actions">
                <button type="button" id="registry-rollback" class="secondary"
                    on:click=move |_| { let n = for_rollback.clone(); spawn_local(async move { let r = api::rollback(&n).await; after_change(n, r, "Rolled back"); }); }>"Roll back"</button>
                <button type="button" id="registry-compare" class="secondary" disabled=move || picks.with(|p| p.len() != 2)
                    on:click=move |_| { let n = for_compare.clone(); let p = picks.get_untracked(); spawn_local(async move {
                        match api::compare(&n, p[0], p[1]).await {
                            Ok(c) => comparison.set(Some(c)),
                            Err(error) => message.set(Some(error.message())),
                        }
                    }); }>"Compare two"</button>
            </div>
        })
    };
    let comparison_view = move || {
        let c = comparison.get()?;
        let rows = c
            .metrics
            .iter()
            .map(|m| view! {
                <tr><th scope="row">{m.name.clone()}</th><td>{number(m.a, 4)}</td><td>{number(m.b, 4)}</td><td>{number(m.difference, 4)}</td></tr>
            })
            .collect_view();
        let params = c
            .params
            .iter()
            .filter(|p| !p.same)
            .map(|p| format!("{}: {:?} → {:?}", p.name, p.a, p.b))
            .collect::<Vec<_>>()
            .join("; ");
        Some(view! {
            <h3>{format!("v{} against v{}", c.a.version, c.b.version)}</h3>
            <p class="muted">{format!("Same data: {}; same seed: {}; same code version: {}. Parameters that differ: {}",
                c.same_data, c.same_seed, c.same_code_version, if params.is_empty() { "none".to_string() } else { params })}</p>
            <div class="table-scroll">
                <table id="registry-comparison" class="leaderboard">
                    <thead><tr><th scope="col">"Metric"</th><th scope="col">{format!("v{}", c.a.version)}</th><th scope="col">{format!("v{}", c.b.version)}</th><th scope="col">"Difference"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        })
    };
    let reproduction_view = move || {
        let r = reproduction.get()?;
        let differing = r.metrics.iter().filter(|m| !m.identical).count();
        Some(view! {
            <p id="registry-rerun" class={if r.reproduced { "status" } else { "error" }} role="status">
                {format!("{} ({} of {} metrics identical; code {} recorded, {} now)",
                    r.summary, r.metrics.len() - differing, r.metrics.len(), r.code_version_recorded, r.code_version_now)}
            </p>
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
                {boards_view}
            </section>
            <section class="card" aria-labelledby="insights-title">
                <h2 id="insights-title">"Insights"</h2>
                {insights_view}
            </section>
            <section class="card" aria-labelledby="registry-title">
                <h2 id="registry-title">"Model registry"</h2>
                {models_view}
                {versions_view}
                {reproduction_view}
                {comparison_view}
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
