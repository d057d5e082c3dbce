//! Speed of the portfolio optimisers, natively. Run with
//! `cargo bench -p shared --bench portfolio`.
//!
//! Benchmark input only: the return matrices are built deterministically
//! from real bundled daily series (S&P 500, NASDAQ, WTI closes) as shifted
//! windows: asset `k` is series `k % 3`'s simple returns starting `23 k`
//! observations in. They are realistic returns, not a portfolio anyone
//! holds.

use criterion::{criterion_group, criterion_main, Criterion};
use shared::data::bundled;
use shared::portfolio::{
    estimate, hierarchical_risk_parity, ledoit_wolf_constant_correlation, max_sharpe, min_cvar,
    min_variance, Constraints, CovarianceEstimator, Estimates, PortfolioFrequency, ReturnEstimator,
    ReturnKind, ReturnMatrix,
};
use std::hint::black_box;

/// `assets` shifted windows of `dates` daily returns.
fn windows(assets: usize, dates: usize) -> ReturnMatrix {
    let series: Vec<(Vec<f64>, Vec<shared::calendar::Date>)> = ["sp500", "nasdaq", "wti"]
        .iter()
        .map(|id| {
            let s = bundled::load(id).expect("bundled");
            let v = s.values();
            let r = v.windows(2).map(|w| w[1] / w[0] - 1.0).collect();
            (r, s.dates()[1..].to_vec())
        })
        .collect();
    let rows: Vec<Vec<f64>> = (0..dates)
        .map(|t| {
            (0..assets)
                .map(|k| {
                    let (r, _) = &series[k % 3];
                    r[(23 * k) % (r.len() - dates) + t]
                })
                .collect()
        })
        .collect();
    let names = (0..assets).map(|k| format!("W{k}")).collect();
    ReturnMatrix::new(
        names,
        series[0].1[..dates].to_vec(),
        &rows,
        PortfolioFrequency::Daily,
        ReturnKind::Simple,
    )
    .expect("benchmark matrix")
}

fn estimates(r: &ReturnMatrix) -> Estimates {
    estimate(r, &ReturnEstimator::Mean, CovarianceEstimator::Sample).expect("estimates")
}

fn bench_mean_variance(c: &mut Criterion) {
    let mut group = c.benchmark_group("portfolio");
    group.sample_size(10);
    for n in [50, 100] {
        let r = windows(n, 1000);
        let est = estimates(&r);
        let long = Constraints::long_only();
        group.bench_function(format!("min_variance_{n}x1000"), |b| {
            b.iter(|| min_variance(black_box(&est), &long, 0.0).expect("min variance"))
        });
        group.bench_function(format!("max_sharpe_{n}x1000"), |b| {
            b.iter(|| max_sharpe(black_box(&est), &long, 0.0).expect("max sharpe"))
        });
    }
    let r = windows(100, 1000);
    let est = estimates(&r);
    group.bench_function("hrp_100", |b| {
        b.iter(|| hierarchical_risk_parity(black_box(&est), 0.0).expect("hrp"))
    });
    group.bench_function("ledoit_wolf_cc_100x1000", |b| {
        b.iter(|| ledoit_wolf_constant_correlation(black_box(&r)).expect("lw"))
    });
    let r = windows(20, 2500);
    let est = estimates(&r);
    group.bench_function("min_cvar_20x2500", |b| {
        b.iter(|| {
            min_cvar(black_box(&r), &est, &Constraints::long_only(), 0.95, 0.0).expect("cvar")
        })
    });
    group.finish();
}

criterion_group!(benches, bench_mean_variance);
criterion_main!(benches);
