//! What every format reader ([`crate::delimited`], [`crate::spreadsheet`]) shares with
//! [`crate::table`]: the size caps it reads under ([`ReadLimits`]), how often it looks at
//! its stop flag, and the rows of cells it hands back ([`SourceRows`]).
//!
//! What it does not do: read anything itself.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::cell::Cell;
use crate::error::DataError;

/// Caps on what a reader accepts, each refused with an error that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadLimits {
    /// Size of the file on disk.
    pub max_bytes: u64,
    /// Data rows, the header not counted.
    pub max_rows: usize,
    /// Columns of the table (for a sheet, the span of its non-empty cells).
    pub max_columns: usize,
    /// Bytes an `.xlsx` workbook may expand to when its parts are decompressed: a
    /// zip archive of a few megabytes can hold gigabytes.
    pub max_decompressed_bytes: u64,
    /// Bytes of one field of delimited text or one cell of a sheet.
    pub max_field_bytes: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        // 256 MiB of text is at most ~128 million cells of 32 bytes: what a 24 GiB
        // machine holds comfortably, and far beyond what an SVM trains on in
        // reasonable time.
        Self {
            max_bytes: 256 * 1024 * 1024,
            max_rows: 5_000_000,
            max_columns: 20_000,
            // Twice the file cap: the XML of a sheet is several times larger than
            // the same table as CSV, and no real workbook within the file cap comes
            // near this.
            max_decompressed_bytes: 512 * 1024 * 1024,
            // A category name or a number is a few dozen bytes; a megabyte in one
            // field is not data an SVM learns from.
            max_field_bytes: 1024 * 1024,
        }
    }
}

/// How many rows (or sheet cells) a reader takes between two looks at its stop flag.
pub const STOP_CHECK_ROWS: usize = 4096;

/// `Err(Stopped)` once `stop` is raised.
pub(crate) fn check_stop(stop: &AtomicBool) -> Result<(), DataError> {
    if stop.load(Ordering::Relaxed) {
        Err(DataError::Stopped)
    } else {
        Ok(())
    }
}

/// Rows of cells with the line each starts on, as the format readers return them.
pub(crate) struct SourceRows {
    pub cells: Vec<Vec<Cell>>,
    pub lines: Vec<usize>,
}
