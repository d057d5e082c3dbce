//! Single-use WebSocket tickets. Browsers cannot set an `Authorization`
//! header on a WebSocket, and an access token in a URL would be written to
//! logs and history; instead an authenticated `POST /api/ws/ticket` issues
//! a random ticket valid for [`WS_TICKET_TTL_S`] seconds and for one
//! connection, bound to the user who asked.
//!
//! Only the SHA-256 of each ticket is kept, in memory (a restart drops
//! them all; clients ask again), so a memory dump or a debug print never
//! shows a usable ticket. A redeemed ticket is remembered as used until it
//! would have expired, so a replay is answered as such.
//!
//! Must not answer HTTP or open sockets (that is `routes::live`).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use shared::api::WS_TICKET_TTL_S;

use crate::auth::Session;

/// Most unredeemed tickets one user may hold at once.
pub const MAX_TICKETS_PER_USER: usize = 32;

/// Why a ticket does not open a socket.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// No `?ticket=` was given.
    #[error("the WebSocket needs ?ticket=: ask POST /api/ws/ticket for one")]
    Missing,
    /// No such ticket was issued (or it was forgotten after expiring).
    #[error("the ticket is not valid: ask POST /api/ws/ticket for a new one")]
    Invalid,
    /// The ticket was issued more than its lifetime ago.
    #[error("the ticket expired (tickets last {WS_TICKET_TTL_S} s): ask for a new one")]
    Expired,
    /// The ticket already opened a socket.
    #[error("the ticket was already used (tickets open one socket): ask for a new one")]
    Used,
    /// The user holds too many unredeemed tickets.
    #[error("too many unused tickets (at most {MAX_TICKETS_PER_USER}): use or let them expire")]
    TooMany,
    /// The system's random source failed.
    #[error("no random bytes for a ticket")]
    Random,
}

impl TicketError {
    /// The problem+json `code`.
    pub fn code(&self) -> &'static str {
        match self {
            TicketError::Missing => "ticket_missing",
            TicketError::Invalid => "ticket_invalid",
            TicketError::Expired => "ticket_expired",
            TicketError::Used => "ticket_used",
            TicketError::TooMany => "rate_limited",
            TicketError::Random => "internal",
        }
    }
}

struct Entry {
    session: Session,
    expires: Instant,
    used: bool,
}

/// The issued tickets, by hash.
pub struct Tickets {
    ttl: Duration,
    entries: Mutex<HashMap<[u8; 32], Entry>>,
}

impl std::fmt::Debug for Tickets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tickets").field("ttl", &self.ttl).finish()
    }
}

impl Default for Tickets {
    fn default() -> Self {
        Tickets::new(Duration::from_secs(WS_TICKET_TTL_S))
    }
}

fn hash(ticket: &str) -> [u8; 32] {
    Sha256::digest(ticket.as_bytes()).into()
}

impl Tickets {
    /// An empty store whose tickets last `ttl`.
    pub fn new(ttl: Duration) -> Tickets {
        Tickets {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Issues a ticket for `session` at `now`: 32 random bytes, base64url.
    pub fn issue(&self, session: &Session, now: Instant) -> Result<String, TicketError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|_| TicketError::Random)?;
        let ticket = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|_, entry| entry.expires > now);
        let held = entries
            .values()
            .filter(|e| !e.used && e.session.user_id == session.user_id)
            .count();
        if held >= MAX_TICKETS_PER_USER {
            return Err(TicketError::TooMany);
        }
        entries.insert(
            hash(&ticket),
            Entry {
                session: session.clone(),
                expires: now + self.ttl,
                used: false,
            },
        );
        Ok(ticket)
    }

    /// Redeems `ticket` at `now`: the session it was issued to, once.
    pub fn redeem(&self, ticket: Option<&str>, now: Instant) -> Result<Session, TicketError> {
        let ticket = ticket
            .filter(|t| !t.is_empty())
            .ok_or(TicketError::Missing)?;
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = entries.get_mut(&hash(ticket)).ok_or(TicketError::Invalid)?;
        if entry.used {
            return Err(TicketError::Used);
        }
        if entry.expires <= now {
            return Err(TicketError::Expired);
        }
        entry.used = true;
        Ok(entry.session.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::Role;

    fn session(user_id: i64) -> Session {
        Session {
            user_id,
            username: format!("user{user_id}"),
            role: Role::Analyst,
            local: false,
        }
    }

    #[test]
    fn a_ticket_opens_once_for_its_user_until_it_expires() {
        let tickets = Tickets::new(Duration::from_secs(30));
        let t0 = Instant::now();
        let a = tickets.issue(&session(1), t0).unwrap();
        let b = tickets.issue(&session(2), t0).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "32 bytes in base64url");
        assert_eq!(tickets.redeem(Some(&b), t0).unwrap().user_id, 2);
        let later = t0 + Duration::from_secs(29);
        assert_eq!(tickets.redeem(Some(&a), later).unwrap().user_id, 1);
        assert_eq!(tickets.redeem(Some(&a), later), Err(TicketError::Used));
        let c = tickets.issue(&session(1), t0).unwrap();
        assert_eq!(
            tickets.redeem(Some(&c), t0 + Duration::from_secs(30)),
            Err(TicketError::Expired)
        );
        assert_eq!(tickets.redeem(None, t0), Err(TicketError::Missing));
        assert_eq!(tickets.redeem(Some(""), t0), Err(TicketError::Missing));
        assert_eq!(
            tickets.redeem(Some("forged"), t0),
            Err(TicketError::Invalid)
        );
        // Expired entries are forgotten at the next issue.
        tickets
            .issue(&session(3), t0 + Duration::from_secs(60))
            .unwrap();
        assert_eq!(
            tickets.redeem(Some(&c), t0 + Duration::from_secs(60)),
            Err(TicketError::Invalid)
        );
    }

    #[test]
    fn only_hashes_are_kept_and_unused_tickets_are_capped() {
        let tickets = Tickets::default();
        let t0 = Instant::now();
        let mut issued = Vec::new();
        for _ in 0..MAX_TICKETS_PER_USER {
            issued.push(tickets.issue(&session(1), t0).unwrap());
        }
        assert_eq!(tickets.issue(&session(1), t0), Err(TicketError::TooMany));
        assert!(tickets.issue(&session(2), t0).is_ok(), "per user");
        let entries = tickets.entries.lock().unwrap();
        for ticket in &issued {
            assert!(entries.contains_key(&hash(ticket)));
            assert!(!entries.keys().any(|k| k.as_slice() == ticket.as_bytes()));
        }
    }
}
