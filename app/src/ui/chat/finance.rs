//! The finance actions' outcomes in the chat cards (`optimise_portfolio`,
//! `risk_report`, `backtest`): the summaries for the result message
//! ([`super::words`]) and the tables under each card. The runs themselves
//! go through [`crate::finance::run`]; every figure comes from
//! [`shared::execute`].
//!
//! Must not compute a financial figure itself.

use leptos::prelude::*;
use shared::actions::{DirectionChoice, RiskMethod};
use shared::backtest::BacktestReport;
pub use shared::execute::{PortfolioOutcome, RiskOutcome};
use shared::portfolio::{AlignReport, PortfolioFrequency};
use shared::risk::{historical_episodes, VarBacktest};

use super::words::{PortfolioSummary, RiskSummary};
use crate::ui::format::{count, fixed, percent};

/// "days", "weeks" or "months".
fn periods_word(frequency: PortfolioFrequency) -> &'static str {
    match frequency {
        PortfolioFrequency::Daily => "days",
        PortfolioFrequency::Weekly => "weeks",
        PortfolioFrequency::Monthly => "months",
    }
}

/// The portfolio result message's content.
pub fn portfolio_summary(outcome: &PortfolioOutcome) -> PortfolioSummary {
    PortfolioSummary {
        method: outcome.method.label().to_string(),
        weights: outcome
            .portfolio
            .assets
            .iter()
            .cloned()
            .zip(outcome.portfolio.weights.iter().copied())
            .collect(),
        kept: outcome.report.kept_dates,
        dropped: outcome.report.dropped_total,
        periods: periods_word(outcome.frequency),
        expected_return: outcome.portfolio.expected_return,
        volatility: outcome.portfolio.volatility,
        sharpe: outcome.portfolio.sharpe,
        cvar: outcome.cvar,
    }
}

/// The risk report result message's content.
pub fn risk_summary(outcome: &RiskOutcome) -> RiskSummary {
    RiskSummary {
        label: outcome.label.clone(),
        observations: outcome.observations,
        confidence: outcome.confidence,
        horizon_days: outcome.horizon_days,
        estimates: outcome
            .estimates
            .iter()
            .filter_map(|(m, e)| {
                e.as_ref()
                    .ok()
                    .map(|e| (m.label().to_string(), e.var, e.es))
            })
            .collect(),
        drawdown: outcome
            .drawdown
            .as_ref()
            .ok()
            .map(|d| (d.depth, d.peak_date.to_string(), d.trough_date.to_string())),
        stress: outcome
            .stress
            .iter()
            .map(|s| (s.episode.name.clone(), s.total_return))
            .collect(),
        backtest: outcome
            .backtest
            .1
            .as_ref()
            .ok()
            .map(|b| (b.breaches, b.expected, b.kupiec.p_value)),
    }
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
    if let Some(how) = &report.resampled {
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

/// The VaR and expected-shortfall table, one row per method (the Monte
/// Carlo row carries the simulation's label; a method that could not run
/// says why).
pub fn var_table(outcome: &RiskOutcome) -> impl IntoView {
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
                    <tr data-method=method.label()><td>{label}</td><td>{percent(e.var, 2)}</td><td>{percent(e.es, 2)}</td></tr>
                }
                .into_any(),
                Err(why) => view! {
                    <tr data-method=method.label()><td>{label}</td><td colspan="2">{why.clone()}</td></tr>
                }
                .into_any(),
            }
        })
        .collect();
    view! {
        <table class="finance-table var-table">
            <thead><tr><th>"Method"</th><th>"VaR"</th><th>"Expected shortfall"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// The largest drawdown in one sentence, with its dates.
pub fn drawdown_sentence(outcome: &RiskOutcome) -> String {
    match &outcome.drawdown {
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
    }
}

/// The historical stress episodes replayed inside the data, or `None`
/// when none was.
pub fn stress_table(outcome: &RiskOutcome) -> Option<impl IntoView> {
    let built_in = historical_episodes();
    let rows: Vec<_> = outcome
        .stress
        .iter()
        .map(|s| {
            let picked = !built_in.contains(&s.episode);
            view! {
                <tr class:picked=picked>
                    <td>{s.episode.name.clone()}{picked.then_some(" (yours)")}</td>
                    <td>{format!("{} to {}", s.first_date, s.last_date)}</td>
                    <td class="num">{percent(s.total_return, 1)}</td>
                    <td class="num">{percent(s.max_drawdown, 1)}</td>
                    <td>{format!("{} on {}", percent(s.worst_day_return, 2), s.worst_day_date)}</td>
                </tr>
            }
        })
        .collect();
    let refused: Vec<_> = outcome
        .stress_refused
        .iter()
        .map(|why| view! { <li>{format!("Not replayed: {why}")}</li> })
        .collect();
    (!rows.is_empty() || !refused.is_empty()).then(|| {
        view! {
            <div class="table-scroll">
                <table class="finance-table stress-table">
                    <thead><tr><th>"Episode"</th><th>"Dates"</th><th>"Return"</th><th>"Drawdown"</th><th>"Worst day"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <ul class="muted stress-refused">{refused}</ul>
        }
    })
}

/// The rolling-VaR backtest in one sentence.
pub fn backtest_sentence(outcome: &RiskOutcome) -> String {
    match &outcome.backtest {
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
    }
}

/// The significance level of the VaR backtest's reading.
pub const BACKTEST_LEVEL: f64 = 0.05;

/// What a VaR backtest says, in a line: honest when Kupiec's test does not
/// reject at [`BACKTEST_LEVEL`], else too few or too many breaches (the
/// VaR is too cautious or understates the risk); breaches that cluster
/// (Christoffersen's independence test rejects) are said too.
pub fn backtest_reading(b: &VarBacktest) -> String {
    let coverage = if b.kupiec.p_value >= BACKTEST_LEVEL {
        "Honest: the breaches match the expected number"
    } else if (b.breaches as f64) < b.expected {
        "Too few breaches: this VaR is too cautious"
    } else {
        "Too many breaches: this VaR understates the risk"
    };
    let clustering = if b.independence.p_value < BACKTEST_LEVEL {
        "; the breaches cluster in time"
    } else {
        ""
    };
    format!(
        "{coverage}{clustering} (tests at the {} level).",
        percent(BACKTEST_LEVEL, 0)
    )
}

/// The risk report's tables.
pub fn risk_view(outcome: &RiskOutcome) -> impl IntoView {
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
            {var_table(outcome)}
            <p>{drawdown_sentence(outcome)}</p>
            {stress_table(outcome)}
            {note.map(|n| view! { <p class="muted">{format!("Stress episodes: {n}")}</p> })}
            <p>{backtest_sentence(outcome)}</p>
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
        row("Calmar", fixed(s.calmar, 2), fixed(b.calmar, 2)),
        row(
            "Max drawdown",
            percent(s.max_drawdown, 1),
            percent(b.max_drawdown, 1),
        ),
        row(
            "Turnover per year",
            fixed(s.turnover, 2),
            fixed(b.turnover, 2),
        ),
        row("Hit rate", percent(s.hit_rate, 1), percent(b.hit_rate, 1)),
        row("Exposure", percent(s.exposure, 1), percent(b.exposure, 1)),
        row("Trades", s.trades.to_string(), b.trades.to_string()),
    ];
    view! {
        <div class="action-finance">
            <table class="finance-table backtest-table">
                <thead><tr><th>"Figure"</th><th>"Strategy"</th><th>"Buy and hold"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <p class="muted execution">{format!("Execution: {}", report.execution)}</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::actions::{OptimisePortfolio, RiskReport};
    use shared::data::bundled;

    fn action<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn the_var_backtest_reading_follows_kupiec_and_christoffersen() {
        let forecasts = vec![0.02; 1000];
        // Evenly spaced breaches at the expected rate (10 in 1,000 at 99%).
        let even: Vec<f64> = (0..1000)
            .map(|i| if i % 100 == 50 { -0.03 } else { 0.001 })
            .collect();
        let b = shared::risk::backtest_var(&even, &forecasts, 0.99).unwrap();
        assert!(backtest_reading(&b).starts_with("Honest"), "{b:?}");
        // No breach at all: the VaR is too cautious.
        let calm = vec![0.001; 1000];
        let b = shared::risk::backtest_var(&calm, &forecasts, 0.99).unwrap();
        assert!(backtest_reading(&b).starts_with("Too few breaches"));
        // Forty breaches in a row: too many, and clustered.
        let stormy: Vec<f64> = (0..1000)
            .map(|i| {
                if (500..540).contains(&i) {
                    -0.03
                } else {
                    0.001
                }
            })
            .collect();
        let b = shared::risk::backtest_var(&stormy, &forecasts, 0.99).unwrap();
        let reading = backtest_reading(&b);
        assert!(reading.starts_with("Too many breaches"), "{reading}");
        assert!(reading.contains("cluster"), "{reading}");
    }

    #[test]
    fn summaries_and_alignment_lines_carry_the_outcome() {
        let p: OptimisePortfolio = action(serde_json::json!({
            "assets": ["sp500", "wti"], "method": "min_variance"
        }));
        let series = vec![
            bundled::load("sp500").unwrap(),
            bundled::load("wti").unwrap(),
        ];
        let outcome = shared::execute::optimise(&p, &series).unwrap();
        let summary = portfolio_summary(&outcome);
        assert_eq!(summary.weights.len(), 2);
        assert_eq!(summary.periods, "days");
        assert_eq!(summary.kept, outcome.report.kept_dates);
        let lines = align_lines(&outcome.report, &outcome.portfolio.assets);
        assert!(lines[0].contains("common dates"), "{lines:?}");
        let r: RiskReport = action(serde_json::json!({
            "assets": ["sp500"], "methods": ["historical", "normal"]
        }));
        let outcome = shared::execute::risk_report(&r, &series[..1]).unwrap();
        let summary = risk_summary(&outcome);
        assert_eq!(summary.estimates.len(), 2);
        assert!(summary.backtest.is_some());
        assert_eq!(summary.label, "sp500");
    }
}
