//! `/api/audit`: the audit trail (admins see everyone's entries, others
//! their own) and the chain verification.

use axum::extract::{Query, State};
use axum::Json;
use shared::api::{AuditPage, AuditQuery, ChainReport};

use crate::auth::Session;
use crate::problem::Problem;
use crate::state::AppState;
use crate::store::audit::{self, Scope};

/// `GET /api/audit?user_id=&kind=&verdict=&from=&to=&before=&limit=`.
pub async fn list(
    State(state): State<AppState>,
    session: Session,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AuditPage>, Problem> {
    let Query(query) = query.map_err(|rejection| Problem::invalid(rejection.body_text()))?;
    if let Some(verdict) = &query.verdict {
        if !matches!(verdict.as_str(), "allowed" | "refused" | "none") {
            return Err(Problem::invalid(format!(
                "verdict \"{verdict}\" must be allowed, refused or none"
            )));
        }
    }
    for (field, date) in [("from", &query.from), ("to", &query.to)] {
        if let Some(date) = date {
            shared::pricing::dates::Date::parse(date)
                .map_err(|error| Problem::invalid(format!("{field}: {error}")))?;
        }
    }
    let scope = if session.is_admin() {
        Scope::Everyone
    } else {
        if query.user_id.is_some_and(|id| id != session.user_id) {
            return Err(Problem::forbidden(
                "only admins may read other users' audit entries",
            ));
        }
        Scope::User(session.user_id)
    };
    let page = state
        .store
        .read(move |c| audit::list(c, &query, scope).map_err(Problem::from))
        .await?;
    Ok(Json(page))
}

/// `GET /api/audit/verify`: walks the whole chain.
pub async fn verify(
    State(state): State<AppState>,
    _session: Session,
) -> Result<Json<ChainReport>, Problem> {
    let report = state
        .store
        .read(|c| audit::verify(c).map_err(Problem::from))
        .await?;
    Ok(Json(report))
}
