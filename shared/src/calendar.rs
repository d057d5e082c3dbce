//! Calendar dates (proleptic Gregorian, years 1..=9999): parsing the
//! canonical `YYYY-MM-DD` form, printing it, and day arithmetic. Used by the
//! pricing inputs (expiry dates) and the data series (observation dates).
//!
//! Must not read a clock: the caller supplies "today". Lenient parsing of
//! the many date spellings found in CSV files lives in `data::dates`, not
//! here.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A proleptic Gregorian calendar date.
///
/// Serialised by serde as the string `"YYYY-MM-DD"`; deserialising checks
/// it is a real calendar date. Orders chronologically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// The date `year-month-day`, checked to be a real calendar date with a
    /// year in 1..=9999.
    pub fn new(year: i32, month: u32, day: u32) -> Result<Date, DateError> {
        let date = Date { year, month, day };
        if !(1..=9999).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
        {
            return Err(DateError::Invalid(format!("{year:04}-{month:02}-{day:02}")));
        }
        Ok(date)
    }

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
        if !(1..=9999).contains(&year) {
            return Err(DateError::Invalid(text.to_string()));
        }
        Date::new(year as i32, month, day).map_err(|_| DateError::Invalid(text.to_string()))
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

    /// The date `days` days after 1970-01-01 (the inverse of
    /// [`Date::days_since_epoch`], Hinnant's `civil_from_days`), or `None`
    /// outside years 1..=9999.
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        // 0001-01-01 and 9999-12-31.
        if !(-719_162..=2_932_896).contains(&days) {
            return None;
        }
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Some(Date { year, month, day })
    }

    /// Whole calendar days from `self` to `later` (negative if earlier).
    pub fn days_until(&self, later: &Date) -> i64 {
        later.days_since_epoch() - self.days_since_epoch()
    }
}

/// Number of days in `month` (1..=12) of `year`; 0 for a month out of range.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.rem_euclid(4) == 0 && year.rem_euclid(100) != 0)
            || year.rem_euclid(400) == 0 =>
        {
            29
        }
        2 => 28,
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        _ => 0,
    }
}

impl fmt::Display for Date {
    /// `YYYY-MM-DD`, zero-padded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl std::str::FromStr for Date {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Date, DateError> {
        Date::parse(s)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Date::parse(&text).map_err(serde::de::Error::custom)
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
        assert!(Date::new(1900, 2, 29).is_err());
        assert!(Date::new(2000, 2, 29).is_ok());
        assert!(Date::new(0, 1, 1).is_err());
    }

    #[test]
    fn days_round_trip_over_the_whole_range() {
        assert_eq!(
            Date::from_days_since_epoch(0),
            Some(Date::new(1970, 1, 1).unwrap())
        );
        assert_eq!(
            Date::from_days_since_epoch(-719_162),
            Some(Date::new(1, 1, 1).unwrap())
        );
        assert_eq!(
            Date::from_days_since_epoch(2_932_896),
            Some(Date::new(9999, 12, 31).unwrap())
        );
        assert_eq!(Date::from_days_since_epoch(-719_163), None);
        assert_eq!(Date::from_days_since_epoch(2_932_897), None);
        let mut previous: Option<Date> = None;
        for days in (-719_162..=2_932_896).step_by(97) {
            let date = Date::from_days_since_epoch(days).unwrap();
            assert_eq!(date.days_since_epoch(), days);
            assert!(Date::new(date.year, date.month, date.day).is_ok());
            if let Some(p) = previous {
                assert!(p < date);
            }
            previous = Some(date);
        }
    }

    #[test]
    fn displays_and_serialises_as_iso() {
        let d = Date::new(987, 3, 5).unwrap();
        assert_eq!(d.to_string(), "0987-03-05");
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"0987-03-05\"");
        let back: Date = serde_json::from_str("\"0987-03-05\"").unwrap();
        assert_eq!(back, d);
        assert!(serde_json::from_str::<Date>("\"2023-02-30\"").is_err());
        assert_eq!(
            "2020-01-31".parse::<Date>().unwrap(),
            Date::new(2020, 1, 31).unwrap()
        );
    }
}
