//! `/api/uploads`: the user's own CSV files (source `user_upload`). A file
//! is parsed by the same reader as the bundled data; any malformed row
//! refuses the whole upload with every problem listed by line, and nothing
//! is stored. Accepted files are stored verbatim with their hash, per user.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use shared::api::UploadSummary;
use shared::compliance::hex;
use shared::data::{read_csv, CsvOptions, Series, Source};

use crate::auth::{Session, Writer};
use crate::problem::Problem;
use crate::state::AppState;
use crate::store::audit::{self, AuditEvent};
use crate::store::{now_ms, rfc3339, uploads};

/// Largest upload accepted, in bytes.
pub const UPLOAD_LIMIT: usize = 10 * 1024 * 1024;

/// Query of `POST /api/uploads`.
#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    /// The file name (shown in errors and provenance).
    pub name: String,
    /// For files with a symbol column: which symbol to read.
    pub symbol: Option<String>,
    /// For files with several value columns: which one.
    pub column: Option<String>,
}

/// `POST /api/uploads?name=prices.csv` with the CSV as the body: 201 with
/// the summary, or 422 `invalid_csv` listing each bad line.
pub async fn create(
    State(state): State<AppState>,
    Writer(session): Writer,
    query: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> Result<(StatusCode, Json<UploadSummary>), Problem> {
    let Query(query) = query.map_err(|rejection| Problem::invalid(rejection.body_text()))?;
    state
        .limits
        .expensive(&format!("user:{}", session.user_id))?;
    let name = query.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(Problem::invalid(
            "name must be a file name of 1-200 printable characters",
        ));
    }
    let text = std::str::from_utf8(&body).map_err(|error| {
        Problem::invalid(format!(
            "{name} is not UTF-8 text (first bad byte at offset {})",
            error.valid_up_to()
        ))
    })?;
    let options = CsvOptions {
        source: Source::UserUpload,
        origin: Some(format!("upload {name} by {}", session.username)),
        symbol: query.symbol.clone(),
        column: query.column.clone(),
    };
    let read = read_csv(&name, text, &options).map_err(|report| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_csv",
            report.to_string(),
        )
    })?;
    let series = read.series;
    let series_json = serde_json::to_string(&series).map_err(|e| Problem::internal(&e))?;
    let file_hash = hex(&Sha256::digest(&body));
    let provenance = series.provenance().clone();
    let stored = state
        .store
        .write(move |tx| {
            let now = now_ms();
            let id = uploads::insert(
                tx,
                session.user_id,
                &name,
                &body,
                &file_hash,
                &series_json,
                now,
            )?;
            audit::append(
                tx,
                &AuditEvent::new(Some(session.user_id), &session.username, "upload.create")
                    .provenance(&provenance.content_hash)
                    .detail(serde_json::json!({
                        "upload_id": id, "name": name, "file_sha256": file_hash,
                        "rows": provenance.rows,
                    })),
            )?;
            Ok::<_, Problem>(UploadSummary {
                id,
                name,
                created_at: rfc3339(now),
                provenance,
            })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// `GET /api/uploads`: the user's uploads, newest first.
pub async fn list(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<Vec<UploadSummary>>, Problem> {
    let user_id = session.user_id;
    let rows = state
        .store
        .read(move |c| uploads::list(c, user_id).map_err(Problem::from))
        .await?;
    let summaries = rows
        .into_iter()
        .map(|row| {
            let series: Series =
                serde_json::from_str(&row.series_json).map_err(|e| Problem::internal(&e))?;
            Ok(UploadSummary {
                id: row.id,
                name: row.name,
                created_at: rfc3339(row.created_at),
                provenance: series.provenance().clone(),
            })
        })
        .collect::<Result<Vec<_>, Problem>>()?;
    Ok(Json(summaries))
}
