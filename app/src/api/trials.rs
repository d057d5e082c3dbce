//! Trials over HTTP: start a plan, list the user's trials, read one with
//! its events after a sequence number, cancel one. Plain typed calls over
//! `client::call`; the live socket is in `live`.

use super::client::{call, Method};
use super::error::ApiError;
use super::query::with_query;
use shared::api::{TrialDetail, TrialSummary};
use shared::trial::Plan;

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
    }
}
