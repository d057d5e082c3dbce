//! `/api/registry`: register a stored result as a version of a named
//! model, list names and versions, compare two, activate one, roll back,
//! export and re-import, and re-run a version to check that its metrics
//! reproduce. Every change is written with its audit entry in one
//! transaction (`registry.register`, `registry.import`,
//! `registry.activate`, `registry.rollback`); a re-run fetches through the
//! gateway (audited as `data.fetch`) and is audited as `registry.rerun`.
//! The pure parts (names, export format, comparison, re-run) are
//! `shared::registry`'s.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use shared::compliance::check_result;
use shared::registry::{
    compare, rerun_settings, validate_name, validate_note, ActivateRequest, CompareQuery,
    Comparison, ModelVersion, Origin, RegisterRequest, RegistryModel, Reproduction,
    RollbackRequest, VersionExport,
};

use super::json::ApiJson;
use crate::auth::{Session, Writer};
use crate::problem::Problem;
use crate::routes::data::fetch_audited;
use crate::state::AppState;
use crate::store::audit::{self, AuditEvent};
use crate::store::registry::{self, NewVersion};
use crate::store::{now_ms, results};

fn invalid(error: shared::registry::RegistryError) -> Problem {
    Problem::invalid(error.to_string())
}

fn no_version(name: &str, version: u32) -> Problem {
    Problem::not_found(format!("no version {version} of model {name:?}"))
}

/// `GET /api/registry`: the user's registered names.
pub async fn list(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<Vec<RegistryModel>>, Problem> {
    let user_id = session.user_id;
    let models = state
        .store
        .read(move |c| registry::models(c, user_id).map_err(Problem::from))
        .await?;
    Ok(Json(models))
}

/// `POST /api/registry`: 201 with the new version; 404 when the result is
/// not the user's; the first version of a name becomes active.
pub async fn register(
    State(state): State<AppState>,
    Writer(session): Writer,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<ModelVersion>), Problem> {
    validate_name(&body.name).map_err(invalid)?;
    validate_note(&body.note).map_err(invalid)?;
    let version = state
        .store
        .write(move |tx| {
            let stored = results::get(tx, session.user_id, body.result_id)?
                .ok_or_else(|| Problem::not_found(format!("no result {}", body.result_id)))?;
            let new = NewVersion {
                name: &body.name,
                result_id: Some(stored.id),
                origin: Origin::Result,
                note: &body.note,
                record: &stored.record,
            };
            let version = registry::insert(tx, session.user_id, &new, now_ms())?;
            audit_change(tx, &session, "registry.register", &version, None)?;
            Ok::<_, Problem>(version)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(version)))
}

/// Appends the audit entry of a change to `version` (with the version
/// active before, for activations and rollbacks).
fn audit_change(
    tx: &rusqlite::Transaction<'_>,
    session: &Session,
    kind: &str,
    version: &ModelVersion,
    previous: Option<u32>,
) -> Result<(), Problem> {
    let record = &version.record;
    audit::append(
        tx,
        &AuditEvent::new(Some(session.user_id), &session.username, kind)
            .provenance(&record.data_hash)
            .detail(serde_json::json!({
                "name": version.name, "version": version.version,
                "result_id": version.result_id, "previous_active": previous,
                "model": record.model, "seed": record.seed,
                "code_version": record.code_version,
            })),
    )?;
    Ok(())
}

/// `GET /api/registry/{name}`: every version, oldest first; 404 when the
/// user has none.
pub async fn versions(
    State(state): State<AppState>,
    session: Session,
    Path(name): Path<String>,
) -> Result<Json<Vec<ModelVersion>>, Problem> {
    validate_name(&name).map_err(invalid)?;
    let user_id = session.user_id;
    let wanted = name.clone();
    let list = state
        .store
        .read(move |c| registry::versions(c, user_id, &wanted).map_err(Problem::from))
        .await?;
    if list.is_empty() {
        return Err(Problem::not_found(format!("no model {name:?}")));
    }
    Ok(Json(list))
}

async fn version_of(
    state: &AppState,
    user_id: i64,
    name: String,
    version: u32,
) -> Result<ModelVersion, Problem> {
    let wanted = name.clone();
    state
        .store
        .read(move |c| registry::get(c, user_id, &wanted, version).map_err(Problem::from))
        .await?
        .ok_or_else(|| no_version(&name, version))
}

/// `GET /api/registry/{name}/compare?a=&b=`: two versions side by side.
pub async fn compare_versions(
    State(state): State<AppState>,
    session: Session,
    Path(name): Path<String>,
    query: Result<Query<CompareQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Comparison>, Problem> {
    validate_name(&name).map_err(invalid)?;
    let Query(query) = query.map_err(|rejection| Problem::invalid(rejection.body_text()))?;
    let a = version_of(&state, session.user_id, name.clone(), query.a).await?;
    let b = version_of(&state, session.user_id, name, query.b).await?;
    Ok(Json(compare(a, b)))
}

/// Makes `target` (or, with `None`, the highest version below the active
/// one) active, audited as `kind`; for a rollback the target must be
/// earlier than the active version.
async fn switch(
    state: &AppState,
    session: Session,
    name: String,
    target: Option<u32>,
    kind: &'static str,
) -> Result<ModelVersion, Problem> {
    validate_name(&name).map_err(invalid)?;
    state
        .store
        .write(move |tx| {
            let user_id = session.user_id;
            let current = registry::active(tx, user_id, &name)?;
            let rollback = kind == "registry.rollback";
            let version = match (target, current) {
                (Some(v), Some(active)) if rollback && v >= active => {
                    return Err(Problem::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid_rollback",
                        format!("version must be earlier than the active version {active}, got {v}"),
                    ))
                }
                (Some(v), _) => v,
                (None, Some(active)) => registry::versions(tx, user_id, &name)?
                    .iter()
                    .map(|v| v.version)
                    .filter(|&v| v < active)
                    .max()
                    .ok_or_else(|| {
                        Problem::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "invalid_rollback",
                            format!("no version of {name:?} is earlier than the active version {active}"),
                        )
                    })?,
                (None, None) => return Err(Problem::not_found(format!("no model {name:?}"))),
            };
            if registry::get(tx, user_id, &name, version)?.is_none() {
                return Err(no_version(&name, version));
            }
            registry::set_active(tx, user_id, &name, version, now_ms())?;
            let stored = registry::get(tx, user_id, &name, version)?
                .ok_or_else(|| no_version(&name, version))?;
            audit_change(tx, &session, kind, &stored, current)?;
            Ok(stored)
        })
        .await
}

/// `POST /api/registry/{name}/activate`: makes a version active (audited
/// `registry.activate`).
pub async fn activate(
    State(state): State<AppState>,
    Writer(session): Writer,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<ActivateRequest>,
) -> Result<Json<ModelVersion>, Problem> {
    switch(
        &state,
        session,
        name,
        Some(body.version),
        "registry.activate",
    )
    .await
    .map(Json)
}

/// `POST /api/registry/{name}/rollback`: back to an earlier version (the
/// one given, else the highest below the active one), audited
/// `registry.rollback`; 422 `invalid_rollback` when there is none.
pub async fn rollback(
    State(state): State<AppState>,
    Writer(session): Writer,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<ModelVersion>, Problem> {
    // The body is optional: none (or `{}`) means the previous version.
    let request: RollbackRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RollbackRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| Problem::invalid(format!("body: {e}")))?
    };
    let target = request.version;
    switch(&state, session, name, target, "registry.rollback")
        .await
        .map(Json)
}

/// `GET /api/registry/{name}/{version}/export`: the version as JSON.
pub async fn export(
    State(state): State<AppState>,
    session: Session,
    Path((name, version)): Path<(String, u32)>,
) -> Result<Json<VersionExport>, Problem> {
    let found = version_of(&state, session.user_id, name, version).await?;
    Ok(Json(VersionExport::of(&found)))
}

/// `POST /api/registry/import`: an exported version, checked against the
/// rules again, stored as the next version of its name (201);
/// `registry.import` audited, refusals audited and answered 422.
pub async fn import(
    State(state): State<AppState>,
    Writer(session): Writer,
    ApiJson(body): ApiJson<VersionExport>,
) -> Result<(StatusCode, Json<ModelVersion>), Problem> {
    body.validate().map_err(invalid)?;
    let verdict = check_result(&state.rules, &body.record);
    if !verdict.allowed {
        let detail = serde_json::json!({
            "name": body.name, "model": body.record.model, "source": body.record.source,
            "symbol": body.record.symbol,
        });
        return Err(state
            .refuse(&session, "registry.import", verdict, detail)
            .await);
    }
    let version = state
        .store
        .write(move |tx| {
            let new = NewVersion {
                name: &body.name,
                result_id: None,
                origin: Origin::Import,
                note: &body.note,
                record: &body.record,
            };
            let version = registry::insert(tx, session.user_id, &new, now_ms())?;
            audit_change(tx, &session, "registry.import", &version, None)?;
            Ok::<_, Problem>(version)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(version)))
}

/// `POST /api/registry/{name}/{version}/rerun`: fetches the version's data
/// through the gateway, repeats the run natively and compares every
/// metric bit for bit (code version and data hash reported beside);
/// audited `registry.rerun`. 422 `cannot_rerun` when the record cannot be
/// repeated.
pub async fn rerun(
    State(state): State<AppState>,
    Writer(session): Writer,
    Path((name, version)): Path<(String, u32)>,
) -> Result<Json<Reproduction>, Problem> {
    state
        .limits
        .expensive(&format!("user:{}", session.user_id))?;
    let found = version_of(&state, session.user_id, name, version).await?;
    let cannot = |error: shared::registry::RegistryError| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "cannot_rerun",
            error.to_string(),
        )
    };
    let settings = rerun_settings(&found.record).map_err(cannot)?;
    let series = fetch_audited(&state, &session, &settings.request, false)
        .await?
        .series;
    let record = found.record.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        shared::registry::reproduce(&record, &series, &|| false)
    })
    .await
    .map_err(|error| Problem::internal(&error))?
    .map_err(cannot)?;
    let event = AuditEvent::new(Some(session.user_id), &session.username, "registry.rerun")
        .provenance(&outcome.data_hash_now)
        .detail(serde_json::json!({
            "name": found.name, "version": found.version, "reproduced": outcome.reproduced,
            "code_version_recorded": outcome.code_version_recorded,
            "code_version_now": outcome.code_version_now,
            "data_hash_recorded": outcome.data_hash_recorded,
            "differing": outcome.metrics.iter().filter(|m| !m.identical).map(|m| &m.name).collect::<Vec<_>>(),
        }));
    state.audit(event).await?;
    Ok(Json(outcome))
}
