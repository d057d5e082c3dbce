//! One step of a trial this browser runs, with the same `shared` code the
//! server's runner uses (`shared::trial::output` shapes what it reports):
//! `fetch_data` through the gateway (`GET /api/data`), `run_lab` in a lab
//! worker (the Lab screen's worker and protocol), the finance actions in
//! the finance worker (`crate::finance`), `price_option` with
//! `shared::pricing` (one small tree, well under a frame).
//!
//! Must not report to the server (that is [`super`]'s) or fetch around
//! the gateway. Dropping the future of [`run`] terminates its worker.

use futures::channel::mpsc;
use futures::future::LocalBoxFuture;
use futures::StreamExt;
use shared::actions::{Action, RunLab};
use shared::data::Series;
use shared::features::FeatureSpec;
use shared::models::ModelReport;
use shared::trial::output::{self, StepOutput};

use crate::api;
use crate::lab::protocol::{LabEvent, LabRequest};
use crate::lab::runner::LabRunner;

/// Reports progress within a step (fraction 0 to 1, words); awaited, so
/// progress reaches the server before the step's end.
pub type Progress<'a> = &'a dyn Fn(f64, String) -> LocalBoxFuture<'static, ()>;

/// What a step produced, and the series it fetched (for its dependants).
#[derive(Clone, Debug, PartialEq)]
pub struct Done {
    /// What the step reports.
    pub output: StepOutput,
    /// A `fetch_data` step's series.
    pub series: Option<Series>,
}

/// Runs `action` with the series of its inputs (`(step id, series)`, in
/// input order). Errors are sentences for the user.
pub async fn run(
    action: &Action,
    inputs: &[(String, Series)],
    progress: Progress<'_>,
) -> Result<Done, String> {
    match action {
        Action::FetchData(fetch) => {
            let response = api::data(&fetch.data_request())
                .await
                .map_err(|e| e.message())?;
            let output = output::fetch_output(&response.series, response.cached)?;
            Ok(Done {
                output,
                series: Some(response.series),
            })
        }
        Action::RunLab(lab) => lab_step(lab, inputs, progress).await.map(|output| Done {
            output,
            series: None,
        }),
        Action::PriceOption(option) => Ok(Done {
            output: output::price_output(option)?,
            series: None,
        }),
        Action::SetGoal(_) => Err("set_goal cannot run as a trial step".to_string()),
        finance => {
            let run = crate::finance::run(finance.clone(), |_| {}).await?;
            Ok(Done {
                output: output::finance_outcome_output(finance, &run.outcome, run.series.len())?,
                series: None,
            })
        }
    }
}

async fn lab_step(
    lab: &RunLab,
    inputs: &[(String, Series)],
    progress: Progress<'_>,
) -> Result<StepOutput, String> {
    let (series, from) = match inputs.first() {
        Some((id, series)) => (series.clone(), Some(id.clone())),
        None => (
            api::data(&lab.data_request())
                .await
                .map_err(|e| e.message())?
                .series,
            None,
        ),
    };
    let models = output::lab_model_names(lab)?;
    let horizon = usize::try_from(lab.horizon).map_err(|e| e.to_string())?;
    let request = LabRequest::Run {
        series: series.clone(),
        features: FeatureSpec::default(),
        horizon,
        target: lab.task(),
        models,
        config: lab.walk_forward(),
    };
    let (rows, outcomes) = lab_in_worker(&request, progress).await?;
    output::lab_output(lab, &series, rows, from.as_deref(), &outcomes)
}

/// Terminates the lab worker when the step's future ends or is dropped.
struct Terminate(LabRunner);

impl Drop for Terminate {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Model outcomes of one lab run, in the order run, with the dataset's rows.
type LabOutcomes = (usize, Vec<(String, Result<ModelReport, String>)>);

async fn lab_in_worker(
    request: &LabRequest,
    progress: Progress<'_>,
) -> Result<LabOutcomes, String> {
    let runner = LabRunner::default();
    let _terminate = Terminate(runner.clone());
    let (send, mut receive) = mpsc::unbounded();
    runner.start(request, move |event| {
        let _ = send.unbounded_send(event);
    })?;
    let mut rows = 0;
    let mut outcomes = Vec::new();
    while let Some(event) = receive.next().await {
        match event {
            LabEvent::Started { rows: r, .. } => rows = r,
            LabEvent::Model {
                done,
                total,
                name,
                outcome,
            } => {
                let word = if outcome.is_ok() { "done" } else { "failed" };
                let message = format!("{name} {word} ({done}/{total})");
                outcomes.push((name, outcome.map(|report| *report)));
                progress(done as f64 / total.max(1) as f64, message).await;
            }
            LabEvent::Finished => return Ok((rows, outcomes)),
            LabEvent::Failed { message } => return Err(message),
            LabEvent::Ready
            | LabEvent::Bench { .. }
            | LabEvent::CatalogProgress { .. }
            | LabEvent::CatalogBench { .. } => {}
        }
    }
    Err("the lab worker stopped".to_string())
}
