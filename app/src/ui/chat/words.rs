//! The short result messages a card posts into the conversation once its
//! action has run: metrics in words that the coach reads on the next turn.
//! Pure string work, tested natively.

use shared::backtest::Performance;
use shared::data::Provenance;
use shared::models::{ModelReport, Task};
use shared::pricing::Valuation;

use crate::ui::format::{count, fixed, percent};

/// What a lab run's message says about its best model.
#[derive(Clone, Debug, PartialEq)]
pub struct LabSummary {
    /// The best model's catalog name (by Sharpe).
    pub model: String,
    /// Models that ran successfully.
    pub models_run: usize,
    /// Models that failed.
    pub models_failed: usize,
    /// The dataset.
    pub symbol: String,
    /// The label horizon in rows.
    pub horizon: usize,
    /// Direction or return.
    pub target: Task,
    /// Accuracy (direction) or R² (return), with its name.
    pub skill: Option<(&'static str, f64)>,
    /// The model's Sharpe.
    pub sharpe: f64,
    /// Buy-and-hold's Sharpe over the same test windows.
    pub buy_and_hold_sharpe: f64,
    /// Walk-forward folds.
    pub folds: usize,
    /// The stored result's id.
    pub recorded: Option<i64>,
}

impl LabSummary {
    /// The summary of a run whose best model (by Sharpe) is `best`.
    pub fn from_report(
        best: &ModelReport,
        target: Task,
        models_run: usize,
        models_failed: usize,
    ) -> Self {
        let skill = match (&best.classification, &best.regression) {
            (Some(c), _) => Some(("accuracy", c.accuracy)),
            (None, Some(r)) => Some(("R²", r.r2)),
            (None, None) => None,
        };
        LabSummary {
            model: best.spec.name.clone(),
            models_run,
            models_failed,
            symbol: best.symbol.clone(),
            horizon: best.horizon,
            target,
            skill,
            sharpe: best.trading.sharpe,
            buy_and_hold_sharpe: best.buy_and_hold.sharpe,
            folds: best.n_folds,
            recorded: None,
        }
    }
}

/// e.g. "random_forest_clf_100_sqrt on sp500, 5-day direction: accuracy
/// 0.53, Sharpe 0.41 vs buy-and-hold 0.62 over 12 folds; recorded #17".
pub fn lab_words(s: &LabSummary) -> String {
    let target = if s.target == Task::Regression {
        "return"
    } else {
        "direction"
    };
    let lead = if s.models_run > 1 {
        format!("Best of {} models: ", s.models_run)
    } else {
        String::new()
    };
    let skill = s
        .skill
        .map(|(name, value)| format!("{name} {value:.2}, "))
        .unwrap_or_default();
    let recorded = match s.recorded {
        Some(id) => format!("; recorded #{id}"),
        None => "; not recorded".to_string(),
    };
    let failed = match s.models_failed {
        0 => String::new(),
        1 => "; 1 model failed".to_string(),
        n => format!("; {n} models failed"),
    };
    format!(
        "{lead}{} on {}, {}-day {target}: {skill}Sharpe {:.2} vs buy-and-hold {:.2} over {} folds{recorded}{failed}",
        s.model, s.symbol, s.horizon, s.sharpe, s.buy_and_hold_sharpe, s.folds
    )
}

/// e.g. "European call, spot 100, strike 105, 91 days, vol 20.0%: price
/// 2.4612; delta 0.3829, gamma 0.0393, vega 0.1940, theta -6.8410 per year".
pub fn price_words(
    label: &str,
    days: f64,
    spot: f64,
    strike: f64,
    volatility: f64,
    v: &Valuation,
) -> String {
    let g = &v.greeks;
    format!(
        "{label}, spot {spot}, strike {strike}, {days} days, vol {:.1}%: price {:.4}; delta {:.4}, gamma {:.4}, vega {:.4}, theta {:.4} per year",
        volatility * 100.0,
        v.price,
        g.delta,
        g.gamma,
        g.vega,
        g.theta
    )
}

/// e.g. "sp500 (bundled): 2516 rows, 2015-01-02 to 2024-12-31, hash
/// 3f2a9c1b7d4e".
pub fn data_words(p: &Provenance) -> String {
    let hash = &p.content_hash[..12.min(p.content_hash.len())];
    format!(
        "{} ({}): {} rows, {} to {}, hash {hash}",
        p.symbol,
        p.source.as_str(),
        p.rows,
        p.first,
        p.last
    )
}

/// e.g. "Started trial #7 \"2 models on sp500\" (3 steps) in the
/// background; follow it on the Trials screen".
pub fn trial_words(id: i64, name: &str, steps: usize) -> String {
    format!(
        "Started trial #{id} \"{name}\" ({steps} steps) in the background; follow it on the \
         Trials screen"
    )
}

/// e.g. "Goal set: \"Beat buy-and-hold\" (allowed: passed goal.length)".
pub fn goal_words(text: &str, rule_id: &str, reason: &str) -> String {
    format!("Goal set: \"{text}\" ({rule_id}: {reason})")
}

/// What a portfolio optimisation's message says.
#[derive(Clone, Debug, PartialEq)]
pub struct PortfolioSummary {
    /// The method in words, e.g. "Minimum variance".
    pub method: String,
    /// Assets and their weights, in input order.
    pub weights: Vec<(String, f64)>,
    /// Aligned periods kept.
    pub kept: usize,
    /// Observations dropped by alignment (over all assets).
    pub dropped: usize,
    /// "days", "weeks" or "months".
    pub periods: &'static str,
    /// Annual expected return.
    pub expected_return: f64,
    /// Annual volatility.
    pub volatility: f64,
    /// Sharpe ratio.
    pub sharpe: f64,
    /// Minimum CVaR: (confidence, VaR, CVaR) per period.
    pub cvar: Option<(f64, f64, f64)>,
}

/// e.g. "Minimum variance over sp500, nasdaq, wti (1,234 common days, 12
/// dropped): sp500 41%, nasdaq 9%, wti 50%; return 6.1%, volatility
/// 14.2%, Sharpe 0.43".
pub fn portfolio_words(s: &PortfolioSummary) -> String {
    let names: Vec<&str> = s.weights.iter().map(|(a, _)| a.as_str()).collect();
    let weights: Vec<String> = s
        .weights
        .iter()
        .map(|(a, w)| format!("{a} {}", percent(*w, 0)))
        .collect();
    let cvar = s
        .cvar
        .map(|(c, var, cvar)| {
            format!(
                "; {} VaR {} and CVaR {} per period",
                percent(c, 1),
                percent(var, 2),
                percent(cvar, 2)
            )
        })
        .unwrap_or_default();
    format!(
        "{} over {} ({} common {}, {} dropped): {}; return {}, volatility {}, Sharpe {}{cvar}",
        s.method,
        names.join(", "),
        count(s.kept as u64),
        s.periods,
        count(s.dropped as u64),
        weights.join(", "),
        percent(s.expected_return, 1),
        percent(s.volatility, 1),
        fixed(s.sharpe, 2)
    )
}

/// What a risk report's message says.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskSummary {
    /// The asset or portfolio, e.g. "sp500" or "60% sp500, 40% nasdaq".
    pub label: String,
    /// Returns used.
    pub observations: usize,
    /// Confidence level.
    pub confidence: f64,
    /// Horizon in trading days.
    pub horizon_days: u32,
    /// (method label, VaR, ES) for each method that ran.
    pub estimates: Vec<(String, f64, f64)>,
    /// Maximum drawdown depth and its peak and trough dates.
    pub drawdown: Option<(f64, String, String)>,
    /// (episode, total return) of the stress episodes in the data.
    pub stress: Vec<(String, f64)>,
    /// VaR backtest: (breaches, expected, Kupiec p-value).
    pub backtest: Option<(usize, f64, f64)>,
}

/// e.g. "Risk of sp500 (5,030 returns), 1-day at 99%: historical VaR 3.1%,
/// ES 4.6%; normal VaR 2.8%, ES 3.2%; max drawdown 56.8% (2007-10-09 to
/// 2009-03-09); stress: Financial crisis 2008-2009 -56.8%; VaR backtest 52
/// breaches vs 47.8 expected (Kupiec p 0.54)".
pub fn risk_words(s: &RiskSummary) -> String {
    let estimates: Vec<String> = s
        .estimates
        .iter()
        .map(|(method, var, es)| {
            format!("{method} VaR {}, ES {}", percent(*var, 1), percent(*es, 1))
        })
        .collect();
    let drawdown = s
        .drawdown
        .as_ref()
        .map(|(depth, peak, trough)| {
            format!("; max drawdown {} ({peak} to {trough})", percent(*depth, 1))
        })
        .unwrap_or_default();
    let stress = if s.stress.is_empty() {
        "; no stress episode in the data's span".to_string()
    } else {
        let parts: Vec<String> = s
            .stress
            .iter()
            .map(|(name, r)| format!("{name} {}", percent(*r, 1)))
            .collect();
        format!("; stress: {}", parts.join(", "))
    };
    let backtest = s
        .backtest
        .map(|(breaches, expected, p)| {
            format!(
                "; VaR backtest {breaches} breaches vs {} expected (Kupiec p {})",
                fixed(expected, 1),
                fixed(p, 2)
            )
        })
        .unwrap_or_default();
    format!(
        "Risk of {} ({} returns), {}-day at {}: {}{drawdown}{stress}{backtest}",
        s.label,
        count(s.observations as u64),
        s.horizon_days,
        percent(s.confidence, 1).replace(".0%", "%"),
        estimates.join("; ")
    )
}

/// e.g. "ma_crossover(fast=50, slow=200) on sp500, long-only: return 85.2%
/// (3.1% a year), volatility 11.0%, Sharpe 0.33, Sortino 0.45, max
/// drawdown 28.1%, 12 trades; buy-and-hold 120.5% (4.0% a year), Sharpe
/// 0.29, max drawdown 56.8%".
pub fn backtest_words(
    rule: &str,
    symbol: &str,
    direction: &str,
    strategy: &Performance,
    hold: &Performance,
) -> String {
    format!(
        "{rule} on {symbol}, {direction}: return {} ({} a year), volatility {}, Sharpe {}, \
         Sortino {}, max drawdown {}, {} trades; buy-and-hold {} ({} a year), Sharpe {}, \
         max drawdown {}",
        percent(strategy.cumulative_return, 1),
        percent(strategy.annualised_return, 1),
        percent(strategy.volatility, 1),
        fixed(strategy.sharpe, 2),
        fixed(strategy.sortino, 2),
        percent(strategy.max_drawdown, 1),
        strategy.trades,
        percent(hold.cumulative_return, 1),
        percent(hold.annualised_return, 1),
        fixed(hold.sharpe, 2),
        percent(hold.max_drawdown, 1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::pricing::Greeks;

    #[test]
    fn trials_say_where_to_follow_them() {
        assert_eq!(
            trial_words(7, "2 models on sp500", 3),
            "Started trial #7 \"2 models on sp500\" (3 steps) in the background; follow it on \
             the Trials screen"
        );
    }

    #[test]
    fn portfolios_read_as_in_the_brief() {
        let s = PortfolioSummary {
            method: "Minimum variance".into(),
            weights: vec![
                ("sp500".into(), 0.4123),
                ("nasdaq".into(), 0.0877),
                ("wti".into(), 0.5),
            ],
            kept: 1234,
            dropped: 12,
            periods: "days",
            expected_return: 0.0612,
            volatility: 0.1418,
            sharpe: 0.4316,
            cvar: None,
        };
        assert_eq!(
            portfolio_words(&s),
            "Minimum variance over sp500, nasdaq, wti (1,234 common days, 12 dropped): sp500 41%, nasdaq 9%, wti 50%; return 6.1%, volatility 14.2%, Sharpe 0.43"
        );
        let cvar = PortfolioSummary {
            method: "Minimum CVaR".into(),
            cvar: Some((0.95, 0.0151, 0.0234)),
            ..s
        };
        assert!(portfolio_words(&cvar).ends_with("; 95.0% VaR 1.51% and CVaR 2.34% per period"));
    }

    #[test]
    fn risk_reports_list_every_part() {
        let s = RiskSummary {
            label: "sp500".into(),
            observations: 5030,
            confidence: 0.99,
            horizon_days: 1,
            estimates: vec![
                ("historical".into(), 0.0312, 0.0458),
                ("Monte Carlo (simulation)".into(), 0.03, 0.04),
            ],
            drawdown: Some((0.568, "2007-10-09".into(), "2009-03-09".into())),
            stress: vec![("Financial crisis 2008-2009".into(), -0.568)],
            backtest: Some((52, 47.8, 0.5432)),
        };
        assert_eq!(
            risk_words(&s),
            "Risk of sp500 (5,030 returns), 1-day at 99%: historical VaR 3.1%, ES 4.6%; Monte Carlo (simulation) VaR 3.0%, ES 4.0%; max drawdown 56.8% (2007-10-09 to 2009-03-09); stress: Financial crisis 2008-2009 -56.8%; VaR backtest 52 breaches vs 47.8 expected (Kupiec p 0.54)"
        );
        let bare = RiskSummary {
            confidence: 0.975,
            stress: Vec::new(),
            backtest: None,
            drawdown: None,
            ..s
        };
        let words = risk_words(&bare);
        assert!(words.contains("1-day at 97.5%:"), "{words}");
        assert!(
            words.ends_with("; no stress episode in the data's span"),
            "{words}"
        );
    }

    #[test]
    fn backtests_compare_with_buy_and_hold() {
        let p = |cumulative: f64, sharpe: f64, trades: usize| Performance {
            cumulative_return: cumulative,
            annualised_return: cumulative / 20.0,
            volatility: 0.11,
            sharpe,
            sortino: sharpe * 1.4,
            calmar: 0.1,
            max_drawdown: 0.281,
            turnover: 1.0,
            hit_rate: 0.5,
            exposure: 0.7,
            position_changes: trades * 2,
            trades,
        };
        let words = backtest_words(
            "ma_crossover(fast=50, slow=200)",
            "sp500",
            "long-only",
            &p(0.852, 0.33, 12),
            &p(1.205, 0.29, 1),
        );
        assert_eq!(
            words,
            "ma_crossover(fast=50, slow=200) on sp500, long-only: return 85.2% (4.3% a year), volatility 11.0%, Sharpe 0.33, Sortino 0.46, max drawdown 28.1%, 12 trades; buy-and-hold 120.5% (6.0% a year), Sharpe 0.29, max drawdown 28.1%"
        );
    }

    fn summary() -> LabSummary {
        LabSummary {
            model: "random_forest_clf_100_sqrt".into(),
            models_run: 1,
            models_failed: 0,
            symbol: "sp500".into(),
            horizon: 5,
            target: Task::Classification,
            skill: Some(("accuracy", 0.5312)),
            sharpe: 0.4149,
            buy_and_hold_sharpe: 0.6201,
            folds: 12,
            recorded: Some(17),
        }
    }

    #[test]
    fn one_model_reads_as_in_the_brief() {
        assert_eq!(
            lab_words(&summary()),
            "random_forest_clf_100_sqrt on sp500, 5-day direction: accuracy 0.53, Sharpe 0.41 vs buy-and-hold 0.62 over 12 folds; recorded #17"
        );
    }

    #[test]
    fn families_failures_and_unrecorded_runs_say_so() {
        let s = LabSummary {
            models_run: 4,
            models_failed: 2,
            recorded: None,
            target: Task::Regression,
            skill: Some(("R²", -0.013)),
            ..summary()
        };
        let words = lab_words(&s);
        assert!(
            words.starts_with("Best of 4 models: random_forest"),
            "{words}"
        );
        assert!(words.contains("5-day return: R² -0.01,"), "{words}");
        assert!(
            words.ends_with("; not recorded; 2 models failed"),
            "{words}"
        );
    }

    #[test]
    fn prices_read_with_their_greeks() {
        let v = Valuation {
            price: 2.46123,
            greeks: Greeks {
                delta: 0.38291,
                gamma: 0.0393,
                vega: 0.194,
                theta: -6.841,
                rho: 0.08,
            },
        };
        let words = price_words("European call", 91.0, 100.0, 105.0, 0.2, &v);
        assert_eq!(
            words,
            "European call, spot 100, strike 105, 91 days, vol 20.0%: price 2.4612; delta 0.3829, gamma 0.0393, vega 0.1940, theta -6.8410 per year"
        );
    }

    #[test]
    fn goals_quote_the_text_and_rule() {
        assert_eq!(
            goal_words("Beat buy-and-hold", "goal.length", "passed"),
            "Goal set: \"Beat buy-and-hold\" (goal.length: passed)"
        );
    }
}
