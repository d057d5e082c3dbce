//! The real datasets embedded in the binary (the `bundled` source): a
//! catalog of what they are and where they came from, and [`load`], which
//! gunzips one and reads it through the same CSV reader as an upload.
//!
//! Must not fetch, read files at run time or hold synthetic data: the gzip
//! files in `shared/data/bundled/` are compiled in with `include_bytes!`,
//! and their provenance (see the README there) is recorded in every series.

use std::io::Read;

use flate2::read::GzDecoder;
use serde::Serialize;

use super::csv::{read_csv, CsvOptions, CsvReport};
use super::provenance::Source;
use super::series::Series;
use crate::calendar::Date;

/// How often a dataset is observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Trading days.
    Daily,
    /// One observation a month, dated the first of the month.
    Monthly,
}

/// One embedded series: what it is, where it came from, and its expected
/// span (the tests check the data agrees).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DatasetInfo {
    /// Stable id used by [`load`], e.g. `"sp500"`.
    pub id: &'static str,
    /// Short title for lists.
    pub title: &'static str,
    /// One or two sentences for the user.
    pub description: &'static str,
    /// Observation frequency.
    pub frequency: Frequency,
    /// Units of the values (or of the prices, for bars).
    pub units: &'static str,
    /// Whether it loads as OHLCV bars (`true`) or single values.
    pub bars: bool,
    /// The symbol recorded in provenance, e.g. `"^GSPC"`, `"DCOILWTICO"`.
    pub symbol: &'static str,
    /// The true origin recorded in provenance.
    pub origin: &'static str,
    /// The licence of the package the file was taken from.
    pub licence: &'static str,
    /// The bundled file it is read from (in `shared/data/bundled/`).
    pub file: &'static str,
    /// Number of observations.
    pub rows: usize,
    /// Number of dates the file reports as missing (FRED's `.`), kept in
    /// [`Series::missing`]; `rows + missing` is the file's data lines.
    pub missing: usize,
    /// First observation date.
    pub first: Date,
    /// Last observation date.
    pub last: Date,
    #[serde(skip)]
    select: Select,
}

/// Which part of a file a dataset is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Select {
    /// The whole file (bars, or its only value column).
    All,
    /// One named column.
    Column(&'static str),
    /// One symbol of a long file.
    Symbol(&'static str),
}

/// Why a bundled dataset could not be loaded.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BundledError {
    /// No dataset has this id.
    #[error("no bundled dataset \"{id}\"; known ids: {}", known_ids().join(", "))]
    UnknownId {
        /// The id asked for.
        id: String,
    },
    /// The embedded file did not gunzip to UTF-8 text (a build problem).
    #[error("bundled file {file} is corrupt: {reason}")]
    Corrupt {
        /// The file.
        file: &'static str,
        /// What the decoder said.
        reason: String,
    },
    /// The embedded file did not read as a series (a build problem).
    #[error("bundled file {file} did not read: {report}")]
    Unreadable {
        /// The file.
        file: &'static str,
        /// The reader's report.
        report: CsvReport,
    },
}

const fn day(year: i32, month: u32, day: u32) -> Date {
    Date { year, month, day }
}

const ARCH: &str = "NCSA (the arch 8.0.0 Python package)";
const VEGA: &str = "BSD-3-Clause (the vega-datasets 3.2.1 npm package)";

const fn french(
    id: &'static str,
    column: &'static str,
    title: &'static str,
    description: &'static str,
) -> DatasetInfo {
    DatasetInfo {
        id,
        title,
        description,
        frequency: Frequency::Monthly,
        units: "percent per month",
        bars: false,
        symbol: column,
        origin: "Kenneth R. French data library (Fama-French 3 factors) via arch 8.0.0 arch/data/frenchdata",
        licence: ARCH,
        file: "frenchdata.csv.gz",
        rows: 1109,
        missing: 0,
        first: day(1926, 7, 1),
        last: day(2018, 11, 1),
        select: Select::Column(column),
    }
}

const fn stock(
    id: &'static str,
    symbol: &'static str,
    title: &'static str,
    rows: usize,
    first: Date,
) -> DatasetInfo {
    DatasetInfo {
        id,
        title,
        description: "Monthly share price as published in the vega-datasets stocks table.",
        frequency: Frequency::Monthly,
        units: "US dollars per share",
        bars: false,
        symbol,
        origin: "vega-datasets 3.2.1 data/stocks.csv",
        licence: VEGA,
        file: "stocks-monthly.csv.gz",
        rows,
        missing: 0,
        first,
        last: day(2010, 3, 1),
        select: Select::Symbol(symbol),
    }
}

static CATALOG: [DatasetInfo; 16] = [
    DatasetInfo {
        id: "sp500",
        title: "S&P 500 index, daily",
        description: "Daily open, high, low, close and volume of the S&P 500 index.",
        frequency: Frequency::Daily,
        units: "index points; volume in shares",
        bars: true,
        symbol: "^GSPC",
        origin: "Yahoo Finance via arch 8.0.0 arch/data/sp500",
        licence: ARCH,
        file: "sp500.csv.gz",
        rows: 5031,
        missing: 0,
        first: day(1999, 1, 4),
        last: day(2018, 12, 31),
        select: Select::All,
    },
    DatasetInfo {
        id: "nasdaq",
        title: "NASDAQ Composite index, daily",
        description: "Daily open, high, low, close and volume of the NASDAQ Composite index.",
        frequency: Frequency::Daily,
        units: "index points; volume in shares",
        bars: true,
        symbol: "^IXIC",
        origin: "Yahoo Finance via arch 8.0.0 arch/data/nasdaq",
        licence: ARCH,
        file: "nasdaq.csv.gz",
        rows: 5031,
        missing: 0,
        first: day(1999, 1, 4),
        last: day(2018, 12, 31),
        select: Select::All,
    },
    DatasetInfo {
        id: "vix",
        title: "CBOE VIX, daily close",
        description: "Daily close of the CBOE Volatility Index (30-day implied volatility of the S&P 500). Holidays the file marks \".\" are kept as missing dates.",
        frequency: Frequency::Daily,
        units: "index points (annualised volatility in percent)",
        bars: false,
        symbol: "VIX",
        origin: "CBOE VIX index via arch 8.0.0 arch/data/vix",
        licence: ARCH,
        file: "vix.csv.gz",
        rows: 1259,
        missing: 46,
        first: day(2014, 1, 3),
        last: day(2019, 1, 3),
        select: Select::All,
    },
    DatasetInfo {
        id: "wti",
        title: "WTI crude oil spot price, daily",
        description: "Cushing, OK West Texas Intermediate crude oil spot price. Holidays FRED marks \".\" are kept as missing dates.",
        frequency: Frequency::Daily,
        units: "US dollars per barrel",
        bars: false,
        symbol: "DCOILWTICO",
        origin: "FRED series DCOILWTICO via arch 8.0.0 arch/data/wti",
        licence: ARCH,
        file: "wti.csv.gz",
        rows: 8321,
        missing: 290,
        first: day(1986, 1, 2),
        last: day(2019, 1, 3),
        select: Select::All,
    },
    DatasetInfo {
        id: "core_cpi",
        title: "US core CPI, monthly",
        description: "Consumer price index for all urban consumers, all items less food and energy.",
        frequency: Frequency::Monthly,
        units: "index, 1982-84 = 100",
        bars: false,
        symbol: "CPILFESL",
        origin: "FRED series CPILFESL via arch 8.0.0 arch/data/core_cpi",
        licence: ARCH,
        file: "core-cpi.csv.gz",
        rows: 743,
        missing: 0,
        first: day(1957, 1, 1),
        last: day(2018, 11, 1),
        select: Select::All,
    },
    DatasetInfo {
        id: "aaa_yield",
        title: "Moody's AAA corporate bond yield, monthly",
        description: "Moody's seasoned Aaa corporate bond yield.",
        frequency: Frequency::Monthly,
        units: "percent per year",
        bars: false,
        symbol: "AAA",
        origin: "FRED series AAA via arch 8.0.0 arch/data/default",
        licence: ARCH,
        file: "default.csv.gz",
        rows: 1200,
        missing: 0,
        first: day(1919, 1, 1),
        last: day(2018, 12, 1),
        select: Select::Column("AAA"),
    },
    DatasetInfo {
        id: "baa_yield",
        title: "Moody's BAA corporate bond yield, monthly",
        description: "Moody's seasoned Baa corporate bond yield.",
        frequency: Frequency::Monthly,
        units: "percent per year",
        bars: false,
        symbol: "BAA",
        origin: "FRED series BAA via arch 8.0.0 arch/data/default",
        licence: ARCH,
        file: "default.csv.gz",
        rows: 1200,
        missing: 0,
        first: day(1919, 1, 1),
        last: day(2018, 12, 1),
        select: Select::Column("BAA"),
    },
    french(
        "ff_mkt_rf",
        "Mkt-RF",
        "Fama-French market excess return, monthly",
        "US market return minus the one-month T-bill rate (Fama-French factor Mkt-RF).",
    ),
    french(
        "ff_smb",
        "SMB",
        "Fama-French size factor (SMB), monthly",
        "Small minus big: return of small-cap less large-cap portfolios.",
    ),
    french(
        "ff_hml",
        "HML",
        "Fama-French value factor (HML), monthly",
        "High minus low: return of high book-to-market less low book-to-market portfolios.",
    ),
    french(
        "ff_rf",
        "RF",
        "Risk-free rate (one-month T-bill), monthly",
        "One-month Treasury bill rate as used by the Fama-French factors.",
    ),
    stock("aapl_monthly", "AAPL", "Apple (AAPL), monthly price", 123, day(2000, 1, 1)),
    stock("amzn_monthly", "AMZN", "Amazon (AMZN), monthly price", 123, day(2000, 1, 1)),
    stock("goog_monthly", "GOOG", "Alphabet/Google (GOOG), monthly price", 68, day(2004, 8, 1)),
    stock("ibm_monthly", "IBM", "IBM, monthly price", 123, day(2000, 1, 1)),
    stock("msft_monthly", "MSFT", "Microsoft (MSFT), monthly price", 123, day(2000, 1, 1)),
];

/// Every bundled dataset, in a fixed order.
pub fn catalog() -> &'static [DatasetInfo] {
    &CATALOG
}

/// The ids of [`catalog`], in order.
pub fn known_ids() -> Vec<&'static str> {
    CATALOG.iter().map(|d| d.id).collect()
}

/// The catalog entry for `id`.
pub fn info(id: &str) -> Result<&'static DatasetInfo, BundledError> {
    CATALOG
        .iter()
        .find(|d| d.id == id)
        .ok_or_else(|| BundledError::UnknownId { id: id.to_string() })
}

/// Gunzips an embedded file into text. The gzip bytes live only here, so
/// a binary that never loads a dataset (the main app, which only reads
/// [`catalog`]) links none of them; the workers that load them carry them.
fn text_of(file: &'static str) -> Result<String, BundledError> {
    // The embedded gzip files, by name.
    const FILES: [(&str, &[u8]); 8] = [
        (
            "sp500.csv.gz",
            include_bytes!("../../data/bundled/sp500.csv.gz"),
        ),
        (
            "nasdaq.csv.gz",
            include_bytes!("../../data/bundled/nasdaq.csv.gz"),
        ),
        (
            "vix.csv.gz",
            include_bytes!("../../data/bundled/vix.csv.gz"),
        ),
        (
            "wti.csv.gz",
            include_bytes!("../../data/bundled/wti.csv.gz"),
        ),
        (
            "core-cpi.csv.gz",
            include_bytes!("../../data/bundled/core-cpi.csv.gz"),
        ),
        (
            "default.csv.gz",
            include_bytes!("../../data/bundled/default.csv.gz"),
        ),
        (
            "frenchdata.csv.gz",
            include_bytes!("../../data/bundled/frenchdata.csv.gz"),
        ),
        (
            "stocks-monthly.csv.gz",
            include_bytes!("../../data/bundled/stocks-monthly.csv.gz"),
        ),
    ];
    let bytes = FILES
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, bytes)| *bytes)
        .ok_or_else(|| BundledError::Corrupt {
            file,
            reason: "not embedded".to_string(),
        })?;
    let mut text = String::new();
    GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .map_err(|e| BundledError::Corrupt {
            file,
            reason: e.to_string(),
        })?;
    Ok(text)
}

/// Loads dataset `id` as a series with source `bundled`, its true origin
/// and symbol, through the CSV reader used for uploads.
pub fn load(id: &str) -> Result<Series, BundledError> {
    let info = info(id)?;
    let text = text_of(info.file)?;
    let (symbol, column) = match info.select {
        Select::All => (Some(info.symbol), None),
        Select::Column(c) => (Some(info.symbol), Some(c)),
        Select::Symbol(s) => (Some(s), None),
    };
    let options = CsvOptions {
        source: Source::Bundled,
        origin: Some(info.origin.to_string()),
        symbol: symbol.map(str::to_string),
        column: column.map(str::to_string),
    };
    read_csv(info.file, &text, &options)
        .map(|read| read.series)
        .map_err(|report| BundledError::Unreadable {
            file: info.file,
            report,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_unknown_ids_list_the_known() {
        let ids = known_ids();
        for (i, id) in ids.iter().enumerate() {
            assert!(!ids[..i].contains(id), "{id} twice");
        }
        let err = load("spx").unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("no bundled dataset \"spx\"; known ids: sp500, nasdaq, vix,"));
        assert!(message.ends_with("msft_monthly"));
    }

    #[test]
    fn every_catalog_file_is_embedded_and_gunzips() {
        for info in catalog() {
            let text = text_of(info.file).unwrap();
            assert!(text.lines().count() > info.rows, "{}", info.id);
        }
    }

    #[test]
    fn loads_a_column_of_a_wide_file() {
        let s = load("baa_yield").unwrap();
        assert_eq!(s.provenance().symbol, "BAA");
        assert_eq!(s.provenance().source, Source::Bundled);
        // First row of default.csv: 1/1/1919,5.35,7.12
        assert_eq!(s.values()[0], 7.12);
    }
}
