//! Every catalog entry, walk-forward on a small real dataset (the bundled
//! S&P 500, features built by hand in `common`): each must evaluate without
//! error, give only finite metrics, produce a result record the compliance
//! rules allow, and not duplicate another entry's outputs.
//!
//! Duplicate rule (catches one model under two names): within one task, two
//! entries collide when their test-row outputs are bit-for-bit equal, the
//! predictions and, where either has them, the probabilities. Outputs that
//! carry no information are exempt: constant predictions over every test
//! row with no probabilities or constant ones (many weak classifiers
//! legitimately collapse to "always up", and two such models are not the
//! same model). Predictions that change between folds (like the majority
//! baseline's per-fold probabilities) or between rows count as informative.
//! A real coincidence can be allowed in `ALLOWED_TWINS`, with a reason.
//!
//! Size: the last `ROWS` rows, train 300 / test 100 / gap 0, expanding; the
//! whole catalog should take well under two minutes on two cores. If a
//! family is slow, shrink `ROWS` for everyone rather than skip an entry.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use shared::compliance::{check_result, Rules};
use shared::models::{catalog, evaluate, Task, WalkForwardConfig, Window};

/// Rows of the dataset (3 folds of 100 test rows after 300 training rows).
const ROWS: usize = 600;

/// Pairs of entries allowed to give identical outputs, with the reason.
const ALLOWED_TWINS: &[(&str, &str, &str)] = &[];

/// A task and the bits of its predictions and probabilities.
type Fingerprint = (Task, Vec<u64>, Option<Vec<u64>>);

fn informative(predictions: &[f64], probabilities: Option<&[f64]>) -> bool {
    let varies = |v: &[f64]| v.iter().any(|x| x.to_bits() != v[0].to_bits());
    varies(predictions) || probabilities.is_some_and(varies)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn every_entry_evaluates_honestly_and_distinctly() {
    let data = common::sp500_dataset(ROWS);
    assert_eq!(data.len(), ROWS);
    let config = WalkForwardConfig {
        train_rows: 300,
        test_rows: 100,
        gap: 0,
        window: Window::Expanding,
        seed: 7,
        cost_bps: 5.0,
    };
    let rules = Rules::default_rules();
    let mut failures = Vec::new();
    let mut timings: Vec<(Duration, String)> = Vec::new();
    // (task, fingerprint) -> first entry with it.
    let mut seen: BTreeMap<Fingerprint, String> = BTreeMap::new();
    let entries = catalog();
    for entry in &entries {
        let name = &entry.spec.name;
        let started = Instant::now();
        let result = evaluate(entry, &data, &config, &|| false);
        timings.push((started.elapsed(), name.clone()));
        let report = match result {
            Ok(report) => report,
            Err(error) => {
                failures.push(format!("{name}: error: {error}"));
                continue;
            }
        };
        let record = report.to_result_record("bundled", "sp500");
        if let Some((metric, value)) = record.metrics.iter().find(|(_, v)| !v.is_finite()) {
            failures.push(format!("{name}: metric {metric} is {value}"));
        }
        let verdict = check_result(&rules, &record);
        if !verdict.allowed {
            failures.push(format!(
                "{name}: refused by {}: {}",
                verdict.rule_id, verdict.reason
            ));
        }
        if informative(&report.predictions, report.probabilities.as_deref()) {
            let key = (
                entry.spec.task,
                bits(&report.predictions),
                report.probabilities.as_deref().map(bits),
            );
            if let Some(other) = seen.get(&key) {
                let allowed = ALLOWED_TWINS
                    .iter()
                    .any(|(a, b, _)| (a == other && b == name) || (a == name && b == other));
                if !allowed {
                    failures.push(format!(
                        "{name}: outputs identical to {other} on the same data (one model under two names?)"
                    ));
                }
            } else {
                seen.insert(key, name.clone());
            }
        }
    }
    timings.sort_by_key(|t| std::cmp::Reverse(t.0));
    let total: Duration = timings.iter().map(|t| t.0).sum();
    eprintln!("{} entries in {total:?}; slowest:", entries.len());
    for (time, name) in timings.iter().take(10) {
        eprintln!("  {time:>12?} {name}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} entries failed:\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n")
    );
}
