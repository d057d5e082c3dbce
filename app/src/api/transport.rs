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
    debug_assert!(path.starts_with('/'), "same-origin relative paths only");
    let init = RequestInit::new();
    init.set_method(method);
    let headers = Headers::new().map_err(network)?;
    headers
        .set("Accept", "application/json, application/problem+json")
        .map_err(network)?;
    if let Some(body) = body {
        headers.set("Content-Type", content_type).map_err(network)?;
        init.set_body(&JsValue::from_str(body));
    }
    if let Some(token) = bearer {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(network)?;
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(path, &init).map_err(network)?;
    let window = web_sys::window().ok_or_else(|| ApiError::Network {
        message: "no window to fetch from".to_string(),
    })?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(network)?
        .dyn_into()
        .map_err(network)?;
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
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
fn network(error: JsValue) -> ApiError {
    let message = error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "the request failed".to_string());
    ApiError::Network { message }
}
