//! What the Trials screen knows about the open trial: the stored detail
//! plus every event applied in `seq` order, each once. [`TrialView::apply`]
//! is the one reducer that the socket, the polling fallback and reloads
//! all feed, so every page shows the same state for the same events.
//!
//! Pure: no I/O, no signals; tested natively.

use std::collections::BTreeMap;

use shared::api::{TrialDetail, TrialStatus};
use shared::trial::{EventKind, StepStatus, TrialEvent};

/// Most events kept in the log on screen (the oldest are dropped).
pub const LOG_LIMIT: usize = 500;

/// The open trial as shown.
#[derive(Clone, Debug, PartialEq)]
pub struct TrialView {
    /// The stored detail (its `events` are the log).
    pub detail: TrialDetail,
    /// The latest progress of running steps: fraction and message.
    pub progress: BTreeMap<String, (f64, String)>,
    /// The last seq applied.
    pub last_seq: u64,
}

/// What applying one event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Already seen (seq not after the last one): ignored.
    Duplicate,
    /// Events are missing before this one: reload from the last seq.
    Gap,
    /// Applied.
    Added,
    /// Applied, and it ended the trial.
    Finished,
}

impl TrialView {
    /// The view of a freshly loaded detail (all events from seq 1).
    pub fn new(detail: TrialDetail) -> TrialView {
        let mut view = TrialView {
            last_seq: 0,
            progress: BTreeMap::new(),
            detail: TrialDetail {
                events: Vec::new(),
                ..detail.clone()
            },
        };
        // The stored steps are authoritative; replaying rebuilds progress
        // and the log without changing them.
        for event in &detail.events {
            view.note(event);
        }
        view.last_seq = view.last_seq.max(detail.trial.last_seq);
        view
    }

    /// The trial's id.
    pub fn id(&self) -> i64 {
        self.detail.trial.id
    }

    /// Whether no more events will come.
    pub fn finished(&self) -> bool {
        self.detail.trial.status.is_finished()
    }

    /// Applies `event` if it is the next one.
    pub fn apply(&mut self, event: &TrialEvent) -> Applied {
        if event.seq <= self.last_seq {
            return Applied::Duplicate;
        }
        if event.seq > self.last_seq + 1 {
            return Applied::Gap;
        }
        let was_finished = self.finished();
        self.update_steps(&event.kind);
        self.note(event);
        self.detail.trial.last_seq = event.seq;
        if !was_finished && self.finished() {
            Applied::Finished
        } else {
            Applied::Added
        }
    }

    /// Records `event` in the log and the progress table.
    fn note(&mut self, event: &TrialEvent) {
        self.last_seq = self.last_seq.max(event.seq);
        match &event.kind {
            EventKind::StepProgress {
                step,
                fraction,
                message,
            } => {
                self.progress
                    .insert(step.clone(), (fraction.clamp(0.0, 1.0), message.clone()));
            }
            EventKind::StepSucceeded { step, .. }
            | EventKind::StepFailed { step, .. }
            | EventKind::StepCancelled { step } => {
                self.progress.remove(step);
            }
            _ => {}
        }
        self.detail.events.push(event.clone());
        let excess = self.detail.events.len().saturating_sub(LOG_LIMIT);
        self.detail.events.drain(..excess);
    }

    /// Changes the steps and the status as `kind` says.
    fn update_steps(&mut self, kind: &EventKind) {
        let set = |view: &mut TrialView, id: &str, status: StepStatus| {
            if let Some(step) = view.detail.steps.iter_mut().find(|s| s.id == id) {
                step.status = status;
            }
        };
        match kind {
            EventKind::StepStarted { step } => set(self, step, StepStatus::Running),
            EventKind::StepSucceeded { step, summary } => {
                set(self, step, StepStatus::Succeeded);
                if let Some(s) = self.detail.steps.iter_mut().find(|s| &s.id == step) {
                    s.summary = Some(summary.clone());
                }
            }
            EventKind::StepFailed { step, reason } => {
                set(self, step, StepStatus::Failed);
                if let Some(s) = self.detail.steps.iter_mut().find(|s| &s.id == step) {
                    s.error = Some(reason.clone());
                }
            }
            EventKind::StepCancelled { step } => set(self, step, StepStatus::Cancelled),
            EventKind::TrialFinished { outcome } => {
                self.detail.trial.status = TrialStatus::finished(*outcome);
            }
            EventKind::TrialResumed { rerun } => {
                // Only the server resumes a trial (a browser's, once it
                // took it over); steps that were running run again.
                self.detail.trial.host = shared::api::TrialHost::Server;
                for step in rerun {
                    set(self, step, StepStatus::Pending);
                }
            }
            EventKind::TrialStarted { .. } | EventKind::StepProgress { .. } => {}
        }
        self.detail.trial.steps_done = self
            .detail
            .steps
            .iter()
            .filter(|s| {
                matches!(
                    s.status,
                    StepStatus::Succeeded | StepStatus::Failed | StepStatus::Cancelled
                )
            })
            .count();
    }
}

/// A step's summary in words: `key value` for its top-level numbers,
/// strings and booleans (numbers to 4 significant digits), at most 6.
pub fn summary_words(summary: &serde_json::Value) -> String {
    use serde_json::Value;
    let scalar = |value: &Value| match value {
        Value::Number(n) => n.as_f64().map(number_words),
        Value::String(s) => Some(s.chars().take(60).collect()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match summary {
        Value::Object(map) => map
            .iter()
            .filter_map(|(key, value)| scalar(value).map(|v| format!("{key} {v}")))
            .take(6)
            .collect::<Vec<_>>()
            .join(" · "),
        other => scalar(other).unwrap_or_default(),
    }
}

fn number_words(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e12 {
        format!("{x:.0}")
    } else {
        let text = format!("{x:.4}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// One log line for `event`, e.g. `#3 step_started fit`.
pub fn event_line(event: &TrialEvent) -> String {
    let what = match &event.kind {
        EventKind::TrialStarted { steps } => format!("{steps} steps"),
        EventKind::TrialResumed { rerun } => format!("rerun {}", rerun.join(", ")),
        EventKind::StepStarted { step } | EventKind::StepCancelled { step } => step.clone(),
        EventKind::StepProgress {
            step,
            fraction,
            message,
        } => format!("{step} {:.0}% {message}", fraction * 100.0),
        EventKind::StepSucceeded { step, summary } => {
            format!("{step} {}", summary_words(summary))
        }
        EventKind::StepFailed { step, reason } => format!("{step}: {reason}"),
        EventKind::TrialFinished { outcome } => outcome.as_str().to_string(),
    };
    format!("#{} {} {}", event.seq, event.kind.name(), what)
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::{TrialStepView, TrialSummary};
    use shared::trial::{Plan, TrialOutcome};

    fn detail(events: Vec<TrialEvent>) -> TrialDetail {
        let plan: Plan = serde_json::from_value(serde_json::json!({
            "name": "t", "steps": [
                {"id": "data", "action": {"action": "fetch_data", "source": "bundled", "symbol": "sp500"}},
                {"id": "m1", "action": {"action": "run_lab", "symbol": "sp500", "scope": "catalog"}, "inputs": ["data"]}
            ]
        }))
        .unwrap();
        let step = |id: &str, action: &str| TrialStepView {
            id: id.into(),
            action: action.into(),
            status: StepStatus::Pending,
            summary: None,
            error: None,
        };
        TrialDetail {
            trial: TrialSummary {
                id: 4,
                name: "t".into(),
                status: TrialStatus::Running,
                steps_total: 2,
                steps_done: 0,
                last_seq: events.last().map_or(0, |e| e.seq),
                created_at: "2026-01-01T00:00:00Z".into(),
                finished_at: None,
                host: Default::default(),
            },
            plan,
            steps: vec![step("data", "fetch_data"), step("m1", "run_lab")],
            events,
        }
    }

    fn ev(seq: u64, kind: EventKind) -> TrialEvent {
        TrialEvent { seq, kind }
    }

    #[test]
    fn a_takeover_puts_the_rerun_steps_back_and_the_trial_on_the_server() {
        let mut d = detail(vec![
            ev(1, EventKind::TrialStarted { steps: 2 }),
            ev(
                2,
                EventKind::StepStarted {
                    step: "data".into(),
                },
            ),
        ]);
        d.trial.host = shared::api::TrialHost::Browser;
        d.steps[0].status = StepStatus::Running;
        let mut view = TrialView::new(d);
        let resumed = ev(
            3,
            EventKind::TrialResumed {
                rerun: vec!["data".into()],
            },
        );
        assert_eq!(view.apply(&resumed), Applied::Added);
        assert_eq!(view.detail.steps[0].status, StepStatus::Pending);
        assert_eq!(view.detail.trial.host, shared::api::TrialHost::Server);
    }

    #[test]
    fn events_apply_once_in_order_and_gaps_are_reported() {
        let mut view = TrialView::new(detail(vec![ev(1, EventKind::TrialStarted { steps: 2 })]));
        assert_eq!(view.last_seq, 1);
        let started = ev(
            2,
            EventKind::StepStarted {
                step: "data".into(),
            },
        );
        assert_eq!(view.apply(&started), Applied::Added);
        assert_eq!(view.apply(&started), Applied::Duplicate);
        assert_eq!(view.detail.steps[0].status, StepStatus::Running);
        let late = ev(5, EventKind::StepStarted { step: "m1".into() });
        assert_eq!(view.apply(&late), Applied::Gap);
        assert_eq!(view.detail.steps[1].status, StepStatus::Pending);
        let progress = ev(
            3,
            EventKind::StepProgress {
                step: "data".into(),
                fraction: 1.5,
                message: "rows".into(),
            },
        );
        assert_eq!(view.apply(&progress), Applied::Added);
        assert_eq!(view.progress["data"], (1.0, "rows".to_string()));
        let done = ev(
            4,
            EventKind::StepSucceeded {
                step: "data".into(),
                summary: serde_json::json!({"rows": 100}),
            },
        );
        view.apply(&done);
        assert!(!view.progress.contains_key("data"));
        assert_eq!(view.detail.trial.steps_done, 1);
        assert_eq!(view.apply(&late), Applied::Added);
        let failed = ev(
            6,
            EventKind::StepFailed {
                step: "m1".into(),
                reason: "boom".into(),
            },
        );
        view.apply(&failed);
        assert_eq!(view.detail.steps[1].error.as_deref(), Some("boom"));
        let end = ev(
            7,
            EventKind::TrialFinished {
                outcome: TrialOutcome::Failed,
            },
        );
        assert_eq!(view.apply(&end), Applied::Finished);
        assert!(view.finished());
        assert_eq!(view.detail.trial.status, TrialStatus::Failed);
        assert_eq!(view.detail.events.len(), 7);
        assert_eq!(view.detail.trial.last_seq, 7);
    }

    #[test]
    fn a_reload_keeps_the_stored_steps_and_rebuilds_progress() {
        let mut loaded = detail(vec![
            ev(1, EventKind::TrialStarted { steps: 2 }),
            ev(
                2,
                EventKind::StepStarted {
                    step: "data".into(),
                },
            ),
            ev(
                3,
                EventKind::StepProgress {
                    step: "data".into(),
                    fraction: 0.25,
                    message: "a".into(),
                },
            ),
        ]);
        loaded.steps[0].status = StepStatus::Running;
        let view = TrialView::new(loaded);
        assert_eq!(view.last_seq, 3);
        assert_eq!(view.detail.steps[0].status, StepStatus::Running);
        assert_eq!(view.progress["data"].0, 0.25);
        assert_eq!(view.detail.events.len(), 3);
    }

    #[test]
    fn summaries_and_log_lines_read_as_words() {
        let summary = serde_json::json!({"rows": 1200, "sharpe": 0.123456, "model": "knn_5", "folds": [1, 2]});
        assert_eq!(
            summary_words(&summary),
            "model knn_5 · rows 1200 · sharpe 0.1235"
        );
        let line = event_line(&ev(3, EventKind::StepStarted { step: "fit".into() }));
        assert_eq!(line, "#3 step_started fit");
        let line = event_line(&ev(
            9,
            EventKind::TrialFinished {
                outcome: TrialOutcome::Cancelled,
            },
        ));
        assert_eq!(line, "#9 trial_finished cancelled");
    }
}
