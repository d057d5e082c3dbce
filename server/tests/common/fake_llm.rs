//! A fake LLM server on an ephemeral loopback port, written on raw TCP so a
//! test controls every byte: status lines, headers, SSE frames, stalls and
//! connections closed mid-stream. It answers requests in order from a
//! script (the last reply repeats), records each request's headers and
//! JSON body, and replaces `{KEY}` in a reply with the key it received
//! (from `x-api-key` or `Authorization: Bearer`), to prove the client
//! never repeats an echoed key. Also builds the providers' SSE streams.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use server::llm::LlmSettings;

/// One piece of a streamed reply.
#[derive(Debug, Clone)]
pub enum Piece {
    /// Bytes to write (with `{KEY}` replaced), then flush.
    Bytes(String),
    /// Wait this long before the next piece.
    Pause(Duration),
    /// Hold the connection open without writing, for this long.
    Stall(Duration),
}

/// What the fake answers to one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// HTTP 200 `text/event-stream`, the pieces, then the connection closes.
    Stream(Vec<Piece>),
    /// A status with extra headers and a JSON body (with `{KEY}` replaced).
    Status {
        /// The HTTP status.
        status: u16,
        /// Extra headers, e.g. `retry-after`.
        headers: Vec<(String, String)>,
        /// The body.
        body: String,
    },
    /// HTTP 200 with a content type other than an event stream.
    Json(String),
}

impl Reply {
    /// A whole SSE stream written at once.
    pub fn stream(text: impl Into<String>) -> Self {
        Self::Stream(vec![Piece::Bytes(text.into())])
    }

    /// A status with a body and no extra headers.
    pub fn status(status: u16, body: impl Into<String>) -> Self {
        Self::Status {
            status,
            headers: vec![],
            body: body.into(),
        }
    }

    /// A status with one extra header.
    pub fn status_with(status: u16, header: (&str, &str), body: impl Into<String>) -> Self {
        Self::Status {
            status,
            headers: vec![(header.0.to_owned(), header.1.to_owned())],
            body: body.into(),
        }
    }
}

/// A request the fake received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request line's path.
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: HashMap<String, String>,
    /// The JSON body (`null` if it did not parse).
    pub body: Value,
}

/// A running fake; stops with the test's runtime.
pub struct FakeLlm {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl FakeLlm {
    /// Starts a fake answering with `script`, in order; the last reply
    /// repeats for any later request.
    pub async fn start(script: Vec<Reply>) -> Self {
        assert!(!script.is_empty(), "a script needs a reply");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr: SocketAddr = listener.local_addr().expect("address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let seen = received.clone();
        let script = Arc::new(script);
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let seen = seen.clone();
                let script = script.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, &seen, &script).await;
                });
            }
        });
        Self {
            base: format!("http://{addr}"),
            received,
        }
    }

    /// The requests received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// How many requests came.
    pub fn count(&self) -> usize {
        self.received.lock().expect("lock").len()
    }
}

/// Reads one request and writes the scripted reply.
async fn serve(
    mut socket: TcpStream,
    seen: &Mutex<Vec<Received>>,
    script: &[Reply],
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or_default()
        .to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&buffer[head_end..]).unwrap_or(Value::Null);
    let key = headers
        .get("x-api-key")
        .cloned()
        .or_else(|| {
            headers
                .get("authorization")
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let index = {
        let mut seen = seen.lock().expect("lock");
        seen.push(Received {
            path,
            headers,
            body,
        });
        seen.len() - 1
    };
    let reply = &script[index.min(script.len() - 1)];
    let echo = |text: &str| text.replace("{KEY}", &key);
    match reply {
        Reply::Stream(pieces) => {
            socket
                .write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
                      cache-control: no-cache\r\nconnection: close\r\n\r\n",
                )
                .await?;
            socket.flush().await?;
            for piece in pieces {
                match piece {
                    Piece::Bytes(text) => {
                        socket.write_all(echo(text).as_bytes()).await?;
                        socket.flush().await?;
                    }
                    Piece::Pause(wait) | Piece::Stall(wait) => tokio::time::sleep(*wait).await,
                }
            }
        }
        Reply::Status {
            status,
            headers,
            body,
        } => {
            let body = echo(body);
            let mut head = format!(
                "HTTP/1.1 {status} Status\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(body.as_bytes()).await?;
        }
        Reply::Json(body) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(body.as_bytes()).await?;
        }
    }
    socket.shutdown().await
}

/// Settings for tests: tiny waits, no proxies; `idle` as given.
pub fn fast_settings(idle: Duration) -> LlmSettings {
    LlmSettings {
        connect_timeout: Duration::from_secs(2),
        idle_timeout: idle,
        max_attempts: 3,
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(4),
        max_retry_after: Duration::from_millis(30),
        proxy_from_env: false,
        ..LlmSettings::default()
    }
}

/// One SSE frame with an event name.
pub fn frame(event: &str, data: &Value) -> String {
    format!("event: {event}\ndata: {data}\n\n")
}

/// One SSE frame with data only.
pub fn data(data: &Value) -> String {
    format!("data: {data}\n\n")
}

/// Anthropic's `message_start` with `input_tokens`.
pub fn anthropic_start(input_tokens: u64) -> String {
    frame(
        "message_start",
        &json!({"type": "message_start", "message": {"id": "msg_1", "type": "message",
            "role": "assistant", "content": [], "model": "claude-test", "stop_reason": null,
            "usage": {"input_tokens": input_tokens, "output_tokens": 1}}}),
    )
}

/// Anthropic's text block `index` with `pieces` as deltas.
pub fn anthropic_text_block(index: u64, pieces: &[&str]) -> String {
    let mut out = frame(
        "content_block_start",
        &json!({"type": "content_block_start", "index": index,
            "content_block": {"type": "text", "text": ""}}),
    );
    for piece in pieces {
        out.push_str(&frame(
            "content_block_delta",
            &json!({"type": "content_block_delta", "index": index,
                "delta": {"type": "text_delta", "text": piece}}),
        ));
    }
    out.push_str(&frame(
        "content_block_stop",
        &json!({"type": "content_block_stop", "index": index}),
    ));
    out
}

/// Anthropic's tool_use block `index` with its input in `pieces`.
pub fn anthropic_tool_block(index: u64, id: &str, name: &str, pieces: &[&str]) -> String {
    let mut out = frame(
        "content_block_start",
        &json!({"type": "content_block_start", "index": index,
            "content_block": {"type": "tool_use", "id": id, "name": name, "input": {}}}),
    );
    for piece in pieces {
        out.push_str(&frame(
            "content_block_delta",
            &json!({"type": "content_block_delta", "index": index,
                "delta": {"type": "input_json_delta", "partial_json": piece}}),
        ));
    }
    out.push_str(&frame(
        "content_block_stop",
        &json!({"type": "content_block_stop", "index": index}),
    ));
    out
}

/// Anthropic's `message_delta` and `message_stop`.
pub fn anthropic_end(stop_reason: &str, output_tokens: u64) -> String {
    let mut out = frame(
        "message_delta",
        &json!({"type": "message_delta", "delta": {"stop_reason": stop_reason,
            "stop_sequence": null}, "usage": {"output_tokens": output_tokens}}),
    );
    out.push_str(&frame("message_stop", &json!({"type": "message_stop"})));
    out
}

/// A whole Anthropic text answer.
pub fn anthropic_text_answer(pieces: &[&str]) -> String {
    format!(
        "{}{}{}",
        anthropic_start(10),
        anthropic_text_block(0, pieces),
        anthropic_end("end_turn", 7)
    )
}

/// An Anthropic error body or in-stream error data.
pub fn anthropic_error(kind: &str, message: &str) -> String {
    json!({"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_1"})
        .to_string()
}

/// An OpenAI chunk with `delta` and `finish_reason` for choice 0.
pub fn openai_chunk(delta: &Value, finish_reason: Option<&str>) -> String {
    data(
        &json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
        "model": "local", "choices": [{"index": 0, "delta": delta,
        "finish_reason": finish_reason}]}),
    )
}

/// An OpenAI usage chunk; `choices` is `[]` or `null`.
pub fn openai_usage(choices: &Value, prompt: u64, completion: u64) -> String {
    data(
        &json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
        "model": "local", "choices": choices, "usage": {"prompt_tokens": prompt,
        "completion_tokens": completion, "total_tokens": prompt + completion}}),
    )
}

/// A whole OpenAI text answer with usage and `[DONE]`.
pub fn openai_text_answer(pieces: &[&str]) -> String {
    let mut out = openai_chunk(&json!({"role": "assistant", "content": ""}), None);
    for piece in pieces {
        out.push_str(&openai_chunk(&json!({"content": piece}), None));
    }
    out.push_str(&openai_chunk(&json!({}), Some("stop")));
    out.push_str(&openai_usage(&json!([]), 12, 5));
    out.push_str("data: [DONE]\n\n");
    out
}
