//! Speed of the portfolio optimisers, natively. Run with
//! `cargo bench -p shared --bench portfolio`. The cases are
//! `shared::execute::workload`'s, the same the browser's finance worker
//! times on the `/bench` page.

use criterion::{criterion_group, criterion_main, Criterion};
use shared::data::bundled;
use shared::execute::workload::{portfolio_cases, windows};
use shared::portfolio::ledoit_wolf_constant_correlation;
use std::hint::black_box;

fn bench_portfolio(c: &mut Criterion) {
    let daily: Vec<_> = ["sp500", "nasdaq", "wti"]
        .iter()
        .map(|id| bundled::load(id).expect("bundled"))
        .collect();
    let mut group = c.benchmark_group("portfolio");
    group.sample_size(10);
    for case in portfolio_cases(&daily).expect("portfolio workload") {
        let name = case.name.trim_start_matches("portfolio/").to_string();
        group.bench_function(name, |b| b.iter(|| case.run().expect("case")));
    }
    let r = windows(&daily, 100, 1000).expect("benchmark matrix");
    group.bench_function("ledoit_wolf_cc_100x1000", |b| {
        b.iter(|| ledoit_wolf_constant_correlation(black_box(&r)).expect("lw"))
    });
    group.finish();
}

criterion_group!(benches, bench_portfolio);
criterion_main!(benches);
