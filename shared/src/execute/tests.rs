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

#[test]
fn picked_episodes_replay_next_to_the_built_in_ones() {
    let r: RiskReport = action(serde_json::json!({
        "assets": ["sp500"], "methods": ["normal"],
        "episodes": [
            {"name": "Flash crash", "from": "2010-05-03", "to": "2010-05-28"},
            {"from": "1950-01-01", "to": "1950-02-01"}
        ]
    }));
    let series = load(&["sp500"]);
    let outcome = risk_report(&r, &series).unwrap();
    let built_in = crate::risk::historical_episodes();
    let user: Vec<&crate::risk::EpisodeResult> = outcome
        .stress
        .iter()
        .filter(|s| !built_in.contains(&s.episode))
        .collect();
    assert_eq!(user.len(), 1, "{:?}", outcome.stress);
    let flash = user[0];
    assert_eq!(flash.episode.name, "Flash crash");
    // The replay's return is the close-to-close change over the episode's
    // first and last data dates (one asset, weight 1).
    let close = |d: Date| {
        let i = series[0].dates().binary_search(&d).unwrap();
        series[0].values()[i]
    };
    let expected = close(flash.last_date) / close(flash.first_date) - 1.0;
    assert!(
        (flash.total_return - expected).abs() < 1e-12,
        "{} vs {expected}",
        flash.total_return
    );
    assert!(flash.total_return < 0.0, "May 2010 fell");
    // The episode outside the data is reported, not dropped in silence.
    assert_eq!(
        outcome.stress_refused.len(),
        1,
        "{:?}",
        outcome.stress_refused
    );
    assert!(
        outcome.stress_refused[0].starts_with("1950-01-01 to 1950-02-01: "),
        "{:?}",
        outcome.stress_refused
    );
    assert!(
        outcome.stress.len() > user.len(),
        "built-in episodes still there"
    );
}

mod bounded {
    //! Property: every optimiser that takes per-asset bounds returns
    //! weights inside them that sum to one.

    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::*;
    use crate::actions::{AssetBound, PortfolioMethod};

    const ASSETS: [&str; 3] = ["sp500", "nasdaq", "wti"];

    /// Four years of the three series (enough dates, quick to optimise).
    fn series() -> &'static [Series] {
        static SERIES: OnceLock<Vec<Series>> = OnceLock::new();
        SERIES.get_or_init(|| {
            load(&ASSETS)
                .iter()
                .map(|s| {
                    s.between(
                        Date::parse("2010-01-01").ok(),
                        Date::parse("2013-12-31").ok(),
                    )
                    .unwrap()
                })
                .collect()
        })
    }

    fn portfolio(
        method: PortfolioMethod,
        long_only: bool,
        bounds: &[(f64, f64)],
    ) -> OptimisePortfolio {
        let mut p: OptimisePortfolio = action(serde_json::json!({
            "assets": ASSETS, "method": "min_variance", "long_only": long_only
        }));
        p.method = method;
        p.bounds = ASSETS
            .iter()
            .zip(bounds)
            .map(|(asset, &(min, max))| AssetBound {
                asset: asset.to_string(),
                min: Some(min),
                max: Some(max),
            })
            .collect();
        p
    }

    /// Feasible bounds: mins below 0.3 (so their sum stays below 1), maxes
    /// at least 0.35 (so their sum reaches 1); with shorts, mins may be
    /// negative.
    fn bounds() -> impl Strategy<Value = (bool, Vec<(f64, f64)>)> {
        any::<bool>().prop_flat_map(|shorts| {
            let low = if shorts { -0.3 } else { 0.0 };
            (
                Just(shorts),
                proptest::collection::vec((low..0.3_f64, 0.0..0.65_f64), 3).prop_map(|v| {
                    v.into_iter()
                        .map(|(min, extra)| (min, (min + 0.05).max(0.35) + extra))
                        .collect()
                }),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        #[test]
        fn weights_respect_the_bounds_and_sum_to_one((shorts, b) in bounds()) {
            let reference = optimise(&portfolio(PortfolioMethod::MinVariance, !shorts, &b), series())
                .unwrap()
                .portfolio;
            for method in [
                PortfolioMethod::MinVariance,
                PortfolioMethod::MaxSharpe,
                PortfolioMethod::MinCvar,
                PortfolioMethod::TargetReturn,
                PortfolioMethod::TargetRisk,
            ] {
                let mut p = portfolio(method, !shorts, &b);
                // Reachable targets: the bounded minimum-variance
                // portfolio's return, and a little more than its risk.
                p.target = match method {
                    PortfolioMethod::TargetReturn => Some(reference.expected_return),
                    PortfolioMethod::TargetRisk => Some(reference.volatility * 1.1),
                    _ => None,
                };
                let outcome = optimise(&p, series())
                    .map_err(|e| TestCaseError::fail(format!("{method:?} {b:?}: {e}")))?;
                let w = &outcome.portfolio.weights;
                let sum: f64 = w.iter().sum();
                prop_assert!((sum - 1.0).abs() < 1e-6, "{method:?}: sum {sum} {w:?}");
                for (wi, (lo, hi)) in w.iter().zip(&b) {
                    prop_assert!(
                        *wi >= lo - 1e-6 && *wi <= hi + 1e-6,
                        "{method:?}: {wi} outside {lo}..{hi} ({w:?})"
                    );
                }
            }
        }
    }
}
