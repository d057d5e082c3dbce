//! The short result messages a card posts into the conversation once its
//! action has run: metrics in words that the coach reads on the next turn.
//! Pure string work, tested natively.

use shared::data::Provenance;
use shared::models::{ModelReport, Task};
use shared::pricing::Valuation;

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

/// e.g. "Goal set: \"Beat buy-and-hold\" (allowed: passed goal.length)".
pub fn goal_words(text: &str, rule_id: &str, reason: &str) -> String {
    format!("Goal set: \"{text}\" ({rule_id}: {reason})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::pricing::Greeks;

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
