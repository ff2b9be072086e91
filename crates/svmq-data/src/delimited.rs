//! Delimited text (CSV, TSV, semicolon- or pipe-separated) into rows of cells.
//!
//! What it does: skips a UTF-8 byte-order mark, refuses bytes that are not a UTF-8
//! text table (NUL bytes, UTF-16, invalid UTF-8, naming the line), detects the
//! delimiter among `,` `;` tab `|` from the first lines, reads quoted fields (with
//! delimiters, doubled quotes and line breaks inside) and LF or CRLF line ends, and
//! refuses ragged rows naming their line. Blank lines are skipped. A field longer
//! than `max_field_bytes` is refused naming its line and column (the text is already
//! in memory, bounded by the file cap; the field cap keeps one cell from becoming a
//! category or a message of megabytes).
//!
//! What it does not do: decide about the header or column types ([`crate::table`],
//! [`crate::schema`]), guess encodings other than UTF-8, or read decimal commas.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use crate::cell::Cell;
use crate::error::DataError;
use crate::source::{check_stop, ReadLimits, SourceRows, STOP_CHECK_ROWS};

/// The delimiters tried, in the order preferred when they fit the data equally well.
pub const DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// How much of the start of the text delimiter detection looks at.
const SAMPLE_BYTES: usize = 64 * 1024;
const SAMPLE_RECORDS: usize = 200;

/// Reads delimited text into rows of cells (header included, not yet recognised).
pub(crate) fn read_rows(
    bytes: &[u8],
    path: &Path,
    delimiter: Option<u8>,
    limits: &ReadLimits,
    stop: &AtomicBool,
) -> Result<SourceRows, DataError> {
    let text = decode(bytes, path)?;
    if text.trim().is_empty() {
        return Err(DataError::Empty);
    }
    let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(text));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = SourceRows {
        cells: Vec::new(),
        lines: Vec::new(),
    };
    let mut record = csv::StringRecord::new();
    let mut width = None;
    let mut lines = LineCounter::new(text);
    for records in 0usize.. {
        if records % STOP_CHECK_ROWS == 0 {
            check_stop(stop)?;
        }
        let start = reader.position().byte();
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => {
                let start = error.position().map_or(start, csv::Position::byte);
                return Err(DataError::MalformedRow {
                    line: lines.line_at(start),
                    reason: csv_reason(&error),
                });
            }
        }
        let start = record.position().map_or(start, csv::Position::byte);
        let line = lines.line_at(start);
        // A line of only spaces reads as one blank field: treat it as a blank line.
        if record.len() == 1 && record[0].trim().is_empty() {
            continue;
        }
        let expected = *width.get_or_insert(record.len());
        if expected > limits.max_columns {
            return Err(DataError::TooManyColumns {
                columns: expected,
                limit: limits.max_columns,
            });
        }
        if record.len() != expected {
            return Err(DataError::RaggedRow {
                line,
                found: record.len(),
                expected,
            });
        }
        // One more row than the cap is allowed here: it may be the header.
        if rows.cells.len() > limits.max_rows {
            return Err(DataError::TooManyRows {
                limit: limits.max_rows,
            });
        }
        if let Some((column, field)) = record
            .iter()
            .enumerate()
            .find(|(_, field)| field.len() > limits.max_field_bytes)
        {
            return Err(DataError::FieldTooLong {
                line,
                column: column + 1,
                bytes: field.len(),
                limit: limits.max_field_bytes,
            });
        }
        rows.cells.push(record.iter().map(Cell::parse).collect());
        rows.lines.push(line);
    }
    if rows.cells.is_empty() {
        return Err(DataError::Empty);
    }
    Ok(rows)
}

/// Line numbers from byte offsets. The csv reader's own line count lags by one after
/// a CRLF line end (it ends a record at the `\r` and meets the `\n` only when reading
/// the next one), so lines are counted here from the text itself.
struct LineCounter<'a> {
    text: &'a [u8],
    /// Everything before `offset` is counted: it holds `line - 1` line breaks.
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of the first content at or after byte `start` (a record's
    /// reported start may still point at the line break before it). Offsets must
    /// not decrease from call to call.
    fn line_at(&mut self, start: u64) -> usize {
        let mut start = usize::try_from(start)
            .unwrap_or(usize::MAX)
            .clamp(self.offset, self.text.len());
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        self.line += self.text[self.offset..start]
            .iter()
            .filter(|&&byte| byte == b'\n')
            .count();
        self.offset = start;
        self.line
    }
}

/// Why the csv reader stopped, without quoting the data.
fn csv_reason(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "it is not UTF-8".to_string(),
        csv::ErrorKind::Io(io) => io.kind().to_string(),
        _ => "malformed delimited text".to_string(),
    }
}

/// Checks the bytes are UTF-8 text and drops a byte-order mark.
fn decode<'a>(bytes: &'a [u8], path: &Path) -> Result<&'a str, DataError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(DataError::NotATable {
            reason: "it is UTF-16 text; save it as UTF-8",
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(DataError::NotATable {
            reason: "it holds NUL bytes, as binary files do",
        });
    }
    std::str::from_utf8(bytes).map_err(|error| {
        let valid = &bytes[..error.valid_up_to()];
        let line = valid.iter().filter(|&&byte| byte == b'\n').count() + 1;
        DataError::NotUtf8 {
            path: path.to_path_buf(),
            line,
        }
    })
}

/// Picks the delimiter that splits the first lines into the same number (at least
/// two) of fields on every line, preferring more fields, then the order of
/// [`DELIMITERS`]. With no such delimiter the table has one column, and `,` is as good
/// as any.
pub fn detect_delimiter(text: &str) -> u8 {
    let (sample, truncated) = sample_of(text);
    let mut best: Option<(DelimiterFit, u8)> = None;
    for (preference, &delimiter) in DELIMITERS.iter().enumerate() {
        let fit = DelimiterFit::measure(sample, delimiter, truncated, preference);
        if fit.fields < 2 {
            continue;
        }
        if best
            .as_ref()
            .is_none_or(|(best_fit, _)| fit.better_than(best_fit))
        {
            best = Some((fit, delimiter));
        }
    }
    best.map_or(b',', |(_, delimiter)| delimiter)
}

/// The first lines of the text, cut at a line end; and whether that cut anything.
fn sample_of(text: &str) -> (&str, bool) {
    if text.len() <= SAMPLE_BYTES {
        return (text, false);
    }
    let mut end = SAMPLE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text[..end].rfind('\n') {
        Some(line_end) => (&text[..line_end], true),
        None => (&text[..end], true),
    }
}

/// How well one delimiter splits the sample.
struct DelimiterFit {
    /// The most common number of fields per record.
    fields: usize,
    /// Records with that number of fields, and all records read.
    agreeing: usize,
    records: usize,
    preference: usize,
}

impl DelimiterFit {
    fn measure(sample: &str, delimiter: u8, truncated: bool, preference: usize) -> Self {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(sample.as_bytes());
        let mut counts: Vec<usize> = reader
            .records()
            .take(SAMPLE_RECORDS)
            .map_while(Result::ok)
            .filter(|record| !(record.len() == 1 && record[0].trim().is_empty()))
            .map(|record| record.len())
            .collect();
        // A cut sample may end inside a record; its last record proves nothing.
        if truncated && counts.len() > 1 {
            counts.pop();
        }
        let mut tally = std::collections::BTreeMap::new();
        for &count in &counts {
            *tally.entry(count).or_insert(0usize) += 1;
        }
        let (fields, agreeing) = tally
            .into_iter()
            .max_by_key(|&(fields, agreeing)| (agreeing, fields))
            .unwrap_or((0, 0));
        DelimiterFit {
            fields,
            agreeing,
            records: counts.len(),
            preference,
        }
    }

    fn consistent(&self) -> bool {
        self.agreeing == self.records
    }

    fn better_than(&self, other: &DelimiterFit) -> bool {
        let key = |fit: &DelimiterFit| {
            (
                fit.consistent(),
                fit.fields,
                fit.agreeing,
                std::cmp::Reverse(fit.preference),
            )
        };
        key(self) > key(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_delimiter() {
        assert_eq!(detect_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(detect_delimiter("a;b;c\n1,5;2,5;3\n"), b';');
        assert_eq!(detect_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(detect_delimiter("a|b\n1|2\n"), b'|');
    }

    #[test]
    fn quoted_delimiters_do_not_mislead_detection() {
        let text = "name;note\n\"Smith, J\";\"a, b, c\"\n\"Doe, A\";\"x, y\"\n";
        assert_eq!(detect_delimiter(text), b';');
    }

    #[test]
    fn one_column_text_defaults_to_comma() {
        assert_eq!(detect_delimiter("value\n1\n2\n"), b',');
    }

    #[test]
    fn a_cut_sample_ignores_its_last_record() {
        let mut text = String::from("a,b\n");
        while text.len() < SAMPLE_BYTES + 100 {
            text.push_str("1,2\n");
        }
        assert_eq!(detect_delimiter(&text), b',');
    }
}
