//! Backtesting a trading signal on a price series: technical rules or
//! given positions ([`signals`]), position sizing ([`sizing`]), execution
//! at the next bar's close with costs and slippage, the equity curve,
//! trade list and report against buy-and-hold ([`report`]), and CSV
//! exports ([`csv`]).
//!
//! The arithmetic of a position series lives in [`engine`] only; the Lab's
//! trading metrics ([`crate::models::metrics::trading`]) call it too, so a
//! signal and costs give the same numbers in both places. Must not look
//! ahead (see [`report`] for the execution rule), fetch data, or panic on
//! input: bad input is a [`BacktestError`] naming the field.

pub mod csv;
pub mod engine;
pub mod report;
pub mod signals;
pub mod sizing;

pub use engine::{sharpe, simulate, PositionRun};
pub use report::{
    performance, run, run_prices, trades, BacktestConfig, BacktestReport, Performance, Side, Trade,
    EXECUTION,
};
pub use signals::{Direction, Rule, Signal};
pub use sizing::Sizing;

use crate::models::ModelError;

/// Why a backtest was refused. Every variant names the input at fault.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BacktestError {
    /// A parameter outside its range.
    #[error("{field}: {reason}")]
    Invalid {
        /// The parameter.
        field: &'static str,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// Two inputs that must have the same length do not.
    #[error("{field} and {other}: {got} values against {expected} values")]
    Length {
        /// The input whose length is wrong.
        field: &'static str,
        /// Its length.
        got: usize,
        /// The other input.
        other: &'static str,
        /// The other input's length.
        expected: usize,
    },
    /// Too few values.
    #[error("{field}: {got} values, at least {needed} needed ({reason})")]
    TooFew {
        /// The input.
        field: &'static str,
        /// How many were given.
        got: usize,
        /// How many are needed.
        needed: usize,
        /// Why.
        reason: String,
    },
    /// A NaN or infinite number.
    #[error("{field}: value {index} is {value}, expected a finite number")]
    NotFinite {
        /// The input.
        field: &'static str,
        /// Position of the first bad value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A position outside [−1, 1].
    #[error("positions: position {index} is {value}, outside [-1, 1]")]
    PositionRange {
        /// Position of the first bad value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A result that is not a finite number.
    #[error("{field} is {value}")]
    Numerical {
        /// The figure.
        field: &'static str,
        /// Its value.
        value: f64,
    },
}

impl From<BacktestError> for ModelError {
    fn from(e: BacktestError) -> ModelError {
        match e {
            BacktestError::Invalid { field, reason } => ModelError::Param {
                name: field.into(),
                reason,
            },
            BacktestError::Length { .. } | BacktestError::PositionRange { .. } => {
                ModelError::Shape(e.to_string())
            }
            BacktestError::TooFew { .. } => ModelError::TooLittleData(e.to_string()),
            BacktestError::NotFinite { .. } | BacktestError::Numerical { .. } => {
                ModelError::Numerical(e.to_string())
            }
        }
    }
}
