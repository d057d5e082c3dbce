//! Scoring: classification metrics (accuracy, precision, recall, F1, ROC
//! AUC, log loss), regression metrics (RMSE, MAE, R²) and trading metrics of
//! a position series (cumulative return, Sharpe, drawdown, hit rate,
//! exposure, trades, equity curve).
//!
//! Definitions follow scikit-learn wherever it has the metric (checked by
//! `tests/metrics_oracle.rs`). Logarithms come from the pure-Rust `libm`, so
//! every number is bit-identical in wasm and natively. Every function
//! validates its input and returns a [`ModelError`]; none panics. Nothing
//! here trains models or reads data.

use serde::{Deserialize, Serialize};

use super::ModelError;

/// Probabilities are clipped to `[LOG_LOSS_EPS, 1 - LOG_LOSS_EPS]` before
/// taking logarithms (scikit-learn's historical default).
pub const LOG_LOSS_EPS: f64 = 1e-15;

/// Classification scores of 0/1 predictions against 0/1 labels; the
/// positive class is 1.0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassificationMetrics {
    /// Share of predictions equal to the label.
    pub accuracy: f64,
    /// TP / (TP + FP); 0 when nothing is predicted positive (scikit-learn's
    /// `zero_division=0`).
    pub precision: f64,
    /// TP / (TP + FN); 0 when no label is positive.
    pub recall: f64,
    /// Harmonic mean of precision and recall; 0 when both are 0.
    pub f1: f64,
    /// ROC AUC of the scores (probabilities when the model has them, else
    /// the 0/1 predictions); `None` when the labels hold only one class
    /// (AUC is undefined there).
    pub roc_auc: Option<f64>,
    /// Log loss of the probabilities; `None` when the model gives none.
    pub log_loss: Option<f64>,
}

/// Regression scores of forecasts against actual values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegressionMetrics {
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Coefficient of determination, see [`r2`].
    pub r2: f64,
}

/// Trading scores of a position series; see [`trading`] for definitions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TradingMetrics {
    /// Final equity minus 1 (equity starts at 1).
    pub cumulative_return: f64,
    /// Annualised Sharpe ratio of per-period strategy returns (risk-free
    /// rate 0): mean / std (ddof = 1) × sqrt(periods per year); 0 when the
    /// std is 0 or there are fewer than two periods.
    pub sharpe: f64,
    /// Largest fall of the equity curve from its running peak (the start,
    /// 1.0, counts as a peak), as a positive fraction of that peak.
    pub max_drawdown: f64,
    /// Share of in-market periods whose position earned a positive return
    /// before costs; 0 when never in the market.
    pub hit_rate: f64,
    /// Share of periods with a non-zero position.
    pub exposure: f64,
    /// Number of position changes, the first entry from flat included.
    pub trades: usize,
}

/// Trading metrics with the equity curve and per-period returns behind them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TradingResult {
    /// The scalar metrics.
    pub metrics: TradingMetrics,
    /// Equity after each period, starting from 1.0 before the first.
    pub equity_curve: Vec<f64>,
    /// Net strategy return of each period.
    pub returns: Vec<f64>,
}

fn same_len(what: &str, a: usize, b: usize) -> Result<(), ModelError> {
    if a != b {
        return Err(ModelError::Shape(format!(
            "{what}: {a} values against {b} values"
        )));
    }
    if a == 0 {
        return Err(ModelError::TooLittleData(format!("{what}: no values")));
    }
    Ok(())
}

fn all_finite(what: &str, values: &[f64]) -> Result<(), ModelError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(ModelError::Numerical(format!(
            "{what}: value {i} is {}",
            values[i]
        ))),
        None => Ok(()),
    }
}

fn labels(what: &str, values: &[f64]) -> Result<(), ModelError> {
    match values.iter().position(|&v| v != 0.0 && v != 1.0) {
        Some(i) => Err(ModelError::Shape(format!(
            "{what}: value {i} is {}, expected a 0/1 label",
            values[i]
        ))),
        None => Ok(()),
    }
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Counts (true positives, false positives, false negatives, true negatives).
fn confusion(y_true: &[f64], y_pred: &[f64]) -> (f64, f64, f64, f64) {
    let (mut tp, mut fp, mut fn_, mut tn) = (0.0, 0.0, 0.0, 0.0);
    for (&t, &p) in y_true.iter().zip(y_pred) {
        match (t == 1.0, p == 1.0) {
            (true, true) => tp += 1.0,
            (false, true) => fp += 1.0,
            (true, false) => fn_ += 1.0,
            (false, false) => tn += 1.0,
        }
    }
    (tp, fp, fn_, tn)
}

fn check_labels(y_true: &[f64], y_pred: &[f64]) -> Result<(), ModelError> {
    same_len("labels and predictions", y_true.len(), y_pred.len())?;
    labels("labels", y_true)?;
    labels("predictions", y_pred)
}

/// Share of predictions equal to the labels (0/1 values).
pub fn accuracy(y_true: &[f64], y_pred: &[f64]) -> Result<f64, ModelError> {
    check_labels(y_true, y_pred)?;
    let (tp, _, _, tn) = confusion(y_true, y_pred);
    Ok((tp + tn) / y_true.len() as f64)
}

/// TP / (TP + FP); 0 when nothing is predicted positive.
pub fn precision(y_true: &[f64], y_pred: &[f64]) -> Result<f64, ModelError> {
    check_labels(y_true, y_pred)?;
    let (tp, fp, _, _) = confusion(y_true, y_pred);
    Ok(if tp + fp == 0.0 { 0.0 } else { tp / (tp + fp) })
}

/// TP / (TP + FN); 0 when no label is positive.
pub fn recall(y_true: &[f64], y_pred: &[f64]) -> Result<f64, ModelError> {
    check_labels(y_true, y_pred)?;
    let (tp, _, fn_, _) = confusion(y_true, y_pred);
    Ok(if tp + fn_ == 0.0 {
        0.0
    } else {
        tp / (tp + fn_)
    })
}

/// 2 TP / (2 TP + FP + FN), the harmonic mean of precision and recall; 0
/// when there are no true positives.
pub fn f1(y_true: &[f64], y_pred: &[f64]) -> Result<f64, ModelError> {
    check_labels(y_true, y_pred)?;
    let (tp, fp, fn_, _) = confusion(y_true, y_pred);
    let denominator = 2.0 * tp + fp + fn_;
    Ok(if denominator == 0.0 {
        0.0
    } else {
        2.0 * tp / denominator
    })
}

/// ROC AUC by ranks (Mann-Whitney U): the probability that a random
/// positive scores above a random negative, ties counting one half (tied
/// scores get their average rank). Fails when the labels hold one class.
pub fn roc_auc(y_true: &[f64], scores: &[f64]) -> Result<f64, ModelError> {
    same_len("labels and scores", y_true.len(), scores.len())?;
    labels("labels", y_true)?;
    all_finite("scores", scores)?;
    let positives = y_true.iter().filter(|&&v| v == 1.0).count();
    let negatives = y_true.len() - positives;
    if positives == 0 || negatives == 0 {
        return Err(ModelError::TooLittleData(
            "ROC AUC needs both classes among the labels".into(),
        ));
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut positive_rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        // Ranks start..end (1-based start+1..=end) share their average.
        let average_rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            if y_true[i] == 1.0 {
                positive_rank_sum += average_rank;
            }
        }
        start = end;
    }
    let p = positives as f64;
    let n = negatives as f64;
    Ok((positive_rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// Mean negative log-likelihood of the labels under P(label = 1) =
/// `probabilities`, each clipped to `[1e-15, 1 - 1e-15]`. Probabilities
/// must lie in `[0, 1]`.
pub fn log_loss(y_true: &[f64], probabilities: &[f64]) -> Result<f64, ModelError> {
    same_len(
        "labels and probabilities",
        y_true.len(),
        probabilities.len(),
    )?;
    labels("labels", y_true)?;
    if let Some(i) = probabilities.iter().position(|p| !(0.0..=1.0).contains(p)) {
        return Err(ModelError::Numerical(format!(
            "probability {i} is {}, outside [0, 1]",
            probabilities[i]
        )));
    }
    let total: f64 = y_true
        .iter()
        .zip(probabilities)
        .map(|(&t, &p)| {
            let p = p.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
            if t == 1.0 {
                -libm::log(p)
            } else {
                -libm::log(1.0 - p)
            }
        })
        .sum();
    Ok(total / y_true.len() as f64)
}

/// Every classification metric. `scores` are the probabilities if any,
/// used for ROC AUC and log loss; without them AUC is computed from the
/// 0/1 predictions and log loss is `None`.
pub fn classification(
    y_true: &[f64],
    y_pred: &[f64],
    probabilities: Option<&[f64]>,
) -> Result<ClassificationMetrics, ModelError> {
    check_labels(y_true, y_pred)?;
    let both_classes = y_true.contains(&1.0) && y_true.contains(&0.0);
    let scores = probabilities.unwrap_or(y_pred);
    Ok(ClassificationMetrics {
        accuracy: accuracy(y_true, y_pred)?,
        precision: precision(y_true, y_pred)?,
        recall: recall(y_true, y_pred)?,
        f1: f1(y_true, y_pred)?,
        roc_auc: if both_classes {
            Some(roc_auc(y_true, scores)?)
        } else {
            None
        },
        log_loss: probabilities.map(|p| log_loss(y_true, p)).transpose()?,
    })
}

fn check_values(y_true: &[f64], y_pred: &[f64]) -> Result<(), ModelError> {
    same_len("actual values and forecasts", y_true.len(), y_pred.len())?;
    all_finite("actual values", y_true)?;
    all_finite("forecasts", y_pred)
}

/// Root mean squared error.
pub fn rmse(y_true: &[f64], y_pred: &[f64]) -> Result<f64, ModelError> {
    check_values(y_true, y_pred)?;
    let sse: f64 = y_true
        .iter()
        .zip(y_pred)
        .map(|(t, p)| (t - p) * (t - p))
        .sum();
    Ok(libm::sqrt(sse / y_true.len() as f64))
}

/// Mean absolute error.
pub fn mae(y_true: &[f64], y_pred: &[f64]) -> Result<f64, ModelError> {
    check_values(y_true, y_pred)?;
    let sae: f64 = y_true.iter().zip(y_pred).map(|(t, p)| (t - p).abs()).sum();
    Ok(sae / y_true.len() as f64)
}

/// Coefficient of determination, scikit-learn's `r2_score`:
/// 1 − SS_res / SS_tot with SS_tot around the mean of `y_true`. Constant
/// target (SS_tot = 0), as scikit-learn with `force_finite=True`: 1.0 when
/// the forecasts are exact (SS_res = 0), else 0.0.
pub fn r2(y_true: &[f64], y_pred: &[f64]) -> Result<f64, ModelError> {
    check_values(y_true, y_pred)?;
    let m = mean(y_true);
    let ss_tot: f64 = y_true.iter().map(|t| (t - m) * (t - m)).sum();
    let ss_res: f64 = y_true
        .iter()
        .zip(y_pred)
        .map(|(t, p)| (t - p) * (t - p))
        .sum();
    Ok(if ss_tot == 0.0 {
        if ss_res == 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        1.0 - ss_res / ss_tot
    })
}

/// Every regression metric.
pub fn regression(y_true: &[f64], y_pred: &[f64]) -> Result<RegressionMetrics, ModelError> {
    Ok(RegressionMetrics {
        rmse: rmse(y_true, y_pred)?,
        mae: mae(y_true, y_pred)?,
        r2: r2(y_true, y_pred)?,
    })
}

/// Simulates holding `positions[t]` (1 long, 0 flat, −1 short; any value in
/// [−1, 1] is a fraction of capital) over the period that earns
/// `next_return[t]`, paying `cost_bps` basis points per unit of position
/// change (the position before the first period is 0, so entering costs).
///
/// Net return of period t: `positions[t] * next_return[t] − cost_bps / 1e4
/// × |positions[t] − positions[t−1]|`; equity compounds from 1.0. See
/// [`TradingMetrics`] for each metric. `periods_per_year` annualises the
/// Sharpe ratio (252 for daily bars). The arithmetic is
/// [`crate::backtest::engine::simulate`], shared with the backtest.
pub fn trading(
    positions: &[f64],
    next_return: &[f64],
    cost_bps: f64,
    periods_per_year: f64,
) -> Result<TradingResult, ModelError> {
    // One implementation: the backtest engine does the arithmetic.
    let run =
        crate::backtest::engine::simulate(positions, next_return, cost_bps, periods_per_year)?;
    let metrics = TradingMetrics {
        cumulative_return: run.cumulative_return(),
        sharpe: run.sharpe,
        max_drawdown: run.max_drawdown,
        hit_rate: run.hit_rate(),
        exposure: run.exposure(),
        trades: run.position_changes,
    };
    Ok(TradingResult {
        metrics,
        equity_curve: run.equity[1..].to_vec(),
        returns: run.returns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }

    #[test]
    fn classification_by_hand() {
        let t = [1.0, 0.0, 1.0, 1.0];
        let p = [1.0, 1.0, 1.0, 0.0];
        close(accuracy(&t, &p).unwrap(), 0.5);
        // TP 2, FP 1, FN 1.
        close(precision(&t, &p).unwrap(), 2.0 / 3.0);
        close(recall(&t, &p).unwrap(), 2.0 / 3.0);
        close(f1(&t, &p).unwrap(), 2.0 / 3.0);
        // Nothing predicted positive, nothing positive.
        close(precision(&t, &[0.0; 4]).unwrap(), 0.0);
        close(recall(&[0.0; 4], &p).unwrap(), 0.0);
        close(f1(&[0.0; 4], &[0.0; 4]).unwrap(), 0.0);
    }

    #[test]
    fn auc_by_hand() {
        let t = [0.0, 0.0, 1.0, 1.0];
        close(roc_auc(&t, &[0.1, 0.2, 0.3, 0.4]).unwrap(), 1.0);
        close(roc_auc(&t, &[0.4, 0.3, 0.2, 0.1]).unwrap(), 0.0);
        close(roc_auc(&t, &[0.5; 4]).unwrap(), 0.5);
        // One positive-negative pair tied, three ordered right: 3.5 / 4.
        close(roc_auc(&t, &[0.1, 0.3, 0.3, 0.4]).unwrap(), 0.875);
        assert!(roc_auc(&[1.0, 1.0], &[0.1, 0.2]).is_err());
    }

    #[test]
    fn log_loss_by_hand() {
        close(
            log_loss(&[1.0, 0.0, 1.0], &[0.5, 0.5, 0.5]).unwrap(),
            std::f64::consts::LN_2,
        );
        // Clipping keeps certainty finite.
        close(log_loss(&[1.0], &[0.0]).unwrap(), -libm::log(LOG_LOSS_EPS));
        assert!(log_loss(&[1.0], &[1.5]).is_err());
    }

    #[test]
    fn regression_by_hand() {
        let t = [1.0, 2.0, 3.0, 4.0];
        close(r2(&t, &[2.5; 4]).unwrap(), 0.0);
        close(r2(&t, &t).unwrap(), 1.0);
        close(r2(&[2.0; 3], &[2.0; 3]).unwrap(), 1.0);
        close(r2(&[2.0; 3], &[1.0; 3]).unwrap(), 0.0);
        close(rmse(&t, &[1.0, 2.0, 3.0, 6.0]).unwrap(), 1.0);
        close(mae(&t, &[2.0, 2.0, 3.0, 2.0]).unwrap(), 0.75);
    }

    #[test]
    fn trading_by_hand() {
        // Long, long, flat, long over +10%, -20%, +5%, +10%, no costs.
        let result = trading(&[1.0, 1.0, 0.0, 1.0], &[0.1, -0.2, 0.05, 0.1], 0.0, 252.0).unwrap();
        let curve = [1.1, 0.88, 0.88, 0.968];
        for (a, b) in result.equity_curve.iter().zip(curve) {
            close(*a, b);
        }
        let m = &result.metrics;
        close(m.cumulative_return, -0.032);
        close(m.max_drawdown, 0.2); // 1.1 down to 0.88
        close(m.hit_rate, 2.0 / 3.0);
        close(m.exposure, 0.75);
        assert_eq!(m.trades, 3);
        // Costs: 10 bps per unit change; enter, stay, leave.
        let costly = trading(&[1.0, 1.0, 0.0], &[0.0, 0.0, 0.0], 10.0, 252.0).unwrap();
        close(costly.returns[0], -0.001);
        close(costly.returns[1], 0.0);
        close(costly.returns[2], -0.001);
        // A constant return has std 0: Sharpe 0 by convention.
        assert_eq!(
            trading(&[1.0; 3], &[0.01; 3], 0.0, 252.0)
                .unwrap()
                .metrics
                .sharpe,
            0.0
        );
        // Short positions earn the negated return.
        close(
            trading(&[-1.0], &[-0.1], 0.0, 252.0)
                .unwrap()
                .metrics
                .cumulative_return,
            0.1,
        );
    }

    #[test]
    fn sharpe_by_hand() {
        // Returns 0.01, 0.03: mean 0.02, std (ddof 1) sqrt(2e-4).
        let m = trading(&[1.0, 1.0], &[0.01, 0.03], 0.0, 4.0)
            .unwrap()
            .metrics;
        close(m.sharpe, 0.02 / 2e-4_f64.sqrt() * 2.0);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(accuracy(&[], &[]).is_err());
        assert!(accuracy(&[1.0], &[1.0, 0.0]).is_err());
        assert!(accuracy(&[2.0], &[1.0]).is_err());
        assert!(rmse(&[f64::NAN], &[1.0]).is_err());
        assert!(trading(&[2.0], &[0.1], 0.0, 252.0).is_err());
        assert!(trading(&[1.0], &[0.1], -1.0, 252.0).is_err());
        assert!(trading(&[1.0], &[0.1], 0.0, 0.0).is_err());
        assert!(roc_auc(&[0.0, 1.0], &[f64::NAN, 0.0]).is_err());
    }
}
