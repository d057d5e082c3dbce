//! `/api/trials`: start a plan as a background trial (`?host=browser`: run
//! by the browser's workers), list the user's trials, read one (with its
//! events after a sequence number) and cancel one; a browser trial's step
//! reports, heartbeat, and the user's resume on the server. Viewers may
//! read but not start, report or cancel. The runner ([`crate::trials`])
//! stores and audits; this file only answers HTTP.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use shared::api::{
    LeaseAnswer, StartQuery, StepReport, TrialDetail, TrialHost, TrialQuery, TrialSummary,
};
use shared::trial::Plan;

use super::json::ApiJson;
use crate::auth::{Session, Writer};
use crate::problem::Problem;
use crate::state::AppState;
use crate::store::audit::AuditEvent;
use crate::store::trials;

/// Most trials listed.
const LIST_LIMIT: u32 = 200;

/// `POST /api/trials?host=browser|server`: 201 with the trial, or 422
/// `invalid_plan` naming the step and the reason.
pub async fn start(
    State(state): State<AppState>,
    Writer(session): Writer,
    query: Result<Query<StartQuery>, axum::extract::rejection::QueryRejection>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<TrialSummary>), Problem> {
    let Query(query) = query.map_err(|rejection| Problem::invalid(rejection.body_text()))?;
    let host = query.host.unwrap_or(TrialHost::Server);
    state
        .limits
        .expensive(&format!("user:{}", session.user_id))?;
    let plan = match Plan::from_value(body) {
        Ok(plan) => plan,
        Err(error) => {
            let event = AuditEvent::new(Some(session.user_id), &session.username, "trial.refused")
                .detail(serde_json::json!({
                    "step": error.step, "index": error.index, "rule_id": error.rule_id,
                    "reason": error.reason,
                }));
            state.audit(event).await?;
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_plan",
                error.to_string(),
            ));
        }
    };
    let summary = state
        .trials
        .start_hosted(&state, &session, plan, host)
        .await?;
    Ok((StatusCode::CREATED, Json(summary)))
}

/// `GET /api/trials`: the user's trials, newest first.
pub async fn list(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<Vec<TrialSummary>>, Problem> {
    let user_id = session.user_id;
    let list = state
        .store
        .read(move |c| trials::list(c, user_id, LIST_LIMIT).map_err(Problem::from))
        .await?;
    Ok(Json(list))
}

/// `GET /api/trials/{id}?after=SEQ`: the trial, its steps and its events
/// after `SEQ`; 404 if it is not the user's.
pub async fn detail(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    query: Result<Query<TrialQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<TrialDetail>, Problem> {
    let Query(query) = query.map_err(|rejection| Problem::invalid(rejection.body_text()))?;
    let user_id = session.user_id;
    let after = query.after.unwrap_or(0);
    state
        .store
        .read(move |c| trials::detail(c, user_id, id, after).map_err(Problem::from))
        .await?
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("no trial {id}")))
}

/// `POST /api/trials/{id}/cancel`: the trial, now cancelling (or as it
/// ended); 404 if it is not the user's.
pub async fn cancel(
    State(state): State<AppState>,
    Writer(session): Writer,
    Path(id): Path<i64>,
) -> Result<Json<TrialSummary>, Problem> {
    state.trials.cancel(&state, &session, id).await.map(Json)
}

/// `POST /api/trials/{id}/steps/{step}`: the browser running trial `id`
/// reports on `step` (started, progress, done with its output and results,
/// failed). 404 if the trial is not the user's; 409 `trial_taken_over`
/// once the server runs it, `trial_finished` once it ended,
/// `step_conflict` when the step is not in the state the report needs.
pub async fn report(
    State(state): State<AppState>,
    Writer(session): Writer,
    Path((id, step)): Path<(i64, String)>,
    ApiJson(report): ApiJson<StepReport>,
) -> Result<Json<LeaseAnswer>, Problem> {
    crate::trials::browser::report(&state, &session, id, step, report)
        .await
        .map(Json)
}

/// `POST /api/trials/{id}/heartbeat`: renews the browser's lease on trial
/// `id`; the answer says whether a cancel was asked for.
pub async fn heartbeat(
    State(state): State<AppState>,
    Writer(session): Writer,
    Path(id): Path<i64>,
) -> Result<Json<LeaseAnswer>, Problem> {
    crate::trials::browser::heartbeat(&state, &session, id)
        .await
        .map(Json)
}

/// `POST /api/trials/{id}/resume`: the server takes the user's browser
/// trial over now and runs its remaining steps (409 `not_in_browser` if it
/// is not an unfinished browser trial).
pub async fn resume(
    State(state): State<AppState>,
    Writer(session): Writer,
    Path(id): Path<i64>,
) -> Result<Json<TrialSummary>, Problem> {
    crate::trials::browser::resume_on_server(&state, &session, id)
        .await
        .map(Json)
}
