//! Bars, points and the validated [`Series`] that carries them with their
//! [`Provenance`].
//!
//! A `Series` can only be built through [`Series::new`] (or the serde
//! deserialiser, which calls it), so its dates are strictly increasing, its
//! numbers finite and consistent, and its provenance span, row count and
//! content hash always agree with the data. Must not fill, drop or invent
//! observations: dates a source reported as missing are kept in
//! [`Series::missing`], never filled.

use serde::{Deserialize, Serialize};

use super::provenance::{content_hash, Provenance, Source};
use crate::calendar::Date;

/// One period of prices.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    /// The period's date.
    pub date: Date,
    /// First price.
    pub open: f64,
    /// Highest price; at least `max(open, close)` and `low`.
    pub high: f64,
    /// Lowest price; at most `min(open, close)`.
    pub low: f64,
    /// Last price.
    pub close: f64,
    /// Traded volume, when the source gives one; never negative.
    pub volume: Option<f64>,
}

/// One dated value (an index level, a rate, a yield, a factor return, a price).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// The observation's date.
    pub date: Date,
    /// The observed value.
    pub value: f64,
}

/// The observations of a series: price bars or single values.
///
/// Serialised by serde as `{"kind": "bars", "rows": [...]}` or
/// `{"kind": "values", "rows": [...]}` (adjacently tagged).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "rows", rename_all = "snake_case")]
pub enum Observations {
    /// Open, high, low, close and optional volume per date.
    Bars(Vec<Bar>),
    /// One value per date.
    Values(Vec<Point>),
}

impl Observations {
    /// Number of observations.
    pub fn len(&self) -> usize {
        match self {
            Observations::Bars(bars) => bars.len(),
            Observations::Values(points) => points.len(),
        }
    }

    /// Whether there are no observations.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The observation dates, in order.
    pub fn dates(&self) -> Vec<Date> {
        match self {
            Observations::Bars(bars) => bars.iter().map(|b| b.date).collect(),
            Observations::Values(points) => points.iter().map(|p| p.date).collect(),
        }
    }
}

/// What is wrong with the numbers of one observation.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RowProblem {
    /// A number is NaN or infinite.
    #[error("{field} is {value}, not a finite number")]
    NotFinite {
        /// "open", "high", "low", "close", "volume" or "value".
        field: &'static str,
        /// The offending number.
        value: f64,
    },
    /// High below low.
    #[error("high {high} is below low {low}")]
    HighBelowLow {
        /// The high.
        high: f64,
        /// The low.
        low: f64,
    },
    /// High below the open or the close.
    #[error("high {high} is below {field} {value}")]
    HighBelow {
        /// The high.
        high: f64,
        /// "open" or "close".
        field: &'static str,
        /// The open or close that exceeds the high.
        value: f64,
    },
    /// Low above the open or the close.
    #[error("low {low} is above {field} {value}")]
    LowAbove {
        /// The low.
        low: f64,
        /// "open" or "close".
        field: &'static str,
        /// The open or close below the low.
        value: f64,
    },
    /// Negative volume.
    #[error("volume {volume} is negative")]
    NegativeVolume {
        /// The volume.
        volume: f64,
    },
}

impl Bar {
    /// Checks one bar on its own: finite numbers, `low <= high`,
    /// `high >= max(open, close)`, `low <= min(open, close)`, volume `>= 0`.
    /// The first problem found is returned.
    pub fn check(&self) -> Result<(), RowProblem> {
        for (field, value) in [
            ("open", self.open),
            ("high", self.high),
            ("low", self.low),
            ("close", self.close),
        ]
        .into_iter()
        .chain(self.volume.map(|v| ("volume", v)))
        {
            if !value.is_finite() {
                return Err(RowProblem::NotFinite { field, value });
            }
        }
        if self.high < self.low {
            return Err(RowProblem::HighBelowLow {
                high: self.high,
                low: self.low,
            });
        }
        for (field, value) in [("open", self.open), ("close", self.close)] {
            if self.high < value {
                return Err(RowProblem::HighBelow {
                    high: self.high,
                    field,
                    value,
                });
            }
            if self.low > value {
                return Err(RowProblem::LowAbove {
                    low: self.low,
                    field,
                    value,
                });
            }
        }
        match self.volume {
            Some(volume) if volume < 0.0 => Err(RowProblem::NegativeVolume { volume }),
            _ => Ok(()),
        }
    }
}

impl Point {
    /// Checks one point on its own: the value is finite.
    pub fn check(&self) -> Result<(), RowProblem> {
        if self.value.is_finite() {
            Ok(())
        } else {
            Err(RowProblem::NotFinite {
                field: "value",
                value: self.value,
            })
        }
    }
}

/// Why a series was refused. Indices count observations (or missing dates)
/// from 0.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SeriesError {
    /// No observations at all.
    #[error("the series has no observations")]
    Empty,
    /// An observation is inconsistent on its own.
    #[error("observation {index} ({date}): {problem}")]
    Row {
        /// Index of the observation.
        index: usize,
        /// Its date.
        date: Date,
        /// What is wrong.
        problem: RowProblem,
    },
    /// Observation dates not strictly increasing.
    #[error("observation {index}: date {date} does not come after {previous}")]
    NotIncreasing {
        /// Index of the later observation.
        index: usize,
        /// The date before it.
        previous: Date,
        /// Its date.
        date: Date,
    },
    /// Missing dates not strictly increasing.
    #[error("missing date {index}: {date} does not come after {previous}")]
    MissingNotIncreasing {
        /// Index in the missing dates.
        index: usize,
        /// The missing date before it.
        previous: Date,
        /// The date.
        date: Date,
    },
    /// A date is both observed and reported missing.
    #[error("{date} is both observed and reported missing")]
    MissingObserved {
        /// The date.
        date: Date,
    },
}

/// A validated series of observations with its provenance.
///
/// Serialised by serde as `{"provenance": ..., "observations": ...,
/// "missing": [...]}`; deserialising re-validates and refuses a provenance
/// whose span, row count or hash disagree with the data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SeriesParts")]
pub struct Series {
    provenance: Provenance,
    observations: Observations,
    missing: Vec<Date>,
}

/// The serde form of [`Series`], validated on the way in.
#[derive(Deserialize)]
struct SeriesParts {
    provenance: Provenance,
    observations: Observations,
    #[serde(default)]
    missing: Vec<Date>,
}

/// Why a deserialised series was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SeriesDecodeError {
    /// The data itself is invalid.
    #[error(transparent)]
    Invalid(#[from] SeriesError),
    /// The stated provenance does not match the data.
    #[error("provenance {field} does not match the data")]
    Mismatch {
        /// "first", "last", "rows" or "content_hash".
        field: &'static str,
    },
}

impl TryFrom<SeriesParts> for Series {
    type Error = SeriesDecodeError;

    fn try_from(parts: SeriesParts) -> Result<Series, SeriesDecodeError> {
        let p = parts.provenance;
        let series = Series::new(
            p.source,
            p.origin,
            p.symbol,
            parts.observations,
            parts.missing,
        )?;
        let q = series.provenance();
        for (field, same) in [
            ("first", q.first == p.first),
            ("last", q.last == p.last),
            ("rows", q.rows == p.rows),
            ("content_hash", q.content_hash == p.content_hash),
        ] {
            if !same {
                return Err(SeriesDecodeError::Mismatch { field });
            }
        }
        Ok(series)
    }
}

impl Series {
    /// Validates the observations and missing dates and computes the
    /// provenance span, row count and [`content_hash`].
    ///
    /// Requires at least one observation; observation dates strictly
    /// increasing; every bar passing [`Bar::check`] and every point
    /// [`Point::check`]; missing dates strictly increasing and none of them
    /// observed. The first problem found is returned.
    pub fn new(
        source: Source,
        origin: impl Into<String>,
        symbol: impl Into<String>,
        observations: Observations,
        missing: Vec<Date>,
    ) -> Result<Series, SeriesError> {
        let dates = observations.dates();
        let (Some(&first), Some(&last)) = (dates.first(), dates.last()) else {
            return Err(SeriesError::Empty);
        };
        let checks: Vec<Result<(), RowProblem>> = match &observations {
            Observations::Bars(bars) => bars.iter().map(Bar::check).collect(),
            Observations::Values(points) => points.iter().map(Point::check).collect(),
        };
        for (index, (check, &date)) in checks.into_iter().zip(&dates).enumerate() {
            if let Err(problem) = check {
                return Err(SeriesError::Row {
                    index,
                    date,
                    problem,
                });
            }
            if index > 0 && dates[index - 1] >= date {
                return Err(SeriesError::NotIncreasing {
                    index,
                    previous: dates[index - 1],
                    date,
                });
            }
        }
        for (index, pair) in missing.windows(2).enumerate() {
            if pair[0] >= pair[1] {
                return Err(SeriesError::MissingNotIncreasing {
                    index: index + 1,
                    previous: pair[0],
                    date: pair[1],
                });
            }
        }
        if let Some(&date) = missing.iter().find(|d| dates.binary_search(d).is_ok()) {
            return Err(SeriesError::MissingObserved { date });
        }
        let provenance = Provenance {
            source,
            origin: origin.into(),
            symbol: symbol.into(),
            first,
            last,
            rows: observations.len(),
            content_hash: content_hash(&observations, &missing),
        };
        Ok(Series {
            provenance,
            observations,
            missing,
        })
    }

    /// A series of price bars with no missing dates; see [`Series::new`].
    pub fn from_bars(
        source: Source,
        origin: impl Into<String>,
        symbol: impl Into<String>,
        bars: Vec<Bar>,
    ) -> Result<Series, SeriesError> {
        Series::new(source, origin, symbol, Observations::Bars(bars), Vec::new())
    }

    /// A series of values with no missing dates; see [`Series::new`].
    pub fn from_points(
        source: Source,
        origin: impl Into<String>,
        symbol: impl Into<String>,
        points: Vec<Point>,
    ) -> Result<Series, SeriesError> {
        Series::new(
            source,
            origin,
            symbol,
            Observations::Values(points),
            Vec::new(),
        )
    }

    /// The observations (and missing dates) from `from` to `to` inclusive,
    /// as a new series with its own provenance span and hash; the source,
    /// origin and symbol are kept. Fails with [`SeriesError::Empty`] when
    /// nothing falls in the range.
    pub fn between(&self, from: Option<Date>, to: Option<Date>) -> Result<Series, SeriesError> {
        let keep = |date: &Date| from.is_none_or(|f| *date >= f) && to.is_none_or(|t| *date <= t);
        let observations = match &self.observations {
            Observations::Bars(bars) => {
                Observations::Bars(bars.iter().filter(|b| keep(&b.date)).cloned().collect())
            }
            Observations::Values(points) => {
                Observations::Values(points.iter().filter(|p| keep(&p.date)).cloned().collect())
            }
        };
        let missing = self.missing.iter().filter(|d| keep(d)).copied().collect();
        let p = &self.provenance;
        Series::new(
            p.source,
            p.origin.clone(),
            p.symbol.clone(),
            observations,
            missing,
        )
    }

    /// The provenance, computed from the data.
    pub fn provenance(&self) -> &Provenance {
        &self.provenance
    }

    /// The observations.
    pub fn observations(&self) -> &Observations {
        &self.observations
    }

    /// Dates the source reported as missing (never filled), in order.
    pub fn missing(&self) -> &[Date] {
        &self.missing
    }

    /// Number of observations.
    pub fn len(&self) -> usize {
        self.observations.len()
    }

    /// Always false: a series has at least one observation.
    pub fn is_empty(&self) -> bool {
        self.observations.is_empty()
    }

    /// The observation dates, in order.
    pub fn dates(&self) -> Vec<Date> {
        self.observations.dates()
    }

    /// The bars, or `None` for a series of values.
    pub fn bars(&self) -> Option<&[Bar]> {
        match &self.observations {
            Observations::Bars(bars) => Some(bars),
            Observations::Values(_) => None,
        }
    }

    /// The points, or `None` for a series of bars.
    pub fn points(&self) -> Option<&[Point]> {
        match &self.observations {
            Observations::Values(points) => Some(points),
            Observations::Bars(_) => None,
        }
    }

    /// The main number per observation: the close of each bar, or each value.
    pub fn values(&self) -> Vec<f64> {
        match &self.observations {
            Observations::Bars(bars) => bars.iter().map(|b| b.close).collect(),
            Observations::Values(points) => points.iter().map(|p| p.value).collect(),
        }
    }

    /// The closes of a bar series, or the values of a value series (the
    /// same as [`Series::values`]).
    pub fn closes(&self) -> Vec<f64> {
        self.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    fn bar(date: &str, open: f64, high: f64, low: f64, close: f64) -> Bar {
        Bar {
            date: d(date),
            open,
            high,
            low,
            close,
            volume: Some(100.0),
        }
    }

    fn bars(list: Vec<Bar>) -> Result<Series, SeriesError> {
        Series::from_bars(Source::UserUpload, "upload t.csv", "T", list)
    }

    #[test]
    fn computes_provenance_from_the_data() {
        let s = bars(vec![
            bar("2020-01-02", 10.0, 11.0, 9.0, 10.5),
            bar("2020-01-03", 10.5, 12.0, 10.0, 11.0),
        ])
        .unwrap();
        let p = s.provenance();
        assert_eq!(
            (p.first, p.last, p.rows),
            (d("2020-01-02"), d("2020-01-03"), 2)
        );
        assert_eq!(p.content_hash, content_hash(s.observations(), &[]));
        assert_eq!(s.closes(), vec![10.5, 11.0]);
        assert_eq!(s.dates(), vec![d("2020-01-02"), d("2020-01-03")]);
        assert!(s.points().is_none());
        assert_eq!(s.bars().unwrap().len(), 2);
    }

    #[test]
    fn refuses_inconsistent_bars() {
        let cases: Vec<(Bar, RowProblem)> = vec![
            (
                bar("2020-01-02", 10.0, 9.0, 9.5, 9.5),
                RowProblem::HighBelowLow {
                    high: 9.0,
                    low: 9.5,
                },
            ),
            (
                bar("2020-01-02", 12.0, 11.0, 9.0, 10.0),
                RowProblem::HighBelow {
                    high: 11.0,
                    field: "open",
                    value: 12.0,
                },
            ),
            (
                bar("2020-01-02", 10.0, 11.0, 9.0, 8.0),
                RowProblem::LowAbove {
                    low: 9.0,
                    field: "close",
                    value: 8.0,
                },
            ),
            (
                bar("2020-01-02", f64::NAN, 11.0, 9.0, 10.0),
                RowProblem::NotFinite {
                    field: "open",
                    value: f64::NAN,
                },
            ),
            (
                Bar {
                    volume: Some(-1.0),
                    ..bar("2020-01-02", 10.0, 11.0, 9.0, 10.0)
                },
                RowProblem::NegativeVolume { volume: -1.0 },
            ),
        ];
        for (b, expected) in cases {
            let err = bars(vec![bar("2020-01-01", 1.0, 1.0, 1.0, 1.0), b]).unwrap_err();
            let SeriesError::Row {
                index,
                date,
                problem,
            } = err
            else {
                panic!("expected a row error, got {err:?}");
            };
            assert_eq!((index, date), (1, d("2020-01-02")));
            // NaN != NaN, so compare the messages.
            assert_eq!(problem.to_string(), expected.to_string());
        }
    }

    #[test]
    fn refuses_bad_order_empty_and_overlapping_missing() {
        assert_eq!(bars(vec![]).unwrap_err(), SeriesError::Empty);
        let b = |date| bar(date, 1.0, 1.0, 1.0, 1.0);
        assert_eq!(
            bars(vec![b("2020-01-02"), b("2020-01-02")]).unwrap_err(),
            SeriesError::NotIncreasing {
                index: 1,
                previous: d("2020-01-02"),
                date: d("2020-01-02")
            }
        );
        assert!(bars(vec![b("2020-01-03"), b("2020-01-02")]).is_err());
        let obs = Observations::Bars(vec![b("2020-01-02"), b("2020-01-06")]);
        let make = |missing: Vec<Date>| {
            Series::new(Source::Fred, "FRED series X", "X", obs.clone(), missing)
        };
        assert_eq!(
            make(vec![d("2020-01-02")]).unwrap_err(),
            SeriesError::MissingObserved {
                date: d("2020-01-02")
            }
        );
        assert!(matches!(
            make(vec![d("2020-01-04"), d("2020-01-03")]).unwrap_err(),
            SeriesError::MissingNotIncreasing { index: 1, .. }
        ));
        let ok = make(vec![d("2020-01-03"), d("2020-01-04")]).unwrap();
        assert_eq!(ok.missing(), &[d("2020-01-03"), d("2020-01-04")]);
        assert_eq!(ok.len(), 2);
        assert_ne!(
            ok.provenance().content_hash,
            make(vec![]).unwrap().provenance().content_hash
        );
    }

    #[test]
    fn serde_round_trip_revalidates() {
        let s = Series::from_points(
            Source::Fred,
            "FRED series DCOILWTICO",
            "DCOILWTICO",
            vec![
                Point {
                    date: d("2020-01-02"),
                    value: 61.17,
                },
                Point {
                    date: d("2020-01-03"),
                    value: 63.0,
                },
            ],
        )
        .unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"kind\":\"values\""));
        assert!(json.contains("\"source\":\"fred\""));
        assert!(json.contains("\"2020-01-02\""));
        let back: Series = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        let tampered = json.replace("61.17", "61.18");
        let err = serde_json::from_str::<Series>(&tampered).unwrap_err();
        assert!(err.to_string().contains("content_hash"), "{err}");
        let reordered = json.replace("2020-01-03", "2020-01-01");
        assert!(serde_json::from_str::<Series>(&reordered).is_err());
    }
}
