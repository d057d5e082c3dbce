//! Batch pricing over slices (structure of arrays): many options that share
//! rate, dividend yield and kind, as a heatmap or a chain needs them. Inputs
//! are assumed already validated by the caller.

use super::bsm;
use super::inputs::{OptionKind, OptionParams};

/// Columns of a batch of European options that share carry and kind.
#[derive(Clone, Copy, Debug)]
pub struct BatchInputs<'a> {
    /// Spot of each option.
    pub spots: &'a [f64],
    /// Strike of each option.
    pub strikes: &'a [f64],
    /// Years to expiry of each option.
    pub years: &'a [f64],
    /// Volatility of each option.
    pub volatilities: &'a [f64],
    /// Shared risk-free rate.
    pub rate: f64,
    /// Shared dividend yield.
    pub dividend_yield: f64,
    /// Shared option kind.
    pub kind: OptionKind,
}

impl BatchInputs<'_> {
    /// Number of complete rows (the shortest column decides).
    pub fn len(&self) -> usize {
        self.spots
            .len()
            .min(self.strikes.len())
            .min(self.years.len())
            .min(self.volatilities.len())
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn row(&self, i: usize) -> OptionParams {
        OptionParams {
            spot: self.spots[i],
            strike: self.strikes[i],
            years: self.years[i],
            rate: self.rate,
            dividend_yield: self.dividend_yield,
            volatility: self.volatilities[i],
            kind: self.kind,
        }
    }
}

/// Writes the Black-Scholes-Merton price of each row into `out` (up to the
/// shorter of `out` and the inputs).
pub fn prices(inputs: &BatchInputs<'_>, out: &mut [f64]) {
    for (i, slot) in out.iter_mut().enumerate().take(inputs.len()) {
        *slot = bsm::price(&inputs.row(i));
    }
}

/// Writes price and Greeks of each row into `out`.
pub fn valuations(inputs: &BatchInputs<'_>, out: &mut [bsm::Valuation]) {
    for (i, slot) in out.iter_mut().enumerate().take(inputs.len()) {
        *slot = bsm::valuation(&inputs.row(i));
    }
}
