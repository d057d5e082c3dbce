//! Validates a typed [`Action`] field by field against the model catalog,
//! the walk-forward and pricing ranges and the compliance rules. The first
//! problem found becomes a [`Refusal`] naming the field, the reason and the
//! rule; an action that passes gets the compliance verdict it passed under.
//!
//! Pure: it runs nothing and stores nothing.

use serde_json::Value;

use super::finance_check::{validate_backtest, validate_portfolio, validate_risk};
use super::models::{self, close_names};
use super::schema_check::cut;
use super::trial::validate_trial;
use super::{Action, ActionContext, FetchData, ModelScope, PriceOption, Refusal, RunLab, SetGoal};
use crate::compliance::{check_data_request, check_goal, Verdict};
use crate::models::ModelError;
use crate::pricing::inputs::Field;

/// Sources the lab runs on.
pub(crate) const LAB_SOURCES: [&str; 2] = ["bundled", "user_upload"];

/// Rule id for calls that do not fit the tool's input.
pub(crate) const INVALID_INPUT: &str = "action.invalid_input";
/// Rule id for names that are not in the catalog.
pub(crate) const UNKNOWN_MODEL: &str = "action.unknown_model";
/// Rule id for numbers outside their allowed range.
pub(crate) const OUT_OF_RANGE: &str = "action.out_of_range";
/// Rule id for lab runs on a source the lab does not run on.
pub(crate) const LAB_SOURCE: &str = "action.lab_source";
/// Rule id for a model or family with no entry for the target.
pub(crate) const TARGET_MISMATCH: &str = "action.target_mismatch";

/// A refusal of `tool`'s `field`.
pub(crate) fn refuse(tool: &str, field: &str, rule_id: &str, reason: String) -> Refusal {
    Refusal {
        tool: tool.to_string(),
        field: field.to_string(),
        reason,
        rule_id: rule_id.to_string(),
    }
}

/// The compliance parameter bound for a run_lab field, by the rules' name.
pub(crate) fn bound_name(field: &str) -> Option<&'static str> {
    match field {
        "horizon" => Some("horizon_days"),
        "train_rows" => Some("train_window"),
        "test_rows" => Some("test_window"),
        "gap" => Some("gap"),
        "cost_bps" => Some("cost_bps"),
        _ => None,
    }
}

/// Refuses `value` for `field` if it breaks the rules' parameter bound
/// (or is not finite).
pub(crate) fn check_bound(
    ctx: &ActionContext,
    tool: &str,
    field: &str,
    value: f64,
) -> Result<(), Refusal> {
    if !value.is_finite() {
        return Err(refuse(
            tool,
            field,
            OUT_OF_RANGE,
            format!("{field} is {value}; it must be a finite number"),
        ));
    }
    let Some(name) = bound_name(field) else {
        return Ok(());
    };
    match ctx.rules.parameter_bounds.iter().find(|b| b.name == name) {
        Some(bound) if !(bound.min..=bound.max).contains(&value) => Err(refuse(
            tool,
            field,
            "parameter.bounds",
            format!(
                "{field} = {value} is outside the allowed range {} to {} (rule bound {name})",
                bound.min, bound.max
            ),
        )),
        _ => Ok(()),
    }
}

/// Validates every field of `action`; the verdict is the compliance
/// verdict the action passed under (allowed).
pub fn validate(ctx: &ActionContext, action: &Action) -> Result<Verdict, Refusal> {
    let tool = action.tool_name();
    no_synthetic_anywhere(ctx, tool, action)?;
    match action {
        Action::FetchData(fetch) => validate_fetch(ctx, fetch),
        Action::RunLab(run) => validate_lab(ctx, run),
        Action::PriceOption(option) => validate_price(option),
        Action::SetGoal(goal) => validate_goal(ctx, goal),
        Action::OptimisePortfolio(portfolio) => validate_portfolio(ctx, portfolio),
        Action::RiskReport(report) => validate_risk(ctx, report),
        Action::Backtest(backtest) => validate_backtest(ctx, backtest),
        Action::RunTrial(trial) => validate_trial(ctx, trial),
    }
}

/// Refuses any string field holding a synthetic-data marker.
fn no_synthetic_anywhere(ctx: &ActionContext, tool: &str, action: &Action) -> Result<(), Refusal> {
    fn walk<'v>(value: &'v Value, field: &str, out: &mut Vec<(String, &'v str)>) {
        match value {
            Value::String(text) => out.push((field.to_string(), text)),
            Value::Array(items) => items.iter().for_each(|item| walk(item, field, out)),
            Value::Object(object) => object
                .iter()
                .filter(|(key, _)| key.as_str() != "action")
                .for_each(|(key, item)| walk(item, key, out)),
            _ => {}
        }
    }
    let value = serde_json::to_value(action).unwrap_or(Value::Null);
    let mut strings = Vec::new();
    walk(&value, "", &mut strings);
    for (field, text) in strings {
        if let Some(marker) = ctx.rules.synthetic_marker_in(text) {
            return Err(refuse(
                tool,
                &field,
                "data.no_synthetic",
                format!(
                    "{field} mentions \"{marker}\": only real data from approved sources may be \
                     used (Monte Carlo is allowed for pricing and risk, never as a dataset)"
                ),
            ));
        }
    }
    Ok(())
}

/// The field a data-request verdict is about.
pub(crate) fn data_field(verdict: &Verdict) -> &'static str {
    match verdict.rule_id.as_str() {
        "source.approved" => "source",
        "symbol.format" => "symbol",
        "timespan.allowed" | "span.intraday_limit" => "timespan",
        "multiplier.bounds" => "multiplier",
        _ if verdict.reason.starts_with("to") => "to",
        _ if verdict.reason.starts_with("from") => "from",
        "date.order" | "date.format" | "date.bounds" => "from",
        _ if verdict.reason.starts_with("symbol") => "symbol",
        _ => "source",
    }
}

fn verdict_refusal(tool: &str, field: &str, verdict: Verdict) -> Refusal {
    refuse(tool, field, &verdict.rule_id, verdict.reason)
}

fn validate_fetch(ctx: &ActionContext, fetch: &FetchData) -> Result<Verdict, Refusal> {
    let verdict = check_data_request(ctx.rules, &fetch.data_request(), ctx.today);
    if verdict.allowed {
        Ok(verdict)
    } else {
        let field = data_field(&verdict);
        Err(verdict_refusal("fetch_data", field, verdict))
    }
}

fn validate_lab(ctx: &ActionContext, run: &RunLab) -> Result<Verdict, Refusal> {
    const TOOL: &str = "run_lab";
    if !LAB_SOURCES.contains(&run.source.as_str()) {
        return Err(refuse(
            TOOL,
            "source",
            LAB_SOURCE,
            format!(
                "the lab runs on bundled datasets and uploads only (source \"bundled\" or \
                 \"user_upload\"), not \"{}\"; fetch other data with fetch_data first",
                cut(&run.source)
            ),
        ));
    }
    if !(1..=252).contains(&run.horizon) {
        check_bound(ctx, TOOL, "horizon", f64::from(run.horizon))?;
        return Err(refuse(
            TOOL,
            "horizon",
            OUT_OF_RANGE,
            format!("horizon {} is outside 1 to 252 rows", run.horizon),
        ));
    }
    check_bound(ctx, TOOL, "horizon", f64::from(run.horizon))?;
    let optional = [
        ("train_rows", run.train_rows.map(f64::from)),
        ("test_rows", run.test_rows.map(f64::from)),
        ("gap", run.gap.map(f64::from)),
        ("cost_bps", run.cost_bps),
    ];
    for (field, value) in optional {
        if let Some(value) = value {
            check_bound(ctx, TOOL, field, value)?;
        }
    }
    validate_scope(run)?;
    let config = run.walk_forward();
    config
        .validate_for_horizon(run.horizon as usize)
        .map_err(|error| match error {
            ModelError::Param { name, reason } => {
                refuse(TOOL, &name, OUT_OF_RANGE, format!("{name} {reason}"))
            }
            other => refuse(TOOL, "", OUT_OF_RANGE, other.to_string()),
        })?;
    let verdict = check_data_request(ctx.rules, &run.data_request(), ctx.today);
    if verdict.allowed {
        Ok(verdict)
    } else {
        let field = data_field(&verdict);
        Err(verdict_refusal(TOOL, field, verdict))
    }
}

fn validate_scope(run: &RunLab) -> Result<(), Refusal> {
    const TOOL: &str = "run_lab";
    let target = run.target;
    let name = run.name.as_deref();
    match (run.scope, name) {
        (ModelScope::Catalog, Some(name)) => Err(refuse(
            TOOL,
            "name",
            INVALID_INPUT,
            format!(
                "scope \"catalog\" runs every model; leave name out (got \"{}\")",
                cut(name)
            ),
        )),
        (ModelScope::Catalog, None) => Ok(()),
        (ModelScope::Model | ModelScope::Family, None) => Err(refuse(
            TOOL,
            "name",
            INVALID_INPUT,
            "scope \"model\" or \"family\" needs name: a catalog model or a family".to_string(),
        )),
        (ModelScope::Model, Some(name)) => {
            let Some(info) = models::find(name) else {
                let close = close_names(name);
                let hint = if close.is_empty() {
                    String::new()
                } else {
                    format!("; close names: {}", close.join(", "))
                };
                return Err(refuse(
                    TOOL,
                    "name",
                    UNKNOWN_MODEL,
                    format!("\"{}\" is not in the model catalog{hint}", cut(name)),
                ));
            };
            if run.models().is_empty() {
                return Err(refuse(
                    TOOL,
                    "name",
                    TARGET_MISMATCH,
                    format!(
                        "{} is a {} model; it cannot predict the {:?} target",
                        info.name,
                        info.task.as_str(),
                        target
                    )
                    .to_lowercase(),
                ));
            }
            Ok(())
        }
        (ModelScope::Family, Some(name)) => {
            if models::family(name).is_none() {
                let names: Vec<&str> = crate::models::Family::ALL
                    .iter()
                    .map(|f| f.as_str())
                    .collect();
                return Err(refuse(
                    TOOL,
                    "name",
                    UNKNOWN_MODEL,
                    format!(
                        "\"{}\" is not a model family; families are {}",
                        cut(name),
                        names.join(", ")
                    ),
                ));
            }
            if run.models().is_empty() {
                return Err(refuse(
                    TOOL,
                    "name",
                    TARGET_MISMATCH,
                    format!("the {name} family has no model for the {target:?} target")
                        .to_lowercase(),
                ));
            }
            Ok(())
        }
    }
}

fn validate_price(option: &PriceOption) -> Result<Verdict, Refusal> {
    option.params().map_err(|error| {
        let field = match error.field {
            Field::Spot => "spot",
            Field::Strike => "strike",
            Field::ExpiryDays => "days",
            Field::Rate => "rate",
            Field::DividendYield => "dividend_yield",
            Field::Volatility => "volatility",
            _ => "",
        };
        refuse("price_option", field, OUT_OF_RANGE, error.to_string())
    })?;
    Ok(Verdict {
        allowed: true,
        rule_id: "all".to_string(),
        reason: "pricing uses only the inputs given (no data); every input is in range".to_string(),
    })
}

fn validate_goal(ctx: &ActionContext, goal: &SetGoal) -> Result<Verdict, Refusal> {
    let verdict = check_goal(ctx.rules, &goal.goal_request());
    if verdict.allowed {
        Ok(verdict)
    } else {
        let field = if verdict.rule_id == "source.approved" || verdict.reason.starts_with("source")
        {
            "sources"
        } else {
            "text"
        };
        Err(verdict_refusal("set_goal", field, verdict))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::{ExerciseStyle, LabTarget, OptionRight};
    use crate::compliance::Rules;
    use crate::pricing::dates::Date;

    fn with<T>(f: impl FnOnce(&ActionContext) -> T) -> T {
        let rules = Rules::default_rules();
        let ctx = ActionContext {
            rules: &rules,
            today: Date::parse("2026-11-23").unwrap(),
        };
        f(&ctx)
    }

    fn lab() -> RunLab {
        RunLab {
            horizon: 5,
            ..RunLab::new(
                "sp500",
                ModelScope::Model,
                Some("random_forest_clf_100_sqrt"),
            )
        }
    }

    fn refusal(action: Action) -> Refusal {
        with(|ctx| validate(ctx, &action)).unwrap_err()
    }

    fn field_rule(r: &Refusal) -> (&str, &str) {
        (r.field.as_str(), r.rule_id.as_str())
    }

    #[test]
    fn a_good_lab_run_gets_the_data_verdict() {
        let verdict = with(|ctx| validate(ctx, &Action::RunLab(lab()))).unwrap();
        assert!(verdict.allowed);
        assert_eq!(verdict.rule_id, "all");
    }

    #[test]
    fn lab_fields_are_checked() {
        type Change = Box<dyn Fn(&mut RunLab)>;
        let cases: Vec<(Change, &str, &str)> = vec![
            (
                Box::new(|r| r.source = "polygon".into()),
                "source",
                LAB_SOURCE,
            ),
            (Box::new(|r| r.horizon = 0), "horizon", "parameter.bounds"),
            (
                Box::new(|r| r.horizon = 1000),
                "horizon",
                "parameter.bounds",
            ),
            (
                Box::new(|r| r.train_rows = Some(5)),
                "train_rows",
                "parameter.bounds",
            ),
            (
                Box::new(|r| r.test_rows = Some(9_999)),
                "test_rows",
                "parameter.bounds",
            ),
            (Box::new(|r| r.gap = Some(1)), "gap", OUT_OF_RANGE),
            (
                Box::new(|r| r.cost_bps = Some(f64::NAN)),
                "cost_bps",
                OUT_OF_RANGE,
            ),
            (
                Box::new(|r| r.cost_bps = Some(-1.0)),
                "cost_bps",
                "parameter.bounds",
            ),
            (
                Box::new(|r| r.name = Some("random_forest_clf_999".into())),
                "name",
                UNKNOWN_MODEL,
            ),
            (Box::new(|r| r.name = None), "name", INVALID_INPUT),
            (
                Box::new(|r| r.scope = ModelScope::Catalog),
                "name",
                INVALID_INPUT,
            ),
            (
                Box::new(|r| r.target = LabTarget::Return),
                "name",
                TARGET_MISMATCH,
            ),
            (
                Box::new(|r| {
                    r.scope = ModelScope::Family;
                    r.name = Some("oracle".into());
                }),
                "name",
                UNKNOWN_MODEL,
            ),
            (
                Box::new(|r| {
                    r.scope = ModelScope::Family;
                    r.name = Some("logistic".into());
                    r.target = LabTarget::Return;
                }),
                "name",
                TARGET_MISMATCH,
            ),
            (
                Box::new(|r| r.symbol = "SP500".into()),
                "symbol",
                "symbol.format",
            ),
            (
                Box::new(|r| r.symbol = "synthetic_sp".into()),
                "symbol",
                "data.no_synthetic",
            ),
            (
                Box::new(|r| {
                    r.source = "user_upload".into();
                    r.symbol = "abc".into();
                }),
                "symbol",
                "symbol.format",
            ),
        ];
        for (change, field, rule) in cases {
            let mut run = lab();
            change(&mut run);
            let refused = refusal(Action::RunLab(run.clone()));
            assert_eq!(field_rule(&refused), (field, rule), "{run:?}: {refused:?}");
            assert_eq!(refused.tool, "run_lab");
        }
        let unknown = refusal(Action::RunLab(RunLab {
            name: Some("random_forest_clf_999".into()),
            ..lab()
        }));
        assert!(
            unknown.reason.contains("random_forest_clf_"),
            "{}",
            unknown.reason
        );
    }

    #[test]
    fn fetch_uses_the_gateway_rules() {
        let fetch = |source: &str, symbol: &str, from: Option<&str>| {
            Action::FetchData(FetchData {
                source: source.into(),
                symbol: symbol.into(),
                from: from.map(str::to_string),
                to: None,
                timespan: None,
            })
        };
        assert!(with(|ctx| validate(ctx, &fetch("fred", "DGS10", Some("2020-01-01")))).is_ok());
        assert_eq!(
            field_rule(&refusal(fetch("yahoo", "AAPL", None))),
            ("source", "source.approved")
        );
        assert_eq!(
            field_rule(&refusal(fetch("polygon", "aapl", None))),
            ("symbol", "symbol.format")
        );
        assert_eq!(
            field_rule(&refusal(fetch("fred", "DGS10", Some("1850-01-01")))),
            ("from", "date.bounds")
        );
        assert_eq!(
            field_rule(&refusal(fetch("fred", "DGS10", Some("2020-13-01")))),
            ("from", "date.format")
        );
        assert_eq!(
            field_rule(&refusal(fetch("synthetic", "AAPL", None))),
            ("source", "data.no_synthetic")
        );
        let mut timespan = FetchData {
            source: "polygon".into(),
            symbol: "AAPL".into(),
            from: None,
            to: Some("2024-01-01".into()),
            timespan: Some("fake data bars".into()),
        };
        assert_eq!(
            field_rule(&refusal(Action::FetchData(timespan.clone()))),
            ("timespan", "data.no_synthetic")
        );
        timespan.timespan = Some("second".into());
        assert_eq!(
            field_rule(&refusal(Action::FetchData(timespan))),
            ("timespan", "timespan.allowed")
        );
    }

    #[test]
    fn pricing_and_goals() {
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
        assert!(
            with(|ctx| validate(ctx, &Action::PriceOption(option.clone())))
                .unwrap()
                .allowed
        );
        for (change, field) in [
            (
                PriceOption {
                    spot: 1e308,
                    ..option.clone()
                },
                "spot",
            ),
            (
                PriceOption {
                    strike: -5.0,
                    ..option.clone()
                },
                "strike",
            ),
            (
                PriceOption {
                    days: 0.0,
                    ..option.clone()
                },
                "days",
            ),
            (
                PriceOption {
                    volatility: f64::NAN,
                    ..option.clone()
                },
                "volatility",
            ),
            (
                PriceOption {
                    rate: 3.0,
                    ..option.clone()
                },
                "rate",
            ),
            (
                PriceOption {
                    dividend_yield: -1.0,
                    ..option.clone()
                },
                "dividend_yield",
            ),
        ] {
            let refused = refusal(Action::PriceOption(change));
            assert_eq!(field_rule(&refused), (field, OUT_OF_RANGE), "{refused:?}");
        }
        let goal = |text: &str, sources: &[&str]| {
            Action::SetGoal(SetGoal {
                text: text.into(),
                sources: sources.iter().map(|s| s.to_string()).collect(),
            })
        };
        assert!(with(|ctx| validate(ctx, &goal("Beat buy-and-hold", &["bundled"]))).is_ok());
        assert_eq!(
            field_rule(&refusal(goal("  ", &[]))),
            ("text", "goal.length")
        );
        assert_eq!(
            field_rule(&refusal(goal("Win with synthetic prices", &[]))),
            ("text", "data.no_synthetic")
        );
        assert_eq!(
            field_rule(&refusal(goal("Win", &["yahoo"]))),
            ("sources", "source.approved")
        );
    }
}
