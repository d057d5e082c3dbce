//! `/api/auth/*` and `/api/me`: login, refresh-token rotation, logout.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use shared::api::{LoginRequest, Me, RefreshRequest, TokenPair};

use super::json::ApiJson;
use crate::auth::refresh::{self, RefreshError};
use crate::auth::{password, Session};
use crate::limits::ClientIp;
use crate::problem::Problem;
use crate::state::AppState;
use crate::store::audit::{self, AuditEvent};
use crate::store::{now_ms, users};

/// `GET /api/me`.
pub async fn me(State(state): State<AppState>, session: Session) -> Json<Me> {
    Json(Me {
        user_id: session.user_id,
        username: session.username,
        role: session.role,
        local_mode: state.local_user.is_some(),
    })
}

/// `POST /api/auth/login`: 200 with a token pair, 401 `bad_credentials`,
/// 429 `rate_limited`.
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<TokenPair>, Problem> {
    state.limits.login(&format!("ip:{ip}"))?;
    state
        .limits
        .login(&format!("user:{}", request.username.to_lowercase()))?;
    let name = request.username.clone();
    let user = state
        .store
        .read(move |c| users::by_name(c, &name).map_err(Problem::from))
        .await?;
    let stored = user.as_ref().map_or_else(
        || password::decoy_hash().to_string(),
        |u| u.password_hash.clone(),
    );
    let presented = request.password;
    let matches = tokio::task::spawn_blocking(move || password::verify(&presented, &stored))
        .await
        .unwrap_or(false);
    let user = match user {
        Some(user) if matches && !user.is_local => user,
        other => {
            let event = AuditEvent::new(
                other.as_ref().map(|u| u.id),
                &request.username,
                "auth.login_failed",
            )
            .detail(serde_json::json!({ "ip": ip }));
            state.audit(event).await?;
            return Err(Problem::new(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "wrong username or password",
            ));
        }
    };
    let keys = state.keys.clone();
    let pair = state
        .store
        .write(move |tx| {
            let pair = refresh::issue(tx, &keys, &user, now_ms()).map_err(refresh_problem)?;
            audit::append(
                tx,
                &AuditEvent::new(Some(user.id), &user.username, "auth.login")
                    .detail(serde_json::json!({ "ip": ip })),
            )?;
            Ok::<_, Problem>(pair)
        })
        .await?;
    Ok(Json(pair))
}

/// `POST /api/auth/refresh`: rotates the refresh token. Reusing an old one
/// revokes its family and answers 401 `refresh_token_reused`.
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<TokenPair>, Problem> {
    let keys = state.keys.clone();
    let outcome = state
        .store
        .write(move |tx| {
            let outcome = refresh::rotate(tx, &keys, &request.refresh_token, now_ms())?;
            if let Err(RefreshError::Reused { user_id }) = &outcome {
                audit::append(
                    tx,
                    &AuditEvent::new(Some(*user_id), "system", "auth.refresh_reused")
                        .detail(serde_json::json!({ "action": "revoked the token family" })),
                )?;
            }
            Ok::<_, Problem>(outcome)
        })
        .await?;
    outcome.map(Json).map_err(refresh_problem)
}

/// `POST /api/auth/logout`: revokes the token's family. Always 204.
pub async fn logout(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<StatusCode, Problem> {
    state
        .store
        .write(move |tx| {
            refresh::revoke(tx, &request.refresh_token, now_ms()).map_err(Problem::from)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn refresh_problem(error: RefreshError) -> Problem {
    match error {
        RefreshError::Invalid => Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid_refresh_token",
            error.to_string(),
        ),
        RefreshError::Reused { .. } => Problem::new(
            StatusCode::UNAUTHORIZED,
            "refresh_token_reused",
            error.to_string(),
        ),
        RefreshError::Store(error) => Problem::from(error),
        RefreshError::Signing => Problem::internal(&error),
    }
}
