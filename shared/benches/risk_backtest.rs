//! Monte Carlo VaR with 1M scenarios (normal and Student-t) on the bundled
//! S&P 500's daily returns, and a 20-year daily backtest (MA 50/200
//! crossover, volatility-targeted variant too) on the same series.
//! `cargo bench -p shared --bench risk_backtest -- --warm-up-time 1 --measurement-time 5`

use criterion::{criterion_group, criterion_main, Criterion};
use shared::backtest::{self, BacktestConfig, Direction, Rule, Signal, Sizing};
use shared::data::bundled;
use shared::features::indicators::simple_returns;
use shared::risk::{monte_carlo, Distribution};

fn risk(c: &mut Criterion) {
    let sp = bundled::load("sp500").expect("bundled sp500");
    let returns: Vec<f64> = simple_returns(&sp.values())[1..].to_vec();
    let mut group = c.benchmark_group("risk");
    group.sample_size(10);
    for (name, dist) in [
        ("mc_var_1m_normal", Distribution::Normal),
        ("mc_var_1m_student_t", Distribution::StudentT),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| monte_carlo(&returns, 0.99, 1, dist, 1_000_000, 42).unwrap())
        });
    }
    group.finish();
}

fn backtests(c: &mut Criterion) {
    let sp = bundled::load("sp500").expect("bundled sp500");
    let mut group = c.benchmark_group("backtest");
    group.sample_size(20);
    for (name, sizing) in [
        ("sp500_20y_ma_50_200", Sizing::Full),
        (
            "sp500_20y_ma_50_200_vol_target",
            Sizing::VolatilityTarget {
                target: 0.1,
                lookback: 20,
            },
        ),
    ] {
        let config = BacktestConfig {
            signal: Signal::Rule(Rule::MaCrossover {
                fast: 50,
                slow: 200,
            }),
            direction: Direction::LongShort,
            sizing,
            cost_bps: 5.0,
            slippage_bps: 2.0,
            periods_per_year: 252.0,
        };
        group.bench_function(name, |b| b.iter(|| backtest::run(&sp, &config).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, risk, backtests);
criterion_main!(benches);
