//! `run_trial`: several catalog models on one dataset, started as one
//! background trial. [`RunTrial::plan`] turns the recipe into a
//! [`Plan`] (a `fetch_data` step and one `run_lab` step per model taking
//! its series); [`validate_trial`] checks the recipe's own fields, then the
//! plan through [`Plan::validate`], so a refusal names the step and the
//! reason.
//!
//! Pure: it builds and checks a plan; it starts nothing.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::schema_check::cut;
use super::validate::{refuse, INVALID_INPUT, OUT_OF_RANGE};
use super::{
    default_horizon, default_lab_source, default_seed, default_target, validate, Action,
    ActionContext, FetchData, LabTarget, ModelScope, Refusal, RunLab,
};
use crate::compliance::Verdict;
use crate::trial::{Plan, Step, DEFAULT_MAX_CONCURRENT, MAX_ID_CHARS, MAX_NAME_CHARS};

/// Most models in one `run_trial`.
pub const TRIAL_MODELS_MAX: usize = 16;
/// The id of the plan's data step.
pub const TRIAL_DATA_STEP: &str = "data";

const TOOL: &str = "run_trial";

/// `run_trial`: several catalog models walk-forward on one dataset, as one background trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunTrial {
    /// What the trial is for, 1 to 200 characters (default "N models on SYMBOL").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Data source: `bundled` (default) or `user_upload`.
    #[serde(default = "default_lab_source")]
    pub source: String,
    /// Dataset id, e.g. `sp500`, `nasdaq`; or an upload id.
    pub symbol: String,
    /// What to predict (default `direction`).
    #[serde(default = "default_target")]
    pub target: LabTarget,
    /// Label horizon in rows (trading days for daily data), 1 to 252.
    #[serde(default = "default_horizon")]
    pub horizon: u32,
    /// Catalog model names, 1 to 16, each once.
    pub models: Vec<String>,
    /// The seed of every model's run (default 42).
    #[serde(default = "default_seed")]
    pub seed: u64,
}

/// The step id for a catalog name: letters, digits, `-` and `_` kept,
/// anything else `_`, at most [`MAX_ID_CHARS`] characters.
pub fn step_id(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(MAX_ID_CHARS)
        .collect()
}

impl RunTrial {
    /// The trial's name: the one given, else "N models on SYMBOL".
    pub fn trial_name(&self) -> String {
        match self.name.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => format!("{} models on {}", self.models.len(), self.symbol),
        }
    }

    /// The plan: step [`TRIAL_DATA_STEP`] fetches the series through the
    /// gateway; one `run_lab` step per model (id [`step_id`]) takes it.
    /// Unchecked: [`validate_trial`] says whether it may run.
    pub fn plan(&self) -> Plan {
        let mut steps = vec![Step {
            id: TRIAL_DATA_STEP.to_string(),
            action: Action::FetchData(FetchData {
                source: self.source.clone(),
                symbol: self.symbol.clone(),
                from: None,
                to: None,
                timespan: None,
            }),
            inputs: Vec::new(),
        }];
        for model in &self.models {
            let mut lab = RunLab::new(&self.symbol, ModelScope::Model, Some(model));
            lab.source = self.source.clone();
            lab.target = self.target;
            lab.horizon = self.horizon;
            lab.seed = self.seed;
            steps.push(Step {
                id: step_id(model),
                action: Action::RunLab(lab),
                inputs: vec![TRIAL_DATA_STEP.to_string()],
            });
        }
        Plan {
            name: self.trial_name(),
            seed: Some(self.seed),
            max_concurrent: DEFAULT_MAX_CONCURRENT,
            steps,
        }
    }
}

/// Checks the recipe (name length, 1 to [`TRIAL_MODELS_MAX`] distinct
/// models), then its plan step by step; a refusal from a step names it
/// (`step "random_forest_clf_100_sqrt": ...`). The verdict is the data
/// step's compliance verdict.
pub(crate) fn validate_trial(ctx: &ActionContext, trial: &RunTrial) -> Result<Verdict, Refusal> {
    if let Some(name) = &trial.name {
        let chars = name.trim().chars().count();
        if chars == 0 || name.chars().count() > MAX_NAME_CHARS {
            return Err(refuse(
                TOOL,
                "name",
                OUT_OF_RANGE,
                format!("the name must have 1 to {MAX_NAME_CHARS} characters, or be left out"),
            ));
        }
    }
    if trial.models.is_empty() || trial.models.len() > TRIAL_MODELS_MAX {
        return Err(refuse(
            TOOL,
            "models",
            OUT_OF_RANGE,
            format!(
                "{} models given; a trial takes 1 to {TRIAL_MODELS_MAX} catalog models",
                trial.models.len()
            ),
        ));
    }
    for (index, model) in trial.models.iter().enumerate() {
        if trial.models[..index].contains(model) {
            return Err(refuse(
                TOOL,
                "models",
                INVALID_INPUT,
                format!("\"{}\" is listed twice; name each model once", cut(model)),
            ));
        }
    }
    let plan = trial.plan();
    if let Err(error) = plan.validate(ctx) {
        let step = error.step.clone().unwrap_or_default();
        let field = match (step.as_str(), error.field.as_str()) {
            (TRIAL_DATA_STEP, field) => field.to_string(),
            (_, "name") => "models".to_string(),
            (_, field) => field.to_string(),
        };
        let reason = if step.is_empty() {
            error.reason
        } else {
            format!("step \"{step}\": {}", error.reason)
        };
        return Err(refuse(TOOL, &field, &error.rule_id, reason));
    }
    let data = plan
        .steps
        .first()
        .map(|step| step.action.clone())
        .ok_or_else(|| refuse(TOOL, "models", INVALID_INPUT, "the plan is empty".into()))?;
    validate(ctx, &data).map_err(|refusal| Refusal {
        tool: TOOL.to_string(),
        ..refusal
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compliance::Rules;
    use crate::pricing::dates::Date;

    fn check(trial: &RunTrial) -> Result<Verdict, Refusal> {
        let rules = Rules::default_rules();
        let ctx = ActionContext {
            rules: &rules,
            today: Date::parse("2026-11-23").unwrap(),
        };
        validate(&ctx, &Action::RunTrial(trial.clone()))
    }

    fn recipe(models: &[&str]) -> RunTrial {
        serde_json::from_value(serde_json::json!({
            "symbol": "sp500",
            "models": models,
        }))
        .unwrap()
    }

    /// Two classifiers that exist in the catalog for the direction target.
    fn two_classifiers() -> Vec<String> {
        crate::actions::models_for(ModelScope::Catalog, LabTarget::Direction.task(), None)
            .into_iter()
            .take(2)
            .collect()
    }

    #[test]
    fn a_recipe_becomes_a_data_step_and_one_lab_step_per_model() {
        let models = two_classifiers();
        let mut trial = recipe(&[&models[0], &models[1]]);
        trial.horizon = 5;
        trial.seed = 7;
        let plan = trial.plan();
        assert_eq!(plan.name, format!("2 models on sp500"));
        assert_eq!(plan.steps.len(), 3);
        assert_eq!(plan.steps[0].id, TRIAL_DATA_STEP);
        assert!(matches!(&plan.steps[0].action, Action::FetchData(f) if f.symbol == "sp500"));
        for (step, model) in plan.steps[1..].iter().zip(&models) {
            assert_eq!(step.inputs, vec![TRIAL_DATA_STEP.to_string()]);
            let Action::RunLab(lab) = &step.action else {
                panic!("{step:?}")
            };
            assert_eq!(lab.name.as_deref(), Some(model.as_str()));
            assert_eq!(
                (lab.horizon, lab.seed, lab.scope),
                (5, 7, ModelScope::Model)
            );
        }
        assert!(check(&trial).unwrap().allowed);
    }

    #[test]
    fn refusals_name_the_field_and_the_step() {
        let models = two_classifiers();
        let refused = check(&recipe(&[])).unwrap_err();
        assert_eq!(
            (refused.tool.as_str(), refused.field.as_str()),
            ("run_trial", "models")
        );
        assert!(refused.reason.contains("1 to 16"), "{refused:?}");

        let many: Vec<String> = (0..17).map(|i| format!("m{i}")).collect();
        let refused = check(&recipe(
            &many.iter().map(String::as_str).collect::<Vec<_>>(),
        ))
        .unwrap_err();
        assert!(refused.reason.starts_with("17 models"), "{refused:?}");

        let refused = check(&recipe(&[&models[0], &models[0]])).unwrap_err();
        assert!(refused.reason.contains("listed twice"), "{refused:?}");

        let refused = check(&recipe(&[&models[0], "no_such_model_x"])).unwrap_err();
        assert_eq!(refused.field, "models");
        assert_eq!(refused.rule_id, "action.unknown_model");
        assert!(
            refused.reason.starts_with("step \"no_such_model_x\""),
            "{refused:?}"
        );

        let mut far = recipe(&[&models[0]]);
        far.horizon = 400;
        let refused = check(&far).unwrap_err();
        assert_eq!(refused.field, "horizon");
        assert!(
            refused.reason.contains(&format!("step \"{}\"", models[0])),
            "{refused:?}"
        );

        let mut elsewhere = recipe(&[&models[0]]);
        elsewhere.source = "polygon".to_string();
        let refused = check(&elsewhere).unwrap_err();
        assert_eq!(refused.tool, "run_trial");
        assert!(!refused.reason.is_empty());

        let mut unnamed = recipe(&[&models[0]]);
        unnamed.name = Some("   ".to_string());
        assert_eq!(check(&unnamed).unwrap_err().field, "name");
    }

    #[test]
    fn a_regressor_cannot_predict_direction() {
        let regressor =
            crate::actions::models_for(ModelScope::Catalog, LabTarget::Return.task(), None)
                .into_iter()
                .find(|name| {
                    !crate::actions::models_for(
                        ModelScope::Catalog,
                        LabTarget::Direction.task(),
                        None,
                    )
                    .contains(name)
                })
                .expect("a regression-only model");
        let refused = check(&recipe(&[&regressor])).unwrap_err();
        assert_eq!(refused.field, "models");
        assert_eq!(refused.rule_id, "action.target_mismatch");
    }

    #[test]
    fn a_plan_never_holds_a_trial() {
        let models = two_classifiers();
        let mut plan = recipe(&[&models[0]]).plan();
        plan.steps.push(Step {
            id: "nested".to_string(),
            action: Action::RunTrial(recipe(&[&models[1]])),
            inputs: Vec::new(),
        });
        let rules = crate::compliance::Rules::default_rules();
        let ctx = ActionContext {
            rules: &rules,
            today: crate::pricing::dates::Date::parse("2026-11-23").unwrap(),
        };
        let error = plan.validate(&ctx).unwrap_err();
        assert_eq!(error.step.as_deref(), Some("nested"));
        assert_eq!(error.rule_id, "trial.action_not_allowed");
    }

    #[test]
    fn step_ids_keep_safe_characters_only() {
        assert_eq!(step_id("ridge_a1.0"), "ridge_a1_0");
        assert_eq!(step_id(&"x".repeat(80)).len(), MAX_ID_CHARS);
    }
}
