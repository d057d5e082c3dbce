//! The pricing web worker: Monte Carlo simulation and the benchmark suite,
//! off the UI thread. Messages are the serde types below (gloo-worker
//! encodes them with bincode).

use crate::bench::{run_suite, BenchRow};
use crate::clock::now_ms;
use gloo_worker::{HandlerId, Worker, WorkerScope};
use serde::{Deserialize, Serialize};
use shared::pricing::monte_carlo::{self, McConfig, McEstimate, McPayoff};
use shared::pricing::OptionParams;

/// Work the page asks of the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum WorkerRequest {
    /// Price one option by simulation.
    MonteCarlo {
        /// Echoed back so the page can drop stale answers.
        id: u64,
        /// The option.
        params: OptionParams,
        /// The payoff to simulate.
        payoff: McPayoff,
        /// Paths, seed and variance reduction.
        config: McConfig,
    },
    /// Run the benchmark suite.
    Bench,
}

/// The worker's answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum WorkerResponse {
    /// A finished simulation.
    MonteCarlo {
        /// The request's id.
        id: u64,
        /// The estimate, or the input error's message.
        result: Result<McEstimate, String>,
        /// Wall time of the simulation in milliseconds.
        elapsed_ms: f64,
    },
    /// Benchmark results, one row per kernel.
    Bench(Vec<BenchRow>),
}

/// The worker itself; stateless between requests.
pub struct PricingWorker;

impl Worker for PricingWorker {
    type Message = ();
    type Input = WorkerRequest;
    type Output = WorkerResponse;

    fn create(_scope: &WorkerScope<Self>) -> Self {
        PricingWorker
    }

    fn update(&mut self, _scope: &WorkerScope<Self>, _msg: Self::Message) {}

    fn received(&mut self, scope: &WorkerScope<Self>, msg: Self::Input, id: HandlerId) {
        scope.respond(id, handle(msg));
    }
}

/// Runs one request to completion.
pub fn handle(request: WorkerRequest) -> WorkerResponse {
    match request {
        WorkerRequest::MonteCarlo {
            id,
            params,
            payoff,
            config,
        } => {
            let start = now_ms();
            let result = monte_carlo::price(&params, payoff, &config).map_err(|e| e.to_string());
            WorkerResponse::MonteCarlo {
                id,
                result,
                elapsed_ms: now_ms() - start,
            }
        }
        WorkerRequest::Bench => WorkerResponse::Bench(run_suite()),
    }
}
