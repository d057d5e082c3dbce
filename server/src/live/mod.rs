//! Live updates: the per-user hub that carries stored trial events to the
//! user's open WebSockets, the tickets that open them ([`ticket`]) and the
//! socket loop ([`socket`]). The protocol is documented in
//! `shared::api::live`.
//!
//! [`LiveHub::publish`] is called by the trial runner after the events'
//! transaction commits, so a socket never sees an event that is not
//! stored. Each user has one `tokio::sync::broadcast` channel, created
//! when their first socket opens and dropped with their last; another
//! user's sockets never receive it. A socket that falls behind the
//! channel's buffer catches up from the store instead of being dropped.
//!
//! Must not store events (the runner does) or answer HTTP (that is
//! `routes::live`).

pub mod socket;
pub mod ticket;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use shared::api::ServerFrame;
use shared::trial::TrialEvent;
use tokio::sync::{broadcast, watch};

pub use ticket::{TicketError, Tickets};

/// Live events buffered per user when `MLTRAINER_WS_BUFFER` is not set.
pub const DEFAULT_BUFFER: usize = 256;
/// Open sockets per user when `MLTRAINER_WS_PER_USER` is not set.
pub const DEFAULT_SOCKETS_PER_USER: usize = 16;

/// The hub's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveSettings {
    /// Live events buffered per user before a slow socket must resync
    /// from the store (1 to 65536).
    pub buffer: usize,
    /// Most sockets one user may have open (1 to 1024).
    pub sockets_per_user: usize,
}

impl Default for LiveSettings {
    fn default() -> Self {
        LiveSettings {
            buffer: DEFAULT_BUFFER,
            sockets_per_user: DEFAULT_SOCKETS_PER_USER,
        }
    }
}

/// One stored event on its way to the sockets, serialised once.
#[derive(Debug, Clone)]
pub struct Published {
    /// The trial.
    pub trial_id: i64,
    /// The event's sequence number.
    pub seq: u64,
    /// The [`ServerFrame::Event`] as JSON text.
    pub frame: Utf8Bytes,
}

impl Published {
    /// `event` of `trial_id`, serialised as its frame.
    pub fn new(trial_id: i64, event: &TrialEvent) -> Published {
        let frame = ServerFrame::Event {
            trial_id,
            event: event.clone(),
        };
        // Serialising plain data with string keys cannot fail.
        let text = serde_json::to_string(&frame).unwrap_or_default();
        Published {
            trial_id,
            seq: event.seq,
            frame: Utf8Bytes::from(text),
        }
    }
}

struct UserChannel {
    sender: broadcast::Sender<Published>,
    sockets: usize,
}

struct Inner {
    settings: LiveSettings,
    origins: Vec<String>,
    tickets: Tickets,
    users: Mutex<HashMap<i64, UserChannel>>,
    open: watch::Sender<usize>,
    shutdown: watch::Sender<bool>,
}

/// The hub. Cheap to clone.
#[derive(Clone)]
pub struct LiveHub {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for LiveHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveHub")
            .field("settings", &self.inner.settings)
            .field("open", &*self.inner.open.borrow())
            .finish()
    }
}

/// A socket slot of one user, held while the socket is open: its
/// receiver of the user's channel. Dropping it frees the slot.
#[derive(Debug)]
pub struct Slot {
    hub: LiveHub,
    user_id: i64,
    /// Live events of the user, from when the slot was taken.
    pub receiver: broadcast::Receiver<Published>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut users = self
            .hub
            .inner
            .users
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(channel) = users.get_mut(&self.user_id) {
            channel.sockets = channel.sockets.saturating_sub(1);
            if channel.sockets == 0 {
                users.remove(&self.user_id);
            }
        }
        drop(users);
        self.hub
            .inner
            .open
            .send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// The user already has the most sockets allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many open sockets (at most {0} per user): close one first")]
pub struct TooManySockets(pub usize);

impl LiveHub {
    /// A hub with `settings`, accepting sockets opened from `origins`.
    pub fn new(settings: LiveSettings, origins: Vec<String>) -> LiveHub {
        LiveHub {
            inner: Arc::new(Inner {
                settings,
                origins,
                tickets: Tickets::default(),
                users: Mutex::new(HashMap::new()),
                open: watch::Sender::new(0),
                shutdown: watch::Sender::new(false),
            }),
        }
    }

    /// The hub's limits.
    pub fn settings(&self) -> LiveSettings {
        self.inner.settings
    }

    /// The tickets.
    pub fn tickets(&self) -> &Tickets {
        &self.inner.tickets
    }

    /// Whether a socket opened with this `Origin` header may proceed:
    /// the app's own origins (as CORS decides them), or no `Origin` at all
    /// (not a browser; the ticket still has to be valid).
    pub fn origin_allowed(&self, origin: Option<&str>) -> bool {
        origin.is_none_or(|origin| {
            let origin = origin.trim_end_matches('/');
            self.inner.origins.iter().any(|o| o == origin)
        })
    }

    /// Takes a socket slot for `user_id`, subscribing to their channel
    /// (created on demand).
    pub fn open(&self, user_id: i64) -> Result<Slot, TooManySockets> {
        let mut users = self
            .inner
            .users
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let capacity = self.inner.settings.buffer.max(1);
        let channel = users.entry(user_id).or_insert_with(|| UserChannel {
            sender: broadcast::Sender::new(capacity),
            sockets: 0,
        });
        if channel.sockets >= self.inner.settings.sockets_per_user {
            return Err(TooManySockets(self.inner.settings.sockets_per_user));
        }
        channel.sockets += 1;
        let receiver = channel.sender.subscribe();
        drop(users);
        self.inner.open.send_modify(|n| *n += 1);
        Ok(Slot {
            hub: self.clone(),
            user_id,
            receiver,
        })
    }

    /// Sends stored `events` of `user_id`'s trial `trial_id` to the user's
    /// open sockets, in order. Call only after their transaction committed.
    pub fn publish(&self, user_id: i64, trial_id: i64, events: &[TrialEvent]) {
        let sender = self
            .inner
            .users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&user_id)
            .map(|channel| channel.sender.clone());
        let Some(sender) = sender else {
            return;
        };
        for event in events {
            // An error only means no socket is listening right now.
            let _ = sender.send(Published::new(trial_id, event));
        }
    }

    /// Sockets open now, all users together.
    pub fn open_sockets(&self) -> usize {
        *self.inner.open.borrow()
    }

    /// A receiver that turns true when the server shuts down.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.inner.shutdown.subscribe()
    }

    /// Asks every socket to close (1001, going away) and waits up to
    /// `grace` for them to finish.
    pub async fn close_all(&self, grace: Duration) {
        self.inner.shutdown.send_replace(true);
        let mut open = self.inner.open.subscribe();
        let _ = tokio::time::timeout(grace, open.wait_for(|n| *n == 0)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::trial::EventKind;

    fn event(seq: u64) -> TrialEvent {
        TrialEvent {
            seq,
            kind: EventKind::StepStarted { step: "a".into() },
        }
    }

    #[tokio::test]
    async fn events_reach_only_their_users_sockets_and_slots_are_capped() {
        let hub = LiveHub::new(
            LiveSettings {
                buffer: 8,
                sockets_per_user: 2,
            },
            vec!["http://127.0.0.1:8080".into()],
        );
        let mut a1 = hub.open(1).unwrap();
        let mut a2 = hub.open(1).unwrap();
        assert_eq!(hub.open(1).unwrap_err(), TooManySockets(2));
        let mut b = hub.open(2).unwrap();
        hub.publish(1, 7, &[event(1), event(2)]);
        for slot in [&mut a1, &mut a2] {
            let first = slot.receiver.recv().await.unwrap();
            assert_eq!((first.trial_id, first.seq), (7, 1));
            assert!(first
                .frame
                .as_str()
                .starts_with(r#"{"type":"event","trial_id":7"#));
            assert_eq!(slot.receiver.recv().await.unwrap().seq, 2);
        }
        assert!(b.receiver.try_recv().is_err(), "another user sees nothing");
        assert_eq!(hub.open_sockets(), 3);
        drop(a1);
        let _again = hub.open(1).unwrap();
        drop((a2, b));
        assert_eq!(hub.open_sockets(), 1);
        hub.close_all(Duration::from_millis(10)).await;
        assert!(*hub.shutdown_signal().borrow());
    }

    #[test]
    fn origins_are_the_apps_own_or_none() {
        let hub = LiveHub::new(LiveSettings::default(), vec!["https://app.example".into()]);
        assert!(hub.origin_allowed(Some("https://app.example")));
        assert!(hub.origin_allowed(Some("https://app.example/")));
        assert!(hub.origin_allowed(None));
        assert!(!hub.origin_allowed(Some("https://evil.example")));
        assert!(!hub.origin_allowed(Some("null")));
    }
}
