//! The one run path of the finance actions in the browser
//! (`optimise_portfolio`, `risk_report`, `backtest`), shared by the chat's
//! cards and the Portfolio, Risk and Backtest screens: fetch the series
//! through the compliance gateway, then compute with
//! [`shared::execute::run`] in the finance worker ([`runner`],
//! [`protocol`]; `src/bin/finance_worker.rs`). When the gateway cannot be
//! reached at all and every series is `bundled`, the worker uses its own
//! copy of the bundled data and the run is marked offline; a refusal by the
//! server is never worked around. Finished runs are recorded through the
//! server by [`outbox`] ([`record`]).
//!
//! Must not compute a financial figure on the page thread or fetch around
//! the gateway.

pub mod outbox;
pub mod protocol;
pub mod record;
pub mod runner;

use shared::actions::Action;
use shared::api::DataRequest;
use shared::data::Series;
use shared::execute::FinanceOutcome;

use crate::api::{self, ApiError};
pub use outbox::record;
use protocol::FinanceRequest;
pub use runner::Cancel;

/// Where a run stands, for the caller's progress text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Fetching this many series through the gateway.
    Fetching(usize),
    /// The computation is running.
    Computing,
}

/// A finished run: the outcome and the series it used (for charts and
/// exports).
#[derive(Clone, Debug, PartialEq)]
pub struct FinanceRun {
    /// What the shared library computed.
    pub outcome: FinanceOutcome,
    /// The series, in the order of the action's data requests.
    pub series: Vec<Series>,
    /// Whether the gateway could not be reached and the worker used its
    /// own copy of the bundled data (the screens say so).
    pub offline: bool,
    /// Each series' content hash (its provenance), in the same order.
    pub data_hashes: Vec<String>,
}

/// The data requests of a finance action, in the order
/// [`shared::execute::run`] expects; an error for any other action.
pub fn data_requests(action: &Action) -> Result<Vec<DataRequest>, String> {
    match action {
        Action::OptimisePortfolio(a) => Ok(a.data_requests()),
        Action::RiskReport(a) => Ok(a.data_requests()),
        Action::Backtest(a) => Ok(vec![a.data_request()]),
        other => Err(format!("{} is not a finance action", other.tool_name())),
    }
}

/// Fetches every request through the gateway, in order; the first failure
/// is the error, with the symbol it concerned.
async fn fetch_each(requests: &[DataRequest]) -> Result<Vec<Series>, (ApiError, String)> {
    let mut out = Vec::with_capacity(requests.len());
    for request in requests {
        let response = api::data(request)
            .await
            .map_err(|e| (e.clone(), format!("{}: {}", request.symbol, e.message())))?;
        out.push(response.series);
    }
    Ok(out)
}

/// Fetches every request through the gateway, in order; the first failure
/// is the error.
pub async fn fetch_all(requests: &[DataRequest]) -> Result<Vec<Series>, String> {
    fetch_each(requests).await.map_err(|(_, message)| message)
}

/// Whether a fetch that failed with `error` may run on the worker's own
/// bundled copy instead: only when no answer came at all (a refusal or any
/// other answer of the server counts) and every request is `bundled`.
pub fn may_run_offline(requests: &[DataRequest], error: &ApiError) -> bool {
    error.is_network() && !requests.is_empty() && requests.iter().all(|r| r.source == "bundled")
}

/// Runs a finance `action`: fetches its series through the gateway, then
/// computes in the finance worker. `on_stage` hears each stage as it
/// begins. Offline on bundled data the worker loads its own copy
/// ([`FinanceRun::offline`]).
pub async fn run(action: Action, on_stage: impl Fn(Stage)) -> Result<FinanceRun, String> {
    run_with(action, on_stage, &Cancel::default()).await
}

/// [`run`] with a cancel switch: [`Cancel::cancel`] terminates the worker
/// and the run ends with `Err("cancelled")`.
pub async fn run_with(
    action: Action,
    on_stage: impl Fn(Stage),
    cancel: &Cancel,
) -> Result<FinanceRun, String> {
    let requests = data_requests(&action)?;
    on_stage(Stage::Fetching(requests.len()));
    let (request, sent, offline) = match fetch_each(&requests).await {
        Ok(series) => (
            FinanceRequest::Run {
                action,
                series: series.clone(),
            },
            Some(series),
            false,
        ),
        Err((error, _)) if may_run_offline(&requests, &error) => {
            (FinanceRequest::RunBundled { action }, None, true)
        }
        Err((_, message)) => return Err(message),
    };
    on_stage(Stage::Computing);
    let (outcome, loaded) = runner::compute(&request, cancel).await?;
    let series = sent.or(loaded).unwrap_or_default();
    let data_hashes = series
        .iter()
        .map(|s| s.provenance().content_hash.clone())
        .collect();
    Ok(FinanceRun {
        outcome,
        series,
        offline,
        data_hashes,
    })
}

/// Backtests `action` (a `backtest`) with `signal` in place of its rule (a
/// Lab model's walk-forward positions) in the finance worker, on its
/// series fetched through the gateway. No offline copy: the positions came
/// from a Lab run on the server's data.
pub async fn run_signal(
    action: Action,
    signal: shared::backtest::Signal,
    on_stage: impl Fn(Stage),
) -> Result<FinanceRun, String> {
    let requests = data_requests(&action)?;
    on_stage(Stage::Fetching(requests.len()));
    let series = fetch_all(&requests).await?;
    on_stage(Stage::Computing);
    let request = FinanceRequest::RunSignal {
        action,
        series: series.clone(),
        signal,
    };
    let (outcome, _) = runner::compute(&request, &Cancel::default()).await?;
    let data_hashes = series
        .iter()
        .map(|s| s.provenance().content_hash.clone())
        .collect();
    Ok(FinanceRun {
        outcome,
        series,
        offline: false,
        data_hashes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(source: &str) -> DataRequest {
        DataRequest {
            source: source.into(),
            symbol: "sp500".into(),
            from: None,
            to: None,
            timespan: None,
            multiplier: None,
        }
    }

    #[test]
    fn only_no_answer_on_bundled_data_runs_offline() {
        let network = ApiError::Network {
            message: "Failed to fetch".into(),
        };
        let refused = ApiError::Server {
            status: 422,
            code: "compliance_refused".into(),
            detail: "no".into(),
            verdict: None,
        };
        let down = ApiError::Server {
            status: 503,
            code: "unavailable".into(),
            detail: "down".into(),
            verdict: None,
        };
        let bundled = [request("bundled"), request("bundled")];
        assert!(may_run_offline(&bundled, &network));
        assert!(!may_run_offline(&bundled, &refused));
        assert!(!may_run_offline(&bundled, &down));
        assert!(!may_run_offline(
            &[request("bundled"), request("user_upload")],
            &network
        ));
        assert!(!may_run_offline(&[], &network));
    }
}
