//! The finance actions on the bundled real data: invariants of each
//! outcome (weights sum to one, ES at least VaR, the 2007-09 fall found).

use super::*;
use crate::actions::{
    Backtest, CovarianceChoice, OptimisePortfolio, RiskReport, RuleChoice, SizingChoice,
};
use crate::calendar::Date;
use crate::data::bundled;
use crate::portfolio::PortfolioFrequency;

fn load(ids: &[&str]) -> Vec<Series> {
    ids.iter().map(|id| bundled::load(id).unwrap()).collect()
}

fn action<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).unwrap()
}

#[test]
fn min_variance_on_bundled_data_sums_to_one_and_reports_alignment() {
    let p: OptimisePortfolio = action(serde_json::json!({
        "assets": ["sp500", "nasdaq", "wti"], "method": "min_variance",
        "from": "2005-01-01", "to": "2015-12-31"
    }));
    assert_eq!(p.covariance, CovarianceChoice::LedoitWolf);
    let series: Vec<Series> = load(&["sp500", "nasdaq", "wti"])
        .iter()
        .map(|s| {
            s.between(
                Date::parse("2005-01-01").ok(),
                Date::parse("2015-12-31").ok(),
            )
            .unwrap()
        })
        .collect();
    let outcome = optimise(&p, &series).unwrap();
    let w = &outcome.portfolio.weights;
    assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-6, "{w:?}");
    assert!(w.iter().all(|x| *x >= -1e-8), "long-only: {w:?}");
    assert_eq!(outcome.frequency, PortfolioFrequency::Daily);
    assert!(outcome.report.kept_dates > 2000);
    // WTI trades on days the indices do not, and the other way round.
    assert!(outcome.report.dropped_total > 0);
    // The frontier starts at the minimum-variance portfolio, rises in
    // return, and no asset alone lies above it.
    let f = &outcome.frontier;
    assert_eq!(f.len(), FRONTIER_POINTS, "{:?}", outcome.frontier_note);
    assert!((f[0].volatility - outcome.portfolio.volatility).abs() < 1e-4);
    assert!(f
        .windows(2)
        .all(|p| p[1].expected_return >= p[0].expected_return - 1e-9));
    assert_eq!(outcome.asset_points.len(), 3);
    for a in &outcome.asset_points {
        assert!(a.volatility >= f[0].volatility - 1e-9, "{a:?}");
        let best = f
            .iter()
            .filter(|p| p.volatility <= a.volatility + 1e-9)
            .map(|p| p.expected_return)
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(a.expected_return <= best + 1e-6, "{a:?} above the frontier");
    }
    let capm: OptimisePortfolio = action(serde_json::json!({
        "assets": ["nasdaq", "wti"], "method": "max_sharpe",
        "expected_returns": "capm", "market": "sp500", "risk_free": 0.0
    }));
    let outcome = optimise(&capm, &series).unwrap();
    assert_eq!(
        outcome.portfolio.assets,
        vec!["nasdaq", "wti"],
        "the market is set aside"
    );
    // The outcome crosses the worker boundary as JSON unchanged.
    let wire = FinanceOutcome::Portfolio(outcome);
    let back: FinanceOutcome =
        serde_json::from_str(&serde_json::to_string(&wire).unwrap()).unwrap();
    assert_eq!(back, wire);
}

#[test]
fn risk_report_on_the_sp500_covers_every_part() {
    let r: RiskReport = action(serde_json::json!({
        "assets": ["sp500"], "scenarios": 1000, "methods": ["historical", "normal", "monte_carlo"]
    }));
    let outcome = risk_report(&r, &load(&["sp500"])).unwrap();
    assert_eq!(outcome.estimates.len(), 3);
    for (_, e) in &outcome.estimates {
        let e = e.as_ref().unwrap();
        assert!(e.var > 0.0 && e.es >= e.var, "{e:?}");
    }
    assert!(outcome.simulation.is_some());
    let d = outcome.drawdown.as_ref().unwrap();
    assert!(d.depth > 0.4, "2007-2009 lies in the data: {d:?}");
    // The value curve's worst fall is the reported drawdown.
    let mut peak = f64::MIN;
    let mut worst = 0.0_f64;
    for (_, v) in &outcome.values {
        peak = peak.max(*v);
        worst = worst.max(1.0 - v / peak);
    }
    assert!((worst - d.depth).abs() < 1e-12, "{worst} vs {}", d.depth);
    assert_eq!(outcome.returns.len(), outcome.observations);
    let names: Vec<&str> = outcome
        .stress
        .iter()
        .map(|s| s.episode.name.as_str())
        .collect();
    assert!(
        names.iter().any(|n| n.contains("Financial crisis")),
        "{names:?}"
    );
    let b = outcome.backtest.1.as_ref().unwrap();
    assert_eq!(b.observations, outcome.observations - VAR_BACKTEST_WINDOW);
    // A 60/40 portfolio is less volatile than NASDAQ alone.
    let pair: RiskReport = action(serde_json::json!({
        "assets": ["sp500", "nasdaq"], "weights": [0.6, 0.4], "methods": ["normal"]
    }));
    let mixed = risk_report(&pair, &load(&["sp500", "nasdaq"])).unwrap();
    let alone: RiskReport =
        action(serde_json::json!({"assets": ["nasdaq"], "methods": ["normal"]}));
    let nasdaq = risk_report(&alone, &load(&["nasdaq"])).unwrap();
    let var = |o: &RiskOutcome| o.estimates[0].1.as_ref().unwrap().var;
    assert!(var(&mixed) < var(&nasdaq));
    assert_eq!(mixed.label, "60% sp500, 40% nasdaq");
    let wire = FinanceOutcome::Risk(mixed);
    let back: FinanceOutcome =
        serde_json::from_str(&serde_json::to_string(&wire).unwrap()).unwrap();
    assert_eq!(back, wire);
}

#[test]
fn backtest_runs_the_shared_engine() {
    let b: Backtest = action(serde_json::json!({
        "symbol": "sp500", "rule": "ma_crossover", "fast": 50, "slow": 200
    }));
    assert_eq!(
        (b.rule, b.sizing),
        (RuleChoice::MaCrossover, SizingChoice::Full)
    );
    let series = bundled::load("sp500").unwrap();
    let report = backtest(&b, &series).unwrap();
    assert_eq!(report.config.periods_per_year, 252.0);
    assert_eq!(report.equity.len(), report.buy_and_hold_equity.len());
    assert!(report.strategy.trades > 0);
    assert!(report.strategy.exposure < 1.0, "flat during the warm-up");
    let cpi: Backtest =
        action(serde_json::json!({"symbol": "core_cpi", "rule": "momentum", "lookback": 12}));
    let report = backtest(&cpi, &bundled::load("core_cpi").unwrap()).unwrap();
    assert_eq!(report.config.periods_per_year, 12.0);
}

#[test]
fn run_dispatches_and_refuses_what_is_not_finance() {
    let b: Action = action(serde_json::json!({
        "action": "backtest", "symbol": "sp500", "rule": "momentum", "lookback": 20
    }));
    assert!(is_finance(&b));
    let series = load(&["sp500"]);
    assert!(matches!(run(&b, &series), Ok(FinanceOutcome::Backtest(_))));
    let two = load(&["sp500", "nasdaq"]);
    assert_eq!(
        run(&b, &two).unwrap_err(),
        "a backtest takes one series, not 2"
    );
    let goal: Action = action(serde_json::json!({"action": "set_goal", "text": "beat the index"}));
    assert!(!is_finance(&goal));
    assert!(run(&goal, &series).unwrap_err().contains("set_goal"));
}

#[test]
fn given_positions_run_on_their_own_dates_and_match_the_rule_they_copy() {
    let b: Backtest = action(serde_json::json!({
        "symbol": "sp500", "rule": "ma_crossover", "fast": 20, "slow": 100, "cost_bps": 5.0
    }));
    let series = bundled::load("sp500").unwrap();
    let by_rule = backtest(&b, &series).unwrap();
    // The rule's own decisions, given back as positions: the same backtest.
    let signal = b
        .trading_rule()
        .signal(&series.values(), b.trading_direction())
        .unwrap();
    let given = crate::backtest::Signal::Given {
        dates: series.dates(),
        positions: signal,
    };
    let by_positions = backtest_signal(&b, &series, given).unwrap();
    assert_eq!(by_positions.equity, by_rule.equity);
    assert_eq!(by_positions.trades, by_rule.trades);
    // Positions on a few dates only: the backtest covers exactly those
    // (the first date's decision trades at the second's close).
    let dates: Vec<Date> = series.dates()[1000..1100].to_vec();
    let short = crate::backtest::Signal::Given {
        dates: dates.clone(),
        positions: vec![1.0; dates.len()],
    };
    let report = backtest_signal(&b, &series, short).unwrap();
    assert_eq!(report.dates, dates[1..]);
    // A date the series lacks is refused with a sentence, not a panic.
    let bad = crate::backtest::Signal::Given {
        dates: vec![Date::parse("1990-01-01").unwrap(); 3],
        positions: vec![1.0; 3],
    };
    assert!(backtest_signal(&b, &series, bad).is_err());
}
