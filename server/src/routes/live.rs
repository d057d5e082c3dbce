//! `POST /api/ws/ticket` and `GET /api/ws`: the live-updates WebSocket.
//! The ticket route is authenticated like any API call; the socket route
//! checks, before upgrading and as problem+json, the `Origin` (the app's
//! own, as CORS decides it, or none), that the request is a WebSocket
//! upgrade, the ticket (single use, unexpired) and the user's socket cap.
//! The socket itself is `crate::live::socket`.

use std::time::Instant;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::header::ORIGIN;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response};
use axum::Json;
use serde::Deserialize;
use shared::api::{WsTicket, WS_TICKET_TTL_S};

use crate::auth::Session;
use crate::live::{socket, TicketError};
use crate::problem::Problem;
use crate::state::AppState;

/// `GET /api/ws`'s query.
#[derive(Debug, Deserialize)]
pub struct SocketQuery {
    /// The ticket from `POST /api/ws/ticket`.
    #[serde(default)]
    pub ticket: Option<String>,
}

impl From<TicketError> for Problem {
    fn from(error: TicketError) -> Problem {
        let status = match error {
            TicketError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            TicketError::Random => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNAUTHORIZED,
        };
        Problem::new(status, error.code(), error.to_string())
    }
}

/// `POST /api/ws/ticket`: a single-use ticket for one socket, valid for
/// [`WS_TICKET_TTL_S`] seconds.
pub async fn ticket(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<WsTicket>, Problem> {
    let ticket = state.live.tickets().issue(&session, Instant::now())?;
    Ok(Json(WsTicket {
        ticket,
        expires_in_s: WS_TICKET_TTL_S,
    }))
}

/// `GET /api/ws?ticket=T`: upgrades to the live-updates socket.
pub async fn socket(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<SocketQuery>, axum::extract::rejection::QueryRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, Problem> {
    let origin = headers.get(ORIGIN).map(|v| v.to_str().unwrap_or("?"));
    if !state.live.origin_allowed(origin) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "origin_refused",
            "WebSockets may only be opened from the app's own origin",
        ));
    }
    let upgrade = upgrade.map_err(|rejection| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "websocket_required",
            format!("this route is a WebSocket: {}", rejection.body_text()),
        )
    })?;
    let Query(query) = query.map_err(|rejection| Problem::invalid(rejection.body_text()))?;
    let session = state
        .live
        .tickets()
        .redeem(query.ticket.as_deref(), Instant::now())?;
    let slot = state.live.open(session.user_id).map_err(|error| {
        Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_sockets",
            error.to_string(),
        )
    })?;
    let user_id = session.user_id;
    Ok(upgrade
        .max_message_size(socket::MAX_CLIENT_FRAME)
        .on_upgrade(move |ws| socket::run(state, user_id, slot, ws))
        .into_response())
}
