//! The OpenAI-compatible chat-completions client (OpenAI, llama.cpp,
//! Ollama, vLLM): the request (`POST {base}/chat/completions` with
//! `stream: true` and `stream_options.include_usage`, `Authorization:
//! Bearer` only when a key is set), its stream read by
//! [`parser::OpenAiParser`], and the fallback when a server refuses tools:
//! the same request once more without them.
//!
//! This file builds requests only; the exchange retries and guards them.
//! It must not log the key or the request body.

pub(crate) mod parser;

use std::sync::Arc;

use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Url;
use serde_json::{json, Value};
use tokio::sync::mpsc::Sender;

use super::config::{LlmSettings, OPENAI_KEY_ENV};
use super::error::{LlmConfigError, LlmError};
use super::exchange::Exchange;
use super::{LlmRequest, StreamEvent, StreamOutcome};
use crate::upstream::{ApiKey, BreakerState, Clock};

/// The provider's name in logs and outcomes.
pub(crate) const PROVIDER: &str = "openai";

/// A streaming client of an OpenAI-compatible chat-completions server.
#[derive(Debug)]
pub struct OpenAiClient {
    url: Url,
    auth_header: Option<HeaderValue>,
    exchange: Exchange,
}

impl OpenAiClient {
    /// A client posting to `url` (the full chat-completions endpoint, as
    /// [`super::LlmConfig`] builds it) with `model`, and `key` if any.
    pub fn new(
        url: Url,
        key: Option<ApiKey>,
        model: String,
        settings: LlmSettings,
    ) -> Result<Self, LlmConfigError> {
        let auth_header = key
            .as_ref()
            .map(|key| {
                HeaderValue::from_str(&format!("Bearer {}", key.expose())).map(|mut value| {
                    value.set_sensitive(true);
                    value
                })
            })
            .transpose()
            .map_err(|_| LlmConfigError::new(OPENAI_KEY_ENV, "is not a valid header value"))?;
        let exchange = Exchange::new(PROVIDER, model, key, settings, OPENAI_KEY_ENV)?;
        Ok(Self {
            url,
            auth_header,
            exchange,
        })
    }

    super::exchange_accessors!();

    /// Streams one answer; see [`super::LlmProvider::stream`]. When the
    /// server refuses the tools (HTTP 400 or 422 about tools or function
    /// calling), asks once more without them and says so in the outcome.
    pub async fn stream(
        &self,
        request: &LlmRequest,
        events: &Sender<StreamEvent>,
    ) -> Result<StreamOutcome, LlmError> {
        let with_tools = !request.tools.is_empty();
        match self.stream_once(request, with_tools, events).await {
            Err(error) if with_tools && refuses_tools(&error) => {
                tracing::warn!(
                    provider = PROVIDER,
                    model = %self.model(),
                    "the server refused tools; asking again without them"
                );
                let outcome = self.stream_once(request, false, events).await?;
                Ok(StreamOutcome {
                    tools_dropped: true,
                    attempts: outcome.attempts + 1,
                    ..outcome
                })
            }
            other => other,
        }
    }

    async fn stream_once(
        &self,
        request: &LlmRequest,
        with_tools: bool,
        events: &Sender<StreamEvent>,
    ) -> Result<StreamOutcome, LlmError> {
        let body = request_body(self.model(), request, with_tools).to_string();
        let key = self.exchange.key().cloned();
        self.exchange
            .stream(
                || {
                    let mut builder = self
                        .exchange
                        .http()
                        .post(self.url.clone())
                        .header(CONTENT_TYPE, "application/json")
                        .body(body.clone());
                    if let Some(auth) = &self.auth_header {
                        builder = builder.header(AUTHORIZATION, auth.clone());
                    }
                    builder
                },
                || parser::OpenAiParser::new(key.clone()),
                events,
            )
            .await
    }
}

/// Whether `error` is a server refusing tools: HTTP 400 or 422 whose type
/// or message speaks of tools, tool choice or function calling (OpenAI,
/// vLLM), or Ollama's "does not support tools".
pub(crate) fn refuses_tools(error: &LlmError) -> bool {
    let LlmError::Http {
        status: 400 | 422,
        kind,
        message,
        ..
    } = error
    else {
        return false;
    };
    let text = format!("{kind} {message}").to_ascii_lowercase();
    ["tool", "function call", "function_call", "functions"]
        .iter()
        .any(|word| text.contains(word))
}

/// The JSON body of a streamed chat-completions request; `max_tokens` as
/// the compatible servers spell it.
pub(crate) fn request_body(model: &str, request: &LlmRequest, with_tools: bool) -> Value {
    let mut messages = Vec::with_capacity(request.messages.len() + 1);
    if !request.system.is_empty() {
        messages.push(json!({"role": "system", "content": request.system}));
    }
    messages.extend(
        request
            .messages
            .iter()
            .map(|m| json!({"role": m.role.as_str(), "content": m.content})),
    );
    let mut body = json!({
        "model": model,
        "messages": messages,
        "max_tokens": request.max_tokens,
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    if with_tools && !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|t| {
                json!({
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.input_schema,
                    }
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
            messages: vec![LlmMessage {
                role: LlmRole::User,
                content: "hi".into(),
            }],
            tools: vec![LlmTool {
                name: "run_lab".into(),
                description: "runs".into(),
                input_schema: json!({"type": "object"}),
            }],
            max_tokens: 64,
        };
        assert_eq!(
            request_body("llama", &request, true),
            json!({
                "model": "llama",
                "max_tokens": 64,
                "stream": true,
                "stream_options": {"include_usage": true},
                "messages": [
                    {"role": "system", "content": "be brief"},
                    {"role": "user", "content": "hi"}
                ],
                "tools": [{"type": "function", "function": {"name": "run_lab", "description": "runs", "parameters": {"type": "object"}}}]
            })
        );
        assert!(request_body("llama", &request, false)
            .get("tools")
            .is_none());
    }

    #[test]
    fn recognises_tool_refusals() {
        let http =
            |status, kind: &str, message: &str| LlmError::http(status, kind, message, None, None);
        assert!(refuses_tools(&http(
            400,
            "api_error",
            "registry.ollama.ai/library/gemma:2b does not support tools"
        )));
        assert!(refuses_tools(&http(
            400,
            "BadRequestError",
            "\"auto\" tool choice requires --enable-auto-tool-choice"
        )));
        assert!(refuses_tools(&http(
            422,
            "",
            "function calling is not enabled"
        )));
        assert!(!refuses_tools(&http(
            400,
            "invalid_request_error",
            "max_tokens too large"
        )));
        assert!(!refuses_tools(&http(500, "", "tools crashed")));
        assert!(!refuses_tools(&LlmError::Dropped));
    }
}
