//! The autonomous loop's pure parts: the rule coach's fixed search
//! strategy, the leaderboard, and how a coach declares the goal met.
//!
//! The strategy ([`next_move`]) is deterministic: round 1 trains each
//! family's default model ([`default_model`]) for the target, round 2 tunes
//! the best two families (up to [`TUNE_PER_FAMILY`] of their other catalog
//! configurations), round 3 tries up to [`ENSEMBLES`] catalog ensembles
//! whose members come most from the leading families, then it declares
//! the search done with the evidence (the best model's walk-forward Sharpe
//! against buy-and-hold's). A stage with nothing new to try is skipped.
//!
//! Pure: it proposes model names; the server turns them into a trial, runs
//! it, and enforces the budget.

use std::collections::{BTreeMap, HashSet};

use crate::actions::{default_model, models_for, LabTarget, ModelScope};
use crate::api::ModelResult;
use crate::models::{catalog, Family};

/// Most other configurations tried per family in the tuning round.
pub const TUNE_PER_FAMILY: usize = 4;
/// Families tuned in round 2.
pub const TUNED_FAMILIES: usize = 2;
/// Most ensembles tried in round 3.
pub const ENSEMBLES: usize = 3;
/// Families counted as leaders when picking ensembles.
pub const LEADING_FAMILIES: usize = 3;
/// The tool an LLM calls to declare the goal met (input `{"evidence": ...}`).
pub const DECLARE_TOOL: &str = "declare_goal_met";
/// The phrase that declares the goal met in plain text; the evidence follows it.
pub const GOAL_MET_PHRASE: &str = "GOAL MET:";

/// What the rule coach does next.
#[derive(Clone, Debug, PartialEq)]
pub enum RuleMove {
    /// Train these catalog models (in this order) as the next round.
    Train {
        /// What this round does, in words.
        text: String,
        /// Catalog names.
        models: Vec<String>,
    },
    /// The search is done; the evidence says what it found.
    Done {
        /// The best model's walk-forward result against buy-and-hold.
        evidence: String,
    },
}

/// The next move for round `round` (1-based) on `target`, given the
/// leaderboard so far (best first, see [`leaderboard`]) and every model
/// already tried.
pub fn next_move(
    round: u32,
    target: LabTarget,
    board: &[ModelResult],
    tried: &[String],
) -> RuleMove {
    let tried: HashSet<&str> = tried.iter().map(String::as_str).collect();
    for stage in round.max(1)..=3 {
        let (text, models) = match stage {
            1 => defaults(target),
            2 => tuning(target, board),
            _ => ensembles(target, board),
        };
        let models: Vec<String> = models
            .into_iter()
            .filter(|name| !tried.contains(name.as_str()))
            .collect();
        if !models.is_empty() {
            return RuleMove::Train { text, models };
        }
    }
    RuleMove::Done {
        evidence: evidence(board, tried.len()),
    }
}

fn defaults(target: LabTarget) -> (String, Vec<String>) {
    let models = Family::ALL
        .into_iter()
        .filter_map(|family| default_model(family, target.task()))
        .map(str::to_string)
        .collect();
    (
        "Round 1: each family's default model on the goal's data and target.".to_string(),
        models,
    )
}

/// The families of the leaderboard, best first, each once.
fn leading_families(board: &[ModelResult], count: usize) -> Vec<String> {
    let mut families: Vec<String> = Vec::new();
    for result in board {
        if families.len() == count {
            break;
        }
        if !families.contains(&result.family) && result.family != Family::Ensemble.as_str() {
            families.push(result.family.clone());
        }
    }
    families
}

fn tuning(target: LabTarget, board: &[ModelResult]) -> (String, Vec<String>) {
    let families = leading_families(board, TUNED_FAMILIES);
    let tried: HashSet<&str> = board.iter().map(|r| r.model.as_str()).collect();
    let mut models = Vec::new();
    for family in &families {
        models.extend(
            models_for(ModelScope::Family, target.task(), Some(family))
                .into_iter()
                .filter(|name| !tried.contains(name.as_str()))
                .take(TUNE_PER_FAMILY),
        );
    }
    (
        format!(
            "Round 2: other catalog configurations of the best families ({}).",
            families.join(", ")
        ),
        models,
    )
}

fn ensembles(target: LabTarget, board: &[ModelResult]) -> (String, Vec<String>) {
    let leaders = leading_families(board, LEADING_FAMILIES);
    let entries = catalog();
    let family_of = |name: &str| {
        entries
            .iter()
            .find(|e| e.spec.name == name)
            .map(|e| e.spec.family.as_str())
    };
    let mut scored: Vec<(usize, String)> = Vec::new();
    for entry in entries
        .iter()
        .filter(|e| e.spec.family == Family::Ensemble)
        .filter(|e| crate::actions::fits_target(e.spec.task, target.task()))
    {
        let members = match entry.spec.params.get("members") {
            Some(crate::api::ParamValue::Text(members)) => members.clone(),
            _ => String::new(),
        };
        let score = members
            .split(',')
            .filter_map(family_of)
            .filter(|family| leaders.iter().any(|l| l == family))
            .count();
        scored.push((score, entry.spec.name.clone()));
    }
    // Stable: ties keep catalog order.
    scored.sort_by(|a, b| b.0.cmp(&a.0));
    (
        format!(
            "Round 3: ensembles built most from the leading families ({}).",
            leaders.join(", ")
        ),
        scored
            .into_iter()
            .take(ENSEMBLES)
            .map(|(_, name)| name)
            .collect(),
    )
}

/// The evidence for the final declaration.
fn evidence(board: &[ModelResult], tried: usize) -> String {
    match board.first() {
        Some(best) => {
            let verdict = if best.sharpe > best.buy_and_hold_sharpe {
                "beats"
            } else {
                "does not beat"
            };
            format!(
                "Best: {} ({}), walk-forward Sharpe {:.2} vs buy-and-hold {:.2} over {} folds \
                 ({verdict} buy-and-hold); cumulative return {:.1}% vs {:.1}%; {tried} models tried.",
                best.model,
                best.family,
                best.sharpe,
                best.buy_and_hold_sharpe,
                best.folds,
                best.cumulative_return * 100.0,
                best.buy_and_hold_return * 100.0,
            )
        }
        None => format!("No model produced a result; {tried} models tried."),
    }
}

/// A lab result (`model` of `family` with its recorded `metrics`) as a
/// leaderboard row of round `round`; `None` when it lacks the trading
/// metrics (or any is not finite).
pub fn model_result(
    model: &str,
    family: &str,
    metrics: &BTreeMap<String, f64>,
    round: u32,
) -> Option<ModelResult> {
    let metric = |name: &str| metrics.get(name).copied().filter(|v| v.is_finite());
    Some(ModelResult {
        model: model.to_string(),
        family: family.to_string(),
        round,
        sharpe: metric("sharpe")?,
        buy_and_hold_sharpe: metric("buy_and_hold_sharpe")?,
        cumulative_return: metric("cumulative_return")?,
        buy_and_hold_return: metric("buy_and_hold_cumulative_return")?,
        accuracy: metric("accuracy"),
        folds: metric("n_folds").map_or(0, |v| v.max(0.0) as u32),
    })
}

/// Sorts results best first: higher Sharpe, then lower round, then name
/// (so the order is total and deterministic).
pub fn leaderboard(mut results: Vec<ModelResult>) -> Vec<ModelResult> {
    results.sort_by(|a, b| {
        b.sharpe
            .total_cmp(&a.sharpe)
            .then(a.round.cmp(&b.round))
            .then(a.model.cmp(&b.model))
    });
    results
}

/// The evidence after [`GOAL_MET_PHRASE`] in `text`, if the phrase is there
/// (case-sensitive; the rest of that paragraph, trimmed, non-empty).
pub fn declared_in_text(text: &str) -> Option<String> {
    let start = text.find(GOAL_MET_PHRASE)? + GOAL_MET_PHRASE.len();
    let rest = &text[start..];
    let end = rest.find("\n\n").unwrap_or(rest.len());
    let evidence = rest[..end].trim();
    (!evidence.is_empty()).then(|| evidence.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Task;

    fn result(model: &str, family: &str, sharpe: f64) -> ModelResult {
        ModelResult {
            model: model.to_string(),
            family: family.to_string(),
            round: 1,
            sharpe,
            buy_and_hold_sharpe: 0.5,
            cumulative_return: 0.1,
            buy_and_hold_return: 0.05,
            accuracy: Some(0.52),
            folds: 4,
        }
    }

    fn names(step: &RuleMove) -> Vec<String> {
        match step {
            RuleMove::Train { models, .. } => models.clone(),
            RuleMove::Done { .. } => Vec::new(),
        }
    }

    #[test]
    fn round_one_is_one_default_per_family() {
        let step = next_move(1, LabTarget::Direction, &[], &[]);
        let models = names(&step);
        assert!(models.len() >= 8, "{models:?}");
        let entries = catalog();
        let mut families = HashSet::new();
        for name in &models {
            let entry = entries.iter().find(|e| &e.spec.name == name).unwrap();
            assert_ne!(entry.spec.task, Task::Regression, "{name}");
            assert!(families.insert(entry.spec.family), "{name}: family twice");
        }
        assert_eq!(step, next_move(1, LabTarget::Direction, &[], &[]));
    }

    #[test]
    fn round_two_tunes_the_best_two_families() {
        let first = names(&next_move(1, LabTarget::Direction, &[], &[]));
        let forest = first
            .iter()
            .find(|m| m.starts_with("random_forest"))
            .unwrap();
        let knn = first.iter().find(|m| m.starts_with("knn")).unwrap();
        let board = leaderboard(vec![
            result("baseline_majority_class", "baseline", 0.1),
            result(forest, "random_forest", 0.9),
            result(knn, "knn", 0.7),
        ]);
        let step = next_move(2, LabTarget::Direction, &board, &first);
        let models = names(&step);
        assert!(!models.is_empty());
        assert!(models.len() <= TUNED_FAMILIES * TUNE_PER_FAMILY);
        for name in &models {
            assert!(!first.contains(name), "{name} was tried");
            assert!(
                name.starts_with("random_forest") || name.starts_with("knn"),
                "{name}"
            );
        }
        assert!(models.iter().any(|m| m.starts_with("random_forest")));
    }

    #[test]
    fn round_three_is_ensembles_then_done_with_evidence() {
        let board = vec![result("logistic_l2_c_1", "logistic", 0.8)];
        let tried = vec!["logistic_l2_c_1".to_string()];
        let models = names(&next_move(3, LabTarget::Direction, &board, &tried));
        assert!(!models.is_empty() && models.len() <= ENSEMBLES);
        let entries = catalog();
        for name in &models {
            let entry = entries.iter().find(|e| &e.spec.name == name).unwrap();
            assert_eq!(entry.spec.family, Family::Ensemble);
            assert_ne!(entry.spec.task, Task::Regression);
        }
        let RuleMove::Done { evidence } = next_move(4, LabTarget::Direction, &board, &tried) else {
            panic!("round 4 must be done");
        };
        assert!(evidence.contains("Sharpe 0.80 vs buy-and-hold 0.50 over 4 folds"));
        assert!(evidence.contains("(beats buy-and-hold)"), "{evidence}");
    }

    #[test]
    fn nothing_left_to_try_is_done() {
        let all = models_for(ModelScope::Catalog, Task::Classification, None);
        assert!(matches!(
            next_move(1, LabTarget::Direction, &[], &all),
            RuleMove::Done { .. }
        ));
    }

    #[test]
    fn return_target_uses_regressors() {
        let entries = catalog();
        for name in names(&next_move(1, LabTarget::Return, &[], &[])) {
            let entry = entries.iter().find(|e| e.spec.name == name).unwrap();
            assert_eq!(entry.spec.task, Task::Regression, "{name}");
        }
    }

    #[test]
    fn leaderboard_is_total_and_best_first() {
        let board = leaderboard(vec![
            result("b", "knn", 0.3),
            result("a", "knn", 0.3),
            result("c", "svm", 0.9),
        ]);
        let order: Vec<&str> = board.iter().map(|r| r.model.as_str()).collect();
        assert_eq!(order, ["c", "a", "b"]);
    }

    #[test]
    fn results_need_the_trading_metrics() {
        let mut metrics: BTreeMap<String, f64> = [
            ("sharpe", 0.7),
            ("buy_and_hold_sharpe", 0.4),
            ("cumulative_return", 0.2),
            ("buy_and_hold_cumulative_return", 0.1),
            ("n_folds", 3.0),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let row = model_result("knn_k5", "knn", &metrics, 2).unwrap();
        assert_eq!(
            (row.sharpe, row.folds, row.round, row.accuracy),
            (0.7, 3, 2, None)
        );
        metrics.insert("sharpe".to_string(), f64::NAN);
        assert!(model_result("knn_k5", "knn", &metrics, 2).is_none());
    }

    #[test]
    fn declarations_in_text() {
        assert_eq!(
            declared_in_text("Done.\nGOAL MET: Sharpe 0.9 vs 0.6\n\nThanks").as_deref(),
            Some("Sharpe 0.9 vs 0.6")
        );
        assert_eq!(declared_in_text("GOAL MET:   "), None);
        assert_eq!(declared_in_text("the goal met is near"), None);
    }
}
