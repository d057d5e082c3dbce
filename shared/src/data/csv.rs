//! Reads a CSV file (already in memory as text) into a validated
//! [`Series`], or reports every problem with the file name and line number.
//!
//! Must not drop, fill or invent data, and must not guess: a cell that is
//! not a number, a date in an ambiguous spelling, a row out of date order
//! or with high below low is an error, never skipped; a cell that marks a
//! value as missing (see [`MISSING_MARKERS`]) records its date in
//! [`Series::missing`], never a number. Never panics, whatever the input.
//!
//! # The rules
//!
//! * **Text.** UTF-8; a leading byte-order mark is skipped; lines end in
//!   `\n`, `\r\n` or `\r`; fields may be quoted (RFC 4180, quotes doubled
//!   inside, line breaks allowed). The delimiter is a comma, or a tab when
//!   the header line has tabs and no comma. Blank lines (or lines of bare
//!   delimiters) before the header and at the end are ignored; a blank
//!   line between data rows is an error.
//! * **Header.** The first non-blank line. Names are matched
//!   case-insensitively, ignoring everything but letters and digits
//!   (`Adj Close` = `adj_close` = `ADJCLOSE`). The date column is the one
//!   named `date`, `time`, `timestamp`, `datetime` or `observation_date`
//!   (FRED's download name); exactly one is required. A column named
//!   `symbol` or `ticker` makes the file "long" (one row per symbol and
//!   date): choose the symbol with [`CsvOptions::symbol`] (not needed when
//!   the file holds one symbol only); rows of other symbols are not read
//!   past their field count and are listed in [`CsvRead::other_symbols`].
//! * **Bars or values.** With [`CsvOptions::column`] set, that column is
//!   read as a value series. Otherwise, a `close` column with `open`,
//!   `high` and `low` gives bars (all three or none: one or two of them is
//!   an error), with `volume` (or `vol`) when that column exists; a `close`
//!   column without them gives a value series of closes. Without a
//!   `close` column, the only column other than date and symbol is read as
//!   values; several such columns is an error naming them. Columns not
//!   read are listed in [`CsvRead::ignored_columns`] (e.g. `Adj Close`).
//! * **Cells.** Dates by [`parse_date`] (slash dates are US month/day/year;
//!   ambiguous spellings refused). Numbers in plain decimal or exponent
//!   form (`1234.5`, `-0.3`, `1e6`): no thousands separators, currency
//!   signs, percent signs, `inf` or `NaN`. A row whose every read value
//!   cell is a missing marker is a missing date; a marker beside real
//!   numbers in the same row is an error.
//! * **Checks.** Every row has as many fields as the header; dates strictly
//!   increase (within the chosen symbol); bars satisfy
//!   [`Bar::check`](super::Bar::check).
//! * **Errors.** The reader goes on after a row error and collects up to
//!   [`MAX_ERRORS`]; it then stops ([`CsvReport::truncated`]). Problems
//!   with the header stop it at once.
//! * **Provenance.** Source and origin from [`CsvOptions`] (default
//!   `user_upload`, `upload <file name>`). The symbol is the chosen symbol
//!   as spelt in the file, else [`CsvOptions::symbol`], else the value
//!   column's name (value series), else the file name without directories
//!   and extensions.

use std::fmt;

use super::dates::{parse_date, DateParseError};
use super::provenance::Source;
use super::records::{split_records, Record, RecordError};
use super::series::{Bar, Observations, Point, RowProblem, Series, SeriesError};
use crate::calendar::Date;

/// The reader stops after this many errors.
pub const MAX_ERRORS: usize = 20;

/// Cells that mark a value as missing (compared case-insensitively, after
/// trimming): the empty cell, FRED's `.`, `NA`, `N/A`, `#N/A`, `null`, `NaN`.
pub const MISSING_MARKERS: [&str; 7] = ["", ".", "na", "n/a", "#n/a", "null", "nan"];

const DATE_NAMES: [&str; 5] = ["date", "time", "timestamp", "datetime", "observationdate"];
const SYMBOL_NAMES: [&str; 2] = ["symbol", "ticker"];

/// What to read from a file and how to label it.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvOptions {
    /// The approved source to record in provenance (default `UserUpload`).
    pub source: Source,
    /// The origin to record (default `upload <file name>`).
    pub origin: Option<String>,
    /// In a long file, the symbol whose rows to read (matched
    /// case-insensitively); otherwise the symbol to record.
    pub symbol: Option<String>,
    /// Read this column (by header name) as a value series instead of the
    /// default choice.
    pub column: Option<String>,
}

impl Default for CsvOptions {
    fn default() -> CsvOptions {
        CsvOptions {
            source: Source::UserUpload,
            origin: None,
            symbol: None,
            column: None,
        }
    }
}

/// A file read without errors.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvRead {
    /// The series.
    pub series: Series,
    /// Header names of columns that exist but were not read (e.g. `Adj Close`).
    pub ignored_columns: Vec<String>,
    /// In a long file, the other symbols present, in order of first appearance.
    pub other_symbols: Vec<String>,
}

/// What is wrong, at one line or with the whole file.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CsvProblem {
    /// No text, or only blank lines.
    #[error("the file is empty")]
    Empty,
    /// A header and no data rows (for the chosen symbol).
    #[error("no data rows after the header")]
    NoDataRows,
    /// No date column.
    #[error("no date column (expected one named date, time, timestamp, datetime or observation_date); columns: {}", list(.columns))]
    NoDateColumn {
        /// The header names.
        columns: Vec<String>,
    },
    /// Two or more columns that name the same thing.
    #[error("columns {} mean the same thing; keep one", list(.columns))]
    DuplicateColumns {
        /// The clashing header names.
        columns: Vec<String>,
    },
    /// Some but not all of open, high and low.
    #[error("columns open, high and low come together: found {}, missing {}", list(.found), list(.missing))]
    IncompleteBars {
        /// The ones present.
        found: Vec<String>,
        /// The ones absent.
        missing: Vec<String>,
    },
    /// Open, high and low without close.
    #[error("missing required column close (the file has open, high and low)")]
    NoClose,
    /// Nothing to read besides the date (and symbol).
    #[error("no value column besides the date")]
    NoValueColumn,
    /// Several candidate value columns and none chosen.
    #[error("several value columns ({}); choose one", list(.columns))]
    SeveralValueColumns {
        /// Their header names.
        columns: Vec<String>,
    },
    /// The chosen column does not exist.
    #[error("no column \"{name}\"; columns: {}", list(.columns))]
    UnknownColumn {
        /// The name asked for.
        name: String,
        /// The header names.
        columns: Vec<String>,
    },
    /// The chosen column is the date or symbol column.
    #[error("column \"{name}\" holds dates or symbols, not values")]
    NotAValueColumn {
        /// The name asked for.
        name: String,
    },
    /// A long file holding several symbols and none chosen.
    #[error("the file holds several symbols; choose one of {}", list(.symbols))]
    ChooseSymbol {
        /// The symbols, in order of first appearance.
        symbols: Vec<String>,
    },
    /// The chosen symbol is not in the file.
    #[error("no rows for symbol \"{symbol}\"; symbols: {}", list(.symbols))]
    UnknownSymbol {
        /// The symbol asked for.
        symbol: String,
        /// The symbols present.
        symbols: Vec<String>,
    },
    /// A quoting problem.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// A blank line between data rows.
    #[error("blank line inside the data")]
    BlankLine,
    /// A row with the wrong number of fields.
    #[error("expected {expected} fields (as in the header), found {found}")]
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in this row.
        found: usize,
    },
    /// An unparseable date.
    #[error("column \"{column}\": {error}")]
    BadDate {
        /// The date column's header name.
        column: String,
        /// Why.
        error: DateParseError,
    },
    /// A cell that is not a number.
    #[error("column \"{column}\": \"{text}\" is not a number")]
    BadNumber {
        /// The column's header name.
        column: String,
        /// The cell.
        text: String,
    },
    /// A number too large for a 64-bit float.
    #[error("column \"{column}\": \"{text}\" is out of range")]
    OutOfRange {
        /// The column's header name.
        column: String,
        /// The cell.
        text: String,
    },
    /// A missing marker beside real numbers in the same row.
    #[error("column \"{column}\": \"{text}\" marks a missing value but other columns of the row have numbers")]
    PartlyMissing {
        /// The column's header name.
        column: String,
        /// The cell.
        text: String,
    },
    /// The row's numbers are inconsistent (high below low, ...).
    #[error(transparent)]
    Row(#[from] RowProblem),
    /// Dates not strictly increasing.
    #[error("date {date} does not come after {previous} (line {previous_line})")]
    NotIncreasing {
        /// This row's date.
        date: Date,
        /// The previous row's date.
        previous: Date,
        /// The previous row's line.
        previous_line: usize,
    },
    /// The series was refused after reading (a safety net: the row checks
    /// above should catch everything first).
    #[error(transparent)]
    Series(#[from] SeriesError),
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_string()
    } else {
        items.join(", ")
    }
}

/// One problem, located.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct CsvError {
    /// The file name given to the reader.
    pub file: String,
    /// 1-based line, or `None` for a problem with the whole file.
    pub line: Option<usize>,
    /// What is wrong.
    pub problem: CsvProblem,
}

impl fmt::Display for CsvError {
    /// `prices.csv line 17: column "Close": "abc" is not a number`, or
    /// `prices.csv: the file is empty`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} line {}: {}", self.file, line, self.problem),
            None => write!(f, "{}: {}", self.file, self.problem),
        }
    }
}

/// Every problem found in a file (at least one).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct CsvReport {
    /// The problems, in file order, at most [`MAX_ERRORS`].
    pub errors: Vec<CsvError>,
    /// Whether reading stopped at [`MAX_ERRORS`], so later rows were not checked.
    pub truncated: bool,
}

impl fmt::Display for CsvReport {
    /// One error per line, then a note if reading stopped early.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        if self.truncated {
            write!(
                f,
                "\n(stopped after {MAX_ERRORS} errors; later rows not checked)"
            )?;
        }
        Ok(())
    }
}

/// Normalised header name: lowercase letters and digits only.
fn normalise(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn is_missing(cell: &str) -> bool {
    let cell = cell.trim();
    MISSING_MARKERS.iter().any(|m| cell.eq_ignore_ascii_case(m))
}

/// A plain decimal or exponent number; `Err(true)` if out of range.
fn parse_number(cell: &str) -> Result<f64, bool> {
    let cell = cell.trim();
    let plain = !cell.is_empty()
        && cell.bytes().any(|b| b.is_ascii_digit())
        && cell
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    match cell.parse::<f64>() {
        Ok(x) if plain && x.is_finite() => Ok(x),
        Ok(_) if plain => Err(true),
        _ => Err(false),
    }
}

/// Which columns to read, decided from the header.
enum Layout {
    Bars {
        open: usize,
        high: usize,
        low: usize,
        close: usize,
        volume: Option<usize>,
    },
    Values(usize),
}

impl Layout {
    fn columns(&self) -> Vec<usize> {
        match *self {
            Layout::Bars {
                open,
                high,
                low,
                close,
                volume,
            } => [open, high, low, close].into_iter().chain(volume).collect(),
            Layout::Values(c) => vec![c],
        }
    }
}

/// The header's decisions.
struct Plan {
    date: usize,
    symbol: Option<usize>,
    layout: Layout,
}

/// Collects errors up to [`MAX_ERRORS`].
struct Errors {
    file: String,
    list: Vec<CsvError>,
    truncated: bool,
}

impl Errors {
    /// Records a problem; false once the limit is passed (stop reading).
    fn push(&mut self, line: Option<usize>, problem: CsvProblem) -> bool {
        if self.list.len() >= MAX_ERRORS {
            self.truncated = true;
            return false;
        }
        self.list.push(CsvError {
            file: self.file.clone(),
            line,
            problem,
        });
        true
    }

    fn report(self) -> CsvReport {
        CsvReport {
            errors: self.list,
            truncated: self.truncated,
        }
    }
}

fn fail(file: &str, line: Option<usize>, problem: CsvProblem) -> CsvReport {
    CsvReport {
        errors: vec![CsvError {
            file: file.to_string(),
            line,
            problem,
        }],
        truncated: false,
    }
}

/// Decides the date, symbol and value columns from the header.
fn plan(header: &[String], options: &CsvOptions) -> Result<Plan, CsvProblem> {
    let names: Vec<String> = header.iter().map(|h| normalise(h)).collect();
    let find_all = |wanted: &[&str]| -> Vec<usize> {
        (0..names.len())
            .filter(|&i| wanted.contains(&names[i].as_str()))
            .collect()
    };
    let one = |wanted: &[&str]| -> Result<Option<usize>, CsvProblem> {
        match find_all(wanted).as_slice() {
            [] => Ok(None),
            [i] => Ok(Some(*i)),
            many => Err(CsvProblem::DuplicateColumns {
                columns: many.iter().map(|&i| header[i].clone()).collect(),
            }),
        }
    };
    let date = one(&DATE_NAMES)?.ok_or_else(|| CsvProblem::NoDateColumn {
        columns: header.to_vec(),
    })?;
    let symbol = one(&SYMBOL_NAMES)?;
    if let Some(name) = &options.column {
        let wanted = normalise(name);
        let matches: Vec<usize> = (0..names.len()).filter(|&i| names[i] == wanted).collect();
        return match matches.as_slice() {
            [] => Err(CsvProblem::UnknownColumn {
                name: name.clone(),
                columns: header.to_vec(),
            }),
            [i] if *i == date || Some(*i) == symbol => {
                Err(CsvProblem::NotAValueColumn { name: name.clone() })
            }
            [i] => Ok(Plan {
                date,
                symbol,
                layout: Layout::Values(*i),
            }),
            many => Err(CsvProblem::DuplicateColumns {
                columns: many.iter().map(|&i| header[i].clone()).collect(),
            }),
        };
    }
    let open = one(&["open"])?;
    let high = one(&["high"])?;
    let low = one(&["low"])?;
    let close = one(&["close"])?;
    let volume = one(&["volume", "vol"])?;
    let layout = match (open, high, low, close) {
        (Some(open), Some(high), Some(low), Some(close)) => Layout::Bars {
            open,
            high,
            low,
            close,
            volume,
        },
        (None, None, None, Some(close)) => Layout::Values(close),
        (None, None, None, None) => {
            let others: Vec<usize> = (0..names.len())
                .filter(|&i| i != date && Some(i) != symbol)
                .collect();
            match others.as_slice() {
                [] => return Err(CsvProblem::NoValueColumn),
                [i] => Layout::Values(*i),
                many => {
                    return Err(CsvProblem::SeveralValueColumns {
                        columns: many.iter().map(|&i| header[i].clone()).collect(),
                    })
                }
            }
        }
        (Some(_), Some(_), Some(_), None) => return Err(CsvProblem::NoClose),
        (o, h, l, _) => {
            let (mut found, mut missing) = (Vec::new(), Vec::new());
            for (name, column) in [("open", o), ("high", h), ("low", l)] {
                match column {
                    Some(i) => found.push(header[i].clone()),
                    None => missing.push(name.to_string()),
                }
            }
            return Err(CsvProblem::IncompleteBars { found, missing });
        }
    };
    Ok(Plan {
        date,
        symbol,
        layout,
    })
}

/// The file name without directories and extensions: the last symbol fallback.
fn file_stem(file: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let stem = base.split('.').next().unwrap_or(base);
    if stem.is_empty() {
        base.to_string()
    } else {
        stem.to_string()
    }
}

/// Reads `text`, the contents of the file called `file` (used in messages
/// and the default origin), by the rules in the module documentation.
pub fn read_csv(file: &str, text: &str, options: &CsvOptions) -> Result<CsvRead, CsvReport> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().find(|l| !l.trim().is_empty());
    let Some(first_line) = first_line else {
        return Err(fail(file, None, CsvProblem::Empty));
    };
    let delimiter = if !first_line.contains(',') && first_line.contains('\t') {
        '\t'
    } else {
        ','
    };
    let mut records = split_records(text, delimiter).into_iter().peekable();
    // Skip leading blank lines; a quoting error before the header stops.
    let header: Record = loop {
        match records.next() {
            None => return Err(fail(file, None, CsvProblem::Empty)),
            Some(Err((line, e))) => return Err(fail(file, Some(line), e.into())),
            Some(Ok(r)) if r.is_blank() => continue,
            Some(Ok(r)) => break r,
        }
    };
    let header_names: Vec<String> = header.fields.iter().map(|f| f.trim().to_string()).collect();
    let plan = plan(&header_names, options).map_err(|p| fail(file, Some(header.line), p))?;
    let records: Vec<_> = records.collect();

    // Long files: which symbol, and which others are present.
    let mut symbols: Vec<String> = Vec::new();
    if let Some(sc) = plan.symbol {
        for record in records.iter().flatten() {
            if !record.is_blank() && record.fields.len() == header_names.len() {
                let s = record.fields[sc].trim();
                if !symbols.iter().any(|k| k == s) {
                    symbols.push(s.to_string());
                }
            }
        }
    }
    let chosen: Option<String> = match (plan.symbol, &options.symbol) {
        (None, _) => None,
        (Some(_), Some(wanted)) => {
            let found = symbols
                .iter()
                .find(|s| s.eq_ignore_ascii_case(wanted.trim()))
                .cloned();
            Some(found.ok_or_else(|| {
                fail(
                    file,
                    Some(header.line),
                    CsvProblem::UnknownSymbol {
                        symbol: wanted.clone(),
                        symbols: symbols.clone(),
                    },
                )
            })?)
        }
        (Some(_), None) if symbols.len() == 1 => symbols.first().cloned(),
        (Some(_), None) if symbols.is_empty() => None,
        (Some(_), None) => {
            return Err(fail(
                file,
                Some(header.line),
                CsvProblem::ChooseSymbol { symbols },
            ))
        }
    };

    let mut errors = Errors {
        file: file.to_string(),
        list: Vec::new(),
        truncated: false,
    };
    let mut bars = Vec::new();
    let mut points = Vec::new();
    let mut lines = Vec::new();
    let mut missing = Vec::new();
    // The last date read (observed or missing) and its line.
    let mut previous: Option<(Date, usize)> = None;
    let value_columns = plan.layout.columns();
    // Index of the last non-blank record: blank records after it are trailing.
    let last_data = records
        .iter()
        .rposition(|r| !matches!(r, Ok(r) if r.is_blank()));
    'rows: for (index, record) in records.iter().enumerate() {
        let record = match record {
            Err((line, e)) => {
                if !errors.push(Some(*line), e.clone().into()) {
                    break;
                }
                continue;
            }
            Ok(r) => r,
        };
        let line = Some(record.line);
        if record.is_blank() {
            if last_data.is_some_and(|last| index < last)
                && !errors.push(line, CsvProblem::BlankLine)
            {
                break;
            }
            continue;
        }
        if record.fields.len() != header_names.len() {
            let problem = CsvProblem::FieldCount {
                expected: header_names.len(),
                found: record.fields.len(),
            };
            if !errors.push(line, problem) {
                break;
            }
            continue;
        }
        if let (Some(sc), Some(chosen)) = (plan.symbol, &chosen) {
            if record.fields[sc].trim() != chosen {
                continue;
            }
        }
        let date = match parse_date(&record.fields[plan.date]) {
            Ok(d) => Some(d),
            Err(error) => {
                let column = header_names[plan.date].clone();
                if !errors.push(line, CsvProblem::BadDate { column, error }) {
                    break;
                }
                None
            }
        };
        // The value cells: all missing markers makes a missing date.
        let all_missing = value_columns.iter().all(|&c| is_missing(&record.fields[c]));
        let mut numbers = Vec::with_capacity(value_columns.len());
        let mut row_ok = date.is_some();
        if !all_missing {
            for &c in &value_columns {
                let cell = record.fields[c].trim();
                // Err(None): a missing marker; Err(Some(out_of_range)): not a number.
                let parsed = if is_missing(cell) {
                    Err(None)
                } else {
                    parse_number(cell).map_err(Some)
                };
                let problem = match parsed {
                    Ok(x) => {
                        numbers.push(x);
                        continue;
                    }
                    Err(kind) => {
                        let (column, text) = (header_names[c].clone(), cell.to_string());
                        match kind {
                            None => CsvProblem::PartlyMissing { column, text },
                            Some(true) => CsvProblem::OutOfRange { column, text },
                            Some(false) => CsvProblem::BadNumber { column, text },
                        }
                    }
                };
                row_ok = false;
                if !errors.push(line, problem) {
                    break 'rows;
                }
            }
        }
        let Some(date) = date else { continue };
        if let Some((prev, prev_line)) = previous {
            if date <= prev {
                let problem = CsvProblem::NotIncreasing {
                    date,
                    previous: prev,
                    previous_line: prev_line,
                };
                if !errors.push(line, problem) {
                    break;
                }
                continue;
            }
        }
        previous = Some((date, record.line));
        if !row_ok {
            continue;
        }
        if all_missing {
            missing.push(date);
            continue;
        }
        let check = match (&plan.layout, numbers.as_slice()) {
            (Layout::Bars { volume, .. }, [open, high, low, close, rest @ ..]) => {
                let bar = Bar {
                    date,
                    open: *open,
                    high: *high,
                    low: *low,
                    close: *close,
                    volume: volume.and(rest.first().copied()),
                };
                let check = bar.check();
                bars.push(bar);
                check
            }
            (Layout::Values(_), [value]) => {
                let point = Point {
                    date,
                    value: *value,
                };
                points.push(point);
                point.check()
            }
            // Unreachable: one number per value column was read.
            _ => continue,
        };
        lines.push(record.line);
        if let Err(problem) = check {
            if !errors.push(line, problem.into()) {
                break;
            }
        }
    }

    if !errors.list.is_empty() {
        return Err(errors.report());
    }
    let observations = match plan.layout {
        Layout::Bars { .. } => Observations::Bars(bars),
        Layout::Values(_) => Observations::Values(points),
    };
    if observations.is_empty() {
        return Err(fail(file, None, CsvProblem::NoDataRows));
    }
    let symbol = match (&chosen, &options.symbol, &plan.layout) {
        (Some(s), _, _) => s.clone(),
        (None, Some(s), _) => s.clone(),
        (None, None, Layout::Values(c)) => header_names[*c].clone(),
        (None, None, Layout::Bars { .. }) => file_stem(file),
    };
    let origin = options
        .origin
        .clone()
        .unwrap_or_else(|| format!("upload {file}"));
    let series =
        Series::new(options.source, origin, symbol, observations, missing).map_err(|e| {
            let line = match &e {
                SeriesError::Row { index, .. } | SeriesError::NotIncreasing { index, .. } => {
                    lines.get(*index).copied()
                }
                _ => None,
            };
            fail(file, line, e.into())
        })?;
    let used: Vec<usize> = [plan.date]
        .into_iter()
        .chain(plan.symbol)
        .chain(value_columns)
        .collect();
    let ignored_columns = (0..header_names.len())
        .filter(|i| !used.contains(i))
        .map(|i| header_names[i].clone())
        .collect();
    let other_symbols = symbols
        .into_iter()
        .filter(|s| Some(s) != chosen.as_ref())
        .collect();
    Ok(CsvRead {
        series,
        ignored_columns,
        other_symbols,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<CsvRead, CsvReport> {
        read_csv("t.csv", text, &CsvOptions::default())
    }

    fn messages(text: &str, options: &CsvOptions) -> Vec<String> {
        read_csv("t.csv", text, options)
            .unwrap_err()
            .errors
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn reads_bars_with_volume_and_lists_ignored_columns() {
        let r = read("Date,Open,High,Low,Close,Adj Close,Volume\r\n1/4/1999,10,11,9,10.5,10.5,100\r\n1/5/1999,10.5,12,10,11,11,200\r\n\r\n").unwrap();
        let bars = r.series.bars().unwrap();
        assert_eq!(bars.len(), 2);
        assert_eq!(bars[1].volume, Some(200.0));
        assert_eq!(bars[0].date.to_string(), "1999-01-04");
        assert_eq!(r.ignored_columns, vec!["Adj Close".to_string()]);
        assert_eq!(r.series.provenance().symbol, "t");
        assert_eq!(r.series.provenance().origin, "upload t.csv");
        assert_eq!(r.series.provenance().source, Source::UserUpload);
    }

    #[test]
    fn reads_values_missing_markers_and_tabs() {
        let r = read("\u{feff}observation_date\tDCOILWTICO\n2020-01-02\t61.17\n2020-01-03\t.\n2020-01-06\t63.27\n")
            .unwrap();
        assert_eq!(r.series.values(), vec![61.17, 63.27]);
        assert_eq!(r.series.missing(), &[Date::parse("2020-01-03").unwrap()]);
        assert_eq!(r.series.provenance().symbol, "DCOILWTICO");
        assert_eq!(r.series.provenance().rows, 2);
    }

    #[test]
    fn close_alone_gives_values_and_column_choice_works() {
        let r = read("date,close,volume\n2020-01-02,5,1\n").unwrap();
        assert!(r.series.points().is_some());
        assert_eq!(r.ignored_columns, vec!["volume".to_string()]);
        let options = CsvOptions {
            column: Some("adj_close".into()),
            ..CsvOptions::default()
        };
        let r = read_csv(
            "t.csv",
            "Date,Open,High,Low,Close,Adj Close\n2020-01-02,1,2,1,2,1.9\n",
            &options,
        )
        .unwrap();
        assert_eq!(r.series.values(), vec![1.9]);
        assert_eq!(r.series.provenance().symbol, "Adj Close");
    }

    #[test]
    fn long_files_need_a_symbol_choice() {
        let text = "symbol,date,price\nA,Jan 1 2000,1\nB,Jan 1 2000,2\nA,Feb 1 2000,3\n";
        assert_eq!(
            messages(text, &CsvOptions::default()),
            vec!["t.csv line 1: the file holds several symbols; choose one of A, B"]
        );
        let options = CsvOptions {
            symbol: Some("a".into()),
            ..CsvOptions::default()
        };
        let r = read_csv("t.csv", text, &options).unwrap();
        assert_eq!(r.series.values(), vec![1.0, 3.0]);
        assert_eq!(r.series.provenance().symbol, "A");
        assert_eq!(r.other_symbols, vec!["B".to_string()]);
        let options = CsvOptions {
            symbol: Some("C".into()),
            ..CsvOptions::default()
        };
        assert_eq!(
            messages(text, &options),
            vec!["t.csv line 1: no rows for symbol \"C\"; symbols: A, B"]
        );
    }

    #[test]
    fn header_problems_stop_at_once() {
        let cases = [
            ("", "t.csv: the file is empty"),
            ("\n \n", "t.csv: the file is empty"),
            ("date,x\n", "t.csv: no data rows after the header"),
            ("day,x\n1,2\n", "t.csv line 1: no date column (expected one named date, time, timestamp, datetime or observation_date); columns: day, x"),
            ("date,Date,x\n", "t.csv line 1: columns date, Date mean the same thing; keep one"),
            ("date,open,close\n", "t.csv line 1: columns open, high and low come together: found open, missing high, low"),
            ("date,open,high,low\n", "t.csv line 1: missing required column close (the file has open, high and low)"),
            ("date\n2020-01-01\n", "t.csv line 1: no value column besides the date"),
            ("date,AAA,BAA\n", "t.csv line 1: several value columns (AAA, BAA); choose one"),
        ];
        for (text, expected) in cases {
            assert_eq!(
                messages(text, &CsvOptions::default()),
                vec![expected],
                "{text:?}"
            );
        }
        let options = CsvOptions {
            column: Some("CCC".into()),
            ..CsvOptions::default()
        };
        assert_eq!(
            messages("date,AAA,BAA\n", &options),
            vec!["t.csv line 1: no column \"CCC\"; columns: date, AAA, BAA"]
        );
        let options = CsvOptions {
            column: Some("DATE".into()),
            ..CsvOptions::default()
        };
        assert_eq!(
            messages("date,AAA\n", &options),
            vec!["t.csv line 1: column \"DATE\" holds dates or symbols, not values"]
        );
    }

    #[test]
    fn collects_row_errors_with_lines() {
        let text = "Date,Open,High,Low,Close,Volume\n\
                    2020-01-02,1,2,1,2,10\n\
                    2020-01-03,1,2,1,abc,10\n\
                    2020-01-04,1,2,1,2\n\
                    2020-02-30,1,2,1,2,10\n\
                    2020-01-05,3,2,1,2,10\n\
                    2020-01-06,1,0.5,1,1,10\n\
                    2020-01-06,1,2,1,2,10\n\
                    \n\
                    2020-01-08,1,2,1,2,-5\n\
                    2020-01-09,.,2,1,2,10\n\
                    2020-01-10,1,2,1,1e999,10\n\
                    2020-01-11,1,2,1,inf,10\n\
                    \"2020-01-12\"x,1,2,1,2,10\n";
        assert_eq!(
            messages(text, &CsvOptions::default()),
            vec![
                "t.csv line 3: column \"Close\": \"abc\" is not a number",
                "t.csv line 4: expected 6 fields (as in the header), found 5",
                "t.csv line 5: column \"Date\": \"2020-02-30\" is not a real calendar date",
                "t.csv line 6: high 2 is below open 3",
                "t.csv line 7: high 0.5 is below low 1",
                "t.csv line 8: date 2020-01-06 does not come after 2020-01-06 (line 7)",
                "t.csv line 9: blank line inside the data",
                "t.csv line 10: volume -5 is negative",
                "t.csv line 11: column \"Open\": \".\" marks a missing value but other columns of the row have numbers",
                "t.csv line 12: column \"Close\": \"1e999\" is out of range",
                "t.csv line 13: column \"Close\": \"inf\" is not a number",
                "t.csv line 14: unexpected text after a closing quote",
            ]
        );
    }

    #[test]
    fn stops_after_the_error_limit() {
        let mut text = String::from("date,v\n");
        for i in 0..30 {
            text.push_str(&format!("2020-01-{:02},x\n", i % 28 + 1));
        }
        let report = read(&text).unwrap_err();
        assert_eq!(report.errors.len(), MAX_ERRORS);
        assert!(report.truncated);
        assert!(report
            .to_string()
            .ends_with("(stopped after 20 errors; later rows not checked)"));
        assert_eq!(report.errors[19].line, Some(21));
    }

    #[test]
    fn quoted_fields_and_leading_blank_lines() {
        let r = read("\n\"Date\",\"Value, USD\"\n\"Jan 3, 2000\",\"1.5\"\n").unwrap();
        assert_eq!(r.series.values(), vec![1.5]);
        assert_eq!(r.series.provenance().symbol, "Value, USD");
        assert_eq!(r.series.dates()[0].to_string(), "2000-01-03");
    }

    #[test]
    fn numbers_are_plain() {
        assert_eq!(parse_number(" 1.5 "), Ok(1.5));
        assert_eq!(parse_number("-2e3"), Ok(-2000.0));
        assert_eq!(parse_number("+.5"), Ok(0.5));
        for bad in [
            "", "1,000", "$5", "5%", "NaN", "inf", "infinity", "e", "-", "1.2.3", "0x10",
        ] {
            assert_eq!(parse_number(bad), Err(false), "{bad}");
        }
        assert_eq!(parse_number("1e400"), Err(true));
    }

    #[test]
    fn file_stems() {
        assert_eq!(file_stem("dir/sub\\prices.csv.gz"), "prices");
        assert_eq!(file_stem(".csv"), ".csv");
        assert_eq!(file_stem("x"), "x");
    }
}
