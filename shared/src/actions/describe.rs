//! What an action will do, in one sentence for its card. Pure formatting.

use super::finance::{
    Backtest, CovarianceChoice, DirectionChoice, OptimisePortfolio, PortfolioMethod, ReturnsChoice,
    RiskMethod, RiskReport, SizingChoice, SHORT_LEVERAGE,
};
use super::{Action, ExerciseStyle, LabTarget, ModelScope, OptionRight};
use crate::models::Window;

/// What `action` will do, in words, e.g. "Train random_forest_clf_100_sqrt
/// on sp500 (bundled) to predict 5-day direction, walk-forward (expanding,
/// 1000 train rows, 250 test rows, gap 4, cost 5 bps), seed 42".
pub fn describe(action: &Action) -> String {
    match action {
        Action::FetchData(fetch) => {
            let range = span(&fetch.from, &fetch.to);
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
        Action::OptimisePortfolio(p) => describe_portfolio(p),
        Action::RiskReport(r) => describe_risk(r),
        Action::Backtest(b) => describe_backtest(b),
        Action::RunTrial(t) => {
            let target = match t.target {
                LabTarget::Direction => "direction",
                LabTarget::Return => "return",
            };
            format!(
                "Run {} models ({}) on {} ({}) as a background trial \"{}\": {}-day {target}, \
                 walk-forward, seed {}",
                t.models.len(),
                t.models.join(", "),
                t.symbol,
                t.source,
                t.trial_name(),
                t.horizon,
                t.seed
            )
        }
    }
}

/// "from 2010-01-01 to the latest", "full history", ...
fn span(from: &Option<String>, to: &Option<String>) -> String {
    match (from, to) {
        (Some(from), Some(to)) => format!("from {from} to {to}"),
        (Some(from), None) => format!("from {from} to the latest"),
        (None, Some(to)) => format!("up to {to}"),
        (None, None) => "full history".to_string(),
    }
}

/// `text` with its first letter in lower case ("Maximum Sharpe" ->
/// "maximum Sharpe").
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `value` (a decimal) as a percentage, e.g. 0.085 -> "8.5%".
fn pct(value: f64) -> String {
    format!("{}%", round(value * 100.0))
}

fn describe_portfolio(p: &OptimisePortfolio) -> String {
    let target = match (p.method, p.target) {
        (PortfolioMethod::TargetReturn, Some(t)) => format!(" with a target return of {}", pct(t)),
        (PortfolioMethod::TargetRisk, Some(t)) => {
            format!(" with a target volatility of {}", pct(t))
        }
        (PortfolioMethod::MinCvar, _) => format!(" at {} confidence", pct(p.confidence())),
        _ => String::new(),
    };
    let shorts = if p.long_only {
        "long-only".to_string()
    } else {
        format!("shorts allowed (gross leverage at most {SHORT_LEVERAGE})")
    };
    let mut cap = p
        .max_weight
        .map(|w| format!(", at most {} per asset", pct(w)))
        .unwrap_or_default();
    let bounds: Vec<String> = p
        .bounds
        .iter()
        .map(|b| match (b.min, b.max) {
            (Some(min), Some(max)) => format!("{} {} to {}", b.asset, pct(min), pct(max)),
            (Some(min), None) => format!("{} at least {}", b.asset, pct(min)),
            (None, Some(max)) => format!("{} at most {}", b.asset, pct(max)),
            (None, None) => b.asset.clone(),
        })
        .collect();
    if !bounds.is_empty() {
        cap.push_str(&format!(", bounds: {}", bounds.join("; ")));
    }
    let covariance = match p.covariance {
        CovarianceChoice::Sample => "sample covariance".to_string(),
        CovarianceChoice::Ewma => format!("EWMA covariance (half-life {})", round(p.half_life())),
        CovarianceChoice::LedoitWolf => "Ledoit-Wolf covariance (constant correlation)".to_string(),
    };
    let returns = match p.expected_returns {
        ReturnsChoice::Mean => "mean returns".to_string(),
        ReturnsChoice::Ewma => format!("EWMA returns (half-life {})", round(p.half_life())),
        ReturnsChoice::Capm => format!(
            "CAPM returns against {}",
            p.market.as_deref().unwrap_or("the market")
        ),
    };
    format!(
        "Optimise a {} portfolio of {} ({}){target}: {shorts}{cap}, {covariance}, {returns}, \
         risk-free {}, {}; data through the compliance gateway",
        lower_first(p.method.label()),
        p.assets.join(", "),
        p.source,
        pct(p.risk_free),
        span(&p.from, &p.to)
    )
}

fn describe_risk(r: &RiskReport) -> String {
    let what = match &r.weights {
        Some(weights) if r.assets.len() > 1 => {
            let parts: Vec<String> = r
                .assets
                .iter()
                .zip(weights)
                .map(|(a, w)| format!("{} {a}", pct(*w)))
                .collect();
            format!("a portfolio of {}", parts.join(", "))
        }
        _ => r.assets.join(", "),
    };
    let methods: Vec<String> = r
        .methods
        .iter()
        .map(|m| match m {
            RiskMethod::MonteCarlo => format!(
                "Monte Carlo simulation ({} scenarios, seed {})",
                r.scenarios, r.seed
            ),
            other => other.label().to_string(),
        })
        .collect();
    let picked: Vec<String> = r
        .episodes
        .iter()
        .map(|e| {
            let dates = format!("{} to {}", e.from.trim(), e.to.trim());
            match e.name.as_deref().map(str::trim) {
                Some(name) if !name.is_empty() => format!("{name} ({dates})"),
                _ => dates,
            }
        })
        .collect();
    let episodes = if picked.is_empty() {
        "historical stress episodes".to_string()
    } else {
        format!("historical stress episodes plus {}", picked.join(", "))
    };
    format!(
        "Risk report on {what} ({}): {}-day VaR and expected shortfall at {} ({}), maximum \
         drawdown, {episodes} and a backtest of rolling historical VaR, {}",
        r.source,
        r.horizon_days,
        pct(r.confidence),
        methods.join(", "),
        span(&r.from, &r.to)
    )
}

fn describe_backtest(b: &Backtest) -> String {
    let direction = match b.direction {
        DirectionChoice::LongOnly => "long-only",
        DirectionChoice::LongShort => "long-short",
    };
    let sizing = match b.sizing {
        SizingChoice::Full => "full position".to_string(),
        SizingChoice::FixedFraction => {
            format!("{} of capital", pct(b.fraction.unwrap_or_default()))
        }
        SizingChoice::VolatilityTarget => format!(
            "sized to {} volatility over {} bars",
            pct(b.target_volatility.unwrap_or_default()),
            b.vol_lookback.unwrap_or(Backtest::DEFAULT_VOL_LOOKBACK)
        ),
    };
    format!(
        "Backtest {} on {} ({}), {direction}, {sizing}, {} bps costs and {} bps slippage, \
         against buy-and-hold, {}",
        b.trading_rule().describe(),
        b.symbol,
        b.source,
        round(b.cost_bps),
        round(b.slippage_bps),
        span(&b.from, &b.to)
    )
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
    use serde_json::json;

    fn action(value: serde_json::Value) -> Action {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn finance_sentences_name_what_runs() {
        let text = describe(&action(json!({"action": "optimise_portfolio",
            "assets": ["sp500", "nasdaq", "wti"], "method": "min_variance", "max_weight": 0.5})));
        assert_eq!(
            text,
            "Optimise a minimum variance portfolio of sp500, nasdaq, wti (bundled): long-only, \
             at most 50% per asset, Ledoit-Wolf covariance (constant correlation), mean returns, \
             risk-free 0%, full history; data through the compliance gateway"
        );
        let text = describe(&action(json!({"action": "optimise_portfolio",
            "assets": ["sp500", "nasdaq"], "method": "target_return", "target": 0.08,
            "long_only": false, "expected_returns": "capm", "market": "sp500",
            "from": "2010-01-01"})));
        assert!(text.contains("target return of 8%"), "{text}");
        assert!(
            text.contains("shorts allowed (gross leverage at most 2)"),
            "{text}"
        );
        assert!(text.contains("CAPM returns against sp500"), "{text}");
        assert!(text.contains("from 2010-01-01 to the latest"), "{text}");
        let text = describe(&action(json!({"action": "risk_report",
            "assets": ["sp500", "nasdaq"], "weights": [0.6, 0.4], "horizon_days": 10,
            "methods": ["historical", "monte_carlo"], "scenarios": 1000000})));
        assert_eq!(
            text,
            "Risk report on a portfolio of 60% sp500, 40% nasdaq (bundled): 10-day VaR and \
             expected shortfall at 99% (historical, Monte Carlo simulation (1000000 scenarios, \
             seed 42)), maximum drawdown, historical stress episodes and a backtest of rolling \
             historical VaR, full history"
        );
        let text = describe(&action(json!({"action": "optimise_portfolio",
            "assets": ["sp500", "nasdaq", "wti"], "method": "max_sharpe",
            "bounds": [{"asset": "wti", "max": 0.1}, {"asset": "sp500", "min": 0.2, "max": 0.6},
                {"asset": "nasdaq", "min": 0.05}]})));
        assert!(
            text.contains(
                "long-only, bounds: wti at most 10%; sp500 20% to 60%; nasdaq at least 5%, \
                 Ledoit-Wolf"
            ),
            "{text}"
        );
        let text = describe(&action(
            json!({"action": "risk_report", "assets": ["sp500"],
            "episodes": [{"name": "Covid crash", "from": "2020-02-19", "to": "2020-03-23"},
                {"from": "2015-08-17", "to": "2015-08-25"}]}),
        ));
        assert!(
            text.contains(
                "historical stress episodes plus Covid crash (2020-02-19 to 2020-03-23), \
                 2015-08-17 to 2015-08-25 and a backtest"
            ),
            "{text}"
        );
        let text = describe(&action(json!({"action": "backtest", "symbol": "sp500",
            "rule": "ma_crossover", "sizing": "volatility_target", "target_volatility": 0.1})));
        assert_eq!(
            text,
            "Backtest ma_crossover(fast=50, slow=200) on sp500 (bundled), long-only, sized to \
             10% volatility over 20 bars, 5 bps costs and 0 bps slippage, against buy-and-hold, \
             full history"
        );
    }

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
