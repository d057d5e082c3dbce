//! How much a message matters for later turns, in [0, 1]: what pruning
//! keeps and what search prefers among equally good matches. Pure scoring
//! of the text; it must not look at anything but its arguments.

use crate::api::MessageRole;

/// Phrases that state a goal or a decision (matched in lower case).
pub(crate) const DECISION_CUES: &[&str] = &[
    "my goal",
    "our goal",
    "the goal is",
    "set my goal",
    "i want",
    "i'd like",
    "i would like",
    "i need",
    "decide",
    "decided",
    "decision",
    "let's use",
    "lets use",
    "let's go with",
    "we will",
    "we'll",
    "i will",
    "i'll",
    "from now on",
    "always",
    "never",
    "prefer",
];

/// Words that make a number a metric (matched in lower case).
pub(crate) const METRIC_CUES: &[&str] = &[
    "sharpe",
    "sortino",
    "accuracy",
    "precision",
    "recall",
    "auc",
    "rmse",
    "mae",
    "r2",
    "r²",
    "drawdown",
    "return",
    "hit rate",
    "volatility",
    "%",
    "bps",
];

/// Whole messages (trimmed, lower case, without trailing punctuation) that
/// are small talk.
const SMALL_TALK: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "thanks",
    "thank you",
    "thx",
    "ok",
    "okay",
    "cool",
    "great",
    "nice",
    "bye",
    "good",
    "sure",
    "yes",
    "no",
    "yep",
    "nope",
    "got it",
    "thanks a lot",
    "perfect",
];

/// Base score of each role.
fn base(role: MessageRole) -> f64 {
    match role {
        MessageRole::Result => 0.6,
        MessageRole::User => 0.35,
        MessageRole::Assistant => 0.3,
    }
}

/// Whether `lower` (already lower case) states a goal or a decision.
pub(crate) fn has_decision(lower: &str) -> bool {
    DECISION_CUES.iter().any(|cue| contains_words(lower, cue))
}

/// Whether `lower` (already lower case) has a digit and a metric word.
pub(crate) fn has_metric_number(lower: &str) -> bool {
    lower.bytes().any(|b| b.is_ascii_digit())
        && METRIC_CUES.iter().any(|cue| {
            if cue.chars().all(char::is_alphanumeric) {
                contains_words(lower, cue)
            } else {
                lower.contains(cue)
            }
        })
}

/// Whether `needle` occurs in `haystack` with no letter or digit right
/// before or after it.
fn contains_words(haystack: &str, needle: &str) -> bool {
    let mut start = 0;
    while let Some(found) = haystack[start..].find(needle) {
        let at = start + found;
        let end = at + needle.len();
        let before = haystack[..at].chars().next_back();
        let after = haystack[end..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        if boundary(before) && boundary(after) {
            return true;
        }
        start = at + haystack[at..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Whether the whole message is small talk: a phrase of [`SMALL_TALK`], or
/// at most three words with no topic.
fn is_small_talk(lower: &str, topics: &[String]) -> bool {
    let trimmed = lower.trim().trim_end_matches(['.', '!', '?', ' ', ',']);
    SMALL_TALK.contains(&trimmed) || (topics.is_empty() && trimmed.split_whitespace().count() <= 3)
}

/// Importance of a message in [0, 1]:
///
/// `clamp(base + 0.25·decision + 0.15·metric + min(0.04·topics, 0.2) − 0.25·small_talk, 0, 1)`
///
/// * base: `result` 0.6, `user` 0.35, `assistant` 0.3;
/// * decision: the text states a goal or a decision ("my goal", "I want",
///   "decide", "let's use", "we will", "set my goal", ...);
/// * metric: the text has a digit and a metric word (Sharpe, accuracy,
///   drawdown, return, `%`, ...);
/// * topics: 0.04 per topic of `topics`, at most 0.2;
/// * small talk: the whole text is a greeting or thanks ("hi", "thanks",
///   "ok", ...), or has at most three words and no topic.
pub fn score(role: MessageRole, text: &str, topics: &[String]) -> f64 {
    let lower = text.to_lowercase();
    let mut score = base(role);
    if has_decision(&lower) {
        score += 0.25;
    }
    if has_metric_number(&lower) {
        score += 0.15;
    }
    score += (0.04 * topics.len() as f64).min(0.2);
    if is_small_talk(&lower, topics) {
        score -= 0.25;
    }
    score.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::topics;

    fn of(role: MessageRole, text: &str) -> f64 {
        score(role, text, &topics::extract(text))
    }

    #[test]
    fn goals_decisions_and_results_beat_small_talk() {
        let small = [
            of(MessageRole::User, "thanks!"),
            of(MessageRole::User, "hi"),
            of(MessageRole::User, "ok"),
            of(MessageRole::Assistant, "You're welcome."),
        ];
        let important = [
            of(
                MessageRole::User,
                "My goal is to predict S&P 500 direction over a 5 day horizon.",
            ),
            of(
                MessageRole::User,
                "Let's use the random forest from now on.",
            ),
            of(
                MessageRole::Result,
                "random_forest_100 on sp500: accuracy 54.2%, Sharpe 0.81, max drawdown 18%.",
            ),
        ];
        let max_small = small.iter().copied().fold(0.0, f64::max);
        for value in important {
            assert!(value > max_small, "{value} <= {max_small}");
        }
        assert!(important[2] > of(MessageRole::User, "What is a Sharpe ratio?"));
    }

    #[test]
    fn stays_in_unit_interval() {
        let many: Vec<String> = (0..50).map(|i| format!("concept:{i}")).collect();
        let high = score(
            MessageRole::Result,
            "my goal: decide; Sharpe 2.0, accuracy 60%",
            &many,
        );
        assert!((0.0..=1.0).contains(&high));
        assert_eq!(high, 1.0);
        let low = score(MessageRole::Assistant, "ok", &[]);
        assert!((0.0..=1.0).contains(&low));
    }

    #[test]
    fn cues_match_whole_words() {
        assert!(has_decision("so i want a model"));
        assert!(!has_decision("i wanted a model"));
        assert!(has_metric_number("sharpe of 1.2"));
        assert!(!has_metric_number("sharpe ratio explained"));
    }
}
