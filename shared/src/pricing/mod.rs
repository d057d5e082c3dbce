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
pub mod implied;
pub mod inputs;
pub mod monte_carlo;
pub mod normal;
pub mod strategy;

pub use binomial::{BinomialResult, Exercise};
pub use bsm::{Greeks, Valuation};
pub use implied::{implied_volatility, ImpliedVolError};
pub use inputs::{Field, InputError, OptionKind, OptionParams};
pub use monte_carlo::{McConfig, McEstimate, McPayoff};
