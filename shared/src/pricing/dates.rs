//! Calendar arithmetic for expiry dates given as `YYYY-MM-DD`. The caller
//! supplies "today": this library never reads a clock.

use serde::{Deserialize, Serialize};

/// A proleptic Gregorian calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Date {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month 1..=12.
    pub month: u32,
    /// Day of month 1..=31.
    pub day: u32,
}

/// Why a date string was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not in `YYYY-MM-DD` form.
    #[error("\"{0}\" is not a date in YYYY-MM-DD form")]
    Format(String),
    /// Month or day out of range for the calendar.
    #[error("{0} is not a valid calendar date")]
    Invalid(String),
}

impl Date {
    /// Parses `YYYY-MM-DD` and checks it is a real calendar date.
    pub fn parse(text: &str) -> Result<Date, DateError> {
        let text = text.trim();
        let parts: Vec<&str> = text.split('-').collect();
        let [y, m, d] = parts.as_slice() else {
            return Err(DateError::Format(text.to_string()));
        };
        let number = |s: &str| {
            s.parse::<u32>()
                .map_err(|_| DateError::Format(text.to_string()))
        };
        let (year, month, day) = (number(y)?, number(m)?, number(d)?);
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return Err(DateError::Invalid(text.to_string()));
        }
        let date = Date {
            year: year as i32,
            month,
            day,
        };
        if day == 0 || day > days_in_month(date.year, month) {
            return Err(DateError::Invalid(text.to_string()));
        }
        Ok(date)
    }

    /// Days since 1970-01-01 (negative before), by Howard Hinnant's
    /// `days_from_civil` algorithm.
    pub fn days_since_epoch(&self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Whole calendar days from `self` to `later` (negative if earlier).
    pub fn days_until(&self, later: &Date) -> i64 {
        later.days_since_epoch() - self.days_since_epoch()
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_days_across_leap_years() {
        let a = Date::parse("2024-02-28").unwrap();
        let b = Date::parse("2024-03-01").unwrap();
        assert_eq!(a.days_until(&b), 2);
        assert_eq!(Date::parse("1970-01-01").unwrap().days_since_epoch(), 0);
        assert_eq!(
            Date::parse("2000-03-01").unwrap().days_since_epoch(),
            11_017
        );
        assert_eq!(b.days_until(&a), -2);
    }

    #[test]
    fn rejects_bad_dates() {
        assert!(matches!(
            Date::parse("2023-02-29"),
            Err(DateError::Invalid(_))
        ));
        assert!(matches!(
            Date::parse("2023/02/01"),
            Err(DateError::Format(_))
        ));
        assert!(matches!(
            Date::parse("2023-13-01"),
            Err(DateError::Invalid(_))
        ));
    }
}
