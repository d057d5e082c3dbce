//! What an action will do, in one sentence for its card. Pure formatting.

use super::{Action, ExerciseStyle, LabTarget, ModelScope, OptionRight};
use crate::models::Window;

/// What `action` will do, in words, e.g. "Train random_forest_clf_100_sqrt
/// on sp500 (bundled) to predict 5-day direction, walk-forward (expanding,
/// 1000 train rows, 250 test rows, gap 4, cost 5 bps), seed 42".
pub fn describe(action: &Action) -> String {
    match action {
        Action::FetchData(fetch) => {
            let range = match (&fetch.from, &fetch.to) {
                (Some(from), Some(to)) => format!("from {from} to {to}"),
                (Some(from), None) => format!("from {from} to the latest"),
                (None, Some(to)) => format!("up to {to}"),
                (None, None) => "full history".to_string(),
            };
            let bars = fetch
                .timespan
                .as_deref()
                .map(|t| format!(", {t} bars"))
                .unwrap_or_default();
            format!(
                "Fetch {} from {} ({range}{bars}) through the compliance gateway",
                fetch.symbol, fetch.source
            )
        }
        Action::RunLab(run) => {
            let models = run.models();
            let what = match run.scope {
                ModelScope::Model => run.name.clone().unwrap_or_default(),
                ModelScope::Family => format!(
                    "the {} {} models",
                    models.len(),
                    run.name.as_deref().unwrap_or_default()
                ),
                ModelScope::Catalog => format!("all {} catalog models", models.len()),
            };
            let target = match run.target {
                LabTarget::Direction => "direction",
                LabTarget::Return => "return",
            };
            let config = run.walk_forward();
            let window = match config.window {
                Window::Expanding => "expanding",
                Window::Rolling => "rolling",
            };
            format!(
                "Train {what} on {} ({}) to predict {}-day {target}, walk-forward ({window}, \
                 {} train rows, {} test rows, gap {}, cost {} bps), seed {}",
                run.symbol,
                run.source,
                run.horizon,
                config.train_rows,
                config.test_rows,
                config.gap,
                config.cost_bps,
                config.seed
            )
        }
        Action::PriceOption(option) => {
            let style = option.exercise.label();
            let right = option.right.label();
            format!(
                "Price a {style} {right}: spot {}, strike {}, {} days to expiry, volatility {}%, \
                 rate {}%, dividend yield {}%",
                option.spot,
                option.strike,
                round(option.days),
                round(option.volatility * 100.0),
                round(option.rate * 100.0),
                round(option.dividend_yield * 100.0)
            )
        }
        Action::SetGoal(goal) => {
            let sources = if goal.sources.is_empty() {
                String::new()
            } else {
                format!(" (sources: {})", goal.sources.join(", "))
            };
            format!("Set your goal to \"{}\"{sources}", goal.text)
        }
    }
}

/// `value` to at most four decimals, without trailing zeros.
fn round(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

impl ExerciseStyle {
    /// `European` or `American`, for sentences.
    pub fn label(self) -> &'static str {
        match self {
            ExerciseStyle::European => "European",
            ExerciseStyle::American => "American",
        }
    }
}

impl OptionRight {
    /// `call` or `put`, for sentences.
    pub fn label(self) -> &'static str {
        match self {
            OptionRight::Call => "call",
            OptionRight::Put => "put",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::{FetchData, PriceOption, RunLab, SetGoal};

    #[test]
    fn sentences_name_what_runs() {
        let run = RunLab {
            horizon: 5,
            ..RunLab::new(
                "sp500",
                ModelScope::Model,
                Some("random_forest_clf_100_sqrt"),
            )
        };
        assert_eq!(
            describe(&Action::RunLab(run.clone())),
            "Train random_forest_clf_100_sqrt on sp500 (bundled) to predict 5-day direction, \
             walk-forward (expanding, 1000 train rows, 250 test rows, gap 4, cost 5 bps), seed 42"
        );
        let family = RunLab {
            scope: ModelScope::Family,
            name: Some("gradient_boosting".into()),
            ..run.clone()
        };
        let n = family.models().len();
        assert!(describe(&Action::RunLab(family))
            .starts_with(&format!("Train the {n} gradient_boosting models")));
        let option = PriceOption {
            right: OptionRight::Call,
            exercise: ExerciseStyle::European,
            spot: 100.0,
            strike: 105.0,
            days: 91.25,
            volatility: 0.2,
            rate: 0.0,
            dividend_yield: 0.0,
        };
        let text = describe(&Action::PriceOption(option));
        assert!(
            text.starts_with("Price a European call: spot 100, strike 105, 91.25 days"),
            "{text}"
        );
        assert!(text.contains("volatility 20%"), "{text}");
        let fetch = FetchData {
            source: "fred".into(),
            symbol: "DGS10".into(),
            from: Some("2020-01-01".into()),
            to: None,
            timespan: None,
        };
        assert_eq!(
            describe(&Action::FetchData(fetch)),
            "Fetch DGS10 from fred (from 2020-01-01 to the latest) through the compliance gateway"
        );
        let goal = SetGoal {
            text: "Beat buy-and-hold".into(),
            sources: vec!["bundled".into()],
        };
        assert_eq!(
            describe(&Action::SetGoal(goal)),
            "Set your goal to \"Beat buy-and-hold\" (sources: bundled)"
        );
    }
}
