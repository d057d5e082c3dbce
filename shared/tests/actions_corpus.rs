//! The coach corpus (`tests/data/coach_corpus.json`): realistic coach
//! answers, as tool calls (name and JSON input) and as plain text,
//! including hostile ones, each with the typed actions or the refusals
//! (tool, field, rule) it must parse to. Plus the tool specs' contract and
//! "parse_text never panics" on arbitrary strings.

use serde::Deserialize;
use serde_json::Value;
use shared::actions::{
    parse_text, parse_tool_call, tool_specs, Action, ActionContext, ProposedAction, Refusal,
};
use shared::compliance::Rules;
use shared::pricing::dates::Date;

#[derive(Deserialize)]
struct Case {
    name: String,
    #[serde(default)]
    tool: Option<String>,
    #[serde(default)]
    input: Value,
    #[serde(default)]
    text: Option<String>,
    expect: Vec<Expected>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
enum Expected {
    Action(Action),
    Refused {
        tool: String,
        field: String,
        rule_id: String,
    },
}

fn corpus() -> Vec<Case> {
    serde_json::from_str(include_str!("data/coach_corpus.json")).expect("corpus parses")
}

fn with<T>(f: impl FnOnce(&ActionContext) -> T) -> T {
    let rules = Rules::default_rules();
    let ctx = ActionContext {
        rules: &rules,
        today: Date::parse("2026-11-23").unwrap(),
    };
    f(&ctx)
}

fn check(name: &str, got: &[Result<ProposedAction, Refusal>], expected: &[Expected]) {
    assert_eq!(got.len(), expected.len(), "{name}: got {got:#?}");
    for (got, expected) in got.iter().zip(expected) {
        match (got, expected) {
            (Ok(proposal), Expected::Action(action)) => {
                assert_eq!(&proposal.action, action, "{name}");
                assert!(proposal.verdict.allowed, "{name}");
                assert!(!proposal.summary.is_empty(), "{name}");
            }
            (
                Err(refusal),
                Expected::Refused {
                    tool,
                    field,
                    rule_id,
                },
            ) => {
                assert_eq!(
                    (&refusal.tool, &refusal.field, &refusal.rule_id),
                    (tool, field, rule_id),
                    "{name}: {refusal:?}"
                );
                assert!(
                    !refusal.reason.is_empty() && refusal.reason.len() < 600,
                    "{name}"
                );
            }
            (got, expected) => panic!("{name}: got {got:?}, expected {expected:?}"),
        }
    }
}

#[test]
fn the_corpus_parses_to_the_expected_actions_and_refusals() {
    let cases = corpus();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let hostile = cases
        .iter()
        .filter(|c| {
            c.expect
                .iter()
                .any(|e| matches!(e, Expected::Refused { .. }))
        })
        .count();
    assert!(hostile >= 15, "{hostile} refusing cases");
    with(|ctx| {
        for case in &cases {
            let got = match (&case.tool, &case.text) {
                (Some(tool), None) => vec![parse_tool_call(ctx, "call_1", tool, &case.input)],
                (None, Some(text)) => parse_text(ctx, text),
                _ => panic!("{}: a case has a tool or a text", case.name),
            };
            check(&case.name, &got, &case.expect);
        }
    });
}

#[test]
fn text_ids_number_the_requests_in_order() {
    let got = with(|ctx| {
        parse_text(
            ctx,
            "Train a random forest on sp500. Then fetch AAPL from yahoo. Finally price a 30-day 100 call on 100 at 20% vol.",
        )
    });
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].as_ref().unwrap().id, "text-1");
    assert!(got[1].is_err());
    assert_eq!(got[2].as_ref().unwrap().id, "text-3");
}

#[test]
fn every_action_has_a_tool_spec_whose_example_parses() {
    let specs = tool_specs();
    let examples: [(&str, Value); 8] = [
        (
            "fetch_data",
            serde_json::json!({"source": "polygon", "symbol": "AAPL", "from": "2024-01-02", "to": "2024-03-28"}),
        ),
        (
            "run_lab",
            serde_json::json!({"symbol": "sp500", "scope": "catalog", "horizon": 5}),
        ),
        (
            "price_option",
            serde_json::json!({"right": "put", "spot": 100, "strike": 95, "days": 30, "volatility": 0.25}),
        ),
        ("set_goal", serde_json::json!({"text": "Beat buy-and-hold"})),
        (
            "optimise_portfolio",
            serde_json::json!({"assets": ["sp500", "nasdaq", "wti"], "method": "risk_parity"}),
        ),
        (
            "risk_report",
            serde_json::json!({"assets": ["sp500", "nasdaq"], "weights": [0.6, 0.4], "horizon_days": 10}),
        ),
        (
            "backtest",
            serde_json::json!({"symbol": "sp500", "rule": "momentum", "lookback": 126}),
        ),
        (
            "run_trial",
            serde_json::json!({"symbol": "sp500", "models": ["logistic_l2_c_1", "random_forest_clf_100_sqrt"]}),
        ),
    ];
    assert_eq!(specs.len(), examples.len());
    with(|ctx| {
        for (name, input) in examples {
            let spec = specs.iter().find(|s| s.name == name).expect(name);
            assert_eq!(spec.input_schema["type"], "object");
            assert!(spec.input_schema["properties"].is_object());
            let proposal = parse_tool_call(ctx, "id", name, &input).expect(name);
            assert_eq!(proposal.action.tool_name(), name);
        }
    });
}

#[cfg(not(target_arch = "wasm32"))]
mod never_panics {
    use super::*;
    use proptest::prelude::*;

    fn config() -> ProptestConfig {
        ProptestConfig {
            cases: 512,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn on_arbitrary_strings(text in any::<String>()) {
            with(|ctx| { let _ = parse_text(ctx, &text); });
        }

        #[test]
        fn on_request_like_strings(
            words in proptest::collection::vec(
                prop_oneof![
                    Just("train".to_string()), Just("price".to_string()), Just("call".to_string()),
                    Just("put".to_string()), Just("fetch".to_string()), Just("from".to_string()),
                    Just("{\"tool\":".to_string()), Just("}".to_string()), Just("{".to_string()),
                    Just("random forest".to_string()), Just("sp500".to_string()), Just("1e308".to_string()),
                    Just("-5%".to_string()), Just("2024-13-99".to_string()), Just("set my goal to".to_string()),
                    Just("rows".to_string()), Just("5-day".to_string()), Just("upload".to_string()),
                    Just("optimise".to_string()), Just("portfolio".to_string()), Just("min cvar".to_string()),
                    Just("risk report".to_string()), Just("VaR".to_string()), Just("60/40".to_string()),
                    Just("backtest".to_string()), Just("50/200".to_string()), Just("rsi".to_string()),
                    Just("slippage".to_string()), Just("bps".to_string()), Just("risk-free rate".to_string()),
                    "[a-zA-Z0-9_.,%$:-]{0,12}",
                ],
                0..40,
            )
        ) {
            let text = words.join(" ");
            with(|ctx| { let _ = parse_text(ctx, &text); });
        }
    }
}
