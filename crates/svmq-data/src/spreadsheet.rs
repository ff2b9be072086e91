//! The first sheet of an `.xlsx` workbook into rows of cells.
//!
//! What it does: streams the sheet's cells (so a huge sheet is refused at the caps
//! rather than loaded whole), keeps the bounding box of the non-empty cells, and turns
//! each value into a [`Cell`]: numbers are numbers, dates ISO 8601 text (read as dates
//! like those of a delimited file), durations their number of days;
//! text goes through [`Cell::parse`] like a delimited field, so `NA` is missing and
//! `"3.5"` typed as text is a number; booleans are the text `TRUE` / `FALSE`; error
//! values such as `#DIV/0!` are missing.
//!
//! Decompression is bounded: before calamine reads anything, the sizes the archive
//! declares for its parts must add up to at most `max_decompressed_bytes` (a zip bomb
//! of a few megabytes would otherwise expand to gigabytes in memory, as calamine
//! loads the shared strings whole); and the zip reader refuses a part that expands past
//! its declared size, so a lying size cannot go beyond the checked total. Each cell's
//! text is held to `max_field_bytes`.
//!
//! What it does not do: other sheets, formulas (their cached values are read), merged
//! cells, the older `.xls` format, or OpenDocument.

use std::io::Cursor;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use calamine::{DataRef, Reader, Xlsx};

use crate::cell::Cell;
use crate::error::DataError;
use crate::source::{check_stop, ReadLimits, SourceRows, STOP_CHECK_ROWS};

/// Reads the first sheet of an xlsx workbook held in `bytes`.
pub(crate) fn read_first_sheet(
    bytes: &[u8],
    path: &Path,
    limits: &ReadLimits,
    stop: &AtomicBool,
) -> Result<SourceRows, DataError> {
    let failure = |reason: String| DataError::Spreadsheet {
        path: path.to_path_buf(),
        reason,
    };
    check_expansion(bytes, limits).map_err(|error| match error {
        Expansion::TooLarge(error) => error,
        Expansion::NotZip(reason) => {
            failure(format!("it is not a valid .xlsx workbook ({reason})"))
        }
    })?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|error| {
        failure(format!(
            "it is not a valid .xlsx workbook ({})",
            short(&error)
        ))
    })?;
    let Some(sheet) = workbook.sheet_names().first().cloned() else {
        return Err(failure("the workbook has no sheets".to_string()));
    };
    let mut reader = workbook.worksheet_cells_reader(&sheet).map_err(|error| {
        failure(format!(
            "the first sheet cannot be read ({})",
            short(&error)
        ))
    })?;
    let mut grid = Grid::default();
    for cells in 0usize.. {
        if cells % STOP_CHECK_ROWS == 0 {
            check_stop(stop)?;
        }
        let cell = match reader.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(error) => {
                return Err(failure(format!(
                    "the first sheet cannot be read ({})",
                    short(&error)
                )))
            }
        };
        let (row, column) = cell.get_position();
        let length = text_length(cell.get_value());
        if length > limits.max_field_bytes {
            return Err(DataError::FieldTooLong {
                line: row as usize + 1,
                column: column as usize + 1,
                bytes: length,
                limit: limits.max_field_bytes,
            });
        }
        let value = convert(cell.get_value());
        if value.is_missing() {
            continue;
        }
        grid.add(row as usize, column as usize, value, limits)?;
    }
    grid.into_rows(limits)
}

/// Why a workbook's archive is refused before calamine opens it.
enum Expansion {
    TooLarge(DataError),
    NotZip(String),
}

/// Refuses an archive whose parts declare more decompressed bytes in all than the cap.
/// The zip reader (shared with calamine) stops any part at its declared size, so the
/// declared total bounds what reading can produce.
fn check_expansion(bytes: &[u8], limits: &ReadLimits) -> Result<(), Expansion> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|error| Expansion::NotZip(short(&error)))?;
    let mut total: u128 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|error| Expansion::NotZip(short(&error)))?;
        total = total.saturating_add(u128::from(entry.size()));
    }
    if total > u128::from(limits.max_decompressed_bytes) {
        return Err(Expansion::TooLarge(DataError::TooManyDecompressedBytes {
            bytes: total,
            limit: limits.max_decompressed_bytes,
        }));
    }
    Ok(())
}

/// The bytes of a cell's text (0 for numbers, booleans and errors).
fn text_length(value: &DataRef<'_>) -> usize {
    match value {
        DataRef::String(text) | DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => {
            text.len()
        }
        DataRef::SharedString(text) => text.len(),
        _ => 0,
    }
}

/// The most cells a sheet may hold: as many as the densest delimited file within the
/// byte cap could (a one-character field and its delimiter per cell).
fn max_cells(limits: &ReadLimits) -> usize {
    usize::try_from(limits.max_bytes / 2).unwrap_or(usize::MAX)
}

/// A calamine error message, cut short.
fn short(error: &dyn std::fmt::Display) -> String {
    let text = error.to_string();
    match text.char_indices().nth(120) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn convert(value: &DataRef<'_>) -> Cell {
    match value {
        DataRef::Int(number) => Cell::number(*number as f64),
        DataRef::Float(number) => Cell::number(*number),
        DataRef::String(text) => Cell::parse(text),
        DataRef::SharedString(text) => Cell::parse(text),
        DataRef::Bool(flag) => Cell::Text(if *flag { "TRUE" } else { "FALSE" }.to_string()),
        // A date cell as ISO 8601 text, so that the column is recognized as dates
        // as in a delimited file; a duration stays its number of days.
        DataRef::DateTime(moment) if moment.is_datetime() => {
            let (year, month, day, hour, minute, second, _) = moment.to_ymd_hms_milli();
            Cell::Text(if (hour, minute, second) == (0, 0, 0) {
                format!("{year:04}-{month:02}-{day:02}")
            } else {
                format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}")
            })
        }
        DataRef::DateTime(moment) => Cell::number(moment.as_f64()),
        DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => Cell::parse(text),
        DataRef::Error(_) | DataRef::Empty => Cell::Missing,
    }
}

/// The non-empty cells seen so far, by position, with caps checked as they come.
#[derive(Default)]
struct Grid {
    entries: Vec<(usize, usize, Cell)>,
    first_row: Option<usize>,
    first_column: usize,
    last_column: usize,
}

impl Grid {
    fn add(
        &mut self,
        row: usize,
        column: usize,
        cell: Cell,
        limits: &ReadLimits,
    ) -> Result<(), DataError> {
        let first_row = *self.first_row.get_or_insert(row);
        if self.entries.is_empty() {
            self.first_column = column;
            self.last_column = column;
        }
        // Cells come row by row, so the first row seen is the top one. One row more
        // than the cap is allowed: it may be the header.
        let first_row = first_row.min(row);
        self.first_row = Some(first_row);
        if row - first_row > limits.max_rows {
            return Err(DataError::TooManyRows {
                limit: limits.max_rows,
            });
        }
        self.first_column = self.first_column.min(column);
        self.last_column = self.last_column.max(column);
        let columns = self.last_column - self.first_column + 1;
        if columns > limits.max_columns {
            return Err(DataError::TooManyColumns {
                columns,
                limit: limits.max_columns,
            });
        }
        if self.entries.len() >= max_cells(limits) {
            return Err(DataError::SheetTooLarge {
                limit: max_cells(limits),
            });
        }
        self.entries.push((row, column, cell));
        Ok(())
    }

    fn into_rows(mut self, limits: &ReadLimits) -> Result<SourceRows, DataError> {
        if self.entries.is_empty() {
            return Err(DataError::Empty);
        }
        let width = self.last_column - self.first_column + 1;
        // Only rows holding a value are built (wholly empty rows are blank lines,
        // skipped as in text), but each of those is as wide as the sheet: check that
        // before allocating, since a few far-apart cells can span a huge box.
        self.entries.sort_by_key(|&(row, column, _)| (row, column));
        let mut filled_rows = self.entries.iter().map(|entry| entry.0).collect::<Vec<_>>();
        filled_rows.dedup();
        if filled_rows.len().saturating_mul(width) > max_cells(limits) {
            return Err(DataError::SheetTooLarge {
                limit: max_cells(limits),
            });
        }
        let mut rows = SourceRows {
            cells: Vec::with_capacity(filled_rows.len()),
            lines: Vec::with_capacity(filled_rows.len()),
        };
        for (row, column, cell) in self.entries {
            if rows.lines.last() != Some(&(row + 1)) {
                rows.cells.push(vec![Cell::Missing; width]);
                // Sheet rows are shown 1-based.
                rows.lines.push(row + 1);
            }
            if let Some(cells) = rows.cells.last_mut() {
                cells[column - self.first_column] = cell;
            }
        }
        Ok(rows)
    }
}
