//! Pruning the coach's memory: on a user's request (`POST
//! /api/memory/prune`) and, when `MLTRAINER_PRUNE_AFTER_DAYS` is set, by
//! age, for every user, at start and every six hours. Either way each
//! span is summarised before its messages go (`store::notes::prune`),
//! important and result messages stay, and every run is audited with what
//! it removed. A failed run is logged and tried again at the next tick.

use std::time::Duration;

use rusqlite::Transaction;
use shared::api::{PruneReport, PruneRequest};

use crate::state::AppState;
use crate::store::audit::{self, AuditEvent};
use crate::store::{conversations, messages, now_ms, StoreError};

/// How often pruning by age runs.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(6 * 3600);

/// Who asked for a prune, as recorded in the audit entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PruneTrigger {
    /// The user, through the API.
    Request,
    /// The server's age setting.
    AgeSetting,
}

impl PruneTrigger {
    fn as_str(self) -> &'static str {
        match self {
            PruneTrigger::Request => "request",
            PruneTrigger::AgeSetting => "age_setting",
        }
    }
}

/// Prunes `user_id`'s memory and audits it, in the caller's transaction.
pub fn prune_audited(
    tx: &Transaction<'_>,
    user_id: i64,
    actor: &str,
    request: &PruneRequest,
    trigger: PruneTrigger,
) -> Result<PruneReport, StoreError> {
    let report = conversations::prune(tx, user_id, request, now_ms())?;
    audit::append(
        tx,
        &AuditEvent::new(Some(user_id), actor, "memory.prune").detail(serde_json::json!({
            "trigger": trigger.as_str(),
            "older_than_days": request.older_than_days,
            "below_importance": request.below_importance,
            "pruned": report.pruned,
            "kept": report.kept,
            "summaries": report.summaries,
        })),
    )?;
    Ok(report)
}

/// Prunes every user's messages older than `days`, one transaction per
/// user; the number of messages removed.
pub async fn prune_by_age(state: &AppState, days: u32) -> Result<usize, StoreError> {
    let owners = state.store.read(messages::owners).await?;
    let request = PruneRequest {
        older_than_days: days,
        below_importance: None,
    };
    let mut pruned = 0;
    for (user_id, username) in owners {
        let report = state
            .store
            .write(move |tx| {
                prune_audited(tx, user_id, &username, &request, PruneTrigger::AgeSetting)
            })
            .await?;
        pruned += report.pruned;
    }
    Ok(pruned)
}

/// Starts pruning by age in the background (on the current runtime; a
/// no-op outside one).
pub fn spawn(state: AppState, days: u32) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        let mut ticks = tokio::time::interval(PRUNE_INTERVAL);
        loop {
            ticks.tick().await;
            match prune_by_age(&state, days).await {
                Ok(pruned) => tracing::info!(days, pruned, "memory pruned by age"),
                Err(error) => tracing::warn!(%error, "pruning by age failed; next try later"),
            }
        }
    });
}
