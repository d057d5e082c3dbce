//! The leaderboard and model registry routes: one function per route of
//! `/api/leaderboard` and `/api/registry`, with `shared`'s types. Model
//! names and versions go into paths percent-encoded.

use shared::leaderboard::Leaderboard;
use shared::registry::{
    ActivateRequest, Comparison, ModelVersion, RegisterRequest, RegistryModel, Reproduction,
    RollbackRequest, VersionExport,
};

use super::client::{call, Method};
use super::error::ApiError;
use super::query::{encode_component, with_query};

/// `GET /api/leaderboard?source=&symbol=&metric=&limit=`.
pub async fn leaderboard(
    source: Option<String>,
    symbol: Option<String>,
    metric: &str,
    limit: usize,
) -> Result<Leaderboard, ApiError> {
    let path = with_query(
        "/api/leaderboard",
        &[
            ("source", source),
            ("symbol", symbol),
            ("metric", Some(metric.to_string())),
            ("limit", Some(limit.to_string())),
        ],
    );
    call::<_, ()>(Method::Get, &path, None).await
}

/// `GET /api/registry`: the registered names.
pub async fn registry_models() -> Result<Vec<RegistryModel>, ApiError> {
    call::<_, ()>(Method::Get, "/api/registry", None).await
}

/// `POST /api/registry`: registers a stored result as the next version.
pub async fn register(request: &RegisterRequest) -> Result<ModelVersion, ApiError> {
    call(Method::Post, "/api/registry", Some(request)).await
}

/// `GET /api/registry/{name}`: every version, oldest first.
pub async fn versions(name: &str) -> Result<Vec<ModelVersion>, ApiError> {
    let path = format!("/api/registry/{}", encode_component(name));
    call::<_, ()>(Method::Get, &path, None).await
}

/// `POST /api/registry/{name}/activate`.
pub async fn activate(name: &str, version: u32) -> Result<ModelVersion, ApiError> {
    let path = format!("/api/registry/{}/activate", encode_component(name));
    call(Method::Post, &path, Some(&ActivateRequest { version })).await
}

/// `POST /api/registry/{name}/rollback`: to the version below the active one.
pub async fn rollback(name: &str) -> Result<ModelVersion, ApiError> {
    let path = format!("/api/registry/{}/rollback", encode_component(name));
    call(Method::Post, &path, Some(&RollbackRequest::default())).await
}

/// `GET /api/registry/{name}/compare?a=&b=`.
pub async fn compare(name: &str, a: u32, b: u32) -> Result<Comparison, ApiError> {
    let path = format!(
        "/api/registry/{}/compare?a={a}&b={b}",
        encode_component(name)
    );
    call::<_, ()>(Method::Get, &path, None).await
}

/// `GET /api/registry/{name}/{version}/export`.
pub async fn export(name: &str, version: u32) -> Result<VersionExport, ApiError> {
    let path = format!("/api/registry/{}/{version}/export", encode_component(name));
    call::<_, ()>(Method::Get, &path, None).await
}

/// `POST /api/registry/{name}/{version}/rerun`.
pub async fn rerun(name: &str, version: u32) -> Result<Reproduction, ApiError> {
    let path = format!("/api/registry/{}/{version}/rerun", encode_component(name));
    call(Method::Post, &path, Some(&serde_json::json!({}))).await
}
