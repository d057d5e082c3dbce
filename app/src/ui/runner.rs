//! The page's handle on the pricing web worker. Requests are coalesced: while
//! the worker is busy only the newest request waits, so a burst of keystrokes
//! costs at most one stale simulation and the shown result always matches
//! the latest inputs.

use crate::worker::{PricingWorker, WorkerRequest, WorkerResponse};
use gloo_worker::{Spawnable, WorkerBridge};
use std::cell::RefCell;
use std::rc::Rc;

/// Path of Trunk's loader shim for the `pricing_worker` binary.
pub const WORKER_LOADER: &str = "/pricing_worker_loader.js";

#[derive(Default)]
struct Queue {
    busy: bool,
    pending: Option<WorkerRequest>,
}

/// A spawned worker with a one-slot queue.
#[derive(Clone)]
pub struct WorkerRunner {
    bridge: Rc<RefCell<Option<WorkerBridge<PricingWorker>>>>,
    queue: Rc<RefCell<Queue>>,
}

impl WorkerRunner {
    /// Spawns the worker; `on_response` receives every answer.
    pub fn spawn(on_response: impl Fn(WorkerResponse) + 'static) -> Self {
        let runner = WorkerRunner {
            bridge: Rc::new(RefCell::new(None)),
            queue: Rc::new(RefCell::new(Queue::default())),
        };
        let for_callback = runner.clone();
        let bridge = PricingWorker::spawner()
            .callback(move |response| {
                on_response(response);
                for_callback.next();
            })
            .spawn_with_loader(WORKER_LOADER);
        *runner.bridge.borrow_mut() = Some(bridge);
        runner
    }

    /// Sends `request` now if the worker is idle, or queues it in place of
    /// any older waiting request.
    pub fn submit(&self, request: WorkerRequest) {
        let mut queue = self.queue.borrow_mut();
        if queue.busy {
            queue.pending = Some(request);
        } else {
            queue.busy = true;
            drop(queue);
            self.send(request);
        }
    }

    fn next(&self) {
        let pending = {
            let mut queue = self.queue.borrow_mut();
            let pending = queue.pending.take();
            queue.busy = pending.is_some();
            pending
        };
        if let Some(request) = pending {
            self.send(request);
        }
    }

    fn send(&self, request: WorkerRequest) {
        if let Some(bridge) = self.bridge.borrow().as_ref() {
            bridge.send(request);
        }
    }
}
