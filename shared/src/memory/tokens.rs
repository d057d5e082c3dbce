//! Token estimates without a tokenizer: good enough to budget prompts and to
//! bill the rule coach. Must not be used where an exact count is needed.

/// Estimated tokens of `text`: `max(ceil(chars / 4), ceil(words * 4 / 3))`,
/// where `chars` counts Unicode scalar values and `words` counts
/// whitespace-separated runs.
///
/// English averages about 4 characters and 0.75 words per token in GPT and
/// Claude tokenizers, so taking the larger of the two keeps the estimate at
/// or above the true count for ordinary prose, and counts short-word,
/// punctuation-heavy text by words. Appending text never lowers the
/// estimate (both counts only grow), and the empty text costs 0.
pub fn estimate(text: &str) -> u32 {
    let chars = text.chars().count() as u64;
    let words = text.split_whitespace().count() as u64;
    let by_chars = chars.div_ceil(4);
    let by_words = (words * 4).div_ceil(3);
    u32::try_from(by_chars.max(by_words)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_zero_and_short_words_count_by_words() {
        assert_eq!(estimate(""), 0);
        assert_eq!(estimate("a b c"), 4);
        assert_eq!(estimate("abcdefghijklmnop"), 4);
    }

    #[test]
    fn monotone_in_prefix_length() {
        let text = "The Sharpe ratio of the random forest on S&P 500 was 1.3; drawdown 12%.";
        let mut last = 0;
        for (end, _) in text.char_indices().chain([(text.len(), ' ')]) {
            let now = estimate(&text[..end]);
            assert!(now >= last, "estimate fell at {end}");
            last = now;
        }
    }

    #[test]
    fn english_is_not_underestimated() {
        // 20 common words; real tokenizers give about 22-24 tokens.
        let text = "I want to train a gradient boosting model on the Nasdaq data \
                    and compare its Sharpe ratio with the baseline.";
        assert!(estimate(text) >= 22, "{}", estimate(text));
    }
}
