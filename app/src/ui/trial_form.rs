//! The "start a trial" form's plan: one `fetch_data` step on a bundled
//! dataset, one `run_lab` step per chosen catalog model taking its series,
//! and optionally an independent moving-average backtest. Pure: builds a
//! [`Plan`] from the form's values, naming the field when one is wrong;
//! the server validates it again and has the last word.

use shared::actions::{step_id, Action, FetchData, LabTarget, ModelScope, RunLab};
use shared::trial::{Plan, Step, MAX_CONCURRENT, MAX_STEPS};

/// The form's values.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanForm {
    /// The plan's name (empty: one is made up).
    pub name: String,
    /// The bundled dataset, e.g. `sp500`.
    pub symbol: String,
    /// What the models predict.
    pub target: LabTarget,
    /// Catalog names, in the order chosen.
    pub models: Vec<String>,
    /// Whether to add a moving-average crossover backtest.
    pub backtest: bool,
    /// Steps running at once, as typed.
    pub max_concurrent: String,
    /// The seed, as typed.
    pub seed: String,
}

/// Builds the plan, or says which field is wrong and what is allowed.
pub fn build_plan(form: &PlanForm) -> Result<Plan, String> {
    let symbol = form.symbol.trim();
    if symbol.is_empty() {
        return Err("Dataset: choose a bundled dataset".to_string());
    }
    if form.models.is_empty() {
        return Err("Models: choose at least one model".to_string());
    }
    let extra = 1 + usize::from(form.backtest);
    if form.models.len() + extra > MAX_STEPS {
        return Err(format!(
            "Models: at most {} in one trial ({} chosen)",
            MAX_STEPS - extra,
            form.models.len()
        ));
    }
    let max_concurrent: u32 = form
        .max_concurrent
        .trim()
        .parse()
        .ok()
        .filter(|n| (1..=MAX_CONCURRENT).contains(n))
        .ok_or_else(|| {
            format!(
                "At once: \"{}\" is not a whole number from 1 to {MAX_CONCURRENT}",
                form.max_concurrent.trim()
            )
        })?;
    let seed: u64 = form.seed.trim().parse().map_err(|_| {
        format!(
            "Seed: \"{}\" is not a whole number from 0 to {}",
            form.seed.trim(),
            u64::MAX
        )
    })?;
    let mut steps = vec![Step {
        id: "data".to_string(),
        action: Action::FetchData(FetchData {
            source: "bundled".to_string(),
            symbol: symbol.to_string(),
            from: None,
            to: None,
            timespan: None,
        }),
        inputs: Vec::new(),
    }];
    for model in &form.models {
        let mut lab = RunLab::new(symbol, ModelScope::Model, Some(model));
        lab.target = form.target;
        lab.seed = seed;
        let id = step_id(model);
        if steps.iter().any(|s| s.id == id) {
            return Err(format!("Models: {model} is chosen twice"));
        }
        steps.push(Step {
            id,
            action: Action::RunLab(lab),
            inputs: vec!["data".to_string()],
        });
    }
    if form.backtest {
        let backtest = serde_json::from_value(serde_json::json!({
            "symbol": symbol, "rule": "ma_crossover"
        }))
        .map_err(|e| format!("Backtest: {e}"))?;
        steps.push(Step {
            id: "backtest_ma".to_string(),
            action: Action::Backtest(Box::new(backtest)),
            inputs: Vec::new(),
        });
    }
    let name = match form.name.trim() {
        "" => format!("{} models on {symbol}", form.models.len()),
        name => name.to_string(),
    };
    Ok(Plan {
        name,
        seed: Some(seed),
        max_concurrent,
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(models: &[&str]) -> PlanForm {
        PlanForm {
            name: String::new(),
            symbol: "sp500".into(),
            target: LabTarget::Direction,
            models: models.iter().map(|m| m.to_string()).collect(),
            backtest: true,
            max_concurrent: "2".into(),
            seed: "7".into(),
        }
    }

    #[test]
    fn models_take_the_one_fetch_and_the_backtest_stands_alone() {
        let plan = build_plan(&form(&["a", "b.c"])).unwrap();
        let ids: Vec<&str> = plan.steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, vec!["data", "a", "b_c", "backtest_ma"]);
        assert_eq!(plan.steps[1].inputs, vec!["data".to_string()]);
        assert_eq!(plan.steps[2].action.tool_name(), "run_lab");
        assert!(plan.steps[3].inputs.is_empty());
        assert_eq!(plan.steps[3].action.tool_name(), "backtest");
        assert_eq!(plan.name, "2 models on sp500");
        assert_eq!(plan.seed, Some(7));
        // The plan round-trips through the server's parser.
        let json = serde_json::to_value(&plan).unwrap();
        assert_eq!(Plan::from_value(json).unwrap(), plan);
    }

    #[test]
    fn bad_fields_are_named() {
        assert!(build_plan(&form(&[])).unwrap_err().starts_with("Models:"));
        let mut f = form(&["a"]);
        f.max_concurrent = "9".into();
        assert!(build_plan(&f).unwrap_err().starts_with("At once:"));
        f.max_concurrent = "1".into();
        f.seed = "-1".into();
        assert!(build_plan(&f).unwrap_err().starts_with("Seed:"));
        let f = form(&["a", "a"]);
        assert!(build_plan(&f).unwrap_err().contains("twice"));
        let many: Vec<String> = (0..MAX_STEPS).map(|i| format!("m{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(build_plan(&form(&refs))
            .unwrap_err()
            .starts_with("Models: at most"));
    }
}
