//! The [`Session`] extractor: who a request acts for. A valid bearer token
//! names the user (re-read from the store, so a deleted user or changed role
//! takes effect at once); with no token, local mode answers with the local
//! user; otherwise 401.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use shared::api::Role;

use super::jwt::TokenError;
use crate::problem::Problem;
use crate::state::AppState;
use crate::store::users;

/// The user a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// User id.
    pub user_id: i64,
    /// Account name.
    pub username: String,
    /// Current role.
    pub role: Role,
    /// Whether this is local mode's implicit user.
    pub local: bool,
}

impl Session {
    /// The session if it may write, else 403.
    pub fn writer(self) -> Result<Writer, Problem> {
        if self.role.can_write() {
            Ok(Writer(self))
        } else {
            Err(Problem::forbidden(format!(
                "{} has the {} role, which may only read",
                self.username,
                self.role.as_str()
            )))
        }
    }

    /// Whether the user is an admin.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// A session whose role may write (analyst or admin); extracting it answers
/// 403 for viewers.
#[derive(Debug, Clone)]
pub struct Writer(pub Session);

impl FromRequestParts<AppState> for Session {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let header = parts.headers.get(AUTHORIZATION);
        let Some(header) = header else {
            return match &state.local_user {
                Some(session) => Ok(session.clone()),
                None => Err(Problem::unauthenticated(
                    "sign in first: send Authorization: Bearer <access token>",
                )),
            };
        };
        let token = header
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or_else(|| {
                Problem::unauthenticated("the Authorization header must be \"Bearer <token>\"")
            })?;
        let claims = state
            .keys
            .verify(token.trim())
            .map_err(|error| match error {
                TokenError::Expired => Problem::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "token_expired",
                    error.to_string(),
                ),
                _ => Problem::unauthenticated(error.to_string()),
            })?;
        let user_id: i64 = claims
            .sub
            .parse()
            .map_err(|_| Problem::unauthenticated("the access token is not valid"))?;
        let user = state
            .store
            .read(move |c| users::by_id(c, user_id).map_err(Problem::from))
            .await?
            .ok_or_else(|| Problem::unauthenticated("the account no longer exists"))?;
        Ok(Session {
            user_id: user.id,
            username: user.username,
            role: user.role,
            local: user.is_local,
        })
    }
}

impl FromRequestParts<AppState> for Writer {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        Session::from_request_parts(parts, state).await?.writer()
    }
}

/// Local mode's implicit user, created on first start: an admin called
/// `local` with no usable password.
pub fn local_user(store: &crate::store::Store) -> Result<Session, crate::store::StoreError> {
    let user = store.with_writer(|c| {
        crate::store::write_transaction(c, |tx| {
            if let Some(user) = users::local(tx)? {
                return Ok(user);
            }
            let id = users::create(tx, "local", "!", Role::Admin, true, crate::store::now_ms())?;
            crate::store::audit::append(
                tx,
                &crate::store::audit::AuditEvent::new(Some(id), "system", "user.create_local"),
            )?;
            users::by_id(tx, id)?
                .ok_or_else(|| crate::store::StoreError::Corrupt("the local user vanished".into()))
        })
    })?;
    Ok(Session {
        user_id: user.id,
        username: user.username,
        role: user.role,
        local: true,
    })
}
