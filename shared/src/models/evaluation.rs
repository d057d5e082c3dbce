//! Honest walk-forward evaluation: folds that train only on the past (never
//! a shuffled split), a fresh model per fold, and a [`ModelReport`] that
//! scores the model, buy-and-hold and a naive baseline on exactly the same
//! test rows.
//!
//! Leakage rule: a label at row `t` looks `horizon` rows ahead, so the last
//! training row must end at least `horizon - 1` rows before the first test
//! row. A configured gap smaller than that is refused with an error (never
//! silently raised), so what ran is always what was asked for.
//!
//! No clock, no threads: the caller measures time and schedules work.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::metrics::{self, ClassificationMetrics, RegressionMetrics, TradingMetrics};
use super::{CatalogEntry, Dataset, ModelError, ModelSpec, Task};
use crate::api::{ParamValue, ResultRecord};
use crate::calendar::Date;

/// The version of this crate, recorded with every report.
pub const CODE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Allowed training-window sizes (rows); the compliance bounds of
/// `train_window`.
pub const TRAIN_ROWS: (usize, usize) = (20, 20_000);
/// Allowed test-window sizes (rows); the bounds of `test_window`.
pub const TEST_ROWS: (usize, usize) = (1, 5_000);
/// Allowed gaps (rows); the bounds of `gap`.
pub const GAP_ROWS: (usize, usize) = (0, 252);
/// Allowed trading costs (basis points per unit of position change).
pub const COST_BPS: (f64, f64) = (0.0, 1_000.0);

/// How the training window moves from fold to fold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// Every fold trains on all rows from the start up to its cut-off.
    Expanding,
    /// Every fold trains on the `train_rows` rows before its cut-off.
    Rolling,
}

impl Window {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Window::Expanding => "expanding",
            Window::Rolling => "rolling",
        }
    }
}

/// Walk-forward settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WalkForwardConfig {
    /// Rows in the first training window (every window, when rolling).
    pub train_rows: usize,
    /// Rows per test window (the last fold may be shorter).
    pub test_rows: usize,
    /// Rows left out between the end of training and the start of testing;
    /// must be at least the dataset's `horizon - 1`.
    pub gap: usize,
    /// Expanding or rolling training windows.
    pub window: Window,
    /// The run's seed; each fold derives its own with [`fold_seed`].
    pub seed: u64,
    /// Trading cost in basis points per unit of position change.
    pub cost_bps: f64,
}

fn out_of_range(name: &str, allowed: String, got: String) -> ModelError {
    ModelError::Param {
        name: name.to_string(),
        reason: format!("must be {allowed}, got {got}"),
    }
}

impl WalkForwardConfig {
    /// Checks every field against its allowed range; the error names the
    /// field and the range.
    pub fn validate(&self) -> Result<(), ModelError> {
        let ranges = [
            ("train_rows", self.train_rows, TRAIN_ROWS),
            ("test_rows", self.test_rows, TEST_ROWS),
            ("gap", self.gap, GAP_ROWS),
        ];
        for (name, value, (lo, hi)) in ranges {
            if !(lo..=hi).contains(&value) {
                return Err(out_of_range(
                    name,
                    format!("between {lo} and {hi} rows"),
                    value.to_string(),
                ));
            }
        }
        if !(COST_BPS.0..=COST_BPS.1).contains(&self.cost_bps) {
            return Err(out_of_range(
                "cost_bps",
                format!("between {} and {} basis points", COST_BPS.0, COST_BPS.1),
                self.cost_bps.to_string(),
            ));
        }
        Ok(())
    }

    /// [`validate`](Self::validate), plus the leakage rule for labels
    /// `horizon` rows ahead: `gap >= horizon - 1`.
    pub fn validate_for_horizon(&self, horizon: usize) -> Result<(), ModelError> {
        self.validate()?;
        if horizon == 0 {
            return Err(out_of_range("horizon", "at least 1".into(), "0".into()));
        }
        if self.gap < horizon - 1 {
            return Err(out_of_range(
                "gap",
                format!(
                    "at least horizon - 1 = {} rows, so that no training label \
                     overlaps the test period (and at most {})",
                    horizon - 1,
                    GAP_ROWS.1
                ),
                self.gap.to_string(),
            ));
        }
        Ok(())
    }
}

/// One walk-forward fold: train on `train`, test on `test`; `train.end +
/// gap == test.start`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fold {
    /// Training rows.
    pub train: Range<usize>,
    /// Test rows.
    pub test: Range<usize>,
}

/// The folds over `n_rows` rows. The first trains on `0..train_rows` and
/// tests from `train_rows + gap`; test windows of `test_rows` follow one
/// another without overlap up to the last row (the last may be shorter), so
/// together they tile `train_rows + gap..n_rows` in order. Each fold's
/// training ends `gap` rows before its test starts; expanding windows start
/// at 0, rolling windows hold exactly `train_rows` rows.
pub fn folds(n_rows: usize, config: &WalkForwardConfig) -> Result<Vec<Fold>, ModelError> {
    config.validate()?;
    let first_test = config.train_rows + config.gap;
    if first_test >= n_rows {
        return Err(ModelError::TooLittleData(format!(
            "{n_rows} rows leave no test rows after {} training rows and a gap of {}",
            config.train_rows, config.gap
        )));
    }
    let mut folds = Vec::new();
    let mut start = first_test;
    while start < n_rows {
        let end = (start + config.test_rows).min(n_rows);
        let train_end = start - config.gap;
        let train_start = match config.window {
            Window::Expanding => 0,
            Window::Rolling => train_end - config.train_rows,
        };
        folds.push(Fold {
            train: train_start..train_end,
            test: start..end,
        });
        start = end;
    }
    Ok(folds)
}

/// The seed of fold `fold`: SplitMix64 of the run seed and the fold index,
/// the same on every target.
pub fn fold_seed(seed: u64, fold: usize) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15_u64.wrapping_mul(fold as u64 + 1));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Everything a walk-forward run produced, enough to repeat and chart it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelReport {
    /// What ran.
    pub spec: ModelSpec,
    /// The run seed (fold seeds derive from it, see [`fold_seed`]).
    pub seed: u64,
    /// The walk-forward settings.
    pub config: WalkForwardConfig,
    /// The label horizon of the dataset (rows).
    pub horizon: usize,
    /// Symbol of the data.
    pub symbol: String,
    /// Content hash of the data.
    pub data_hash: String,
    /// Version of the code that ran ([`CODE_VERSION`]).
    pub code_version: String,
    /// Number of folds.
    pub n_folds: usize,
    /// Number of test rows over all folds.
    pub n_test_rows: usize,
    /// For classification and clustering tasks.
    pub classification: Option<ClassificationMetrics>,
    /// For regression tasks.
    pub regression: Option<RegressionMetrics>,
    /// The model's signal traded on the test rows.
    pub trading: TradingMetrics,
    /// Always long on the same rows.
    pub buy_and_hold: TradingMetrics,
    /// Naive baseline on the same rows: each fold always long if most of its
    /// training labels were up, else always flat.
    pub baseline: TradingMetrics,
    /// Date of each test row.
    pub dates: Vec<Date>,
    /// The model's prediction of each test row (label or return).
    pub predictions: Vec<f64>,
    /// P(up) of each test row, when the model gives probabilities.
    pub probabilities: Option<Vec<f64>>,
    /// The actual target of each test row (direction or forward return).
    pub actual: Vec<f64>,
    /// The position taken at each test row (1 long, 0 flat).
    pub positions: Vec<f64>,
    /// Model equity after each test row, from 1.0.
    pub equity_curve: Vec<f64>,
    /// Buy-and-hold equity after each test row, from 1.0.
    pub buy_and_hold_equity: Vec<f64>,
}

fn finite(name: &str, value: f64) -> Result<f64, ModelError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ModelError::Numerical(format!("metric {name} is {value}")))
    }
}

fn check_trading(prefix: &str, m: &TradingMetrics) -> Result<(), ModelError> {
    for (name, value) in trading_fields(m) {
        finite(&format!("{prefix}{name}"), value)?;
    }
    Ok(())
}

fn trading_fields(m: &TradingMetrics) -> [(&'static str, f64); 6] {
    [
        ("cumulative_return", m.cumulative_return),
        ("sharpe", m.sharpe),
        ("max_drawdown", m.max_drawdown),
        ("hit_rate", m.hit_rate),
        ("exposure", m.exposure),
        ("trades", m.trades as f64),
    ]
}

fn check_dataset(data: &Dataset) -> Result<(), ModelError> {
    let n = data.len();
    for (name, len) in [
        ("x", data.x.rows()),
        ("forward_return", data.forward_return.len()),
        ("direction", data.direction.len()),
        ("next_return", data.next_return.len()),
    ] {
        if len != n {
            return Err(ModelError::Shape(format!(
                "dataset {name} has {len} rows but there are {n} dates"
            )));
        }
    }
    if !data.periods_per_year.is_finite() || data.periods_per_year <= 0.0 {
        return Err(out_of_range(
            "periods_per_year",
            "a finite number > 0".into(),
            data.periods_per_year.to_string(),
        ));
    }
    Ok(())
}

/// Walk-forward evaluation of one catalog entry on `data`.
///
/// For each fold (checking `cancelled()` before each, which returns
/// [`ModelError::Cancelled`]): a fresh model from `entry`, fitted on the
/// training rows with seed [`fold_seed`]`(config.seed, fold)` against
/// `direction` (classification, clustering) or `forward_return`
/// (regression), then predictions (and probabilities, kept only when every
/// fold has them) for the test rows. The signal is long when the predicted
/// label is 1 (classification, clustering) or the predicted return is > 0
/// (regression), else flat. A non-finite prediction or metric is an error
/// naming it.
pub fn evaluate(
    entry: &CatalogEntry,
    data: &Dataset,
    config: &WalkForwardConfig,
    cancelled: &dyn Fn() -> bool,
) -> Result<ModelReport, ModelError> {
    config.validate_for_horizon(data.horizon)?;
    check_dataset(data)?;
    let folds = folds(data.len(), config)?;
    let task = entry.spec.task;
    let target = match task {
        Task::Regression => &data.forward_return,
        Task::Classification | Task::Clustering => &data.direction,
    };
    let first_test = folds.first().map_or(0, |f| f.test.start);
    let n_test = data.len() - first_test;
    let mut predictions = Vec::with_capacity(n_test);
    let mut probabilities = Some(Vec::with_capacity(n_test));
    let mut baseline_positions = Vec::with_capacity(n_test);
    for (index, fold) in folds.iter().enumerate() {
        if cancelled() {
            return Err(ModelError::Cancelled);
        }
        let x_train = data.x.slice_rows(fold.train.start, fold.train.end);
        let x_test = data.x.slice_rows(fold.test.start, fold.test.end);
        let mut model = entry.build()?;
        model.fit(
            &x_train,
            &target[fold.train.clone()],
            fold_seed(config.seed, index),
        )?;
        let predicted = model.predict(&x_test)?;
        if predicted.len() != fold.test.len() {
            return Err(ModelError::Shape(format!(
                "{} predicted {} values for {} test rows",
                entry.spec.name,
                predicted.len(),
                fold.test.len()
            )));
        }
        if let Some(i) = predicted.iter().position(|v| !v.is_finite()) {
            return Err(ModelError::Numerical(format!(
                "{} predicted {} for test row {}",
                entry.spec.name,
                predicted[i],
                fold.test.start + i
            )));
        }
        predictions.extend_from_slice(&predicted);
        match (model.predict_proba(&x_test)?, probabilities.as_mut()) {
            (Some(p), Some(all)) if p.len() == fold.test.len() => all.extend_from_slice(&p),
            (Some(p), Some(_)) => {
                return Err(ModelError::Shape(format!(
                    "{} gave {} probabilities for {} test rows",
                    entry.spec.name,
                    p.len(),
                    fold.test.len()
                )))
            }
            _ => probabilities = None,
        }
        let train_labels = &data.direction[fold.train.clone()];
        let ups = train_labels.iter().filter(|&&v| v > 0.5).count();
        let long = 2 * ups >= train_labels.len();
        baseline_positions.extend(std::iter::repeat_n(
            if long { 1.0 } else { 0.0 },
            fold.test.len(),
        ));
    }
    let test = first_test..data.len();
    let actual = target[test.clone()].to_vec();
    let (classification, regression, positions) = match task {
        Task::Classification | Task::Clustering => {
            let m = metrics::classification(&actual, &predictions, probabilities.as_deref())?;
            finite("accuracy", m.accuracy)?;
            finite("precision", m.precision)?;
            finite("recall", m.recall)?;
            finite("f1", m.f1)?;
            if let Some(v) = m.roc_auc {
                finite("roc_auc", v)?;
            }
            if let Some(v) = m.log_loss {
                finite("log_loss", v)?;
            }
            let positions = predictions
                .iter()
                .map(|&p| if p == 1.0 { 1.0 } else { 0.0 })
                .collect::<Vec<_>>();
            (Some(m), None, positions)
        }
        Task::Regression => {
            let m = metrics::regression(&actual, &predictions)?;
            finite("rmse", m.rmse)?;
            finite("mae", m.mae)?;
            finite("r2", m.r2)?;
            let positions = predictions
                .iter()
                .map(|&p| if p > 0.0 { 1.0 } else { 0.0 })
                .collect::<Vec<_>>();
            (None, Some(m), positions)
        }
    };
    let next_return = &data.next_return[test.clone()];
    let ppy = data.periods_per_year;
    let model_run = metrics::trading(&positions, next_return, config.cost_bps, ppy)?;
    let hold_run = metrics::trading(&vec![1.0; n_test], next_return, config.cost_bps, ppy)?;
    let base_run = metrics::trading(&baseline_positions, next_return, config.cost_bps, ppy)?;
    check_trading("", &model_run.metrics)?;
    check_trading("buy_and_hold_", &hold_run.metrics)?;
    check_trading("baseline_", &base_run.metrics)?;
    Ok(ModelReport {
        spec: entry.spec.clone(),
        seed: config.seed,
        config: config.clone(),
        horizon: data.horizon,
        symbol: data.symbol.clone(),
        data_hash: data.data_hash.clone(),
        code_version: CODE_VERSION.to_string(),
        n_folds: folds.len(),
        n_test_rows: n_test,
        classification,
        regression,
        trading: model_run.metrics,
        buy_and_hold: hold_run.metrics,
        baseline: base_run.metrics,
        dates: data.dates[test].to_vec(),
        predictions,
        probabilities,
        actual,
        positions,
        equity_curve: model_run.equity_curve,
        buy_and_hold_equity: hold_run.equity_curve,
    })
}

impl ModelReport {
    /// The metrics flattened by stable name: `accuracy`, `precision`,
    /// `recall`, `f1`, `roc_auc`, `log_loss` (classification, clustering;
    /// the last two only when defined); `rmse`, `mae`, `r2` (regression);
    /// `cumulative_return`, `sharpe`, `max_drawdown`, `hit_rate`,
    /// `exposure`, `trades` for the model and the same with prefixes
    /// `buy_and_hold_` and `baseline_`; and `n_folds`, `n_test_rows`.
    pub fn metrics(&self) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        if let Some(m) = &self.classification {
            out.insert("accuracy".into(), m.accuracy);
            out.insert("precision".into(), m.precision);
            out.insert("recall".into(), m.recall);
            out.insert("f1".into(), m.f1);
            if let Some(v) = m.roc_auc {
                out.insert("roc_auc".into(), v);
            }
            if let Some(v) = m.log_loss {
                out.insert("log_loss".into(), v);
            }
        }
        if let Some(m) = &self.regression {
            out.insert("rmse".into(), m.rmse);
            out.insert("mae".into(), m.mae);
            out.insert("r2".into(), m.r2);
        }
        for (prefix, m) in [
            ("", &self.trading),
            ("buy_and_hold_", &self.buy_and_hold),
            ("baseline_", &self.baseline),
        ] {
            for (name, value) in trading_fields(m) {
                out.insert(format!("{prefix}{name}"), value);
            }
        }
        out.insert("n_folds".into(), self.n_folds as f64);
        out.insert("n_test_rows".into(), self.n_test_rows as f64);
        out
    }

    /// The record sent to the server: kind `lab_run`, the model's name,
    /// family and params plus the walk-forward settings as params
    /// `train_window`, `test_window`, `gap`, `horizon_days`, `cost_bps`
    /// (numbers) and `window` (text), which win over model params of the
    /// same name; `source` is the data source's wire name (e.g. `bundled`) and
    /// `symbol` the data as that source names it (a bundled dataset id such
    /// as `sp500`, an upload id, a ticker), which the rules check.
    pub fn to_result_record(&self, source: &str, symbol: &str) -> ResultRecord {
        let mut params = self.spec.params.clone();
        for (name, value) in [
            ("train_window", self.config.train_rows as f64),
            ("test_window", self.config.test_rows as f64),
            ("gap", self.config.gap as f64),
            ("horizon_days", self.horizon as f64),
            ("cost_bps", self.config.cost_bps),
        ] {
            params.insert(name.to_string(), ParamValue::Number(value));
        }
        params.insert(
            "window".to_string(),
            ParamValue::Text(self.config.window.as_str().to_string()),
        );
        ResultRecord {
            kind: "lab_run".to_string(),
            model: self.spec.name.clone(),
            family: self.spec.family.as_str().to_string(),
            params,
            seed: self.seed,
            source: source.to_string(),
            symbol: symbol.to_string(),
            data_hash: self.data_hash.clone(),
            code_version: self.code_version.clone(),
            metrics: self.metrics(),
            client_id: None,
        }
    }
}

/// One model's place in a batch, reported after it finishes.
#[derive(Debug)]
pub struct Progress<'a> {
    /// Models finished so far, this one included.
    pub done: usize,
    /// Models in the batch.
    pub total: usize,
    /// This model's name.
    pub name: &'a str,
    /// Its report or error.
    pub result: &'a Result<ModelReport, ModelError>,
}

/// One model's outcome in a batch.
#[derive(Debug)]
pub struct ModelOutcome {
    /// The model's name.
    pub name: String,
    /// Its report or why it failed.
    pub result: Result<ModelReport, ModelError>,
}

/// Evaluates each entry in turn with [`evaluate`], calling `on_progress`
/// after each. A model that fails is recorded with its error and the batch
/// goes on. When `cancelled()` turns true the model in progress is recorded
/// as [`ModelError::Cancelled`] and the batch stops there: later entries
/// are absent from the result.
pub fn evaluate_many(
    entries: &[CatalogEntry],
    data: &Dataset,
    config: &WalkForwardConfig,
    cancelled: &dyn Fn() -> bool,
    on_progress: &mut dyn FnMut(Progress<'_>),
) -> Vec<ModelOutcome> {
    let mut outcomes = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let result = evaluate(entry, data, config, cancelled);
        let stop = result == Err(ModelError::Cancelled);
        on_progress(Progress {
            done: i + 1,
            total: entries.len(),
            name: &entry.spec.name,
            result: &result,
        });
        outcomes.push(ModelOutcome {
            name: entry.spec.name.clone(),
            result,
        });
        if stop {
            break;
        }
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compliance::{check_result, Rules};
    use crate::models::{catalog, entry, Matrix};

    fn config(window: Window) -> WalkForwardConfig {
        WalkForwardConfig {
            train_rows: 30,
            test_rows: 7,
            gap: 2,
            window,
            seed: 42,
            cost_bps: 5.0,
        }
    }

    fn dataset(n: usize, horizon: usize) -> Dataset {
        // A deterministic, non-trivial series (a fixed sequence, not a
        // data source): returns from a small integer recurrence.
        let mut state = 17u64;
        let mut r = Vec::new();
        for _ in 0..n {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            r.push(((state >> 33) % 2001) as f64 / 100_000.0 - 0.0095);
        }
        let x = Matrix::new(n, 1, r.clone()).unwrap();
        let start = Date::new(2020, 1, 1).unwrap().days_since_epoch();
        Dataset {
            feature_names: vec!["r".into()],
            x,
            dates: (0..n as i64)
                .map(|i| Date::from_days_since_epoch(start + i).unwrap())
                .collect(),
            forward_return: r.clone(),
            direction: r.iter().map(|&v| if v > 0.0 { 1.0 } else { 0.0 }).collect(),
            next_return: r,
            horizon,
            periods_per_year: 252.0,
            symbol: "sp500".into(),
            data_hash: "ab".repeat(32),
        }
    }

    #[test]
    fn folds_never_leak_and_tile_the_test_span() {
        for window in [Window::Expanding, Window::Rolling] {
            let c = config(window);
            for n in [33, 40, 100, 101, 250] {
                let folds = folds(n, &c).unwrap();
                let mut next = c.train_rows + c.gap;
                for f in &folds {
                    assert_eq!(f.test.start, next, "tiles in order");
                    assert!(!f.test.is_empty() && f.test.len() <= c.test_rows);
                    assert_eq!(f.train.end + c.gap, f.test.start, "gap rows before");
                    match window {
                        Window::Expanding => assert_eq!(f.train.start, 0),
                        Window::Rolling => assert_eq!(f.train.len(), c.train_rows),
                    }
                    // No test row sits in the training rows of its own fold
                    // or of any earlier fold.
                    for g in folds.iter().filter(|g| g.test.start <= f.test.start) {
                        assert!(g.train.end <= f.test.start);
                    }
                    for row in f.test.clone() {
                        assert!(!f.train.contains(&row));
                    }
                    next = f.test.end;
                }
                assert_eq!(next, n, "the last fold reaches the last row");
            }
        }
    }

    #[test]
    fn bad_configs_name_the_field() {
        let mut c = config(Window::Expanding);
        c.train_rows = 5;
        assert!(
            matches!(c.validate(), Err(ModelError::Param { name, .. }) if name == "train_rows")
        );
        let mut c = config(Window::Expanding);
        c.test_rows = 0;
        assert!(matches!(c.validate(), Err(ModelError::Param { name, .. }) if name == "test_rows"));
        let mut c = config(Window::Expanding);
        c.cost_bps = f64::NAN;
        assert!(matches!(c.validate(), Err(ModelError::Param { name, .. }) if name == "cost_bps"));
        let c = config(Window::Expanding);
        assert!(
            matches!(c.validate_for_horizon(4), Err(ModelError::Param { name, .. }) if name == "gap")
        );
        assert!(c.validate_for_horizon(3).is_ok());
        assert!(matches!(folds(32, &c), Err(ModelError::TooLittleData(_))));
        let data = dataset(100, 5);
        let e = entry("baseline_majority_class").unwrap();
        assert!(evaluate(&e, &data, &c, &|| false).is_err());
    }

    #[test]
    fn evaluates_and_records_compliantly() {
        let data = dataset(120, 1);
        for e in catalog()
            .iter()
            .filter(|e| e.spec.family == crate::models::Family::Baseline)
        {
            let report = evaluate(e, &data, &config(Window::Rolling), &|| false).unwrap();
            assert_eq!(report.n_test_rows, 120 - 32);
            assert_eq!(report.predictions.len(), report.n_test_rows);
            assert_eq!(report.equity_curve.len(), report.n_test_rows);
            let record = report.to_result_record("bundled", "sp500");
            let verdict = check_result(&Rules::default_rules(), &record);
            assert!(verdict.allowed, "{verdict:?}");
            assert!(record.metrics.contains_key("sharpe"));
            assert!(record.metrics.contains_key("baseline_sharpe"));
            assert!(record.metrics.contains_key("buy_and_hold_sharpe"));
            let json = serde_json::to_string(&report).unwrap();
            // serde_json's default float parsing may move the last bit,
            // so compare exactly what is exact and the numbers closely.
            let back: ModelReport = serde_json::from_str(&json).unwrap();
            assert_eq!(back.spec, report.spec);
            assert_eq!(back.config, report.config);
            assert_eq!(back.dates, report.dates);
            assert_eq!(back.predictions.len(), report.predictions.len());
            for (name, value) in back.metrics() {
                assert!((value - report.metrics()[&name]).abs() < 1e-12, "{name}");
            }
        }
    }

    #[test]
    fn cancellation_and_batches() {
        let data = dataset(120, 1);
        let entries = catalog();
        let e = &entries[0];
        let c = config(Window::Expanding);
        assert_eq!(evaluate(e, &data, &c, &|| true), Err(ModelError::Cancelled));
        let mut seen = Vec::new();
        let outcomes = evaluate_many(&entries, &data, &c, &|| false, &mut |p| {
            seen.push((p.done, p.total, p.result.is_ok()))
        });
        assert_eq!(outcomes.len(), entries.len());
        assert_eq!(seen.last().map(|s| s.0), Some(entries.len()));
        // An erroring model is recorded and the batch goes on.
        let mut too_short = dataset(120, 1);
        too_short.next_return.pop();
        let outcomes = evaluate_many(&entries, &too_short, &c, &|| false, &mut |_| {});
        assert_eq!(outcomes.len(), entries.len());
        assert!(outcomes.iter().all(|o| o.result.is_err()));
        let outcomes = evaluate_many(&entries, &data, &c, &|| true, &mut |_| {});
        assert_eq!(outcomes.len(), 1);
    }

    #[test]
    fn fold_seeds_differ_and_repeat() {
        assert_eq!(fold_seed(7, 3), fold_seed(7, 3));
        assert_ne!(fold_seed(7, 3), fold_seed(7, 4));
        assert_ne!(fold_seed(7, 3), fold_seed(8, 3));
    }
}
