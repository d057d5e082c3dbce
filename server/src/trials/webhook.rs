//! The end-of-trial webhook (`MLTRAINER_WEBHOOK_URL`): when a trial ends,
//! a Slack-compatible `{"text": "..."}` with the trial's name, outcome,
//! steps and best model result is POSTed in a background task. Failed
//! attempts are retried with the upstream clients' policy (full-jitter
//! backoff, `retry-after` honoured, 408/429/5xx, timeouts and connection
//! failures retried); each failed attempt is audited as
//! `trial.webhook_failed` and a delivery as `trial.webhook_sent`. Nothing
//! about it is ever fatal to the trial.
//!
//! The message never carries keys, data rows or step outputs beyond the
//! best model's name and metrics. The URL itself (Slack's carry a secret)
//! is never logged, printed or audited. Must not store trial events.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::Url;
use serde_json::Value;
use shared::trial::TrialOutcome;
use tokio::task::JoinHandle;

use crate::auth::Session;
use crate::problem::Problem;
use crate::state::AppState;
use crate::store::audit::AuditEvent;
use crate::store::trials;
use crate::upstream::{retry_after, AttemptFailure, JitterRng, RetryPolicy};

/// Attempts per notification, the first included.
pub const ATTEMPTS: u32 = 4;
/// Backoff before the first retry (doubling, full jitter).
pub const BACKOFF_BASE: Duration = Duration::from_millis(500);
/// Longest backoff or `retry-after` wait.
pub const BACKOFF_CAP: Duration = Duration::from_secs(8);
/// Limit for one attempt.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A webhook URL from the environment: absolute http(s) with a host and no
/// credentials. Its `Debug` shows only the scheme and host.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl std::fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = Url::parse(&self.0)
            .map(|url| {
                format!(
                    "{}://{}/[redacted]",
                    url.scheme(),
                    url.host_str().unwrap_or("")
                )
            })
            .unwrap_or_default();
        f.debug_tuple("WebhookUrl").field(&shown).finish()
    }
}

impl WebhookUrl {
    /// Checks `text`; the error says why without repeating it.
    pub fn parse(text: &str) -> Result<WebhookUrl, &'static str> {
        let url = Url::parse(text.trim()).map_err(|_| "it does not parse as a URL")?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("it must be http:// or https://");
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("it has no host");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("it must not carry a user name or password");
        }
        Ok(WebhookUrl(url.to_string()))
    }
}

/// The configured webhook: its URL, HTTP client and retry policy. Cheap
/// to clone.
#[derive(Clone)]
pub struct Webhook {
    inner: Arc<Inner>,
}

struct Inner {
    url: Url,
    http: reqwest::Client,
    policy: RetryPolicy,
    rng: Mutex<JitterRng>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("host", &self.inner.url.host_str())
            .finish()
    }
}

/// The webhook's client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("MLTRAINER_WEBHOOK_URL: the HTTP client could not be built")]
pub struct WebhookError;

/// The best model result of a trial's lab steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Best {
    /// The step that ran it.
    pub step: String,
    /// The model's name.
    pub model: String,
    /// The metric ranked by (`accuracy`, else `r2`).
    pub metric: &'static str,
    /// Its value.
    pub value: f64,
    /// Its walk-forward Sharpe ratio, if reported.
    pub sharpe: Option<f64>,
}

/// The best model in `outputs` (`run_lab` steps' outputs, `{"models":
/// [{"model", "metrics"}]}`): the highest accuracy, else the highest r2.
pub fn best_result(outputs: &[(String, Value)]) -> Option<Best> {
    let models = || {
        outputs.iter().flat_map(|(step, output)| {
            output["models"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |m| (step, m))
        })
    };
    ["accuracy", "r2"].into_iter().find_map(|metric| {
        models()
            .filter_map(|(step, m)| {
                let value = m["metrics"][metric].as_f64().filter(|v| v.is_finite())?;
                Some(Best {
                    step: step.clone(),
                    model: m["model"].as_str()?.to_string(),
                    metric,
                    value,
                    sharpe: m["metrics"]["sharpe"].as_f64().filter(|v| v.is_finite()),
                })
            })
            .max_by(|a, b| a.value.total_cmp(&b.value))
    })
}

/// The message's text.
pub fn message(
    name: &str,
    trial_id: i64,
    outcome: TrialOutcome,
    steps_done: usize,
    steps_total: usize,
    best: Option<&Best>,
) -> String {
    let mut text = format!(
        "mlTrainer: trial \"{name}\" (#{trial_id}) {}: {steps_done} of {steps_total} steps finished.",
        outcome.as_str()
    );
    match best {
        Some(best) => {
            text.push_str(&format!(
                " Best result: {} (step {}) {} {:.4}",
                best.model, best.step, best.metric, best.value
            ));
            if let Some(sharpe) = best.sharpe {
                text.push_str(&format!(", Sharpe {sharpe:.2}"));
            }
            text.push('.');
        }
        None => text.push_str(" No model results."),
    }
    text
}

impl Webhook {
    /// A webhook posting to `url`.
    pub fn new(url: &WebhookUrl) -> Result<Webhook, WebhookError> {
        let url = Url::parse(&url.0).map_err(|_| WebhookError)?;
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .user_agent(concat!("mlTrainer/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| WebhookError)?;
        let seed = getrandom::u64().unwrap_or(1);
        Ok(Webhook {
            inner: Arc::new(Inner {
                url,
                http,
                policy: RetryPolicy::new(ATTEMPTS, BACKOFF_BASE, BACKOFF_CAP, BACKOFF_CAP),
                rng: Mutex::new(JitterRng::new(seed)),
            }),
        })
    }

    /// Notifies, in the background, that `session`'s trial `trial_id`
    /// ended with `outcome`.
    pub fn spawn(
        &self,
        state: AppState,
        session: Session,
        trial_id: i64,
        outcome: TrialOutcome,
    ) -> JoinHandle<()> {
        let webhook = self.clone();
        tokio::spawn(async move {
            if let Err(problem) = webhook.notify(&state, &session, trial_id, outcome).await {
                tracing::warn!(trial_id, error = %problem.detail(), "webhook: not sent");
            }
        })
    }

    async fn notify(
        &self,
        state: &AppState,
        session: &Session,
        trial_id: i64,
        outcome: TrialOutcome,
    ) -> Result<(), Problem> {
        let user_id = session.user_id;
        let found = state
            .store
            .read(move |c| {
                let Some(summary) = trials::summary(c, user_id, trial_id)? else {
                    return Ok::<_, Problem>(None);
                };
                let plan = trials::plan(c, user_id, trial_id)?;
                let labs: Vec<String> = plan
                    .steps
                    .iter()
                    .filter(|s| s.action.tool_name() == "run_lab")
                    .map(|s| s.id.clone())
                    .collect();
                let outputs = trials::outputs(c, user_id, trial_id, &labs)?;
                Ok(Some((summary, outputs)))
            })
            .await?;
        let Some((summary, outputs)) = found else {
            return Ok(());
        };
        let best = best_result(&outputs);
        let text = message(
            &summary.name,
            trial_id,
            outcome,
            summary.steps_done,
            summary.steps_total,
            best.as_ref(),
        );
        let body = serde_json::json!({ "text": text });
        let mut attempt = 1;
        loop {
            let failure = match self.attempt(&body).await {
                Ok(status) => {
                    return state
                        .audit(
                            AuditEvent::new(Some(user_id), &session.username, "trial.webhook_sent")
                                .detail(serde_json::json!({
                                    "trial_id": trial_id, "attempts": attempt, "status": status,
                                })),
                        )
                        .await;
                }
                Err(failure) => failure,
            };
            let wait = {
                let mut rng = self
                    .inner
                    .rng
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                self.inner.policy.next_wait(attempt, failure, &mut rng)
            };
            let (status, reason) = describe(failure);
            tracing::warn!(trial_id, attempt, status, reason, "webhook attempt failed");
            state
                .audit(
                    AuditEvent::new(Some(user_id), &session.username, "trial.webhook_failed")
                        .detail(serde_json::json!({
                            "trial_id": trial_id, "attempt": attempt, "status": status,
                            "reason": reason, "retrying": wait.is_some(),
                        })),
                )
                .await?;
            let Some(wait) = wait else {
                return Ok(());
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One POST: the status on 2xx, else why it failed.
    async fn attempt(&self, body: &Value) -> Result<u16, AttemptFailure> {
        let response = self
            .inner
            .http
            .post(self.inner.url.clone())
            .json(body)
            .send()
            .await
            .map_err(|error| {
                if error.is_timeout() {
                    AttemptFailure::Timeout
                } else if error.is_connect() || error.is_request() || error.is_body() {
                    AttemptFailure::Connection
                } else {
                    AttemptFailure::Other
                }
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(status.as_u16());
        }
        Err(AttemptFailure::Status {
            status: status.as_u16(),
            retry_after: retry_after(response.headers(), std::time::SystemTime::now()),
        })
    }
}

/// The status (0 without one) and a word for the audit entry.
fn describe(failure: AttemptFailure) -> (u16, &'static str) {
    match failure {
        AttemptFailure::Status { status, .. } => (status, "http_status"),
        AttemptFailure::Timeout => (0, "timeout"),
        AttemptFailure::Connection => (0, "connection"),
        AttemptFailure::Other => (0, "unexpected_answer"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_http_with_a_host_and_never_shown_whole() {
        let url = WebhookUrl::parse("https://hooks.example.com/services/T0/B0/SECRET").unwrap();
        let shown = format!("{url:?}");
        assert!(
            shown.contains("hooks.example.com") && !shown.contains("SECRET"),
            "{shown}"
        );
        for bad in [
            "ftp://x.example/",
            "not a url",
            "https://u:p@x.example/",
            "file:///etc/passwd",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_best_result_is_the_highest_accuracy_and_the_text_names_it() {
        let outputs = vec![
            (
                "a".to_string(),
                serde_json::json!({"models": [
                    {"model": "m1", "metrics": {"accuracy": 0.51, "sharpe": 0.2}},
                    {"model": "bad", "error": "failed"},
                ]}),
            ),
            (
                "b".to_string(),
                serde_json::json!({"models": [
                    {"model": "m2", "metrics": {"accuracy": 0.57, "sharpe": 0.9}},
                    {"model": "m3", "metrics": {"accuracy": 0.55}},
                ]}),
            ),
        ];
        let best = best_result(&outputs).unwrap();
        assert_eq!((best.step.as_str(), best.model.as_str()), ("b", "m2"));
        assert_eq!(best.sharpe, Some(0.9));
        let text = message("demo", 3, TrialOutcome::Succeeded, 4, 4, Some(&best));
        assert_eq!(
            text,
            "mlTrainer: trial \"demo\" (#3) succeeded: 4 of 4 steps finished. \
             Best result: m2 (step b) accuracy 0.5700, Sharpe 0.90."
        );
        let regression = vec![(
            "r".to_string(),
            serde_json::json!({"models": [
                {"model": "lin", "metrics": {"r2": -0.1}}, {"model": "knn", "metrics": {"r2": 0.02}},
            ]}),
        )];
        assert_eq!(best_result(&regression).unwrap().model, "knn");
        assert_eq!(best_result(&[]), None);
        assert!(message("x", 1, TrialOutcome::Failed, 1, 2, None).ends_with("No model results."));
    }
}
