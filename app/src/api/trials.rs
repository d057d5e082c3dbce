//! Trials over HTTP: start a plan, list the user's trials, read one with
//! its events after a sequence number, cancel one; for a trial this
//! browser runs, report its steps, renew its lease, or hand it to the
//! server. Plain typed calls over `client::call`; the live socket is in
//! `live`.

use super::client::{call, Method};
use super::error::ApiError;
use super::query::{encode_component, with_query};
use shared::api::{LeaseAnswer, StepReport, TrialDetail, TrialSummary};
use shared::trial::Plan;

/// `POST /api/trials?host=browser`: stores `plan` as a trial this browser
/// runs (the server does not run it unless it takes it over).
pub async fn start_trial_in_browser(plan: &Plan) -> Result<TrialSummary, ApiError> {
    call(Method::Post, "/api/trials?host=browser", Some(plan)).await
}

/// `POST /api/trials/{id}/steps/{step}`: reports on a step of a trial
/// this browser runs (409 `trial_taken_over` once the server runs it).
pub async fn report_step(
    id: i64,
    step: &str,
    report: &StepReport,
) -> Result<LeaseAnswer, ApiError> {
    call(Method::Post, &step_url(id, step), Some(report)).await
}

/// `POST /api/trials/{id}/heartbeat`: renews this browser's lease.
pub async fn trial_heartbeat(id: i64) -> Result<LeaseAnswer, ApiError> {
    call::<_, ()>(Method::Post, &format!("/api/trials/{id}/heartbeat"), None).await
}

/// `POST /api/trials/{id}/resume`: the server takes a browser's trial
/// over now and runs its remaining steps.
pub async fn resume_trial_on_server(id: i64) -> Result<TrialSummary, ApiError> {
    call::<_, ()>(Method::Post, &format!("/api/trials/{id}/resume"), None).await
}

/// The path of one step's reports.
pub fn step_url(id: i64, step: &str) -> String {
    format!("/api/trials/{id}/steps/{}", encode_component(step))
}

/// `POST /api/trials`: starts `plan` as a background trial (422
/// `invalid_plan` naming the step and the reason when it is refused).
pub async fn start_trial(plan: &Plan) -> Result<TrialSummary, ApiError> {
    call(Method::Post, "/api/trials", Some(plan)).await
}

/// `POST /api/trials` with plan JSON as the user typed it: the server
/// parses it, so its refusal names the step (422 `invalid_plan`). Text that
/// is not JSON at all is refused here, naming the parse error.
pub async fn start_trial_json(text: &str) -> Result<TrialSummary, ApiError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| ApiError::Server {
        status: 422,
        code: "invalid_plan".to_string(),
        detail: format!("plan: not valid JSON: {e}"),
        verdict: None,
    })?;
    call(Method::Post, "/api/trials", Some(&value)).await
}

/// `GET /api/trials`: the user's trials, newest first.
pub async fn trials() -> Result<Vec<TrialSummary>, ApiError> {
    call::<_, ()>(Method::Get, "/api/trials", None).await
}

/// `GET /api/trials/{id}?after=SEQ`: the trial, its steps and its events
/// after `after` (all when `None`).
pub async fn trial(id: i64, after: Option<u64>) -> Result<TrialDetail, ApiError> {
    call::<_, ()>(Method::Get, &trial_url(id, after), None).await
}

/// `POST /api/trials/{id}/cancel`: the trial, now cancelling (or as it
/// ended).
pub async fn cancel_trial(id: i64) -> Result<TrialSummary, ApiError> {
    call::<_, ()>(Method::Post, &format!("/api/trials/{id}/cancel"), None).await
}

/// The path of one trial's detail, with `?after=` when given.
pub fn trial_url(id: i64, after: Option<u64>) -> String {
    with_query(
        &format!("/api/trials/{id}"),
        &[("after", after.map(|seq| seq.to_string()))],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_urls_carry_after_only_when_given() {
        assert_eq!(trial_url(7, None), "/api/trials/7");
        assert_eq!(trial_url(7, Some(42)), "/api/trials/7?after=42");
        assert_eq!(step_url(7, "a-b_c"), "/api/trials/7/steps/a-b_c");
    }
}
