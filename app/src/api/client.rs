//! Authenticated JSON calls: attaches the access token, and on a 401 with a
//! refresh token stored makes one refresh (rotating the pair) and retries
//! once. When that cannot help, the tokens are dropped and the handler set
//! with [`on_login_required`] sends the user to the login screen.
//!
//! Several calls failing at once share one refresh: refresh tokens are
//! single-use, so a second refresh with the same token would fail.

use super::error::ApiError;
use super::tokens;
use super::transport::{self, RawResponse};
use futures::future::{FutureExt, LocalBoxFuture, Shared};
use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::api::{RefreshRequest, TokenPair};
use std::cell::RefCell;
use std::rc::Rc;

/// An HTTP method the API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Read.
    Get,
    /// Create or act.
    Post,
    /// Replace.
    Put,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

type RefreshFuture = Shared<LocalBoxFuture<'static, Result<(), ApiError>>>;

thread_local! {
    static LOGIN_REQUIRED: RefCell<Option<Rc<dyn Fn()>>> = const { RefCell::new(None) };
    static REFRESHING: RefCell<Option<RefreshFuture>> = const { RefCell::new(None) };
}

/// Sets what happens when the server wants a login that no stored token
/// can give (the session shows the login screen).
pub fn on_login_required(handler: impl Fn() + 'static) {
    LOGIN_REQUIRED.with(|slot| *slot.borrow_mut() = Some(Rc::new(handler)));
}

fn login_required() {
    if let Some(handler) = LOGIN_REQUIRED.with(|slot| slot.borrow().clone()) {
        handler();
    }
}

/// Calls `method path` with an optional JSON `body` and decodes the JSON
/// answer (an empty answer decodes as JSON `null`, so `()` fits a 204).
pub async fn call<T, B>(method: Method, path: &str, body: Option<&B>) -> Result<T, ApiError>
where
    T: DeserializeOwned,
    B: Serialize + ?Sized,
{
    let body = body
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| ApiError::Network {
            message: format!("could not encode the request: {e}"),
        })?;
    let raw = with_auth(method, path, body.as_deref(), transport::JSON).await?;
    decode(raw)
}

/// Like [`call`] but with no token and no refresh: for the auth endpoints.
pub async fn call_anonymous<T, B>(
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<T, ApiError>
where
    T: DeserializeOwned,
    B: Serialize + ?Sized,
{
    let body = body
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| ApiError::Network {
            message: format!("could not encode the request: {e}"),
        })?;
    let raw = transport::send(
        method.as_str(),
        path,
        body.as_deref(),
        transport::JSON,
        None,
    )
    .await?;
    decode(raw)
}

/// Decodes a success answer, or turns an error answer into [`ApiError`].
pub fn decode<T: DeserializeOwned>(raw: RawResponse) -> Result<T, ApiError> {
    if !raw.ok() {
        return Err(ApiError::from_response(
            raw.status,
            &raw.content_type,
            &raw.body,
        ));
    }
    let text = if raw.body.trim().is_empty() {
        "null"
    } else {
        raw.body.as_str()
    };
    serde_json::from_str(text).map_err(|e| ApiError::bad_response(raw.status, e))
}

/// Like [`call`] with a text body of `content_type` (e.g. a CSV upload).
pub async fn call_text<T: DeserializeOwned>(
    method: Method,
    path: &str,
    text: &str,
    content_type: &str,
) -> Result<T, ApiError> {
    decode(with_auth(method, path, Some(text), content_type).await?)
}

async fn with_auth(
    method: Method,
    path: &str,
    body: Option<&str>,
    content_type: &str,
) -> Result<RawResponse, ApiError> {
    let response = authorized(&transport::Outgoing {
        method: method.as_str(),
        path,
        body,
        content_type,
        accept: "application/json, application/problem+json",
        signal: None,
    })
    .await?;
    transport::read_text(response).await
}

/// Opens `outgoing` with the access token; on a 401 with a refresh token
/// stored, refreshes once (shared with other calls) and retries once. The
/// answer's body is not read: streaming callers read it as it arrives.
pub async fn authorized(outgoing: &transport::Outgoing<'_>) -> Result<web_sys::Response, ApiError> {
    let sent_with = tokens::access();
    let first = transport::open(outgoing, sent_with.as_deref()).await?;
    if first.status() != 401 {
        return Ok(first);
    }
    if tokens::refresh().is_none() {
        tokens::clear();
        login_required();
        return Ok(first);
    }
    // Another call may have refreshed while this one was in flight.
    let current = tokens::access();
    if current.is_none() || current == sent_with {
        match refresh_shared().await {
            Ok(()) => {}
            Err(error) if error.is_network() => return Err(error),
            Err(_) => {
                tokens::clear();
                login_required();
                return Ok(first);
            }
        }
    }
    let retry = transport::open(outgoing, tokens::access().as_deref()).await?;
    if retry.status() == 401 {
        tokens::clear();
        login_required();
    }
    Ok(retry)
}

/// Joins the refresh in flight, or starts one.
async fn refresh_shared() -> Result<(), ApiError> {
    let future = REFRESHING.with(|slot| {
        slot.borrow_mut()
            .get_or_insert_with(|| refresh().boxed_local().shared())
            .clone()
    });
    let result = future.await;
    REFRESHING.with(|slot| *slot.borrow_mut() = None);
    result
}

/// Spends the stored refresh token for a new pair and stores it.
async fn refresh() -> Result<(), ApiError> {
    let Some(refresh_token) = tokens::refresh() else {
        return Err(ApiError::from_response(401, "", ""));
    };
    let request = RefreshRequest { refresh_token };
    let pair: TokenPair = call_anonymous(Method::Post, "/api/auth/refresh", Some(&request)).await?;
    tokens::store(&pair);
    Ok(())
}
