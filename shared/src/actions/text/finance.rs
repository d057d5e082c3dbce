//! Plain-text requests for the finance actions, e.g. "optimise a minimum
//! variance portfolio of sp500, nasdaq and wti", "risk report on the S&P
//! 500 at 99%", "backtest a 50/200 moving average crossover on sp500 with 5
//! bps costs". The words understood are in the tables below; what is not
//! said takes the action's defaults, and validation (not this parser)
//! refuses what is out of range.
//!
//! Pure: it only reads the sentence.

use super::{
    dataset_aliases, find, has, keyed, lab_models, number, percentish, span_dates, with_unit,
    Token, Unit, NOT_SOURCES,
};
use crate::actions::finance::{
    Backtest, CovarianceChoice, DirectionChoice, OptimisePortfolio, PortfolioMethod, ReturnsChoice,
    RiskMethod, RiskReport, RuleChoice, SizingChoice,
};
use crate::actions::validate::{refuse, INVALID_INPUT, OUT_OF_RANGE};
use crate::actions::Refusal;
use crate::data::bundled;

/// Method phrases, the longer ones first where one contains another.
const METHODS: [(&str, PortfolioMethod); 36] = {
    use PortfolioMethod::*;
    [
        ("hierarchical risk parity", Hrp),
        ("hierarchical", Hrp),
        ("hrp", Hrp),
        ("risk parity", RiskParity),
        ("risk-parity", RiskParity),
        ("risk_parity", RiskParity),
        ("equal risk", RiskParity),
        ("minimum variance", MinVariance),
        ("minimum-variance", MinVariance),
        ("min variance", MinVariance),
        ("min-variance", MinVariance),
        ("min_variance", MinVariance),
        ("lowest variance", MinVariance),
        ("minimum volatility", MinVariance),
        ("lowest volatility", MinVariance),
        ("min vol", MinVariance),
        ("maximum sharpe", MaxSharpe),
        ("max sharpe", MaxSharpe),
        ("max-sharpe", MaxSharpe),
        ("max_sharpe", MaxSharpe),
        ("highest sharpe", MaxSharpe),
        ("best sharpe", MaxSharpe),
        ("tangency", MaxSharpe),
        ("minimum cvar", MinCvar),
        ("min cvar", MinCvar),
        ("min-cvar", MinCvar),
        ("min_cvar", MinCvar),
        ("lowest cvar", MinCvar),
        ("target return", TargetReturn),
        ("target_return", TargetReturn),
        ("return target", TargetReturn),
        ("target risk", TargetRisk),
        ("target_risk", TargetRisk),
        ("target volatility", TargetRisk),
        ("volatility target", TargetRisk),
        ("target vol", TargetRisk),
    ]
};

/// Rule phrases.
const RULES: [(&str, RuleChoice); 13] = {
    use RuleChoice::*;
    [
        ("moving average", MaCrossover),
        ("moving-average", MaCrossover),
        ("ma crossover", MaCrossover),
        ("ma_crossover", MaCrossover),
        ("sma", MaCrossover),
        ("crossover", MaCrossover),
        ("golden cross", MaCrossover),
        ("rsi", Rsi),
        ("relative strength", Rsi),
        ("bollinger", Bollinger),
        ("momentum", Momentum),
        ("trend following", Momentum),
        ("trend-following", Momentum),
    ]
};

const OPTIMISE_VERBS: [&str; 12] = [
    "optimise",
    "optimize",
    "optimised",
    "optimized",
    "optimal",
    "optimisation",
    "optimization",
    "allocate",
    "build",
    "construct",
    "find",
    "optimise_portfolio",
];
const RISK_PHRASES: [&str; 10] = [
    "risk report",
    "risk_report",
    "value at risk",
    "var",
    "cvar",
    "expected shortfall",
    "max drawdown",
    "maximum drawdown",
    "stress test",
    "tail risk",
];
const BACKTEST_VERBS: [&str; 9] = [
    "backtest",
    "backtests",
    "back-test",
    "test",
    "run",
    "try",
    "trade",
    "evaluate",
    "simulate",
];
const SHORT_PHRASES: [&str; 7] = [
    "long-short",
    "long/short",
    "long short",
    "long and short",
    "with shorts",
    "allow shorts",
    "shorting",
];

/// The finance action a sentence asks for, if any (checked after goals
/// and pricing, before the lab: a sentence naming a model stays a lab run).
pub(super) fn tool_for(low: &str, tokens: &[Token]) -> Option<&'static str> {
    let word = |w: &str| tokens.iter().any(|t| t.low == w);
    let any = |ws: &[&str]| ws.iter().any(|w| word(w));
    let method = method_in(low).is_some();
    let portfolio = has(low, "portfolio") || has(low, "allocation");
    if word("optimise_portfolio") || (portfolio && (any(&OPTIMISE_VERBS) || method)) {
        return Some("optimise_portfolio");
    }
    if (any(&OPTIMISE_VERBS) || word("portfolios")) && method {
        return Some("optimise_portfolio");
    }
    if RISK_PHRASES.iter().any(|p| has(low, p)) {
        return Some("risk_report");
    }
    if lab_models(low, tokens).is_some() {
        return None;
    }
    let rule = rule_in(low).is_some();
    if (rule && any(&BACKTEST_VERBS)) || any(&["backtest", "backtests", "back-test"]) {
        return Some("backtest");
    }
    None
}

fn method_in(low: &str) -> Option<PortfolioMethod> {
    METHODS
        .iter()
        .find(|(phrase, _)| has(low, phrase))
        .map(|(_, m)| *m)
}

fn rule_in(low: &str) -> Option<RuleChoice> {
    RULES
        .iter()
        .find(|(phrase, _)| has(low, phrase))
        .map(|(_, r)| *r)
}

/// Every bundled dataset named in `low`, with its byte offset, in order of
/// appearance, each once (longer phrases win where they overlap).
fn datasets_at(low: &str) -> Vec<(usize, &'static str)> {
    let mut spans: Vec<(usize, usize, &'static str)> = Vec::new();
    for (alias, id) in dataset_aliases() {
        let mut from = 0;
        while from < low.len() {
            let Some((offset, _)) = find(&low[from..], alias, false) else {
                break;
            };
            let start = from + offset;
            let end = start + alias.len();
            if !spans.iter().any(|(s, e, _)| start < *e && *s < end) {
                spans.push((start, end, id));
            }
            from = end;
            while from < low.len() && !low.is_char_boundary(from) {
                from += 1;
            }
        }
    }
    spans.sort_by_key(|(start, _, _)| *start);
    let mut out: Vec<(usize, &'static str)> = Vec::new();
    for (start, _, id) in spans {
        if !out.iter().any(|(_, seen)| *seen == id) {
            out.push((start, id));
        }
    }
    out
}

/// Upload ids written after "upload(s)": "uploads 12 and 13", "upload #7".
fn upload_ids(tokens: &[Token]) -> Vec<String> {
    let Some(start) = tokens.iter().position(|t| {
        matches!(
            t.low.as_str(),
            "upload" | "uploads" | "user_upload" | "uploaded"
        )
    }) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for token in &tokens[start + 1..] {
        let id = token.raw.trim_start_matches('#');
        if !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) {
            out.push(id.to_string());
        } else if !matches!(token.low.as_str(), "and" | "&" | "or" | "#") {
            break;
        }
    }
    out
}

/// The source a finance sentence names: uploads, an approved API by name,
/// the word after "from"/"via" (e.g. `yahoo`, for validation to refuse),
/// else `bundled`.
fn source(low: &str, tokens: &[Token]) -> String {
    if ["upload", "uploads", "uploaded", "user_upload"]
        .iter()
        .any(|w| has(low, w))
    {
        return "user_upload".to_string();
    }
    for name in ["polygon", "fred"] {
        if has(low, name) {
            return name.to_string();
        }
    }
    for (i, token) in tokens.iter().enumerate() {
        if !matches!(token.low.as_str(), "from" | "via") {
            continue;
        }
        let Some(next) = tokens[i + 1..]
            .iter()
            .find(|t| !NOT_SOURCES.contains(&t.low.as_str()))
        else {
            continue;
        };
        let word = next.low.as_str();
        let source_like = word.len() >= 2
            && word
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
            && super::dataset_in(word).is_none();
        if source_like {
            return word.trim_end_matches(".com").to_string();
        }
    }
    "bundled".to_string()
}

/// The assets of a sentence for `source`: upload ids or bundled datasets.
fn assets(source: &str, low: &str, tokens: &[Token]) -> Vec<String> {
    if source == "user_upload" {
        upload_ids(tokens)
    } else {
        datasets_at(low)
            .into_iter()
            .map(|(_, id)| id.to_string())
            .collect()
    }
}

/// Numbers that are part of a dataset's name ("S&P 500") are not
/// parameters: they start out used.
fn used_by_names(tokens: &[Token]) -> Vec<bool> {
    (0..tokens.len())
        .map(|i| {
            i > 0
                && matches!(tokens[i - 1].low.as_str(), "s&p" | "sp")
                && number(tokens[i].raw).is_some()
        })
        .collect()
}

/// A whole number for a `u32` field, or a refusal naming it.
fn whole(tool: &str, field: &str, value: f64) -> Result<u32, Refusal> {
    if value >= 0.0 && value.fract() == 0.0 && value <= f64::from(u32::MAX) {
        Ok(value as u32)
    } else {
        Err(refuse(
            tool,
            field,
            OUT_OF_RANGE,
            format!("{field} must be a whole number, got {value}"),
        ))
    }
}

/// Numbers written as `a/b` ("50/200", "60/40"), marking the token used.
fn slash_numbers(tokens: &[Token], used: &mut [bool]) -> Option<Vec<f64>> {
    for (i, token) in tokens.iter().enumerate() {
        if used[i] || !token.low.contains('/') {
            continue;
        }
        let parts: Option<Vec<f64>> = token
            .low
            .split('/')
            .map(|p| number(p).map(|(v, _)| v))
            .collect();
        if let Some(parts) = parts.filter(|p| p.len() >= 2) {
            used[i] = true;
            return Some(parts);
        }
    }
    None
}

fn any_phrase(low: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| has(low, p))
}

/// "optimise a minimum variance portfolio of sp500, nasdaq and wti".
pub(super) fn portfolio(low: &str, tokens: &[Token]) -> Result<OptimisePortfolio, Refusal> {
    let source = source(low, tokens);
    let mut used = used_by_names(tokens);
    let method = method_in(low).unwrap_or(PortfolioMethod::MinVariance);
    // CAPM's market: the dataset after "against", "market" or "benchmark".
    let capm = has(low, "capm");
    let market_at = ["against", "market", "benchmark", "vs"]
        .iter()
        .filter_map(|w| find(low, w, false).map(|(at, _)| at))
        .min();
    // "risk-free rate 2%" is a parameter, not the ff_rf dataset.
    let mut masked = low.to_string();
    for phrase in ["risk-free rate", "risk free rate"] {
        if let Some((at, _)) = find(&masked, phrase, false) {
            masked.replace_range(at..at + phrase.len(), &" ".repeat(phrase.len()));
        }
    }
    let named = datasets_at(&masked);
    let market = match (capm, market_at) {
        (true, Some(at)) => named.iter().find(|(start, _)| *start > at).copied(),
        _ => None,
    };
    let assets: Vec<String> = if source == "user_upload" {
        upload_ids(tokens)
    } else {
        named
            .iter()
            .filter(|entry| Some(**entry) != market)
            .map(|(_, id)| id.to_string())
            .collect()
    };
    let max_weight = keyed(
        tokens,
        &mut used,
        &["weight", "cap", "capped", "max_weight"],
    )
    .map(percentish);
    let risk_free = keyed(tokens, &mut used, &["rate", "risk-free", "risk_free", "rf"])
        .map(percentish)
        .unwrap_or(0.0);
    let confidence = if method == PortfolioMethod::MinCvar {
        keyed(tokens, &mut used, &["confidence", "cvar", "at"]).map(percentish)
    } else {
        None
    };
    let target = match method {
        PortfolioMethod::TargetReturn | PortfolioMethod::TargetRisk => keyed(
            tokens,
            &mut used,
            &["target", "return", "returns", "volatility", "vol", "risk"],
        )
        .map(percentish),
        _ => None,
    };
    let ewma_returns = any_phrase(
        low,
        &[
            "ewma returns",
            "ewma expected returns",
            "exponentially weighted returns",
            "ewma mean",
        ],
    );
    let covariance = if any_phrase(low, &["sample covariance", "sample cov", "sample"]) {
        CovarianceChoice::Sample
    } else if any_phrase(
        low,
        &[
            "ewma covariance",
            "ewma cov",
            "exponentially weighted covariance",
        ],
    ) || (has(low, "ewma") && !ewma_returns)
    {
        CovarianceChoice::Ewma
    } else {
        CovarianceChoice::LedoitWolf
    };
    let expected_returns = if capm {
        ReturnsChoice::Capm
    } else if ewma_returns {
        ReturnsChoice::Ewma
    } else {
        ReturnsChoice::Mean
    };
    let half_life = if covariance == CovarianceChoice::Ewma || ewma_returns {
        keyed(tokens, &mut used, &["half-life", "halflife", "half_life"]).map(|(v, _)| v)
    } else {
        None
    };
    let market = match (capm, market) {
        (true, Some((_, id))) => Some(id.to_string()),
        (true, None) if source == "bundled" => Some("sp500".to_string()),
        _ => None,
    };
    let (from, to) = span_dates(tokens);
    Ok(OptimisePortfolio {
        source,
        assets,
        method,
        target,
        covariance,
        expected_returns,
        market,
        half_life,
        long_only: !any_phrase(low, &SHORT_PHRASES),
        max_weight,
        bounds: Vec::new(),
        risk_free,
        confidence,
        from,
        to,
    })
}

/// "risk report on the S&P 500 at 99%", "10-day 95% VaR of a 60/40
/// portfolio of sp500 and nasdaq with a monte carlo of 1,000,000 scenarios".
pub(super) fn risk(low: &str, tokens: &[Token]) -> Result<RiskReport, Refusal> {
    const TOOL: &str = "risk_report";
    let source = source(low, tokens);
    let assets = assets(&source, low, tokens);
    let mut used = used_by_names(tokens);
    let scenarios = keyed(
        tokens,
        &mut used,
        &["scenarios", "paths", "simulations", "draws", "sims"],
    )
    .map(|(v, _)| whole(TOOL, "scenarios", v))
    .transpose()?;
    let seed = keyed(tokens, &mut used, &["seed"])
        .map(|(v, _)| whole(TOOL, "seed", v))
        .transpose()?;
    let weights = slash_numbers(tokens, &mut used).map(|parts| {
        let sum: f64 = parts.iter().sum();
        if (sum - 100.0).abs() < 1e-6 {
            parts.iter().map(|p| p / 100.0).collect()
        } else {
            parts
        }
    });
    let confidence = keyed(
        tokens,
        &mut used,
        &["confidence", "var", "cvar", "level", "at", "es"],
    )
    .map(percentish);
    let horizon = with_unit(tokens, &mut used, Unit::trading_days)
        .map(|v| whole(TOOL, "horizon_days", v))
        .transpose()?;
    let named: Vec<(RiskMethod, &[&str])> = vec![
        (RiskMethod::Historical, &["historical", "empirical"]),
        (
            RiskMethod::Normal,
            &["normal", "parametric", "gaussian", "variance-covariance"],
        ),
        (
            RiskMethod::StudentT,
            &[
                "student",
                "student-t",
                "student's",
                "t-distribution",
                "fat-tailed",
            ],
        ),
        (
            RiskMethod::MonteCarlo,
            &["monte carlo", "monte-carlo", "simulation", "scenarios"],
        ),
    ];
    let mut methods: Vec<RiskMethod> = named
        .iter()
        .filter(|(_, words)| any_phrase(low, words))
        .map(|(m, _)| *m)
        .collect();
    if methods.is_empty() {
        methods = RiskMethod::ALL.to_vec();
    }
    let weights = match weights {
        Some(weights) => Some(weights),
        None if assets.len() > 1 => Some(vec![1.0 / assets.len() as f64; assets.len()]),
        None => None,
    };
    let (from, to) = span_dates(tokens);
    Ok(RiskReport {
        source,
        assets,
        weights,
        confidence: confidence.unwrap_or(0.99),
        horizon_days: horizon.unwrap_or(1),
        methods,
        scenarios: scenarios.unwrap_or(100_000),
        seed: seed.map_or(42, u64::from),
        episodes: Vec::new(),
        from,
        to,
    })
}

/// The slippage in basis points: "slippage of 2 bps", "2 bps slippage".
fn slippage(tokens: &[Token], used: &mut [bool]) -> Option<f64> {
    let at = tokens.iter().position(|t| t.low == "slippage")?;
    let filler = tokens
        .get(at + 1)
        .is_some_and(|t| matches!(t.low.as_str(), "of" | "at" | "is"));
    let after = if filler { at + 2 } else { at + 1 };
    if let Some((v, _)) = tokens
        .get(after)
        .filter(|_| !used[after])
        .and_then(|t| number(t.raw))
    {
        used[after] = true;
        return Some(v);
    }
    let mut before = at.checked_sub(1)?;
    if matches!(tokens[before].low.as_str(), "bps" | "bp" | "basis") {
        before = before.checked_sub(1)?;
    }
    let (v, _) = number(tokens[before].raw).filter(|_| !used[before])?;
    used[before] = true;
    Some(v)
}

/// "backtest a 50/200 moving average crossover on sp500 with 5 bps costs".
pub(super) fn backtest(low: &str, tokens: &[Token]) -> Result<Backtest, Refusal> {
    const TOOL: &str = "backtest";
    let source = source(low, tokens);
    let symbol = match assets(&source, low, tokens).into_iter().next() {
        Some(symbol) => symbol,
        None if source == "bundled" || source == "user_upload" => {
            let ids: Vec<&str> = bundled::catalog().iter().map(|d| d.id).collect();
            return Err(refuse(
                TOOL,
                "symbol",
                INVALID_INPUT,
                format!(
                    "the request names no bundled dataset or upload; datasets are {}",
                    ids.join(", ")
                ),
            ));
        }
        None => String::new(),
    };
    let Some(rule) = rule_in(low) else {
        return Err(refuse(
            TOOL,
            "rule",
            INVALID_INPUT,
            "the request names no rule; say a moving average crossover, RSI, Bollinger bands \
             or momentum"
                .to_string(),
        ));
    };
    let mut used = used_by_names(tokens);
    let slippage_bps = slippage(tokens, &mut used);
    let cost_bps = keyed(
        tokens,
        &mut used,
        &[
            "bps",
            "bp",
            "cost",
            "costs",
            "commission",
            "commissions",
            "cost_bps",
        ],
    )
    .map(|(v, _)| v);
    let targeting = any_phrase(
        low,
        &[
            "vol target",
            "volatility target",
            "target volatility",
            "target vol",
            "vol-target",
            "volatility targeting",
            "vol targeting",
        ],
    );
    let fixed = any_phrase(low, &["fixed fraction", "fraction", "fixed-fraction"]);
    let (sizing, fraction, target_volatility) = if targeting {
        let target = keyed(tokens, &mut used, &["target", "volatility", "vol"]).map(percentish);
        (SizingChoice::VolatilityTarget, None, target)
    } else if fixed {
        let fraction = keyed(tokens, &mut used, &["fraction"]).map(percentish);
        (SizingChoice::FixedFraction, fraction, None)
    } else {
        (SizingChoice::Full, None, None)
    };
    let mut action = Backtest {
        source,
        symbol,
        rule,
        fast: None,
        slow: None,
        period: None,
        lower: None,
        upper: None,
        k: None,
        lookback: None,
        direction: if any_phrase(low, &SHORT_PHRASES) {
            DirectionChoice::LongShort
        } else {
            DirectionChoice::LongOnly
        },
        sizing,
        fraction,
        target_volatility,
        vol_lookback: None,
        cost_bps: cost_bps.unwrap_or(5.0),
        slippage_bps: slippage_bps.unwrap_or(0.0),
        from: None,
        to: None,
    };
    let count = |v: Option<f64>, field: &str| v.map(|v| whole(TOOL, field, v)).transpose();
    match rule {
        RuleChoice::MaCrossover => {
            let (fast, slow) = match slash_numbers(tokens, &mut used) {
                Some(parts) => (parts.first().copied(), parts.get(1).copied()),
                None => {
                    let fast = keyed(tokens, &mut used, &["fast"]).map(|(v, _)| v);
                    let slow = keyed(tokens, &mut used, &["slow"]).map(|(v, _)| v);
                    match (fast, slow) {
                        (None, None) => (
                            with_unit(tokens, &mut used, Unit::trading_days),
                            with_unit(tokens, &mut used, Unit::trading_days),
                        ),
                        other => other,
                    }
                }
            };
            action.fast = count(fast, "fast")?;
            action.slow = count(slow, "slow")?;
        }
        RuleChoice::Rsi => {
            let bounds = slash_numbers(tokens, &mut used);
            let period = keyed(tokens, &mut used, &["rsi", "period"]).map(|(v, _)| v);
            action.period = count(period, "period")?;
            match bounds {
                Some(parts) => {
                    action.lower = parts.first().copied();
                    action.upper = parts.get(1).copied();
                }
                None => {
                    action.lower =
                        keyed(tokens, &mut used, &["lower", "oversold", "below"]).map(|v| v.0);
                    action.upper =
                        keyed(tokens, &mut used, &["upper", "overbought", "above"]).map(|v| v.0);
                }
            }
        }
        RuleChoice::Bollinger => {
            let k = keyed(
                tokens,
                &mut used,
                &[
                    "k",
                    "sd",
                    "sds",
                    "std",
                    "stdev",
                    "standard",
                    "sigma",
                    "deviations",
                    "deviation",
                ],
            )
            .map(|v| v.0);
            let period = keyed(tokens, &mut used, &["bollinger", "period", "bands"])
                .map(|v| v.0)
                .or_else(|| with_unit(tokens, &mut used, Unit::trading_days));
            action.k = k;
            action.period = count(period, "period")?;
        }
        RuleChoice::Momentum => {
            let lookback = with_unit(tokens, &mut used, Unit::trading_days)
                .or_else(|| keyed(tokens, &mut used, &["lookback", "momentum"]).map(|v| v.0));
            action.lookback = count(lookback, "lookback")?;
        }
    }
    let (from, to) = span_dates(tokens);
    action.from = from;
    action.to = to;
    Ok(action)
}

#[cfg(test)]
mod tests {
    use super::super::parse_text;
    use super::*;
    use crate::actions::{Action, ActionContext};
    use crate::compliance::Rules;
    use crate::pricing::dates::Date;

    fn parse(text: &str) -> Vec<Result<crate::actions::ProposedAction, Refusal>> {
        let rules = Rules::default_rules();
        let ctx = ActionContext {
            rules: &rules,
            today: Date::parse("2026-11-23").unwrap(),
        };
        parse_text(&ctx, text)
    }

    fn one(text: &str) -> Action {
        let mut all = parse(text);
        assert_eq!(all.len(), 1, "{text}: {all:?}");
        match all.remove(0) {
            Ok(proposal) => {
                assert!(!proposal.summary.is_empty());
                proposal.action
            }
            Err(refusal) => panic!("{text}: refused {refusal:?}"),
        }
    }

    fn refused(text: &str) -> (String, String, String) {
        let all = parse(text);
        assert_eq!(all.len(), 1, "{text}: {all:?}");
        let r = all[0].clone().unwrap_err();
        (r.tool, r.field, r.rule_id)
    }

    #[test]
    fn portfolio_requests() {
        let Action::OptimisePortfolio(p) =
            one("optimise a minimum variance portfolio of sp500, nasdaq and wti")
        else {
            panic!()
        };
        assert_eq!(p.assets, vec!["sp500", "nasdaq", "wti"]);
        assert_eq!(p.method, PortfolioMethod::MinVariance);
        assert_eq!(p.covariance, CovarianceChoice::LedoitWolf);
        assert!(p.long_only && p.max_weight.is_none() && p.target.is_none());
        let Action::OptimisePortfolio(p) = one(
            "Build a max Sharpe portfolio of the S&P 500 and crude oil since 2005, \
             max weight 70%, risk-free rate 2%, sample covariance, long-short",
        ) else {
            panic!()
        };
        assert_eq!(p.assets, vec!["sp500", "wti"]);
        assert_eq!(p.method, PortfolioMethod::MaxSharpe);
        assert_eq!((p.max_weight, p.risk_free), (Some(0.7), 0.02));
        assert_eq!(p.covariance, CovarianceChoice::Sample);
        assert!(!p.long_only);
        assert_eq!(p.from.as_deref(), Some("2005-01-01"));
        let Action::OptimisePortfolio(p) =
            one("find the target return portfolio of sp500 and nasdaq with a target return of 8%")
        else {
            panic!()
        };
        assert_eq!(
            (p.method, p.target),
            (PortfolioMethod::TargetReturn, Some(0.08))
        );
        let Action::OptimisePortfolio(p) = one(
            "optimise a hierarchical risk parity portfolio of sp500, nasdaq and vix with ewma covariance, half-life 30",
        ) else {
            panic!()
        };
        assert_eq!(p.method, PortfolioMethod::Hrp);
        assert_eq!(p.covariance, CovarianceChoice::Ewma);
        assert_eq!(p.half_life, Some(30.0));
        let Action::OptimisePortfolio(p) = one(
            "optimise a max sharpe portfolio of nasdaq and wti with capm returns against sp500",
        ) else {
            panic!()
        };
        assert_eq!(
            p.assets,
            vec!["nasdaq", "wti"],
            "the market is not an asset"
        );
        assert_eq!(
            (p.expected_returns, p.market.as_deref()),
            (ReturnsChoice::Capm, Some("sp500"))
        );
        let Action::OptimisePortfolio(p) =
            one("optimise a min cvar portfolio of uploads 12 and 13 at 97.5% confidence")
        else {
            panic!()
        };
        assert_eq!(p.source, "user_upload");
        assert_eq!(p.assets, vec!["12", "13"]);
        assert_eq!(p.confidence, Some(0.975));
    }

    #[test]
    fn portfolio_refusals() {
        assert_eq!(
            refused("optimise a minimum variance portfolio of sp500").1,
            "assets"
        );
        assert_eq!(
            refused("optimise a portfolio of AAPL and MSFT from yahoo"),
            (
                "optimise_portfolio".into(),
                "source".into(),
                "source.approved".into()
            )
        );
        assert_eq!(
            refused("optimise a target risk portfolio of sp500 and nasdaq").1,
            "target"
        );
        assert_eq!(
            refused("optimise a portfolio of sp500 and nasdaq with max weight 20%").1,
            "max_weight"
        );
        assert_eq!(
            refused("optimise a portfolio of synthetic sp500 and nasdaq").2,
            "data.no_synthetic"
        );
    }

    #[test]
    fn risk_requests() {
        let Action::RiskReport(r) = one("risk report on the S&P 500 at 99%") else {
            panic!()
        };
        assert_eq!(r.assets, vec!["sp500"]);
        assert_eq!(
            (r.confidence, r.horizon_days, r.weights.clone()),
            (0.99, 1, None)
        );
        assert_eq!(r.methods, RiskMethod::ALL.to_vec());
        let Action::RiskReport(r) = one(
            "10-day 95% VaR of a 60/40 portfolio of sp500 and nasdaq by monte carlo with 1,000,000 scenarios, seed 7",
        ) else {
            panic!()
        };
        assert_eq!(r.assets, vec!["sp500", "nasdaq"]);
        assert_eq!(r.weights, Some(vec![0.6, 0.4]));
        assert_eq!((r.confidence, r.horizon_days), (0.95, 10));
        assert_eq!(r.methods, vec![RiskMethod::MonteCarlo]);
        assert_eq!((r.scenarios, r.seed), (1_000_000, 7));
        let Action::RiskReport(r) =
            one("expected shortfall of nasdaq and wti, historical and student-t")
        else {
            panic!()
        };
        assert_eq!(r.weights, Some(vec![0.5, 0.5]), "equal weights by default");
        assert_eq!(
            r.methods,
            vec![RiskMethod::Historical, RiskMethod::StudentT]
        );
    }

    #[test]
    fn risk_refusals() {
        assert_eq!(
            refused("risk report on sp500 at 50%"),
            (
                "risk_report".into(),
                "confidence".into(),
                "action.out_of_range".into()
            )
        );
        assert_eq!(
            refused("risk report on sp500 with a 60-day horizon").1,
            "horizon_days"
        );
        assert_eq!(
            refused("risk report on sp500 and nasdaq weighted 70/40").1,
            "weights"
        );
        assert_eq!(
            refused("VaR of sp500 by monte carlo with 5,000,000 scenarios").1,
            "scenarios"
        );
        assert_eq!(refused("risk report on bitcoin").1, "assets");
    }

    #[test]
    fn backtest_requests() {
        let Action::Backtest(b) =
            one("backtest a 50/200 moving average crossover on sp500 with 5 bps costs")
        else {
            panic!()
        };
        assert_eq!(b.symbol, "sp500");
        assert_eq!(b.rule, RuleChoice::MaCrossover);
        assert_eq!((b.fast, b.slow, b.cost_bps), (Some(50), Some(200), 5.0));
        assert_eq!(b.direction, DirectionChoice::LongOnly);
        let Action::Backtest(b) = one(
            "backtest a 14-day RSI 30/70 on nasdaq long-short with 2 bps slippage and 1 bp costs from 2010 to 2015",
        ) else {
            panic!()
        };
        assert_eq!(b.rule, RuleChoice::Rsi);
        assert_eq!(
            (b.period, b.lower, b.upper),
            (Some(14), Some(30.0), Some(70.0))
        );
        assert_eq!(b.direction, DirectionChoice::LongShort);
        assert_eq!((b.slippage_bps, b.cost_bps), (2.0, 1.0));
        assert_eq!(
            (b.from.as_deref(), b.to.as_deref()),
            (Some("2010-01-01"), Some("2015-12-31"))
        );
        let Action::Backtest(b) = one("test 12-month momentum on wti with a 10% volatility target")
        else {
            panic!()
        };
        assert_eq!((b.rule, b.lookback), (RuleChoice::Momentum, Some(252)));
        assert_eq!(
            (b.sizing, b.target_volatility),
            (SizingChoice::VolatilityTarget, Some(0.1))
        );
        let Action::Backtest(b) =
            one("backtest 20-day bollinger bands with 2.5 standard deviations on nasdaq")
        else {
            panic!()
        };
        assert_eq!(
            (b.rule, b.period, b.k),
            (RuleChoice::Bollinger, Some(20), Some(2.5))
        );
    }

    #[test]
    fn backtest_refusals_and_lab_runs_stay_lab_runs() {
        assert_eq!(
            refused("backtest a 200/50 moving average crossover on sp500"),
            (
                "backtest".into(),
                "slow".into(),
                "action.out_of_range".into()
            )
        );
        assert_eq!(refused("backtest sp500").1, "rule");
        assert_eq!(refused("backtest a momentum rule").1, "symbol");
        assert_eq!(
            refused("backtest rsi on sp500 with 5000 bps costs").1,
            "cost_bps"
        );
        assert_eq!(
            one("backtest a random forest on sp500").tool_name(),
            "run_lab"
        );
    }
}
