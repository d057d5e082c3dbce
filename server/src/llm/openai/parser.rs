//! The OpenAI-compatible stream as a pure state machine fed SSE events:
//! `data: {chunk}` lines; `choices[0].delta.content` is sent at once;
//! `delta.tool_calls[]` pieces are merged by `index` (the id, the name and
//! argument pieces may come in any chunk) and sent when the choice
//! finishes or at `[DONE]` (empty arguments mean `{}`); a usage chunk may
//! have empty or null `choices`. The answer ends at `data: [DONE]`, or at
//! the stream's end once a `finish_reason` was seen (some servers omit
//! `[DONE]`); a stream ending before any `finish_reason` is
//! [`LlmError::Dropped`]. A chunk carrying `error` ends the answer as
//! [`LlmError::StreamError`].
//!
//! No I/O here, and no logging.

use std::collections::BTreeMap;

use serde_json::Value;
use sse_stream::Sse;

use crate::llm::error::LlmError;
use crate::llm::exchange::{append_input, event_json_error, tool_input, Progress, StreamParser};
use crate::llm::StreamEvent;
use crate::upstream::ApiKey;

/// A tool call being received.
#[derive(Debug, Default)]
struct PartialCall {
    id: String,
    name: String,
    arguments: String,
}

/// The state of one OpenAI-compatible answer.
#[derive(Debug, Default)]
pub(crate) struct OpenAiParser {
    key: Option<ApiKey>,
    calls: BTreeMap<u64, PartialCall>,
    finish_reason: Option<String>,
    usage: Option<(u64, u64)>,
}

impl OpenAiParser {
    /// A parser for a fresh answer; `key` is scrubbed from error texts.
    pub(crate) fn new(key: Option<ApiKey>) -> Self {
        Self {
            key,
            ..Self::default()
        }
    }

    /// Sends the tool calls assembled so far, in index order.
    fn flush_calls(&mut self, out: &mut Vec<StreamEvent>) -> Result<(), LlmError> {
        for (index, call) in std::mem::take(&mut self.calls) {
            if call.name.is_empty() {
                return Err(LlmError::protocol(
                    &format!("tool call {index} has no name"),
                    None,
                ));
            }
            let input = tool_input(&call.name, &call.arguments)
                .map_err(|e| e.redacted(self.key.as_ref()))?;
            let id = if call.id.is_empty() {
                format!("call_{index}")
            } else {
                call.id
            };
            out.push(StreamEvent::ToolCall {
                id,
                name: call.name,
                input,
            });
        }
        Ok(())
    }

    fn merge_tool_call(&mut self, piece: &Value) -> Result<(), LlmError> {
        let index = piece.get("index").and_then(Value::as_u64).unwrap_or(0);
        let call = self.calls.entry(index).or_default();
        if let Some(id) = piece.get("id").and_then(Value::as_str) {
            if call.id.is_empty() {
                id.clone_into(&mut call.id);
            }
        }
        let function = piece.get("function");
        if let Some(name) = function.and_then(|f| f.get("name")).and_then(Value::as_str) {
            // Servers send the name once; a repeat is ignored, pieces join.
            if call.name != name {
                append_input(&mut call.name, name, "(unnamed)")?;
            }
        }
        if let Some(arguments) = function
            .and_then(|f| f.get("arguments"))
            .and_then(Value::as_str)
        {
            let name = call.name.clone();
            append_input(&mut call.arguments, arguments, &name)
                .map_err(|e| e.redacted(self.key.as_ref()))?;
        }
        Ok(())
    }
}

impl StreamParser for OpenAiParser {
    fn feed(&mut self, event: &Sse, out: &mut Vec<StreamEvent>) -> Result<Progress, LlmError> {
        let Some(data) = event.data.as_deref() else {
            return Ok(Progress::Continue);
        };
        let data = data.trim();
        if data == "[DONE]" {
            self.flush_calls(out)?;
            return Ok(Progress::Done);
        }
        if data.is_empty() {
            return Ok(Progress::Continue);
        }
        let chunk: Value = serde_json::from_str(data).map_err(|e| event_json_error(&e))?;
        if let Some(error) = chunk.get("error").filter(|e| !e.is_null()) {
            let text = |field: &str| {
                error
                    .get(field)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let message = match error.as_str() {
                Some(message) => message.to_owned(),
                None => text("message"),
            };
            let kind = text("type");
            return Err(LlmError::stream_error(
                if kind.is_empty() { "error" } else { &kind },
                &message,
                self.key.as_ref(),
            ));
        }
        if let Some(usage) = chunk.get("usage").filter(|u| !u.is_null()) {
            let tokens = |field: &str| usage.get(field).and_then(Value::as_u64).unwrap_or(0);
            self.usage = Some((tokens("prompt_tokens"), tokens("completion_tokens")));
        }
        let choices = chunk
            .get("choices")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        // We ask for one choice; others (servers ignoring `n`) are skipped.
        let first = choices
            .iter()
            .find(|c| c.get("index").and_then(Value::as_u64).unwrap_or(0) == 0);
        if let Some(choice) = first {
            let delta = choice.get("delta");
            if let Some(text) = delta.and_then(|d| d.get("content")).and_then(Value::as_str) {
                if !text.is_empty() {
                    out.push(StreamEvent::Text(text.to_owned()));
                }
            }
            if let Some(calls) = delta
                .and_then(|d| d.get("tool_calls"))
                .and_then(Value::as_array)
            {
                for piece in calls {
                    self.merge_tool_call(piece)?;
                }
            }
            if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                self.finish_reason = Some(reason.to_owned());
                self.flush_calls(out)?;
            }
        }
        Ok(Progress::Continue)
    }

    fn finish(&mut self, out: &mut Vec<StreamEvent>) -> Result<(), LlmError> {
        if self.finish_reason.is_none() {
            return Err(LlmError::Dropped);
        }
        self.flush_calls(out)
    }

    fn stop_reason(&self) -> Option<String> {
        self.finish_reason.clone()
    }

    fn usage(&self) -> Option<(u64, u64)> {
        self.usage
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::exchange::pump;
    use crate::llm::exchange::tests::run_parser;
    use crate::llm::sse::{events, tests::chunked};
    use serde_json::json;

    /// A recorded answer: multi-byte text, two parallel tool calls with
    /// interleaved indices (the second's name after its id), a usage
    /// chunk with empty choices, `[DONE]`.
    const RECORDED: &str = concat!(
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Costs € and \"},\"finish_reason\":null}]}\n\n",
        ": keep-alive comment\n\n",
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"日本 🙂\"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"run_lab\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"model\\\":\"}}]},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"name\":\"price_option\"}}]},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\" \\\"random_forest\\\"}\"}}]},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"{\\\"spot\\\": 100}\"}}]},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
        "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":31,\"completion_tokens\":12,\"total_tokens\":43}}\n\n",
        "data: [DONE]\n\n",
    );

    fn expected() -> Vec<StreamEvent> {
        vec![
            StreamEvent::Text("Costs € and ".into()),
            StreamEvent::Text("日本 🙂".into()),
            StreamEvent::ToolCall {
                id: "call_a".into(),
                name: "run_lab".into(),
                input: json!({"model": "random_forest"}),
            },
            StreamEvent::ToolCall {
                id: "call_b".into(),
                name: "price_option".into(),
                input: json!({"spot": 100}),
            },
            StreamEvent::Usage {
                input_tokens: 31,
                output_tokens: 12,
            },
        ]
    }

    async fn run(
        text: &str,
        cuts: &[usize],
    ) -> (Result<(), LlmError>, Vec<StreamEvent>, OpenAiParser) {
        run_parser(OpenAiParser::new(None), text, cuts).await
    }

    #[tokio::test]
    async fn parses_a_recorded_answer() {
        let (result, got, parser) = run(RECORDED, &[]).await;
        result.expect("complete");
        assert_eq!(got, expected());
        assert_eq!(parser.stop_reason().as_deref(), Some("tool_calls"));
    }

    #[tokio::test]
    async fn identical_at_every_byte_boundary_and_random_chunkings() {
        let bytes = RECORDED.len();
        for cut in 1..bytes {
            let (result, got, _) = run(RECORDED, &[cut]).await;
            assert!(result.is_ok(), "cut at {cut}: {result:?}");
            assert_eq!(got, expected(), "cut at {cut}");
        }
        let mut rng = crate::upstream::JitterRng::new(7);
        for _ in 0..200 {
            let mut cuts: Vec<usize> = (0..1 + rng.next_u64() % 40)
                .map(|_| usize::try_from(rng.next_u64() % bytes as u64).unwrap_or(0))
                .collect();
            cuts.sort_unstable();
            let (result, got, _) = run(RECORDED, &cuts).await;
            assert!(result.is_ok(), "cuts {cuts:?}");
            assert_eq!(got, expected(), "cuts {cuts:?}");
        }
    }

    #[tokio::test]
    async fn ends_without_done_after_a_finish_reason() {
        let text = RECORDED.replace("data: [DONE]\n\n", "");
        let (result, got, _) = run(&text, &[]).await;
        result.expect("complete without [DONE]");
        assert_eq!(got, expected());
        // The usage chunk with null choices.
        let text = RECORDED.replace("\"choices\":[],\"usage\"", "\"choices\":null,\"usage\"");
        let (result, got, _) = run(&text, &[]).await;
        result.expect("null choices");
        assert_eq!(got, expected());
    }

    #[tokio::test]
    async fn a_stall_after_the_finish_reason_ends_the_answer() {
        use crate::llm::sse::ReadError;
        let text = RECORDED.replace("data: [DONE]\n\n", "");
        for (error, complete) in [
            (ReadError::Timeout, true),
            (ReadError::Connection, true),
            (ReadError::TooLong(1), false),
        ] {
            let mut chunks = chunked(text.as_bytes(), &[]);
            chunks.push(Err(error));
            let (tx, mut rx) = tokio::sync::mpsc::channel(64);
            let mut parser = OpenAiParser::new(None);
            let result = pump(
                events(futures_util::stream::iter(chunks), 1 << 20),
                &mut parser,
                &tx,
                &mut false,
            )
            .await;
            drop(tx);
            let mut got = Vec::new();
            while let Some(event) = rx.recv().await {
                got.push(event);
            }
            assert_eq!(result.is_ok(), complete, "{error:?}: {result:?}");
            if complete {
                assert_eq!(got, expected());
            }
        }
        // Before the finish reason, a stall is a timeout.
        let cut = RECORDED
            .find("\"finish_reason\":\"tool_calls\"")
            .expect("present");
        let cut = RECORDED[..cut].rfind("data:").expect("frame start");
        let mut chunks = chunked(&RECORDED.as_bytes()[..cut], &[]);
        chunks.push(Err(ReadError::Timeout));
        let (tx, _rx) = tokio::sync::mpsc::channel(64);
        let mut parser = OpenAiParser::new(None);
        let result = pump(
            events(futures_util::stream::iter(chunks), 1 << 20),
            &mut parser,
            &tx,
            &mut false,
        )
        .await;
        assert_eq!(result, Err(LlmError::Timeout));
    }

    #[tokio::test]
    async fn a_stream_without_finish_reason_is_dropped() {
        let cut = RECORDED
            .find("data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},")
            .expect("present");
        let (result, got, _) = run(&RECORDED[..cut], &[]).await;
        assert_eq!(result, Err(LlmError::Dropped));
        assert_eq!(got.len(), 2, "the text was sent, no tool calls: {got:?}");
    }

    #[tokio::test]
    async fn calls_flush_at_done_and_bad_pieces_fail() {
        let text = concat!(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"x\",\"function\":{\"name\":\"set_goal\"}}]}}]}\n\n",
            "data: [DONE]\n\n",
        );
        let (result, got, _) = run(text, &[]).await;
        result.expect("complete");
        assert_eq!(
            got,
            vec![StreamEvent::ToolCall {
                id: "x".into(),
                name: "set_goal".into(),
                input: json!({})
            }]
        );
        let nameless = concat!(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}]}}]}\n\n",
            "data: [DONE]\n\n",
        );
        assert_eq!(
            run(nameless, &[]).await.0.expect_err("nameless").code(),
            "llm_protocol_error"
        );
        let error = concat!(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n",
            "data: {\"error\":{\"message\":\"model crashed\",\"type\":\"server_error\"}}\n\n",
        );
        let (result, got, _) = run(error, &[]).await;
        assert_eq!(
            result,
            Err(LlmError::StreamError {
                kind: "server_error".into(),
                message: "model crashed".into()
            })
        );
        assert_eq!(got, vec![StreamEvent::Text("a".into())]);
    }
}
