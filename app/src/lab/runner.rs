//! The Lab screen's handle on its worker: a plain `web_sys::Worker` loaded
//! through Trunk's loader shim, JSON messages both ways; the request is
//! sent when the worker reports `Ready`. Cancelling
//! terminates the worker immediately (however long the current model
//! would take); the next run starts a fresh one.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};

use super::protocol::{LabEvent, LabRequest};

/// Where Trunk puts the lab worker's loader.
pub const LAB_WORKER_LOADER: &str = "/lab_worker_loader.js";

/// The worker handle; cheap to clone.
#[derive(Clone, Default)]
pub struct LabRunner {
    current: Rc<RefCell<Option<Running>>>,
}

struct Running {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl LabRunner {
    /// Starts `request` on a fresh worker (terminating any previous one);
    /// `on_event` receives every event.
    pub fn start(
        &self,
        request: &LabRequest,
        on_event: impl Fn(LabEvent) + 'static,
    ) -> Result<(), String> {
        self.cancel();
        let text = serde_json::to_string(request).map_err(|e| e.to_string())?;
        let worker = Worker::new(LAB_WORKER_LOADER)
            .map_err(|e| format!("cannot start the lab worker: {e:?}"))?;
        let for_ready = worker.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let event = event
                .data()
                .as_string()
                .and_then(|text| serde_json::from_str::<LabEvent>(&text).ok())
                .unwrap_or_else(|| LabEvent::Failed {
                    message: "the lab worker sent an unreadable message".to_string(),
                });
            if event == LabEvent::Ready {
                // The request goes once the worker listens.
                if let Err(error) = for_ready.post_message(&text.as_str().into()) {
                    on_event(LabEvent::Failed {
                        message: format!("cannot send to the lab worker: {error:?}"),
                    });
                }
                return;
            }
            on_event(event);
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        *self.current.borrow_mut() = Some(Running {
            worker,
            _on_message: on_message,
        });
        Ok(())
    }

    /// Stops the run now: the worker is terminated mid-model.
    pub fn cancel(&self) {
        if let Some(running) = self.current.borrow_mut().take() {
            running.worker.terminate();
        }
    }

    /// Forgets a finished worker (terminating it frees its memory).
    pub fn finish(&self) {
        self.cancel();
    }
}
