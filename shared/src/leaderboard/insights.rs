//! Insights: which families and which settings tend to win on which data,
//! counted from the results and the leaderboard's boards. Every statement
//! carries the counts it rests on (`wins` of `total`) in its numbers and
//! its text; nothing is claimed from fewer than [`MIN_RUNS`] cases.
//!
//! Pure counting; no ranking of its own (the boards come from
//! [`super::rank`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{beats_buy_and_hold, Board};
use crate::api::{ParamValue, StoredResult};

/// The fewest cases a statement rests on.
pub const MIN_RUNS: usize = 2;
/// The most statements returned.
pub const MAX_INSIGHTS: usize = 24;

/// What a statement counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InsightKind {
    /// Runs of a family whose walk-forward return beat buy-and-hold.
    FamilyBeatsBuyAndHold,
    /// Runs with a setting (window kind, horizon) that beat buy-and-hold.
    SettingBeatsBuyAndHold,
    /// Boards (target and horizon) of a dataset that a family tops.
    FamilyTopsBoards,
}

/// One statement with the counts behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Insight {
    /// What is counted.
    pub kind: InsightKind,
    /// Data source of the dataset.
    pub source: String,
    /// Dataset id or symbol.
    pub symbol: String,
    /// The family (e.g. `random_forest`) or setting (e.g. `window=rolling`,
    /// `horizon=5`).
    pub subject: String,
    /// Cases where it won.
    pub wins: usize,
    /// Cases counted.
    pub total: usize,
    /// The statement, with the counts in it.
    pub text: String,
}

type Tally = BTreeMap<(String, String, String), (usize, usize)>;

fn count(tally: &mut Tally, source: &str, symbol: &str, subject: String, won: bool) {
    let entry = tally
        .entry((source.to_string(), symbol.to_string(), subject))
        .or_insert((0, 0));
    entry.0 += usize::from(won);
    entry.1 += 1;
}

/// The statements `results` and `boards` support: per dataset, each
/// family's and each setting's runs that beat buy-and-hold (runs without
/// both cumulative returns are not counted), and each family's first
/// places over the dataset's boards. Cases below [`MIN_RUNS`] are left
/// out; the rest are ordered by dataset, then win rate, then cases, at
/// most [`MAX_INSIGHTS`].
pub fn insights(results: &[&StoredResult], boards: &[Board]) -> Vec<Insight> {
    let mut families = Tally::new();
    let mut settings = Tally::new();
    for result in results {
        let record = &result.record;
        let Some(won) = beats_buy_and_hold(record) else {
            continue;
        };
        let (source, symbol) = (record.source.as_str(), record.symbol.as_str());
        count(&mut families, source, symbol, record.family.clone(), won);
        if let Some(ParamValue::Text(window)) = record.params.get("window") {
            count(
                &mut settings,
                source,
                symbol,
                format!("window={window}"),
                won,
            );
        }
        if let Some(ParamValue::Number(h)) = record.params.get("horizon_days") {
            count(&mut settings, source, symbol, format!("horizon={h}"), won);
        }
    }
    let mut firsts = Tally::new();
    let mut boards_per_dataset: BTreeMap<(String, String), usize> = BTreeMap::new();
    for board in boards {
        let dataset = (board.key.source.clone(), board.key.symbol.clone());
        *boards_per_dataset.entry(dataset).or_default() += 1;
        if let Some(first) = board.rows.first() {
            count(
                &mut firsts,
                &board.key.source,
                &board.key.symbol,
                first.family.clone(),
                true,
            );
        }
    }
    let mut out = Vec::new();
    for ((source, symbol, family), (wins, total)) in families {
        out.push(Insight {
            kind: InsightKind::FamilyBeatsBuyAndHold,
            text: format!(
                "{family} beat buy-and-hold on {source}/{symbol} in {wins} of {total} runs"
            ),
            source,
            symbol,
            subject: family,
            wins,
            total,
        });
    }
    for ((source, symbol, setting), (wins, total)) in settings {
        out.push(Insight {
            kind: InsightKind::SettingBeatsBuyAndHold,
            text: format!(
                "runs with {setting} beat buy-and-hold on {source}/{symbol} in {wins} of {total} runs"
            ),
            source,
            symbol,
            subject: setting,
            wins,
            total,
        });
    }
    for ((source, symbol, family), (wins, _)) in firsts {
        let total = boards_per_dataset[&(source.clone(), symbol.clone())];
        out.push(Insight {
            kind: InsightKind::FamilyTopsBoards,
            text: format!(
                "{family} ranked first on {source}/{symbol} in {wins} of {total} target/horizon boards"
            ),
            source,
            symbol,
            subject: family,
            wins,
            total,
        });
    }
    out.retain(|i| i.total >= MIN_RUNS);
    out.sort_by(|a, b| {
        (&a.source, &a.symbol)
            .cmp(&(&b.source, &b.symbol))
            // Higher win rate first: a.wins/a.total > b.wins/b.total.
            .then_with(|| (b.wins * a.total).cmp(&(a.wins * b.total)))
            .then_with(|| b.total.cmp(&a.total))
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    out.truncate(MAX_INSIGHTS);
    out
}
