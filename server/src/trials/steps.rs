//! One trial step, run natively with the code the rest of the server and
//! the app already use: `fetch_data` through the compliance gateway
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

use serde_json::{json, Value};
use shared::actions::{Action, FetchData, PriceOption, RunLab};
use shared::api::{DataRequest, ResultRecord};
use shared::data::Series;
use shared::features::{build_dataset, FeatureSpec};
use shared::models::{evaluate_many, CatalogEntry};
use shared::pricing::{valuation, Model};

use crate::auth::Session;
use crate::routes::data::fetch_audited;
use crate::state::AppState;

/// Steps of the CRR tree for American options (as in the app's chat card).
pub const AMERICAN_STEPS: usize = 500;
/// The reason a step reports when it stopped for a cancel.
pub const CANCELLED: &str = "cancelled";

/// What a step produced.
#[derive(Debug, Clone, PartialEq)]
pub struct StepOutput {
    /// A short summary, sent in the step's event.
    pub summary: Value,
    /// The full output, stored with the step and passed to dependants
    /// (for `fetch_data`, the series).
    pub output: Value,
    /// Model results to record, as `POST /api/results` would.
    pub results: Vec<ResultRecord>,
}

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
        Action::PriceOption(option) => blocking(move || price_step(&option)).await,
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
    let provenance = series.provenance();
    let summary = json!({
        "source": provenance.source, "symbol": provenance.symbol, "rows": provenance.rows,
        "first": provenance.first.to_string(), "last": provenance.last.to_string(),
        "content_hash": provenance.content_hash, "cached": cached,
    });
    let output = serde_json::to_value(&series).map_err(|e| e.to_string())?;
    Ok(StepOutput {
        summary,
        output,
        results: Vec::new(),
    })
}

/// The first input that is a series (a `fetch_data` step's output).
fn input_series(inputs: &[(String, Value)]) -> Option<(String, Series)> {
    inputs.iter().find_map(|(id, value)| {
        serde_json::from_value::<Series>(value.clone())
            .ok()
            .map(|series| (id.clone(), series))
    })
}

async fn lab_step(
    ctx: StepContext,
    lab: RunLab,
    inputs: Vec<(String, Value)>,
) -> Result<StepOutput, String> {
    let (series, from) = match input_series(&inputs) {
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
    let horizon = usize::try_from(lab.horizon).map_err(|e| e.to_string())?;
    let data =
        build_dataset(series, &FeatureSpec::default(), horizon).map_err(|e| e.to_string())?;
    let config = lab.walk_forward();
    config
        .validate_for_horizon(horizon)
        .map_err(|e| e.to_string())?;
    let entries: Vec<CatalogEntry> = lab
        .models()
        .iter()
        .map(|name| {
            shared::models::entry(name).ok_or_else(|| format!("{name} is not in the model catalog"))
        })
        .collect::<Result<_, _>>()?;
    if entries.is_empty() {
        return Err("no catalog model fits this run's scope and target".to_string());
    }
    let provenance = series.provenance();
    // Results are recorded under the run's own source and dataset id (as
    // the app's lab session does), not the provider's ticker.
    let (source, symbol) = (lab.source.as_str(), lab.symbol.as_str());
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
    let mut models = Vec::new();
    let mut results = Vec::new();
    for outcome in &outcomes {
        match &outcome.result {
            Ok(report) => {
                let record = report.to_result_record(source, symbol);
                models.push(json!({"model": outcome.name, "metrics": record.metrics}));
                results.push(record);
            }
            Err(error) => models.push(json!({"model": outcome.name, "error": error.to_string()})),
        }
    }
    if results.is_empty() {
        return Err(format!(
            "every model failed: {}",
            outcomes
                .iter()
                .filter_map(|o| o.result.as_ref().err().map(|e| format!("{}: {e}", o.name)))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    let summary = json!({
        "models": models.len(), "succeeded": results.len(), "rows": data.len(),
        "data_hash": provenance.content_hash, "input": from,
    });
    Ok(StepOutput {
        summary,
        output: json!({ "models": models }),
        results,
    })
}

fn price_step(option: &PriceOption) -> Result<StepOutput, String> {
    let params = option.params().map_err(|e| e.to_string())?;
    let model = Model {
        exercise: option.exercise(),
        steps: AMERICAN_STEPS,
    };
    let value = valuation(&params, &model).map_err(|e| e.to_string())?;
    let output = serde_json::to_value(value).map_err(|e| e.to_string())?;
    Ok(StepOutput {
        summary: json!({ "price": value.price }),
        output,
        results: Vec::new(),
    })
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
    let tool = action.tool_name();
    blocking(move || {
        let outcome = shared::execute::run(&action, &series)?;
        let output = serde_json::to_value(&outcome).map_err(|e| e.to_string())?;
        Ok(StepOutput {
            summary: json!({ "kind": tool, "series": series.len() }),
            output,
            results: Vec::new(),
        })
    })
    .await
}
