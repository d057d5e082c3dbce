//! The in-browser benchmark: the same kernels and workload as the native
//! criterion benchmark (`shared/benches/pricing.rs`), timed with
//! `performance.now()` so the two can be compared.

use crate::clock::now_ms;
use serde::{Deserialize, Serialize};
use shared::pricing::batch::{self, Columns};
use shared::pricing::binomial::{self, Exercise};
use shared::pricing::monte_carlo::{self, McConfig, McPayoff};
use shared::pricing::workload::{every_output, reference_put, sample_calls, sample_grid};
use shared::pricing::{bsm, implied_volatility};
use std::hint::black_box;

/// One measured kernel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchRow {
    /// Kernel name, matching the criterion benchmark's id.
    pub name: String,
    /// What one operation is.
    pub unit: String,
    /// Operations per second.
    pub per_second: f64,
    /// Mean time of one operation in nanoseconds.
    pub nanos_per_op: f64,
}

/// Repeats `round` (which performs `ops_per_round` operations) until at least
/// `min_ms` have passed, and reports the rate.
fn measure(
    name: &str,
    unit: &str,
    ops_per_round: u64,
    min_ms: f64,
    mut round: impl FnMut() -> f64,
) -> BenchRow {
    // One warm-up round, outside the timing.
    black_box(round());
    let start = now_ms();
    let mut rounds = 0u64;
    let mut sink = 0.0;
    while now_ms() - start < min_ms {
        sink += round();
        rounds += 1;
    }
    black_box(sink);
    let elapsed_s = (now_ms() - start) / 1000.0;
    let ops = (rounds * ops_per_round) as f64;
    BenchRow {
        name: name.to_string(),
        unit: unit.to_string(),
        per_second: ops / elapsed_s,
        nanos_per_op: elapsed_s * 1e9 / ops,
    }
}

/// Runs every kernel for about half a second each.
pub fn run_suite() -> Vec<BenchRow> {
    let options = sample_grid(4096);
    let prices: Vec<f64> = options.iter().map(bsm::price).collect();
    let n = options.len() as u64;
    let put = reference_put();
    let columns = Columns::from_options(&options);
    let mut out = vec![0.0; options.len()];
    vec![
        measure("bsm/price", "option", n, 500.0, || {
            options.iter().map(|p| bsm::price(black_box(p))).sum()
        }),
        measure("bsm/price_and_greeks", "option", n, 500.0, || {
            options
                .iter()
                .map(|p| every_output(&bsm::valuation(black_box(p))))
                .sum()
        }),
        measure("bsm/batch_price_calls", "option", n, 500.0, || {
            batch::prices(black_box(&sample_calls(&columns)), &mut out);
            out[0]
        }),
        measure("implied_vol/lets_be_rational", "option", n, 500.0, || {
            options
                .iter()
                .zip(&prices)
                .map(|(p, &price)| implied_volatility(black_box(price), p).unwrap_or(0.0))
                .sum()
        }),
        measure(
            "lattice_mc/binomial_american_1000_steps",
            "tree",
            1,
            500.0,
            || binomial::price(black_box(&put), Exercise::American, 1000).unwrap_or(0.0),
        ),
        measure(
            "lattice_mc/monte_carlo_european_1m_paths",
            "path",
            1_000_000,
            500.0,
            || {
                let config = McConfig {
                    paths: 1_000_000,
                    seed: 42,
                    antithetic: true,
                };
                monte_carlo::price(black_box(&put), McPayoff::European, &config)
                    .map(|e| e.price)
                    .unwrap_or(0.0)
            },
        ),
    ]
}
