//! The benchmark screen (`/bench`, not in the navigation): runs the pricing
//! kernels in the web worker and shows their throughput in this browser, to
//! compare with the native criterion figures; and times model training and
//! prediction in the lab worker on about 5,000 rows x 20 features of real
//! S&P 500 data (the same workload as `cargo bench -p shared --bench models`);
//! and the finance workload in the finance worker; and the whole catalog
//! through the Lab's default walk-forward.

use super::format::{fixed, rate};
use super::runner::WorkerRunner;
use crate::api;
use crate::bench::BenchRow;
use crate::finance::protocol::FinanceBenchRow;
use crate::finance::runner::{bench as finance_bench, Cancel};
use crate::lab::protocol::{
    slowest, BenchTiming, CatalogTiming, LabEvent, LabRequest, BENCH_MODELS,
};
use crate::lab::runner::LabRunner;
use crate::worker::{WorkerRequest, WorkerResponse};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::DataRequest;

/// The screen.
#[component]
pub fn BenchPage() -> impl IntoView {
    let rows = RwSignal::new(None::<Vec<BenchRow>>);
    let running = RwSignal::new(false);
    let runner = StoredValue::new_local(WorkerRunner::spawn(move |response| {
        if let WorkerResponse::Bench(result) = response {
            rows.set(Some(result));
            running.set(false);
        }
    }));
    let run = move |_| {
        running.set(true);
        rows.set(None);
        runner.with_value(|r| r.submit(WorkerRequest::Bench));
    };
    view! {
        <div class="page bench">
            <section class="card" aria-labelledby="bench-title">
                <h2 id="bench-title">"Pricing benchmark (this browser)"</h2>
                <p class="muted">"Runs each kernel for about half a second in the web worker, on the same workload as the native criterion benchmark."</p>
                <button type="button" id="run-bench" on:click=run disabled=move || running.get()>
                    {move || if running.get() { "Running…" } else { "Run benchmark" }}
                </button>
                {move || rows.get().map(|rows| view! {
                    <table class="bench-results" id="bench-results">
                        <thead><tr><th scope="col">"Kernel"</th><th scope="col">"Throughput"</th><th scope="col">"ns / op"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| view! {
                                <tr data-kernel=r.name.clone() data-per-second=r.per_second.to_string()>
                                    <th scope="row">{r.name.clone()}</th>
                                    <td>{format!("{} {}s", rate(r.per_second), r.unit)}</td>
                                    <td>{fixed(r.nanos_per_op, 1)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })}
            </section>
            <ModelBench />
            <CatalogBench />
            <FinanceBench />
        </div>
    }
}

/// The finance workload (portfolio optimisers, Monte Carlo VaR, a 20-year
/// backtest) timed in the finance worker on its own bundled data.
#[component]
fn FinanceBench() -> impl IntoView {
    let rows = RwSignal::new(None::<Result<Vec<FinanceBenchRow>, String>>);
    let running = RwSignal::new(false);
    let cancel = StoredValue::new_local(Cancel::default());
    let run = move |_| {
        running.set(true);
        rows.set(None);
        let cancel = cancel.get_value();
        spawn_local(async move {
            rows.set(Some(finance_bench(&cancel).await));
            running.set(false);
        });
    };
    view! {
        <section class="card" aria-labelledby="finance-bench-title">
            <h2 id="finance-bench-title">"Finance benchmark (this browser)"</h2>
            <p class="muted">"Best of three runs of each case in the finance worker, after one warm-up: the same cases as `cargo bench -p shared --bench finance_workload`."</p>
            <button type="button" id="run-finance-bench" on:click=run disabled=move || running.get()>
                {move || if running.get() { "Running…" } else { "Run finance benchmark" }}
            </button>
            {move || rows.get().map(|r| match r {
                Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Ok(rows) => view! {
                    <table class="bench-results" id="finance-bench-results">
                        <thead><tr><th scope="col">"Case"</th><th scope="col">"Best ms"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| view! {
                                <tr data-case=r.name.clone() data-best-ms=r.best_ms.to_string()>
                                    <th scope="row">{r.name.clone()}</th>
                                    <td>{fixed(r.best_ms, 2)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
        </section>
    }
}

/// The S&P 500 bundled series, fetched through the gateway.
async fn sp500() -> Result<shared::data::Series, String> {
    let request = DataRequest {
        source: "bundled".into(),
        symbol: "sp500".into(),
        from: None,
        to: None,
        timespan: None,
        multiplier: None,
    };
    api::data(&request)
        .await
        .map(|response| response.series)
        .map_err(|error| error.message())
}

/// Where the whole-catalog benchmark stands.
#[derive(Clone, Debug, PartialEq)]
enum CatalogState {
    Running {
        done: usize,
        total: usize,
    },
    Done {
        timings: Vec<CatalogTiming>,
        total_ms: f64,
    },
    Failed(String),
}

/// Every catalog entry through the Lab's default walk-forward in the lab
/// worker (the native twin: `cargo run --release -p app --example
/// catalog_run`).
#[component]
fn CatalogBench() -> impl IntoView {
    let state = RwSignal::new(None::<CatalogState>);
    let runner = StoredValue::new_local(LabRunner::default());
    let running = move || matches!(state.get(), Some(CatalogState::Running { .. }));
    let run = move |_| {
        state.set(Some(CatalogState::Running { done: 0, total: 0 }));
        let runner = runner.get_value();
        spawn_local(async move {
            let series = match sp500().await {
                Ok(series) => series,
                Err(message) => return state.set(Some(CatalogState::Failed(message))),
            };
            let for_events = runner.clone();
            let started = runner.start(&LabRequest::CatalogBench { series }, move |event| {
                match event {
                    LabEvent::CatalogProgress { done, total, .. } => {
                        return state.set(Some(CatalogState::Running { done, total }))
                    }
                    LabEvent::CatalogBench { timings, total_ms } => {
                        state.set(Some(CatalogState::Done { timings, total_ms }))
                    }
                    LabEvent::Failed { message } => state.set(Some(CatalogState::Failed(message))),
                    _ => return,
                }
                for_events.finish();
            });
            if let Err(message) = started {
                state.set(Some(CatalogState::Failed(message)));
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="catalog-bench-title">
            <h2 id="catalog-bench-title">"Whole catalog (this browser)"</h2>
            <p class="muted">"Runs every catalog entry through the Lab's default walk-forward on the S&P 500, one after another in the lab worker. Takes minutes."</p>
            <button type="button" id="run-catalog-bench" on:click=run disabled=running>
                {move || if running() { "Running…" } else { "Run the whole catalog" }}
            </button>
            {move || state.get().map(|s| match s {
                CatalogState::Running { done, total } => view! {
                    <p class="status" role="status" id="catalog-bench-progress">{format!("{done} of {total} entries")}</p>
                }.into_any(),
                CatalogState::Failed(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                CatalogState::Done { timings, total_ms } => {
                    let failed = timings.iter().filter(|t| t.error.is_some()).count();
                    view! {
                        <p id="catalog-bench-total" data-entries=timings.len().to_string() data-total-ms=total_ms.to_string() data-failed=failed.to_string()>
                            {format!("{} entries in {} s ({failed} failed)", timings.len(), fixed(total_ms / 1e3, 1))}
                        </p>
                        <table class="bench-results" id="catalog-bench-slowest">
                            <caption>"The ten slowest"</caption>
                            <thead><tr><th scope="col">"Model"</th><th scope="col">"Seconds"</th></tr></thead>
                            <tbody>
                                {slowest(&timings, 10).into_iter().map(|t| view! {
                                    <tr data-model=t.name.clone() data-ms=t.ms.to_string()>
                                        <th scope="row">{t.name.clone()}</th>
                                        <td>{fixed(t.ms / 1e3, 2)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            })}
        </section>
    }
}

/// Fit and predict times of the main model families in the lab worker.
#[component]
fn ModelBench() -> impl IntoView {
    let timings = RwSignal::new(None::<Result<Vec<BenchTiming>, String>>);
    let running = RwSignal::new(false);
    let runner = StoredValue::new_local(LabRunner::default());
    let run = move |_| {
        running.set(true);
        timings.set(None);
        let runner = runner.get_value();
        spawn_local(async move {
            let series = match sp500().await {
                Ok(series) => series,
                Err(message) => {
                    timings.set(Some(Err(message)));
                    return running.set(false);
                }
            };
            let lab = LabRequest::Bench {
                series,
                rows: 5_000,
                models: BENCH_MODELS.iter().map(|s| s.to_string()).collect(),
            };
            let for_events = runner.clone();
            let started = runner.start(&lab, move |event| {
                match event {
                    LabEvent::Bench { timings: t } => timings.set(Some(Ok(t))),
                    LabEvent::Failed { message } => timings.set(Some(Err(message))),
                    _ => return,
                }
                running.set(false);
                for_events.finish();
            });
            if let Err(error) = started {
                timings.set(Some(Err(error)));
                running.set(false);
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="model-bench-title">
            <h2 id="model-bench-title">"Model benchmark (this browser)"</h2>
            <p class="muted">"Trains and predicts each model three times (up to fifty times while a model has taken under 300 ms in all), single-threaded in the lab worker, on the last 5,000 rows of the S&P 500 features: the fastest round, and the first in brackets (the browser runs baseline code until it optimises the hot functions)."</p>
            <button type="button" id="run-model-bench" on:click=run disabled=move || running.get()>
                {move || if running.get() { "Running…" } else { "Run model benchmark" }}
            </button>
            {move || timings.get().map(|t| match t {
                Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Ok(rows) => view! {
                    <table class="bench-results" id="model-bench-results">
                        <thead><tr><th scope="col">"Model"</th><th scope="col">"Fit ms"</th><th scope="col">"Predict ms"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| view! {
                                <tr data-model=r.name.clone() data-fit-ms=r.fit_ms.to_string() data-predict-ms=r.predict_ms.to_string() data-first-fit-ms=r.first_fit_ms.to_string() data-first-predict-ms=r.first_predict_ms.to_string() data-rows=r.rows.to_string() data-features=r.features.to_string()>
                                    <th scope="row">{r.name.clone()}</th>
                                    <td>{format!("{} ({})", fixed(r.fit_ms, 1), fixed(r.first_fit_ms, 1))}</td>
                                    <td>{format!("{} ({})", fixed(r.predict_ms, 1), fixed(r.first_predict_ms, 1))}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
        </section>
    }
}
