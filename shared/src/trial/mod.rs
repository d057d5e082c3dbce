//! Trials: multi-step plans of typed actions that run in the background.
//!
//! A [`Plan`] is a DAG of [`crate::actions::Action`]s; each step names the
//! steps whose outputs it takes. [`Plan::validate`] refuses a plan before
//! anything runs, naming the step and the reason. [`TrialState`] is the
//! pure scheduler: it says which steps are ready, takes the host's reports
//! (started, progress, succeeded, failed, cancelled) and answers with
//! [`TrialEvent`]s, each with a per-trial increasing sequence number, so a
//! host can store them and a client can replay from the last one it saw.
//!
//! [`output`] shapes what a step produced the same way for every host.
//!
//! Pure: no threads, clock or I/O. The hosts (the server's runner, the
//! browser's workers) run the steps; the server keeps the record.

mod event;
pub mod output;
mod plan;
mod scheduler;

#[cfg(test)]
mod proptests;

pub use event::{EventKind, TrialEvent, TrialOutcome};
pub use plan::{
    Plan, PlanError, Step, ValidPlan, DEFAULT_MAX_CONCURRENT, MAX_CONCURRENT, MAX_ID_CHARS,
    MAX_NAME_CHARS, MAX_STEPS,
};
pub use scheduler::{FinishedStep, SchedulerError, StepOutcome, StepStatus, TrialState};
