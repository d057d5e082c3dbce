//! Number formatting for display.

/// Formats `value` with `decimals` places, or an em dash when not finite.
pub fn fixed(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        // Avoid printing "-0.0000".
        let rounded = format!("{value:.decimals$}");
        if rounded
            .trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            rounded.trim_start_matches('-').to_string()
        } else {
            rounded
        }
    } else {
        "—".to_string()
    }
}

/// Formats a decimal as a percentage with `decimals` places.
pub fn percent(value: f64, decimals: usize) -> String {
    format!("{}%", fixed(value * 100.0, decimals))
}

/// Formats a large count with thousands separators.
pub fn count(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Formats an operations-per-second rate in millions or thousands.
pub fn rate(per_second: f64) -> String {
    if per_second >= 1e6 {
        format!("{} M/s", fixed(per_second / 1e6, 2))
    } else if per_second >= 1e3 {
        format!("{} k/s", fixed(per_second / 1e3, 2))
    } else {
        format!("{} /s", fixed(per_second, 2))
    }
}

/// The first `keep` characters of `text` followed by an ellipsis, or the
/// whole text when it is not longer than `keep`.
pub fn truncate(text: &str, keep: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(keep).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// A hash shortened for display (12 characters and an ellipsis); the full
/// value belongs in a `title`.
pub fn short_hash(hash: &str) -> String {
    truncate(hash, 12)
}

/// An RFC 3339 UTC time such as `2026-11-23T10:11:12.345Z` as
/// `2026-11-23 10:11:12 UTC`; anything else is shown as given.
pub fn timestamp(rfc3339: &str) -> String {
    let Some((date, time)) = rfc3339.split_once('T') else {
        return rfc3339.to_string();
    };
    let utc = time.ends_with('Z') || time.ends_with("+00:00");
    let clock: String = time.chars().take(8).collect();
    let well_formed = date.len() == 10
        && clock.len() == 8
        && clock.chars().enumerate().all(|(i, c)| {
            if i == 2 || i == 5 {
                c == ':'
            } else {
                c.is_ascii_digit()
            }
        });
    if !well_formed {
        return rfc3339.to_string();
    }
    if utc {
        format!("{date} {clock} UTC")
    } else {
        format!("{date} {clock}")
    }
}

/// `1 entry`, `2 entries`: a count with its noun.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_keeps_short_text_and_cuts_on_characters() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "abc…");
        assert_eq!(truncate("", 3), "");
        assert_eq!(truncate("ééééé", 2), "éé…");
        let hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_eq!(short_hash(hash), "0123456789ab…");
        assert_eq!(short_hash("abc"), "abc");
    }

    #[test]
    fn timestamps_are_shown_in_utc_without_fractions() {
        assert_eq!(
            timestamp("2026-11-23T10:11:12.345Z"),
            "2026-11-23 10:11:12 UTC"
        );
        assert_eq!(
            timestamp("2026-11-23T10:11:12+00:00"),
            "2026-11-23 10:11:12 UTC"
        );
        assert_eq!(timestamp("yesterday"), "yesterday");
        assert_eq!(timestamp("2026-11-23Tnoon"), "2026-11-23Tnoon");
    }

    #[test]
    fn counts_and_nouns() {
        assert_eq!(counted(1, "entry", "entries"), "1 entry");
        assert_eq!(counted(0, "entry", "entries"), "0 entries");
        assert_eq!(counted(1234, "entry", "entries"), "1,234 entries");
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(fixed(-0.00001, 4), "0.0000");
    }
}
