//! The fixed benchmark workload, shared by the native criterion benchmark
//! and the in-browser benchmark page so both measure the same options.

use super::batch::{BatchInputs, Columns};
use super::bsm::Valuation;
use super::inputs::{OptionKind, OptionParams};

/// Risk-free rate of every option in [`sample_grid`].
pub const SAMPLE_RATE: f64 = 0.03;
/// Dividend yield of every option in [`sample_grid`].
pub const SAMPLE_DIVIDEND_YIELD: f64 = 0.01;

/// `n` options spread over strikes 60..140, expiries 0.05..1.85 years,
/// volatilities 10%..54%, alternating calls and puts (spot 100, r 3%, q 1%),
/// so that branches and caches see realistic variety.
pub fn sample_grid(n: usize) -> Vec<OptionParams> {
    (0..n)
        .map(|i| OptionParams {
            spot: 100.0,
            strike: 60.0 + (i % 81) as f64,
            years: 0.05 + (i % 37) as f64 * 0.05,
            rate: SAMPLE_RATE,
            dividend_yield: SAMPLE_DIVIDEND_YIELD,
            volatility: 0.1 + (i % 23) as f64 * 0.02,
            kind: if i % 2 == 0 {
                OptionKind::Call
            } else {
                OptionKind::Put
            },
        })
        .collect()
}

/// The batch benchmark's input: the grid's columns priced as calls.
pub fn sample_calls(columns: &Columns) -> BatchInputs<'_> {
    columns.inputs(SAMPLE_RATE, SAMPLE_DIVIDEND_YIELD, OptionKind::Call)
}

/// The sum of a valuation's price and Greeks, so that a benchmark consumes
/// every output and the compiler cannot skip computing any of them.
pub fn every_output(v: &Valuation) -> f64 {
    let g = &v.greeks;
    v.price + g.delta + g.gamma + g.vega + g.theta + g.rho
}

/// The option of the binomial and Monte Carlo benchmarks: an at-the-money
/// one-year put, spot 100, r 5%, q 2%, vol 20%.
pub fn reference_put() -> OptionParams {
    OptionParams {
        spot: 100.0,
        strike: 100.0,
        years: 1.0,
        rate: 0.05,
        dividend_yield: 0.02,
        volatility: 0.2,
        kind: OptionKind::Put,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_is_valid_input() {
        for p in sample_grid(200).into_iter().chain([reference_put()]) {
            assert_eq!(p.validated(), Ok(p));
        }
    }
}
