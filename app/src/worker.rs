//! The pricing web worker: Monte Carlo simulation, implied volatility and
//! the benchmark suite, off the UI thread (and out of the main module: the
//! Let's Be Rational solver and the simulation code are linked only here).
//! Messages are the serde types below (gloo-worker encodes them with
//! bincode).

use crate::bench::{run_suite, BenchRow};
use crate::clock::now_ms;
use gloo_worker::{HandlerId, Worker, WorkerScope};
use serde::{Deserialize, Serialize};
use shared::pricing::binomial::{self, Exercise};
use shared::pricing::monte_carlo::{self, McConfig, McEstimate, McPayoff};
use shared::pricing::{implied_volatility, OptionParams};

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
    /// Solve for the volatility that reproduces an observed price.
    ImpliedVol {
        /// Echoed back so the page can drop stale answers.
        id: u64,
        /// The observed option price.
        price: f64,
        /// The option (its volatility is ignored).
        params: OptionParams,
        /// European (Let's Be Rational) or American (CRR tree bisection).
        exercise: Exercise,
        /// Tree steps for American exercise.
        steps: usize,
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
    /// An implied volatility.
    ImpliedVol {
        /// The request's id.
        id: u64,
        /// The volatility (a fraction), or why none reproduces the price.
        result: Result<f64, String>,
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
        WorkerRequest::ImpliedVol {
            id,
            price,
            params,
            exercise,
            steps,
        } => WorkerResponse::ImpliedVol {
            id,
            result: implied_vol(price, &params, exercise, steps),
        },
        WorkerRequest::Bench => WorkerResponse::Bench(run_suite()),
    }
}

/// The volatility at which `params` (under `exercise`) is worth `price`.
pub fn implied_vol(
    price: f64,
    params: &OptionParams,
    exercise: Exercise,
    steps: usize,
) -> Result<f64, String> {
    match exercise {
        Exercise::European => implied_volatility(price, params),
        Exercise::American => binomial::implied_volatility(price, params, steps),
    }
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::pricing::{bsm, OptionKind};

    fn option(kind: OptionKind) -> OptionParams {
        OptionParams::new(100.0, 105.0, 0.5, 0.03, 0.01, 0.25, kind).unwrap()
    }

    #[test]
    fn implied_vol_recovers_the_volatility_of_its_own_price() {
        let params = option(OptionKind::Call);
        let answer = handle(WorkerRequest::ImpliedVol {
            id: 7,
            price: bsm::price(&params),
            params,
            exercise: Exercise::European,
            steps: 0,
        });
        match answer {
            WorkerResponse::ImpliedVol {
                id: 7,
                result: Ok(vol),
            } => {
                assert!((vol - 0.25).abs() < 1e-10, "{vol}")
            }
            other => panic!("unexpected {other:?}"),
        }
        let put = option(OptionKind::Put);
        let american = binomial::price(&put, Exercise::American, 200).unwrap();
        let vol = implied_vol(american, &put, Exercise::American, 200).unwrap();
        assert!((vol - 0.25).abs() < 1e-4, "{vol}");
    }

    #[test]
    fn implied_vol_explains_a_price_above_the_bound() {
        let error =
            implied_vol(500.0, &option(OptionKind::Call), Exercise::European, 0).unwrap_err();
        assert!(error.contains("upper bound"), "{error}");
    }
}
