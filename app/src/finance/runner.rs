//! The page's handle on the finance worker: a plain `web_sys::Worker`
//! loaded through Trunk's loader shim, JSON messages both ways, one
//! request per worker (sent when it reports `Ready`). Cancelling
//! terminates the worker at once, however long the computation would
//! take; so does dropping the future of [`compute`].
//!
//! Must not compute anything itself: the page thread only waits.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use shared::data::Series;
use shared::execute::FinanceOutcome;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Worker};

use super::protocol::{FinanceBenchRow, FinanceEvent, FinanceRequest};

/// Where Trunk puts the finance worker's loader.
pub const FINANCE_WORKER_LOADER: &str = "/finance_worker_loader.js";

/// What a finished computation hands back: the outcome, and the series the
/// worker loaded itself (offline runs).
pub type Computed = (FinanceOutcome, Option<Vec<Series>>);

/// The answer channel of one run.
type Reply = Rc<RefCell<Option<oneshot::Sender<Result<FinanceEvent, String>>>>>;

/// A cancel switch for runs; cheap to clone. [`Cancel::cancel`] terminates
/// the worker of the run in progress, whose future then ends with
/// `Err("cancelled")`.
#[derive(Clone, Default)]
pub struct Cancel {
    current: Rc<RefCell<Option<Running>>>,
}

struct Running {
    worker: Worker,
    reply: Reply,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
}

impl Cancel {
    /// Stops the run in progress now (nothing if none).
    pub fn cancel(&self) {
        if let Some(running) = self.current.borrow_mut().take() {
            running.worker.terminate();
            if let Some(reply) = running.reply.borrow_mut().take() {
                let _ = reply.send(Err("cancelled".to_string()));
            }
        }
    }

    /// Whether a run is in progress.
    pub fn is_running(&self) -> bool {
        self.current.borrow().is_some()
    }
}

/// Terminates the run's worker when the waiting future ends or is dropped.
struct Finish<'a>(&'a Cancel);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Runs `request` on a fresh finance worker (terminating any run `cancel`
/// holds) and waits for its answer.
pub async fn compute(request: &FinanceRequest, cancel: &Cancel) -> Result<Computed, String> {
    match exchange(request, cancel).await? {
        FinanceEvent::Done { outcome, loaded } => Ok((*outcome, loaded)),
        _ => Err("the finance worker answered with something else".to_string()),
    }
}

/// Times the finance benchmark in a fresh finance worker.
pub async fn bench(cancel: &Cancel) -> Result<Vec<FinanceBenchRow>, String> {
    match exchange(&FinanceRequest::Bench, cancel).await? {
        FinanceEvent::Bench { rows } => Ok(rows),
        _ => Err("the finance worker answered with something else".to_string()),
    }
}

/// Sends `request` to a fresh finance worker once it is ready and waits for
/// its final event (never `Ready`; `Failed` becomes the error).
async fn exchange(request: &FinanceRequest, cancel: &Cancel) -> Result<FinanceEvent, String> {
    cancel.cancel();
    let text = serde_json::to_string(request).map_err(|e| e.to_string())?;
    let worker = Worker::new(FINANCE_WORKER_LOADER)
        .map_err(|e| format!("cannot start the finance worker: {e:?}"))?;
    let (sender, answer) = oneshot::channel();
    let reply: Reply = Rc::new(RefCell::new(Some(sender)));
    let send = {
        let reply = reply.clone();
        move |result: Result<FinanceEvent, String>| {
            if let Some(sender) = reply.borrow_mut().take() {
                let _ = sender.send(result);
            }
        }
    };
    let for_ready = worker.clone();
    let on_message = {
        let send = send.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let event = event
                .data()
                .as_string()
                .and_then(|text| serde_json::from_str::<FinanceEvent>(&text).ok())
                .unwrap_or_else(|| FinanceEvent::Failed {
                    message: "the finance worker sent an unreadable message".to_string(),
                });
            match event {
                // The request goes once the worker listens.
                FinanceEvent::Ready => {
                    if let Err(error) = for_ready.post_message(&text.as_str().into()) {
                        send(Err(format!("cannot send to the finance worker: {error:?}")));
                    }
                }
                FinanceEvent::Failed { message } => send(Err(message)),
                done => send(Ok(done)),
            }
        })
    };
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        send(Err(
            "the finance worker stopped with an error (see the browser console)".to_string(),
        ));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    *cancel.current.borrow_mut() = Some(Running {
        worker,
        reply,
        _on_message: on_message,
        _on_error: on_error,
    });
    let _finish = Finish(cancel);
    answer
        .await
        .unwrap_or_else(|_| Err("cancelled".to_string()))
}
