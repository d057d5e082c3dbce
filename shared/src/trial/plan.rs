//! A trial's [`Plan`]: a name, an optional seed, a concurrency limit and
//! steps, each a typed action with the ids of the steps whose outputs it
//! takes. [`Plan::from_json`] parses one and names the step a parse error
//! is in; [`Plan::validate`] refuses, before anything runs, duplicate or
//! empty ids, unknown inputs, cycles, too many steps and any action that
//! [`crate::actions::validate`] refuses.
//!
//! Pure: it runs nothing.

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::actions::{validate, Action, ActionContext};

/// Most steps in one plan.
pub const MAX_STEPS: usize = 64;
/// Most steps running at once.
pub const MAX_CONCURRENT: u32 = 8;
/// Steps running at once when the plan does not say.
pub const DEFAULT_MAX_CONCURRENT: u32 = 2;
/// Longest step id, in characters.
pub const MAX_ID_CHARS: usize = 64;
/// Longest plan name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// A multi-step plan of typed actions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// What the trial is for, in words (1 to 200 characters).
    pub name: String,
    /// The trial's seed, if it sets one: the seed of every step whose
    /// action takes one ([`SEEDED_ACTIONS`]) and does not set its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Steps running at once, 1 to 8 (default 2).
    #[serde(default = "default_max_concurrent")]
    pub max_concurrent: u32,
    /// The steps, in the order ready steps start (1 to 64).
    pub steps: Vec<Step>,
}

/// The actions whose input has a `seed`: a plan's seed is their default.
pub const SEEDED_ACTIONS: [&str; 2] = ["run_lab", "risk_report"];

/// Gives the step's action `seed` unless it sets its own or takes none.
fn default_seed(step: &mut serde_json::Value, seed: u64) {
    let Some(action) = step.get_mut("action").and_then(|a| a.as_object_mut()) else {
        return;
    };
    let seeded = action
        .get("action")
        .and_then(|tag| tag.as_str())
        .is_some_and(|tag| SEEDED_ACTIONS.contains(&tag));
    if seeded && !action.contains_key("seed") {
        action.insert("seed".to_string(), seed.into());
    }
}

fn default_max_concurrent() -> u32 {
    DEFAULT_MAX_CONCURRENT
}

/// One step: an action and the steps whose outputs it takes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique within the plan: letters, digits, `-` and `_`, 1 to 64.
    pub id: String,
    /// What the step does.
    pub action: Action,
    /// Ids of the steps that must succeed first; their outputs are passed
    /// to this step.
    #[serde(default)]
    pub inputs: Vec<String>,
}

/// Why a plan was refused, naming the step (when it is about one), the
/// field and the rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}{field}: {reason} ({rule_id})", where_(.index, .step))]
pub struct PlanError {
    /// The step's position in `steps`, from 0, when the error is about one.
    pub index: Option<usize>,
    /// The step's id, when known.
    pub step: Option<String>,
    /// The offending field, e.g. `inputs`, `spot`, `max_concurrent`.
    pub field: String,
    /// Why, naming the value and what is allowed.
    pub reason: String,
    /// A stable rule id, e.g. `trial.cycle`, or the action's refusal rule.
    pub rule_id: String,
}

fn where_(index: &Option<usize>, step: &Option<String>) -> String {
    match (index, step) {
        (Some(i), Some(id)) => format!("step {i} ({id:?}): "),
        (Some(i), None) => format!("step {i}: "),
        (None, Some(id)) => format!("step {id:?}: "),
        (None, None) => "plan: ".to_string(),
    }
}

impl PlanError {
    fn plan(field: &str, rule_id: &str, reason: String) -> PlanError {
        PlanError {
            index: None,
            step: None,
            field: field.to_string(),
            reason,
            rule_id: rule_id.to_string(),
        }
    }

    fn step(index: usize, id: &str, field: &str, rule_id: &str, reason: String) -> PlanError {
        PlanError {
            index: Some(index),
            step: Some(id.to_string()),
            field: field.to_string(),
            reason,
            rule_id: rule_id.to_string(),
        }
    }
}

/// A plan that passed validation: ids unique, inputs known, no cycle.
/// Only [`Plan::validate`] and [`Plan::check_graph`] make one.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidPlan {
    plan: Plan,
    /// For each step, the indices of its inputs.
    inputs: Vec<Vec<usize>>,
}

impl ValidPlan {
    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The indices of step `index`'s inputs.
    pub fn inputs_of(&self, index: usize) -> &[usize] {
        self.inputs.get(index).map_or(&[], Vec::as_slice)
    }

    /// The index of the step called `id`.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.plan.steps.iter().position(|step| step.id == id)
    }
}

impl Plan {
    /// Parses a plan from JSON text; a malformed step's error names its
    /// index and id (serde's message for the rest).
    pub fn from_json(text: &str) -> Result<Plan, PlanError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|error| {
            PlanError::plan("", "trial.invalid_json", format!("not valid JSON: {error}"))
        })?;
        Plan::from_value(value)
    }

    /// Parses a plan from a JSON value, step by step, so that an unknown
    /// action or a bad field names the step it is in. The plan's `seed`
    /// becomes the seed of each step that takes one and sets none.
    pub fn from_value(value: serde_json::Value) -> Result<Plan, PlanError> {
        let invalid = |reason: String| PlanError::plan("", "trial.invalid_json", reason);
        let serde_json::Value::Object(mut object) = value else {
            return Err(invalid("a plan is a JSON object".to_string()));
        };
        let steps = object
            .insert("steps".to_string(), serde_json::Value::Array(Vec::new()))
            .unwrap_or(serde_json::Value::Null);
        let mut plan: Plan = serde_json::from_value(serde_json::Value::Object(object))
            .map_err(|error| invalid(error.to_string()))?;
        let serde_json::Value::Array(steps) = steps else {
            return Err(PlanError::plan(
                "steps",
                "trial.invalid_json",
                "steps must be a list of steps".to_string(),
            ));
        };
        for (index, mut step) in steps.into_iter().enumerate() {
            if let Some(seed) = plan.seed {
                default_seed(&mut step, seed);
            }
            let id = step
                .get("id")
                .and_then(|id| id.as_str())
                .map(str::to_string);
            let parsed: Step = serde_json::from_value(step).map_err(|error| PlanError {
                index: Some(index),
                step: id,
                field: String::new(),
                reason: error.to_string(),
                rule_id: "trial.invalid_json".to_string(),
            })?;
            plan.steps.push(parsed);
        }
        Ok(plan)
    }

    /// Checks the plan's shape (name, limits, ids, inputs, no cycle) and
    /// every action against `ctx`; `set_goal` is refused (a goal is set by
    /// the user, not by a background step), and so is `run_trial` (no
    /// trial inside a trial).
    pub fn validate(&self, ctx: &ActionContext) -> Result<ValidPlan, PlanError> {
        let valid = self.check_graph()?;
        for (index, step) in self.steps.iter().enumerate() {
            let not_allowed = match step.action {
                Action::SetGoal(_) => Some(
                    "set_goal cannot run as a trial step: set the goal yourself, then start the trial",
                ),
                Action::RunTrial(_) => Some(
                    "run_trial cannot run as a trial step: a trial does not start other trials; \
                     put its models in this plan instead",
                ),
                _ => None,
            };
            if let Some(reason) = not_allowed {
                return Err(PlanError::step(
                    index,
                    &step.id,
                    "action",
                    "trial.action_not_allowed",
                    reason.to_string(),
                ));
            }
            if let Err(refusal) = validate(ctx, &step.action) {
                return Err(PlanError::step(
                    index,
                    &step.id,
                    &refusal.field,
                    &refusal.rule_id,
                    format!("{} refused: {}", refusal.tool, refusal.reason),
                ));
            }
        }
        Ok(valid)
    }

    /// Checks only the plan's shape: name, limits, ids, inputs and that
    /// the steps form a DAG. For plans whose actions were validated when
    /// they were accepted (a stored trial being resumed).
    pub fn check_graph(&self) -> Result<ValidPlan, PlanError> {
        let name_chars = self.name.trim().chars().count();
        if name_chars == 0 || self.name.chars().count() > MAX_NAME_CHARS {
            return Err(PlanError::plan(
                "name",
                "trial.name",
                format!("the name must have 1 to {MAX_NAME_CHARS} characters"),
            ));
        }
        if !(1..=MAX_CONCURRENT).contains(&self.max_concurrent) {
            return Err(PlanError::plan(
                "max_concurrent",
                "trial.max_concurrent",
                format!(
                    "max_concurrent = {} is outside the allowed range 1 to {MAX_CONCURRENT}",
                    self.max_concurrent
                ),
            ));
        }
        if self.steps.is_empty() || self.steps.len() > MAX_STEPS {
            return Err(PlanError::plan(
                "steps",
                "trial.too_many_steps",
                format!(
                    "the plan has {} steps; it must have 1 to {MAX_STEPS}",
                    self.steps.len()
                ),
            ));
        }
        let mut by_id: HashMap<&str, usize> = HashMap::new();
        for (index, step) in self.steps.iter().enumerate() {
            let chars = step.id.chars().count();
            let well_formed = (1..=MAX_ID_CHARS).contains(&chars)
                && step
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !well_formed {
                return Err(PlanError::step(
                    index,
                    &step.id,
                    "id",
                    "trial.bad_id",
                    format!(
                        "the id {:?} must have 1 to {MAX_ID_CHARS} letters, digits, - or _",
                        step.id
                    ),
                ));
            }
            if let Some(first) = by_id.insert(&step.id, index) {
                return Err(PlanError::step(
                    index,
                    &step.id,
                    "id",
                    "trial.duplicate_id",
                    format!("the id {:?} is already used by step {first}", step.id),
                ));
            }
        }
        let mut inputs = Vec::with_capacity(self.steps.len());
        for (index, step) in self.steps.iter().enumerate() {
            let mut these: Vec<usize> = Vec::with_capacity(step.inputs.len());
            for input in &step.inputs {
                let Some(&at) = by_id.get(input.as_str()) else {
                    return Err(PlanError::step(
                        index,
                        &step.id,
                        "inputs",
                        "trial.unknown_input",
                        format!("input {input:?} is not a step of this plan"),
                    ));
                };
                if these.contains(&at) {
                    return Err(PlanError::step(
                        index,
                        &step.id,
                        "inputs",
                        "trial.duplicate_input",
                        format!("input {input:?} is listed twice"),
                    ));
                }
                these.push(at);
            }
            inputs.push(these);
        }
        if let Some(on_cycle) = find_cycle(&inputs) {
            let step = &self.steps[on_cycle];
            return Err(PlanError::step(
                on_cycle,
                &step.id,
                "inputs",
                "trial.cycle",
                format!(
                    "step {:?} depends on itself through its inputs (a cycle)",
                    step.id
                ),
            ));
        }
        Ok(ValidPlan {
            plan: self.clone(),
            inputs,
        })
    }
}

/// A step on a cycle of the input graph, if there is one (depth-first
/// search with colours, iterative so deep plans cannot overflow the stack).
fn find_cycle(inputs: &[Vec<usize>]) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    let mut colour = vec![Colour::White; inputs.len()];
    for root in 0..inputs.len() {
        if colour[root] != Colour::White {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        colour[root] = Colour::Grey;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&child) = inputs[node].get(*next) {
                *next += 1;
                match colour[child] {
                    Colour::Grey => return Some(child),
                    Colour::White => {
                        colour[child] = Colour::Grey;
                        stack.push((child, 0));
                    }
                    Colour::Black => {}
                }
            } else {
                colour[node] = Colour::Black;
                stack.pop();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compliance::Rules;
    use crate::pricing::dates::Date;

    fn price() -> serde_json::Value {
        serde_json::json!({"action": "price_option", "right": "call", "spot": 100.0,
            "strike": 100.0, "days": 30.0, "volatility": 0.2})
    }

    fn plan(steps: serde_json::Value) -> Result<Plan, PlanError> {
        Plan::from_value(serde_json::json!({"name": "t", "steps": steps}))
    }

    fn check(steps: serde_json::Value) -> Result<ValidPlan, PlanError> {
        let rules = Rules::default_rules();
        let ctx = ActionContext {
            rules: &rules,
            today: Date {
                year: 2026,
                month: 11,
                day: 30,
            },
        };
        plan(steps)?.validate(&ctx)
    }

    #[test]
    fn a_good_plan_passes_with_defaults() {
        let valid = check(serde_json::json!([
            {"id": "fetch", "action": {"action": "fetch_data", "source": "bundled", "symbol": "sp500"}},
            {"id": "a", "action": price(), "inputs": ["fetch"]},
        ]))
        .unwrap();
        assert_eq!(valid.plan().max_concurrent, DEFAULT_MAX_CONCURRENT);
        assert_eq!(valid.inputs_of(1), &[0]);
        assert_eq!(valid.index_of("a"), Some(1));
    }

    /// The plan's seed fills in the steps that take a seed and set none;
    /// a step's own seed wins; a step without a seed field is untouched.
    #[test]
    fn the_plan_seed_is_the_default_of_seeded_steps() {
        let lab = |seed: Option<u64>| {
            let mut action = serde_json::json!({"action": "run_lab", "source": "bundled",
                "symbol": "sp500", "scope": "model", "name": "logistic_l2_c_1"});
            if let Some(seed) = seed {
                action["seed"] = seed.into();
            }
            action
        };
        let plan = Plan::from_value(serde_json::json!({"name": "t", "seed": 7, "steps": [
            {"id": "own", "action": lab(Some(3))},
            {"id": "default", "action": lab(None)},
            {"id": "price", "action": price()},
        ]}))
        .unwrap();
        let seed_of = |i: usize| match &plan.steps[i].action {
            Action::RunLab(run) => run.seed,
            other => panic!("{other:?}"),
        };
        assert_eq!((seed_of(0), seed_of(1)), (3, 7));
        let unseeded = Plan::from_value(serde_json::json!({"name": "t", "steps": [
            {"id": "default", "action": lab(None)}]}))
        .unwrap();
        match &unseeded.steps[0].action {
            Action::RunLab(run) => assert_eq!(run.seed, 42),
            other => panic!("{other:?}"),
        }
    }

    /// `SEEDED_ACTIONS` lists exactly the actions whose schema has `seed`
    /// (`run_trial` aside: a plan never holds one).
    #[test]
    fn seeded_actions_are_those_with_a_seed_field() {
        let mut with_seed: Vec<String> = crate::actions::tool_specs()
            .into_iter()
            .filter(|spec| spec.input_schema["properties"].get("seed").is_some())
            .map(|spec| spec.name)
            .filter(|name| name != "run_trial")
            .collect();
        with_seed.sort();
        let mut listed: Vec<String> = SEEDED_ACTIONS.iter().map(|s| s.to_string()).collect();
        listed.sort();
        assert_eq!(with_seed, listed);
    }

    #[test]
    fn unknown_actions_name_the_step() {
        let error = plan(serde_json::json!([
            {"id": "ok", "action": price()},
            {"id": "bad", "action": {"action": "launch_rocket"}},
        ]))
        .unwrap_err();
        assert_eq!((error.index, error.step.as_deref()), (Some(1), Some("bad")));
        assert!(error.reason.contains("launch_rocket"), "{error}");
        assert!(error.to_string().starts_with("step 1 (\"bad\")"), "{error}");
    }

    #[test]
    fn graph_errors_name_the_step_and_rule() {
        let cases = [
            (
                serde_json::json!([{"id": "", "action": price()}]),
                0,
                "trial.bad_id",
            ),
            (
                serde_json::json!([{"id": "a", "action": price()}, {"id": "a", "action": price()}]),
                1,
                "trial.duplicate_id",
            ),
            (
                serde_json::json!([{"id": "a", "action": price(), "inputs": ["zz"]}]),
                0,
                "trial.unknown_input",
            ),
            (
                serde_json::json!([
                    {"id": "a", "action": price(), "inputs": ["c"]},
                    {"id": "b", "action": price(), "inputs": ["a"]},
                    {"id": "c", "action": price(), "inputs": ["b"]},
                ]),
                0,
                "trial.cycle",
            ),
            (
                serde_json::json!([{"id": "a", "action": price(), "inputs": ["a"]}]),
                0,
                "trial.cycle",
            ),
        ];
        for (steps, index, rule) in cases {
            let error = check(steps).unwrap_err();
            assert_eq!(error.rule_id, rule, "{error}");
            assert_eq!(error.index, Some(index), "{error}");
        }
    }

    #[test]
    fn limits_and_refused_actions() {
        let many: Vec<_> = (0..=MAX_STEPS)
            .map(|i| serde_json::json!({"id": format!("s{i}"), "action": price()}))
            .collect();
        let error = check(serde_json::Value::Array(many)).unwrap_err();
        assert_eq!(error.rule_id, "trial.too_many_steps");
        let error = check(serde_json::json!([
            {"id": "a", "action": price()},
            {"id": "goal", "action": {"action": "set_goal", "text": "beat the market"}},
        ]))
        .unwrap_err();
        assert_eq!(
            (error.step.as_deref(), error.rule_id.as_str()),
            (Some("goal"), "trial.action_not_allowed")
        );
        let mut bad = price();
        bad["volatility"] = serde_json::json!(-1.0);
        let error = check(serde_json::json!([{"id": "p", "action": bad}])).unwrap_err();
        assert_eq!(error.step.as_deref(), Some("p"));
        assert_eq!(error.field, "volatility", "{error}");
        let error = check(serde_json::json!([{"id": "f", "action":
            {"action": "fetch_data", "source": "random_walk", "symbol": "X"}}]))
        .unwrap_err();
        assert_eq!(error.step.as_deref(), Some("f"), "{error}");
        let mut too_wide = plan(serde_json::json!([{"id": "a", "action": price()}])).unwrap();
        too_wide.max_concurrent = MAX_CONCURRENT + 1;
        assert_eq!(too_wide.check_graph().unwrap_err().field, "max_concurrent");
    }

    #[test]
    fn the_schema_describes_steps() {
        let schema = serde_json::to_value(schemars::schema_for!(Plan)).unwrap();
        let text = schema.to_string();
        assert!(text.contains("max_concurrent") && text.contains("fetch_data"));
    }
}
