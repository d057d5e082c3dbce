//! Turns provider answers into [`Series`] with provenance. Validation is
//! the series constructor's (strictly increasing dates, finite numbers,
//! high >= low); a provider answer that fails it is reported, not repaired.

use shared::calendar::Date;
use shared::data::{Bar, Observations, Point, Series, Source};

use crate::upstream::{FredObservations, PolygonBar, Timespan};

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// Polygon daily-or-longer bars as a series. Bar times are the session's
/// start in UTC milliseconds; the UTC calendar date is the trading date for
/// US sessions (midnight New York is 04:00 or 05:00 UTC).
pub fn polygon_series(
    ticker: &str,
    multiplier: u32,
    timespan: Timespan,
    bars: &[PolygonBar],
) -> Result<Series, String> {
    let bars = bars
        .iter()
        .map(|bar| {
            let date = Date::from_days_since_epoch(bar.t.div_euclid(DAY_MS))
                .ok_or_else(|| format!("bar time {} is out of range", bar.t))?;
            Ok(Bar {
                date,
                open: bar.o,
                high: bar.h,
                low: bar.l,
                close: bar.c,
                volume: Some(bar.v),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let origin = format!(
        "Polygon.io aggregates /v2/aggs/ticker/{ticker}/range/{multiplier}/{}, adjusted",
        timespan.as_str()
    );
    Series::from_bars(Source::Polygon, origin, ticker, bars).map_err(|e| e.to_string())
}

/// FRED observations as a series; "." values stay missing dates.
pub fn fred_series(series_id: &str, observations: &FredObservations) -> Result<Series, String> {
    let parse = |text: &str| Date::parse(text).map_err(|e| format!("FRED date: {e}"));
    let points = observations
        .points
        .iter()
        .map(|(date, value)| {
            Ok(Point {
                date: parse(date)?,
                value: *value,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let missing = observations
        .missing
        .iter()
        .map(|date| parse(date))
        .collect::<Result<Vec<_>, String>>()?;
    let origin = format!("FRED series {series_id} observations (St. Louis Fed)");
    Series::new(
        Source::Fred,
        origin,
        series_id,
        Observations::Values(points),
        missing,
    )
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygon_bars_become_dated_bars() {
        // 2024-01-02 05:00 UTC (midnight New York).
        let bar = |t: i64, c: f64| PolygonBar {
            t,
            o: c,
            h: c + 1.0,
            l: c - 1.0,
            c,
            v: 1000.0,
            vw: None,
            n: None,
        };
        let bars = [bar(1_704_171_600_000, 185.0), bar(1_704_258_000_000, 184.0)];
        let series = polygon_series("AAPL", 1, Timespan::Day, &bars).unwrap();
        assert_eq!(series.len(), 2);
        assert_eq!(series.provenance().first.to_string(), "2024-01-02");
        assert_eq!(series.provenance().last.to_string(), "2024-01-03");
        assert_eq!(series.provenance().source, Source::Polygon);
        let bad = [bar(1_704_171_600_000, 185.0), bar(1_704_171_600_000, 185.0)];
        assert!(polygon_series("AAPL", 1, Timespan::Day, &bad).is_err());
    }

    #[test]
    fn fred_missing_values_stay_missing() {
        let observations = FredObservations {
            points: vec![("2024-01-01".into(), 4.0), ("2024-01-03".into(), 4.1)],
            missing: vec!["2024-01-02".into()],
        };
        let series = fred_series("DGS10", &observations).unwrap();
        assert_eq!(series.len(), 2);
        assert_eq!(series.missing().len(), 1);
    }
}
