//! Splits CSV text into records of fields, each tagged with the line it
//! starts on (RFC 4180 quoting, `\n`, `\r\n` or `\r` line ends, a leading
//! byte-order mark).
//!
//! Must not interpret fields (no numbers, dates or headers here) and must
//! not drop text: every line becomes a record or an error.

/// One record: the 1-based line it starts on and its fields, unquoted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Line number (1-based) of the record's first character.
    pub line: usize,
    /// The fields, with quotes removed and doubled quotes undone.
    pub fields: Vec<String>,
}

impl Record {
    /// Whether every field is empty or whitespace (a blank line, or a line
    /// of bare delimiters such as `,,,`).
    pub fn is_blank(&self) -> bool {
        self.fields.iter().all(|f| f.trim().is_empty())
    }
}

/// Why a record could not be split.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// A quoted field is still open at the end of the file.
    #[error("a quoted field opened here is never closed")]
    UnterminatedQuote,
    /// Characters between a closing quote and the next delimiter.
    #[error("unexpected text after a closing quote")]
    TextAfterQuote,
}

/// A record or the error that spoiled it, with the line it starts on.
pub type RecordResult = Result<Record, (usize, RecordError)>;

/// Splits `text` into records using `delimiter`. A leading byte-order mark
/// is skipped. A quoted field may hold delimiters, line breaks and doubled
/// quotes (`""`); spaces around a quoted field are allowed. A record with
/// text after a closing quote is reported and the rest of its line skipped;
/// an unterminated quote ends the reading. The final line break, if any,
/// does not start an extra record.
pub fn split_records(text: &str, delimiter: char) -> Vec<RecordResult> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        // Whether the current field was quoted (then only whitespace may
        // follow the closing quote).
        let mut quoted = false;
        let mut error = None;
        loop {
            let Some(c) = chars.next() else {
                fields.push(std::mem::take(&mut field));
                break;
            };
            if c == '\n' || c == '\r' {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                line += 1;
                fields.push(std::mem::take(&mut field));
                break;
            }
            if c == delimiter {
                fields.push(std::mem::take(&mut field));
                quoted = false;
                continue;
            }
            if quoted {
                if !c.is_whitespace() && error.is_none() {
                    error = Some(RecordError::TextAfterQuote);
                }
                continue;
            }
            if c == '"' && field.trim().is_empty() {
                field.clear();
                quoted = true;
                let mut closed = false;
                while let Some(q) = chars.next() {
                    if q == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            field.push('"');
                        } else {
                            closed = true;
                            break;
                        }
                    } else {
                        if q == '\n' || (q == '\r' && chars.peek() != Some(&'\n')) {
                            line += 1;
                        }
                        field.push(q);
                    }
                }
                if !closed {
                    out.push(Err((start, RecordError::UnterminatedQuote)));
                    return out;
                }
                continue;
            }
            field.push(c);
        }
        out.push(match error {
            Some(e) => Err((start, e)),
            None => Ok(Record {
                line: start,
                fields,
            }),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<(usize, Vec<String>)> {
        split_records(text, ',')
            .into_iter()
            .map(|r| {
                let r = r.unwrap();
                (r.line, r.fields)
            })
            .collect()
    }

    fn v(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn splits_plain_crlf_and_bom() {
        assert_eq!(
            fields("\u{feff}a,b\r\n1,2\r\n"),
            vec![(1, v(&["a", "b"])), (2, v(&["1", "2"]))]
        );
        assert_eq!(
            fields("a,b\n1,2"),
            vec![(1, v(&["a", "b"])), (2, v(&["1", "2"]))]
        );
        assert_eq!(fields("a\rb\r"), vec![(1, v(&["a"])), (2, v(&["b"]))]);
        assert_eq!(fields(""), vec![]);
        assert_eq!(fields("\n"), vec![(1, v(&[""]))]);
        assert_eq!(fields("a,\n"), vec![(1, v(&["a", ""]))]);
    }

    #[test]
    fn unquotes_fields_and_counts_lines_inside_quotes() {
        assert_eq!(
            fields("\"a,1\",\"say \"\"hi\"\"\"\n \"multi\nline\" ,x\nlast,\"\""),
            vec![
                (1, v(&["a,1", "say \"hi\""])),
                (2, v(&["multi\nline", "x"])),
                (4, v(&["last", ""])),
            ]
        );
        // A quote inside an unquoted field is kept as text.
        assert_eq!(fields("5\"3,x"), vec![(1, v(&["5\"3", "x"]))]);
    }

    #[test]
    fn reports_bad_quoting_with_its_line() {
        let r = split_records("a\n\"x\"y,1\nb\n", ',');
        assert_eq!(r[1], Err((2, RecordError::TextAfterQuote)));
        assert_eq!(r[2].as_ref().unwrap().fields, v(&["b"]));
        let r = split_records("a\nb\n\"open,\n1\n", ',');
        assert_eq!(r.len(), 3);
        assert_eq!(r[2], Err((3, RecordError::UnterminatedQuote)));
    }

    #[test]
    fn blank_records() {
        let r = split_records(" , ,\n", ',');
        assert!(r[0].as_ref().unwrap().is_blank());
        let r = split_records("\"\",x\n", ',');
        assert!(!r[0].as_ref().unwrap().is_blank());
    }
}
