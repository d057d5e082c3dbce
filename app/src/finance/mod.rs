//! The one run path of the finance actions in the browser
//! (`optimise_portfolio`, `risk_report`, `backtest`), shared by the chat's
//! cards and the Portfolio, Risk and Backtest screens: fetch the series
//! through the compliance gateway, then compute with
//! [`shared::execute::run`].
//!
//! Must not compute a financial figure itself or fetch around the gateway.

use std::time::Duration;

use futures::channel::oneshot;
use leptos::prelude::set_timeout;
use shared::actions::Action;
use shared::api::DataRequest;
use shared::data::Series;
use shared::execute::FinanceOutcome;

use crate::api;

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
/// is the error.
pub async fn fetch_all(requests: &[DataRequest]) -> Result<Vec<Series>, String> {
    let mut out = Vec::with_capacity(requests.len());
    for request in requests {
        let response = api::data(request)
            .await
            .map_err(|e| format!("{}: {}", request.symbol, e.message()))?;
        out.push(response.series);
    }
    Ok(out)
}

/// Waits until the browser has painted (a short timer), so progress text
/// set just before a long computation is on screen while it runs.
async fn after_paint() {
    let (done, wait) = oneshot::channel();
    set_timeout(
        move || {
            let _ = done.send(());
        },
        Duration::from_millis(30),
    );
    let _ = wait.await;
}

/// Runs a finance `action`: fetches its series through the gateway, then
/// computes. `on_stage` hears each stage as it begins.
pub async fn run(action: Action, on_stage: impl Fn(Stage)) -> Result<FinanceRun, String> {
    let requests = data_requests(&action)?;
    on_stage(Stage::Fetching(requests.len()));
    let series = fetch_all(&requests).await?;
    on_stage(Stage::Computing);
    after_paint().await;
    let outcome = shared::execute::run(&action, &series)?;
    Ok(FinanceRun { outcome, series })
}
