//! The fixed finance benchmark workload, shared by the native criterion
//! benchmarks (`shared/benches/portfolio.rs`, `risk_backtest.rs`) and the
//! browser's finance worker, so both measure the same work: minimum
//! variance and maximum Sharpe on 50 and 100 assets x 1,000 days,
//! hierarchical risk parity on 100 assets, minimum CVaR on 20 assets x
//! 2,500 scenarios, Monte Carlo VaR with 1M scenarios (normal and
//! Student-t), and a 20-year daily backtest (MA 50/200, costs 5 bps,
//! slippage 2 bps).
//!
//! Benchmark input only: the return matrices are built deterministically
//! from real bundled daily series (S&P 500, NASDAQ, WTI closes) as shifted
//! windows: asset `k` is series `k % 3`'s simple returns starting `23 k`
//! observations in. They are realistic returns, not a portfolio anyone
//! holds. Must not be used as data for a result.

use crate::backtest::{self, BacktestConfig, Direction, Rule, Signal, Sizing};
use crate::calendar::Date;
use crate::data::{bundled, Series};
use crate::features::indicators::simple_returns;
use crate::portfolio::{
    estimate, hierarchical_risk_parity, max_sharpe, min_cvar, min_variance, Constraints,
    CovarianceEstimator, Estimates, PortfolioFrequency, ReturnEstimator, ReturnKind, ReturnMatrix,
};
use crate::risk::{monte_carlo, Distribution};

/// One benchmark case: a name (the criterion id) and the work, which
/// returns a number so the work cannot be optimised away.
pub struct Case {
    /// `group/name`, as in the criterion report.
    pub name: String,
    work: Box<dyn Fn() -> Result<f64, String>>,
}

impl Case {
    /// Runs the case once.
    pub fn run(&self) -> Result<f64, String> {
        (self.work)()
    }
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Case").field("name", &self.name).finish()
    }
}

/// `assets` shifted windows of `dates` daily returns of `daily` (at least
/// one series, each longer than `dates` + `23 * assets` returns is not
/// required: offsets wrap).
pub fn windows(daily: &[Series], assets: usize, dates: usize) -> Result<ReturnMatrix, String> {
    let series: Vec<(Vec<f64>, Vec<Date>)> = daily
        .iter()
        .map(|s| {
            let v = s.values();
            let r = v.windows(2).map(|w| w[1] / w[0] - 1.0).collect();
            (r, s.dates()[1..].to_vec())
        })
        .collect();
    let shortest = series.iter().map(|(r, _)| r.len()).min().unwrap_or(0);
    if series.is_empty() || shortest <= dates {
        return Err(format!(
            "the benchmark needs series longer than {dates} returns"
        ));
    }
    let rows: Vec<Vec<f64>> = (0..dates)
        .map(|t| {
            (0..assets)
                .map(|k| {
                    let (r, _) = &series[k % series.len()];
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
    .map_err(|e| e.to_string())
}

fn sample_estimates(r: &ReturnMatrix) -> Result<Estimates, String> {
    estimate(r, &ReturnEstimator::Mean, CovarianceEstimator::Sample).map_err(|e| e.to_string())
}

fn case(name: &str, work: impl Fn() -> Result<f64, String> + 'static) -> Case {
    Case {
        name: name.to_string(),
        work: Box::new(work),
    }
}

/// The portfolio cases (group `portfolio`).
pub fn portfolio_cases(daily: &[Series]) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    let long = Constraints::long_only();
    for n in [50, 100] {
        let est = sample_estimates(&windows(daily, n, 1000)?)?;
        let (e1, l1) = (est.clone(), long.clone());
        cases.push(case(
            &format!("portfolio/min_variance_{n}x1000"),
            move || {
                min_variance(&e1, &l1, 0.0)
                    .map(|p| p.volatility)
                    .map_err(|e| e.to_string())
            },
        ));
        let l2 = long.clone();
        cases.push(case(&format!("portfolio/max_sharpe_{n}x1000"), move || {
            max_sharpe(&est, &l2, 0.0)
                .map(|p| p.sharpe)
                .map_err(|e| e.to_string())
        }));
    }
    let est = sample_estimates(&windows(daily, 100, 1000)?)?;
    cases.push(case("portfolio/hrp_100", move || {
        hierarchical_risk_parity(&est, 0.0)
            .map(|p| p.volatility)
            .map_err(|e| e.to_string())
    }));
    let r = windows(daily, 20, 2500)?;
    let est = sample_estimates(&r)?;
    cases.push(case("portfolio/min_cvar_20x2500", move || {
        min_cvar(&r, &est, &long, 0.95, 0.0)
            .map(|c| c.cvar)
            .map_err(|e| e.to_string())
    }));
    Ok(cases)
}

/// The risk and backtest cases (groups `risk` and `backtest`) on the S&P
/// 500's daily closes.
pub fn risk_backtest_cases(sp500: &Series) -> Vec<Case> {
    let returns: Vec<f64> = simple_returns(&sp500.values())[1..].to_vec();
    let mut cases = Vec::new();
    for (name, dist) in [
        ("risk/mc_var_1m_normal", Distribution::Normal),
        ("risk/mc_var_1m_student_t", Distribution::StudentT),
    ] {
        let returns = returns.clone();
        cases.push(case(name, move || {
            monte_carlo(&returns, 0.99, 1, dist, 1_000_000, 42)
                .map(|s| s.estimate.var)
                .map_err(|e| e.to_string())
        }));
    }
    for (name, sizing) in [
        ("backtest/sp500_20y_ma_50_200", Sizing::Full),
        (
            "backtest/sp500_20y_ma_50_200_vol_target",
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
        let series = sp500.clone();
        cases.push(case(name, move || {
            backtest::run(&series, &config)
                .map(|r| r.strategy.sharpe)
                .map_err(|e| e.to_string())
        }));
    }
    cases
}

/// Every case on the bundled data.
pub fn all_cases() -> Result<Vec<Case>, String> {
    let load = |id: &str| bundled::load(id).map_err(|e| format!("{id}: {e}"));
    let daily = vec![load("sp500")?, load("nasdaq")?, load("wti")?];
    let mut cases = portfolio_cases(&daily)?;
    cases.extend(risk_backtest_cases(&daily[0]));
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_runs_to_a_finite_figure() {
        let cases = all_cases().unwrap();
        let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), 10, "{names:?}");
        for c in cases.iter().filter(|c| !c.name.starts_with("risk/")) {
            let x = c.run().unwrap();
            assert!(x.is_finite(), "{}: {x}", c.name);
        }
    }

    #[test]
    fn windows_refuse_short_series() {
        let sp = bundled::load("sp500").unwrap();
        let short = sp.between(None, Date::parse("1999-06-30").ok()).unwrap();
        let err = windows(&[short], 3, 1000).unwrap_err();
        assert!(err.contains("longer than 1000"), "{err}");
    }
}
