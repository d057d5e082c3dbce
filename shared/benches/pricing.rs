//! Throughput of the pricing kernels, natively. Run with
//! `cargo bench -p shared --bench pricing`; the browser figures come from the
//! app's `/bench` page.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use shared::pricing::batch::{self, Columns};
use shared::pricing::binomial::{self, Exercise};
use shared::pricing::monte_carlo::{self, McConfig, McPayoff};
use shared::pricing::workload::{every_output, reference_put, sample_calls, sample_grid};
use shared::pricing::{bsm, implied_volatility};
use std::hint::black_box;

fn bench_bsm(c: &mut Criterion) {
    let options = sample_grid(4096);
    let mut group = c.benchmark_group("bsm");
    group.throughput(Throughput::Elements(options.len() as u64));
    group.bench_function("price", |b| {
        b.iter(|| {
            options
                .iter()
                .map(|p| bsm::price(black_box(p)))
                .sum::<f64>()
        })
    });
    group.bench_function("price_and_greeks", |b| {
        b.iter(|| {
            options
                .iter()
                .map(|p| every_output(&bsm::valuation(black_box(p))))
                .sum::<f64>()
        })
    });
    let columns = Columns::from_options(&options);
    let mut out = vec![0.0; options.len()];
    group.bench_function("batch_price_calls", |b| {
        b.iter(|| {
            batch::prices(black_box(&sample_calls(&columns)), &mut out);
            out[0]
        })
    });
    group.finish();
}

fn bench_implied(c: &mut Criterion) {
    let options = sample_grid(4096);
    let prices: Vec<f64> = options.iter().map(bsm::price).collect();
    let mut group = c.benchmark_group("implied_vol");
    group.throughput(Throughput::Elements(options.len() as u64));
    group.bench_function("lets_be_rational", |b| {
        b.iter(|| {
            options
                .iter()
                .zip(&prices)
                .map(|(p, &price)| implied_volatility(black_box(price), p).unwrap_or(0.0))
                .sum::<f64>()
        })
    });
    group.finish();
}

fn bench_trees_and_paths(c: &mut Criterion) {
    let p = reference_put();
    let mut group = c.benchmark_group("lattice_mc");
    group.sample_size(20);
    group.bench_function("binomial_american_1000_steps", |b| {
        b.iter(|| binomial::price(black_box(&p), Exercise::American, 1000))
    });
    group.throughput(Throughput::Elements(1_000_000));
    group.bench_function("monte_carlo_european_1m_paths", |b| {
        b.iter_batched(
            || McConfig {
                paths: 1_000_000,
                seed: 42,
                antithetic: true,
            },
            |config| monte_carlo::price(black_box(&p), McPayoff::European, &config),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_bsm, bench_implied, bench_trees_and_paths);
criterion_main!(benches);
