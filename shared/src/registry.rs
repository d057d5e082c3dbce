//! The model registry's pure half: the wire types of `/api/registry`,
//! model-name rules, the export format, side-by-side comparison of two
//! versions, and the re-run that checks whether a version's metrics
//! reproduce bit for bit.
//!
//! A re-run repeats what the Lab and the trial runner do: the series'
//! dataset with [`FeatureSpec::default`] and the recorded horizon
//! (`horizon_days`), the recorded catalog entry, seed and walk-forward
//! settings (`train_window`, `test_window`, `gap`, `window`, `cost_bps`),
//! then [`evaluate`]. Metrics are compared by their bits; a different code
//! version or data hash is reported next to the comparison, never hidden.
//!
//! No storage, no fetching: the server stores versions and fetches the
//! series through its gateway.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::api::{DataRequest, ParamValue, ResultRecord};
use crate::data::Series;
use crate::features::{build_dataset, FeatureSpec};
use crate::models::evaluation::CODE_VERSION;
use crate::models::{entry, evaluate, WalkForwardConfig, Window};

/// The `format` field of an exported version.
pub const EXPORT_FORMAT: &str = "mltrainer.model_version";
/// The version of the export format this build writes and reads.
pub const EXPORT_FORMAT_VERSION: u32 = 1;
/// Longest model name.
pub const MAX_NAME_CHARS: usize = 64;
/// Longest note.
pub const MAX_NOTE_CHARS: usize = 500;
/// Names that are routes of `/api/registry` and cannot name a model.
pub const RESERVED_NAMES: &[&str] = &["import"];

/// Why a registry request cannot be served.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// The model name breaks the naming rule.
    #[error("name must be 1 to {MAX_NAME_CHARS} characters of letters, digits, '_', '-' or '.', and not {reserved}; got {0:?}", reserved = RESERVED_NAMES.join(", "))]
    Name(String),
    /// The note is too long.
    #[error("note must be at most {MAX_NOTE_CHARS} characters, got {0}")]
    Note(usize),
    /// The export is not one this build reads.
    #[error("export format must be {EXPORT_FORMAT:?} version {EXPORT_FORMAT_VERSION}, got {format:?} version {version}")]
    Format {
        /// The `format` found.
        format: String,
        /// The `format_version` found.
        version: u32,
    },
    /// The recorded run cannot be repeated: a field is missing or invalid.
    #[error("cannot re-run: {field} {reason}")]
    Rerun {
        /// The record's field or parameter.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
}

fn rerun_error(field: &str, reason: impl Into<String>) -> RegistryError {
    RegistryError::Rerun {
        field: field.to_string(),
        reason: reason.into(),
    }
}

/// Checks a model name against the rule in [`RegistryError::Name`].
pub fn validate_name(name: &str) -> Result<(), RegistryError> {
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !RESERVED_NAMES.contains(&name)
        && name != "."
        && name != "..";
    if ok {
        Ok(())
    } else {
        Err(RegistryError::Name(name.to_string()))
    }
}

/// Checks a note's length.
pub fn validate_note(note: &str) -> Result<(), RegistryError> {
    let n = note.chars().count();
    if n > MAX_NOTE_CHARS {
        Err(RegistryError::Note(n))
    } else {
        Ok(())
    }
}

/// `POST /api/registry`: register a stored result as the next version of
/// `name`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegisterRequest {
    /// The model's name (see [`validate_name`]).
    pub name: String,
    /// The stored result (`GET /api/results`) to register.
    pub result_id: i64,
    /// A note, at most [`MAX_NOTE_CHARS`].
    #[serde(default)]
    pub note: String,
}

/// How a version entered the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Registered from a stored result.
    Result,
    /// Re-imported from an export.
    Import,
}

impl Origin {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Result => "result",
            Origin::Import => "import",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Origin> {
        match text {
            "result" => Some(Origin::Result),
            "import" => Some(Origin::Import),
            _ => None,
        }
    }
}

/// One registered version: the run's record (parameters, metrics, data
/// hash, seed, code version) under a name and a number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelVersion {
    /// The model's name.
    pub name: String,
    /// 1, 2, 3, ... per name.
    pub version: u32,
    /// The stored result it came from (none for an import).
    pub result_id: Option<i64>,
    /// How it entered the registry.
    pub origin: Origin,
    /// The note given when registering.
    pub note: String,
    /// Whether it is the name's active version.
    pub active: bool,
    /// When it was registered (RFC 3339, UTC).
    pub created_at: String,
    /// What ran and what it scored.
    pub record: ResultRecord,
}

/// A registered name with its versions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegistryModel {
    /// The model's name.
    pub name: String,
    /// How many versions it has.
    pub versions: u32,
    /// The active one, if any.
    pub active_version: Option<u32>,
    /// Catalog model and family of the active (else latest) version.
    pub model: String,
    /// Its family.
    pub family: String,
}

/// `POST /api/registry/{name}/activate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivateRequest {
    /// The version to make active.
    pub version: u32,
}

/// `POST /api/registry/{name}/rollback`: back to `version`, or, when
/// absent, to the highest version below the active one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollbackRequest {
    /// An earlier version than the active one.
    #[serde(default)]
    pub version: Option<u32>,
}

/// `GET /api/registry/{name}/compare?a=&b=`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompareQuery {
    /// The first version.
    pub a: u32,
    /// The second version.
    pub b: u32,
}

/// An exported version: what `GET .../export` answers and
/// `POST /api/registry/import` takes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionExport {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    /// Always [`EXPORT_FORMAT_VERSION`].
    pub format_version: u32,
    /// The model's name.
    pub name: String,
    /// Its version number when exported.
    pub version: u32,
    /// The note.
    #[serde(default)]
    pub note: String,
    /// What ran and what it scored.
    pub record: ResultRecord,
}

impl VersionExport {
    /// The export of `version`.
    pub fn of(version: &ModelVersion) -> VersionExport {
        VersionExport {
            format: EXPORT_FORMAT.to_string(),
            format_version: EXPORT_FORMAT_VERSION,
            name: version.name.clone(),
            version: version.version,
            note: version.note.clone(),
            record: version.record.clone(),
        }
    }

    /// Checks the format, the name and the note before an import.
    pub fn validate(&self) -> Result<(), RegistryError> {
        if self.format != EXPORT_FORMAT || self.format_version != EXPORT_FORMAT_VERSION {
            return Err(RegistryError::Format {
                format: self.format.clone(),
                version: self.format_version,
            });
        }
        validate_name(&self.name)?;
        validate_note(&self.note)
    }
}

/// One metric of two versions side by side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricPair {
    /// Metric name.
    pub name: String,
    /// Version a's value.
    pub a: Option<f64>,
    /// Version b's value.
    pub b: Option<f64>,
    /// `b - a`, when both exist.
    pub difference: Option<f64>,
}

/// One parameter of two versions side by side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParamPair {
    /// Parameter name.
    pub name: String,
    /// Version a's value.
    pub a: Option<ParamValue>,
    /// Version b's value.
    pub b: Option<ParamValue>,
    /// Whether they are equal.
    pub same: bool,
}

/// Two versions side by side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The first version.
    pub a: ModelVersion,
    /// The second version.
    pub b: ModelVersion,
    /// Every metric of either, by name.
    pub metrics: Vec<MetricPair>,
    /// Every parameter of either, by name.
    pub params: Vec<ParamPair>,
    /// Same data hash.
    pub same_data: bool,
    /// Same seed.
    pub same_seed: bool,
    /// Same code version.
    pub same_code_version: bool,
}

/// `a` and `b` side by side: the union of their metrics and parameters.
pub fn compare(a: ModelVersion, b: ModelVersion) -> Comparison {
    let (ra, rb) = (&a.record, &b.record);
    let names: BTreeSet<&String> = ra.metrics.keys().chain(rb.metrics.keys()).collect();
    let metrics = names
        .into_iter()
        .map(|name| {
            let (x, y) = (ra.metrics.get(name).copied(), rb.metrics.get(name).copied());
            MetricPair {
                name: name.clone(),
                a: x,
                b: y,
                difference: x.zip(y).map(|(x, y)| y - x),
            }
        })
        .collect();
    let names: BTreeSet<&String> = ra.params.keys().chain(rb.params.keys()).collect();
    let params = names
        .into_iter()
        .map(|name| {
            let (x, y) = (ra.params.get(name).cloned(), rb.params.get(name).cloned());
            ParamPair {
                name: name.clone(),
                same: x == y,
                a: x,
                b: y,
            }
        })
        .collect();
    Comparison {
        same_data: ra.data_hash == rb.data_hash,
        same_seed: ra.seed == rb.seed,
        same_code_version: ra.code_version == rb.code_version,
        metrics,
        params,
        a,
        b,
    }
}

/// What a re-run of a record repeats.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RerunSettings {
    /// The catalog entry's name.
    pub model: String,
    /// The label horizon (rows).
    pub horizon: usize,
    /// Walk-forward settings with the recorded seed.
    pub config: WalkForwardConfig,
    /// The data to fetch: the whole series of the recorded source and
    /// symbol, as the Lab fetches it.
    pub request: DataRequest,
}

fn number(record: &ResultRecord, name: &str) -> Result<f64, RegistryError> {
    match record.params.get(name) {
        Some(ParamValue::Number(v)) if v.is_finite() => Ok(*v),
        Some(other) => Err(rerun_error(
            name,
            format!("must be a number, got {other:?}"),
        )),
        None => Err(rerun_error(name, "is missing from the recorded parameters")),
    }
}

fn rows(record: &ResultRecord, name: &str) -> Result<usize, RegistryError> {
    let v = number(record, name)?;
    if v < 0.0 || v.fract() != 0.0 || v > 1e9 {
        return Err(rerun_error(
            name,
            format!("must be a whole number of rows, got {v}"),
        ));
    }
    Ok(v as usize)
}

/// The settings a re-run of `record` uses, read as the module doc says;
/// only lab runs of catalog models can be repeated.
pub fn rerun_settings(record: &ResultRecord) -> Result<RerunSettings, RegistryError> {
    if record.kind != "lab_run" {
        return Err(rerun_error(
            "kind",
            format!("must be lab_run to re-run, got {:?}", record.kind),
        ));
    }
    let window = match record.params.get("window") {
        Some(ParamValue::Text(w)) if w == "expanding" => Window::Expanding,
        Some(ParamValue::Text(w)) if w == "rolling" => Window::Rolling,
        other => {
            return Err(rerun_error(
                "window",
                format!("must be expanding or rolling, got {other:?}"),
            ))
        }
    };
    let config = WalkForwardConfig {
        train_rows: rows(record, "train_window")?,
        test_rows: rows(record, "test_window")?,
        gap: rows(record, "gap")?,
        window,
        seed: record.seed,
        cost_bps: number(record, "cost_bps")?,
    };
    let horizon = rows(record, "horizon_days")?;
    config
        .validate_for_horizon(horizon)
        .map_err(|e| rerun_error("walk-forward settings", e.to_string()))?;
    Ok(RerunSettings {
        model: record.model.clone(),
        horizon,
        config,
        request: DataRequest {
            source: record.source.clone(),
            symbol: record.symbol.clone(),
            from: None,
            to: None,
            timespan: None,
            multiplier: None,
        },
    })
}

/// One metric, recorded and re-computed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricCheck {
    /// Metric name.
    pub name: String,
    /// The recorded value.
    pub recorded: Option<f64>,
    /// The re-computed value.
    pub now: Option<f64>,
    /// Both present with the same bits.
    pub identical: bool,
}

/// The outcome of a re-run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reproduction {
    /// Every metric of either run, by name.
    pub metrics: Vec<MetricCheck>,
    /// Every metric present in both with the same bits.
    pub reproduced: bool,
    /// The data hash recorded with the version.
    pub data_hash_recorded: String,
    /// The data hash of the series fetched now.
    pub data_hash_now: String,
    /// The code version recorded with the version.
    pub code_version_recorded: String,
    /// This build's code version ([`CODE_VERSION`]).
    pub code_version_now: String,
    /// What the outcome means, in one sentence.
    pub summary: String,
}

/// Compares recorded and re-computed metrics by their bits.
pub fn check_metrics(
    recorded: &BTreeMap<String, f64>,
    now: &BTreeMap<String, f64>,
) -> Vec<MetricCheck> {
    let names: BTreeSet<&String> = recorded.keys().chain(now.keys()).collect();
    names
        .into_iter()
        .map(|name| {
            let (r, n) = (recorded.get(name).copied(), now.get(name).copied());
            MetricCheck {
                name: name.clone(),
                identical: matches!((r, n), (Some(r), Some(n)) if r.to_bits() == n.to_bits()),
                recorded: r,
                now: n,
            }
        })
        .collect()
}

/// Re-runs `record` on `series` (fetched for [`rerun_settings`]'s
/// request) and compares the metrics bit for bit. `cancelled` is checked
/// between folds.
pub fn reproduce(
    record: &ResultRecord,
    series: &Series,
    cancelled: &dyn Fn() -> bool,
) -> Result<Reproduction, RegistryError> {
    let settings = rerun_settings(record)?;
    let entry = entry(&settings.model).ok_or_else(|| {
        rerun_error(
            "model",
            format!("{:?} is not in the model catalog", settings.model),
        )
    })?;
    let data = build_dataset(series, &FeatureSpec::default(), settings.horizon)
        .map_err(|e| rerun_error("data", e.to_string()))?;
    let report = evaluate(&entry, &data, &settings.config, cancelled)
        .map_err(|e| rerun_error("evaluation", e.to_string()))?;
    let metrics = check_metrics(&record.metrics, &report.metrics());
    let reproduced = metrics.iter().all(|m| m.identical);
    let same_data = record.data_hash == report.data_hash;
    let same_code = record.code_version == report.code_version;
    let summary = match (reproduced, same_data, same_code) {
        (true, _, true) => {
            "every metric reproduced bit for bit on the same code version".to_string()
        }
        (true, _, false) => format!(
            "every metric reproduced bit for bit, on code version {} (recorded with {})",
            report.code_version, record.code_version
        ),
        (false, false, _) => format!(
            "metrics differ: the data changed (hash {} now, {} recorded)",
            short(&report.data_hash),
            short(&record.data_hash)
        ),
        (false, true, false) => format!(
            "metrics differ: recorded with code version {}, re-run with {}",
            record.code_version, report.code_version
        ),
        (false, true, true) => {
            "metrics differ on the same code version and data: not reproduced".to_string()
        }
    };
    Ok(Reproduction {
        reproduced,
        data_hash_recorded: record.data_hash.clone(),
        data_hash_now: report.data_hash,
        code_version_recorded: record.code_version.clone(),
        code_version_now: CODE_VERSION.to_string(),
        summary,
        metrics,
    })
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::bundled;

    fn version(n: u32, record: ResultRecord) -> ModelVersion {
        ModelVersion {
            name: "trend".into(),
            version: n,
            result_id: Some(n as i64),
            origin: Origin::Result,
            note: String::new(),
            active: false,
            created_at: "2026-01-01T00:00:00Z".into(),
            record,
        }
    }

    fn lab_record(model: &str, seed: u64) -> (ResultRecord, Series) {
        let series = bundled::load("sp500").unwrap();
        let mut config = crate::actions::LAB_DEFAULTS.clone();
        config.seed = seed;
        config.train_rows = 500;
        config.test_rows = 500;
        let data = build_dataset(&series, &FeatureSpec::default(), 1).unwrap();
        let report = evaluate(&entry(model).unwrap(), &data, &config, &|| false).unwrap();
        (report.to_result_record("bundled", "sp500"), series)
    }

    #[test]
    fn names_and_exports_are_checked() {
        for good in ["trend", "rf-v2.1", "A_b"] {
            assert!(validate_name(good).is_ok(), "{good}");
        }
        for bad in ["", "import", "a b", "x/y", "..", &"a".repeat(65)] {
            assert_eq!(
                validate_name(bad),
                Err(RegistryError::Name(bad.to_string()))
            );
        }
        assert_eq!(
            validate_note(&"n".repeat(501)),
            Err(RegistryError::Note(501))
        );
        let (record, _) = lab_record("baseline_majority_class", 42);
        let mut export = VersionExport::of(&version(3, record));
        assert!(export.validate().is_ok());
        export.format_version = 2;
        assert!(matches!(
            export.validate(),
            Err(RegistryError::Format { version: 2, .. })
        ));
    }

    #[test]
    fn reruns_reproduce_bit_for_bit_and_report_differences() {
        let (record, series) = lab_record("logistic_l2_c_1", 7);
        // Through JSON and back, as the store and an export carry it.
        let json = serde_json::to_string(&VersionExport::of(&version(1, record.clone()))).unwrap();
        let back: VersionExport = serde_json::from_str(&json).unwrap();
        let outcome = reproduce(&back.record, &series, &|| false).unwrap();
        assert!(outcome.reproduced, "{outcome:?}");
        assert!(outcome.metrics.len() >= 20 && outcome.metrics.iter().all(|m| m.identical));
        assert_eq!(outcome.data_hash_now, record.data_hash);
        assert!(outcome.summary.contains("same code version"));

        // A different seed's metrics do not reproduce this run's.
        let mut changed = record.clone();
        changed.seed = 8;
        let (other, _) = lab_record("logistic_l2_c_1", 8);
        let outcome = reproduce(&changed, &series, &|| false).unwrap();
        assert_eq!(
            outcome.metrics.iter().all(|m| m.identical),
            other.metrics == record.metrics
        );
        // One bit off in a recorded metric is caught.
        let mut tampered = record.clone();
        let sharpe = tampered.metrics["sharpe"];
        tampered
            .metrics
            .insert("sharpe".into(), f64::from_bits(sharpe.to_bits() ^ 1));
        let outcome = reproduce(&tampered, &series, &|| false).unwrap();
        assert!(!outcome.reproduced);
        let failed: Vec<&str> = outcome
            .metrics
            .iter()
            .filter(|m| !m.identical)
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(failed, ["sharpe"]);
        assert!(outcome.summary.contains("not reproduced"));
        // Another code version is reported, not hidden.
        let mut older = record.clone();
        older.code_version = "0.0.1".into();
        let outcome = reproduce(&older, &series, &|| false).unwrap();
        assert!(outcome.reproduced);
        assert_eq!(outcome.code_version_recorded, "0.0.1");
        assert_eq!(outcome.code_version_now, CODE_VERSION);
        assert!(outcome.summary.contains("recorded with 0.0.1"));
    }

    #[test]
    fn rerun_settings_name_the_bad_field() {
        let (record, _) = lab_record("baseline_majority_class", 42);
        let settings = rerun_settings(&record).unwrap();
        assert_eq!(settings.config.train_rows, 500);
        assert_eq!((settings.horizon, settings.config.seed), (1, 42));
        assert_eq!(settings.request.symbol, "sp500");
        let mut bad = record.clone();
        bad.params.remove("train_window");
        assert!(
            matches!(rerun_settings(&bad), Err(RegistryError::Rerun { field, .. }) if field == "train_window")
        );
        let mut bad = record.clone();
        bad.params
            .insert("window".into(), ParamValue::Text("sliding".into()));
        assert!(
            matches!(rerun_settings(&bad), Err(RegistryError::Rerun { field, .. }) if field == "window")
        );
        let mut bad = record.clone();
        bad.kind = "backtest".into();
        assert!(
            matches!(rerun_settings(&bad), Err(RegistryError::Rerun { field, .. }) if field == "kind")
        );
        let mut bad = record;
        bad.model = "no_such_model".into();
        let series = bundled::load("sp500").unwrap();
        assert!(
            matches!(reproduce(&bad, &series, &|| false), Err(RegistryError::Rerun { field, .. }) if field == "model")
        );
    }

    #[test]
    fn comparison_is_the_union_side_by_side() {
        let (a, _) = lab_record("baseline_majority_class", 42);
        let mut b = a.clone();
        b.seed = 9;
        b.metrics.insert("sharpe".into(), a.metrics["sharpe"] + 0.5);
        b.metrics.remove("hit_rate");
        b.params.insert("extra".into(), ParamValue::Flag(true));
        let c = compare(version(1, a.clone()), version(2, b));
        assert!(c.same_data && c.same_code_version && !c.same_seed);
        let sharpe = c.metrics.iter().find(|m| m.name == "sharpe").unwrap();
        assert!((sharpe.difference.unwrap() - 0.5).abs() < 1e-12);
        let hit = c.metrics.iter().find(|m| m.name == "hit_rate").unwrap();
        assert!(hit.a.is_some() && hit.b.is_none() && hit.difference.is_none());
        assert_eq!(c.metrics.len(), a.metrics.len());
        let extra = c.params.iter().find(|p| p.name == "extra").unwrap();
        assert!(!extra.same && extra.a.is_none());
        assert!(c
            .params
            .iter()
            .filter(|p| p.name != "extra")
            .all(|p| p.same));
    }
}
