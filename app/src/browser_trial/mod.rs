//! Trials this browser runs: the plan runs here with `shared::trial`'s
//! scheduler, ready steps in web workers ([`step`]), at most [`POOL`] at
//! once (and never more than the plan allows), and every event goes to
//! the server first (`POST /api/trials/{id}/steps/{step}`), which keeps
//! the record, checks results as it does its own, and sends the events to
//! every open tab. The server's answer renews this browser's lease; a
//! heartbeat renews it during long steps and brings news of a cancel from
//! elsewhere. When the page goes away the lease lapses and the server
//! takes the trial over from its last finished step; once it has, its
//! refusal (409) stops this runner, so nothing is recorded twice.
//!
//! Must not touch the page (the Trials screen follows the trial over the
//! live socket like any other) or decide what a result means.

pub mod step;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::{self, Either, FutureExt};
use shared::actions::Action;
use shared::api::{LeaseAnswer, StepReport, TrialStatus};
use shared::data::Series;
use shared::trial::{Plan, Step, TrialState};

use crate::api::{self, ApiError};
use crate::clock::sleep;

/// Steps this browser runs at once, at most.
pub const POOL: usize = 2;
/// Network failures a report survives (1, 2, 4 s apart) before the runner
/// gives up and leaves the trial to the server.
const RETRIES: u32 = 3;

thread_local! {
    static RUNNING: RefCell<HashMap<i64, Rc<Runner>>> = RefCell::new(HashMap::new());
}

/// Whether this tab is running trial `id`.
pub fn is_running_here(id: i64) -> bool {
    RUNNING.with(|running| running.borrow().contains_key(&id))
}

/// Starts running trial `id` (just stored with `POST
/// /api/trials?host=browser`) of `plan` here.
pub fn start(id: i64, plan: &Plan) -> Result<(), String> {
    let valid = plan.check_graph().map_err(|e| e.to_string())?;
    let mut trial = TrialState::new(valid);
    // The server stored the trial-started event; numbering is its own.
    trial.start();
    let runner = Rc::new(Runner {
        id,
        trial: RefCell::new(trial),
        series: RefCell::new(HashMap::new()),
        stops: RefCell::new(HashMap::new()),
        stopped: Cell::new(false),
        lease_secs: Cell::new(0),
    });
    RUNNING.with(|running| running.borrow_mut().insert(id, Rc::clone(&runner)));
    wasm_bindgen_futures::spawn_local(heartbeat(Rc::clone(&runner)));
    pump(&runner);
    Ok(())
}

/// Stops running trial `id` here now: its workers are terminated and it
/// reports nothing more (the caller has asked the server to cancel it, or
/// handed it over).
pub fn stop_here(id: i64) {
    if let Some(runner) = RUNNING.with(|running| running.borrow().get(&id).cloned()) {
        runner.stop_all();
    }
}

/// One trial running here.
struct Runner {
    id: i64,
    trial: RefCell<TrialState>,
    /// Series fetched by finished `fetch_data` steps, by step id.
    series: RefCell<HashMap<String, Series>>,
    /// Stops the running steps' work, by step id.
    stops: RefCell<HashMap<String, oneshot::Sender<()>>>,
    /// Finished, taken over, or given up: nothing more is reported.
    stopped: Cell<bool>,
    lease_secs: Cell<u64>,
}

impl Runner {
    /// Ends this runner: running steps' workers terminate, nothing more
    /// is reported.
    fn stop_all(&self) {
        self.stopped.set(true);
        for (_, stop) in self.stops.borrow_mut().drain() {
            let _ = stop.send(());
        }
        RUNNING.with(|running| running.borrow_mut().remove(&self.id));
    }

    /// Takes the server's answer: a finished trial ends the runner, a
    /// cancel asked for stops the running steps (each then reports its
    /// stop, which the server records as cancelled).
    fn on_answer(&self, answer: &LeaseAnswer) {
        self.lease_secs.set(answer.lease_secs);
        if answer.trial.status.is_finished() {
            self.stop_all();
        } else if answer.trial.status == TrialStatus::Cancelling
            && !self.trial.borrow().is_cancelled()
        {
            self.trial.borrow_mut().cancel();
            for (_, stop) in self.stops.borrow_mut().drain() {
                let _ = stop.send(());
            }
        }
    }

    /// Sends `report` on `step`, retrying network failures; the answer, or
    /// `None` when the server refused it (taken over, finished) or could
    /// not be reached: the runner then stops.
    async fn send(&self, step: &str, report: &StepReport) -> Option<LeaseAnswer> {
        let mut wait = 1000;
        for attempt in 0..=RETRIES {
            if self.stopped.get() {
                return None;
            }
            match api::report_step(self.id, step, report).await {
                Ok(answer) => {
                    self.on_answer(&answer);
                    return Some(answer);
                }
                Err(error) if error.is_network() && attempt < RETRIES => {
                    sleep(wait).await;
                    wait *= 2;
                }
                Err(error) => {
                    log_refusal(self.id, &error);
                    self.stop_all();
                    return None;
                }
            }
        }
        None
    }
}

fn log_refusal(id: i64, error: &ApiError) {
    leptos::logging::warn!(
        "trial {id} stops running in this browser: {}",
        error.message()
    );
}

/// The time between heartbeats: a third of the lease, from 0.3 to 1 s, so
/// a cancel from another tab stops this one within about a second.
pub fn heartbeat_ms(lease_secs: u64) -> i32 {
    let third = lease_secs.saturating_mul(1000) / 3;
    i32::try_from(third.clamp(300, 1000)).unwrap_or(1000)
}

async fn heartbeat(runner: Rc<Runner>) {
    loop {
        sleep(heartbeat_ms(runner.lease_secs.get())).await;
        if runner.stopped.get() {
            return;
        }
        match api::trial_heartbeat(runner.id).await {
            Ok(answer) => {
                runner.on_answer(&answer);
                pump(&runner);
            }
            Err(error) if error.is_network() => {}
            Err(error) => {
                log_refusal(runner.id, &error);
                runner.stop_all();
            }
        }
    }
}

/// Starts every ready step there is room for.
fn pump(runner: &Rc<Runner>) {
    loop {
        if runner.stopped.get() {
            return;
        }
        let next: Option<Step> = {
            let trial = runner.trial.borrow();
            if trial.running().len() >= POOL {
                return;
            }
            trial.ready().first().map(|step| (*step).clone())
        };
        let Some(step) = next else { return };
        if runner.trial.borrow_mut().started(&step.id).is_err() {
            return;
        }
        wasm_bindgen_futures::spawn_local(run_step(Rc::clone(runner), step));
    }
}

async fn run_step(runner: Rc<Runner>, step: Step) {
    if runner.send(&step.id, &StepReport::Started).await.is_none() {
        return;
    }
    let inputs: Vec<(String, Series)> = {
        let series = runner.series.borrow();
        step.inputs
            .iter()
            .filter_map(|id| series.get(id).map(|s| (id.clone(), s.clone())))
            .collect()
    };
    let (stop, stopped) = oneshot::channel::<()>();
    runner.stops.borrow_mut().insert(step.id.clone(), stop);
    let progress_runner = Rc::clone(&runner);
    let progress_id = step.id.clone();
    let progress = move |fraction: f64, message: String| {
        let runner = Rc::clone(&progress_runner);
        let id = progress_id.clone();
        async move {
            let report = StepReport::Progress { fraction, message };
            // Progress is best effort: a refusal is left to the step's end.
            if let Ok(answer) = api::report_step(runner.id, &id, &report).await {
                runner.on_answer(&answer);
            }
        }
        .boxed_local()
    };
    let work = step::run(&step.action, &inputs, &progress);
    let result = match future::select(Box::pin(work), stopped).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => Err("cancelled".to_string()),
    };
    runner.stops.borrow_mut().remove(&step.id);
    if runner.stopped.get() {
        return;
    }
    let (report, series) = match result {
        Ok(done) => {
            let output = match step.action {
                // The server fetches the series through its own gateway
                // and checks the hash; it need not travel back.
                Action::FetchData(_) => serde_json::Value::Null,
                _ => done.output.output,
            };
            (
                StepReport::Done {
                    summary: done.output.summary.clone(),
                    output,
                    results: done.output.results,
                },
                done.series,
            )
        }
        Err(reason) => (StepReport::Failed { reason }, None),
    };
    let succeeded = matches!(report, StepReport::Done { .. });
    let summary = match &report {
        StepReport::Done { summary, .. } => summary.clone(),
        _ => serde_json::Value::Null,
    };
    let reason = match &report {
        StepReport::Failed { reason } => reason.clone(),
        _ => String::new(),
    };
    if runner.send(&step.id, &report).await.is_none() {
        return;
    }
    if let Some(series) = series {
        runner.series.borrow_mut().insert(step.id.clone(), series);
    }
    {
        let mut trial = runner.trial.borrow_mut();
        let _ = if succeeded {
            trial.succeeded(&step.id, summary)
        } else {
            trial.failed(&step.id, &reason)
        };
    }
    pump(&runner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeats_come_often_enough_for_the_lease_and_for_a_cancel() {
        assert_eq!(heartbeat_ms(30), 1000);
        assert_eq!(heartbeat_ms(2), 666);
        assert_eq!(heartbeat_ms(0), 300, "before the first answer");
    }
}
