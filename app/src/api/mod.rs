//! The typed HTTP client of the server's API: one async function per
//! route, over the browser's `fetch`, with the wire types of `shared::api`
//! and `shared::compliance`. Same-origin relative URLs only.
//!
//! Errors are [`ApiError`]s (problem+json answers and network failures);
//! tokens are handled here (see `tokens` for where they live and why), so
//! screens only call these functions and show the result.

mod autonomous;
mod chat;
mod client;
mod error;
pub mod live;
mod query;
mod registry;
pub mod sse;
mod tokens;
mod transport;
mod trials;

pub use autonomous::{autonomous_run, autonomous_runs, start_autonomous, stop_autonomous};
pub use chat::{
    chat, coach_status, conversation, conversations, export_conversation, import_history,
    post_result_message, prune, search, search_url, ExportFormat, StreamEnd,
};
pub use client::{on_login_required, Method};
pub use error::{code_for_status, verdict_words, ApiError, BAD_RESPONSE};
pub use query::{audit_url, encode_component, with_query};
pub use registry::{
    activate, compare, export, leaderboard, register, registry_models, rerun, rollback, versions,
};
pub use trials::{
    cancel_trial, report_step, resume_trial_on_server, start_trial, start_trial_in_browser,
    start_trial_json, step_url, trial, trial_heartbeat, trial_url, trials,
};

use client::{call, call_anonymous, call_text};
use shared::api::{
    AuditPage, AuditQuery, ChainReport, DataRequest, DataResponse, DatasetSummary, Goal,
    GoalRequest, GoalState, LoginRequest, Me, RefreshRequest, TokenPair, UploadSummary,
};
use shared::compliance::{RulesDocument, Verdict};

/// `GET /api/me`: who the session acts as (401 `unauthenticated` when a
/// login is needed).
pub async fn me() -> Result<Me, ApiError> {
    call::<_, ()>(Method::Get, "/api/me", None).await
}

/// `POST /api/auth/login`: signs in and keeps the new token pair.
pub async fn login(username: &str, password: &str) -> Result<(), ApiError> {
    let request = LoginRequest {
        username: username.to_string(),
        password: password.to_string(),
    };
    let pair: TokenPair = call_anonymous(Method::Post, "/api/auth/login", Some(&request)).await?;
    tokens::store(&pair);
    Ok(())
}

/// `POST /api/auth/logout`: revokes the refresh token on the server (best
/// effort) and forgets both tokens here.
pub async fn logout() {
    if let Some(refresh_token) = tokens::refresh() {
        let request = RefreshRequest { refresh_token };
        let _ = call_anonymous::<(), _>(Method::Post, "/api/auth/logout", Some(&request)).await;
    }
    tokens::clear();
}

/// Whether a refresh token is stored (a previous sign-in may resume).
pub fn has_stored_login() -> bool {
    tokens::refresh().is_some()
}

/// `GET /api/compliance/rules`: the rules in force.
pub async fn rules() -> Result<RulesDocument, ApiError> {
    call::<_, ()>(Method::Get, "/api/compliance/rules", None).await
}

/// `POST /api/compliance/check`: the server's verdict on a data request.
/// A refusal answered as a problem with a verdict is returned as that
/// verdict, so callers see one shape either way.
pub async fn check(request: &DataRequest) -> Result<Verdict, ApiError> {
    match call(Method::Post, "/api/compliance/check", Some(request)).await {
        Err(error) => match error.verdict() {
            Some(verdict) => Ok(verdict.clone()),
            None => Err(error),
        },
        ok => ok,
    }
}

/// `GET /api/goal`: the current goal and the earlier ones.
pub async fn goal() -> Result<GoalState, ApiError> {
    call::<_, ()>(Method::Get, "/api/goal", None).await
}

/// `PUT /api/goal`: sets a new goal (422 `compliance_refused` with the
/// verdict when a rule refuses it; 403 `forbidden` for viewers).
pub async fn set_goal(request: &GoalRequest) -> Result<Goal, ApiError> {
    call(Method::Put, "/api/goal", Some(request)).await
}

/// `GET /api/audit`: one page of entries, newest first.
pub async fn audit(query: &AuditQuery) -> Result<AuditPage, ApiError> {
    call::<_, ()>(Method::Get, &audit_url(query), None).await
}

/// `GET /api/audit/verify`: walks the whole chain.
pub async fn verify_audit() -> Result<ChainReport, ApiError> {
    call::<_, ()>(Method::Get, "/api/audit/verify", None).await
}

/// `GET /api/data/bundled`: the bundled datasets with provenance.
pub async fn bundled_datasets() -> Result<Vec<DatasetSummary>, ApiError> {
    call::<_, ()>(Method::Get, "/api/data/bundled", None).await
}

/// `GET /api/uploads`: the user's uploads, newest first.
pub async fn uploads() -> Result<Vec<UploadSummary>, ApiError> {
    call::<_, ()>(Method::Get, "/api/uploads", None).await
}

/// `GET /api/data`: one series with provenance, through the compliance
/// gateway (422 `compliance_refused` with the verdict when refused).
pub async fn data(request: &DataRequest) -> Result<DataResponse, ApiError> {
    let multiplier = request.multiplier.map(|m| m.to_string());
    let path = with_query(
        "/api/data",
        &[
            ("source", Some(request.source.clone())),
            ("symbol", Some(request.symbol.clone())),
            ("from", request.from.clone()),
            ("to", request.to.clone()),
            ("timespan", request.timespan.clone()),
            ("multiplier", multiplier),
        ],
    );
    call::<_, ()>(Method::Get, &path, None).await
}

/// `POST /api/uploads?name=`: stores a CSV file (422 `invalid_csv` listing
/// each bad line).
pub async fn upload(name: &str, csv: &str) -> Result<UploadSummary, ApiError> {
    let path = with_query("/api/uploads", &[("name", Some(name.to_string()))]);
    call_text(Method::Post, &path, csv, "text/csv").await
}

/// `POST /api/results`: records a finished run; the server checks it
/// against the rules and answers the stored result with its verdict (or
/// 422 `compliance_refused` with the refusing verdict).
pub async fn record_result(
    record: &shared::api::ResultRecord,
) -> Result<shared::api::StoredResult, ApiError> {
    call(Method::Post, "/api/results", Some(record)).await
}
