//! The badges under a finance screen's result: offline (computed on the
//! app's bundled copy of the data) and where its recording stands in the
//! outbox (waiting, recorded, refused, or not kept). Shared by the
//! Portfolio, Risk and Backtest screens.
//!
//! Must not record anything: [`crate::finance::record`] does, and the
//! outbox says how it went.

use leptos::prelude::*;

use crate::finance::outbox::{self, RecordState};

/// How a finished run went into the outbox: its client id, or why it was
/// not kept.
pub type Kept = Result<String, String>;

/// The offline and recording badges of one result; element ids are
/// `{prefix}-offline` and `{prefix}-record`.
#[component]
pub fn RunBadges(
    /// Id prefix, e.g. `risk`.
    prefix: &'static str,
    /// Whether the run used the app's bundled copy (no server).
    offline: bool,
    /// The outbox's client id, or why the result was not kept; `None`
    /// when the result is not meant to be recorded.
    kept: Option<Kept>,
) -> impl IntoView {
    let record_id = format!("{prefix}-record");
    let record = move || {
        match &kept {
        Some(Err(error)) => view! { <span id=record_id.clone() class="badge refused">"Not kept for recording: " {error.clone()}</span> }.into_any(),
        Some(Ok(client_id)) => match outbox::state_now(client_id) {
            RecordState::Waiting => view! { <span id=record_id.clone() class="badge waiting" data-state="waiting">"Waiting to be recorded"</span> }.into_any(),
            RecordState::Recorded { id } => view! { <span id=record_id.clone() class="badge recorded" data-state="recorded">{format!("Recorded (result {id})")}</span> }.into_any(),
            RecordState::Refused { reason } => view! { <span id=record_id.clone() class="badge refused" data-state="refused">"Not recorded: " {reason}</span> }.into_any(),
        },
        None => ().into_any(),
    }
    };
    view! {
        <p class="badges">
            {offline.then(|| view! { <span id=format!("{prefix}-offline") class="badge offline">"Offline: computed on the app's bundled copy of the data"</span> })}
            {record}
        </p>
    }
}
