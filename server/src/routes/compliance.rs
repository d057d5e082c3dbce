//! `/api/compliance/*`: the rules in force, and a verdict for a data
//! request before anything is fetched (audited like every verdict).

use axum::extract::State;
use axum::Json;
use shared::api::DataRequest;
use shared::compliance::{check_data_request, RulesDocument, Verdict};

use super::json::ApiJson;
use crate::auth::Session;
use crate::problem::Problem;
use crate::state::{today, AppState};
use crate::store::audit::AuditEvent;

/// `GET /api/compliance/rules`.
pub async fn rules(State(state): State<AppState>, _session: Session) -> Json<RulesDocument> {
    Json(state.rules.document())
}

/// `POST /api/compliance/check`: the verdict, allowed or refused, as 200.
pub async fn check(
    State(state): State<AppState>,
    session: Session,
    ApiJson(request): ApiJson<DataRequest>,
) -> Result<Json<Verdict>, Problem> {
    let verdict = check_data_request(&state.rules, &request, today());
    state
        .audit(
            AuditEvent::new(Some(session.user_id), &session.username, "compliance.check")
                .verdict(&verdict)
                .detail(serde_json::to_value(&request).unwrap_or_default()),
        )
        .await?;
    Ok(Json(verdict))
}
