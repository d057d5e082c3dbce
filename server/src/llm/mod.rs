//! The coach's LLM clients: the Anthropic Messages API and any
//! OpenAI-compatible chat-completions server (OpenAI, llama.cpp, Ollama,
//! vLLM), both streaming.
//!
//! ```text
//! LlmConfig::from_lookup(env) -> LlmConfig::build() -> Option<LlmProvider>
//! LlmProvider::stream(&LlmRequest, Sender<StreamEvent>)
//!   -> exchange: breaker permit -> attempts (retry policy, only before the
//!      first event was sent) -> sse: capped SSE framing with an idle timeout
//!   -> anthropic::parser / openai::parser (pure state machines) -> events
//!   -> StreamOutcome or LlmError (redacted, capped)
//! ```
//!
//! Retries, backoff, `retry-after`, the circuit breaker, API keys and
//! redaction are the `upstream` module's, reused here. This module only
//! talks to the providers: it must not build prompts, parse actions, store
//! messages, count budgets or audit, and must never log a key, a request
//! body or an upstream body.

/// The accessors both clients have over their `exchange` field:
/// `with_clock`, `key`, `model`, `breaker_state`. One definition, expanded
/// inside each client's `impl` block (the client's module imports `Arc`,
/// `ApiKey`, `BreakerState` and `Clock`).
macro_rules! exchange_accessors {
    () => {
        /// Reads time for the circuit breaker from `clock`.
        pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
            self.exchange.set_clock(clock);
            self
        }

        /// The key it sends, if any (for scrubbing echoes; never printed).
        pub(crate) fn key(&self) -> Option<ApiKey> {
            self.exchange.key().cloned()
        }

        /// The model asked for.
        pub fn model(&self) -> &str {
            self.exchange.model()
        }

        /// The circuit breaker's state now.
        pub fn breaker_state(&self) -> BreakerState {
            self.exchange.breaker_state()
        }
    };
}
use exchange_accessors;

mod anthropic;
mod config;
mod error;
mod exchange;
mod openai;
mod scrub;
mod sse;

use std::sync::Arc;

pub use anthropic::AnthropicClient;
pub use config::{
    AnthropicConfig, LlmConfig, LlmSettings, OpenAiConfig, ProviderChoice, ANTHROPIC_BASE_URL_ENV,
    ANTHROPIC_KEY_ENV, ANTHROPIC_MODEL_ENV, DEFAULT_ANTHROPIC_BASE_URL, DEFAULT_ANTHROPIC_MODEL,
    OPENAI_BASE_URL_ENV, OPENAI_KEY_ENV, OPENAI_MODEL_ENV, PROVIDER_ENV,
};
pub use error::{LlmConfigError, LlmError};
pub use openai::OpenAiClient;

use crate::upstream::{BreakerState, Clock};

/// Who wrote a message of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LlmRole {
    /// The user (and results fed back to the coach).
    User,
    /// The coach.
    Assistant,
}

impl LlmRole {
    /// `user` or `assistant`, as both wire protocols spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }
}

/// One message of the conversation sent to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LlmMessage {
    /// Who wrote it.
    pub role: LlmRole,
    /// Its text.
    pub content: String,
}

/// A tool offered to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmTool {
    /// The tool's name, e.g. `run_lab`.
    pub name: String,
    /// What it does, for the model.
    pub description: String,
    /// The JSON schema of its input (an object schema).
    pub input_schema: serde_json::Value,
}

/// One request for a streamed answer.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmRequest {
    /// The system prompt (empty: none is sent).
    pub system: String,
    /// The conversation, oldest first.
    pub messages: Vec<LlmMessage>,
    /// The tools offered (empty: none are sent).
    pub tools: Vec<LlmTool>,
    /// The most tokens the answer may have.
    pub max_tokens: u32,
}

/// A piece of the answer, sent as soon as it is known.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// Text to append to the answer.
    Text(String),
    /// A complete tool call (its input fully received and parsed).
    ToolCall {
        /// The provider's id for the call.
        id: String,
        /// The tool's name, as the model wrote it (unchecked).
        name: String,
        /// The input, parsed JSON (`{}` when the model sent none).
        input: serde_json::Value,
    },
    /// The token counts of the whole answer; sent once, at its end.
    Usage {
        /// Prompt tokens.
        input_tokens: u64,
        /// Answer tokens.
        output_tokens: u64,
    },
}

/// How a complete answer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamOutcome {
    /// The provider's stop reason (`end_turn`, `tool_use`, `max_tokens`,
    /// `stop`, `tool_calls`, `length`, ...), if it gave one.
    pub stop_reason: Option<String>,
    /// `(input_tokens, output_tokens)`, if the provider reported them.
    pub usage: Option<(u64, u64)>,
    /// The server refused tools, and the answer was asked for again
    /// without them (parse its text for actions instead).
    pub tools_dropped: bool,
    /// HTTP attempts made, the first included.
    pub attempts: u32,
}

/// The configured LLM provider.
#[derive(Debug)]
pub enum LlmProvider {
    /// The Anthropic Messages API.
    Anthropic(AnthropicClient),
    /// An OpenAI-compatible chat-completions server.
    OpenAi(OpenAiClient),
}

impl LlmProvider {
    /// `anthropic` or `openai`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Anthropic(_) => anthropic::PROVIDER,
            Self::OpenAi(_) => openai::PROVIDER,
        }
    }

    /// The model asked for.
    pub fn model(&self) -> &str {
        match self {
            Self::Anthropic(client) => client.model(),
            Self::OpenAi(client) => client.model(),
        }
    }

    /// The circuit breaker's state now.
    pub fn breaker_state(&self) -> BreakerState {
        match self {
            Self::Anthropic(client) => client.breaker_state(),
            Self::OpenAi(client) => client.breaker_state(),
        }
    }

    /// Reads time for the circuit breaker from `clock` (tests move it by hand).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        match self {
            Self::Anthropic(client) => Self::Anthropic(client.with_clock(clock)),
            Self::OpenAi(client) => Self::OpenAi(client.with_clock(clock)),
        }
    }

    /// Streams one answer: every event is sent on `events` as it arrives.
    ///
    /// Retries (408, 429, 529, other 5xx, connection failures, timeouts and
    /// streams that break off, with backoff honouring `retry-after-ms` then
    /// `retry-after`, capped) only before the first event has been sent;
    /// once anything was sent, a failure is returned, never retried. If the
    /// receiver of `events` goes away, stops reading and returns
    /// [`LlmError::Cancelled`].
    pub async fn stream(
        &self,
        request: &LlmRequest,
        events: tokio::sync::mpsc::Sender<StreamEvent>,
    ) -> Result<StreamOutcome, LlmError> {
        // The client writes into `raw`; what leaves passes the key scrubber.
        // When `events` closes, `forward` returns and drops `raw_out`, so the
        // client sees a closed channel and stops (Cancelled).
        let (raw, mut raw_out) = tokio::sync::mpsc::channel::<StreamEvent>(64);
        let mut scrubber = scrub::KeyScrubber::new(self.key());
        let call = async move {
            match self {
                Self::Anthropic(client) => client.stream(request, &raw).await,
                Self::OpenAi(client) => client.stream(request, &raw).await,
            }
        };
        let forward = async move {
            loop {
                let event = tokio::select! {
                    () = events.closed() => return,
                    event = raw_out.recv() => event,
                };
                let Some(event) = event else { break };
                for clean in scrubber.filter(event) {
                    if events.send(clean).await.is_err() {
                        return;
                    }
                }
            }
            for clean in scrubber.flush() {
                if events.send(clean).await.is_err() {
                    return;
                }
            }
        };
        let (result, ()) = tokio::join!(call, forward);
        result
    }

    /// The key this provider sends, for scrubbing echoes of it.
    fn key(&self) -> Option<crate::upstream::ApiKey> {
        match self {
            Self::Anthropic(client) => client.key(),
            Self::OpenAi(client) => client.key(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chat route runs the stream on a multi-threaded runtime.
    #[test]
    fn providers_and_their_futures_are_send() {
        fn send<T: Send>(_: &T) {}
        fn sync<T: Sync>() {}
        sync::<LlmProvider>();
        let config = LlmConfig::from_lookup(|name| {
            (name == ANTHROPIC_KEY_ENV).then(|| "sk-test".to_owned())
        })
        .expect("valid config");
        let provider = config.build().expect("builds").expect("anthropic");
        let request = LlmRequest {
            system: String::new(),
            messages: vec![],
            tools: vec![],
            max_tokens: 10,
        };
        let (tx, _rx) = tokio::sync::mpsc::channel(1);
        send(&provider.stream(&request, tx));
        assert_eq!(provider.name(), "anthropic");
        assert_eq!(provider.model(), DEFAULT_ANTHROPIC_MODEL);
    }
}
