//! `/api/goal`: the user's current goal and its history. A new goal is
//! checked against the rules; the verdict is stored and audited with it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use shared::api::{Goal, GoalRequest, GoalState};
use shared::compliance::check_goal;

use super::json::ApiJson;
use crate::auth::{Session, Writer};
use crate::problem::Problem;
use crate::state::AppState;
use crate::store::audit::{self, AuditEvent};
use crate::store::{goals, now_ms};

/// `GET /api/goal`: current goal and history, newest first.
pub async fn get_goal(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<GoalState>, Problem> {
    let user_id = session.user_id;
    let mut history = state
        .store
        .read(move |c| goals::history(c, user_id).map_err(Problem::from))
        .await?;
    let current = (!history.is_empty()).then(|| history.remove(0));
    Ok(Json(GoalState { current, history }))
}

/// `PUT /api/goal`: 201 with the stored goal, or 422 with the refusing
/// verdict (the previous goal stays current).
pub async fn put_goal(
    State(state): State<AppState>,
    Writer(session): Writer,
    ApiJson(request): ApiJson<GoalRequest>,
) -> Result<(StatusCode, Json<Goal>), Problem> {
    let verdict = check_goal(&state.rules, &request);
    let detail = serde_json::json!({ "text": request.text, "sources": request.sources });
    if !verdict.allowed {
        return Err(state.refuse(&session, "goal.set", verdict, detail).await);
    }
    let goal = state
        .store
        .write(move |tx| {
            let goal = goals::insert(tx, session.user_id, &request, &verdict, now_ms())?;
            audit::append(
                tx,
                &AuditEvent::new(Some(session.user_id), &session.username, "goal.set")
                    .verdict(&verdict)
                    .detail(detail),
            )?;
            Ok::<_, Problem>(goal)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(goal)))
}
