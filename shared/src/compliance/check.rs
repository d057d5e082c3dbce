//! Applies [`Rules`] to data requests, goals and results. Each check walks
//! its rules in a fixed order and stops at the first refusal, so a verdict
//! always names exactly one rule.
//!
//! Pure: the caller passes "today"; nothing here reads a clock.

use serde::{Deserialize, Serialize};

use super::rules::Rules;
use crate::api::{client_id_problem, DataRequest, GoalRequest, ParamValue, ResultRecord};
use crate::pricing::dates::Date;

/// The outcome of a check: allowed or refused, by which rule, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// Whether the request may go ahead.
    pub allowed: bool,
    /// The deciding rule's id, e.g. `source.approved`; `all` when allowed.
    pub rule_id: String,
    /// Why, in words that name the offending value and the allowed ones.
    pub reason: String,
}

impl Verdict {
    fn allow(checked: &[&str]) -> Verdict {
        Verdict {
            allowed: true,
            rule_id: "all".to_string(),
            reason: format!("passed {}", checked.join(", ")),
        }
    }

    fn refuse(rule_id: &str, reason: String) -> Verdict {
        Verdict {
            allowed: false,
            rule_id: rule_id.to_string(),
            reason,
        }
    }
}

/// Shorthand for a check step: `Err` carries the refusal.
type Step = Result<(), Verdict>;

/// Checks one request for data before anything is fetched.
///
/// Rules, in order: `data.no_synthetic`, `source.approved`, `symbol.format`,
/// `timespan.allowed`, `multiplier.bounds`, `date.format`, `date.order`,
/// `date.bounds` (not before the earliest date, not after `today`),
/// `span.intraday_limit`.
pub fn check_data_request(rules: &Rules, request: &DataRequest, today: Date) -> Verdict {
    let steps = || -> Step {
        no_synthetic(rules, "source", &request.source)?;
        no_synthetic(rules, "symbol", &request.symbol)?;
        approved_source(rules, &request.source)?;
        symbol_format(rules, &request.source, &request.symbol)?;
        let timespan = request.timespan.as_deref().unwrap_or("day");
        if !rules.allowed_timespans.iter().any(|t| t == timespan) {
            return Err(Verdict::refuse(
                "timespan.allowed",
                format!(
                    "timespan \"{timespan}\" is not one of {}",
                    rules.allowed_timespans.join(", ")
                ),
            ));
        }
        let multiplier = request.multiplier.unwrap_or(1);
        if multiplier == 0 || multiplier > rules.max_multiplier {
            return Err(Verdict::refuse(
                "multiplier.bounds",
                format!(
                    "multiplier {multiplier} is outside the allowed range 1..={}",
                    rules.max_multiplier
                ),
            ));
        }
        let from = optional_date("from", request.from.as_deref())?;
        let to = optional_date("to", request.to.as_deref())?;
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                return Err(Verdict::refuse(
                    "date.order",
                    format!(
                        "from {} is after to {}",
                        request.from.as_deref().unwrap_or_default(),
                        request.to.as_deref().unwrap_or_default()
                    ),
                ));
            }
        }
        let earliest = Date::parse(&rules.earliest_date).map_err(|error| {
            Verdict::refuse("date.bounds", format!("the rules' earliest date: {error}"))
        })?;
        for (field, date) in [("from", from), ("to", to)] {
            let Some(date) = date else { continue };
            if date < earliest || date > today {
                return Err(Verdict::refuse(
                    "date.bounds",
                    format!(
                        "{field} {} is outside the allowed range {} to {} (today)",
                        iso(date),
                        rules.earliest_date,
                        iso(today)
                    ),
                ));
            }
        }
        if matches!(timespan, "minute" | "hour") {
            let span = match (from, to) {
                (Some(from), Some(to)) => from.days_until(&to),
                _ => i64::MAX,
            };
            if span > i64::from(rules.max_intraday_span_days) {
                return Err(Verdict::refuse(
                    "span.intraday_limit",
                    format!(
                        "{timespan} bars need both from and to at most {} days apart",
                        rules.max_intraday_span_days
                    ),
                ));
            }
        }
        Ok(())
    };
    match steps() {
        Ok(()) => Verdict::allow(&[
            "data.no_synthetic",
            "source.approved",
            "symbol.format",
            "timespan.allowed",
            "multiplier.bounds",
            "date.format",
            "date.order",
            "date.bounds",
            "span.intraday_limit",
        ]),
        Err(verdict) => verdict,
    }
}

/// Checks a goal before it is stored.
///
/// Rules, in order: `goal.length` (not empty, at most the maximum),
/// `data.no_synthetic` (the text asks for no synthetic data),
/// `source.approved` (every declared source).
pub fn check_goal(rules: &Rules, goal: &GoalRequest) -> Verdict {
    let steps = || -> Step {
        let chars = goal.text.trim().chars().count();
        if chars == 0 || chars > rules.max_goal_chars {
            return Err(Verdict::refuse(
                "goal.length",
                format!(
                    "the goal has {chars} characters; it must have 1 to {}",
                    rules.max_goal_chars
                ),
            ));
        }
        no_synthetic(rules, "goal", &goal.text)?;
        for source in &goal.sources {
            no_synthetic(rules, "source", source)?;
            approved_source(rules, source)?;
        }
        Ok(())
    };
    match steps() {
        Ok(()) => Verdict::allow(&["goal.length", "data.no_synthetic", "source.approved"]),
        Err(verdict) => verdict,
    }
}

/// Checks a result before it is recorded.
///
/// Rules, in order: `data.no_synthetic`, `source.approved`,
/// `symbol.format`, `model.allowed` (family approved, name well formed),
/// `result.provenance` (a 64-hex data hash), `result.metrics_finite`,
/// `parameter.bounds`.
pub fn check_result(rules: &Rules, record: &ResultRecord) -> Verdict {
    let steps = || -> Step {
        no_synthetic(rules, "source", &record.source)?;
        no_synthetic(rules, "kind", &record.kind)?;
        approved_source(rules, &record.source)?;
        symbol_format(rules, &record.source, &record.symbol)?;
        if !rules.allowed_model_families.contains(&record.family) {
            return Err(Verdict::refuse(
                "model.allowed",
                format!(
                    "model family \"{}\" is not one of {}",
                    record.family,
                    rules.allowed_model_families.join(", ")
                ),
            ));
        }
        let name_ok = !record.model.is_empty()
            && record.model.len() <= rules.max_model_name_len
            && record
                .model
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !name_ok {
            return Err(Verdict::refuse(
                "model.allowed",
                format!(
                    "model name \"{}\" must be 1-{} characters of a-z 0-9 _",
                    record.model, rules.max_model_name_len
                ),
            ));
        }
        let hash_ok =
            record.data_hash.len() == 64 && record.data_hash.chars().all(|c| c.is_ascii_hexdigit());
        if !hash_ok {
            return Err(Verdict::refuse(
                "result.provenance",
                format!(
                    "data_hash \"{}\" is not a 64-character hex SHA-256",
                    record.data_hash
                ),
            ));
        }
        if let Some(problem) = record.client_id.as_deref().and_then(client_id_problem) {
            return Err(Verdict::refuse("result.client_id", problem));
        }
        if let Some((name, value)) = record.metrics.iter().find(|(_, v)| !v.is_finite()) {
            return Err(Verdict::refuse(
                "result.metrics_finite",
                format!("metric \"{name}\" is {value}; every metric must be a finite number"),
            ));
        }
        for bound in &rules.parameter_bounds {
            if let Some(ParamValue::Number(value)) = record.params.get(&bound.name) {
                if !(bound.min..=bound.max).contains(value) {
                    return Err(Verdict::refuse(
                        "parameter.bounds",
                        format!(
                            "parameter {} = {value} is outside the allowed range {} to {}",
                            bound.name, bound.min, bound.max
                        ),
                    ));
                }
            }
        }
        Ok(())
    };
    match steps() {
        Ok(()) => Verdict::allow(&[
            "data.no_synthetic",
            "source.approved",
            "symbol.format",
            "model.allowed",
            "result.provenance",
            "result.metrics_finite",
            "parameter.bounds",
        ]),
        Err(verdict) => verdict,
    }
}

fn no_synthetic(rules: &Rules, field: &str, text: &str) -> Step {
    match rules.synthetic_marker_in(text) {
        Some(marker) => Err(Verdict::refuse(
            "data.no_synthetic",
            format!(
                "{field} mentions \"{marker}\": only real data from approved sources may be used \
                 (Monte Carlo is allowed for pricing and risk, never as a dataset)"
            ),
        )),
        None => Ok(()),
    }
}

fn approved_source(rules: &Rules, source: &str) -> Step {
    if rules.source(source).is_some() {
        return Ok(());
    }
    let names: Vec<&str> = rules
        .approved_sources
        .iter()
        .map(|rule| rule.name.as_str())
        .collect();
    Err(Verdict::refuse(
        "source.approved",
        format!(
            "source \"{source}\" is not approved; approved sources are {}",
            names.join(", ")
        ),
    ))
}

fn symbol_format(rules: &Rules, source: &str, symbol: &str) -> Step {
    let Some(rule) = rules.source(source) else {
        return approved_source(rules, source);
    };
    match rule.symbol.mismatch(symbol) {
        Some(why) => Err(Verdict::refuse(
            "symbol.format",
            format!("symbol for {source}: {why}"),
        )),
        None => Ok(()),
    }
}

fn optional_date(field: &str, text: Option<&str>) -> Result<Option<Date>, Verdict> {
    text.map(|text| {
        Date::parse(text)
            .map_err(|error| Verdict::refuse("date.format", format!("{field}: {error}")))
    })
    .transpose()
}

fn iso(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn today() -> Date {
        Date::parse("2026-11-23").unwrap()
    }

    fn request(source: &str, symbol: &str) -> DataRequest {
        DataRequest {
            source: source.to_string(),
            symbol: symbol.to_string(),
            from: Some("2024-01-02".to_string()),
            to: Some("2024-03-28".to_string()),
            timespan: None,
            multiplier: None,
        }
    }

    fn refused_by(verdict: &Verdict) -> &str {
        assert!(!verdict.allowed, "expected a refusal, got {verdict:?}");
        &verdict.rule_id
    }

    #[test]
    fn approved_requests_pass() {
        let rules = Rules::default_rules();
        for (source, symbol) in [
            ("polygon", "AAPL"),
            ("fred", "DGS10"),
            ("bundled", "sp500"),
            ("user_upload", "7"),
        ] {
            let verdict = check_data_request(&rules, &request(source, symbol), today());
            assert!(verdict.allowed, "{source}: {verdict:?}");
            assert_eq!(verdict.rule_id, "all");
        }
    }

    #[test]
    fn each_data_rule_refuses_with_its_id() {
        let rules = Rules::default_rules();
        let check = |r: DataRequest| check_data_request(&rules, &r, today());
        assert_eq!(
            refused_by(&check(request("synthetic", "AAPL"))),
            "data.no_synthetic"
        );
        let verdict = check(request("yahoo", "AAPL"));
        assert_eq!(refused_by(&verdict), "source.approved");
        assert!(verdict.reason.contains("\"yahoo\""), "{}", verdict.reason);
        assert!(verdict
            .reason
            .contains("polygon, fred, bundled, user_upload"));
        assert_eq!(
            refused_by(&check(request("polygon", "aapl"))),
            "symbol.format"
        );
        let mut r = request("polygon", "AAPL");
        r.timespan = Some("second".into());
        assert_eq!(refused_by(&check(r)), "timespan.allowed");
        let mut r = request("polygon", "AAPL");
        r.multiplier = Some(0);
        assert_eq!(refused_by(&check(r)), "multiplier.bounds");
        let mut r = request("polygon", "AAPL");
        r.from = Some("2024-02-30".into());
        assert_eq!(refused_by(&check(r)), "date.format");
        let mut r = request("polygon", "AAPL");
        r.from = Some("2024-04-01".into());
        assert_eq!(refused_by(&check(r)), "date.order");
        let mut r = request("polygon", "AAPL");
        r.to = Some("2027-01-01".into());
        let verdict = check(r);
        assert_eq!(refused_by(&verdict), "date.bounds");
        assert!(verdict.reason.contains("2026-11-23"), "{}", verdict.reason);
        let mut r = request("polygon", "AAPL");
        r.from = Some("1899-12-31".into());
        assert_eq!(refused_by(&check(r)), "date.bounds");
        let mut r = request("polygon", "AAPL");
        r.timespan = Some("minute".into());
        assert_eq!(refused_by(&check(r)), "span.intraday_limit");
        let mut r = request("polygon", "AAPL");
        r.timespan = Some("minute".into());
        r.to = Some("2024-01-31".into());
        assert!(check(r).allowed);
    }

    #[test]
    fn goals() {
        let rules = Rules::default_rules();
        let goal = |text: &str, sources: &[&str]| GoalRequest {
            text: text.to_string(),
            sources: sources.iter().map(|s| s.to_string()).collect(),
        };
        assert!(
            check_goal(
                &rules,
                &goal(
                    "Beat buy-and-hold on next-week S&P 500 direction",
                    &["bundled"]
                )
            )
            .allowed
        );
        assert_eq!(
            refused_by(&check_goal(&rules, &goal("   ", &[]))),
            "goal.length"
        );
        assert_eq!(
            refused_by(&check_goal(
                &rules,
                &goal("Train on synthetic prices until it works", &[])
            )),
            "data.no_synthetic"
        );
        assert_eq!(
            refused_by(&check_goal(&rules, &goal("Predict AAPL", &["yahoo"]))),
            "source.approved"
        );
        let long = "x".repeat(rules.max_goal_chars + 1);
        assert_eq!(
            refused_by(&check_goal(&rules, &goal(&long, &[]))),
            "goal.length"
        );
    }

    fn record() -> ResultRecord {
        ResultRecord {
            kind: "lab_run".into(),
            model: "random_forest_100".into(),
            family: "random_forest".into(),
            params: BTreeMap::from([("n_estimators".to_string(), ParamValue::Number(100.0))]),
            seed: 42,
            source: "bundled".into(),
            symbol: "sp500".into(),
            data_hash: "ab".repeat(32),
            code_version: "0.1.0".into(),
            metrics: BTreeMap::from([("accuracy".to_string(), 0.53)]),
            client_id: None,
        }
    }

    #[test]
    fn results() {
        let rules = Rules::default_rules();
        assert!(check_result(&rules, &record()).allowed);
        let mut r = record();
        r.family = "oracle".into();
        assert_eq!(refused_by(&check_result(&rules, &r)), "model.allowed");
        let mut r = record();
        r.model = "Random Forest".into();
        assert_eq!(refused_by(&check_result(&rules, &r)), "model.allowed");
        let mut r = record();
        r.client_id = Some("a".repeat(65));
        assert_eq!(refused_by(&check_result(&rules, &r)), "result.client_id");
        r.client_id = Some("run 1".into());
        assert_eq!(refused_by(&check_result(&rules, &r)), "result.client_id");
        r.client_id = Some("fin-0123abcd_9".into());
        assert!(check_result(&rules, &r).allowed);
        r.family = "portfolio".into();
        assert!(check_result(&rules, &r).allowed);
        let mut r = record();
        r.data_hash = "nothex".into();
        assert_eq!(refused_by(&check_result(&rules, &r)), "result.provenance");
        let mut r = record();
        r.metrics.insert("sharpe".into(), f64::NAN);
        assert_eq!(
            refused_by(&check_result(&rules, &r)),
            "result.metrics_finite"
        );
        let mut r = record();
        r.params
            .insert("n_estimators".into(), ParamValue::Number(5_000.0));
        let verdict = check_result(&rules, &r);
        assert_eq!(refused_by(&verdict), "parameter.bounds");
        assert!(verdict.reason.contains("1 to 2000"), "{}", verdict.reason);
        let mut r = record();
        r.source = "synthetic_gbm".into();
        assert_eq!(refused_by(&check_result(&rules, &r)), "data.no_synthetic");
    }
}
