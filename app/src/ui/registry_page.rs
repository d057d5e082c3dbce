//! The registry screen (`/registry`): the registered model names, one
//! name's versions (`/registry?name=N`, so a link or a reload opens it)
//! with the active mark, activate, roll back, compare two, re-run and
//! export JSON as a download. Registering happens from a Leaderboard row;
//! comparison, re-runs and rollbacks are the server's (`shared::registry`);
//! this screen only asks and shows.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;
use shared::registry::{Comparison, ModelVersion, RegistryModel, Reproduction};

use super::chat::files::save_text;
use super::format::{fixed, percent};
use super::session::SessionGate;
use crate::api;

fn number(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "—".to_string(), |v| fixed(v, decimals))
}

fn share(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), |v| percent(v, 1))
}

/// The screen.
#[component]
pub fn RegistryPage() -> impl IntoView {
    let query = use_query_map();
    let models = RwSignal::new(Vec::<RegistryModel>::new());
    let selected = RwSignal::new(None::<String>);
    let versions = RwSignal::new(Vec::<ModelVersion>::new());
    let message = RwSignal::new(None::<String>);
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
    load_models();
    let select = move |name: String| {
        selected.set(Some(name.clone()));
        picks.set(Vec::new());
        comparison.set(None);
        reproduction.set(None);
        load_versions(name);
    };
    // A name in the address opens its versions (a link from the Leaderboard).
    Effect::new(move |_| {
        let name = query.with(|q| q.get("name").map(|n| n.trim().to_string()));
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            select(name);
        }
    });
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
    view! {
        <div class="page">
            <SessionGate what="The model registry" />
            <section class="card" aria-labelledby="registry-title">
                <h2 id="registry-title">"Model registry"</h2>
                <p class="muted">"Registered versions with their parameters, metrics, data hash, seed and code version. Register a model from a row of the " <a href="/leaderboard">"Leaderboard"</a> "."</p>
                {move || message.get().map(|m| view! { <p id="registry-message" class="status" role="status">{m}</p> })}
                {models_view}
                {versions_view}
                {reproduction_view}
                {comparison_view}
            </section>
        </div>
    }
}
