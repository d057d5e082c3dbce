//! `/api/autonomous`: start an autonomous run with a goal, data and a hard
//! budget, list the user's runs, read one (rounds, proposals, verdicts,
//! trial ids, results, spend, stop reason) and stop one. Viewers may read
//! but not start or stop. The loop ([`crate::autonomous`]) stores and
//! audits; this file only answers HTTP.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use shared::api::{AutonomousDetail, AutonomousRequest, AutonomousSummary};

use super::json::ApiJson;
use crate::auth::{Session, Writer};
use crate::problem::Problem;
use crate::state::AppState;
use crate::store::autonomous;

/// Most runs listed.
const LIST_LIMIT: u32 = 200;

/// `POST /api/autonomous`: 201 with the run; 422 naming the field and its
/// range when the budget, goal or data is refused.
pub async fn start(
    State(state): State<AppState>,
    Writer(session): Writer,
    ApiJson(request): ApiJson<AutonomousRequest>,
) -> Result<(StatusCode, Json<AutonomousSummary>), Problem> {
    state
        .limits
        .expensive(&format!("user:{}", session.user_id))?;
    let summary = crate::autonomous::start(&state, &session, request).await?;
    Ok((StatusCode::CREATED, Json(summary)))
}

/// `GET /api/autonomous`: the user's runs, newest first.
pub async fn list(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<Vec<AutonomousSummary>>, Problem> {
    let user_id = session.user_id;
    let list = state
        .store
        .read(move |c| autonomous::list(c, user_id, LIST_LIMIT).map_err(Problem::from))
        .await?;
    Ok(Json(list))
}

/// `GET /api/autonomous/{id}`: the run with its rounds and leaderboard;
/// 404 if it is not the user's.
pub async fn detail(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Json<AutonomousDetail>, Problem> {
    let user_id = session.user_id;
    state
        .store
        .read(move |c| autonomous::detail(c, user_id, id).map_err(Problem::from))
        .await?
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("no autonomous run {id}")))
}

/// `POST /api/autonomous/{id}/stop`: the run, now stopping (or as it
/// ended); 404 if it is not the user's.
pub async fn stop(
    State(state): State<AppState>,
    Writer(session): Writer,
    Path(id): Path<i64>,
) -> Result<Json<AutonomousSummary>, Problem> {
    crate::autonomous::stop(&state, &session, id)
        .await
        .map(Json)
}
