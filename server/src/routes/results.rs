//! `/api/results`: finished runs recorded with their compliance verdict.
//! Refused results are audited and not stored.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use shared::api::{ResultRecord, StoredResult};
use shared::compliance::check_result;

use super::json::ApiJson;
use crate::auth::{Session, Writer};
use crate::problem::Problem;
use crate::state::AppState;
use crate::store::audit::{self, AuditEvent};
use crate::store::{now_ms, results};

/// `GET /api/results`: the user's results, newest first (at most 500).
pub async fn list_results(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<Vec<StoredResult>>, Problem> {
    let user_id = session.user_id;
    let list = state
        .store
        .read(move |c| results::list(c, user_id, 500).map_err(Problem::from))
        .await?;
    Ok(Json(list))
}

/// `POST /api/results`: 201 with the stored result, or 422 with the verdict.
/// A record whose `client_id` this user has already recorded is answered
/// 200 with the row stored then (whatever the repeat holds), adding no row
/// and no audit entry: the browser's outbox retries until it hears back.
pub async fn record(
    State(state): State<AppState>,
    Writer(session): Writer,
    ApiJson(record): ApiJson<ResultRecord>,
) -> Result<(StatusCode, Json<StoredResult>), Problem> {
    state
        .limits
        .expensive(&format!("user:{}", session.user_id))?;
    let user_id = session.user_id;
    if let Some(client_id) = record.client_id.clone() {
        let earlier = state
            .store
            .read(move |c| {
                results::find_by_client_id(c, user_id, &client_id).map_err(Problem::from)
            })
            .await?;
        if let Some(earlier) = earlier {
            return Ok((StatusCode::OK, Json(earlier)));
        }
    }
    let verdict = check_result(&state.rules, &record);
    let detail = serde_json::json!({
        "model": record.model, "family": record.family, "source": record.source,
        "symbol": record.symbol, "seed": record.seed,
    });
    if !verdict.allowed {
        return Err(state
            .refuse(&session, "result.record", verdict, detail)
            .await);
    }
    let outcome = state
        .store
        .write(move |tx| {
            // A repeat that raced past the read above finds the row here,
            // inside the one writer's transaction.
            if let Some(client_id) = &record.client_id {
                if let Some(earlier) = results::find_by_client_id(tx, user_id, client_id)? {
                    return Ok::<_, Problem>((StatusCode::OK, earlier));
                }
            }
            let stored = insert_audited(tx, &session, &record, &verdict)?;
            Ok((StatusCode::CREATED, stored))
        })
        .await?;
    Ok((outcome.0, Json(outcome.1)))
}

/// Stores an allowed `record` for `session` with its `result.record` audit
/// entry, inside the caller's transaction: the one write path of
/// `POST /api/results` and of trial steps.
pub fn insert_audited(
    tx: &rusqlite::Transaction<'_>,
    session: &Session,
    record: &ResultRecord,
    verdict: &shared::compliance::Verdict,
) -> Result<StoredResult, crate::store::StoreError> {
    let stored = results::insert(tx, session.user_id, record, verdict, now_ms())?;
    let run = serde_json::json!({
        "model": record.model, "family": record.family, "source": record.source,
        "symbol": record.symbol, "seed": record.seed,
    });
    audit::append(
        tx,
        &AuditEvent::new(Some(session.user_id), &session.username, "result.record")
            .verdict(verdict)
            .provenance(&record.data_hash)
            .detail(serde_json::json!({ "result_id": stored.id, "run": run })),
    )?;
    Ok(stored)
}
