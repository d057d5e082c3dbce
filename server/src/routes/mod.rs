//! The JSON API under `/api`: one file per resource, each a few handlers
//! that check the session, run the compliance check, write in one
//! transaction together with the audit entry, and answer.

mod audit;
mod auth;
mod autonomous;
mod chat;
mod compliance;
pub mod data;
mod goal;
pub mod json;
pub mod leaderboard;
mod live;
pub mod memory;
mod registry;
pub mod results;
mod trials;
mod uploads;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

/// Largest JSON body accepted, in bytes.
pub const JSON_BODY_LIMIT: usize = 64 * 1024;

/// The API routes (mounted at the root; every path starts with `/api`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/me", get(auth::me))
        .route("/api/auth/login", post(auth::login))
        .route("/api/auth/refresh", post(auth::refresh))
        .route("/api/auth/logout", post(auth::logout))
        .route("/api/compliance/rules", get(compliance::rules))
        .route("/api/compliance/check", post(compliance::check))
        .route("/api/chat", post(chat::chat))
        .route("/api/chat/status", get(chat::status))
        .route("/api/goal", get(goal::get_goal).put(goal::put_goal))
        .route(
            "/api/results",
            get(results::list_results).post(results::record),
        )
        .route("/api/leaderboard", get(leaderboard::leaderboard))
        .route(
            "/api/registry",
            get(registry::list).post(registry::register),
        )
        .route("/api/registry/import", post(registry::import))
        .route("/api/registry/{name}", get(registry::versions))
        .route(
            "/api/registry/{name}/compare",
            get(registry::compare_versions),
        )
        .route("/api/registry/{name}/activate", post(registry::activate))
        .route("/api/registry/{name}/rollback", post(registry::rollback))
        .route(
            "/api/registry/{name}/{version}/export",
            get(registry::export),
        )
        .route(
            "/api/registry/{name}/{version}/rerun",
            post(registry::rerun),
        )
        .route("/api/trials", get(trials::list).post(trials::start))
        .route("/api/trials/{id}", get(trials::detail))
        .route("/api/trials/{id}/cancel", post(trials::cancel))
        .route("/api/trials/{id}/steps/{step}", post(trials::report))
        .route("/api/trials/{id}/heartbeat", post(trials::heartbeat))
        .route("/api/trials/{id}/resume", post(trials::resume))
        .route(
            "/api/autonomous",
            get(autonomous::list).post(autonomous::start),
        )
        .route("/api/autonomous/{id}", get(autonomous::detail))
        .route("/api/autonomous/{id}/stop", post(autonomous::stop))
        .route("/api/ws/ticket", post(live::ticket))
        .route("/api/ws", get(live::socket))
        .route("/api/data", get(data::get_data))
        .route("/api/data/bundled", get(data::bundled))
        .route(
            "/api/uploads",
            get(uploads::list)
                .post(uploads::create)
                .layer(DefaultBodyLimit::max(uploads::UPLOAD_LIMIT)),
        )
        .route("/api/conversations", get(memory::list))
        .route("/api/conversations/{id}", get(memory::detail))
        .route("/api/conversations/{id}/results", post(memory::post_result))
        .route("/api/conversations/{id}/export", get(memory::export))
        .route("/api/memory/search", get(memory::search))
        .route(
            "/api/memory/import",
            post(memory::import).layer(DefaultBodyLimit::max(memory::IMPORT_BODY_LIMIT)),
        )
        .route("/api/memory/prune", post(memory::prune))
        .route("/api/audit", get(audit::list))
        .route("/api/audit/verify", get(audit::verify))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
}
