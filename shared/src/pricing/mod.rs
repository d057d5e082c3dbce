//! Option pricing: Black-Scholes-Merton with Greeks, implied volatility,
//! Cox-Ross-Rubinstein binomial trees (European and American), Monte Carlo
//! (European and arithmetic/geometric Asian) and multi-leg strategies.
//!
//! Every entry point takes validated [`OptionParams`]; nothing here panics on
//! user input, and results are plain numbers in the units documented on each
//! field (rates and volatilities as decimals, time in years).

pub mod batch;
pub mod binomial;
pub mod bsm;
pub mod dates;
pub mod fastmath;
pub mod implied;
pub mod inputs;
pub mod monte_carlo;
pub mod normal;
pub mod strategy;
pub mod workload;

pub use binomial::{BinomialResult, Exercise};
pub use bsm::{Greeks, Valuation};
pub use implied::{implied_volatility, ImpliedVolError};
pub use inputs::{Field, InputError, OptionKind, OptionParams};
pub use monte_carlo::{McConfig, McEstimate, McPayoff};

/// How an option is valued: European exercise by Black-Scholes-Merton,
/// American by a CRR tree with `steps` steps.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Model {
    /// Exercise style.
    pub exercise: Exercise,
    /// Tree steps, used for American exercise.
    pub steps: usize,
}

/// Price and Greeks of one option under `model`.
pub fn valuation(p: &OptionParams, model: &Model) -> Result<Valuation, binomial::BinomialError> {
    match model.exercise {
        Exercise::European => Ok(bsm::valuation(p)),
        Exercise::American => {
            let r = binomial::valuation(p, Exercise::American, model.steps)?;
            Ok(Valuation {
                price: r.price,
                greeks: r.greeks,
            })
        }
    }
}
