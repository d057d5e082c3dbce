//! Calendar features computed from dates only: day of week, day of month,
//! month, and the month as a point on the unit circle.
//!
//! Must not look at prices or at any other row: each output depends on its
//! own date alone, so these features can never look ahead.
//! `sin`/`cos` are `libm`'s, so the bits match natively and in wasm32.

use crate::calendar::Date;

/// Day of week, Monday = 0 .. Sunday = 6.
pub fn day_of_week(date: &Date) -> f64 {
    // 1970-01-01 was a Thursday (3 with Monday = 0).
    (date.days_since_epoch() + 3).rem_euclid(7) as f64
}

/// Day of the month, 1..=31.
pub fn day_of_month(date: &Date) -> f64 {
    f64::from(date.day)
}

/// Month, 1..=12.
pub fn month(date: &Date) -> f64 {
    f64::from(date.month)
}

/// `sin(2 pi (month - 1) / 12)`: with [`month_cos`], December sits next to
/// January.
pub fn month_sin(date: &Date) -> f64 {
    libm::sin(std::f64::consts::TAU * (f64::from(date.month) - 1.0) / 12.0)
}

/// `cos(2 pi (month - 1) / 12)`.
pub fn month_cos(date: &Date) -> f64 {
    libm::cos(std::f64::consts::TAU * (f64::from(date.month) - 1.0) / 12.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_weekdays() {
        let d = |s: &str| Date::parse(s).unwrap();
        assert_eq!(day_of_week(&d("1970-01-01")), 3.0);
        assert_eq!(day_of_week(&d("1999-01-04")), 0.0); // a Monday
        assert_eq!(day_of_week(&d("2018-12-31")), 0.0); // a Monday
        assert_eq!(day_of_week(&d("2024-03-03")), 6.0); // a Sunday
        assert_eq!(month(&d("2024-03-03")), 3.0);
        assert_eq!(day_of_month(&d("2024-03-03")), 3.0);
        assert_eq!(month_sin(&d("2024-01-15")), 0.0);
        assert_eq!(month_cos(&d("2024-01-15")), 1.0);
    }
}
