//! Validation of the finance actions (`optimise_portfolio`, `risk_report`,
//! `backtest`): every asset through the gateway's data check (as `run_lab`'s
//! data request), bundled ids against the catalog, distinct assets, and
//! every number in its range; the first problem is a [`Refusal`] naming
//! the field.
//!
//! Pure: it runs nothing and stores nothing.

use super::finance::{
    Backtest, OptimisePortfolio, PortfolioMethod, ReturnsChoice, RiskMethod, RiskReport,
    RuleChoice, SizingChoice, BOUND_RANGE_SHORTS, CONFIDENCE, EPISODES_MAX, HALF_LIFE,
    PORTFOLIO_ASSETS, RISK_ASSETS_MAX, RISK_FREE, RISK_HORIZON_DAYS, SCENARIOS,
    WEIGHT_SUM_TOLERANCE,
};
use super::schema_check::cut;
use super::validate::{check_bound, data_field, refuse, INVALID_INPUT, OUT_OF_RANGE};
use super::{ActionContext, CovarianceChoice, Refusal};
use crate::api::DataRequest;
use crate::backtest::BacktestError;
use crate::compliance::{check_data_request, Verdict};
use crate::data::bundled;

/// Rule id for finance actions on a source they do not run on.
pub(crate) const FINANCE_SOURCE: &str = "action.finance_source";
/// Rule id for a fetched source asked for without the dates it needs.
pub(crate) const SOURCE_DATES: &str = "action.source_dates";
/// The sources the finance actions run on: bundled datasets, the user's
/// uploads, and series fetched from the approved providers (Polygon
/// stocks, FRED series) through the server's gateway.
pub(crate) const FINANCE_SOURCES: [&str; 4] = ["bundled", "user_upload", "polygon", "fred"];
/// Rule id for a bundled dataset id that is not in the catalog.
pub(crate) const UNKNOWN_ASSET: &str = "action.unknown_asset";
/// Rule id for an asset named twice.
pub(crate) const DUPLICATE_ASSET: &str = "action.duplicate_asset";
/// Rule id for a parameter given to a method or rule that does not use it.
pub(crate) const UNUSED_FIELD: &str = "action.unused_field";

/// Refuses a number outside `lo..=hi` (or not finite).
fn in_range(tool: &str, field: &str, value: f64, lo: f64, hi: f64) -> Result<(), Refusal> {
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(refuse(
            tool,
            field,
            OUT_OF_RANGE,
            format!("{field} = {value} is outside the allowed range {lo} to {hi}"),
        ))
    }
}

/// Refuses `field` when it is given but `used` is false.
fn unused(tool: &str, field: &str, given: bool, used: bool, why: &str) -> Result<(), Refusal> {
    if given && !used {
        Err(refuse(
            tool,
            field,
            UNUSED_FIELD,
            format!("{field} is not used here: {why}; leave it out"),
        ))
    } else {
        Ok(())
    }
}

/// Checks one gateway request: the source first (unapproved sources are
/// refused by the rules, approved ones the finance actions do not run on
/// by [`FINANCE_SOURCE`]), then the compliance data check, then the dates
/// a Polygon fetch needs, then the bundled catalog. Symbol problems are
/// reported on `symbol_field`.
fn check_request(
    ctx: &ActionContext,
    tool: &str,
    symbol_field: &str,
    request: &DataRequest,
) -> Result<Verdict, Refusal> {
    check_source(ctx, tool, &request.source)?;
    let verdict = check_data_request(ctx.rules, request, ctx.today);
    if !verdict.allowed {
        let field = match data_field(&verdict) {
            "symbol" => symbol_field,
            other => other,
        };
        return Err(refuse(tool, field, &verdict.rule_id, verdict.reason));
    }
    if request.source == "polygon" {
        for (field, date) in [("from", &request.from), ("to", &request.to)] {
            if date.is_none() {
                return Err(refuse(
                    tool,
                    field,
                    SOURCE_DATES,
                    format!(
                        "polygon series are fetched over a date range: give both from and \
                         to (YYYY-MM-DD); {field} is missing"
                    ),
                ));
            }
        }
    }
    if request.source == "bundled" && bundled::info(&request.symbol).is_err() {
        let ids: Vec<&str> = bundled::catalog().iter().map(|d| d.id).collect();
        return Err(refuse(
            tool,
            symbol_field,
            UNKNOWN_ASSET,
            format!(
                "\"{}\" is not a bundled dataset; the datasets are {}",
                cut(&request.symbol),
                ids.join(", ")
            ),
        ));
    }
    Ok(verdict)
}

/// Refuses a source the rules do not approve (by their rule), then an
/// approved one the finance actions do not run on ([`FINANCE_SOURCE`]).
fn check_source(ctx: &ActionContext, tool: &str, source: &str) -> Result<(), Refusal> {
    let probe = DataRequest {
        source: source.to_string(),
        symbol: String::new(),
        from: None,
        to: None,
        timespan: None,
        multiplier: None,
    };
    let verdict = check_data_request(ctx.rules, &probe, ctx.today);
    if !verdict.allowed && verdict.rule_id == "source.approved" {
        return Err(refuse(tool, "source", &verdict.rule_id, verdict.reason));
    }
    if !FINANCE_SOURCES.contains(&source) {
        return Err(refuse(
            tool,
            "source",
            FINANCE_SOURCE,
            format!(
                "{tool} runs on the sources {}, not \"{}\"",
                FINANCE_SOURCES.join(", "),
                cut(source)
            ),
        ));
    }
    Ok(())
}

/// Checks a list of assets: the source, the count, distinct, each through
/// [`check_request`].
fn check_assets(
    ctx: &ActionContext,
    tool: &str,
    source: &str,
    requests: &[DataRequest],
    (min, max): (usize, usize),
) -> Result<Verdict, Refusal> {
    check_source(ctx, tool, source)?;
    if !(min..=max).contains(&requests.len()) {
        let hint = if source == "bundled" {
            let ids: Vec<&str> = bundled::catalog().iter().map(|d| d.id).collect();
            format!("; the bundled datasets are {}", ids.join(", "))
        } else {
            String::new()
        };
        return Err(refuse(
            tool,
            "assets",
            OUT_OF_RANGE,
            format!(
                "{} asset(s) given; {tool} takes {min} to {max} distinct assets{hint}",
                requests.len()
            ),
        ));
    }
    for (i, request) in requests.iter().enumerate() {
        if requests[..i].iter().any(|r| r.symbol == request.symbol) {
            return Err(refuse(
                tool,
                "assets",
                DUPLICATE_ASSET,
                format!(
                    "\"{}\" appears twice: give each asset once",
                    cut(&request.symbol)
                ),
            ));
        }
    }
    let mut verdict = None;
    for request in requests {
        verdict = Some(check_request(ctx, tool, "assets", request)?);
    }
    verdict.ok_or_else(|| refuse(tool, "assets", OUT_OF_RANGE, "no assets given".into()))
}

/// Validates an `optimise_portfolio` action.
pub(crate) fn validate_portfolio(
    ctx: &ActionContext,
    p: &OptimisePortfolio,
) -> Result<Verdict, Refusal> {
    const TOOL: &str = "optimise_portfolio";
    let requests = p.data_requests();
    let assets = &requests[..p.assets.len().min(requests.len())];
    let verdict = check_assets(ctx, TOOL, &p.source, assets, PORTFOLIO_ASSETS)?;
    let method = p.method;
    let targeted = matches!(
        method,
        PortfolioMethod::TargetReturn | PortfolioMethod::TargetRisk
    );
    match (targeted, p.target) {
        (true, None) => {
            return Err(refuse(
                TOOL,
                "target",
                INVALID_INPUT,
                format!(
                    "method {} needs target: an annual {} as a decimal (0.08 = 8%)",
                    method.label().to_lowercase(),
                    if method == PortfolioMethod::TargetReturn {
                        "return"
                    } else {
                        "volatility"
                    }
                ),
            ))
        }
        (true, Some(target)) if method == PortfolioMethod::TargetReturn => {
            in_range(TOOL, "target", target, -0.5, 2.0)?
        }
        (true, Some(target)) => {
            in_range(TOOL, "target", target, 0.001, 2.0)?;
        }
        (false, given) => unused(
            TOOL,
            "target",
            given.is_some(),
            false,
            "only target_return and target_risk take a target",
        )?,
    }
    in_range(TOOL, "risk_free", p.risk_free, RISK_FREE.0, RISK_FREE.1)?;
    let ewma = p.covariance == CovarianceChoice::Ewma || p.expected_returns == ReturnsChoice::Ewma;
    unused(
        TOOL,
        "half_life",
        p.half_life.is_some(),
        ewma,
        "only the ewma estimators take a half-life",
    )?;
    if let Some(half_life) = p.half_life {
        in_range(TOOL, "half_life", half_life, HALF_LIFE.0, HALF_LIFE.1)?;
    }
    let capm = p.expected_returns == ReturnsChoice::Capm;
    unused(
        TOOL,
        "market",
        p.market.is_some(),
        capm,
        "only capm expected returns take a market asset",
    )?;
    match (&p.market, capm) {
        (None, true) => {
            return Err(refuse(
                TOOL,
                "market",
                INVALID_INPUT,
                "capm expected returns need market: the market asset, e.g. sp500".into(),
            ))
        }
        (Some(_), true) => {
            if let Some(request) = requests.get(p.assets.len()) {
                check_request(ctx, TOOL, "market", request)?;
            }
        }
        _ => {}
    }
    unused(
        TOOL,
        "confidence",
        p.confidence.is_some(),
        method == PortfolioMethod::MinCvar,
        "only min_cvar takes a confidence",
    )?;
    if let Some(confidence) = p.confidence {
        in_range(TOOL, "confidence", confidence, CONFIDENCE.0, CONFIDENCE.1)?;
    }
    let parity = matches!(method, PortfolioMethod::RiskParity | PortfolioMethod::Hrp);
    if parity && !p.long_only {
        return Err(refuse(
            TOOL,
            "long_only",
            INVALID_INPUT,
            format!(
                "{} portfolios are long-only; set long_only to true",
                method.label().to_lowercase()
            ),
        ));
    }
    unused(
        TOOL,
        "max_weight",
        p.max_weight.is_some(),
        !parity,
        "risk parity and HRP take no weight limits",
    )?;
    unused(
        TOOL,
        "bounds",
        !p.bounds.is_empty(),
        !parity,
        "risk parity and HRP take no weight limits (their weights follow from the risks alone)",
    )?;
    if let Some(cap) = p.max_weight {
        in_range(TOOL, "max_weight", cap, 1e-6, 1.0)?;
        let n = p.assets.len() as f64;
        if p.bounds.is_empty() && cap * n < 1.0 - 1e-9 {
            return Err(refuse(
                TOOL,
                "max_weight",
                OUT_OF_RANGE,
                format!(
                    "max_weight {cap} is too small for {n} assets: the weights must sum to 1, \
                     so it must be at least 1/{n} = {:.4}",
                    1.0 / n
                ),
            ));
        }
    }
    if !p.bounds.is_empty() {
        check_bounds(p)?;
    }
    Ok(verdict)
}

/// Checks `optimise_portfolio`'s per-asset bounds: each names one of the
/// assets once, gives `min` or `max` inside the allowed range (0 to 1
/// long-only, [`BOUND_RANGE_SHORTS`] with shorts), the effective `min` is
/// not above the effective `max`, and some portfolio meets them, the
/// budget and the leverage limit.
fn check_bounds(p: &OptimisePortfolio) -> Result<(), Refusal> {
    const TOOL: &str = "optimise_portfolio";
    let bad = |rule: &str, reason: String| Err(refuse(TOOL, "bounds", rule, reason));
    let (lo, hi, why) = if p.long_only {
        (0.0, 1.0, "long-only")
    } else {
        (BOUND_RANGE_SHORTS.0, BOUND_RANGE_SHORTS.1, "with shorts")
    };
    for (k, bound) in p.bounds.iter().enumerate() {
        let asset = cut(&bound.asset);
        if !p.assets.contains(&bound.asset) {
            return bad(
                INVALID_INPUT,
                format!(
                    "\"{asset}\" is not one of the assets ({}); bound only those",
                    p.assets.join(", ")
                ),
            );
        }
        if p.bounds[..k].iter().any(|b| b.asset == bound.asset) {
            return bad(
                DUPLICATE_ASSET,
                format!("\"{asset}\" has two bounds: give each asset one"),
            );
        }
        if bound.min.is_none() && bound.max.is_none() {
            return bad(
                INVALID_INPUT,
                format!("the bound for {asset} gives neither min nor max"),
            );
        }
        for (name, value) in [("min", bound.min), ("max", bound.max)] {
            match value {
                Some(v) if !(v.is_finite() && (lo..=hi).contains(&v)) => {
                    return bad(
                        OUT_OF_RANGE,
                        format!(
                            "{asset}: {name} = {v} is outside the allowed range {lo} to {hi} \
                             ({why}; weights as decimals, 0.1 = 10%)"
                        ),
                    )
                }
                _ => {}
            }
        }
    }
    let constraints = p.constraints();
    let n = p.assets.len();
    let (lower, upper) = (
        constraints.lower.clone().unwrap_or_default(),
        constraints.upper.clone().unwrap_or_default(),
    );
    for i in 0..n {
        let (min, max) = (
            lower.get(i).copied().unwrap_or(f64::NEG_INFINITY),
            upper.get(i).copied().unwrap_or(f64::INFINITY),
        );
        if min > max {
            return bad(
                OUT_OF_RANGE,
                format!(
                    "{}: min {min} is above max {max} (max_weight is the default max)",
                    cut(&p.assets[i])
                ),
            );
        }
    }
    constraints.bounds(n).map(|_| ()).or_else(|error| {
        bad(
            OUT_OF_RANGE,
            format!("no portfolio meets these bounds: {error}"),
        )
    })
}

/// Validates a `risk_report` action.
pub(crate) fn validate_risk(ctx: &ActionContext, r: &RiskReport) -> Result<Verdict, Refusal> {
    const TOOL: &str = "risk_report";
    let verdict = check_assets(
        ctx,
        TOOL,
        &r.source,
        &r.data_requests(),
        (1, RISK_ASSETS_MAX),
    )?;
    match &r.weights {
        None if r.assets.len() > 1 => {
            return Err(refuse(
                TOOL,
                "weights",
                INVALID_INPUT,
                format!(
                    "a portfolio of {} assets needs weights, one per asset, summing to 1",
                    r.assets.len()
                ),
            ))
        }
        None => {}
        Some(weights) => {
            if weights.len() != r.assets.len() {
                return Err(refuse(
                    TOOL,
                    "weights",
                    INVALID_INPUT,
                    format!(
                        "{} weights for {} assets: give one weight per asset",
                        weights.len(),
                        r.assets.len()
                    ),
                ));
            }
            for w in weights {
                in_range(TOOL, "weights", *w, -2.0, 2.0)?;
            }
            let sum: f64 = weights.iter().sum();
            if (sum - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
                return Err(refuse(
                    TOOL,
                    "weights",
                    OUT_OF_RANGE,
                    format!("the weights sum to {sum}; they must sum to 1"),
                ));
            }
        }
    }
    in_range(TOOL, "confidence", r.confidence, CONFIDENCE.0, CONFIDENCE.1)?;
    in_range(
        TOOL,
        "horizon_days",
        f64::from(r.horizon_days),
        f64::from(RISK_HORIZON_DAYS.0),
        f64::from(RISK_HORIZON_DAYS.1),
    )?;
    if r.methods.is_empty() {
        return Err(refuse(
            TOOL,
            "methods",
            INVALID_INPUT,
            "give at least one method: historical, normal, student_t or monte_carlo".into(),
        ));
    }
    if let Some(i) = (1..r.methods.len()).find(|&i| r.methods[..i].contains(&r.methods[i])) {
        return Err(refuse(
            TOOL,
            "methods",
            INVALID_INPUT,
            format!("method {:?} appears twice", r.methods[i]).to_lowercase(),
        ));
    }
    if r.methods.contains(&RiskMethod::MonteCarlo) {
        in_range(
            TOOL,
            "scenarios",
            f64::from(r.scenarios),
            f64::from(SCENARIOS.0),
            f64::from(SCENARIOS.1),
        )?;
    }
    check_episodes(r)?;
    Ok(verdict)
}

/// Checks `risk_report`'s user-picked episodes: at most [`EPISODES_MAX`],
/// dates that parse, `from` before `to`, and inside the report's own
/// `from`..`to` when those are given. Whether the data cover an episode is
/// known only once the series are fetched: the replay says so then.
fn check_episodes(r: &RiskReport) -> Result<(), Refusal> {
    const TOOL: &str = "risk_report";
    if r.episodes.len() > EPISODES_MAX {
        return Err(refuse(
            TOOL,
            "episodes",
            OUT_OF_RANGE,
            format!(
                "{} episodes given; at most {EPISODES_MAX}",
                r.episodes.len()
            ),
        ));
    }
    let span = |text: &Option<String>| {
        text.as_deref()
            .and_then(|t| crate::calendar::Date::parse(t.trim()).ok())
    };
    let (first, last) = (span(&r.from), span(&r.to));
    for (i, choice) in r.episodes.iter().enumerate() {
        let named = choice.name.as_deref().is_some_and(|n| !n.trim().is_empty());
        let dated = !choice.from.trim().is_empty() && !choice.to.trim().is_empty();
        let label = if named || dated {
            format!(" ({})", cut(&choice.label()))
        } else {
            String::new()
        };
        let episode = choice.episode().map_err(|(field, why)| {
            refuse(
                TOOL,
                "episodes",
                INVALID_INPUT,
                format!("episode {}{label}: {field} {why}", i + 1),
            )
        })?;
        let outside =
            first.is_some_and(|f| episode.to < f) || last.is_some_and(|l| episode.from > l);
        if outside {
            return Err(refuse(
                TOOL,
                "episodes",
                OUT_OF_RANGE,
                format!(
                    "episode {}{label} lies outside the report's dates {} to {}",
                    i + 1,
                    r.from.as_deref().unwrap_or("the first"),
                    r.to.as_deref().unwrap_or("the last")
                ),
            ));
        }
    }
    Ok(())
}

/// The action's field for a library parameter name.
fn backtest_field(library_field: &str, sizing: SizingChoice) -> &str {
    match (library_field, sizing) {
        ("target", _) => "target_volatility",
        ("lookback", SizingChoice::VolatilityTarget) => "vol_lookback",
        (other, _) => other,
    }
}

/// Validates a `backtest` action.
pub(crate) fn validate_backtest(ctx: &ActionContext, b: &Backtest) -> Result<Verdict, Refusal> {
    const TOOL: &str = "backtest";
    let verdict = check_request(ctx, TOOL, "symbol", &b.data_request())?;
    let rule = b.rule;
    let ma = rule == RuleChoice::MaCrossover;
    let rsi = rule == RuleChoice::Rsi;
    let bands = rule == RuleChoice::Bollinger;
    let why = "it belongs to another rule";
    unused(TOOL, "fast", b.fast.is_some(), ma, why)?;
    unused(TOOL, "slow", b.slow.is_some(), ma, why)?;
    unused(TOOL, "period", b.period.is_some(), rsi || bands, why)?;
    unused(TOOL, "lower", b.lower.is_some(), rsi, why)?;
    unused(TOOL, "upper", b.upper.is_some(), rsi, why)?;
    unused(TOOL, "k", b.k.is_some(), bands, why)?;
    unused(
        TOOL,
        "lookback",
        b.lookback.is_some(),
        rule == RuleChoice::Momentum,
        why,
    )?;
    let why = "it belongs to another sizing";
    unused(
        TOOL,
        "fraction",
        b.fraction.is_some(),
        b.sizing == SizingChoice::FixedFraction,
        why,
    )?;
    let targeting = b.sizing == SizingChoice::VolatilityTarget;
    unused(
        TOOL,
        "target_volatility",
        b.target_volatility.is_some(),
        targeting,
        why,
    )?;
    unused(
        TOOL,
        "vol_lookback",
        b.vol_lookback.is_some(),
        targeting,
        why,
    )?;
    match b.sizing {
        SizingChoice::FixedFraction if b.fraction.is_none() => {
            return Err(refuse(
                TOOL,
                "fraction",
                INVALID_INPUT,
                "fixed_fraction sizing needs fraction, in (0, 1]".into(),
            ))
        }
        SizingChoice::VolatilityTarget if b.target_volatility.is_none() => {
            return Err(refuse(
                TOOL,
                "target_volatility",
                INVALID_INPUT,
                "volatility_target sizing needs target_volatility, e.g. 0.1 for 10%".into(),
            ))
        }
        _ => {}
    }
    let library = |error: BacktestError| match error {
        BacktestError::Invalid { field, reason } => {
            let field = backtest_field(field, b.sizing);
            refuse(TOOL, field, OUT_OF_RANGE, format!("{field} {reason}"))
        }
        other => refuse(TOOL, "", OUT_OF_RANGE, other.to_string()),
    };
    b.trading_rule().validate().map_err(library)?;
    b.position_sizing().validate().map_err(library)?;
    check_bound(ctx, TOOL, "cost_bps", b.cost_bps)?;
    in_range(
        TOOL,
        "cost_bps",
        b.cost_bps,
        crate::backtest::report::COST_BPS.0,
        crate::backtest::report::COST_BPS.1,
    )?;
    in_range(
        TOOL,
        "slippage_bps",
        b.slippage_bps,
        crate::backtest::report::COST_BPS.0,
        crate::backtest::report::COST_BPS.1,
    )?;
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::{validate, Action};
    use crate::compliance::Rules;
    use crate::pricing::dates::Date;
    use serde_json::{json, Value};

    /// The (field, rule) of the refusal of `input` as action `tool`.
    fn refused(tool: &str, mut input: Value) -> (String, String) {
        input["action"] = json!(tool);
        let action: Action = serde_json::from_value(input).unwrap();
        let rules = Rules::default_rules();
        let ctx = ActionContext {
            rules: &rules,
            today: Date::parse("2026-11-23").unwrap(),
        };
        let refusal = validate(&ctx, &action).unwrap_err();
        assert_eq!(refusal.tool, tool);
        assert!(!refusal.reason.is_empty());
        (refusal.field, refusal.rule_id)
    }

    fn accepted(tool: &str, mut input: Value) -> bool {
        input["action"] = json!(tool);
        let action: Action = serde_json::from_value(input).unwrap();
        let rules = Rules::default_rules();
        let ctx = ActionContext {
            rules: &rules,
            today: Date::parse("2026-11-23").unwrap(),
        };
        validate(&ctx, &action).is_ok_and(|v| v.allowed)
    }

    fn pair(field: &str, rule: &str) -> (String, String) {
        (field.to_string(), rule.to_string())
    }

    #[test]
    fn good_finance_actions_pass() {
        assert!(accepted(
            "optimise_portfolio",
            json!({"assets": ["sp500", "nasdaq", "wti"], "method": "max_sharpe",
                "covariance": "ewma", "half_life": 120, "max_weight": 0.5, "risk_free": 0.02})
        ));
        assert!(accepted(
            "optimise_portfolio",
            json!({"source": "user_upload", "assets": ["12", "13"], "method": "min_cvar",
                "confidence": 0.975, "from": "2015-01-01"})
        ));
        assert!(accepted(
            "risk_report",
            json!({"assets": ["sp500", "nasdaq"], "weights": [0.6, 0.4], "confidence": 0.95,
                "horizon_days": 10, "methods": ["monte_carlo"], "scenarios": 1000000, "seed": 7})
        ));
        assert!(accepted(
            "backtest",
            json!({"symbol": "nasdaq", "rule": "rsi", "period": 10, "lower": 25, "upper": 75,
                "direction": "long_short", "sizing": "fixed_fraction", "fraction": 0.5})
        ));
    }

    #[test]
    fn portfolio_refusals_name_the_field() {
        let p = |extra: Value| {
            let mut base = json!({"assets": ["sp500", "nasdaq"], "method": "min_variance"});
            for (k, v) in extra.as_object().unwrap() {
                base[k] = v.clone();
            }
            refused("optimise_portfolio", base)
        };
        assert_eq!(
            p(json!({"assets": ["sp500"]})),
            pair("assets", OUT_OF_RANGE)
        );
        assert_eq!(
            p(json!({"assets": ["sp500", "sp500"]})),
            pair("assets", DUPLICATE_ASSET)
        );
        assert_eq!(
            p(json!({"assets": ["sp500", "bitcoin"]})),
            pair("assets", UNKNOWN_ASSET)
        );
        assert_eq!(
            p(json!({"assets": ["sp500", "AAPL"]})),
            pair("assets", "symbol.format")
        );
        assert_eq!(
            p(json!({"assets": ["sp500", "synthetic_prices"]})),
            pair("assets", "data.no_synthetic")
        );
        assert_eq!(
            p(json!({"source": "yahoo"})),
            pair("source", "source.approved")
        );
        assert_eq!(
            p(json!({"source": "polygon", "assets": ["AAPL", "MSFT"], "from": "2024-01-02"})),
            pair("to", SOURCE_DATES)
        );
        assert_eq!(
            p(json!({"from": "1800-01-01"})),
            pair("from", "date.bounds")
        );
        assert_eq!(
            p(json!({"method": "target_return"})),
            pair("target", INVALID_INPUT)
        );
        assert_eq!(
            p(json!({"method": "target_risk", "target": -0.1})),
            pair("target", OUT_OF_RANGE)
        );
        assert_eq!(p(json!({"target": 0.1})), pair("target", UNUSED_FIELD));
        assert_eq!(
            p(json!({"risk_free": 3.0})),
            pair("risk_free", OUT_OF_RANGE)
        );
        assert_eq!(
            p(json!({"max_weight": 0.3})),
            pair("max_weight", OUT_OF_RANGE)
        );
        assert_eq!(
            p(json!({"max_weight": 1.5})),
            pair("max_weight", OUT_OF_RANGE)
        );
        assert_eq!(
            p(json!({"method": "hrp", "long_only": false})),
            pair("long_only", INVALID_INPUT)
        );
        assert_eq!(
            p(json!({"expected_returns": "capm"})),
            pair("market", INVALID_INPUT)
        );
        assert_eq!(
            p(json!({"expected_returns": "capm", "market": "bitcoin"})),
            pair("market", UNKNOWN_ASSET)
        );
        assert_eq!(p(json!({"market": "sp500"})), pair("market", UNUSED_FIELD));
        assert_eq!(
            p(json!({"covariance": "ewma", "half_life": 1.0})),
            pair("half_life", OUT_OF_RANGE)
        );
        assert_eq!(
            p(json!({"method": "min_cvar", "confidence": 0.5})),
            pair("confidence", OUT_OF_RANGE)
        );
        let many: Vec<String> = (0..21).map(|i| format!("a{i}")).collect();
        assert_eq!(p(json!({"assets": many})), pair("assets", OUT_OF_RANGE));
    }

    /// The refusal's (field, rule, reason) for these bounds on sp500,
    /// nasdaq and wti (min variance; `extra` overrides).
    fn bounds_refusal(bounds: Value, extra: Value) -> (String, String, String) {
        let mut input = json!({"action": "optimise_portfolio",
            "assets": ["sp500", "nasdaq", "wti"], "method": "min_variance", "bounds": bounds});
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        let action: Action = serde_json::from_value(input).unwrap();
        let rules = Rules::default_rules();
        let ctx = ActionContext {
            rules: &rules,
            today: Date::parse("2026-11-23").unwrap(),
        };
        let refusal = validate(&ctx, &action).unwrap_err();
        (refusal.field, refusal.rule_id, refusal.reason)
    }

    #[test]
    fn bounds_are_checked_before_anything_runs() {
        let good = json!({"assets": ["sp500", "nasdaq", "wti"], "method": "max_sharpe",
            "bounds": [{"asset": "wti", "max": 0.1}, {"asset": "sp500", "min": 0.2, "max": 0.6}]});
        assert!(accepted("optimise_portfolio", good));
        assert!(accepted(
            "optimise_portfolio",
            json!({"assets": ["sp500", "nasdaq"], "method": "min_cvar", "long_only": false,
                "bounds": [{"asset": "nasdaq", "min": -0.5, "max": 1.5}]})
        ));
        let none = json!({});
        let (field, rule, reason) =
            bounds_refusal(json!([{"asset": "gold", "max": 0.5}]), none.clone());
        assert_eq!((field.as_str(), rule.as_str()), ("bounds", INVALID_INPUT));
        assert!(
            reason.contains("\"gold\" is not one of the assets (sp500, nasdaq, wti)"),
            "{reason}"
        );
        let (_, rule, reason) = bounds_refusal(
            json!([{"asset": "wti", "max": 0.5}, {"asset": "wti", "min": 0.1}]),
            none.clone(),
        );
        assert_eq!(rule, DUPLICATE_ASSET, "{reason}");
        let (_, rule, reason) = bounds_refusal(json!([{"asset": "wti"}]), none.clone());
        assert_eq!(rule, INVALID_INPUT, "{reason}");
        let (_, rule, reason) =
            bounds_refusal(json!([{"asset": "wti", "min": -0.1}]), none.clone());
        assert_eq!(rule, OUT_OF_RANGE);
        assert!(
            reason.contains("wti: min = -0.1 is outside the allowed range 0 to 1 (long-only"),
            "{reason}"
        );
        let (_, _, reason) = bounds_refusal(
            json!([{"asset": "wti", "max": 2.5}]),
            json!({"long_only": false}),
        );
        assert!(
            reason.contains("wti: max = 2.5 is outside the allowed range -2 to 2 (with shorts"),
            "{reason}"
        );
        let (_, rule, reason) = bounds_refusal(
            json!([{"asset": "sp500", "min": 0.6, "max": 0.4}]),
            none.clone(),
        );
        assert_eq!(rule, OUT_OF_RANGE);
        assert!(
            reason.contains("sp500: min 0.6 is above max 0.4"),
            "{reason}"
        );
        // The default max is max_weight.
        let (_, _, reason) = bounds_refusal(
            json!([{"asset": "sp500", "min": 0.6}]),
            json!({"max_weight": 0.5}),
        );
        assert!(
            reason.contains("sp500: min 0.6 is above max 0.5"),
            "{reason}"
        );
        // Infeasible sums.
        let (_, rule, reason) = bounds_refusal(
            json!([{"asset": "sp500", "min": 0.5}, {"asset": "nasdaq", "min": 0.6}]),
            none.clone(),
        );
        assert_eq!(rule, OUT_OF_RANGE);
        assert!(reason.contains("lower bounds sum to 1.1"), "{reason}");
        let (_, _, reason) = bounds_refusal(
            json!([{"asset": "sp500", "max": 0.2}, {"asset": "nasdaq", "max": 0.2},
                {"asset": "wti", "max": 0.2}]),
            none.clone(),
        );
        assert!(reason.contains("upper bounds sum to 0.6"), "{reason}");
        // Bounds that force more gross leverage than shorts allow.
        let (_, _, reason) = bounds_refusal(
            json!([{"asset": "sp500", "min": 1.8}, {"asset": "nasdaq", "max": -0.9}]),
            json!({"long_only": false}),
        );
        assert!(reason.contains("gross leverage"), "{reason}");
        // Risk parity and HRP refuse bounds, as they refuse max_weight.
        let (field, rule, _) = bounds_refusal(
            json!([{"asset": "wti", "max": 0.5}]),
            json!({"method": "hrp"}),
        );
        assert_eq!((field.as_str(), rule.as_str()), ("bounds", UNUSED_FIELD));
        let (field, rule, _) = bounds_refusal(
            json!([{"asset": "wti", "max": 0.5}]),
            json!({"method": "risk_parity"}),
        );
        assert_eq!((field.as_str(), rule.as_str()), ("bounds", UNUSED_FIELD));
    }

    #[test]
    fn picked_episodes_are_checked() {
        let r = |episodes: Value, extra: Value| {
            let mut base = json!({"assets": ["sp500"], "episodes": episodes});
            for (k, v) in extra.as_object().unwrap() {
                base[k] = v.clone();
            }
            base
        };
        assert!(accepted(
            "risk_report",
            r(
                json!([{"name": "Flash crash", "from": "2010-05-01", "to": "2010-05-31"}]),
                json!({})
            )
        ));
        assert_eq!(
            refused(
                "risk_report",
                r(
                    json!([{"from": "2010-05-31", "to": "2010-05-01"}]),
                    json!({})
                )
            ),
            pair("episodes", INVALID_INPUT)
        );
        assert_eq!(
            refused(
                "risk_report",
                r(json!([{"from": "May 2010", "to": "2010-05-01"}]), json!({}))
            ),
            pair("episodes", INVALID_INPUT)
        );
        assert_eq!(
            refused(
                "risk_report",
                r(
                    json!([{"from": "2001-01-01", "to": "2001-02-01"}]),
                    json!({"from": "2005-01-01"})
                )
            ),
            pair("episodes", OUT_OF_RANGE)
        );
        let eleven: Vec<Value> = (0..11)
            .map(|i| json!({"from": format!("2010-01-{:02}", i + 1), "to": "2010-02-01"}))
            .collect();
        assert_eq!(
            refused("risk_report", r(json!(eleven), json!({}))),
            pair("episodes", OUT_OF_RANGE)
        );
    }

    #[test]
    fn risk_refusals_name_the_field() {
        let r = |extra: Value| {
            let mut base = json!({"assets": ["sp500"]});
            for (k, v) in extra.as_object().unwrap() {
                base[k] = v.clone();
            }
            refused("risk_report", base)
        };
        assert_eq!(
            r(json!({"assets": ["sp500", "nasdaq"]})),
            pair("weights", INVALID_INPUT)
        );
        assert_eq!(
            r(json!({"assets": ["sp500", "nasdaq"], "weights": [0.6, 0.6]})),
            pair("weights", OUT_OF_RANGE)
        );
        assert_eq!(
            r(json!({"assets": ["sp500", "nasdaq"], "weights": [1.0]})),
            pair("weights", INVALID_INPUT)
        );
        assert_eq!(
            r(json!({"confidence": 0.5})),
            pair("confidence", OUT_OF_RANGE)
        );
        assert_eq!(
            r(json!({"confidence": 0.9999})),
            pair("confidence", OUT_OF_RANGE)
        );
        assert_eq!(
            r(json!({"horizon_days": 31})),
            pair("horizon_days", OUT_OF_RANGE)
        );
        assert_eq!(
            r(json!({"horizon_days": 0})),
            pair("horizon_days", OUT_OF_RANGE)
        );
        assert_eq!(
            r(json!({"scenarios": 2000000})),
            pair("scenarios", OUT_OF_RANGE)
        );
        assert_eq!(r(json!({"methods": []})), pair("methods", INVALID_INPUT));
        assert_eq!(
            r(json!({"methods": ["normal", "normal"]})),
            pair("methods", INVALID_INPUT)
        );
        assert_eq!(
            r(json!({"assets": ["synthetic_vix"]})),
            pair("assets", "data.no_synthetic")
        );
        // Scenarios only matter with Monte Carlo.
        assert!(accepted(
            "risk_report",
            json!({"assets": ["sp500"], "methods": ["historical"], "scenarios": 5})
        ));
    }

    #[test]
    fn backtest_refusals_name_the_field() {
        let b = |extra: Value| {
            let mut base = json!({"symbol": "sp500", "rule": "ma_crossover"});
            for (k, v) in extra.as_object().unwrap() {
                base[k] = v.clone();
            }
            refused("backtest", base)
        };
        assert_eq!(
            b(json!({"fast": 200, "slow": 50})),
            pair("slow", OUT_OF_RANGE)
        );
        assert_eq!(b(json!({"fast": 0})), pair("fast", OUT_OF_RANGE));
        assert_eq!(b(json!({"period": 14})), pair("period", UNUSED_FIELD));
        assert_eq!(
            b(json!({"rule": "rsi", "lower": 80, "upper": 70})),
            pair("upper", OUT_OF_RANGE)
        );
        assert_eq!(
            b(json!({"rule": "bollinger", "k": 0})),
            pair("k", OUT_OF_RANGE)
        );
        assert_eq!(
            b(json!({"rule": "momentum", "lookback": 5000})),
            pair("lookback", OUT_OF_RANGE)
        );
        assert_eq!(
            b(json!({"sizing": "fixed_fraction"})),
            pair("fraction", INVALID_INPUT)
        );
        assert_eq!(
            b(json!({"sizing": "fixed_fraction", "fraction": 1.5})),
            pair("fraction", OUT_OF_RANGE)
        );
        assert_eq!(
            b(json!({"sizing": "volatility_target", "target_volatility": 0.1, "vol_lookback": 1})),
            pair("vol_lookback", OUT_OF_RANGE)
        );
        assert_eq!(
            b(json!({"sizing": "volatility_target", "target_volatility": 3})),
            pair("target_volatility", OUT_OF_RANGE)
        );
        assert_eq!(b(json!({"fraction": 0.5})), pair("fraction", UNUSED_FIELD));
        assert_eq!(
            b(json!({"cost_bps": -1})),
            pair("cost_bps", "parameter.bounds")
        );
        assert_eq!(
            b(json!({"slippage_bps": 5000})),
            pair("slippage_bps", OUT_OF_RANGE)
        );
        assert_eq!(b(json!({"symbol": "gold"})), pair("symbol", UNKNOWN_ASSET));
        assert_eq!(
            b(json!({"source": "polygon", "symbol": "AAPL", "to": "2024-06-28"})),
            pair("from", SOURCE_DATES)
        );
        assert_eq!(
            b(json!({"source": "fred", "symbol": "dgs10"})),
            pair("symbol", "symbol.format")
        );
        assert_eq!(b(json!({"to": "2024-13-01"})), pair("to", "date.format"));
    }

    /// The action `input` parsed as `tool`.
    fn action(tool: &str, mut input: Value) -> Action {
        input["action"] = json!(tool);
        serde_json::from_value(input).unwrap()
    }

    #[test]
    fn fetched_sources_validate_and_request_their_series() {
        let portfolio = json!({"source": "polygon", "assets": ["AAPL", "BRK.B", "MSFT"],
            "method": "min_variance", "from": "2023-01-03", "to": "2024-06-28"});
        assert!(accepted("optimise_portfolio", portfolio.clone()));
        let Action::OptimisePortfolio(p) = action("optimise_portfolio", portfolio) else {
            panic!("not a portfolio action");
        };
        let requests = p.data_requests();
        let symbols: Vec<&str> = requests.iter().map(|r| r.symbol.as_str()).collect();
        assert_eq!(symbols, ["AAPL", "BRK.B", "MSFT"]);
        for r in &requests {
            assert_eq!(r.source, "polygon");
            assert_eq!(r.from.as_deref(), Some("2023-01-03"));
            assert_eq!(r.to.as_deref(), Some("2024-06-28"));
        }

        let risk = json!({"source": "fred", "assets": ["DGS10", "SP500"],
            "weights": [0.5, 0.5], "methods": ["historical"]});
        assert!(accepted("risk_report", risk.clone()));
        let Action::RiskReport(r) = action("risk_report", risk) else {
            panic!("not a risk action");
        };
        let requests = r.data_requests();
        assert_eq!(requests.len(), 2);
        assert!(requests
            .iter()
            .all(|q| q.source == "fred" && q.from.is_none()));
        assert_eq!(requests[1].symbol, "SP500");

        let backtest = json!({"source": "polygon", "symbol": "AAPL", "rule": "momentum",
            "from": "2020-01-02", "to": "2024-12-31"});
        assert!(accepted("backtest", backtest.clone()));
        let Action::Backtest(b) = action("backtest", backtest) else {
            panic!("not a backtest action");
        };
        let request = b.data_request();
        assert_eq!(
            (request.source.as_str(), request.symbol.as_str()),
            ("polygon", "AAPL")
        );
        assert_eq!(request.from.as_deref(), Some("2020-01-02"));
        assert_eq!(request.to.as_deref(), Some("2024-12-31"));
    }

    #[test]
    fn fetched_sources_keep_the_gateway_checks() {
        let p = |extra: Value| {
            let mut base = json!({"source": "polygon", "assets": ["AAPL", "MSFT"],
                "method": "min_variance", "from": "2023-01-03", "to": "2024-06-28"});
            for (k, v) in extra.as_object().unwrap() {
                base[k] = v.clone();
            }
            refused("optimise_portfolio", base)
        };
        assert_eq!(
            p(json!({"assets": ["AAPL", "aapl"]})),
            pair("assets", "symbol.format")
        );
        assert_eq!(
            p(json!({"assets": ["AAPL", "AAPL"]})),
            pair("assets", DUPLICATE_ASSET)
        );
        assert_eq!(p(json!({"to": "2027-01-04"})), pair("to", "date.bounds"));
        assert_eq!(p(json!({"from": "2024-07-01"})), pair("from", "date.order"));
        assert_eq!(p(json!({"to": null})), pair("to", SOURCE_DATES));
        // Polygon tickers are not bundled ids: no catalog check on them.
        assert!(!accepted(
            "optimise_portfolio",
            json!({"assets": ["AAPL", "MSFT"], "method": "min_variance"})
        ));
    }

    #[test]
    fn an_approved_source_the_finance_actions_do_not_know_is_refused() {
        let mut rules = Rules::default_rules();
        let mut extra = rules.source("fred").unwrap().clone();
        extra.name = "ecb".into();
        rules.approved_sources.push(extra);
        let ctx = ActionContext {
            rules: &rules,
            today: Date::parse("2026-11-23").unwrap(),
        };
        let b = action(
            "backtest",
            json!({"source": "ecb", "symbol": "EXR", "rule": "momentum"}),
        );
        let refusal = validate(&ctx, &b).unwrap_err();
        assert_eq!(
            (refusal.field.as_str(), refusal.rule_id.as_str()),
            ("source", FINANCE_SOURCE)
        );
        assert!(refusal.reason.contains("polygon"), "{}", refusal.reason);
    }
}
