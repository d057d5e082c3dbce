//! One open WebSocket: forwards the user's live events, answers
//! `subscribe` frames with the stored events after the client's last seq,
//! and catches up from the store when it falls behind the user's channel.
//!
//! Per trial it keeps the last seq it sent (its cursor) and sends only the
//! next one: an older event is a duplicate and skipped; a newer one means
//! some are missing, and they are read from the store first. So a client
//! sees each trial's events once, in order, without gaps, whichever way
//! (store or channel) they came. Must not write anything.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::ws::{close_code, CloseFrame, Message, Utf8Bytes, WebSocket};
use shared::api::{ClientFrame, ServerFrame};
use tokio::sync::broadcast::error::RecvError;

use super::{Published, Slot};
use crate::problem::Problem;
use crate::state::AppState;
use crate::store::{now_ms, trials};

/// How often the server pings.
pub const PING_EVERY: Duration = Duration::from_secs(20);
/// A client silent (no pong, no frame) for this long is closed.
pub const SILENT_LIMIT: Duration = Duration::from_secs(60);
/// Stored events read per page when catching up.
pub const PAGE: u32 = 500;
/// Largest frame accepted from a client, in bytes.
pub const MAX_CLIENT_FRAME: usize = 4096;

/// Why the loop stopped.
enum Stop {
    /// The client went away or the connection broke.
    Gone,
    /// Close with this code and reason.
    Close(u16, &'static str),
}

impl From<axum::Error> for Stop {
    fn from(_: axum::Error) -> Stop {
        Stop::Gone
    }
}

impl From<Problem> for Stop {
    fn from(problem: Problem) -> Stop {
        tracing::error!(error = %problem.detail(), "live socket: the store failed");
        Stop::Close(close_code::ERROR, "the store failed")
    }
}

/// One socket's state.
struct Live {
    state: AppState,
    user_id: i64,
    opened_ms: i64,
    cursors: HashMap<i64, u64>,
    socket: WebSocket,
}

/// Runs the socket of `user_id` until it closes. `slot` was taken before
/// the upgrade, so no event stored since then is missed.
pub async fn run(state: AppState, user_id: i64, slot: Slot, socket: WebSocket) {
    let mut live = Live {
        state,
        user_id,
        opened_ms: now_ms(),
        cursors: HashMap::new(),
        socket,
    };
    let stop = live.serve(slot).await;
    if let Stop::Close(code, reason) = stop {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        let _ = live.socket.send(Message::Close(Some(frame))).await;
    }
}

impl Live {
    async fn serve(&mut self, mut slot: Slot) -> Stop {
        let mut shutdown = self.state.live.shutdown_signal();
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await;
        let mut heard = tokio::time::Instant::now();
        loop {
            let step = tokio::select! {
                _ = async { shutdown.wait_for(|stop| *stop).await.is_ok() } => {
                    Err(Stop::Close(close_code::AWAY, "the server is shutting down"))
                }
                message = self.socket.recv() => {
                    heard = tokio::time::Instant::now();
                    self.on_message(message).await
                }
                published = slot.receiver.recv() => match published {
                    Ok(published) => self.deliver(&published).await,
                    Err(RecvError::Lagged(missed)) => self.resync(missed).await,
                    Err(RecvError::Closed) => Err(Stop::Close(close_code::AWAY, "closed")),
                },
                _ = ping.tick() => {
                    if heard.elapsed() > SILENT_LIMIT {
                        Err(Stop::Close(close_code::POLICY, "no pong"))
                    } else {
                        self.socket.send(Message::Ping(bytes::Bytes::new())).await.map_err(Stop::from)
                    }
                }
            };
            if let Err(stop) = step {
                return stop;
            }
        }
    }

    async fn on_message(
        &mut self,
        message: Option<Result<Message, axum::Error>>,
    ) -> Result<(), Stop> {
        let text = match message {
            None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Err(Stop::Gone),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => return Ok(()),
            Some(Ok(Message::Binary(_))) => {
                return self
                    .send_error("invalid_frame", "frames are JSON text".into())
                    .await
            }
            Some(Ok(Message::Text(text))) => text,
        };
        match serde_json::from_str::<ClientFrame>(&text) {
            Ok(ClientFrame::Subscribe { trial_id, after }) => self.subscribe(trial_id, after).await,
            Err(error) => {
                self.send_error(
                    "invalid_frame",
                    format!("expected {{\"type\":\"subscribe\",\"trial_id\":ID,\"after\":SEQ}}: {error}"),
                )
                .await
            }
        }
    }

    async fn send_error(&mut self, code: &str, detail: String) -> Result<(), Stop> {
        let frame = ServerFrame::Error {
            code: code.to_string(),
            detail,
        };
        let text = serde_json::to_string(&frame).unwrap_or_default();
        self.socket.send(Message::Text(text.into())).await?;
        Ok(())
    }

    /// The stored events of `trial_id` after `after` (or after what this
    /// socket already sent), then live ones.
    async fn subscribe(&mut self, trial_id: i64, after: u64) -> Result<(), Stop> {
        let user_id = self.user_id;
        let status = self
            .state
            .store
            .read(move |c| trials::status(c, user_id, trial_id).map_err(Problem::from))
            .await?;
        if status.is_none() {
            return self
                .send_error("not_found", format!("no trial {trial_id}"))
                .await;
        }
        let cursor = self.cursors.entry(trial_id).or_insert(0);
        *cursor = (*cursor).max(after);
        self.catch_up(trial_id).await
    }

    /// Sends `published` if it is the next event of its trial; fills a gap
    /// from the store first; skips what was already sent.
    async fn deliver(&mut self, published: &Published) -> Result<(), Stop> {
        let cursor = self.cursors.get(&published.trial_id).copied().unwrap_or(0);
        if published.seq <= cursor {
            return Ok(());
        }
        if published.seq > cursor + 1 {
            return self.catch_up(published.trial_id).await;
        }
        self.socket
            .send(Message::Text(published.frame.clone()))
            .await?;
        self.cursors.insert(published.trial_id, published.seq);
        Ok(())
    }

    /// The socket fell behind by `missed` live events: says so, then sends
    /// every event it may have missed from the store.
    async fn resync(&mut self, missed: u64) -> Result<(), Stop> {
        let frame = serde_json::to_string(&ServerFrame::Resync { missed }).unwrap_or_default();
        self.socket.send(Message::Text(frame.into())).await?;
        let (user_id, since) = (self.user_id, self.opened_ms);
        let mut trial_ids = self
            .state
            .store
            .read(move |c| trials::active_since(c, user_id, since).map_err(Problem::from))
            .await?;
        trial_ids.extend(self.cursors.keys().copied());
        trial_ids.sort_unstable();
        trial_ids.dedup();
        for trial_id in trial_ids {
            self.catch_up(trial_id).await?;
        }
        Ok(())
    }

    /// Sends `trial_id`'s stored events after its cursor, page by page.
    async fn catch_up(&mut self, trial_id: i64) -> Result<(), Stop> {
        let user_id = self.user_id;
        loop {
            let after = self.cursors.get(&trial_id).copied().unwrap_or(0);
            let events = self
                .state
                .store
                .read(move |c| {
                    trials::events_after(c, user_id, trial_id, after, PAGE).map_err(Problem::from)
                })
                .await?;
            let full = events.len() == PAGE as usize;
            for event in &events {
                let published = Published::new(trial_id, event);
                self.socket.send(Message::Text(published.frame)).await?;
                self.cursors.insert(trial_id, event.seq);
            }
            if !full {
                return Ok(());
            }
        }
    }
}
