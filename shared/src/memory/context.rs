//! Choosing what of the memory goes into the coach's prompt within a token
//! budget: the goal, the latest turns, the conversation's summary and
//! relevant earlier messages, in that priority. Pure selection; it must
//! not format the prompt (the coach does) and never exceeds the budget.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::tokens::estimate;
use crate::api::MessageRole;

/// Tokens charged per item on top of its text (role markers, separators).
pub const ITEM_OVERHEAD_TOKENS: u32 = 4;

/// The marker put after a truncated summary.
pub const TRUNCATION_MARKER: &str = " […]";

/// One stored message offered to the selection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContextMessage {
    /// The message's row id.
    pub id: i64,
    /// Who wrote it.
    pub role: MessageRole,
    /// Its text.
    pub content: String,
}

/// Everything the prompt could hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContextInput {
    /// The user's current research goal.
    pub goal: Option<String>,
    /// The conversation's latest summary.
    pub summary: Option<String>,
    /// Search hits for the new message, best first.
    pub relevant: Vec<ContextMessage>,
    /// The conversation's latest messages, oldest first.
    pub recent: Vec<ContextMessage>,
}

/// What fits, and what it costs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContextSelection {
    /// The goal, if it fits.
    pub goal: Option<String>,
    /// The summary, whole or truncated (ending in [`TRUNCATION_MARKER`]).
    pub summary: Option<String>,
    /// Whether the summary was truncated.
    pub summary_truncated: bool,
    /// The newest recent messages that fit, oldest first.
    pub recent: Vec<ContextMessage>,
    /// Relevant messages that fit and are not in `recent`, best first.
    pub relevant: Vec<ContextMessage>,
    /// Tokens of everything selected: the sum of [`item_cost`] over it.
    pub used_tokens: u32,
}

/// Tokens one item of `text` costs: its estimate plus
/// [`ITEM_OVERHEAD_TOKENS`].
pub fn item_cost(text: &str) -> u32 {
    estimate(text).saturating_add(ITEM_OVERHEAD_TOKENS)
}

/// Selects from `input` within `budget_tokens`, in priority order:
///
/// 1. the goal, if it fits;
/// 2. recent messages from the newest backwards, while each fits (it stops
///    at the first that does not, so the turns kept are contiguous);
/// 3. the summary, whole if it fits, else its longest prefix that fits
///    with [`TRUNCATION_MARKER`] appended (left out if not even that fits);
/// 4. relevant messages, best first, skipping those already in `recent`
///    (by id) and any that does not fit.
///
/// `used_tokens` never exceeds `budget_tokens`.
pub fn select(input: &ContextInput, budget_tokens: u32) -> ContextSelection {
    let mut out = ContextSelection::default();
    let mut left = budget_tokens;
    let take = |cost: u32, left: &mut u32| -> bool {
        if cost <= *left {
            *left -= cost;
            true
        } else {
            false
        }
    };
    if let Some(goal) = &input.goal {
        if take(item_cost(goal), &mut left) {
            out.goal = Some(goal.clone());
        }
    }
    let mut recent = Vec::new();
    for message in input.recent.iter().rev() {
        if !take(item_cost(&message.content), &mut left) {
            break;
        }
        recent.push(message.clone());
    }
    recent.reverse();
    out.recent = recent;
    if let Some(summary) = &input.summary {
        if take(item_cost(summary), &mut left) {
            out.summary = Some(summary.clone());
        } else if let Some(short) = truncate_to(summary, left) {
            left -= item_cost(&short);
            out.summary = Some(short);
            out.summary_truncated = true;
        }
    }
    let mut seen: HashSet<i64> = out.recent.iter().map(|m| m.id).collect();
    for message in &input.relevant {
        if seen.contains(&message.id) {
            continue;
        }
        if take(item_cost(&message.content), &mut left) {
            seen.insert(message.id);
            out.relevant.push(message.clone());
        }
    }
    out.used_tokens = budget_tokens - left;
    out
}

/// The longest prefix of `text` (at a character boundary, at least one
/// character) that costs at most `left` with the marker appended.
fn truncate_to(text: &str, left: u32) -> Option<String> {
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).skip(1).collect();
    let with_marker = |end: usize| format!("{}{TRUNCATION_MARKER}", &text[..end]);
    // The cost grows with the prefix: find the last end that fits.
    let (mut low, mut high) = (0usize, bounds.len());
    while low < high {
        let mid = (low + high).div_ceil(2);
        if item_cost(&with_marker(bounds[mid - 1])) <= left {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    (low > 0).then(|| with_marker(bounds[low - 1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: i64, content: &str) -> ContextMessage {
        ContextMessage {
            id,
            role: if id % 2 == 0 {
                MessageRole::User
            } else {
                MessageRole::Assistant
            },
            content: content.to_string(),
        }
    }

    fn input() -> ContextInput {
        ContextInput {
            goal: Some("Predict S&P 500 direction five days ahead.".into()),
            summary: Some("User: wants a random forest. Coach: proposed a walk-forward backtest on sp500 with 5 folds and a 10 bps cost.".into()),
            relevant: vec![message(2, "The old Sharpe was 0.8."), message(9, "newest"), message(1, "gradient boosting did better")],
            recent: (6..10).map(|i| message(i, &format!("recent message number {i}"))).collect(),
        }
    }

    #[test]
    fn generous_budget_takes_everything_once() {
        let selection = select(&input(), 10_000);
        assert!(selection.goal.is_some());
        assert_eq!(selection.summary, input().summary);
        assert_eq!(
            selection.recent.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![6, 7, 8, 9]
        );
        assert_eq!(
            selection.relevant.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![2, 1],
            "message 9 is already recent"
        );
        let input = input();
        let expected: u32 = item_cost(input.goal.as_deref().unwrap())
            + item_cost(input.summary.as_deref().unwrap())
            + input
                .recent
                .iter()
                .map(|m| item_cost(&m.content))
                .sum::<u32>()
            + item_cost(&input.relevant[0].content)
            + item_cost(&input.relevant[2].content);
        assert_eq!(selection.used_tokens, expected);
    }

    #[test]
    fn tight_budget_keeps_goal_then_newest_turns() {
        let input = input();
        let goal = item_cost(input.goal.as_deref().unwrap());
        let newest = item_cost(&input.recent[3].content);
        let selection = select(&input, goal + newest + 1);
        assert!(selection.goal.is_some());
        assert_eq!(selection.recent.len(), 1);
        assert_eq!(selection.recent[0].id, 9);
        assert!(selection.relevant.is_empty());
        assert!(selection.used_tokens <= goal + newest + 1);
    }

    #[test]
    fn summary_is_truncated_with_a_marker() {
        let mut input = input();
        input.goal = None;
        input.recent.clear();
        input.relevant.clear();
        let selection = select(&input, 15);
        let summary = selection.summary.expect("a truncated summary");
        assert!(selection.summary_truncated);
        assert!(summary.ends_with(TRUNCATION_MARKER));
        assert!(selection.used_tokens <= 15);
        assert!(select(&input, ITEM_OVERHEAD_TOKENS).summary.is_none());
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn role() -> impl Strategy<Value = MessageRole> {
        prop_oneof![
            Just(MessageRole::User),
            Just(MessageRole::Assistant),
            Just(MessageRole::Result)
        ]
    }

    fn messages() -> impl Strategy<Value = Vec<ContextMessage>> {
        prop::collection::vec(
            (0i64..30, role(), "[a-zA-Z0-9 .,é€]{0,300}")
                .prop_map(|(id, role, content)| ContextMessage { id, role, content }),
            0..12,
        )
    }

    proptest! {
        #[test]
        fn never_exceeds_the_budget(
            goal in prop::option::of("[a-z ]{0,200}"),
            summary in prop::option::of("[a-zA-Z .é]{0,2000}"),
            relevant in messages(),
            recent in messages(),
            budget in 0u32..800,
        ) {
            let input = ContextInput { goal, summary, relevant, recent };
            let selection = select(&input, budget);
            prop_assert!(selection.used_tokens <= budget);
            let counted = selection.goal.as_deref().map_or(0, item_cost)
                + selection.summary.as_deref().map_or(0, item_cost)
                + selection.recent.iter().map(|m| item_cost(&m.content)).sum::<u32>()
                + selection.relevant.iter().map(|m| item_cost(&m.content)).sum::<u32>();
            prop_assert_eq!(counted, selection.used_tokens);
            // Recent messages are the input's newest, in chronological order.
            let tail = &input.recent[input.recent.len() - selection.recent.len()..];
            prop_assert_eq!(tail, &selection.recent[..]);
            // No relevant message repeats a recent one.
            for message in &selection.relevant {
                prop_assert!(!selection.recent.iter().any(|r| r.id == message.id));
            }
        }
    }
}
