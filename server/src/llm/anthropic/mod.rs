//! The Anthropic Messages API client: the request (`POST /v1/messages`
//! with `stream: true`, `x-api-key` and `anthropic-version` headers) and
//! its stream, read by [`parser::AnthropicParser`].
//!
//! This file builds requests only; the exchange retries and guards them.
//! It must not log the key or the request body.

pub(crate) mod parser;

use std::sync::Arc;

use reqwest::header::{HeaderValue, CONTENT_TYPE};
use reqwest::Url;
use serde_json::{json, Value};
use tokio::sync::mpsc::Sender;

use super::config::{LlmSettings, ANTHROPIC_KEY_ENV};
use super::error::{LlmConfigError, LlmError};
use super::exchange::Exchange;
use super::{LlmRequest, StreamEvent, StreamOutcome};
use crate::upstream::{ApiKey, BreakerState, Clock};

/// The provider's name in logs and outcomes.
pub(crate) const PROVIDER: &str = "anthropic";
/// The API version header value.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// A streaming client of the Anthropic Messages API.
#[derive(Debug)]
pub struct AnthropicClient {
    url: Url,
    key_header: HeaderValue,
    exchange: Exchange,
}

impl AnthropicClient {
    /// A client posting to `url` (the full messages endpoint, as
    /// [`super::LlmConfig`] builds it) with `key` and `model`.
    pub fn new(
        url: Url,
        key: ApiKey,
        model: String,
        settings: LlmSettings,
    ) -> Result<Self, LlmConfigError> {
        let mut key_header = HeaderValue::from_str(key.expose())
            .map_err(|_| LlmConfigError::new(ANTHROPIC_KEY_ENV, "is not a valid header value"))?;
        key_header.set_sensitive(true);
        let exchange = Exchange::new(PROVIDER, model, Some(key), settings, ANTHROPIC_KEY_ENV)?;
        Ok(Self {
            url,
            key_header,
            exchange,
        })
    }

    super::exchange_accessors!();

    /// Streams one answer; see [`super::LlmProvider::stream`].
    pub async fn stream(
        &self,
        request: &LlmRequest,
        events: &Sender<StreamEvent>,
    ) -> Result<StreamOutcome, LlmError> {
        let body = request_body(self.model(), request);
        let key = self.exchange.key().cloned();
        self.exchange
            .stream(
                || {
                    self.exchange
                        .http()
                        .post(self.url.clone())
                        .header("x-api-key", self.key_header.clone())
                        .header("anthropic-version", ANTHROPIC_VERSION)
                        .header(CONTENT_TYPE, "application/json")
                        .body(body.to_string())
                },
                || parser::AnthropicParser::new(key.clone()),
                events,
            )
            .await
    }
}

/// The JSON body of a streamed Messages request.
pub(crate) fn request_body(model: &str, request: &LlmRequest) -> Value {
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|m| json!({"role": m.role.as_str(), "content": m.content}))
        .collect();
    let mut body = json!({
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": messages,
        "stream": true,
    });
    if !request.system.is_empty() {
        body["system"] = json!(request.system);
    }
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|t| {
                json!({
                    "name": t.name,
                    "description": t.description,
                    "input_schema": t.input_schema,
                })
            })
            .collect();
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::{LlmMessage, LlmRole, LlmTool};

    #[test]
    fn request_body_shape() {
        let request = LlmRequest {
            system: "be brief".into(),
            messages: vec![
                LlmMessage {
                    role: LlmRole::User,
                    content: "hi".into(),
                },
                LlmMessage {
                    role: LlmRole::Assistant,
                    content: "hello".into(),
                },
            ],
            tools: vec![LlmTool {
                name: "run_lab".into(),
                description: "runs".into(),
                input_schema: json!({"type": "object"}),
            }],
            max_tokens: 512,
        };
        assert_eq!(
            request_body("claude-x", &request),
            json!({
                "model": "claude-x",
                "max_tokens": 512,
                "stream": true,
                "system": "be brief",
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "hello"}
                ],
                "tools": [{"name": "run_lab", "description": "runs", "input_schema": {"type": "object"}}]
            })
        );
        let bare = LlmRequest {
            system: String::new(),
            tools: vec![],
            ..request
        };
        let body = request_body("m", &bare);
        assert!(body.get("system").is_none() && body.get("tools").is_none());
    }
}
