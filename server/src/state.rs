//! [`AppState`]: what every handler shares — the store, the compliance
//! rules in force, signing keys, local mode's user, rate limits, the data
//! proxy, metrics and the coach. Built once at start; the rules never change after.

use std::sync::Arc;

use shared::compliance::{Rules, Verdict};
use shared::pricing::dates::Date;

use crate::auth::{Session, SigningKeys};
use crate::coach::Coach;
use crate::data_proxy::DataProxy;
use crate::limits::RateLimits;
use crate::metrics::Metrics;
use crate::problem::Problem;
use crate::store::audit::{self, AuditEvent};
use crate::store::Store;

/// Shared state for the API's handlers; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The SQLite store.
    pub store: Store,
    /// The compliance rules, fixed for the server's run.
    pub rules: Arc<Rules>,
    /// Their hash, computed once.
    pub rules_hash: Arc<str>,
    /// Access-token keys.
    pub keys: SigningKeys,
    /// Local mode's implicit user, if the server runs in local mode.
    pub local_user: Option<Session>,
    /// Rate limiters.
    pub limits: Arc<RateLimits>,
    /// The data proxy and its provider clients.
    pub data: Arc<DataProxy>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// The coach: an LLM provider or the rule coach, and its limits.
    pub coach: Coach,
    /// The headless trial runner.
    pub trials: crate::trials::TrialRunner,
    /// The live-updates hub: the user's open WebSockets.
    pub live: crate::live::LiveHub,
    /// The end-of-trial webhook, if `MLTRAINER_WEBHOOK_URL` is set.
    pub webhook: Option<crate::trials::webhook::Webhook>,
}

impl AppState {
    /// Appends one audit entry in its own transaction.
    pub async fn audit(&self, event: AuditEvent) -> Result<(), Problem> {
        self.store
            .write(move |tx| audit::append(tx, &event).map(drop).map_err(Problem::from))
            .await
    }

    /// Audits a refusal by `session` and returns the 422 to answer with.
    pub async fn refuse(
        &self,
        session: &Session,
        kind: &str,
        verdict: Verdict,
        detail: serde_json::Value,
    ) -> Problem {
        let event = AuditEvent::new(Some(session.user_id), &session.username, kind)
            .verdict(&verdict)
            .detail(detail);
        match self.audit(event).await {
            Ok(()) => Problem::refused(verdict),
            Err(problem) => problem,
        }
    }
}

/// Today's date in UTC, for the rules' date bounds.
pub fn today() -> Date {
    let today = time::OffsetDateTime::now_utc().date();
    Date {
        year: today.year(),
        month: u32::from(u8::from(today.month())),
        day: u32::from(today.day()),
    }
}
