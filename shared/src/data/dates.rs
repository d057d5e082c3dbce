//! The date spellings the CSV reader accepts, each read by a fixed,
//! documented rule (see [`parse_date`]).
//!
//! Must not guess: a spelling that could mean two different dates (a
//! two-digit year, `D.M.YYYY` against `M.D.YYYY`) is refused with a reason,
//! never resolved by looking at other rows.

use crate::calendar::Date;

/// Why a date cell was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateParseError {
    /// Not one of the accepted spellings.
    #[error("\"{0}\" is not a date (accepted: YYYY-MM-DD, M/D/YYYY, YYYY/MM/DD, YYYYMMDD, YYYY-MM, YYYYMM, \"Jan 1 2000\", \"1 Jan 2000\")")]
    Unrecognised(String),
    /// A spelling this reader will not guess at.
    #[error("\"{text}\" is ambiguous ({why}); write it as YYYY-MM-DD")]
    Ambiguous {
        /// The cell.
        text: String,
        /// What makes it ambiguous.
        why: &'static str,
    },
    /// The right shape but no such day (e.g. 2/30/2020).
    #[error("\"{0}\" is not a real calendar date")]
    Invalid(String),
}

/// Parses one date cell (surrounding whitespace ignored). Accepted, by rule:
///
/// | spelling | example | meaning |
/// |---|---|---|
/// | `YYYY-MM-DD` (1- or 2-digit month and day) | `1999-01-04`, `1999-1-4` | ISO date |
/// | the above + `T` or space + a time | `1999-01-04T16:00:00Z`, `1999-01-04 00:00` | the calendar date as written; the time (and any zone) is not used |
/// | `YYYY-MM` | `1957-01` | monthly: the first of the month |
/// | `YYYY/MM/DD`, `YYYY.MM.DD` | `1999/01/04` | a 4-digit first part is always the year |
/// | `M/D/YYYY` | `1/4/1999`, `01/04/1999` | slash dates are US month/day/year |
/// | `YYYYMMDD` | `19990104` | 8 digits |
/// | `YYYYMM` | `192607` | 6 digits, monthly: the first of the month |
/// | month name, day, 4-digit year in any order, separated by spaces, commas, `-` or `/` | `Jan 1 2000`, `January 1, 2000`, `1 Jan 2000`, `01-Jan-2000` | English month names or 3-letter abbreviations (and `Sept`), any case |
///
/// Refused as ambiguous: two-digit years (`1/4/99`) and dotted dates not
/// starting with a 4-digit year (`4.1.1999` is 4 January in Europe and
/// 1 April in the US). Everything else is unrecognised.
pub fn parse_date(cell: &str) -> Result<Date, DateParseError> {
    let text = cell.trim();
    let unrecognised = || DateParseError::Unrecognised(text.to_string());
    let invalid = || DateParseError::Invalid(text.to_string());
    let make = |year: u32, month: u32, day: u32| {
        i32::try_from(year)
            .ok()
            .and_then(|y| Date::new(y, month, day).ok())
            .ok_or_else(invalid)
    };
    if text.is_empty() {
        return Err(unrecognised());
    }
    if text.bytes().any(|b| b.is_ascii_alphabetic()) && !looks_like_iso_timestamp(text) {
        return parse_named_month(text);
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.len() {
            8 => make(
                digits(&text[..4])?,
                digits(&text[4..6])?,
                digits(&text[6..])?,
            ),
            6 => make(digits(&text[..4])?, digits(&text[4..])?, 1),
            _ => Err(unrecognised()),
        };
    }
    // ISO with a time: keep the date part.
    let date_part = match text.find(['T', ' ']) {
        Some(at) if looks_like_iso_timestamp(text) => &text[..at],
        Some(_) => return Err(unrecognised()),
        None => text,
    };
    let (separator, parts) = split_numeric(date_part).ok_or_else(unrecognised)?;
    match (separator, parts.as_slice()) {
        ('-', [y, m]) if y.len() == 4 && (1..=2).contains(&m.len()) => {
            make(digits(y)?, digits(m)?, 1)
        }
        ('-' | '/' | '.', [y, m, d])
            if y.len() == 4 && (1..=2).contains(&m.len()) && (1..=2).contains(&d.len()) =>
        {
            make(digits(y)?, digits(m)?, digits(d)?)
        }
        ('/', [m, d, y]) if (1..=2).contains(&m.len()) && (1..=2).contains(&d.len()) => {
            if y.len() == 4 {
                make(digits(y)?, digits(m)?, digits(d)?)
            } else if y.len() <= 2 {
                Err(DateParseError::Ambiguous {
                    text: text.to_string(),
                    why: "two-digit year",
                })
            } else {
                Err(unrecognised())
            }
        }
        ('.', [_, _, _]) => Err(DateParseError::Ambiguous {
            text: text.to_string(),
            why: "day.month.year or month.day.year",
        }),
        _ => Err(unrecognised()),
    }
}

/// `YYYY-MM-DD` followed by `T` or a space and a time made of digits,
/// `:`, `.`, `+`, `-` and a final `Z`.
fn looks_like_iso_timestamp(text: &str) -> bool {
    let Some(at) = text.find(['T', ' ']) else {
        return false;
    };
    let (date, time) = (&text[..at], text[at + 1..].trim_end_matches('Z'));
    let date_ok = matches!(split_numeric(date), Some(('-', parts)) if parts.len() == 3);
    let time_ok = time.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && time.contains(':')
        && time
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b':' | b'.' | b'+' | b'-'));
    date_ok && time_ok
}

/// Splits `text` on its single kind of separator (`-`, `/` or `.`) into
/// non-empty runs of digits; `None` if it has any other character or mixes
/// separators.
fn split_numeric(text: &str) -> Option<(char, Vec<&str>)> {
    let separator = text.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
    let parts: Vec<&str> = text.split(separator).collect();
    let ok = parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    ok.then_some((separator, parts))
}

fn digits(text: &str) -> Result<u32, DateParseError> {
    text.parse::<u32>()
        .map_err(|_| DateParseError::Unrecognised(text.to_string()))
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month_number(word: &str) -> Option<u32> {
    let word = word.to_ascii_lowercase();
    if word == "sept" {
        return Some(9);
    }
    MONTHS
        .iter()
        .position(|m| word == *m || (word.len() == 3 && m.starts_with(word.as_str())))
        .map(|i| i as u32 + 1)
}

/// Month name, 1- or 2-digit day and 4-digit year, in any order.
fn parse_named_month(text: &str) -> Result<Date, DateParseError> {
    let unrecognised = || DateParseError::Unrecognised(text.to_string());
    let tokens: Vec<&str> = text
        .split([' ', ',', '-', '/'])
        .filter(|t| !t.is_empty())
        .collect();
    let [a, b, c] = tokens.as_slice() else {
        return Err(unrecognised());
    };
    let (mut month, mut day, mut year) = (None, None, None);
    for token in [a, b, c] {
        let all_digits = token.bytes().all(|b| b.is_ascii_digit());
        let slot = if let Some(m) = month_number(token) {
            month.replace(m)
        } else if all_digits && token.len() == 4 {
            year.replace(digits(token)?)
        } else if all_digits && (1..=2).contains(&token.len()) {
            day.replace(digits(token)?)
        } else {
            return Err(unrecognised());
        };
        // The same part given twice (two years, two days, two months).
        if slot.is_some() {
            return Err(unrecognised());
        }
    }
    let (Some(month), Some(day), Some(year)) = (month, day, year) else {
        return Err(unrecognised());
    };
    i32::try_from(year)
        .ok()
        .and_then(|y| Date::new(y, month, day).ok())
        .ok_or_else(|| DateParseError::Invalid(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> String {
        parse_date(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .to_string()
    }

    #[test]
    fn reads_every_documented_spelling() {
        for (text, expected) in [
            ("1999-01-04", "1999-01-04"),
            ("1999-1-4", "1999-01-04"),
            (" 1999-01-04 ", "1999-01-04"),
            ("1999-01-04T16:00:00Z", "1999-01-04"),
            ("1999-01-04 00:00:00", "1999-01-04"),
            ("1999-01-04T23:59:59.5-05:00", "1999-01-04"),
            ("1957-01", "1957-01-01"),
            ("1999/01/04", "1999-01-04"),
            ("1999.01.04", "1999-01-04"),
            ("1/4/1999", "1999-01-04"),
            ("01/04/1999", "1999-01-04"),
            ("12/31/2018", "2018-12-31"),
            ("19990104", "1999-01-04"),
            ("192607", "1926-07-01"),
            ("Jan 1 2000", "2000-01-01"),
            ("January 1, 2000", "2000-01-01"),
            ("1 Jan 2000", "2000-01-01"),
            ("01-Jan-2000", "2000-01-01"),
            ("SEPT 30 2001", "2001-09-30"),
            ("2000 Feb 29", "2000-02-29"),
            ("dec 31, 1999", "1999-12-31"),
        ] {
            assert_eq!(ok(text), expected, "{text}");
        }
    }

    #[test]
    fn refuses_ambiguous_invalid_and_unknown_spellings() {
        let ambiguous = |t: &str| matches!(parse_date(t), Err(DateParseError::Ambiguous { .. }));
        assert!(ambiguous("4.1.1999"));
        assert!(ambiguous("1/4/99"));
        let invalid = |t: &str| matches!(parse_date(t), Err(DateParseError::Invalid(_)));
        assert!(invalid("2/30/2020"));
        assert!(invalid("2019-02-29"));
        assert!(invalid("13/1/2020"), "slash dates are month first");
        assert!(invalid("Feb 30 2020"));
        assert!(invalid("202013"));
        assert!(invalid("0000-01-01"));
        let unknown = |t: &str| matches!(parse_date(t), Err(DateParseError::Unrecognised(_)));
        for text in [
            "",
            "abc",
            "2020",
            "1999-01-04x",
            "1999-01/04",
            "1999-01-04 noon",
            "Jan 2000",
            "Jan Feb 1 2000",
            "Foo 1 2000",
            "1 2 2000 Jan",
            "1999-001-04",
            "123456789",
            "1/4/19999",
            "--",
            "T:",
            "1999-01-04T",
        ] {
            assert!(unknown(text), "{text:?}: {:?}", parse_date(text));
        }
    }

    #[test]
    fn messages_say_what_to_do() {
        assert_eq!(
            parse_date("4.1.1999").unwrap_err().to_string(),
            "\"4.1.1999\" is ambiguous (day.month.year or month.day.year); write it as YYYY-MM-DD"
        );
        assert!(parse_date("x")
            .unwrap_err()
            .to_string()
            .starts_with("\"x\" is not a date (accepted: YYYY-MM-DD"));
    }
}
