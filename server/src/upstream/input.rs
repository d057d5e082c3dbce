//! Checks on the arguments the clients put into upstream URLs.
//!
//! Pure predicates: they decide whether text is acceptable and never build
//! URLs or errors.

/// Whether `text` is a calendar-shaped `YYYY-MM-DD` date (month 01-12, day
/// 01-31; the provider judges the rest).
pub(crate) fn is_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let number = |range: std::ops::Range<usize>| {
        bytes[range].iter().try_fold(0u32, |acc, b| {
            b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
        })
    };
    let (Some(_year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// Whether `text` is a plausible symbol or series id: 1 to 64 ASCII
/// letters, digits, or `extra` characters.
pub(crate) fn is_identifier(text: &str, extra: &[char]) -> bool {
    (1..=64).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        for good in ["2024-01-31", "1999-12-01"] {
            assert!(is_iso_date(good), "{good}");
        }
        for bad in [
            "2024-13-01",
            "2024-00-10",
            "2024-1-01",
            "20240101",
            "2024-01-32",
            "２０２４-01-01",
            "",
        ] {
            assert!(!is_iso_date(bad), "{bad}");
        }
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("X:BTCUSD", &[':', '.', '-', '_']));
        assert!(is_identifier("BRK.A", &['.']));
        assert!(!is_identifier("AAPL/../x", &['.']));
        assert!(!is_identifier("", &[]));
        assert!(!is_identifier(&"A".repeat(65), &[]));
    }
}
