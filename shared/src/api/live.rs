//! Live updates on the wire: the WebSocket at [`WS_PATH`] and the ticket
//! that opens it ([`WS_TICKET_PATH`]).
//!
//! The protocol, for clients:
//!
//! 1. `POST /api/ws/ticket` (authenticated like any API call) answers a
//!    [`WsTicket`]: an opaque single-use ticket valid for
//!    [`WS_TICKET_TTL_S`] seconds.
//! 2. Open `ws(s)://HOST/api/ws?ticket=TICKET` from the app's own origin.
//!    A missing, unknown, expired or already used ticket, a foreign
//!    `Origin`, or too many open sockets of the user is refused before the
//!    upgrade with problem+json (`ticket_missing`, `ticket_invalid`,
//!    `ticket_expired`, `ticket_used`, `origin_refused`, `too_many_sockets`).
//! 3. The server sends [`ServerFrame`]s as JSON text frames: every event of
//!    every trial of the user, as it is stored. Per trial and socket, events
//!    arrive in `seq` order, each at most once and without gaps: a trial the
//!    socket has not seen yet is sent from its first event (seq 1) unless
//!    the client subscribed to it first.
//! 4. The client may send [`ClientFrame::Subscribe`] with the last `seq` it
//!    has of a trial (0 for none): the server sends the stored events after
//!    it, then live ones. Send one per trial on screen after (re)connecting.
//! 5. A client that falls behind gets [`ServerFrame::Resync`], followed by
//!    the events it missed, read from the store: it keeps every event once.
//! 6. The server pings every 20 s; it closes with 1001 when it shuts down.
//!
//! Plain data only; the server's `live` module implements it.

use serde::{Deserialize, Serialize};

use crate::trial::TrialEvent;

/// The WebSocket's path.
pub const WS_PATH: &str = "/api/ws";
/// The path that issues tickets (`POST`).
pub const WS_TICKET_PATH: &str = "/api/ws/ticket";
/// How long a ticket stays valid, in seconds.
pub const WS_TICKET_TTL_S: u64 = 30;

/// `POST /api/ws/ticket`'s answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WsTicket {
    /// The ticket: pass it once as `?ticket=` on [`WS_PATH`].
    pub ticket: String,
    /// Seconds it stays valid.
    pub expires_in_s: u64,
}

/// A frame from the server (JSON text), tagged by `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// One stored event of one of the user's trials:
    /// `{"type":"event","trial_id":7,"event":{"seq":3,"event":"step_started","step":"fit"}}`.
    Event {
        /// The trial.
        trial_id: i64,
        /// The event, as `GET /api/trials/{id}` lists it.
        event: TrialEvent,
    },
    /// The socket fell behind and `missed` live events were dropped; the
    /// events that follow are read from the store: `{"type":"resync","missed":12}`.
    Resync {
        /// How many live events were dropped (they follow, from the store).
        missed: u64,
    },
    /// A client frame could not be acted on; the socket stays open:
    /// `{"type":"error","code":"not_found","detail":"no trial 9"}`.
    Error {
        /// `invalid_frame` or `not_found`.
        code: String,
        /// What was wrong, for people.
        detail: String,
    },
}

/// A frame from the client (JSON text), tagged by `type`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Send `trial_id`'s events after `after`, then live ones:
    /// `{"type":"subscribe","trial_id":7,"after":42}`.
    Subscribe {
        /// The trial.
        trial_id: i64,
        /// The last seq the client has (0 or absent: none).
        #[serde(default)]
        after: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trial::EventKind;

    #[test]
    fn frames_have_the_documented_shape() {
        let frame = ServerFrame::Event {
            trial_id: 7,
            event: TrialEvent {
                seq: 3,
                kind: EventKind::StepStarted { step: "fit".into() },
            },
        };
        assert_eq!(
            serde_json::to_value(&frame).unwrap(),
            serde_json::json!({"type": "event", "trial_id": 7,
                "event": {"seq": 3, "event": "step_started", "step": "fit"}})
        );
        assert_eq!(
            serde_json::to_value(ServerFrame::Resync { missed: 2 }).unwrap(),
            serde_json::json!({"type": "resync", "missed": 2})
        );
        let subscribe: ClientFrame =
            serde_json::from_str(r#"{"type":"subscribe","trial_id":7}"#).unwrap();
        assert_eq!(
            subscribe,
            ClientFrame::Subscribe {
                trial_id: 7,
                after: 0
            }
        );
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"nope"}"#).is_err());
    }
}
