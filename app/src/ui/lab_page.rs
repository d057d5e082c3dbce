//! The Lab screen: pick a dataset, a target, features and one model, a
//! family or the whole catalog; run walk-forward evaluation in the lab
//! worker with a progress bar and a cancel that stops at once; a sortable
//! leaderboard fills as models finish, each result recorded through the
//! server with its compliance verdict; per model, charts of predictions
//! against reality and of its equity curve against buy-and-hold.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::actions::ModelScope;
use shared::api::{DataRequest, DatasetSummary};
use shared::compliance::check_data_request;
use shared::models::{Family, ModelReport, Task, WalkForwardConfig, Window};

use super::backtest_page::{LabHandoff, FROM_LAB_URL};
use super::chart::{LineChart, Series as Line};
use super::data_page::year_fraction;
use super::goal_bar::verdict_sentence;
use super::session::{use_session, Loaded, SessionGate};
use crate::api;
use crate::clock::{now_ms, today};
use crate::lab::runner::LabRunner;
use crate::lab::session::{self, LabPlan, SessionEvent};

/// Which models a run covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One catalog entry.
    One,
    /// Every entry of one family.
    Family,
    /// The whole catalog (for the target).
    All,
}

/// The catalog names a run covers, in catalog order (the rule lives in
/// `shared::actions::models_for`, which the chat's lab cards use too).
pub fn models_for(scope: Scope, target: Task, model: &str, family: &str) -> Vec<String> {
    match scope {
        Scope::One => shared::actions::models_for(ModelScope::Model, target, Some(model)),
        Scope::Family => shared::actions::models_for(ModelScope::Family, target, Some(family)),
        Scope::All => shared::actions::models_for(ModelScope::Catalog, target, None),
    }
}

/// "about 1 min 20 s" for `ms`.
pub fn duration_words(ms: f64) -> String {
    let seconds = (ms / 1000.0).round().max(0.0) as u64;
    if seconds < 60 {
        format!("{seconds} s")
    } else {
        format!("{} min {} s", seconds / 60, seconds % 60)
    }
}

/// A leaderboard column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// Accuracy (classification) or R² (regression).
    Skill,
    /// ROC AUC (classification) or RMSE (regression).
    Second,
    /// Annualised Sharpe of the signal.
    Sharpe,
    /// Cumulative return of the signal.
    Return,
    /// Maximum drawdown (smaller is better).
    Drawdown,
    /// Hit rate.
    HitRate,
}

/// The value a row sorts by in `column` (missing values sort last).
pub fn column_value(report: &ModelReport, column: Column) -> Option<f64> {
    match column {
        Column::Skill => report
            .classification
            .as_ref()
            .map(|c| c.accuracy)
            .or(report.regression.as_ref().map(|r| r.r2)),
        Column::Second => report
            .classification
            .as_ref()
            .and_then(|c| c.roc_auc)
            .or(report.regression.as_ref().map(|r| r.rmse)),
        Column::Sharpe => Some(report.trading.sharpe),
        Column::Return => Some(report.trading.cumulative_return),
        Column::Drawdown => Some(report.trading.max_drawdown),
        Column::HitRate => Some(report.trading.hit_rate),
    }
}

/// One leaderboard row.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    name: String,
    outcome: Result<Box<ModelReport>, String>,
    recorded: Option<Result<String, String>>,
}

#[derive(Clone, Debug, PartialEq)]
struct Progress {
    done: usize,
    total: usize,
    started_ms: f64,
    now_ms: f64,
    state: &'static str,
}

/// The screen.
#[component]
pub fn LabPage() -> impl IntoView {
    let session = use_session();
    let datasets: RwSignal<Loaded<Vec<DatasetSummary>>> = RwSignal::new(None);
    spawn_local(async move { datasets.set(Some(api::bundled_datasets().await)) });
    let symbol = RwSignal::new("sp500".to_string());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let target = RwSignal::new(Task::Classification);
    let horizon = RwSignal::new("1".to_string());
    let scope = RwSignal::new(Scope::Family);
    let family = RwSignal::new("logistic".to_string());
    let model = RwSignal::new("baseline_majority_class".to_string());
    let defaults = shared::actions::LAB_DEFAULTS;
    let train_rows = RwSignal::new(defaults.train_rows.to_string());
    let test_rows = RwSignal::new(defaults.test_rows.to_string());
    let gap = RwSignal::new(defaults.gap.to_string());
    let rolling = RwSignal::new(defaults.window == Window::Rolling);
    let seed = RwSignal::new(defaults.seed.to_string());
    let cost = RwSignal::new(defaults.cost_bps.to_string());
    let rows = RwSignal::new(Vec::<Row>::new());
    let progress = RwSignal::new(None::<Progress>);
    let message = RwSignal::new(None::<String>);
    let sort = RwSignal::new((Column::Sharpe, true));
    let details = RwSignal::new(None::<String>);
    // The data request of the run on the leaderboard (for "Backtest this model").
    let ran = RwSignal::new(None::<DataRequest>);
    let runner = StoredValue::new_local(LabRunner::default());

    let data_request = Memo::new(move |_| {
        let optional = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        DataRequest {
            source: "bundled".to_string(),
            symbol: symbol.get(),
            from: optional(from.get()),
            to: optional(to.get()),
            timespan: None,
            multiplier: None,
        }
    });
    let local_verdict = Memo::new(move |_| {
        session.rules.with(|rules| match rules {
            Some(Ok(doc)) => {
                Some(data_request.with(|r| check_data_request(&doc.rules, r, today())))
            }
            _ => None,
        })
    });
    let selection =
        Memo::new(move |_| models_for(scope.get(), target.get(), &model.get(), &family.get()));
    let running = move || progress.with(|p| p.as_ref().is_some_and(|p| p.state == "running"));

    // Tick the elapsed time while running.
    let ticker = set_interval_with_handle(
        move || {
            progress.update(|p| {
                if let Some(p) = p.as_mut().filter(|p| p.state == "running") {
                    p.now_ms = now_ms();
                }
            })
        },
        Duration::from_millis(500),
    )
    .ok();
    on_cleanup(move || {
        runner.try_with_value(LabRunner::cancel);
        if let Some(handle) = ticker {
            handle.clear();
        }
    });

    let run = {
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if running() {
                return;
            }
            let parse = |s: RwSignal<String>, field: &str| -> Result<f64, String> {
                s.get_untracked()
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| format!("{field}: \"{}\" is not a number", s.get_untracked()))
            };
            let settings = (|| -> Result<(usize, WalkForwardConfig), String> {
                let horizon = parse(horizon, "Horizon")? as usize;
                let config = WalkForwardConfig {
                    train_rows: parse(train_rows, "Training rows")? as usize,
                    test_rows: parse(test_rows, "Test rows")? as usize,
                    gap: parse(gap, "Gap")? as usize,
                    window: if rolling.get_untracked() {
                        Window::Rolling
                    } else {
                        Window::Expanding
                    },
                    seed: parse(seed, "Seed")? as u64,
                    cost_bps: parse(cost, "Cost")?,
                };
                config
                    .validate_for_horizon(horizon)
                    .map_err(|e| e.to_string())?;
                Ok((horizon, config))
            })();
            let (horizon, config) = match settings {
                Ok(settings) => settings,
                Err(error) => return message.set(Some(error)),
            };
            let models = selection.get_untracked();
            let total = models.len();
            if models.is_empty() {
                return message.set(Some("No model matches this choice for this target.".into()));
            }
            let plan = LabPlan {
                request: data_request.get_untracked(),
                horizon,
                target: target.get_untracked(),
                models,
                config,
            };
            message.set(Some(
                "Fetching the data through the compliance gateway…".into(),
            ));
            rows.set(Vec::new());
            details.set(None);
            ran.set(Some(plan.request.clone()));
            session::run(runner.get_value(), plan, move |event| match event {
                SessionEvent::Fetched { verdict, .. } => {
                    message.set(Some(verdict_sentence("Server", &verdict)));
                    let started = now_ms();
                    progress.set(Some(Progress {
                        done: 0,
                        total,
                        started_ms: started,
                        now_ms: started,
                        state: "running",
                    }));
                }
                SessionEvent::Model {
                    done,
                    total,
                    name,
                    outcome,
                } => {
                    progress.update(|p| {
                        if let Some(p) = p {
                            p.done = done;
                            p.total = total;
                            p.now_ms = now_ms();
                        }
                    });
                    rows.update(|rows| {
                        rows.push(Row {
                            name,
                            outcome,
                            recorded: None,
                        })
                    });
                }
                SessionEvent::Recorded { name, outcome } => {
                    let recorded = outcome.map(|stored| {
                        format!("recorded #{} ({})", stored.id, stored.verdict.rule_id)
                    });
                    rows.update(|rows| {
                        if let Some(row) = rows.iter_mut().find(|r| r.name == name) {
                            row.recorded = Some(recorded);
                        }
                    });
                }
                SessionEvent::Finished => progress.update(|p| {
                    if let Some(p) = p {
                        p.state = "finished";
                        p.now_ms = now_ms();
                    }
                }),
                SessionEvent::Failed(text) => {
                    progress.update(|p| {
                        if let Some(p) = p {
                            p.state = "failed";
                        }
                    });
                    message.set(Some(text));
                }
                SessionEvent::Started { .. } | SessionEvent::Complete => {}
            });
        }
    };
    let cancel = {
        move |_| {
            runner.with_value(LabRunner::cancel);
            progress.update(|p| {
                if let Some(p) = p {
                    p.state = "cancelled";
                    p.now_ms = now_ms();
                }
            });
        }
    };

    let dataset_options = move || {
        datasets.with(|d| match d {
            Some(Ok(list)) => list
                .iter()
                .map(|d| {
                    let selected = d.id == symbol.get_untracked();
                    view! { <option value=d.id.clone() selected=selected>{format!("{} ({} rows)", d.title, d.provenance.rows)}</option> }
                })
                .collect_view()
                .into_any(),
            _ => view! { <option value="sp500">"S&P 500"</option> }.into_any(),
        })
    };
    let family_options = move || {
        let t = target.get();
        Family::ALL
            .iter()
            .filter(|f| !models_for(Scope::Family, t, "", f.as_str()).is_empty())
            .map(|f| {
                let selected = f.as_str() == family.get_untracked();
                view! { <option value=f.as_str() selected=selected>{f.as_str()}</option> }
            })
            .collect_view()
    };
    let model_options = move || {
        models_for(Scope::All, target.get(), "", "")
            .into_iter()
            .map(|name| {
                let selected = name == model.get_untracked();
                view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
            })
            .collect_view()
    };
    let progress_view = move || {
        progress.get().map(|p| {
            let elapsed = p.now_ms - p.started_ms;
            let left = if p.done > 0 && p.done < p.total {
                format!(" · about {} left", duration_words(elapsed / p.done as f64 * (p.total - p.done) as f64))
            } else {
                String::new()
            };
            let state = match p.state {
                "running" => String::new(),
                "cancelled" => " · cancelled".to_string(),
                "failed" => " · failed".to_string(),
                _ => " · finished".to_string(),
            };
            view! {
                <div id="lab-progress" data-state=p.state>
                    <progress max=p.total value=p.done aria-label="Models done"></progress>
                    <p id="lab-progress-text" role="status">
                        {format!("{} / {} models · {}{left}{state}", p.done, p.total, duration_words(elapsed))}
                    </p>
                </div>
            }
        })
    };
    let header = move |column: Column, label: &'static str| {
        let arrow = move || match sort.get() {
            (c, true) if c == column => " ▼",
            (c, false) if c == column => " ▲",
            _ => "",
        };
        view! {
            <th scope="col">
                <button type="button" class="sort" data-column=label
                    on:click=move |_| sort.update(|(c, desc)| { if *c == column { *desc = !*desc } else { *c = column; *desc = column != Column::Drawdown } })>
                    {label}{arrow}
                </button>
            </th>
        }
    };
    let board = move || {
        let (column, descending) = sort.get();
        let mut list = rows.get();
        list.sort_by(|a, b| {
            let value = |r: &Row| {
                r.outcome
                    .as_ref()
                    .ok()
                    .and_then(|rep| column_value(rep, column))
            };
            match (value(a), value(b)) {
                (Some(x), Some(y)) => {
                    if descending {
                        y.total_cmp(&x)
                    } else {
                        x.total_cmp(&y)
                    }
                }
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => a.name.cmp(&b.name),
            }
        });
        list.into_iter()
            .map(|row| {
                let name = row.name.clone();
                let cells = match &row.outcome {
                    Ok(report) => {
                        let f = |c: Column| column_value(report, c).map_or("—".to_string(), |v| format!("{v:.3}"));
                        let pct = |c: Column| column_value(report, c).map_or("—".to_string(), |v| format!("{:.1}%", v * 100.0));
                        view! {
                            <td>{f(Column::Skill)}</td>
                            <td>{f(Column::Second)}</td>
                            <td>{f(Column::Sharpe)}</td>
                            <td>{pct(Column::Return)}</td>
                            <td>{pct(Column::Drawdown)}</td>
                            <td>{pct(Column::HitRate)}</td>
                            <td>{format!("{:.2}", report.buy_and_hold.sharpe)}</td>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <td colspan="7" class="error">{error.clone()}</td> }.into_any(),
                };
                let recorded = match &row.recorded {
                    None => "…".to_string(),
                    Some(Ok(text)) => text.clone(),
                    Some(Err(text)) => format!("not recorded: {text}"),
                };
                let open = name.clone();
                view! {
                    <tr data-model=name.clone()>
                        <th scope="row"><button type="button" class="link" on:click=move |_| details.set(Some(open.clone()))>{name.clone()}</button></th>
                        {cells}
                        <td class="muted">{recorded}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let details_view = move || {
        let name = details.get()?;
        let row = rows.with(|rows| rows.iter().find(|r| r.name == name).cloned())?;
        let report = row.outcome.ok()?;
        Some(view! { <ModelDetails report=*report request=ran.get() /> })
    };

    view! {
        <div class="page">
            <SessionGate what="The lab" />
            <section class="card" aria-labelledby="lab-title">
                <h2 id="lab-title">"Model lab"</h2>
                <p class="muted">"Walk-forward evaluation on real data: every model is trained only on data before each test window (with a gap so overlapping labels cannot leak), then judged on the window that follows."</p>
                <form id="lab-form" on:submit=run novalidate=true>
                    <div class="grid">
                        <div class="field">
                            <label for="lab-dataset">"Dataset"</label>
                            <select id="lab-dataset" on:change=move |ev| symbol.set(event_target_value(&ev))>{dataset_options}</select>
                        </div>
                        <div class="field">
                            <label for="lab-from">"From"</label>
                            <input id="lab-from" type="date" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label for="lab-to">"To"</label>
                            <input id="lab-to" type="date" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label for="lab-target">"Target"</label>
                            <select id="lab-target" on:change=move |ev| target.set(if event_target_value(&ev) == "regression" { Task::Regression } else { Task::Classification })>
                                <option value="classification">"Next-k-day direction"</option>
                                <option value="regression">"Next-k-day return"</option>
                            </select>
                        </div>
                        <div class="field">
                            <label for="lab-horizon">"Horizon (days)"</label>
                            <input id="lab-horizon" type="number" min="1" max="252" inputmode="numeric" prop:value=move || horizon.get() on:input=move |ev| horizon.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label for="lab-scope">"Models"</label>
                            <select id="lab-scope" on:change=move |ev| scope.set(match event_target_value(&ev).as_str() { "one" => Scope::One, "all" => Scope::All, _ => Scope::Family })>
                                <option value="family" selected=true>"A family"</option>
                                <option value="one">"One model"</option>
                                <option value="all">"The whole catalog"</option>
                            </select>
                        </div>
                        <Show when=move || scope.get() == Scope::Family>
                            <div class="field">
                                <label for="lab-family">"Family"</label>
                                <select id="lab-family" on:change=move |ev| family.set(event_target_value(&ev))>{family_options}</select>
                            </div>
                        </Show>
                        <Show when=move || scope.get() == Scope::One>
                            <div class="field">
                                <label for="lab-model">"Model"</label>
                                <select id="lab-model" on:change=move |ev| model.set(event_target_value(&ev))>{model_options}</select>
                            </div>
                        </Show>
                        <div class="field">
                            <label for="lab-train">"Training rows"</label>
                            <input id="lab-train" type="number" min="20" inputmode="numeric" prop:value=move || train_rows.get() on:input=move |ev| train_rows.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label for="lab-test">"Test rows per window"</label>
                            <input id="lab-test" type="number" min="1" inputmode="numeric" prop:value=move || test_rows.get() on:input=move |ev| test_rows.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label for="lab-gap">"Gap (rows)"</label>
                            <input id="lab-gap" type="number" min="0" inputmode="numeric" prop:value=move || gap.get() on:input=move |ev| gap.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label for="lab-seed">"Seed"</label>
                            <input id="lab-seed" type="number" min="0" inputmode="numeric" prop:value=move || seed.get() on:input=move |ev| seed.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label for="lab-cost">"Cost (bps per trade)"</label>
                            <input id="lab-cost" type="number" min="0" step="0.5" inputmode="decimal" prop:value=move || cost.get() on:input=move |ev| cost.set(event_target_value(&ev)) />
                        </div>
                        <div class="field checkbox">
                            <input id="lab-rolling" type="checkbox" prop:checked=move || rolling.get() on:change=move |ev| rolling.set(event_target_checked(&ev)) />
                            <label for="lab-rolling">"Rolling window (else expanding)"</label>
                        </div>
                    </div>
                    {move || local_verdict.get().map(|v| {
                        let class = if v.allowed { "verdict allowed" } else { "verdict refused" };
                        view! { <p id="lab-local-verdict" class=class>{verdict_sentence("Local check", &v)}</p> }
                    })}
                    <p class="muted" id="lab-selection">{move || format!("{} model(s) selected", selection.with(Vec::len))}</p>
                    <div class="actions">
                        <button type="submit" id="lab-run" disabled=move || running() || local_verdict.with(|v| v.as_ref().is_some_and(|v| !v.allowed))>"Run"</button>
                        <button type="button" id="lab-cancel" class="secondary" disabled=move || !running() on:click=cancel>"Cancel"</button>
                    </div>
                </form>
                {move || message.get().map(|m| view! { <p id="lab-message" class="status" role="status">{m}</p> })}
                {progress_view}
            </section>
            <section class="card" aria-labelledby="board-title">
                <h2 id="board-title">"Leaderboard"</h2>
                <div class="table-scroll">
                    <table id="leaderboard" class="leaderboard">
                        <thead>
                            <tr>
                                <th scope="col">"Model"</th>
                                {header(Column::Skill, "Accuracy / R²")}
                                {header(Column::Second, "AUC / RMSE")}
                                {header(Column::Sharpe, "Sharpe")}
                                {header(Column::Return, "Return")}
                                {header(Column::Drawdown, "Max DD")}
                                {header(Column::HitRate, "Hit rate")}
                                <th scope="col">"B&H Sharpe"</th>
                                <th scope="col">"Recorded"</th>
                            </tr>
                        </thead>
                        <tbody>{board}</tbody>
                    </table>
                </div>
            </section>
            {details_view}
        </div>
    }
}

/// Charts and facts of one model's run, and "Backtest this model" (its
/// walk-forward positions on the Backtest screen) when the run's data
/// request is known.
#[component]
fn ModelDetails(report: ModelReport, request: Option<DataRequest>) -> impl IntoView {
    let navigate = use_navigate();
    let handoff_error = RwSignal::new(None::<String>);
    let handoff = request.map(|request| LabHandoff {
        model: report.spec.name.clone(),
        request,
        cost_bps: report.config.cost_bps,
        dates: report.dates.clone(),
        positions: report.positions.clone(),
    });
    let backtest_button = handoff.map(|handoff| {
        let open = move |_| match handoff.store() {
            Ok(()) => navigate(FROM_LAB_URL, Default::default()),
            Err(e) => handoff_error.set(Some(format!("Could not hand the positions over: {e}"))),
        };
        view! {
            <button type="button" class="secondary" id="lab-backtest" on:click=open>"Backtest this model"</button>
            {move || handoff_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        }
    });
    let x: Vec<f64> = report.dates.iter().map(|d| year_fraction(*d)).collect();
    let equity = vec![
        Line {
            name: report.spec.name.clone(),
            class: "series-a",
            points: x
                .iter()
                .copied()
                .zip(report.equity_curve.iter().copied())
                .collect(),
        },
        Line {
            name: "buy and hold".into(),
            class: "series-b",
            points: x
                .iter()
                .copied()
                .zip(report.buy_and_hold_equity.iter().copied())
                .collect(),
        },
    ];
    // Predictions against reality, smoothed over 20 rows so both are legible.
    let predicted = report
        .probabilities
        .clone()
        .unwrap_or_else(|| report.predictions.clone());
    let smooth = |v: &[f64]| -> Vec<(f64, f64)> {
        let n = 20.min(v.len().max(1));
        v.windows(n)
            .zip(x.iter().skip(n - 1))
            .map(|(w, x)| (*x, w.iter().sum::<f64>() / n as f64))
            .collect()
    };
    let versus = vec![
        Line {
            name: "predicted (20-row mean)".into(),
            class: "series-a",
            points: smooth(&predicted),
        },
        Line {
            name: "actual (20-row mean)".into(),
            class: "series-b",
            points: smooth(&report.actual),
        },
    ];
    let params = report
        .spec
        .params
        .iter()
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <section class="card" id="model-details" aria-labelledby="details-title">
            <h2 id="details-title">{report.spec.name.clone()}</h2>
            <dl class="facts">
                <dt>"Family / task"</dt><dd>{format!("{} / {}", report.spec.family.as_str(), report.spec.task.as_str())}</dd>
                <dt>"Parameters"</dt><dd>{if params.is_empty() { "none".to_string() } else { params }}</dd>
                <dt>"Implementation"</dt><dd>{report.spec.implementation.clone()}</dd>
                <dt>"Walk-forward"</dt><dd>{format!("{} folds, {} test rows, train {}, gap {}, {}", report.n_folds, report.n_test_rows, report.config.train_rows, report.config.gap, report.config.window.as_str())}</dd>
                <dt>"Seed · data · code"</dt><dd>{format!("{} · {} · {}", report.seed, &report.data_hash[..12.min(report.data_hash.len())], report.code_version)}</dd>
                <dt>"Sharpe: model / buy and hold / baseline"</dt><dd>{format!("{:.2} / {:.2} / {:.2}", report.trading.sharpe, report.buy_and_hold.sharpe, report.baseline.sharpe)}</dd>
            </dl>
            <LineChart title="Equity curve" x_label="year" series=Signal::derive(move || equity.clone()) markers=Signal::derive(Vec::new) />
            <LineChart title="Predictions against reality" x_label="year" series=Signal::derive(move || versus.clone()) markers=Signal::derive(Vec::new) />
            {backtest_button}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_select_by_target() {
        let one = models_for(
            Scope::One,
            Task::Classification,
            "baseline_majority_class",
            "",
        );
        assert_eq!(one, vec!["baseline_majority_class".to_string()]);
        assert!(models_for(Scope::One, Task::Regression, "baseline_majority_class", "").is_empty());
        let all = models_for(Scope::All, Task::Regression, "", "");
        assert!(all.contains(&"baseline_mean_return".to_string()));
        assert!(!all.contains(&"baseline_majority_class".to_string()));
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration_words(400.0), "0 s");
        assert_eq!(duration_words(59_400.0), "59 s");
        assert_eq!(duration_words(80_000.0), "1 min 20 s");
    }
}
