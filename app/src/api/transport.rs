//! One HTTP exchange over the browser's `fetch`: same-origin relative URL,
//! a JSON (or other) body, optional bearer token; answers the status, content type and
//! body text. No retries, no token logic (that is `client`'s job).

use super::error::ApiError;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

/// An answer, before it is decoded.
#[derive(Clone, Debug)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// The `content-type` header, or empty.
    pub content_type: String,
    /// The body as text.
    pub body: String,
}

impl RawResponse {
    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The media type of JSON request bodies.
pub const JSON: &str = "application/json";

/// Sends one request. `path` must be a same-origin path such as `/api/me`;
/// `body` is sent with `content_type` (usually [`JSON`]).
pub async fn send(
    method: &str,
    path: &str,
    body: Option<&str>,
    content_type: &str,
    bearer: Option<&str>,
) -> Result<RawResponse, ApiError> {
    let outgoing = Outgoing {
        method,
        path,
        body,
        content_type,
        accept: "application/json, application/problem+json",
        signal: None,
    };
    let response = open(&outgoing, bearer).await?;
    read_text(response).await
}

/// One request to open, before its answer's body is read.
#[derive(Clone, Copy)]
pub struct Outgoing<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// A same-origin path.
    pub path: &'a str,
    /// The body, if any.
    pub body: Option<&'a str>,
    /// The body's media type.
    pub content_type: &'a str,
    /// The `Accept` header.
    pub accept: &'a str,
    /// Aborts the fetch (and its body stream) when signalled.
    pub signal: Option<&'a web_sys::AbortSignal>,
}

/// Sends `outgoing` and answers the response as soon as its headers have
/// arrived (the body is left to the caller: text, or a stream).
pub async fn open(outgoing: &Outgoing<'_>, bearer: Option<&str>) -> Result<Response, ApiError> {
    debug_assert!(
        outgoing.path.starts_with('/'),
        "same-origin relative paths only"
    );
    let init = RequestInit::new();
    init.set_method(outgoing.method);
    let headers = Headers::new().map_err(network)?;
    headers.set("Accept", outgoing.accept).map_err(network)?;
    if let Some(body) = outgoing.body {
        headers
            .set("Content-Type", outgoing.content_type)
            .map_err(network)?;
        init.set_body(&JsValue::from_str(body));
    }
    if let Some(token) = bearer {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(network)?;
    }
    init.set_headers(&headers);
    init.set_signal(outgoing.signal);
    let request = Request::new_with_str_and_init(outgoing.path, &init).map_err(network)?;
    let window = web_sys::window().ok_or_else(|| ApiError::Network {
        message: "no window to fetch from".to_string(),
    })?;
    JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(network)?
        .dyn_into()
        .map_err(network)
}

/// The `content-type` header of `response`, or empty.
pub fn content_type(response: &Response) -> String {
    response
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Reads the whole body of `response` as text.
pub async fn read_text(response: Response) -> Result<RawResponse, ApiError> {
    let status = response.status();
    let content_type = content_type(&response);
    let text = response.text().map_err(network)?;
    let body = JsFuture::from(text)
        .await
        .map_err(network)?
        .as_string()
        .unwrap_or_default();
    Ok(RawResponse {
        status,
        content_type,
        body,
    })
}

/// A rejected fetch (offline, refused connection, blocked by policy).
pub fn network(error: JsValue) -> ApiError {
    let message = error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "the request failed".to_string());
    ApiError::Network { message }
}
