//! One lab run from start to end, shared by the Lab screen and the chat's
//! run-lab cards: fetch the series through the server's compliance gateway
//! (`api::data`), run the models in the lab worker, and record every
//! model's report with `api::record_result`. The caller only renders the
//! [`SessionEvent`]s; it never repeats these steps.

use std::cell::Cell;
use std::rc::Rc;

use leptos::task::spawn_local;
use shared::api::{DataRequest, StoredResult};
use shared::compliance::Verdict;
use shared::data::Provenance;
use shared::features::FeatureSpec;
use shared::models::{ModelReport, Task, WalkForwardConfig};

use super::protocol::{LabEvent, LabRequest};
use super::runner::LabRunner;
use crate::api;

/// What to run.
#[derive(Clone, Debug, PartialEq)]
pub struct LabPlan {
    /// The data, fetched through the gateway.
    pub request: DataRequest,
    /// Label horizon in rows.
    pub horizon: usize,
    /// Direction (classification) or return (regression).
    pub target: Task,
    /// Catalog names, run in this order.
    pub models: Vec<String>,
    /// Walk-forward settings.
    pub config: WalkForwardConfig,
}

/// What happened, in order: `Fetched`, `Started`, a `Model` and (for
/// successful models) a `Recorded` per model, then `Finished` and, once
/// every recording has answered, `Complete`; or `Failed` at any point.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionEvent {
    /// The gateway allowed the data.
    Fetched {
        /// The server's verdict.
        verdict: Verdict,
        /// Where the data came from.
        provenance: Box<Provenance>,
    },
    /// The worker built the dataset; `total` models will run.
    Started {
        /// Models to run.
        total: usize,
    },
    /// One model finished (or failed).
    Model {
        /// Models finished so far.
        done: usize,
        /// Models in the run.
        total: usize,
        /// Catalog name.
        name: String,
        /// Its report, or why it failed.
        outcome: Result<Box<ModelReport>, String>,
    },
    /// The server answered the recording of `name`'s report.
    Recorded {
        /// Catalog name.
        name: String,
        /// The stored result, or why it was not stored.
        outcome: Result<Box<StoredResult>, String>,
    },
    /// Every model ran (recordings may still be in flight).
    Finished,
    /// Every model ran and every recording answered.
    Complete,
    /// Nothing more will happen: the data was refused or the run failed.
    Failed(String),
}

/// Runs `plan` on `runner` (cancel with `runner.cancel()`), reporting each
/// step to `on_event`.
pub fn run(runner: LabRunner, plan: LabPlan, on_event: impl Fn(SessionEvent) + 'static) {
    let on_event = Rc::new(on_event);
    spawn_local(async move {
        let response = match api::data(&plan.request).await {
            Ok(response) => response,
            Err(error) => return on_event(SessionEvent::Failed(error.message())),
        };
        on_event(SessionEvent::Fetched {
            verdict: response.verdict.clone(),
            provenance: Box::new(response.series.provenance().clone()),
        });
        let (source, symbol) = (plan.request.source.clone(), plan.request.symbol.clone());
        let lab = LabRequest::Run {
            series: response.series,
            features: FeatureSpec::default(),
            horizon: plan.horizon,
            target: plan.target,
            models: plan.models,
            config: plan.config,
        };
        // Recordings in flight, and whether the worker has finished.
        let pending = Rc::new(Cell::new(0usize));
        let finished = Rc::new(Cell::new(false));
        let complete = {
            let (pending, finished, on_event) =
                (pending.clone(), finished.clone(), on_event.clone());
            move || {
                if finished.get() && pending.get() == 0 {
                    on_event(SessionEvent::Complete);
                }
            }
        };
        let complete = Rc::new(complete);
        let for_events = runner.clone();
        let sink = on_event.clone();
        let started = runner.start(&lab, move |event| match event {
            LabEvent::Started { total, .. } => sink(SessionEvent::Started { total }),
            LabEvent::Model {
                done,
                total,
                name,
                outcome,
            } => {
                let record = outcome
                    .as_ref()
                    .ok()
                    .map(|r| r.to_result_record(&source, &symbol));
                sink(SessionEvent::Model {
                    done,
                    total,
                    name: name.clone(),
                    outcome,
                });
                if let Some(record) = record {
                    pending.set(pending.get() + 1);
                    let (sink, pending, complete) =
                        (sink.clone(), pending.clone(), complete.clone());
                    spawn_local(async move {
                        let outcome = api::record_result(&record)
                            .await
                            .map(Box::new)
                            .map_err(|e| e.message());
                        sink(SessionEvent::Recorded { name, outcome });
                        pending.set(pending.get() - 1);
                        complete();
                    });
                }
            }
            LabEvent::Finished => {
                for_events.finish();
                finished.set(true);
                sink(SessionEvent::Finished);
                complete();
            }
            LabEvent::Failed { message } => {
                for_events.finish();
                sink(SessionEvent::Failed(message));
            }
            LabEvent::Bench { .. }
            | LabEvent::CatalogProgress { .. }
            | LabEvent::CatalogBench { .. }
            | LabEvent::Ready => {}
        });
        if let Err(error) = started {
            on_event(SessionEvent::Failed(error));
        }
    });
}
