//! `/api/data`: one series from an approved source. The compliance gateway
//! decides first; a refused request is audited and never reaches a
//! provider. Every answer (cached or fetched) is audited with its
//! provenance hash.

use axum::extract::{Query, State};
use axum::Json;
use shared::api::{DataRequest, DataResponse, DatasetSummary};
use shared::compliance::check_data_request;

use crate::auth::Session;
use crate::data_proxy::bundled_catalog;
use crate::problem::Problem;
use crate::state::{today, AppState};
use crate::store::audit::AuditEvent;

/// `GET /api/data?source=&symbol=&from=&to=&timespan=&multiplier=`.
pub async fn get_data(
    State(state): State<AppState>,
    session: Session,
    query: Result<Query<DataRequest>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<DataResponse>, Problem> {
    let Query(request) = query.map_err(|rejection| Problem::invalid(rejection.body_text()))?;
    fetch_audited(&state, &session, &request, true)
        .await
        .map(Json)
}

/// Serves `request` for `session` through the compliance gateway: the
/// verdict first (a refusal is audited and answered 422, and never reaches
/// a provider), then the per-user rate limit when `rate_limited`, then the
/// data proxy; every answer and failure is audited with its provenance.
/// The one fetch path of `/api/data` and of trial steps.
pub async fn fetch_audited(
    state: &AppState,
    session: &Session,
    request: &DataRequest,
    rate_limited: bool,
) -> Result<DataResponse, Problem> {
    let verdict = check_data_request(&state.rules, request, today());
    let detail = serde_json::to_value(request).unwrap_or_default();
    state.metrics.verdict("data.fetch", verdict.allowed);
    if !verdict.allowed {
        return Err(state.refuse(session, "data.fetch", verdict, detail).await);
    }
    if rate_limited {
        state
            .limits
            .expensive(&format!("user:{}", session.user_id))?;
    }
    let fetched = state
        .data
        .fetch(&state.store, session.user_id, request)
        .await;
    let fetched = match fetched {
        Ok(fetched) => fetched,
        Err(problem) => {
            let event = AuditEvent::new(
                Some(session.user_id),
                &session.username,
                "data.fetch_failed",
            )
            .verdict(&verdict)
            .detail(serde_json::json!({ "request": detail, "code": problem.code() }));
            state.audit(event).await?;
            return Err(problem);
        }
    };
    let provenance = fetched.series.provenance();
    let event = AuditEvent::new(Some(session.user_id), &session.username, "data.fetch")
        .verdict(&verdict)
        .provenance(&provenance.content_hash)
        .detail(serde_json::json!({
            "request": detail,
            "cached": fetched.cached,
            "origin": provenance.origin,
            "rows": provenance.rows,
            "first": provenance.first.to_string(),
            "last": provenance.last.to_string(),
        }));
    state.audit(event).await?;
    Ok(DataResponse {
        verdict,
        cached: fetched.cached,
        series: fetched.series,
    })
}

/// `GET /api/data/bundled`: the bundled datasets with provenance.
pub async fn bundled(_session: Session) -> Json<Vec<DatasetSummary>> {
    Json(bundled_catalog())
}
