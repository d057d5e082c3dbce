//! Monte Carlo VaR with 1M scenarios (normal and Student-t) on the bundled
//! S&P 500's daily returns, and a 20-year daily backtest (MA 50/200
//! crossover, volatility-targeted variant too) on the same series. The
//! cases are `shared::execute::workload`'s, the same the browser's finance
//! worker times on the `/bench` page.
//! `cargo bench -p shared --bench risk_backtest -- --warm-up-time 1 --measurement-time 5`

use criterion::{criterion_group, criterion_main, Criterion};
use shared::data::bundled;
use shared::execute::workload::risk_backtest_cases;

fn bench_risk_backtest(c: &mut Criterion) {
    let sp = bundled::load("sp500").expect("bundled sp500");
    for case in risk_backtest_cases(&sp) {
        let (group_name, name) = case.name.split_once('/').expect("group/name");
        let mut group = c.benchmark_group(group_name);
        group.sample_size(if group_name == "risk" { 10 } else { 20 });
        group.bench_function(name, |b| b.iter(|| case.run().expect("case")));
        group.finish();
    }
}

criterion_group!(benches, bench_risk_backtest);
criterion_main!(benches);
