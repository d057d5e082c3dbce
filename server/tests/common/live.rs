//! Helpers for the live-updates tests: tickets, WebSocket clients that
//! read JSON frames with a deadline, and a fake webhook receiver that
//! answers with scripted statuses and records every body it got.
//! Included with `#[path]` next to `spawn.rs`.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{self, Message};

use super::spawn::Api;

/// A client socket.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a test waits for one frame before it fails.
pub const FRAME_LIMIT: Duration = Duration::from_secs(240);

/// A fresh ticket from `POST /api/ws/ticket`; panics unless 200.
pub async fn ticket(api: &Api) -> String {
    let answer = api.post("/api/ws/ticket", &serde_json::json!({})).await;
    answer.expect(200, None);
    assert_eq!(answer.json["expires_in_s"], 30);
    answer.json["ticket"]
        .as_str()
        .expect("a ticket")
        .to_string()
}

/// Opens `/api/ws` on `api`'s server with `ticket` (none: no query) and
/// `origin` (none: no header).
pub async fn connect(
    api: &Api,
    ticket: Option<&str>,
    origin: Option<&str>,
) -> Result<Socket, tungstenite::Error> {
    let base = api.base.replacen("http://", "ws://", 1);
    let url = match ticket {
        Some(ticket) => format!("{base}/api/ws?ticket={ticket}"),
        None => format!("{base}/api/ws"),
    };
    let mut request = url.into_client_request()?;
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().expect("a header value"));
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

/// A socket of `api`'s user, with a new ticket; panics if refused.
pub async fn open(api: &Api) -> Socket {
    let ticket = ticket(api).await;
    connect(api, Some(&ticket), None)
        .await
        .expect("the socket opens")
}

/// The status and problem `code` of a refused handshake.
pub fn refusal(error: tungstenite::Error) -> (u16, String) {
    match error {
        tungstenite::Error::Http(response) => {
            let body: Value = response
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or(Value::Null);
            (
                response.status().as_u16(),
                body["code"].as_str().unwrap_or("").to_string(),
            )
        }
        other => panic!("expected an HTTP refusal, got {other}"),
    }
}

/// The next JSON text frame within `limit` (pings and pongs skipped);
/// `None` when nothing came in time.
pub async fn next_frame(socket: &mut Socket, limit: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .ok()?;
        match message.expect("the socket stays open").expect("a frame") {
            Message::Text(text) => return Some(serde_json::from_str(&text).expect("JSON frames")),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// Every frame until `trial_id`'s `trial_finished` event, that one included.
pub async fn until_finished(socket: &mut Socket, trial_id: i64) -> Vec<Value> {
    let mut frames = Vec::new();
    loop {
        let frame = next_frame(socket, FRAME_LIMIT)
            .await
            .unwrap_or_else(|| panic!("trial {trial_id} never finished on the socket: {frames:?}"));
        let done = frame["type"] == "event"
            && frame["trial_id"] == trial_id
            && frame["event"]["event"] == "trial_finished";
        frames.push(frame);
        if done {
            return frames;
        }
    }
}

/// The seqs of `trial_id`'s event frames, in arrival order.
pub fn seqs(frames: &[Value], trial_id: i64) -> Vec<u64> {
    frames
        .iter()
        .filter(|f| f["type"] == "event" && f["trial_id"] == trial_id)
        .map(|f| f["event"]["seq"].as_u64().expect("a seq"))
        .collect()
}

/// The close code the server ends `socket` with (frames before it skipped).
pub async fn closing(socket: &mut Socket) -> u16 {
    loop {
        let message = tokio::time::timeout(FRAME_LIMIT, socket.next())
            .await
            .expect("the server closes the socket");
        match message {
            Some(Ok(Message::Close(Some(frame)))) => return u16::from(frame.code),
            Some(Ok(Message::Close(None))) => return 1005,
            Some(Ok(_)) => {}
            other => panic!("no close frame: {other:?}"),
        }
    }
}

/// Sends `frame` as JSON text.
pub async fn send(socket: &mut Socket, frame: &Value) {
    socket
        .send(Message::text(frame.to_string()))
        .await
        .expect("send a frame");
}

/// A fake webhook receiver: answers each POST with the next scripted
/// status (the last one repeats) and records each body.
#[derive(Clone)]
pub struct FakeWebhook {
    /// `http://127.0.0.1:PORT/hook/SECRET-PATH`.
    pub url: String,
    /// The JSON bodies received, in order.
    pub bodies: Arc<Mutex<Vec<Value>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
}

impl FakeWebhook {
    /// Starts a receiver that answers with `statuses` in turn.
    pub async fn start(statuses: &[u16]) -> FakeWebhook {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind an ephemeral port");
        let addr: SocketAddr = listener.local_addr().expect("bound address");
        let fake = FakeWebhook {
            url: format!("http://{addr}/hook/T000/B000/SECRETPATH"),
            bodies: Arc::new(Mutex::new(Vec::new())),
            script: Arc::new(Mutex::new(statuses.iter().copied().collect())),
        };
        let router = Router::new()
            .route("/hook/T000/B000/SECRETPATH", post(receive))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        fake
    }

    /// The bodies received so far.
    pub fn received(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }
}

async fn receive(State(fake): State<FakeWebhook>, body: axum::body::Bytes) -> StatusCode {
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    fake.bodies.lock().unwrap().push(json);
    let mut script = fake.script.lock().unwrap();
    let status = if script.len() > 1 {
        script.pop_front()
    } else {
        script.front().copied()
    };
    StatusCode::from_u16(status.unwrap_or(200)).expect("a status")
}
