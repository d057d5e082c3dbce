//! The finance actions' runs for the chat cards: `optimise_portfolio`,
//! `risk_report` and `backtest`. The data comes through the gateway (the
//! same `api::data` call as the fetch card); every figure comes from the
//! shared libraries ([`shared::portfolio`], [`shared::risk`],
//! [`shared::backtest`]); this module only wires them together, summarises
//! the outcome for the result message ([`super::words`]) and shows it as
//! tables and a chart.
//!
//! Must not compute a financial figure itself, invent or fill data, or
//! fetch anything but through the gateway. The pure parts (from fetched
//! series to outcome and summary) run natively in tests.

use leptos::prelude::*;
use shared::actions::{
    Backtest, DirectionChoice, OptimisePortfolio, PortfolioMethod, ReturnsChoice, RiskMethod,
    RiskReport,
};
use shared::api::DataRequest;
use shared::backtest::BacktestReport;
use shared::data::{bundled, Series, Source};
use shared::portfolio::{
    align_returns, estimate, hierarchical_risk_parity, max_sharpe, min_cvar, min_variance,
    risk_parity, target_return, target_risk, AlignOptions, AlignReport, AssetSeries, Portfolio,
    PortfolioFrequency, ReturnEstimator, ReturnMatrix, ValueKind,
};
use shared::risk::{
    backtest_var, historical, historical_episodes, max_drawdown, monte_carlo, parametric, replay,
    rolling_forecasts, AlignedPrices, Distribution, EpisodeResult, MaxDrawdown, VarBacktest,
    VarEstimate, VarMethod,
};

use super::words::{PortfolioSummary, RiskSummary};
use crate::api;
use crate::ui::format::{count, fixed, percent};

/// Rolling window of the VaR backtest, in returns (longer when the
/// confidence needs more observations for one tail loss).
pub const VAR_BACKTEST_WINDOW: usize = 250;

/// Fetches every request through the gateway, in order; the first failure
/// is the error.
pub async fn fetch_all(requests: &[DataRequest]) -> Result<Vec<Series>, String> {
    let mut out = Vec::with_capacity(requests.len());
    for request in requests {
        let response = api::data(request)
            .await
            .map_err(|e| format!("{}: {}", request.symbol, e.message()))?;
        out.push(response.series);
    }
    Ok(out)
}

/// What a series' numbers are: the bundled Fama-French factors are percent
/// returns; everything else is prices or levels.
fn value_kind(series: &Series) -> ValueKind {
    let p = series.provenance();
    let percent_returns = p.source == Source::Bundled
        && bundled::catalog()
            .iter()
            .find(|d| d.symbol == p.symbol || d.id == p.symbol)
            .is_some_and(|d| d.units.starts_with("percent per month"));
    if percent_returns {
        ValueKind::PercentReturns
    } else {
        ValueKind::Prices
    }
}

/// Aligns `series` named `names` into simple returns with the report.
fn align(names: &[String], series: &[Series]) -> Result<(ReturnMatrix, AlignReport), String> {
    let assets: Vec<AssetSeries<'_>> = names
        .iter()
        .zip(series)
        .map(|(name, s)| AssetSeries {
            name,
            series: s,
            values: value_kind(s),
            frequency: None,
        })
        .collect();
    align_returns(&assets, &AlignOptions::default()).map_err(|e| e.to_string())
}

/// "days", "weeks" or "months".
fn periods_word(frequency: PortfolioFrequency) -> &'static str {
    match frequency {
        PortfolioFrequency::Daily => "days",
        PortfolioFrequency::Weekly => "weeks",
        PortfolioFrequency::Monthly => "months",
    }
}

/// An optimised portfolio with how it was obtained.
#[derive(Clone, Debug, PartialEq)]
pub struct PortfolioOutcome {
    /// The method.
    pub method: PortfolioMethod,
    /// Weights and figures.
    pub portfolio: Portfolio,
    /// What alignment kept and dropped.
    pub report: AlignReport,
    /// The aligned data's frequency.
    pub frequency: PortfolioFrequency,
    /// Ledoit-Wolf shrinkage intensity, when shrunk.
    pub shrinkage: Option<f64>,
    /// Minimum CVaR: (confidence, VaR, CVaR) per period.
    pub cvar: Option<(f64, f64, f64)>,
}

impl PortfolioOutcome {
    /// The result message's content.
    pub fn summary(&self) -> PortfolioSummary {
        PortfolioSummary {
            method: self.method.label().to_string(),
            weights: self
                .portfolio
                .assets
                .iter()
                .cloned()
                .zip(self.portfolio.weights.iter().copied())
                .collect(),
            kept: self.report.kept_dates,
            dropped: self.report.dropped_total,
            periods: periods_word(self.frequency),
            expected_return: self.portfolio.expected_return,
            volatility: self.portfolio.volatility,
            sharpe: self.portfolio.sharpe,
            cvar: self.cvar,
        }
    }
}

/// Optimises `action` on `series` (its assets in order, then the CAPM
/// market when it is not one of them, as [`OptimisePortfolio::data_requests`]).
pub fn optimise(action: &OptimisePortfolio, series: &[Series]) -> Result<PortfolioOutcome, String> {
    let mut names = action.assets.clone();
    names.extend(action.extra_market().map(str::to_string));
    if names.len() != series.len() {
        return Err(format!(
            "{} series for {} assets",
            series.len(),
            names.len()
        ));
    }
    let (mut matrix, report) = align(&names, series)?;
    let mut market = None;
    if action.expected_returns == ReturnsChoice::Capm {
        let name = action.market.as_deref().unwrap_or_default();
        let j = names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| format!("market {name} was not fetched"))?;
        market = Some(matrix.column(j));
        if action.extra_market().is_some() {
            matrix = matrix
                .without_asset(j)
                .ok_or_else(|| "the market could not be set aside".to_string())?;
        }
    }
    let returns = match (action.expected_returns, market) {
        (ReturnsChoice::Capm, Some(market)) => ReturnEstimator::Capm {
            market,
            risk_free: action.risk_free,
        },
        (ReturnsChoice::Ewma, _) => ReturnEstimator::Ewma {
            half_life: action.half_life(),
        },
        _ => ReturnEstimator::Mean,
    };
    let est =
        estimate(&matrix, &returns, action.covariance_estimator()).map_err(|e| e.to_string())?;
    let constraints = action.constraints();
    let rf = action.risk_free;
    let target = action.target.unwrap_or_default();
    let mut cvar = None;
    let portfolio = match action.method {
        PortfolioMethod::MinVariance => min_variance(&est, &constraints, rf),
        PortfolioMethod::MaxSharpe => max_sharpe(&est, &constraints, rf),
        PortfolioMethod::RiskParity => risk_parity(&est, None, rf),
        PortfolioMethod::Hrp => hierarchical_risk_parity(&est, rf),
        PortfolioMethod::TargetReturn => target_return(&est, &constraints, target, rf),
        PortfolioMethod::TargetRisk => target_risk(&est, &constraints, target, rf),
        PortfolioMethod::MinCvar => min_cvar(&matrix, &est, &constraints, action.confidence(), rf)
            .map(|c| {
                cvar = Some((c.confidence, c.var, c.cvar));
                c.portfolio
            }),
    }
    .map_err(|e| e.to_string())?;
    Ok(PortfolioOutcome {
        method: action.method,
        portfolio,
        frequency: matrix.frequency(),
        report,
        shrinkage: est.shrinkage(),
        cvar,
    })
}

/// A risk report's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskOutcome {
    /// The asset or the weighted portfolio in words.
    pub label: String,
    /// What alignment kept and dropped.
    pub report: AlignReport,
    /// Returns used.
    pub observations: usize,
    /// Confidence and horizon.
    pub confidence: f64,
    /// Horizon in trading days.
    pub horizon_days: u32,
    /// Each method's VaR and ES, or why it could not run.
    pub estimates: Vec<(RiskMethod, Result<VarEstimate, String>)>,
    /// The simulation's label when Monte Carlo ran.
    pub simulation: Option<String>,
    /// The largest drawdown of the value curve.
    pub drawdown: Result<MaxDrawdown, String>,
    /// The historical stress episodes inside the data's span.
    pub stress: Vec<EpisodeResult>,
    /// Why stress episodes were not replayed, when they were not.
    pub stress_note: Option<String>,
    /// Backtest of a rolling one-day historical VaR (window, result).
    pub backtest: (usize, Result<VarBacktest, String>),
}

impl RiskOutcome {
    /// The result message's content.
    pub fn summary(&self) -> RiskSummary {
        RiskSummary {
            label: self.label.clone(),
            observations: self.observations,
            confidence: self.confidence,
            horizon_days: self.horizon_days,
            estimates: self
                .estimates
                .iter()
                .filter_map(|(m, e)| {
                    e.as_ref()
                        .ok()
                        .map(|e| (m.label().to_string(), e.var, e.es))
                })
                .collect(),
            drawdown: self
                .drawdown
                .as_ref()
                .ok()
                .map(|d| (d.depth, d.peak_date.to_string(), d.trough_date.to_string())),
            stress: self
                .stress
                .iter()
                .map(|s| (s.episode.name.clone(), s.total_return))
                .collect(),
            backtest: self
                .backtest
                .1
                .as_ref()
                .ok()
                .map(|b| (b.breaches, b.expected, b.kupiec.p_value)),
        }
    }
}

/// The report of `action` on `series` (its assets in order).
pub fn risk_report(action: &RiskReport, series: &[Series]) -> Result<RiskOutcome, String> {
    if action.assets.len() != series.len() {
        return Err(format!(
            "{} series for {} assets",
            series.len(),
            action.assets.len()
        ));
    }
    let weights = action.portfolio_weights();
    let (matrix, report) = align(&action.assets, series)?;
    let returns: Vec<f64> = (0..matrix.n_dates())
        .map(|t| matrix.row(t).iter().zip(&weights).map(|(r, w)| r * w).sum())
        .collect();
    let (confidence, h) = (action.confidence, action.horizon_days as usize);
    let mut simulation = None;
    let estimates = action
        .methods
        .iter()
        .map(|&method| {
            let estimate = match method {
                RiskMethod::Historical => historical(&returns, confidence, h),
                RiskMethod::Normal => parametric(&returns, confidence, h, Distribution::Normal),
                RiskMethod::StudentT => parametric(&returns, confidence, h, Distribution::StudentT),
                RiskMethod::MonteCarlo => monte_carlo(
                    &returns,
                    confidence,
                    h,
                    Distribution::StudentT,
                    action.scenarios as usize,
                    action.seed,
                )
                .map(|sim| {
                    simulation = Some(sim.label.clone());
                    sim.estimate
                }),
            };
            (method, estimate.map_err(|e| e.to_string()))
        })
        .collect();
    // The value of 1 invested, rebalanced each period, from the first kept date.
    let mut dates = matrix.dates().to_vec();
    let mut values: Vec<f64> = returns
        .iter()
        .scan(1.0, |v, r| {
            *v *= 1.0 + r;
            Some(*v)
        })
        .collect();
    if dates.first().is_some_and(|d| *d > report.common_first) {
        dates.insert(0, report.common_first);
        values.insert(0, 1.0);
    }
    let drawdown = max_drawdown(&dates, &values).map_err(|e| e.to_string());
    let (stress, stress_note) = stress_episodes(series, &weights);
    let window = VAR_BACKTEST_WINDOW
        .max(shared::risk::var::min_observations(confidence).unwrap_or(VAR_BACKTEST_WINDOW));
    let backtest = rolling_forecasts(&returns, window, confidence, VarMethod::Historical)
        .and_then(|forecasts| backtest_var(&returns[window..], &forecasts, confidence))
        .map_err(|e| e.to_string());
    let label = if action.assets.len() == 1 {
        action.assets[0].clone()
    } else {
        action
            .assets
            .iter()
            .zip(&weights)
            .map(|(a, w)| format!("{} {a}", percent(*w, 0)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(RiskOutcome {
        label,
        observations: returns.len(),
        report,
        confidence,
        horizon_days: action.horizon_days,
        estimates,
        simulation,
        drawdown,
        stress,
        stress_note,
        backtest: (window, backtest),
    })
}

/// Replays the built-in historical episodes that lie inside the data
/// (prices only: return series have no price path to replay).
fn stress_episodes(series: &[Series], weights: &[f64]) -> (Vec<EpisodeResult>, Option<String>) {
    if series.iter().any(|s| value_kind(s) != ValueKind::Prices) {
        return (
            Vec::new(),
            Some("not replayed: some series are returns, not prices".to_string()),
        );
    }
    let refs: Vec<&Series> = series.iter().collect();
    let prices = match AlignedPrices::new(&refs) {
        Ok(prices) => prices,
        Err(e) => return (Vec::new(), Some(e.to_string())),
    };
    let found: Vec<EpisodeResult> = historical_episodes()
        .iter()
        .filter_map(|episode| replay(&prices, weights, episode).ok())
        .collect();
    let note = found
        .is_empty()
        .then(|| "no built-in episode lies inside the data's span".to_string());
    (found, note)
}

/// Periods per year of `series` (252 daily, 52 weekly, 12 monthly).
fn periods_per_year(symbol: &str, series: &Series) -> Result<f64, String> {
    let (matrix, _) = align(&[symbol.to_string()], std::slice::from_ref(series))?;
    Ok(matrix.frequency().periods_per_year())
}

/// Backtests `action` on `series`.
pub fn backtest(action: &Backtest, series: &Series) -> Result<BacktestReport, String> {
    let ppy = periods_per_year(&action.symbol, series)?;
    shared::backtest::run(series, &action.config(ppy)).map_err(|e| e.to_string())
}

/// "long-only" or "long-short".
pub fn direction_word(direction: DirectionChoice) -> &'static str {
    match direction {
        DirectionChoice::LongOnly => "long-only",
        DirectionChoice::LongShort => "long-short",
    }
}

/// What alignment dropped, in one line per reason.
pub fn align_lines(report: &AlignReport, names: &[String]) -> Vec<String> {
    let mut lines = vec![format!(
        "{} common dates from {} to {}; {} observations dropped",
        count(report.kept_dates as u64),
        report.common_first,
        report.common_last,
        count(report.dropped_total as u64)
    )];
    for (i, name) in names.iter().enumerate() {
        let before = report.dropped_before.get(i).copied().unwrap_or(0);
        let after = report.dropped_after.get(i).copied().unwrap_or(0);
        if before + after > 0 {
            lines.push(format!(
                "{name}: {before} before and {after} after the common span"
            ));
        }
    }
    if !report.dropped_inside.is_empty() {
        let mut missing: Vec<(String, usize)> = Vec::new();
        for dropped in &report.dropped_inside {
            for name in &dropped.missing_in {
                match missing.iter_mut().find(|(n, _)| n == name) {
                    Some((_, k)) => *k += 1,
                    None => missing.push((name.clone(), 1)),
                }
            }
        }
        let parts: Vec<String> = missing
            .iter()
            .map(|(n, k)| format!("{n} misses {k}"))
            .collect();
        lines.push(format!(
            "{} dates inside the span dropped because an asset has no observation ({})",
            report.dropped_inside.len(),
            parts.join(", ")
        ));
    }
    if let Some(how) = report.resampled {
        lines.push(format!("resampled: {how}"));
    }
    lines
}

/// The portfolio's weights table and figures.
pub fn portfolio_view(outcome: &PortfolioOutcome) -> impl IntoView {
    let p = &outcome.portfolio;
    let rows: Vec<_> = p
        .assets
        .iter()
        .zip(&p.weights)
        .zip(&p.risk_contributions)
        .map(|((asset, w), rc)| {
            let share = if p.volatility > 0.0 { rc / p.volatility } else { 0.0 };
            view! {
                <tr><td>{asset.clone()}</td><td>{percent(*w, 1)}</td><td>{percent(*rc, 2)}</td><td>{percent(share, 1)}</td></tr>
            }
        })
        .collect();
    let mut facts = vec![
        format!("Expected return {}", percent(p.expected_return, 2)),
        format!("volatility {}", percent(p.volatility, 2)),
        format!(
            "Sharpe {} (risk-free {})",
            fixed(p.sharpe, 2),
            percent(p.risk_free, 2)
        ),
    ];
    if let Some((c, var, cvar)) = outcome.cvar {
        facts.push(format!(
            "{} VaR {} and CVaR {} per period",
            percent(c, 1),
            percent(var, 2),
            percent(cvar, 2)
        ));
    }
    if let Some(s) = outcome.shrinkage {
        facts.push(format!("Ledoit-Wolf shrinkage {}", fixed(s, 3)));
    }
    let lines = align_lines(&outcome.report, &p.assets);
    view! {
        <div class="action-finance">
            <table class="finance-table">
                <thead><tr><th>"Asset"</th><th>"Weight"</th><th>"Risk contribution"</th><th>"Share of risk"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <p>{facts.join(", ")}</p>
            <ul class="muted">{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect::<Vec<_>>()}</ul>
        </div>
    }
}

/// The risk report's tables.
pub fn risk_view(outcome: &RiskOutcome) -> impl IntoView {
    let rows: Vec<_> = outcome
        .estimates
        .iter()
        .map(|(method, estimate)| {
            let label = match (method, &outcome.simulation) {
                (RiskMethod::MonteCarlo, Some(label)) => label.clone(),
                _ => method.label().to_string(),
            };
            match estimate {
                Ok(e) => view! {
                    <tr><td>{label}</td><td>{percent(e.var, 2)}</td><td>{percent(e.es, 2)}</td></tr>
                }
                .into_any(),
                Err(why) => view! {
                    <tr><td>{label}</td><td colspan="2">{why.clone()}</td></tr>
                }
                .into_any(),
            }
        })
        .collect();
    let drawdown = match &outcome.drawdown {
        Ok(d) => format!(
            "Maximum drawdown {} from {} to {}{}",
            percent(d.depth, 1),
            d.peak_date,
            d.trough_date,
            d.recovery_date
                .map(|r| format!(", recovered {r}"))
                .unwrap_or_else(|| ", not recovered".to_string())
        ),
        Err(why) => format!("Maximum drawdown: {why}"),
    };
    let stress: Vec<_> = outcome
        .stress
        .iter()
        .map(|s| {
            view! {
                <tr>
                    <td>{s.episode.name.clone()}</td>
                    <td>{format!("{} to {}", s.first_date, s.last_date)}</td>
                    <td>{percent(s.total_return, 1)}</td>
                    <td>{percent(s.max_drawdown, 1)}</td>
                    <td>{format!("{} on {}", percent(s.worst_day_return, 2), s.worst_day_date)}</td>
                </tr>
            }
        })
        .collect();
    let backtest = match &outcome.backtest {
        (window, Ok(b)) => format!(
            "Rolling {window}-return historical 1-day VaR: {} breaches in {} days vs {} expected; \
             Kupiec p {}, independence p {}, conditional coverage p {}",
            b.breaches,
            count(b.observations as u64),
            fixed(b.expected, 1),
            fixed(b.kupiec.p_value, 3),
            fixed(b.independence.p_value, 3),
            fixed(b.conditional_coverage.p_value, 3)
        ),
        (_, Err(why)) => format!("VaR backtest: {why}"),
    };
    let names = outcome.report.dropped_before.len();
    let note = outcome.stress_note.clone();
    view! {
        <div class="action-finance">
            <p>{format!(
                "{}: {} returns, {}-day horizon at {} confidence ({} assets aligned)",
                outcome.label,
                count(outcome.observations as u64),
                outcome.horizon_days,
                percent(outcome.confidence, 1),
                names
            )}</p>
            <table class="finance-table">
                <thead><tr><th>"Method"</th><th>"VaR"</th><th>"Expected shortfall"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <p>{drawdown}</p>
            {(!stress.is_empty()).then(|| view! {
                <table class="finance-table">
                    <thead><tr><th>"Episode"</th><th>"Dates"</th><th>"Return"</th><th>"Drawdown"</th><th>"Worst day"</th></tr></thead>
                    <tbody>{stress}</tbody>
                </table>
            })}
            {note.map(|n| view! { <p class="muted">{format!("Stress episodes: {n}")}</p> })}
            <p>{backtest}</p>
        </div>
    }
}

/// The backtest's figures against buy-and-hold.
pub fn backtest_view(report: &BacktestReport) -> impl IntoView {
    let (s, b) = (&report.strategy, &report.buy_and_hold);
    let row = |name: &'static str, a: String, b: String| {
        view! { <tr><td>{name}</td><td>{a}</td><td>{b}</td></tr> }
    };
    let rows = vec![
        row(
            "Cumulative return",
            percent(s.cumulative_return, 1),
            percent(b.cumulative_return, 1),
        ),
        row(
            "Annualised return",
            percent(s.annualised_return, 2),
            percent(b.annualised_return, 2),
        ),
        row(
            "Volatility",
            percent(s.volatility, 2),
            percent(b.volatility, 2),
        ),
        row("Sharpe", fixed(s.sharpe, 2), fixed(b.sharpe, 2)),
        row("Sortino", fixed(s.sortino, 2), fixed(b.sortino, 2)),
        row(
            "Max drawdown",
            percent(s.max_drawdown, 1),
            percent(b.max_drawdown, 1),
        ),
        row("Trades", s.trades.to_string(), b.trades.to_string()),
    ];
    view! {
        <div class="action-finance">
            <table class="finance-table">
                <thead><tr><th></th><th>"Strategy"</th><th>"Buy and hold"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <p class="muted">{format!("Execution: {}", report.execution)}</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::actions::{CovarianceChoice, RuleChoice, SizingChoice};

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
        let summary = outcome.summary();
        assert_eq!(summary.weights.len(), 3);
        assert_eq!(summary.periods, "days");
        let lines = align_lines(&outcome.report, &outcome.portfolio.assets);
        assert!(lines[0].contains("common dates"), "{lines:?}");
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
        let summary = outcome.summary();
        assert_eq!(summary.estimates.len(), 3);
        assert!(summary.backtest.is_some());
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

    use shared::calendar::Date;
}
