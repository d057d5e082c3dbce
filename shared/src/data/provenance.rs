//! Where a series came from: its [`Source`] (the approved-source label the
//! compliance rules check), its true origin in words, its symbol and span,
//! and a content hash over a canonical encoding of its rows.
//!
//! Must not fetch, read files or consult a clock: provenance describes data
//! already in memory. The span, row count and hash are computed by
//! [`Series`](super::Series) constructors, never typed in by hand.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::series::Observations;
use crate::calendar::Date;

/// The approved data sources. Serialised by serde (and written by
/// [`Source::as_str`]) as `"bundled"`, `"polygon"`, `"fred"`,
/// `"user_upload"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The real datasets embedded in the app (see `data::bundled`).
    Bundled,
    /// Polygon.io market data, fetched by the server.
    Polygon,
    /// FRED (Federal Reserve Bank of St. Louis) economic data, fetched by the server.
    Fred,
    /// A file the user uploaded.
    UserUpload,
}

impl Source {
    /// Every source, in declaration order.
    pub const ALL: [Source; 4] = [
        Source::Bundled,
        Source::Polygon,
        Source::Fred,
        Source::UserUpload,
    ];

    /// The wire name: `"bundled"`, `"polygon"`, `"fred"` or `"user_upload"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Bundled => "bundled",
            Source::Polygon => "polygon",
            Source::Fred => "fred",
            Source::UserUpload => "user_upload",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A source name that is not one of [`Source::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// The text names no known source.
    #[error("unknown data source \"{value}\"; allowed: bundled, polygon, fred, user_upload")]
    Unknown {
        /// The text that was given.
        value: String,
    },
}

impl FromStr for Source {
    type Err = SourceError;

    /// Parses the exact wire name (no case folding, no trimming).
    fn from_str(s: &str) -> Result<Source, SourceError> {
        Source::ALL
            .into_iter()
            .find(|source| source.as_str() == s)
            .ok_or_else(|| SourceError::Unknown {
                value: s.to_string(),
            })
    }
}

/// The provenance of one series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The approved source it was taken from.
    pub source: Source,
    /// The true origin in words, e.g. "Yahoo Finance via arch 8.0.0
    /// arch/data/sp500", "FRED series DCOILWTICO" or "upload prices.csv".
    pub origin: String,
    /// The instrument or series id, e.g. "^GSPC", "DCOILWTICO", "AAPL".
    pub symbol: String,
    /// Date of the first observation.
    pub first: Date,
    /// Date of the last observation.
    pub last: Date,
    /// Number of observations (dates reported missing are not counted).
    pub rows: usize,
    /// [`content_hash`] of the observations and missing dates: 64 lowercase
    /// hex digits of a SHA-256.
    pub content_hash: String,
}

/// Version tag that starts the canonical encoding hashed by
/// [`content_hash`]. A change to the encoding must change this tag.
pub const HASH_ENCODING_TAG: &[u8] = b"mltrainer-series-v1\0";

/// The content hash of a series: lowercase hex SHA-256 of the canonical
/// encoding below. It depends only on the dates and numbers, never on how
/// they were spelt in a file (`1.50` and `1.5`, `1/4/1999` and `1999-01-04`
/// hash the same), nor on source, origin or symbol: the same data read from
/// a CSV file and from an API hash the same.
///
/// Canonical encoding, all integers little-endian, every number an IEEE-754
/// binary64 written as its 8 little-endian bytes with `-0.0` written as
/// `+0.0`:
///
/// 1. the 20 bytes of [`HASH_ENCODING_TAG`] (`mltrainer-series-v1` and a zero byte);
/// 2. one kind byte: `B` (0x42) for bars, `V` (0x56) for values;
/// 3. the observation count as `u64`;
/// 4. per observation, in order: its date as `i64` days since 1970-01-01;
///    then for a bar `open`, `high`, `low`, `close` as binary64 and the
///    volume as a byte `0` (absent) or a byte `1` followed by the binary64;
///    for a value, the value as binary64;
/// 5. the count of dates reported missing as `u64`, then each as `i64` days
///    since 1970-01-01, in order.
///
/// In Python: `struct.pack("<Q", n)`, `struct.pack("<q", days)`,
/// `struct.pack("<d", x + 0.0)` reproduce the pieces.
pub fn content_hash(observations: &Observations, missing: &[Date]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(HASH_ENCODING_TAG);
    let number = |hasher: &mut Sha256, x: f64| {
        // Adding +0.0 maps -0.0 to +0.0 and leaves every other value alone.
        hasher.update((x + 0.0).to_le_bytes());
    };
    let day = |hasher: &mut Sha256, d: &Date| hasher.update(d.days_since_epoch().to_le_bytes());
    match observations {
        Observations::Bars(bars) => {
            hasher.update(b"B");
            hasher.update((bars.len() as u64).to_le_bytes());
            for bar in bars {
                day(&mut hasher, &bar.date);
                for x in [bar.open, bar.high, bar.low, bar.close] {
                    number(&mut hasher, x);
                }
                match bar.volume {
                    None => hasher.update([0u8]),
                    Some(v) => {
                        hasher.update([1u8]);
                        number(&mut hasher, v);
                    }
                }
            }
        }
        Observations::Values(points) => {
            hasher.update(b"V");
            hasher.update((points.len() as u64).to_le_bytes());
            for point in points {
                day(&mut hasher, &point.date);
                number(&mut hasher, point.value);
            }
        }
    }
    hasher.update((missing.len() as u64).to_le_bytes());
    for d in missing {
        day(&mut hasher, d);
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The data hash of a result computed on several series: the hex SHA-256
/// of the text `mltrainer-hashes-v1`, then for each series in order a
/// newline and its content hash (lower-case hex). One series' result keeps
/// that series' own hash instead (see the finance outbox). In Python:
/// `hashlib.sha256(("mltrainer-hashes-v1" + "".join("\n" + h for h in hashes)).encode()).hexdigest()`.
pub fn combined_hash<S: AsRef<str>>(hashes: &[S]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"mltrainer-hashes-v1");
    for hash in hashes {
        hasher.update(b"\n");
        hasher.update(hash.as_ref().to_ascii_lowercase().as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::series::{Bar, Point};

    #[test]
    fn combined_hash_matches_python_and_depends_on_order() {
        // python3 -c 'import hashlib; print(hashlib.sha256(b"mltrainer-hashes-v1\nab\ncd").hexdigest())'
        assert_eq!(
            combined_hash(&["ab", "cd"]),
            "c02d57a4bdd4b3b24b0e2ec5d31d6c62c2ca63048df4ef89910e00153bbbab39"
        );
        assert_ne!(combined_hash(&["ab", "cd"]), combined_hash(&["cd", "ab"]));
        assert_eq!(combined_hash(&["AB", "cd"]), combined_hash(&["ab", "cd"]));
    }

    fn d(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn source_names_round_trip() {
        for source in Source::ALL {
            assert_eq!(source.as_str().parse::<Source>().unwrap(), source);
            let json = serde_json::to_string(&source).unwrap();
            assert_eq!(json, format!("\"{}\"", source.as_str()));
        }
        assert_eq!(Source::UserUpload.as_str(), "user_upload");
        let err = "yahoo".parse::<Source>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown data source \"yahoo\"; allowed: bundled, polygon, fred, user_upload"
        );
        assert!("Bundled".parse::<Source>().is_err());
    }

    #[test]
    fn hash_matches_an_encoding_built_by_hand() {
        // One value at 1970-01-02 = 1.5, no missing dates.
        let points = Observations::Values(vec![Point {
            date: d("1970-01-02"),
            value: 1.5,
        }]);
        let mut bytes = b"mltrainer-series-v1\0V".to_vec();
        bytes.extend(1u64.to_le_bytes());
        bytes.extend(1i64.to_le_bytes());
        bytes.extend(1.5f64.to_le_bytes());
        bytes.extend(0u64.to_le_bytes());
        let expected: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(content_hash(&points, &[]), expected);
        // The same bytes hashed by Python: hashlib.sha256(b"mltrainer-series-v1\0V"
        // + struct.pack("<Q", 1) + struct.pack("<q", 1) + struct.pack("<d", 1.5)
        // + struct.pack("<Q", 0)).hexdigest()
        assert_eq!(
            expected,
            "4bb85cdb6b3d19f496841ea95432047d378c9dc6c005713b081219eaa5fe7f59"
        );
    }

    #[test]
    fn hash_sees_every_part() {
        let bar = Bar {
            date: d("2000-01-03"),
            open: 1.0,
            high: 2.0,
            low: 0.5,
            close: 1.5,
            volume: Some(10.0),
        };
        let base = content_hash(&Observations::Bars(vec![bar]), &[]);
        let changed = |f: &dyn Fn(&mut Bar)| {
            let mut b = bar;
            f(&mut b);
            content_hash(&Observations::Bars(vec![b]), &[])
        };
        assert_eq!(changed(&|_| {}), base);
        assert_ne!(changed(&|b| b.open = 1.25), base);
        assert_ne!(changed(&|b| b.high = 2.5), base);
        assert_ne!(changed(&|b| b.low = 0.25), base);
        assert_ne!(changed(&|b| b.close = 1.75), base);
        assert_ne!(changed(&|b| b.volume = None), base);
        assert_ne!(changed(&|b| b.volume = Some(0.0)), base);
        assert_ne!(changed(&|b| b.date = d("2000-01-04")), base);
        assert_ne!(
            content_hash(&Observations::Bars(vec![bar]), &[d("2000-01-04")]),
            base
        );
        // Bars and values with the same numbers never collide.
        assert_ne!(
            content_hash(&Observations::Bars(vec![]), &[]),
            content_hash(&Observations::Values(vec![]), &[])
        );
        // -0.0 and +0.0 are the same number.
        let zero = |v: f64| {
            content_hash(
                &Observations::Values(vec![Point {
                    date: d("2000-01-03"),
                    value: v,
                }]),
                &[],
            )
        };
        assert_eq!(zero(-0.0), zero(0.0));
    }
}
