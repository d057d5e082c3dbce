//! The data module from outside: every bundled dataset loads with the span,
//! row count and content hash expected; values spot-checked against the raw
//! files; nothing dropped; hashes stable and sensitive; CSV errors located
//! by file, line and reason; and no input makes the reader panic.
//!
//! Oracles. The expected content hashes were computed independently of this
//! crate, by a Python script reading the raw gzip files with the `csv`
//! module, `float()` and `datetime`, and hashing the canonical encoding
//! documented at `shared::data::content_hash` with `struct.pack` and
//! `hashlib.sha256`. Row counts and spans agree with the provenance table
//! in shared/data/bundled/README.md, except that FRED's "." cells (290 in
//! wti.csv, 46 in vix.csv) are reported missing, not counted as
//! observations. Spot values are copied from the raw files
//! (`zcat file | head -2`, `tail -1`).

use std::io::Read;

use proptest::prelude::*;
use shared::calendar::Date;
use shared::data::bundled::{self, Frequency};
use shared::data::{
    content_hash, read_csv, Bar, CsvOptions, CsvProblem, Observations, Point, Series, Source,
};

/// (id, observations, missing dates, first, last, content hash from Python).
const EXPECTED: [(&str, usize, usize, &str, &str, &str); 16] = [
    (
        "sp500",
        5031,
        0,
        "1999-01-04",
        "2018-12-31",
        "d7e4918a37b0ca6b3b64d3fe5f434131695f4aa383a2a74a7e5630976ae357f1",
    ),
    (
        "nasdaq",
        5031,
        0,
        "1999-01-04",
        "2018-12-31",
        "d568faaffd12c0a26142f182279203df03f336492ad136a042a21c9f60c74bca",
    ),
    (
        "vix",
        1259,
        46,
        "2014-01-03",
        "2019-01-03",
        "a6b3d1b6efd40fc12eb7333e3d67bf1c88952c0f3d8cc893b5f8cf9a8c32cf44",
    ),
    (
        "wti",
        8321,
        290,
        "1986-01-02",
        "2019-01-03",
        "279b3b49c55f2fa538417625761442e88f96e6123511d17c532d3f2a77ef020f",
    ),
    (
        "core_cpi",
        743,
        0,
        "1957-01-01",
        "2018-11-01",
        "1b01f955aaa8baf75360f7e9c6d4305c1d08ce82fee3ca48bbf5860450c4ce73",
    ),
    (
        "aaa_yield",
        1200,
        0,
        "1919-01-01",
        "2018-12-01",
        "fcce5b4f6e97e7f09a6b2a933bcb17c37b8aa5005c9306c789defbcbe9649ef7",
    ),
    (
        "baa_yield",
        1200,
        0,
        "1919-01-01",
        "2018-12-01",
        "3e89dfdc78d33b00e80e5d736fc4a6a9097e67a4f70bc2cb9b23e020bbabe42e",
    ),
    (
        "ff_mkt_rf",
        1109,
        0,
        "1926-07-01",
        "2018-11-01",
        "0736937d4390dc33d58407f96011a313f4321c8b8e18d505506806eec83af116",
    ),
    (
        "ff_smb",
        1109,
        0,
        "1926-07-01",
        "2018-11-01",
        "68296e802d2ad209d297aa4b1ce3c6723d6d69c2c169ffa26dcd5c04bcae6ff1",
    ),
    (
        "ff_hml",
        1109,
        0,
        "1926-07-01",
        "2018-11-01",
        "1577fa7dc30c4471662a71d48a69eed9fa708f97dae4792f43185959aaad2d9c",
    ),
    (
        "ff_rf",
        1109,
        0,
        "1926-07-01",
        "2018-11-01",
        "c26f6391287ad2b06d6809999af920810145ca2d57a53e5ac9847845c4051d24",
    ),
    (
        "aapl_monthly",
        123,
        0,
        "2000-01-01",
        "2010-03-01",
        "50f1542eea05c9d704fbaecc00206963e7aa9de89ed6d9bd5839571cc9465f74",
    ),
    (
        "amzn_monthly",
        123,
        0,
        "2000-01-01",
        "2010-03-01",
        "818bae70a080af39feab9dc3035c00abbe45a013951ceea1481d148af29fe8c7",
    ),
    (
        "goog_monthly",
        68,
        0,
        "2004-08-01",
        "2010-03-01",
        "85426f79173345f8ef5c2caee2dc1b08d3c9f14128ce86e105e16a883a99ddae",
    ),
    (
        "ibm_monthly",
        123,
        0,
        "2000-01-01",
        "2010-03-01",
        "3ae5bc84164642407ce441969fd4e9e028f464f23b0a3bc16c8c7e6d3a6e3ab3",
    ),
    (
        "msft_monthly",
        123,
        0,
        "2000-01-01",
        "2010-03-01",
        "fedeb23a84acfe24ed1e5477601b40a47bcc8c55c0953d21e7e174f88818f4bf",
    ),
];

/// The same constant is asserted in the wasm32 run (tests/cross_platform.rs).
const SP500_HASH: &str = "d7e4918a37b0ca6b3b64d3fe5f434131695f4aa383a2a74a7e5630976ae357f1";

fn d(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn raw(file: &str) -> String {
    let bytes: &[u8] = match file {
        "sp500.csv.gz" => include_bytes!("../data/bundled/sp500.csv.gz"),
        "nasdaq.csv.gz" => include_bytes!("../data/bundled/nasdaq.csv.gz"),
        "vix.csv.gz" => include_bytes!("../data/bundled/vix.csv.gz"),
        "wti.csv.gz" => include_bytes!("../data/bundled/wti.csv.gz"),
        "core-cpi.csv.gz" => include_bytes!("../data/bundled/core-cpi.csv.gz"),
        "default.csv.gz" => include_bytes!("../data/bundled/default.csv.gz"),
        "frenchdata.csv.gz" => include_bytes!("../data/bundled/frenchdata.csv.gz"),
        "stocks-monthly.csv.gz" => include_bytes!("../data/bundled/stocks-monthly.csv.gz"),
        other => panic!("no file {other}"),
    };
    gunzip(bytes)
}

#[test]
fn every_bundled_dataset_loads_as_expected() {
    let catalog = bundled::catalog();
    assert_eq!(catalog.len(), EXPECTED.len());
    for (info, (id, rows, missing, first, last, hash)) in catalog.iter().zip(EXPECTED) {
        assert_eq!(info.id, id);
        let s = bundled::load(id).unwrap_or_else(|e| panic!("{id}: {e}"));
        let p = s.provenance();
        assert_eq!(p.source, Source::Bundled, "{id}");
        assert_eq!(p.symbol, info.symbol, "{id}");
        assert_eq!(p.origin, info.origin, "{id}");
        assert_eq!((p.rows, s.missing().len()), (rows, missing), "{id}");
        assert_eq!((p.first, p.last), (d(first), d(last)), "{id}");
        assert_eq!(p.content_hash, hash, "{id}");
        // The catalog says the same as the data.
        assert_eq!(
            (info.rows, info.missing, info.first, info.last),
            (rows, missing, p.first, p.last),
            "{id}"
        );
        assert_eq!(info.bars, s.bars().is_some(), "{id}");
        // Loading twice gives the same series.
        assert_eq!(bundled::load(id).unwrap(), s);
        // Monthly series are dated the first of each month.
        if info.frequency == Frequency::Monthly {
            assert!(s.dates().iter().all(|date| date.day == 1), "{id}");
        }
    }
}

#[test]
fn symbols_and_origins_name_the_true_source() {
    let symbol = |id: &str| bundled::load(id).unwrap().provenance().symbol.clone();
    let origin = |id: &str| bundled::load(id).unwrap().provenance().origin.clone();
    assert_eq!(symbol("sp500"), "^GSPC");
    assert_eq!(symbol("nasdaq"), "^IXIC");
    assert_eq!(symbol("vix"), "VIX");
    assert_eq!(symbol("wti"), "DCOILWTICO");
    assert_eq!(symbol("core_cpi"), "CPILFESL");
    assert_eq!(symbol("aaa_yield"), "AAA");
    assert_eq!(symbol("ff_mkt_rf"), "Mkt-RF");
    assert_eq!(symbol("goog_monthly"), "GOOG");
    assert_eq!(
        origin("sp500"),
        "Yahoo Finance via arch 8.0.0 arch/data/sp500"
    );
    assert!(origin("wti").starts_with("FRED series DCOILWTICO via arch 8.0.0"));
    assert!(origin("ff_hml").starts_with("Kenneth R. French data library"));
    assert_eq!(
        origin("msft_monthly"),
        "vega-datasets 3.2.1 data/stocks.csv"
    );
}

/// Data lines of a raw file (non-blank lines after the header), optionally
/// only those of one symbol (first field).
fn data_lines(text: &str, symbol: Option<&str>) -> usize {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .filter(|l| symbol.is_none_or(|s| l.split(',').next() == Some(s)))
        .count()
}

#[test]
fn nothing_is_dropped() {
    for info in bundled::catalog() {
        let s = bundled::load(info.id).unwrap();
        let symbol = (info.file == "stocks-monthly.csv.gz").then_some(info.symbol);
        assert_eq!(
            s.len() + s.missing().len(),
            data_lines(&raw(info.file), symbol),
            "{}",
            info.id
        );
    }
}

#[test]
fn spot_values_match_the_raw_files() {
    let sp = bundled::load("sp500").unwrap();
    let bars = sp.bars().unwrap();
    // 1/4/1999,1229.22998,1248.810059,1219.099976,1228.099976,1228.099976,877000000
    assert_eq!(
        bars[0],
        Bar {
            date: d("1999-01-04"),
            open: 1229.22998,
            high: 1248.810059,
            low: 1219.099976,
            close: 1228.099976,
            volume: Some(877_000_000.0),
        }
    );
    // 12/31/2018,2498.939941,2509.23999,2482.820068,2506.850098,2506.850098,3442870000
    assert_eq!(
        bars[bars.len() - 1],
        Bar {
            date: d("2018-12-31"),
            open: 2498.939941,
            high: 2509.23999,
            low: 2482.820068,
            close: 2506.850098,
            volume: Some(3_442_870_000.0),
        }
    );
    let nasdaq = bundled::load("nasdaq").unwrap();
    // 12/31/2018,6649.52002,6659.959961,6570.060059,6635.279785,...,2098560000
    assert_eq!(*nasdaq.closes().last().unwrap(), 6635.279785);
    assert_eq!(nasdaq.bars().unwrap()[0].open, 2207.540039);

    let first_last = |id: &str| {
        let v = bundled::load(id).unwrap().values();
        (v[0], v[v.len() - 1])
    };
    assert_eq!(first_last("vix"), (13.76, 25.45));
    assert_eq!(first_last("wti"), (25.56, 46.92));
    assert_eq!(first_last("core_cpi"), (28.5, 259.481));
    assert_eq!(first_last("aaa_yield"), (5.35, 4.02));
    assert_eq!(first_last("baa_yield"), (7.12, 5.13));
    // 192607,2.96,-2.3,-2.87,0.22 ... 201811,1.69,-0.75,0.22,0.18
    assert_eq!(first_last("ff_mkt_rf"), (2.96, 1.69));
    assert_eq!(first_last("ff_smb"), (-2.3, -0.75));
    assert_eq!(first_last("ff_hml"), (-2.87, 0.22));
    assert_eq!(first_last("ff_rf"), (0.22, 0.18));
    // MSFT,Jan 1 2000,39.81 ... AAPL,Mar 1 2010,223.02
    assert_eq!(first_last("msft_monthly").0, 39.81);
    assert_eq!(first_last("aapl_monthly").1, 223.02);

    // wti line 34 is "2/17/1986,." (Presidents' Day): reported, not filled.
    let wti = bundled::load("wti").unwrap();
    assert_eq!(wti.missing()[0], d("1986-02-17"));
    assert!(!wti.dates().contains(&d("1986-02-17")));
}

#[test]
fn hashes_depend_on_the_data_not_its_spelling() {
    let bars = vec![
        Bar {
            date: d("1999-01-04"),
            open: 1229.22998,
            high: 1248.810059,
            low: 1219.099976,
            close: 1228.099976,
            volume: Some(877_000_000.0),
        },
        Bar {
            date: d("1999-01-05"),
            open: 1228.099976,
            high: 1246.109985,
            low: 1228.099976,
            close: 1244.780029,
            volume: Some(775_000_000.0),
        },
    ];
    let built = Series::from_bars(Source::Polygon, "Polygon aggregates", "I:SPX", bars).unwrap();
    let us = "Date,Open,High,Low,Close,Adj Close,Volume\r\n\
              1/4/1999,1229.22998,1248.810059,1219.099976,1228.099976,1228.099976,877000000\r\n\
              1/5/1999,1228.099976,1246.109985,1228.099976,1244.780029,1244.780029,775000000\r\n";
    let iso = "timestamp,volume,close,low,high,open\n\
               1999-01-04,8.77e8,1228.0999760,1219.099976,1248.810059,1229.22998\n\
               19990105,775000000.0,\"1244.780029\",1228.099976,1246.109985,1228.099976\n";
    let hash = |name: &str, text: &str| {
        read_csv(name, text, &CsvOptions::default())
            .unwrap()
            .series
            .provenance()
            .content_hash
            .clone()
    };
    assert_eq!(hash("us.csv", us), built.provenance().content_hash);
    assert_eq!(hash("iso.csv", iso), built.provenance().content_hash);
    // One value changed in the last digit: a different hash.
    let changed = us.replace("1244.780029,1244.780029", "1244.780030,1244.780029");
    assert_ne!(hash("us.csv", &changed), built.provenance().content_hash);
    // The full bundled file: the hash the wasm32 run asserts too.
    assert_eq!(
        bundled::load("sp500").unwrap().provenance().content_hash,
        SP500_HASH
    );
    // A value series and the bundled one agree through a rebuilt series.
    let vix = bundled::load("vix").unwrap();
    let points: Vec<Point> = vix.points().unwrap().to_vec();
    let rebuilt = Series::new(
        Source::Fred,
        "FRED series VIXCLS",
        "VIXCLS",
        Observations::Values(points),
        vix.missing().to_vec(),
    )
    .unwrap();
    assert_eq!(
        rebuilt.provenance().content_hash,
        vix.provenance().content_hash
    );
    assert_eq!(
        content_hash(vix.observations(), vix.missing()),
        vix.provenance().content_hash
    );
}

/// The bundled S&P 500 text with `edit` applied to data line `line`
/// (1-based file line), read as an upload called sp500.csv.
fn sp500_with(
    line: usize,
    edit: impl Fn(&str) -> String,
) -> Vec<(Option<usize>, CsvProblem, String)> {
    let text = raw("sp500.csv.gz");
    let edited: Vec<String> = text
        .split("\r\n")
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line {
                edit(l)
            } else {
                l.to_string()
            }
        })
        .collect();
    let report = read_csv("sp500.csv", &edited.join("\r\n"), &CsvOptions::default()).unwrap_err();
    report
        .errors
        .into_iter()
        .map(|e| (e.line, e.problem.clone(), e.to_string()))
        .collect()
}

#[test]
fn errors_name_file_line_and_reason() {
    // Line 17: 1/26/1999,1233.97998,1253.25,1233.97998,1252.310059,1252.310059,896400000
    let set = |col: usize, value: &'static str| {
        move |l: &str| {
            let mut f: Vec<&str> = l.split(',').collect();
            f[col] = value;
            f.join(",")
        }
    };
    let e = sp500_with(17, set(4, "abc"));
    assert_eq!(e.len(), 1);
    assert_eq!(
        e[0].2,
        "sp500.csv line 17: column \"Close\": \"abc\" is not a number"
    );

    let e = sp500_with(17, set(0, "1/32/1999"));
    assert_eq!(
        e[0].2,
        "sp500.csv line 17: column \"Date\": \"1/32/1999\" is not a real calendar date"
    );

    let e = sp500_with(17, set(0, "26.1.1999"));
    assert_eq!(e[0].0, Some(17));
    assert!(e[0].2.contains("is ambiguous"), "{}", e[0].2);

    let e = sp500_with(17, set(3, "1300"));
    assert_eq!(e[0].2, "sp500.csv line 17: high 1253.25 is below low 1300");

    let e = sp500_with(17, set(0, "1/1/1999"));
    assert_eq!(
        e[0].2,
        "sp500.csv line 17: date 1999-01-01 does not come after 1999-01-25 (line 16)"
    );
    // Only that row is wrong: line 18 follows line 16 correctly.
    assert_eq!(e.len(), 1);

    let e = sp500_with(17, |l| l.rsplit_once(',').unwrap().0.to_string());
    assert_eq!(
        e[0].2,
        "sp500.csv line 17: expected 7 fields (as in the header), found 6"
    );

    let e = sp500_with(1, |l| l.replace("Date", "When"));
    assert_eq!(e[0].0, Some(1));
    assert!(matches!(e[0].1, CsvProblem::NoDateColumn { .. }));

    let e = sp500_with(1, |l| l.replace(",Low", ",Lo"));
    assert!(
        matches!(e[0].1, CsvProblem::IncompleteBars { .. }),
        "{:?}",
        e[0]
    );

    let empty = read_csv("empty.csv", "", &CsvOptions::default()).unwrap_err();
    assert_eq!(empty.to_string(), "empty.csv: the file is empty");

    // Several bad rows are all reported, in order.
    let text = "Date,vix\n1/3/2014,13.76\n1/6/2014,x\n1/7/2014,12.9\n1/8/2014,\n1/9/2014,1e\n";
    let report = read_csv("vix.csv", text, &CsvOptions::default()).unwrap_err();
    let lines: Vec<Option<usize>> = report.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![Some(3), Some(6)]);
    assert!(!report.truncated);
}

#[test]
fn a_long_file_is_read_by_symbol() {
    let text = raw("stocks-monthly.csv.gz");
    let options = CsvOptions {
        symbol: Some("GOOG".into()),
        ..CsvOptions::default()
    };
    let read = read_csv("stocks.csv", &text, &options).unwrap();
    assert_eq!(read.series.len(), 68);
    assert_eq!(read.other_symbols, vec!["MSFT", "AMZN", "IBM", "AAPL"]);
    assert_eq!(read.series.provenance().source, Source::UserUpload);
    assert_eq!(read.series.provenance().origin, "upload stocks.csv");
    // Same data as the bundled entry, so the same hash.
    assert_eq!(
        read.series.provenance().content_hash,
        bundled::load("goog_monthly")
            .unwrap()
            .provenance()
            .content_hash
    );
}

fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// CSV-flavoured text: dates, numbers, delimiters, quotes, line ends,
/// missing markers and header words, in any order.
fn csvish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(",".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\r".to_string()),
        Just("\"".to_string()),
        Just("\t".to_string()),
        Just("\u{feff}".to_string()),
        Just(".".to_string()),
        Just("Date".to_string()),
        Just("Open,High,Low,Close,Volume".to_string()),
        Just("symbol".to_string()),
        Just("1/4/1999".to_string()),
        Just("Jan 1 2000".to_string()),
        Just("2020-02-29T".to_string()),
        Just("192607".to_string()),
        "-?[0-9]{1,4}(\\.[0-9]{0,3})?(e[0-9]{1,3})?",
        "\\PC{0,3}",
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn reader_never_panics_on_any_text(text in "\\PC*(\n\\PC*){0,5}") {
        let _ = read_csv("fuzz.csv", &text, &CsvOptions::default());
    }

    #[test]
    fn reader_never_panics_on_csvish_text(
        text in csvish(),
        symbol in proptest::option::of("[A-Za-z]{1,3}"),
        column in proptest::option::of(prop_oneof![Just("Close".to_string()), Just("x".to_string())]),
    ) {
        let options = CsvOptions { symbol, column, ..CsvOptions::default() };
        if let Ok(read) = read_csv("fuzz.csv", &text, &options) {
            // Whatever is accepted is a valid series.
            let p = read.series.provenance();
            prop_assert!(p.rows >= 1);
            prop_assert_eq!(p.rows, read.series.len());
            prop_assert_eq!(&p.content_hash, &content_hash(read.series.observations(), read.series.missing()));
        }
    }

    #[test]
    fn date_parser_never_panics(text in "\\PC{0,20}") {
        let _ = shared::data::parse_date(&text);
    }
}
