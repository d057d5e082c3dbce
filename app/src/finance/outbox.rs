//! Finance results on their way to the server: a finished run becomes a
//! [`ResultRecord`](shared::api::ResultRecord) with an id made here
//! ([`super::record::build`]), kept in `localStorage` until the server
//! accepts or refuses it, sent at once, and sent again on start, on the
//! browser's `online` event and after each run. The server answers a
//! repeated client id with the row it already stored, so a record whose
//! answer was lost is still stored once.
//!
//! [`Outbox`] is the state machine (pure, tested natively); the functions
//! below keep it in the browser. Must not drop a record that the server
//! has not answered: only an acceptance or a refusal (an answer that
//! retrying cannot change) settles one.
//!
//! Every waiting record is tagged with the account it was made under (the
//! signed-in user, or offline the last user who signed in here), and is
//! sent only while that account is signed in: a record waiting while its
//! user signs out waits for that user, never goes out under another one.
//! With no account known (signed out), a run is shown but not recorded.

use std::cell::{Cell, RefCell};

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared::actions::Action;
use shared::api::{ResultRecord, StoredResult};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::FinanceRun;
use crate::api::{self, ApiError};

/// Where the outbox is kept in `localStorage`.
pub const STORAGE_KEY: &str = "mltrainer.finance.outbox.v1";

/// Where the last signed-in account's id is kept, so that runs made
/// offline after a reload are tagged with it. Removed at sign-out.
pub const USER_KEY: &str = "mltrainer.finance.outbox.user";

/// Settled records remembered for the screens (newest kept).
pub const SETTLED_KEPT: usize = 50;

/// Where one record stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RecordState {
    /// Kept in the browser, waiting to be recorded.
    Waiting,
    /// The server stored it as result `id`.
    Recorded {
        /// The server's row id.
        id: i64,
    },
    /// The server refused it; it will not be sent again.
    Refused {
        /// Why, in the server's words.
        reason: String,
    },
}

/// What one attempt to send a record came to.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// Stored (201) or already stored (200) as row `id`.
    Accepted(i64),
    /// Refused by the server in a way a retry cannot change.
    Refused(String),
    /// No answer, or one that may change (sign-in needed, rate limit,
    /// server trouble): keep it and try again later.
    Later,
}

impl Answer {
    /// The answer of a `POST /api/results`.
    pub fn of(result: &Result<StoredResult, ApiError>) -> Answer {
        match result {
            Ok(stored) => Answer::Accepted(stored.id),
            Err(ApiError::Network { .. }) => Answer::Later,
            Err(error @ ApiError::Server { status, .. }) => match status {
                401 | 408 | 429 => Answer::Later,
                s if *s >= 500 => Answer::Later,
                _ => Answer::Refused(error.message()),
            },
        }
    }
}

/// A settled record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settled {
    /// Its client id.
    pub client_id: String,
    /// How it ended (never [`RecordState::Waiting`]).
    pub state: RecordState,
}

/// The records waiting (oldest first) and the last settled ones.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Outbox {
    /// Waiting to be recorded, each with its client id, oldest first.
    pub pending: Vec<ResultRecord>,
    /// The account each waiting record was made under, by client id.
    #[serde(default)]
    pub owners: std::collections::BTreeMap<String, i64>,
    /// The last [`SETTLED_KEPT`] settled records, oldest first.
    pub settled: Vec<Settled>,
}

impl Outbox {
    /// Adds `record`, made under account `owner`, to the waiting list; a
    /// record without a client id, or with one already known, is refused.
    pub fn add(&mut self, record: ResultRecord, owner: i64) -> Result<(), String> {
        let id = record
            .client_id
            .clone()
            .ok_or("a record in the outbox needs a client id")?;
        if self.state(&id).is_some() {
            return Err(format!("record {id} is already in the outbox"));
        }
        self.owners.insert(id, owner);
        self.pending.push(record);
        Ok(())
    }

    /// The client ids waiting under account `user`, oldest first.
    pub fn waiting(&self, user: i64) -> Vec<String> {
        self.pending
            .iter()
            .filter_map(|r| r.client_id.clone())
            .filter(|id| self.owners.get(id) == Some(&user))
            .collect()
    }

    /// The waiting record `client_id`.
    pub fn get(&self, client_id: &str) -> Option<&ResultRecord> {
        self.pending
            .iter()
            .find(|r| r.client_id.as_deref() == Some(client_id))
    }

    /// Applies the server's `answer` for `client_id`: accepted and refused
    /// records leave the waiting list; [`Answer::Later`] keeps them.
    pub fn settle(&mut self, client_id: &str, answer: Answer) {
        let state = match answer {
            Answer::Later => return,
            Answer::Accepted(id) => RecordState::Recorded { id },
            Answer::Refused(reason) => RecordState::Refused { reason },
        };
        let before = self.pending.len();
        self.pending
            .retain(|r| r.client_id.as_deref() != Some(client_id));
        if self.pending.len() == before {
            return;
        }
        self.owners.remove(client_id);
        self.settled.push(Settled {
            client_id: client_id.to_string(),
            state,
        });
        let extra = self.settled.len().saturating_sub(SETTLED_KEPT);
        self.settled.drain(..extra);
    }

    /// Where `client_id` stands, if the outbox knows it.
    pub fn state(&self, client_id: &str) -> Option<RecordState> {
        if self.get(client_id).is_some() {
            return Some(RecordState::Waiting);
        }
        self.settled
            .iter()
            .rev()
            .find(|s| s.client_id == client_id)
            .map(|s| s.state.clone())
    }
}

thread_local! {
    static OUTBOX: RefCell<Option<ArcRwSignal<Outbox>>> = const { RefCell::new(None) };
    static USER: Cell<Option<i64>> = const { Cell::new(None) };
    static SENDING: Cell<bool> = const { Cell::new(false) };
    static STARTED: Cell<bool> = const { Cell::new(false) };
}

/// The browser's outbox, loaded from `localStorage` on first use.
fn outbox() -> ArcRwSignal<Outbox> {
    OUTBOX.with(|cell| {
        cell.borrow_mut()
            .get_or_insert_with(|| {
                ArcRwSignal::new(LocalStorage::get::<Outbox>(STORAGE_KEY).unwrap_or_default())
            })
            .clone()
    })
}

/// Changes the outbox and saves it.
fn update(change: impl FnOnce(&mut Outbox)) {
    let signal = outbox();
    signal.update(change);
    let _ = LocalStorage::set(STORAGE_KEY, &*signal.read_untracked());
}

/// A fresh client id: `fin-`, the time in milliseconds and 64 random bits,
/// in hex.
fn client_id() -> String {
    let random = || (js_sys::Math::random() * 4_294_967_296.0) as u32;
    format!(
        "fin-{:x}-{:08x}{:08x}",
        js_sys::Date::now() as u64,
        random(),
        random()
    )
}

/// Tells the outbox who is signed in (`None` at sign-out) and sends what
/// waits for that account. Called by the session when `GET /api/me`
/// answers and at sign-out.
pub fn signed_in(user: Option<i64>) {
    USER.with(|u| u.set(user));
    match user {
        Some(id) => {
            let _ = LocalStorage::set(USER_KEY, id);
            send_waiting();
        }
        None => LocalStorage::delete(USER_KEY),
    }
}

/// The account new records are made under: the signed-in user, or the
/// last one who signed in here (offline, before the server answers).
fn owner() -> Option<i64> {
    USER.with(Cell::get)
        .or_else(|| LocalStorage::get::<i64>(USER_KEY).ok())
}

/// Records `run`, a finished run of `action`: keeps its record in the
/// browser under the current account and sends what is waiting. Returns
/// the record's client id (for [`state_of`]); an error when no account is
/// known (signed out), since a record must belong to someone.
pub fn record(action: &Action, run: &FinanceRun) -> Result<String, String> {
    let owner = owner().ok_or("sign in to record results")?;
    let id = client_id();
    let built = super::record::build(action, run, &id)?;
    let mut added = Ok(());
    update(|o| added = o.add(built, owner));
    added?;
    send_waiting();
    Ok(id)
}

/// How many records wait under the current account.
fn mine(o: &Outbox) -> usize {
    owner().map_or(0, |user| o.waiting(user).len())
}

/// How many records wait to be recorded (reactive).
pub fn pending_count() -> Signal<usize> {
    let signal = outbox();
    Signal::derive(move || signal.with(mine))
}

/// Where record `client_id` stands (reactive; `Waiting` until the server
/// answers).
pub fn state_of(client_id: String) -> Signal<RecordState> {
    let signal = outbox();
    Signal::derive(move || {
        signal
            .with(|o| o.state(&client_id))
            .unwrap_or(RecordState::Waiting)
    })
}

/// How many records wait, read now (tracked when read in a reactive
/// closure).
pub fn pending_now() -> usize {
    outbox().with(mine)
}

/// Where record `client_id` stands, read now (tracked when read in a
/// reactive closure).
pub fn state_now(client_id: &str) -> RecordState {
    outbox()
        .with(|o| o.state(client_id))
        .unwrap_or(RecordState::Waiting)
}

/// Sends every record waiting under the current account (the signed-in
/// user, or before the server has answered, the last one who signed in
/// here, whose refresh token this browser holds), oldest first, one at a
/// time; stops at the first that cannot be answered now. Does nothing
/// while a round runs or when no account is known.
pub fn send_waiting() {
    let Some(user) = owner() else {
        return;
    };
    if SENDING.with(|s| s.replace(true)) {
        return;
    }
    leptos::task::spawn_local(async move {
        let ids = outbox().read_untracked().waiting(user);
        for id in ids {
            let Some(record) = outbox().read_untracked().get(&id).cloned() else {
                continue;
            };
            let answer = Answer::of(&api::record_result(&record).await);
            let later = answer == Answer::Later;
            update(|o| o.settle(&id, answer));
            if later {
                break;
            }
        }
        SENDING.with(|s| s.set(false));
    });
}

/// Starts the outbox once per page: sends what waits from earlier visits
/// now and whenever the browser reports it is online again.
pub fn start() {
    if STARTED.with(|s| s.replace(true)) {
        return;
    }
    if let Some(window) = web_sys::window() {
        let on_online = Closure::<dyn FnMut()>::new(send_waiting);
        let _ =
            window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
        on_online.forget();
    }
    send_waiting();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn record(id: &str) -> ResultRecord {
        ResultRecord {
            kind: "portfolio".into(),
            model: "min_variance".into(),
            family: "portfolio".into(),
            params: BTreeMap::new(),
            seed: 0,
            source: "bundled".into(),
            symbol: "sp500_wti".into(),
            data_hash: "ab".repeat(32),
            code_version: "0.1.0".into(),
            metrics: BTreeMap::from([("sharpe".to_string(), 0.5)]),
            client_id: Some(id.into()),
        }
    }

    #[test]
    fn records_wait_until_the_server_answers_and_settle_once() {
        let mut o = Outbox::default();
        o.add(record("a"), 1).unwrap();
        o.add(record("b"), 1).unwrap();
        o.add(record("theirs"), 2).unwrap();
        assert_eq!(o.waiting(1), ["a", "b"]);
        assert_eq!(o.waiting(2), ["theirs"], "each account sends only its own");
        assert!(o.waiting(3).is_empty());
        assert!(o.add(record("a"), 1).unwrap_err().contains("already"));
        let mut no_id = record("c");
        no_id.client_id = None;
        assert!(o.add(no_id, 1).is_err());

        o.settle("a", Answer::Later);
        assert_eq!(o.state("a"), Some(RecordState::Waiting));
        o.settle("a", Answer::Accepted(7));
        assert_eq!(o.state("a"), Some(RecordState::Recorded { id: 7 }));
        assert_eq!(o.waiting(1), ["b"]);
        // A late second answer for a settled record changes nothing.
        o.settle("a", Answer::Refused("late".into()));
        assert_eq!(o.state("a"), Some(RecordState::Recorded { id: 7 }));
        assert!(o.add(record("a"), 1).is_err(), "never queued twice");

        o.settle("b", Answer::Refused("model.allowed".into()));
        assert_eq!(
            o.state("b"),
            Some(RecordState::Refused {
                reason: "model.allowed".into()
            })
        );
        assert_eq!(o.waiting(1), Vec::<String>::new());
        assert_eq!(o.owners.len(), 1, "settled records drop their owner");
        assert_eq!(o.state("zzz"), None);

        // Survives the trip through localStorage's JSON.
        let text = serde_json::to_string(&o).unwrap();
        assert_eq!(serde_json::from_str::<Outbox>(&text).unwrap(), o);
    }

    #[test]
    fn only_the_newest_settled_records_are_remembered() {
        let mut o = Outbox::default();
        for i in 0..SETTLED_KEPT + 5 {
            let id = format!("r{i}");
            o.add(record(&id), 1).unwrap();
            o.settle(&id, Answer::Accepted(i as i64));
        }
        assert_eq!(o.settled.len(), SETTLED_KEPT);
        assert_eq!(o.state("r0"), None);
        assert_eq!(
            o.state(&format!("r{}", SETTLED_KEPT + 4)),
            Some(RecordState::Recorded {
                id: (SETTLED_KEPT + 4) as i64
            })
        );
    }

    #[test]
    fn answers_that_may_change_keep_the_record() {
        let server = |status: u16| {
            Answer::of(&Err(ApiError::Server {
                status,
                code: "x".into(),
                detail: "why".into(),
                verdict: None,
            }))
        };
        let network = Answer::of(&Err(ApiError::Network {
            message: "Failed to fetch".into(),
        }));
        assert_eq!(network, Answer::Later);
        for status in [401, 408, 429, 500, 502, 503] {
            assert_eq!(server(status), Answer::Later, "{status}");
        }
        for status in [400, 403, 413, 422] {
            assert!(matches!(server(status), Answer::Refused(_)), "{status}");
        }
    }
}
