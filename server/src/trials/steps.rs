//! One trial step, run natively with the code the rest of the server and
//! the app already use (what a step reports is shaped by
//! `shared::trial::output`, as in the browser): `fetch_data` through the compliance gateway
//! ([`crate::routes::data::fetch_audited`], audited), `run_lab` with
//! `shared`'s dataset building and walk-forward evaluation, `price_option`
//! with `shared::pricing`, and the finance actions with
//! `shared::execute::run` on series fetched through the gateway.
//!
//! Compute runs on blocking threads and checks the cancel flag between
//! units of work (models, folds). Must not write the trial's record: it
//! returns the output and the results to record, and the driver stores
//! them with the step's events.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde_json::Value;
use shared::actions::{Action, FetchData, RunLab};
use shared::api::DataRequest;
use shared::data::Series;
use shared::models::evaluate_many;
use shared::trial::output;

use crate::auth::Session;
use crate::routes::data::fetch_audited;
use crate::state::AppState;

/// The reason a step reports when it stopped for a cancel.
pub const CANCELLED: &str = "cancelled";

/// What a step produced (shaped by `shared`, the same in the browser).
pub use shared::trial::output::StepOutput;

/// Reports progress: fraction done (0 to 1) and a message.
pub type Progress = Arc<dyn Fn(f64, String) + Send + Sync>;

/// Where a step runs: for whom, with which cancel flag and progress sink.
#[derive(Clone)]
pub struct StepContext {
    /// The server's state (store, gateway, rules).
    pub state: AppState,
    /// The trial's owner.
    pub session: Session,
    /// Set when the trial is cancelled.
    pub cancel: Arc<AtomicBool>,
    /// Progress sink.
    pub progress: Progress,
}

impl StepContext {
    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// Runs `action` with the full outputs of its inputs (`(step id,
/// output)`, in the step's input order). Errors are sentences for the user.
pub async fn run(
    ctx: StepContext,
    action: Action,
    inputs: Vec<(String, Value)>,
) -> Result<StepOutput, String> {
    if ctx.cancelled() {
        return Err(CANCELLED.to_string());
    }
    match action {
        Action::FetchData(fetch) => fetch_step(&ctx, &fetch).await,
        Action::RunLab(lab) => lab_step(ctx, lab, inputs).await,
        Action::PriceOption(option) => blocking(move || output::price_output(&option)).await,
        Action::SetGoal(_) => Err("set_goal cannot run as a trial step".to_string()),
        finance => finance_step(ctx, finance).await,
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| format!("the step's thread failed: {error}"))?
}

/// Fetches `request` through the gateway (audited), as `/api/data` does.
async fn fetch(ctx: &StepContext, request: &DataRequest) -> Result<(Series, bool), String> {
    fetch_audited(&ctx.state, &ctx.session, request, false)
        .await
        .map(|response| (response.series, response.cached))
        .map_err(|problem| format!("{} ({})", problem.detail(), problem.code()))
}

async fn fetch_step(ctx: &StepContext, action: &FetchData) -> Result<StepOutput, String> {
    let (series, cached) = fetch(ctx, &action.data_request()).await?;
    output::fetch_output(&series, cached)
}

async fn lab_step(
    ctx: StepContext,
    lab: RunLab,
    inputs: Vec<(String, Value)>,
) -> Result<StepOutput, String> {
    let (series, from) = match output::input_series(&inputs) {
        Some((id, series)) => (series, Some(id)),
        None => (fetch(&ctx, &lab.data_request()).await?.0, None),
    };
    blocking(move || lab_compute(&ctx, &lab, &series, from)).await
}

fn lab_compute(
    ctx: &StepContext,
    lab: &RunLab,
    series: &Series,
    from: Option<String>,
) -> Result<StepOutput, String> {
    let (data, _, config) = output::lab_dataset(lab, series)?;
    let entries = output::lab_entries(lab)?;
    let cancelled = || ctx.cancelled();
    let outcomes = evaluate_many(&entries, &data, &config, &cancelled, &mut |progress| {
        let word = if progress.result.is_ok() {
            "done"
        } else {
            "failed"
        };
        (ctx.progress)(
            progress.done as f64 / progress.total.max(1) as f64,
            format!(
                "{} {word} ({}/{})",
                progress.name, progress.done, progress.total
            ),
        );
    });
    if ctx.cancelled() {
        return Err(CANCELLED.to_string());
    }
    let outcomes: Vec<_> = outcomes
        .into_iter()
        .map(|o| (o.name, o.result.map_err(|e| e.to_string())))
        .collect();
    output::lab_output(lab, series, data.len(), from.as_deref(), &outcomes)
}

async fn finance_step(ctx: StepContext, action: Action) -> Result<StepOutput, String> {
    let requests = match &action {
        Action::OptimisePortfolio(a) => a.data_requests(),
        Action::RiskReport(a) => a.data_requests(),
        Action::Backtest(a) => vec![a.data_request()],
        other => return Err(format!("{} cannot run as a trial step", other.tool_name())),
    };
    let mut series = Vec::with_capacity(requests.len());
    for (i, request) in requests.iter().enumerate() {
        if ctx.cancelled() {
            return Err(CANCELLED.to_string());
        }
        series.push(fetch(&ctx, request).await?.0);
        (ctx.progress)(
            (i + 1) as f64 / (requests.len() + 1) as f64,
            format!("fetched {}", request.symbol),
        );
    }
    blocking(move || output::finance_output(&action, &series)).await
}
