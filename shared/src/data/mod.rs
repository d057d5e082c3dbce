//! Market and economic data in memory: price bars and dated values
//! ([`Series`]), their [`Provenance`] (source, true origin, symbol, span and
//! content hash), a CSV reader with line-numbered errors ([`read_csv`]), and
//! the real datasets bundled with the app ([`bundled`]).
//!
//! Must not fetch, open files, read a clock or spawn threads: callers hand
//! in text or bytes (the server fetches from Polygon and FRED, the app reads
//! uploads). Must never fill, drop or invent observations: what a source
//! reports missing stays missing, and a malformed row is an error.
//!
//! Files, one job each:
//! - `provenance`: [`Source`], [`Provenance`], [`content_hash`];
//! - `series`: [`Bar`], [`Point`], [`Observations`], the validated [`Series`];
//! - `dates`: the date spellings CSV files may use ([`parse_date`]);
//! - `records`: splitting CSV text into quoted fields with line numbers;
//! - `csv`: turning records into a series ([`read_csv`]);
//! - `bundled`: the embedded datasets ([`bundled::catalog`], [`bundled::load`]).

pub mod bundled;
pub mod csv;
pub mod dates;
pub mod provenance;
pub mod records;
pub mod series;
pub mod summary;

pub use bundled::{BundledError, DatasetInfo, Frequency};
pub use csv::{read_csv, CsvError, CsvOptions, CsvProblem, CsvRead, CsvReport};
pub use dates::{parse_date, DateParseError};
pub use provenance::{combined_hash, content_hash, Provenance, Source, SourceError};
pub use series::{Bar, Observations, Point, RowProblem, Series, SeriesDecodeError, SeriesError};
