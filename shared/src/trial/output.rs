//! What a trial step produced, built the same way by every host (the
//! server's runner and the browser's workers), so the same plan, data and
//! seed give the same summaries, outputs and results wherever it runs:
//! [`fetch_output`], [`lab_output`] (with [`lab_entries`] and
//! [`lab_dataset`] to set the run up), [`price_output`] and
//! [`finance_output`] (or [`finance_outcome_output`]).
//!
//! Pure: the hosts fetch the data and run the models; this only shapes
//! what they report.

use serde_json::{json, Value};

use crate::actions::{Action, PriceOption, RunLab};
use crate::api::ResultRecord;
use crate::data::Series;
use crate::features::{build_dataset, FeatureSpec};
use crate::models::{CatalogEntry, Dataset, ModelReport, WalkForwardConfig};
use crate::pricing::{valuation, Model};

/// Steps of the CRR tree for American options (as in the app's chat card).
pub const AMERICAN_STEPS: usize = 500;

/// What a step produced.
#[derive(Debug, Clone, PartialEq)]
pub struct StepOutput {
    /// A short summary, sent in the step's event.
    pub summary: Value,
    /// The full output, stored with the step and passed to dependants
    /// (for `fetch_data`, the series).
    pub output: Value,
    /// Model results to record, as `POST /api/results` would.
    pub results: Vec<ResultRecord>,
}

/// A `fetch_data` step's output: the series, summarised by its
/// provenance (`cached`: whether the gateway answered from its cache).
pub fn fetch_output(series: &Series, cached: bool) -> Result<StepOutput, String> {
    let provenance = series.provenance();
    let summary = json!({
        "source": provenance.source, "symbol": provenance.symbol, "rows": provenance.rows,
        "first": provenance.first.to_string(), "last": provenance.last.to_string(),
        "content_hash": provenance.content_hash, "cached": cached,
    });
    let output = serde_json::to_value(series).map_err(|e| e.to_string())?;
    Ok(StepOutput {
        summary,
        output,
        results: Vec::new(),
    })
}

/// The first input that is a series (a `fetch_data` step's output), with
/// its step id.
pub fn input_series(inputs: &[(String, Value)]) -> Option<(String, Series)> {
    inputs.iter().find_map(|(id, value)| {
        serde_json::from_value::<Series>(value.clone())
            .ok()
            .map(|series| (id.clone(), series))
    })
}

/// The catalog names a `run_lab` step evaluates, in order, from the model
/// index (so a host that only names them, the browser's page thread, links
/// no model code); an error when none fits.
pub fn lab_model_names(lab: &RunLab) -> Result<Vec<String>, String> {
    let names = lab.models();
    if names.is_empty() {
        return Err("no catalog model fits this run's scope and target".to_string());
    }
    Ok(names)
}

/// The catalog entries a `run_lab` step evaluates, in order; an error
/// when a name is unknown or none fits.
pub fn lab_entries(lab: &RunLab) -> Result<Vec<CatalogEntry>, String> {
    lab_model_names(lab)?
        .iter()
        .map(|name| {
            crate::models::entry(name).ok_or_else(|| format!("{name} is not in the model catalog"))
        })
        .collect()
}

/// A `run_lab` step's dataset (default features, the step's horizon) and
/// walk-forward settings, checked.
pub fn lab_dataset(
    lab: &RunLab,
    series: &Series,
) -> Result<(Dataset, usize, WalkForwardConfig), String> {
    let horizon = usize::try_from(lab.horizon).map_err(|e| e.to_string())?;
    let data =
        build_dataset(series, &FeatureSpec::default(), horizon).map_err(|e| e.to_string())?;
    let config = lab.walk_forward();
    config
        .validate_for_horizon(horizon)
        .map_err(|e| e.to_string())?;
    Ok((data, horizon, config))
}

/// A `run_lab` step's output from each model's report or error (in the
/// order run) on `series` (`rows`: the dataset's rows; `input`: the step
/// it came from, if any). Results are recorded under the run's own source
/// and dataset id (as the app's lab session does). An error when every
/// model failed.
pub fn lab_output(
    lab: &RunLab,
    series: &Series,
    rows: usize,
    input: Option<&str>,
    outcomes: &[(String, Result<ModelReport, String>)],
) -> Result<StepOutput, String> {
    let (source, symbol) = (lab.source.as_str(), lab.symbol.as_str());
    let mut models = Vec::new();
    let mut results = Vec::new();
    for (name, outcome) in outcomes {
        match outcome {
            Ok(report) => {
                let record = report.to_result_record(source, symbol);
                models.push(json!({"model": name, "metrics": record.metrics}));
                results.push(record);
            }
            Err(error) => models.push(json!({"model": name, "error": error})),
        }
    }
    if results.is_empty() {
        return Err(format!(
            "every model failed: {}",
            outcomes
                .iter()
                .filter_map(|(name, o)| o.as_ref().err().map(|e| format!("{name}: {e}")))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    let summary = json!({
        "models": models.len(), "succeeded": results.len(), "rows": rows,
        "data_hash": series.provenance().content_hash, "input": input,
    });
    Ok(StepOutput {
        summary,
        output: json!({ "models": models }),
        results,
    })
}

/// A `price_option` step's output: the valuation (American exercise on a
/// [`AMERICAN_STEPS`]-step tree).
pub fn price_output(option: &PriceOption) -> Result<StepOutput, String> {
    let params = option.params().map_err(|e| e.to_string())?;
    let model = Model {
        exercise: option.exercise(),
        steps: AMERICAN_STEPS,
    };
    let value = valuation(&params, &model).map_err(|e| e.to_string())?;
    let output = serde_json::to_value(value).map_err(|e| e.to_string())?;
    Ok(StepOutput {
        summary: json!({ "price": value.price }),
        output,
        results: Vec::new(),
    })
}

/// A finance step's output (`optimise_portfolio`, `risk_report`,
/// `backtest`) computed with [`crate::execute::run`] on `series`, in the
/// order of the action's data requests.
pub fn finance_output(action: &Action, series: &[Series]) -> Result<StepOutput, String> {
    let outcome = crate::execute::run(action, series)?;
    finance_outcome_output(action, &outcome, series.len())
}

/// A finance step's output from an `outcome` already computed (by the
/// browser's finance worker) on `series` series.
pub fn finance_outcome_output(
    action: &Action,
    outcome: &crate::execute::FinanceOutcome,
    series: usize,
) -> Result<StepOutput, String> {
    let output = serde_json::to_value(outcome).map_err(|e| e.to_string())?;
    Ok(StepOutput {
        summary: json!({ "kind": action.tool_name(), "series": series }),
        output,
        results: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::ModelScope;

    #[test]
    fn a_lab_output_records_each_report_and_fails_when_none_succeeded() {
        let lab = RunLab::new("sp500", ModelScope::Model, Some("baseline_majority_class"));
        let series = crate::data::bundled::load("sp500").unwrap();
        let (data, _, config) = lab_dataset(&lab, &series).unwrap();
        let entries = lab_entries(&lab).unwrap();
        let outcomes: Vec<(String, Result<ModelReport, String>)> =
            crate::models::evaluate_many(&entries, &data, &config, &|| false, &mut |_| {})
                .into_iter()
                .map(|o| (o.name, o.result.map_err(|e| e.to_string())))
                .collect();
        let out = lab_output(&lab, &series, data.len(), Some("fetch"), &outcomes).unwrap();
        assert_eq!(out.results.len(), 1);
        assert_eq!(out.results[0].model, "baseline_majority_class");
        assert_eq!(out.summary["input"], "fetch");
        assert_eq!(out.summary["rows"], data.len());
        assert_eq!(
            out.output["models"][0]["metrics"],
            serde_json::to_value(&out.results[0].metrics).unwrap()
        );
        let failed = [("m".to_string(), Err("too short".to_string()))];
        let error = lab_output(&lab, &series, 0, None, &failed).unwrap_err();
        assert_eq!(error, "every model failed: m: too short");
    }
}
