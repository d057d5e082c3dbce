//! Extractive summaries of a span of messages: the most informative
//! sentences, in their original order, each prefixed with who said it.
//! Used when older messages are pruned, and as the fallback when no LLM
//! summary is available. Deterministic; it must not invent text.

use super::importance::{has_decision, has_metric_number};
use super::topics;
use crate::api::MessageRole;

/// Sentences with fewer words than this are never picked.
const MIN_WORDS: usize = 3;

/// The label put before a sentence of `role`.
fn label(role: MessageRole) -> &'static str {
    match role {
        MessageRole::User => "User",
        MessageRole::Assistant => "Coach",
        MessageRole::Result => "Result",
    }
}

/// Splits `text` into trimmed sentences: ends at `.`, `!` or `?` followed
/// by whitespace (so `0.5` and `BRK.B` stay whole), and at line breaks.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|(_, n)| *n);
        let end = match c {
            '\n' => Some(at),
            '.' | '!' | '?' if next.is_none_or(char::is_whitespace) => Some(at + c.len_utf8()),
            _ => None,
        };
        if let Some(end) = end {
            let sentence = text[start..end].trim();
            if !sentence.is_empty() {
                out.push(sentence);
            }
            start = at + c.len_utf8();
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Score of one sentence: one point per topic, 2 for a goal or decision,
/// 1.5 for a number with a metric, and, when any of these scored, 0.5
/// more for results and for the user's own words; sentences shorter than [`MIN_WORDS`] words score nothing.
fn sentence_score(role: MessageRole, sentence: &str) -> f64 {
    if sentence.split_whitespace().count() < MIN_WORDS {
        return 0.0;
    }
    let lower = sentence.to_lowercase();
    let mut score = topics::extract(sentence).len() as f64;
    if has_decision(&lower) {
        score += 2.0;
    }
    if has_metric_number(&lower) {
        score += 1.5;
    }
    if score > 0.0 && matches!(role, MessageRole::Result | MessageRole::User) {
        score += 0.5;
    }
    score
}

/// Up to `max_sentences` of the most informative sentences of `messages`
/// (scored by topic density and goal, decision and metric cues; ties go to
/// the earlier sentence; sentences that score 0 are never picked), in their
/// original order, one per line as `User: ...`, `Coach: ...` or
/// `Result: ...`. Empty when nothing qualifies.
pub fn extractive(messages: &[(MessageRole, &str)], max_sentences: usize) -> String {
    let mut candidates: Vec<(usize, MessageRole, &str, f64)> = Vec::new();
    for (role, text) in messages {
        for sentence in sentences(text) {
            let score = sentence_score(*role, sentence);
            candidates.push((candidates.len(), *role, sentence, score));
        }
    }
    let mut ranked: Vec<&(usize, MessageRole, &str, f64)> =
        candidates.iter().filter(|c| c.3 > 0.0).collect();
    ranked.sort_by(|a, b| b.3.total_cmp(&a.3).then(a.0.cmp(&b.0)));
    ranked.truncate(max_sentences);
    ranked.sort_by_key(|c| c.0);
    ranked
        .iter()
        .map(|(_, role, sentence, _)| format!("{}: {sentence}", label(*role)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_sentences_but_not_decimals_or_tickers() {
        assert_eq!(
            sentences("Sharpe was 0.5 on BRK.B today. Next? Yes!\nDone"),
            vec!["Sharpe was 0.5 on BRK.B today.", "Next?", "Yes!", "Done"]
        );
    }

    #[test]
    fn picks_informative_sentences_in_order_with_speakers() {
        let messages = [
            (MessageRole::User, "Hi there. My goal is to predict the S&P 500 with a random forest."),
            (MessageRole::Assistant, "Sounds good to me. The weather is nice today. I will set up a walk-forward backtest on sp500."),
            (MessageRole::Result, "random_forest_100 reached accuracy 54% and Sharpe 0.8 on sp500."),
            (MessageRole::User, "Thanks a lot, see you."),
        ];
        let summary = extractive(&messages, 3);
        let lines: Vec<&str> = summary.lines().collect();
        assert_eq!(lines.len(), 3, "{summary}");
        assert!(lines[0].starts_with("User: My goal is"), "{summary}");
        assert!(lines[1].starts_with("Coach: I will set up"), "{summary}");
        assert!(
            lines[2].starts_with("Result: random_forest_100"),
            "{summary}"
        );
        assert!(!summary.contains("weather"));
        assert_eq!(summary, extractive(&messages, 3), "deterministic");
    }

    #[test]
    fn nothing_informative_gives_empty() {
        assert_eq!(extractive(&[(MessageRole::User, "ok. hi.")], 5), "");
        assert_eq!(extractive(&[], 5), "");
    }
}
