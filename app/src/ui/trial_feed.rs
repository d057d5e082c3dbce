//! Keeps the open trial's [`TrialView`] current: loads it, then follows it
//! over the live socket (subscribed from the last seq seen); when the
//! socket closes or cannot be opened it polls `GET /api/trials/{id}?after=`
//! every second while it waits to reconnect, with a backoff of 1, 2, 4 … 30
//! seconds; a `resync` frame or a gap in the seqs reloads from the server.
//! Every path feeds [`TrialView::apply`], so events apply once, in order.
//!
//! It must not decide what the screen shows beyond the view and the mode.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ServerFrame;
use shared::trial::TrialEvent;

use super::trial_model::{Applied, TrialView};
use crate::api;
use crate::api::live::LiveSocket;
use crate::clock::sleep;

/// Longest wait between reconnects, in milliseconds.
pub const MAX_BACKOFF_MS: u32 = 30_000;

/// How the open trial is being followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedMode {
    /// Loading or opening the socket.
    Connecting,
    /// Events arrive over the socket.
    Live,
    /// The socket is down: polling every second.
    Polling,
    /// The trial ended: nothing more to follow.
    Ended,
    /// The trial could not be loaded (the reason).
    Failed(String),
}

impl FeedMode {
    /// Words for the status line.
    pub fn words(&self) -> String {
        match self {
            FeedMode::Connecting => "connecting…".to_string(),
            FeedMode::Live => "live".to_string(),
            FeedMode::Polling => "polling every second (live updates unavailable)".to_string(),
            FeedMode::Ended => "ended".to_string(),
            FeedMode::Failed(why) => why.clone(),
        }
    }

    /// A stable name for tests and CSS.
    pub fn name(&self) -> &'static str {
        match self {
            FeedMode::Connecting => "connecting",
            FeedMode::Live => "live",
            FeedMode::Polling => "polling",
            FeedMode::Ended => "ended",
            FeedMode::Failed(_) => "failed",
        }
    }
}

/// The next wait after `current` milliseconds: doubled, at most
/// [`MAX_BACKOFF_MS`].
pub fn next_backoff(current: u32) -> u32 {
    current.saturating_mul(2).clamp(1_000, MAX_BACKOFF_MS)
}

/// What the feed reports besides the view.
#[derive(Clone)]
pub struct FeedHooks {
    /// The open trial ended while it was followed.
    pub on_finished: Rc<dyn Fn(&TrialView)>,
    /// Another trial of the user started or ended (refresh the list).
    pub on_other: Rc<dyn Fn()>,
}

/// A running feed; [`Feed::stop`] (or dropping it) ends it.
pub struct Feed {
    stopped: Rc<Cell<bool>>,
    socket: Rc<RefCell<Option<LiveSocket>>>,
}

impl Feed {
    /// Ends the feed and closes its socket.
    pub fn stop(&self) {
        self.stopped.set(true);
        // Dropping the socket detaches its handlers and wakes the waiter.
        let socket = self.socket.borrow_mut().take();
        drop(socket);
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts following trial `id` into `view`, reporting the mode in `mode`.
pub fn follow(
    id: i64,
    view: RwSignal<Option<TrialView>>,
    mode: RwSignal<FeedMode>,
    hooks: FeedHooks,
) -> Feed {
    let stopped = Rc::new(Cell::new(false));
    let socket = Rc::new(RefCell::new(None));
    let feed = Feed {
        stopped: stopped.clone(),
        socket: socket.clone(),
    };
    spawn_local(run(id, view, mode, hooks, stopped, socket));
    feed
}

async fn run(
    id: i64,
    view: RwSignal<Option<TrialView>>,
    mode: RwSignal<FeedMode>,
    hooks: FeedHooks,
    stopped: Rc<Cell<bool>>,
    slot: Rc<RefCell<Option<LiveSocket>>>,
) {
    mode.set(FeedMode::Connecting);
    view.set(None);
    if let Err(error) = reload(id, view).await {
        if !stopped.get() {
            mode.set(FeedMode::Failed(error.message()));
        }
        return;
    }
    let finished = move || view.with_untracked(|v| v.as_ref().is_none_or(TrialView::finished));
    let mut backoff = 1_000;
    while !stopped.get() && !finished() {
        mode.set(FeedMode::Connecting);
        let on_frame = {
            let hooks = hooks.clone();
            let stopped = stopped.clone();
            move |frame: ServerFrame| {
                if !stopped.get() {
                    on_frame(id, view, &hooks, frame);
                }
            }
        };
        match LiveSocket::connect(on_frame).await {
            Ok(mut socket) if !stopped.get() => {
                backoff = 1_000;
                mode.set(FeedMode::Live);
                let after = view.with_untracked(|v| v.as_ref().map_or(0, |v| v.last_seq));
                socket.subscribe(id, after);
                let closed = socket.take_closed();
                *slot.borrow_mut() = Some(socket);
                if let Some(closed) = closed {
                    let _ = closed.await;
                }
                slot.borrow_mut().take();
            }
            Ok(_) => return,
            Err(_) => {}
        }
        if stopped.get() {
            return;
        }
        if finished() {
            break;
        }
        // Down: poll every second until it is time to reconnect.
        mode.set(FeedMode::Polling);
        let mut waited = 0;
        while waited < backoff && !stopped.get() && !finished() {
            let _ = catch_up(id, view, &hooks).await;
            sleep(1_000).await;
            waited += 1_000;
        }
        backoff = next_backoff(backoff);
    }
    if !stopped.get() {
        mode.set(FeedMode::Ended);
    }
}

fn on_frame(id: i64, view: RwSignal<Option<TrialView>>, hooks: &FeedHooks, frame: ServerFrame) {
    match frame {
        ServerFrame::Event { trial_id, event } if trial_id == id => {
            if apply(view, &event, hooks) == Some(Applied::Gap) {
                let hooks = hooks.clone();
                spawn_local(async move {
                    let _ = catch_up(id, view, &hooks).await;
                });
            }
        }
        ServerFrame::Event { event, .. } => {
            if matches!(
                event.kind,
                shared::trial::EventKind::TrialStarted { .. }
                    | shared::trial::EventKind::TrialFinished { .. }
            ) {
                (hooks.on_other)();
            }
        }
        ServerFrame::Resync { .. } => {
            spawn_local(async move {
                let _ = reload(id, view).await;
            });
        }
        ServerFrame::Error { .. } => {}
    }
}

/// Applies one event; reports the end of the trial through the hooks.
fn apply(
    view: RwSignal<Option<TrialView>>,
    event: &TrialEvent,
    hooks: &FeedHooks,
) -> Option<Applied> {
    let mut applied = None;
    view.update(|v| applied = v.as_mut().map(|v| v.apply(event)));
    if applied == Some(Applied::Finished) {
        if let Some(v) = view.get_untracked() {
            (hooks.on_finished)(&v);
            (hooks.on_other)();
        }
    }
    applied
}

/// Loads the whole trial afresh (a reload, a resync).
async fn reload(id: i64, view: RwSignal<Option<TrialView>>) -> Result<(), api::ApiError> {
    let detail = api::trial(id, None).await?;
    let mut fresh = TrialView::new(detail);
    // Pages of events beyond the first: keep reading from the last seq.
    while fresh.detail.events.len() >= shared::api::TRIAL_EVENTS_PAGE as usize && fresh.last_seq > 0
    {
        let more = api::trial(id, Some(fresh.last_seq)).await?;
        if more.events.is_empty() {
            break;
        }
        for event in &more.events {
            fresh.apply(event);
        }
    }
    view.set(Some(fresh));
    Ok(())
}

/// Reads the events after the last seq seen and applies them; a gap (which
/// the server never leaves) reloads everything.
async fn catch_up(
    id: i64,
    view: RwSignal<Option<TrialView>>,
    hooks: &FeedHooks,
) -> Result<(), api::ApiError> {
    loop {
        let after = view.with_untracked(|v| v.as_ref().map_or(0, |v| v.last_seq));
        let detail = api::trial(id, Some(after)).await?;
        let page_full = detail.events.len() >= shared::api::TRIAL_EVENTS_PAGE as usize;
        let status = detail.trial.status;
        for event in &detail.events {
            if apply(view, event, hooks) == Some(Applied::Gap) {
                return reload(id, view).await;
            }
        }
        // A status without an event of its own (cancelling) is taken as stored.
        view.update(|v| {
            if let Some(v) = v.as_mut().filter(|v| !v.finished()) {
                v.detail.trial.status = status;
            }
        });
        if !page_full {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        assert_eq!(next_backoff(1_000), 2_000);
        assert_eq!(next_backoff(16_000), 30_000);
        assert_eq!(next_backoff(30_000), 30_000);
        assert_eq!(next_backoff(0), 1_000);
        assert_eq!(next_backoff(u32::MAX), 30_000);
    }
}
