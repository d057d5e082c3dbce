//! Turns one tool call (a name and a JSON input, as an LLM sends it) into a
//! validated [`ProposedAction`] or a [`Refusal`]: the name must be a known
//! tool, the input must fit the tool's generated schema (field by field),
//! and the typed action must pass [`validate`](super::validate).
//!
//! Pure: it never runs the action.

use serde_json::{Map, Value};

use super::schema_check::{self, cut};
use super::tools::{self, TOOLS};
use super::validate::{bound_name, check_bound, refuse, INVALID_INPUT};
use super::{describe, validate, ActionContext, ProposedAction, Refusal};

/// Rule id for tool names that are not actions.
pub(crate) const UNKNOWN_TOOL: &str = "action.unknown_tool";

/// Parses and validates one tool call. `input` may be `null` (no
/// arguments) or an object; `id` is kept as the proposal's id.
pub fn parse_tool_call(
    ctx: &ActionContext,
    id: &str,
    name: &str,
    input: &Value,
) -> Result<ProposedAction, Refusal> {
    let tool_label = cut(name);
    let Some(tool) = tools::tool(name) else {
        let names: Vec<&str> = TOOLS.iter().map(|t| t.name).collect();
        return Err(refuse(
            &tool_label,
            "",
            UNKNOWN_TOOL,
            format!(
                "\"{tool_label}\" is not an action; the actions are {}",
                names.join(", ")
            ),
        ));
    };
    let empty = Value::Object(Map::new());
    let input = if input.is_null() { &empty } else { input };
    if let Some(schema) = tools::full_schema(name) {
        schema_check::check(schema, input).map_err(|error| {
            if let (Some(number), Some(_)) = (error.number, bound_name(&error.field)) {
                if let Err(refusal) = check_bound(ctx, name, &error.field, number) {
                    return refusal;
                }
            }
            refuse(name, &error.field, INVALID_INPUT, error.reason)
        })?;
    }
    let action = (tool.parse)(input.clone())
        .map_err(|error| refuse(name, "", INVALID_INPUT, cut(&error.to_string())))?;
    let verdict = validate(ctx, &action)?;
    Ok(ProposedAction {
        id: id.to_string(),
        summary: describe(&action),
        action,
        verdict,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::{Action, ModelScope};
    use crate::compliance::Rules;
    use crate::pricing::dates::Date;
    use serde_json::json;

    fn call(name: &str, input: Value) -> Result<ProposedAction, Refusal> {
        let rules = Rules::default_rules();
        let ctx = ActionContext {
            rules: &rules,
            today: Date::parse("2026-11-23").unwrap(),
        };
        parse_tool_call(&ctx, "toolu_1", name, &input)
    }

    fn refused(name: &str, input: Value) -> (String, String, String) {
        let r = call(name, input).unwrap_err();
        (r.tool, r.field, r.rule_id)
    }

    #[test]
    fn a_good_call_is_proposed_with_its_summary_and_verdict() {
        let proposal = call(
            "run_lab",
            json!({"symbol": "nasdaq", "scope": "family", "name": "gradient_boosting", "horizon": 5}),
        )
        .unwrap();
        assert_eq!(proposal.id, "toolu_1");
        let Action::RunLab(run) = &proposal.action else {
            panic!("{proposal:?}")
        };
        assert_eq!(
            (run.scope, run.horizon, run.seed),
            (ModelScope::Family, 5, 42)
        );
        assert!(proposal.verdict.allowed);
        assert!(
            proposal.summary.contains("gradient_boosting"),
            "{}",
            proposal.summary
        );
        let proposal = call("set_goal", json!({"text": "Beat the market"})).unwrap();
        assert_eq!(proposal.action.tool_name(), "set_goal");
    }

    #[test]
    fn bad_calls_are_refused_with_the_field() {
        assert_eq!(
            refused("rm_rf", json!({})),
            ("rm_rf".into(), "".into(), UNKNOWN_TOOL.into())
        );
        assert_eq!(
            refused(
                "run_lab",
                json!({"symbol": "sp500", "scope": "catalog", "train_rows": 1e308})
            ),
            (
                "run_lab".into(),
                "train_rows".into(),
                "parameter.bounds".into()
            )
        );
        assert_eq!(
            refused(
                "run_lab",
                json!({"symbol": "sp500", "scope": "catalog", "horizon": "5"})
            ),
            ("run_lab".into(), "horizon".into(), INVALID_INPUT.into())
        );
        assert_eq!(
            refused(
                "price_option",
                json!({"right": "call", "spot": "NaN", "strike": 1, "days": 1, "volatility": 0.2})
            ),
            ("price_option".into(), "spot".into(), INVALID_INPUT.into())
        );
        assert_eq!(
            refused(
                "fetch_data",
                json!({"source": "fred", "symbol": "DGS10", "shell": "rm -rf /"})
            ),
            ("fetch_data".into(), "shell".into(), INVALID_INPUT.into())
        );
        assert_eq!(
            refused("set_goal", Value::Null),
            ("set_goal".into(), "text".into(), INVALID_INPUT.into())
        );
        let long = "z".repeat(5000);
        let refusal = call(&long, json!({})).unwrap_err();
        assert!(refusal.reason.len() < 300 && refusal.tool.len() < 100);
    }
}
