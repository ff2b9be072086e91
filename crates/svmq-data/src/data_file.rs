//! A data file as a table, whatever its format: LIBSVM's sparse format by extension,
//! CSV/TSV or .xlsx otherwise. What training, validation and prediction read.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use crate::error::DataError;
use crate::libsvm::{read_libsvm_file, ReadOptions};
use crate::table::{read_table_until_stopped, Cell, RawTable, ReadLimits, TableOptions};

/// Reads a data file: LIBSVM's sparse format by its extension (`.libsvm`, `.svm`,
/// `.svmlight`; features `f1…fn`, then the label as the last column), anything else as
/// a table (CSV/TSV or .xlsx), within `limits`. Ends with [`DataError::Stopped`] soon
/// after `stop` is raised (a table is read in chunks of rows; a LIBSVM file is read
/// whole, then checked).
pub fn read_data_file(
    path: &Path,
    limits: &ReadLimits,
    stop: &AtomicBool,
) -> Result<RawTable, DataError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(extension.as_deref(), Some("libsvm" | "svm" | "svmlight")) {
        let options = TableOptions {
            limits: limits.clone(),
            ..TableOptions::default()
        };
        return read_table_until_stopped(path, &options, stop);
    }
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if bytes > limits.max_bytes {
        return Err(DataError::TooManyBytes {
            path: path.to_path_buf(),
            bytes,
            limit: limits.max_bytes,
        });
    }
    let data = read_libsvm_file(path, &ReadOptions::default())?;
    let columns = data.columns;
    if data.labels.len() > limits.max_rows {
        return Err(DataError::TooManyRows {
            limit: limits.max_rows,
        });
    }
    if columns + 1 > limits.max_columns {
        return Err(DataError::TooManyColumns {
            columns: columns + 1,
            limit: limits.max_columns,
        });
    }
    let mut column_names: Vec<String> = (1..=columns).map(|k| format!("f{k}")).collect();
    column_names.push("label".to_string());
    let cells = data
        .labels
        .iter()
        .enumerate()
        .map(|(row, &label)| {
            let mut cells: Vec<Cell> = data.values[row * columns..(row + 1) * columns]
                .iter()
                .map(|&value| Cell::number(value))
                .collect();
            cells.push(Cell::parse(&svmq_core::libsvm_format::format_number(label)));
            cells
        })
        .collect::<Vec<_>>();
    let source_rows = (1..=cells.len()).collect();
    Ok(RawTable {
        column_names,
        cells,
        source_rows,
    })
}
