//! The Anthropic stream as a pure state machine fed SSE events:
//! `message_start` (input tokens), `content_block_start` (text or
//! `tool_use`), `content_block_delta` (`text_delta` is sent at once,
//! `input_json_delta` pieces are joined per block), `content_block_stop`
//! (a tool call's joined input parsed: empty means `{}`), `message_delta`
//! (stop reason, cumulative output tokens), `message_stop` (the end).
//! `ping` and unknown event, block and delta types are ignored; an `error`
//! event ends the answer as [`LlmError::StreamError`]; a stream that ends
//! before `message_stop` is [`LlmError::Dropped`].
//!
//! No I/O here, and no logging.

use std::collections::BTreeMap;

use serde_json::Value;
use sse_stream::Sse;

use crate::llm::error::LlmError;
use crate::llm::exchange::{append_input, event_json_error, tool_input, Progress, StreamParser};
use crate::llm::StreamEvent;
use crate::upstream::ApiKey;

/// A `tool_use` block being received.
#[derive(Debug)]
struct ToolBlock {
    id: String,
    name: String,
    input: String,
}

/// The state of one Anthropic answer.
#[derive(Debug, Default)]
pub(crate) struct AnthropicParser {
    key: Option<ApiKey>,
    tools: BTreeMap<u64, ToolBlock>,
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    stop_reason: Option<String>,
}

impl AnthropicParser {
    /// A parser for a fresh answer; `key` is scrubbed from error texts.
    pub(crate) fn new(key: Option<ApiKey>) -> Self {
        Self {
            key,
            ..Self::default()
        }
    }

    fn protocol(&self, reason: &str) -> LlmError {
        LlmError::protocol(reason, self.key.as_ref())
    }
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn u64_at(value: &Value, pointer: &str) -> Option<u64> {
    value.pointer(pointer).and_then(Value::as_u64)
}

impl StreamParser for AnthropicParser {
    fn feed(&mut self, event: &Sse, out: &mut Vec<StreamEvent>) -> Result<Progress, LlmError> {
        let Some(data) = event.data.as_deref() else {
            return Ok(Progress::Continue);
        };
        let json: Value = serde_json::from_str(data).map_err(|e| event_json_error(&e))?;
        // The SSE event name and the data's `type` agree on Anthropic's
        // stream; the name wins when present.
        let name = event
            .event
            .as_deref()
            .or_else(|| str_at(&json, "/type"))
            .unwrap_or_default();
        match name {
            "message_start" => {
                self.input_tokens = u64_at(&json, "/message/usage/input_tokens");
                self.output_tokens = u64_at(&json, "/message/usage/output_tokens");
            }
            "content_block_start" => {
                let index = u64_at(&json, "/index")
                    .ok_or_else(|| self.protocol("content_block_start without an index"))?;
                match str_at(&json, "/content_block/type") {
                    Some("text") => {
                        let text = str_at(&json, "/content_block/text").unwrap_or_default();
                        if !text.is_empty() {
                            out.push(StreamEvent::Text(text.to_owned()));
                        }
                    }
                    Some("tool_use") => {
                        let id = str_at(&json, "/content_block/id").unwrap_or_default();
                        let name = str_at(&json, "/content_block/name").unwrap_or_default();
                        if name.is_empty() {
                            return Err(self.protocol("a tool_use block without a name"));
                        }
                        self.tools.insert(
                            index,
                            ToolBlock {
                                id: id.to_owned(),
                                name: name.to_owned(),
                                input: String::new(),
                            },
                        );
                    }
                    _ => {}
                }
            }
            "content_block_delta" => {
                let index = u64_at(&json, "/index")
                    .ok_or_else(|| self.protocol("content_block_delta without an index"))?;
                match str_at(&json, "/delta/type") {
                    Some("text_delta") => {
                        let text = str_at(&json, "/delta/text").unwrap_or_default();
                        if !text.is_empty() {
                            out.push(StreamEvent::Text(text.to_owned()));
                        }
                    }
                    Some("input_json_delta") => {
                        let piece = str_at(&json, "/delta/partial_json").unwrap_or_default();
                        // Deltas of blocks we do not track (server tools) are skipped.
                        if let Some(block) = self.tools.get_mut(&index) {
                            append_input(&mut block.input, piece, &block.name)
                                .map_err(|e| e.redacted(self.key.as_ref()))?;
                        }
                    }
                    _ => {}
                }
            }
            "content_block_stop" => {
                let index = u64_at(&json, "/index")
                    .ok_or_else(|| self.protocol("content_block_stop without an index"))?;
                if let Some(block) = self.tools.remove(&index) {
                    let input = tool_input(&block.name, &block.input)
                        .map_err(|e| e.redacted(self.key.as_ref()))?;
                    out.push(StreamEvent::ToolCall {
                        id: block.id,
                        name: block.name,
                        input,
                    });
                }
            }
            "message_delta" => {
                if let Some(reason) = str_at(&json, "/delta/stop_reason") {
                    self.stop_reason = Some(reason.to_owned());
                }
                if let Some(tokens) = u64_at(&json, "/usage/output_tokens") {
                    self.output_tokens = Some(tokens);
                }
                if let Some(tokens) = u64_at(&json, "/usage/input_tokens") {
                    self.input_tokens = Some(tokens);
                }
            }
            "message_stop" => return Ok(Progress::Done),
            "error" => {
                return Err(LlmError::stream_error(
                    str_at(&json, "/error/type").unwrap_or("error"),
                    str_at(&json, "/error/message").unwrap_or_default(),
                    self.key.as_ref(),
                ))
            }
            // `ping` and whatever Anthropic adds later.
            _ => {}
        }
        Ok(Progress::Continue)
    }

    fn finish(&mut self, _out: &mut Vec<StreamEvent>) -> Result<(), LlmError> {
        Err(LlmError::Dropped)
    }

    fn stop_reason(&self) -> Option<String> {
        self.stop_reason.clone()
    }

    fn usage(&self) -> Option<(u64, u64)> {
        match (self.input_tokens, self.output_tokens) {
            (None, None) => None,
            (input, output) => Some((input.unwrap_or(0), output.unwrap_or(0))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::exchange::tests::run_parser;
    use serde_json::json;

    /// A recorded answer: text with multi-byte characters, a ping, an
    /// unknown event, two parallel tool calls with split input, usage.
    pub(crate) const RECORDED: &str = concat!(
        "event: message_start\n",
        "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-x\",\"stop_reason\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: ping\ndata: {\"type\": \"ping\"}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Costs € and \"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"日本 🙂\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: brand_new_event\ndata: {\"type\":\"brand_new_event\",\"x\":1}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"run_lab\",\"input\":{}}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"model\\\": \\\"rand\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"future_delta\",\"x\":1}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"om_forest\\\", \\\"note\\\": \\\"€\\\"}\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":\"get_goal\",\"input\":{}}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\n",
        "event: message_delta\n",
        "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":89}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    );

    fn expected() -> Vec<StreamEvent> {
        vec![
            StreamEvent::Text("Costs € and ".into()),
            StreamEvent::Text("日本 🙂".into()),
            StreamEvent::ToolCall {
                id: "toolu_1".into(),
                name: "run_lab".into(),
                input: json!({"model": "random_forest", "note": "€"}),
            },
            StreamEvent::ToolCall {
                id: "toolu_2".into(),
                name: "get_goal".into(),
                input: json!({}),
            },
            StreamEvent::Usage {
                input_tokens: 25,
                output_tokens: 89,
            },
        ]
    }

    async fn run(
        text: &str,
        cuts: &[usize],
    ) -> (Result<(), LlmError>, Vec<StreamEvent>, AnthropicParser) {
        run_parser(AnthropicParser::new(None), text, cuts).await
    }

    #[tokio::test]
    async fn parses_a_recorded_answer() {
        let (result, got, parser) = run(RECORDED, &[]).await;
        result.expect("complete");
        assert_eq!(got, expected());
        assert_eq!(parser.stop_reason().as_deref(), Some("tool_use"));
        assert_eq!(parser.usage(), Some((25, 89)));
    }

    #[tokio::test]
    async fn identical_at_every_byte_boundary_and_random_chunkings() {
        let bytes = RECORDED.len();
        for cut in 1..bytes {
            let (result, got, _) = run(RECORDED, &[cut]).await;
            assert!(result.is_ok(), "cut at {cut}: {result:?}");
            assert_eq!(got, expected(), "cut at {cut}");
        }
        let mut rng = crate::upstream::JitterRng::new(42);
        for _ in 0..200 {
            let mut cuts: Vec<usize> = (0..1 + rng.next_u64() % 40)
                .map(|_| usize::try_from(rng.next_u64() % bytes as u64).unwrap_or(0))
                .collect();
            cuts.sort_unstable();
            let (result, got, _) = run(RECORDED, &cuts).await;
            assert!(result.is_ok(), "cuts {cuts:?}");
            assert_eq!(got, expected(), "cuts {cuts:?}");
        }
        // One byte at a time.
        let every: Vec<usize> = (1..bytes).collect();
        let (result, got, _) = run(RECORDED, &every).await;
        assert!(result.is_ok());
        assert_eq!(got, expected());
    }

    #[tokio::test]
    async fn a_stream_without_message_stop_is_dropped() {
        let cut = RECORDED.find("event: message_delta").expect("present");
        let (result, got, _) = run(&RECORDED[..cut], &[]).await;
        assert_eq!(result, Err(LlmError::Dropped));
        assert_eq!(got.len(), 4, "the text and tool calls were sent: {got:?}");
    }

    #[tokio::test]
    async fn an_error_event_ends_the_answer() {
        let text = concat!(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":3}}}\n\n",
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
        );
        let (result, got, _) = run(text, &[]).await;
        assert_eq!(
            result,
            Err(LlmError::StreamError {
                kind: "overloaded_error".into(),
                message: "Overloaded".into()
            })
        );
        assert!(got.is_empty());
    }

    #[tokio::test]
    async fn bad_tool_input_and_bad_json_are_protocol_errors() {
        let text = concat!(
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"price_option\",\"input\":{}}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"spot\\\": 1\"}}\n\n",
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        );
        let (result, _, _) = run(text, &[]).await;
        let error = result.expect_err("invalid input");
        assert_eq!(error.code(), "llm_protocol_error");
        assert!(error.to_string().contains("price_option"), "{error}");
        let (result, _, _) = run("event: message_start\ndata: {not json\n\n", &[]).await;
        assert_eq!(result.expect_err("bad json").code(), "llm_protocol_error");
    }
}
