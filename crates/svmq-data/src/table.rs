//! A table as read from a file, before any typing: named columns of [`Cell`]s.
//!
//! What this module does: opens a data file, tells a spreadsheet (`.xlsx`, or any
//! file that starts as a zip archive) from delimited text, hands the bytes to the
//! matching reader ([`crate::delimited`] or [`crate::spreadsheet`]), decides whether
//! the first row is a header, and enforces the size caps of [`ReadLimits`]. Each field
//! becomes a [`Cell`]: missing (empty, `NA`, `N/A`, `NaN`, `null`, `?`), a finite number,
//! or text.
//!
//! What it does not do: decide column types, pick a target, or change any value;
//! that is [`crate::schema`] and [`crate::dataset`]. The LIBSVM sparse format has its
//! own reader, [`crate::libsvm`], since it is not a table of named columns.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

pub use crate::cell::{Cell, MISSING_MARKERS};
use crate::error::DataError;
use crate::source::{check_stop, SourceRows};
pub use crate::source::{ReadLimits, STOP_CHECK_ROWS};

/// Whether the first row names the columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderMode {
    /// Decide from the data (see [`has_header`]).
    #[default]
    Detect,
    /// The first row is a header.
    Present,
    /// Columns are named `column_1`, `column_2`, ...
    Absent,
}

/// How to read a table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableOptions {
    /// Whether the first row names the columns.
    pub header: HeaderMode,
    /// The field delimiter of delimited text; `None` detects one of `,` `;` tab `|`.
    pub delimiter: Option<u8>,
    /// Caps on file size, rows, columns and field length.
    pub limits: ReadLimits,
}

/// A table: column names and rows of cells, every row as long as `column_names`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawTable {
    /// Column names from the header, or `column_1`, `column_2`, ... without one;
    /// distinct.
    pub column_names: Vec<String>,
    /// The data rows, header excluded; `cells[row][column]`.
    pub cells: Vec<Vec<Cell>>,
    /// For each row of `cells`, the 1-based line (delimited text) or sheet row (xlsx)
    /// it starts on: what error messages name, as a person would look it up.
    pub source_rows: Vec<usize>,
}

impl RawTable {
    /// The number of data rows.
    pub fn rows(&self) -> usize {
        self.cells.len()
    }

    /// The number of columns.
    pub fn columns(&self) -> usize {
        self.column_names.len()
    }

    /// The position of the column with this name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.column_names.iter().position(|column| column == name)
    }

    /// The cells of one column, top to bottom.
    pub fn column(&self, index: usize) -> impl Iterator<Item = &Cell> + '_ {
        self.cells.iter().map(move |row| &row[index])
    }

    /// The file row a data row came from (for messages).
    pub fn source_row(&self, row: usize) -> usize {
        self.source_rows.get(row).copied().unwrap_or(row + 1)
    }
}

/// Reads a table file: `.xlsx` (first sheet) or delimited text, chosen by the content
/// (a zip archive is a spreadsheet) and the extension.
pub fn read_table(path: &Path, options: &TableOptions) -> Result<RawTable, DataError> {
    read_table_until_stopped(path, options, &AtomicBool::new(false))
}

/// [`read_table`], reading `stop` every [`STOP_CHECK_ROWS`] rows: a raised flag ends
/// the read with [`DataError::Stopped`] (a file at the size cap takes seconds to parse).
pub fn read_table_until_stopped(
    path: &Path,
    options: &TableOptions,
    stop: &AtomicBool,
) -> Result<RawTable, DataError> {
    let unreadable = |source| DataError::Unreadable {
        path: path.to_path_buf(),
        reason: source,
    };
    let extension = path
        .extension()
        .map(|extension| extension.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if matches!(extension.as_str(), "xls" | "xlsb" | "ods" | "numbers") {
        return Err(DataError::UnsupportedFormat {
            path: path.to_path_buf(),
            extension,
        });
    }
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    let limit = options.limits.max_bytes;
    if size > limit {
        return Err(DataError::TooManyBytes {
            path: path.to_path_buf(),
            bytes: size,
            limit,
        });
    }
    let mut bytes = Vec::new();
    // Read at most one byte past the limit, in case the file grows while being read.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > limit {
        return Err(DataError::TooManyBytes {
            path: path.to_path_buf(),
            bytes: bytes.len() as u64,
            limit,
        });
    }
    parse_from(&bytes, path, options, stop)
}

/// Parses a table held in memory (delimited text or xlsx bytes).
pub fn parse_table(bytes: &[u8], options: &TableOptions) -> Result<RawTable, DataError> {
    let limit = options.limits.max_bytes;
    if bytes.len() as u64 > limit {
        return Err(DataError::TooManyBytes {
            path: PathBuf::from(IN_MEMORY),
            bytes: bytes.len() as u64,
            limit,
        });
    }
    parse_from(
        bytes,
        Path::new(IN_MEMORY),
        options,
        &AtomicBool::new(false),
    )
}

/// The name given to data that came without a file.
const IN_MEMORY: &str = "(in-memory data)";

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

fn parse_from(
    bytes: &[u8],
    path: &Path,
    options: &TableOptions,
    stop: &AtomicBool,
) -> Result<RawTable, DataError> {
    let rows = if bytes.starts_with(ZIP_MAGIC) {
        crate::spreadsheet::read_first_sheet(bytes, path, &options.limits, stop)?
    } else {
        crate::delimited::read_rows(bytes, path, options.delimiter, &options.limits, stop)?
    };
    check_stop(stop)?;
    finish(rows, options)
}

/// Splits off the header (if any), names the columns and checks the row cap.
fn finish(mut rows: SourceRows, options: &TableOptions) -> Result<RawTable, DataError> {
    if rows.cells.is_empty() {
        return Err(DataError::Empty);
    }
    let header = match options.header {
        HeaderMode::Present => true,
        HeaderMode::Absent => false,
        HeaderMode::Detect => has_header(&rows.cells),
    };
    let width = rows.cells[0].len();
    let column_names = if header {
        let first = rows.cells.remove(0);
        rows.lines.remove(0);
        header_names(&first)?
    } else {
        (1..=width).map(|index| format!("column_{index}")).collect()
    };
    if rows.cells.is_empty() {
        return Err(DataError::NoDataRows);
    }
    if rows.cells.len() > options.limits.max_rows {
        return Err(DataError::TooManyRows {
            limit: options.limits.max_rows,
        });
    }
    Ok(RawTable {
        column_names,
        cells: rows.cells,
        source_rows: rows.lines,
    })
}

fn header_names(first: &[Cell]) -> Result<Vec<String>, DataError> {
    let names: Vec<String> = first
        .iter()
        .enumerate()
        .map(|(index, cell)| {
            cell.text()
                .unwrap_or_else(|| format!("column_{}", index + 1))
        })
        .collect();
    let mut seen = std::collections::HashMap::new();
    for (index, name) in names.iter().enumerate() {
        if let Some(first) = seen.insert(name.as_str(), index) {
            return Err(DataError::DuplicateColumnName {
                name: name.clone(),
                first: first + 1,
                second: index + 1,
            });
        }
    }
    Ok(names)
}

/// Decides whether the first row is a header.
///
/// A header has no numbers in it (column names are rarely numbers) and at least one
/// text cell. Then it is a header when some column is numeric below it (text over
/// numbers), or, in an all-text table, when none of its values appears again in its
/// column (a header repeats nowhere; a data row of categories usually does).
pub fn has_header(rows: &[Vec<Cell>]) -> bool {
    let Some((first, body)) = rows.split_first() else {
        return false;
    };
    if first.iter().any(|cell| matches!(cell, Cell::Number { .. })) {
        return false;
    }
    if !first.iter().any(|cell| matches!(cell, Cell::Text(_))) {
        return false;
    }
    if body.is_empty() {
        return true;
    }
    let text_over_numbers = first
        .iter()
        .enumerate()
        .any(|(column, cell)| matches!(cell, Cell::Text(_)) && body_is_numeric(body, column));
    if text_over_numbers {
        return true;
    }
    first.iter().enumerate().all(|(column, cell)| match cell {
        Cell::Text(name) => !body
            .iter()
            .any(|row| matches!(&row[column], Cell::Text(text) if text == name)),
        _ => true,
    })
}

fn body_is_numeric(body: &[Vec<Cell>], column: usize) -> bool {
    let mut numbers = 0;
    for row in body {
        match &row[column] {
            Cell::Number { .. } => numbers += 1,
            Cell::Missing => {}
            Cell::Text(_) => return false,
        }
    }
    numbers > 0
}

/// A column by exact name, else by the one name equal ignoring case and surrounding
/// spaces (agents and people often get the case of a header wrong).
pub(crate) fn find_column(table: &RawTable, name: &str) -> Option<usize> {
    table.column_index(name).or_else(|| {
        let wanted = name.trim().to_lowercase();
        let mut matching = table
            .column_names
            .iter()
            .enumerate()
            .filter(|(_, column)| column.trim().to_lowercase() == wanted);
        match (matching.next(), matching.next()) {
            (Some((index, _)), None) => Some(index),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raised_stop_flag_ends_reading_with_stopped() {
        let text = "a,b\n".to_string() + &"1,2\n".repeat(3 * STOP_CHECK_ROWS);
        let path = std::env::temp_dir().join(format!("svmq-stop-{}.csv", std::process::id()));
        std::fs::write(&path, &text).unwrap();
        let options = TableOptions::default();
        let stopped = read_table_until_stopped(&path, &options, &AtomicBool::new(true));
        let read = read_table_until_stopped(&path, &options, &AtomicBool::new(false));
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(stopped, Err(DataError::Stopped)), "{stopped:?}");
        assert_eq!(read.unwrap().rows(), 3 * STOP_CHECK_ROWS);
    }

    #[test]
    fn parse_recognizes_missing_markers_in_any_case() {
        for text in [
            "", "  ", "NA", "na", "N/A", "n/a", "NaN", "nan", "null", "NULL", "?",
        ] {
            assert_eq!(Cell::parse(text), Cell::Missing, "{text:?}");
        }
        assert_eq!(Cell::parse("None"), Cell::Text("None".into()));
    }

    #[test]
    fn parse_keeps_the_written_form_only_when_needed() {
        assert_eq!(Cell::parse(" 5.1 "), Cell::number(5.1));
        assert_eq!(Cell::parse("-1"), Cell::number(-1.0));
        let cell = Cell::parse("1.0");
        assert_eq!(cell.as_number(), Some(1.0));
        assert_eq!(cell.text().as_deref(), Some("1.0"));
        assert_eq!(Cell::parse("+1").text().as_deref(), Some("+1"));
        assert_eq!(Cell::parse("3").text().as_deref(), Some("3"));
    }

    #[test]
    fn parse_treats_infinities_and_words_as_text() {
        assert_eq!(Cell::parse("inf"), Cell::Text("inf".into()));
        assert_eq!(Cell::parse("1e999"), Cell::Text("1e999".into()));
        assert_eq!(Cell::parse(" red "), Cell::Text("red".into()));
    }

    fn row(fields: &[&str]) -> Vec<Cell> {
        fields.iter().map(|field| Cell::parse(field)).collect()
    }

    #[test]
    fn header_detection_cases() {
        // Names over numbers.
        assert!(has_header(&[row(&["a", "b"]), row(&["1", "2"])]));
        // Numbers first: no header.
        assert!(!has_header(&[row(&["1", "2"]), row(&["3", "4"])]));
        // A name over a text column and a number column.
        assert!(has_header(&[row(&["x", "label"]), row(&["1", "yes"])]));
        // All text, the first row repeats below: data.
        assert!(!has_header(&[
            row(&["red", "small"]),
            row(&["blue", "big"]),
            row(&["red", "big"])
        ]));
        // All text, first row unique: a header.
        assert!(has_header(&[
            row(&["colour", "size"]),
            row(&["blue", "big"]),
            row(&["red", "big"])
        ]));
        // An unnamed index column (empty name over numbers) still has a header.
        assert!(has_header(&[row(&["", "a"]), row(&["0", "1"])]));
    }
}
