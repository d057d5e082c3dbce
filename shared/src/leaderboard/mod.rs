//! The leaderboard: the user's recorded lab results grouped by dataset
//! (source and symbol), target and horizon, each group's best models ranked
//! by one chosen metric, with the walk-forward trading result next to
//! buy-and-hold on the same test rows.
//!
//! Where the facts come from: a [`ResultRecord`] has no target or horizon
//! field, so they are read from what the Lab records (see
//! `ModelReport::to_result_record`): the horizon from the `horizon_days`
//! parameter, the target from the metrics (classification metrics such as
//! `accuracy` mean the direction target, regression metrics such as `rmse`
//! the return target). Results without a horizon, without either kind of
//! metric, or without the chosen metric are left out and counted in
//! [`Leaderboard::skipped`].
//!
//! Pure: ranking and counting only; the server reads the rows.

pub mod insights;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::actions::LabTarget;
use crate::api::{ParamValue, ResultRecord, StoredResult};

pub use insights::{insights, Insight, InsightKind};

/// Whether a larger or a smaller value of a metric is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Larger is better (accuracy, Sharpe).
    Higher,
    /// Smaller is better (RMSE, drawdown).
    Lower,
}

/// The metrics a leaderboard may rank by, with their direction: the names
/// the Lab records (`ModelReport::metrics`).
pub const METRICS: &[(&str, Better)] = &[
    ("sharpe", Better::Higher),
    ("cumulative_return", Better::Higher),
    ("max_drawdown", Better::Lower),
    ("hit_rate", Better::Higher),
    ("accuracy", Better::Higher),
    ("precision", Better::Higher),
    ("recall", Better::Higher),
    ("f1", Better::Higher),
    ("roc_auc", Better::Higher),
    ("log_loss", Better::Lower),
    ("rmse", Better::Lower),
    ("mae", Better::Lower),
    ("r2", Better::Higher),
];

/// The metric ranked by when none is asked for.
pub const DEFAULT_METRIC: &str = "sharpe";
/// Rows per group when no limit is asked for.
pub const DEFAULT_LIMIT: usize = 10;
/// The largest allowed limit.
pub const MAX_LIMIT: usize = 100;

/// Why a leaderboard could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LeaderboardError {
    /// The metric is not one of [`METRICS`].
    #[error("metric must be one of {allowed}, got {got:?}")]
    UnknownMetric {
        /// The allowed names, comma-separated.
        allowed: String,
        /// What was asked for.
        got: String,
    },
    /// The limit is outside 1 to [`MAX_LIMIT`].
    #[error("limit must be between 1 and {MAX_LIMIT}, got {0}")]
    Limit(usize),
}

/// The direction of `metric`, or an error naming the allowed metrics.
pub fn better(metric: &str) -> Result<Better, LeaderboardError> {
    METRICS
        .iter()
        .find(|(name, _)| *name == metric)
        .map(|&(_, better)| better)
        .ok_or_else(|| LeaderboardError::UnknownMetric {
            allowed: METRICS
                .iter()
                .map(|(name, _)| *name)
                .collect::<Vec<_>>()
                .join(", "),
            got: metric.to_string(),
        })
}

/// Where a result belongs on the leaderboard.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupKey {
    /// Data source, e.g. `bundled`.
    pub source: String,
    /// Dataset id or symbol, e.g. `sp500`.
    pub symbol: String,
    /// What was predicted.
    pub target: LabTarget,
    /// Label horizon in rows.
    pub horizon: u32,
}

/// The group of `record`, read as the module doc says; `None` when the
/// record lacks a horizon or a target.
pub fn group_key(record: &ResultRecord) -> Option<GroupKey> {
    let horizon = match record.params.get("horizon_days") {
        Some(ParamValue::Number(h)) if h.is_finite() && *h >= 1.0 && h.fract() == 0.0 => {
            u32::try_from(*h as u64).ok()?
        }
        _ => return None,
    };
    let target = if record.metrics.contains_key("accuracy") {
        LabTarget::Direction
    } else if record.metrics.contains_key("rmse") {
        LabTarget::Return
    } else {
        return None;
    };
    Some(GroupKey {
        source: record.source.clone(),
        symbol: record.symbol.clone(),
        target,
        horizon,
    })
}

/// One model's best run in a group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// 1 for the best.
    pub rank: usize,
    /// The stored result of the best run.
    pub result_id: i64,
    /// Catalog name.
    pub model: String,
    /// Model family.
    pub family: String,
    /// The ranked metric's value.
    pub value: f64,
    /// Runs of this model in the group (the row shows the best).
    pub runs: usize,
    /// The walk-forward trading result: Sharpe and cumulative return.
    pub sharpe: Option<f64>,
    /// Cumulative return of the model's signal on the test rows.
    pub cumulative_return: Option<f64>,
    /// Buy-and-hold's Sharpe on the same rows.
    pub buy_and_hold_sharpe: Option<f64>,
    /// Buy-and-hold's cumulative return on the same rows.
    pub buy_and_hold_cumulative_return: Option<f64>,
    /// Whether the model's cumulative return beat buy-and-hold's
    /// (`None` when either is missing).
    pub beats_buy_and_hold: Option<bool>,
    /// Seed of the run.
    pub seed: u64,
    /// Code version of the run.
    pub code_version: String,
    /// When it was stored.
    pub created_at: String,
}

/// One group's ranking.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Board {
    /// Dataset, target and horizon.
    pub key: GroupKey,
    /// Runs in the group that have the metric.
    pub runs: usize,
    /// Best first, one row per model, at most the limit.
    pub rows: Vec<Row>,
}

/// `GET /api/leaderboard`'s answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Leaderboard {
    /// The metric ranked by.
    pub metric: String,
    /// Its direction.
    pub better: Better,
    /// One board per dataset, target and horizon, in key order.
    pub boards: Vec<Board>,
    /// Results left out: not a lab result with a horizon and a target, or
    /// without the metric.
    pub skipped: usize,
    /// What the boards suggest, each with its counts.
    pub insights: Vec<Insight>,
}

/// Which results to rank and how.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderboardQuery {
    /// Only this source (all when absent).
    #[serde(default)]
    pub source: Option<String>,
    /// Only this symbol (all when absent).
    #[serde(default)]
    pub symbol: Option<String>,
    /// The metric (default [`DEFAULT_METRIC`]).
    #[serde(default)]
    pub metric: Option<String>,
    /// Rows per board (default [`DEFAULT_LIMIT`], at most [`MAX_LIMIT`]).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// `a` is strictly better than `b` under `better`.
pub fn is_better(better: Better, a: f64, b: f64) -> bool {
    match better {
        Better::Higher => a > b,
        Better::Lower => a < b,
    }
}

/// Ranks `results` as `query` asks: filtered by source and symbol,
/// grouped by [`group_key`], each model's best run per group (ties: the
/// earlier result), models ordered best first (ties: by name), at most
/// `limit` rows per board; insights are counted over every run kept.
pub fn rank(
    results: &[StoredResult],
    query: &LeaderboardQuery,
) -> Result<Leaderboard, LeaderboardError> {
    let metric = query.metric.as_deref().unwrap_or(DEFAULT_METRIC);
    let better = better(metric)?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(LeaderboardError::Limit(limit));
    }
    let mut groups: BTreeMap<GroupKey, Vec<&StoredResult>> = BTreeMap::new();
    let mut skipped = 0;
    for result in results {
        let record = &result.record;
        if query.source.as_ref().is_some_and(|s| *s != record.source)
            || query.symbol.as_ref().is_some_and(|s| *s != record.symbol)
        {
            continue;
        }
        let has_metric = record.metrics.get(metric).is_some_and(|v| v.is_finite());
        match group_key(record) {
            Some(key) if has_metric => groups.entry(key).or_default().push(result),
            _ => skipped += 1,
        }
    }
    let boards: Vec<Board> = groups
        .into_iter()
        .map(|(key, runs)| board(key, &runs, metric, better, limit))
        .collect();
    let kept: Vec<&StoredResult> = results
        .iter()
        .filter(|r| {
            query.source.as_ref().is_none_or(|s| *s == r.record.source)
                && query.symbol.as_ref().is_none_or(|s| *s == r.record.symbol)
        })
        .collect();
    Ok(Leaderboard {
        metric: metric.to_string(),
        better,
        insights: insights(&kept, &boards),
        boards,
        skipped,
    })
}

fn board(
    key: GroupKey,
    runs: &[&StoredResult],
    metric: &str,
    better: Better,
    limit: usize,
) -> Board {
    // Best run per model: (result, value, runs of the model).
    let mut best: BTreeMap<&str, (&StoredResult, f64, usize)> = BTreeMap::new();
    for &result in runs {
        let value = result.record.metrics[metric];
        best.entry(result.record.model.as_str())
            .and_modify(|(kept, kept_value, count)| {
                *count += 1;
                if is_better(better, value, *kept_value)
                    || (value == *kept_value && result.id < kept.id)
                {
                    *kept = result;
                    *kept_value = value;
                }
            })
            .or_insert((result, value, 1));
    }
    let mut ordered: Vec<(&StoredResult, f64, usize)> = best.into_values().collect();
    ordered.sort_by(|a, b| {
        let (x, y) = match better {
            Better::Higher => (b.1, a.1),
            Better::Lower => (a.1, b.1),
        };
        x.total_cmp(&y)
            .then_with(|| a.0.record.model.cmp(&b.0.record.model))
    });
    let rows = ordered
        .into_iter()
        .take(limit)
        .enumerate()
        .map(|(i, (result, value, count))| row(i + 1, result, value, count))
        .collect();
    Board {
        key,
        runs: runs.len(),
        rows,
    }
}

fn row(rank: usize, result: &StoredResult, value: f64, runs: usize) -> Row {
    let m = &result.record.metrics;
    let get = |name: &str| m.get(name).copied();
    Row {
        rank,
        result_id: result.id,
        model: result.record.model.clone(),
        family: result.record.family.clone(),
        value,
        runs,
        sharpe: get("sharpe"),
        cumulative_return: get("cumulative_return"),
        buy_and_hold_sharpe: get("buy_and_hold_sharpe"),
        buy_and_hold_cumulative_return: get("buy_and_hold_cumulative_return"),
        beats_buy_and_hold: beats_buy_and_hold(&result.record),
        seed: result.record.seed,
        code_version: result.record.code_version.clone(),
        created_at: result.created_at.clone(),
    }
}

/// Whether the run's cumulative return beat buy-and-hold's on the same
/// test rows; `None` when either was not recorded.
pub fn beats_buy_and_hold(record: &ResultRecord) -> Option<bool> {
    let model = record.metrics.get("cumulative_return")?;
    let hold = record.metrics.get("buy_and_hold_cumulative_return")?;
    Some(model > hold)
}

/// A short plain-text summary of the boards and insights for the coach,
/// at most `max_tokens` by [`crate::memory::tokens::estimate`]: lines are
/// added in order (each board's top three, then the insights) while they
/// fit. Empty when there is nothing to say.
pub fn coach_text(board: &Leaderboard, max_tokens: u32) -> String {
    let mut lines = Vec::new();
    for b in &board.boards {
        let top: Vec<String> = b
            .rows
            .iter()
            .take(3)
            .map(|r| {
                let hold = match (r.cumulative_return, r.buy_and_hold_cumulative_return) {
                    (Some(m), Some(h)) => format!(", return {m:.3} vs buy-and-hold {h:.3}"),
                    _ => String::new(),
                };
                format!("{} ({} {:.3}{hold})", r.model, board.metric, r.value)
            })
            .collect();
        lines.push(format!(
            "- {}/{} {} h={} ({} runs): {}",
            b.key.source,
            b.key.symbol,
            target_name(b.key.target),
            b.key.horizon,
            b.runs,
            top.join("; ")
        ));
    }
    for insight in &board.insights {
        lines.push(format!("- {}", insight.text));
    }
    let mut out = String::new();
    for line in lines {
        let candidate = format!("{out}{line}\n");
        if crate::memory::tokens::estimate(&candidate) > max_tokens {
            break;
        }
        out = candidate;
    }
    out
}

/// The target's wire name.
pub fn target_name(target: LabTarget) -> &'static str {
    match target {
        LabTarget::Direction => "direction",
        LabTarget::Return => "return",
    }
}

#[cfg(test)]
mod tests;
