//! One guarded streaming exchange with an LLM provider, shared by both
//! clients: circuit breaker, attempts with backoff (only while nothing has
//! been sent to the caller), the HTTP status and error body, SSE framing,
//! the provider's parser, and cancellation when the receiver goes away.
//!
//! It logs the provider, model, status, attempt, wait and error code; never
//! a key, a request body or an upstream body. It knows nothing about
//! either provider's JSON: the client builds the request, the parser reads
//! the events.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use futures_util::{Stream, StreamExt};
use reqwest::header::CONTENT_TYPE;
use sse_stream::Sse;
use tokio::sync::mpsc::Sender;

use super::config::LlmSettings;
use super::error::{error_fields, retryable_stream_kind, LlmConfigError, LlmError};
use super::sse;
use super::{StreamEvent, StreamOutcome};
use crate::upstream::{
    retry_after, ApiKey, AttemptFailure, BreakerState, CircuitBreaker, Clock, JitterRng, Outcome,
    RetryPolicy, SystemClock,
};

/// The most bytes of an error body read to find the provider's message.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The most bytes a tool call's input may take while it is assembled.
pub(crate) const MAX_TOOL_INPUT_BYTES: usize = 1024 * 1024;

/// Whether the parser has seen the answer's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Progress {
    /// More events are expected.
    Continue,
    /// The answer is complete; stop reading.
    Done,
}

/// A provider's stream parser: a pure state machine fed SSE events.
pub(crate) trait StreamParser {
    /// Reads one event, pushing what it completes onto `out`.
    fn feed(&mut self, event: &Sse, out: &mut Vec<StreamEvent>) -> Result<Progress, LlmError>;
    /// The stream ended without [`Progress::Done`]: the last events (if the
    /// answer may end this way) or [`LlmError::Dropped`].
    fn finish(&mut self, out: &mut Vec<StreamEvent>) -> Result<(), LlmError>;
    /// The stop reason seen, if any.
    fn stop_reason(&self) -> Option<String>;
    /// `(input_tokens, output_tokens)` seen, if any.
    fn usage(&self) -> Option<(u64, u64)>;
}

/// Feeds `frames` through `parser`, sending each event on `events` as soon
/// as it is complete, then the usage. `sent` turns true with the first
/// event sent. Stops with [`LlmError::Cancelled`] once the receiver is gone.
pub(crate) async fn pump<S, P>(
    frames: S,
    parser: &mut P,
    events: &Sender<StreamEvent>,
    sent: &mut bool,
) -> Result<(), LlmError>
where
    S: Stream<Item = Result<Sse, LlmError>>,
    P: StreamParser,
{
    let mut frames = std::pin::pin!(frames);
    let mut out = Vec::new();
    loop {
        let next = tokio::select! {
            biased;
            () = events.closed() => return Err(LlmError::Cancelled),
            next = frames.next() => next,
        };
        let done = match next {
            None => {
                parser.finish(&mut out)?;
                true
            }
            // A stall or break after an answer that may end there (an
            // OpenAI-compatible server that sent its finish_reason but no
            // `[DONE]`) ends it; otherwise the read error stands.
            Some(Err(error @ (LlmError::Timeout | LlmError::Connection(_)))) => {
                parser.finish(&mut out).map_err(|_| error)?;
                true
            }
            Some(frame) => parser.feed(&frame?, &mut out)? == Progress::Done,
        };
        if done {
            if let Some((input_tokens, output_tokens)) = parser.usage() {
                out.push(StreamEvent::Usage {
                    input_tokens,
                    output_tokens,
                });
            }
        }
        for event in out.drain(..) {
            events.send(event).await.map_err(|_| LlmError::Cancelled)?;
            *sent = true;
        }
        if done {
            return Ok(());
        }
    }
}

/// The guarded HTTP side of one provider client.
#[derive(Debug)]
pub(crate) struct Exchange {
    provider: &'static str,
    model: String,
    http: reqwest::Client,
    key: Option<ApiKey>,
    policy: RetryPolicy,
    breaker: CircuitBreaker,
    clock: Arc<dyn Clock>,
    rng: Mutex<JitterRng>,
    settings: LlmSettings,
}

impl Exchange {
    /// An exchange for `provider`'s `model`, sending with `key` (the client
    /// puts it in its headers; kept here to redact errors).
    pub(crate) fn new(
        provider: &'static str,
        model: String,
        key: Option<ApiKey>,
        settings: LlmSettings,
        variable: &'static str,
    ) -> Result<Self, LlmConfigError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            // Retrying is ours alone, so attempts are counted and logged.
            .retry(reqwest::retry::never())
            .user_agent(concat!("mlTrainer/", env!("CARGO_PKG_VERSION")));
        if !settings.proxy_from_env {
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|_| LlmConfigError::new(variable, "the HTTP client could not be built"))?;
        Ok(Self {
            provider,
            model,
            http,
            key,
            policy: RetryPolicy::new(
                settings.max_attempts,
                settings.backoff_base,
                settings.backoff_cap,
                settings.max_retry_after,
            ),
            breaker: CircuitBreaker::new(settings.breaker_threshold, settings.breaker_cooldown),
            clock: Arc::new(SystemClock),
            rng: Mutex::new(JitterRng::new(settings.jitter_seed)),
            settings,
        })
    }

    pub(crate) fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = clock;
    }

    pub(crate) fn model(&self) -> &str {
        &self.model
    }

    pub(crate) fn key(&self) -> Option<&ApiKey> {
        self.key.as_ref()
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub(crate) fn breaker_state(&self) -> BreakerState {
        self.breaker.state(self.clock.now())
    }

    /// Streams one answer: `request` builds each attempt's HTTP request,
    /// `parser` a fresh parser for it. Goes through the breaker; retries
    /// while nothing has been sent.
    pub(crate) async fn stream<P: StreamParser>(
        &self,
        request: impl Fn() -> reqwest::RequestBuilder,
        parser: impl Fn() -> P,
        events: &Sender<StreamEvent>,
    ) -> Result<StreamOutcome, LlmError> {
        let permit = match self.breaker.try_acquire(self.clock.now()) {
            Ok(permit) => permit,
            Err(retry_in) => {
                tracing::warn!(
                    provider = self.provider,
                    model = %self.model,
                    retry_in_ms = millis(retry_in),
                    "LLM call refused: circuit open"
                );
                return Err(LlmError::CircuitOpen { retry_in });
            }
        };
        let mut attempt = 0;
        let result = loop {
            attempt += 1;
            let mut sent = false;
            let mut parser = parser();
            let error = match self
                .attempt(request(), &mut parser, events, &mut sent)
                .await
            {
                Ok(()) => {
                    let outcome = StreamOutcome {
                        stop_reason: parser.stop_reason(),
                        usage: parser.usage(),
                        tools_dropped: false,
                        attempts: attempt,
                    };
                    tracing::debug!(
                        provider = self.provider,
                        model = %self.model,
                        attempt,
                        stop_reason = outcome.stop_reason.as_deref(),
                        "LLM answer complete"
                    );
                    break Ok(outcome);
                }
                Err(error) => error.redacted(self.key()),
            };
            let wait = if sent || error == LlmError::Cancelled {
                None
            } else {
                let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
                self.policy.next_wait(attempt, classify(&error), &mut rng)
            };
            tracing::warn!(
                provider = self.provider,
                model = %self.model,
                code = error.code(),
                status = match &error {
                    LlmError::Http { status, .. } => *status,
                    _ => 0,
                },
                attempt,
                max_attempts = self.policy.max_attempts(),
                after_first_event = sent,
                wait_ms = wait.map(millis),
                "LLM attempt failed"
            );
            match wait {
                Some(wait) => {
                    tokio::select! {
                        () = events.closed() => break Err(LlmError::Cancelled),
                        () = tokio::time::sleep(wait) => {}
                    }
                }
                None => break Err(error),
            }
        };
        match &result {
            // A cancelled call says nothing about the provider; dropping the
            // permit frees a probe slot.
            Err(LlmError::Cancelled) => drop(permit),
            Err(error) if error.is_provider_failure() => {
                permit.record(Outcome::Failure, self.clock.now());
            }
            _ => permit.record(Outcome::Success, self.clock.now()),
        }
        result.map(|outcome| StreamOutcome {
            attempts: attempt,
            ..outcome
        })
    }

    /// One HTTP request and its stream.
    async fn attempt<P: StreamParser>(
        &self,
        request: reqwest::RequestBuilder,
        parser: &mut P,
        events: &Sender<StreamEvent>,
        sent: &mut bool,
    ) -> Result<(), LlmError> {
        let idle = self.settings.idle_timeout;
        let response = tokio::select! {
            biased;
            () = events.closed() => return Err(LlmError::Cancelled),
            response = tokio::time::timeout(idle, request.send()) => response,
        };
        let response = match response {
            Err(_) => return Err(LlmError::Timeout),
            Ok(Err(error)) => return Err(transport_error(&error)),
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if !status.is_success() {
            return Err(self.http_error(response).await);
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !content_type.starts_with("text/event-stream") {
            return Err(LlmError::Protocol(format!(
                "expected an event stream, got HTTP {} with content type {:?}",
                status.as_u16(),
                content_type.chars().take(60).collect::<String>()
            )));
        }
        let frames = sse::events(
            sse::response_chunks(response, idle),
            self.settings.max_event_bytes,
        );
        pump(frames, parser, events, sent).await
    }

    /// The error for a non-success answer, from its status, `retry-after`
    /// and the type and message fields of its body (never the body).
    async fn http_error(&self, mut response: reqwest::Response) -> LlmError {
        let status = response.status().as_u16();
        if response.status().is_redirection() || response.status().is_informational() {
            return LlmError::Protocol(format!(
                "unexpected HTTP {status} (redirects are not followed)"
            ));
        }
        let wait = retry_after(response.headers(), SystemTime::now());
        let mut body = Vec::new();
        loop {
            match tokio::time::timeout(self.settings.idle_timeout, response.chunk()).await {
                Ok(Ok(Some(chunk))) if body.len() + chunk.len() <= MAX_ERROR_BODY => {
                    body.extend_from_slice(&chunk);
                }
                // Too long, unreadable or slow: the message stays unknown.
                Ok(Ok(Some(_)) | Err(_)) | Err(_) => {
                    body.clear();
                    break;
                }
                Ok(Ok(None)) => break,
            }
        }
        let (kind, message) = error_fields(&body);
        LlmError::http(status, &kind, &message, wait, self.key())
    }
}

/// How the retry policy sees an error.
fn classify(error: &LlmError) -> AttemptFailure {
    match error {
        LlmError::Http {
            status,
            retry_after,
            ..
        } => AttemptFailure::Status {
            status: *status,
            retry_after: *retry_after,
        },
        LlmError::Timeout => AttemptFailure::Timeout,
        LlmError::Connection(_) | LlmError::Dropped => AttemptFailure::Connection,
        LlmError::StreamError { kind, .. } if retryable_stream_kind(kind) => {
            AttemptFailure::Connection
        }
        _ => AttemptFailure::Other,
    }
}

/// A reqwest error as an [`LlmError`]; its own text (which can carry the
/// URL) is not kept.
fn transport_error(error: &reqwest::Error) -> LlmError {
    if error.is_timeout() {
        LlmError::Timeout
    } else if error.is_connect() {
        LlmError::Connection("could not connect".to_owned())
    } else {
        LlmError::Connection("the connection failed".to_owned())
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// `text` as a JSON value for a tool input: empty means `{}`; anything else
/// must parse, or the error names the tool (never quoting the text).
pub(crate) fn tool_input(tool: &str, text: &str) -> Result<serde_json::Value, LlmError> {
    if text.trim().is_empty() {
        return Ok(serde_json::Value::Object(serde_json::Map::new()));
    }
    serde_json::from_str(text).map_err(|error| {
        LlmError::protocol(
            &format!(
                "the input of tool {tool:?} is not valid JSON ({})",
                crate::upstream::json_error("tool input", &error)
            ),
            None,
        )
    })
}

/// `piece` appended to a tool input being assembled, within
/// [`MAX_TOOL_INPUT_BYTES`].
pub(crate) fn append_input(input: &mut String, piece: &str, tool: &str) -> Result<(), LlmError> {
    if input.len() + piece.len() > MAX_TOOL_INPUT_BYTES {
        return Err(LlmError::protocol(
            &format!("the input of tool {tool:?} is longer than {MAX_TOOL_INPUT_BYTES} bytes"),
            None,
        ));
    }
    input.push_str(piece);
    Ok(())
}

/// A JSON error in a streamed event, described without quoting it.
pub(crate) fn event_json_error(error: &serde_json::Error) -> LlmError {
    LlmError::Protocol(crate::upstream::json_error("stream event", error))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `text` cut at `cuts`, through the SSE framing and `parser`: the
    /// outcome, the events sent, and the parser afterwards.
    pub(crate) async fn run_parser<P: StreamParser>(
        mut parser: P,
        text: &str,
        cuts: &[usize],
    ) -> (Result<(), LlmError>, Vec<StreamEvent>, P) {
        let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
        let frames = crate::llm::sse::events(
            futures_util::stream::iter(crate::llm::sse::tests::chunked(text.as_bytes(), cuts)),
            1 << 20,
        );
        let mut sent = false;
        let result = pump(frames, &mut parser, &tx, &mut sent).await;
        drop(tx);
        let mut got = Vec::new();
        while let Some(event) = rx.recv().await {
            got.push(event);
        }
        assert_eq!(sent, !got.is_empty());
        (result, got, parser)
    }

    #[test]
    fn tool_inputs() {
        assert_eq!(tool_input("t", "").expect("empty"), serde_json::json!({}));
        assert_eq!(
            tool_input("t", " \n").expect("blank"),
            serde_json::json!({})
        );
        assert_eq!(
            tool_input("t", r#"{"a":1}"#).expect("object"),
            serde_json::json!({"a":1})
        );
        let error = tool_input("run_lab", r#"{"secret":"#).expect_err("truncated");
        let text = error.to_string();
        assert!(
            text.contains("run_lab") && !text.contains("secret"),
            "{text}"
        );
        let mut input = String::new();
        assert!(append_input(&mut input, &"x".repeat(MAX_TOOL_INPUT_BYTES), "t").is_ok());
        assert!(append_input(&mut input, "y", "t").is_err());
    }

    #[test]
    fn classification_for_retries() {
        assert!(classify(&LlmError::Dropped).is_retryable());
        assert!(classify(&LlmError::Timeout).is_retryable());
        assert!(classify(&LlmError::stream_error("overloaded_error", "", None)).is_retryable());
        assert!(
            !classify(&LlmError::stream_error("invalid_request_error", "", None)).is_retryable()
        );
        assert!(!classify(&LlmError::Protocol(String::new())).is_retryable());
        assert!(classify(&LlmError::http(529, "", "", None, None)).is_retryable());
        assert!(!classify(&LlmError::http(400, "", "", None, None)).is_retryable());
    }
}
