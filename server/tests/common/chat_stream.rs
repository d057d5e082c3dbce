//! Reading the coach's answers in tests: a whole `text/event-stream` body
//! split into frames (event name and JSON data), and the answer's text.

use serde_json::Value;

/// One parsed SSE frame: its `event:` name and its JSON data.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The `event:` name.
    pub event: String,
    /// The `data:` lines joined and parsed (`Null` if not JSON).
    pub data: Value,
}

/// Splits an SSE body into frames (keep-alive comments skipped).
pub fn frames(body: &str) -> Vec<Frame> {
    body.replace("\r\n", "\n")
        .split("\n\n")
        .filter_map(|block| {
            let mut event = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(name) = line.strip_prefix("event:") {
                    event = name.trim().to_string();
                } else if let Some(piece) = line.strip_prefix("data:") {
                    if !data.is_empty() {
                        data.push('\n');
                    }
                    data.push_str(piece.strip_prefix(' ').unwrap_or(piece));
                }
            }
            (!event.is_empty()).then(|| Frame {
                event,
                data: serde_json::from_str(&data).unwrap_or(Value::Null),
            })
        })
        .collect()
}

/// Sends a `POST /api/chat` request and reads the whole answer: status,
/// body text and frames. A 200 must be `text/event-stream`.
pub async fn read(request: reqwest::RequestBuilder) -> (u16, String, Vec<Frame>) {
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = response.text().await.expect("a body");
    if status == 200 {
        assert_eq!(content_type, "text/event-stream", "{text}");
    }
    let parsed = frames(&text);
    (status, text, parsed)
}

/// The chat request body for `message` in `conversation`.
pub fn body(conversation: Option<i64>, message: &str) -> Value {
    let mut body = serde_json::json!({ "message": message });
    if let Some(id) = conversation {
        body["conversation_id"] = id.into();
    }
    body
}

/// The answer text of a stream: its deltas joined.
pub fn answer_text(frames: &[Frame]) -> String {
    frames
        .iter()
        .filter(|f| f.event == "delta")
        .map(|f| f.data["text"].as_str().unwrap_or_default())
        .collect()
}

/// The frames named `event`.
pub fn named<'a>(frames: &'a [Frame], event: &str) -> Vec<&'a Value> {
    frames
        .iter()
        .filter(|f| f.event == event)
        .map(|f| &f.data)
        .collect()
}
