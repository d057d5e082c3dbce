//! Metrics against scikit-learn (and NumPy for the trading arithmetic) on a
//! committed random vector set: `tests/reference/metrics_reference.json`,
//! written by `tests/reference/metrics_reference.py`. Tolerance 1e-12.

use serde::Deserialize;
use shared::models::metrics;

#[derive(Deserialize)]
struct Reference {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    y_true: Vec<f64>,
    y_pred: Vec<f64>,
    proba: Vec<f64>,
    actual: Vec<f64>,
    forecast: Vec<f64>,
    positions: Vec<f64>,
    next_return: Vec<f64>,
    cost_bps: f64,
    periods_per_year: f64,
    expected: Expected,
}

#[derive(Deserialize)]
struct Expected {
    accuracy: f64,
    precision: f64,
    recall: f64,
    f1: f64,
    roc_auc: f64,
    roc_auc_labels: f64,
    log_loss: f64,
    rmse: f64,
    mae: f64,
    r2: f64,
    cumulative_return: f64,
    sharpe: f64,
    max_drawdown: f64,
    hit_rate: f64,
    exposure: f64,
    trades: usize,
}

fn close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= 1e-12,
        "{what}: {actual} vs {expected}"
    );
}

#[test]
fn metrics_match_scikit_learn() {
    let reference: Reference =
        serde_json::from_str(include_str!("reference/metrics_reference.json")).unwrap();
    assert_eq!(reference.cases.len(), 3);
    for (i, c) in reference.cases.iter().enumerate() {
        let e = &c.expected;
        let m = metrics::classification(&c.y_true, &c.y_pred, Some(&c.proba)).unwrap();
        close(m.accuracy, e.accuracy, &format!("case {i} accuracy"));
        close(m.precision, e.precision, &format!("case {i} precision"));
        close(m.recall, e.recall, &format!("case {i} recall"));
        close(m.f1, e.f1, &format!("case {i} f1"));
        close(m.roc_auc.unwrap(), e.roc_auc, &format!("case {i} roc_auc"));
        close(
            m.log_loss.unwrap(),
            e.log_loss,
            &format!("case {i} log_loss"),
        );
        close(
            metrics::roc_auc(&c.y_true, &c.y_pred).unwrap(),
            e.roc_auc_labels,
            &format!("case {i} roc_auc of labels"),
        );
        let r = metrics::regression(&c.actual, &c.forecast).unwrap();
        close(r.rmse, e.rmse, &format!("case {i} rmse"));
        close(r.mae, e.mae, &format!("case {i} mae"));
        close(r.r2, e.r2, &format!("case {i} r2"));
        let t = metrics::trading(&c.positions, &c.next_return, c.cost_bps, c.periods_per_year)
            .unwrap()
            .metrics;
        close(
            t.cumulative_return,
            e.cumulative_return,
            &format!("case {i} cumulative_return"),
        );
        close(t.sharpe, e.sharpe, &format!("case {i} sharpe"));
        close(
            t.max_drawdown,
            e.max_drawdown,
            &format!("case {i} max_drawdown"),
        );
        close(t.hit_rate, e.hit_rate, &format!("case {i} hit_rate"));
        close(t.exposure, e.exposure, &format!("case {i} exposure"));
        assert_eq!(t.trades, e.trades, "case {i} trades");
    }
}
