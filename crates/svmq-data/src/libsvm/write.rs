//! Writing dense rows as LIBSVM text, in the form [`super::parse_libsvm`] takes back.

use std::io::{BufWriter, Write};

/// Writes rows in LIBSVM format (zeros omitted, values printed with Rust's shortest
/// round-trip f64 Display).
///
/// Refuses, as `InvalidInput`, a `values` whose length is not `labels.len() * columns`
/// and NaN or infinite numbers, which the reader would not take back.
pub fn write_libsvm(
    labels: &[f64],
    columns: usize,
    values: &[f64],
    out: &mut impl Write,
) -> std::io::Result<()> {
    if labels.len().checked_mul(columns) != Some(values.len()) {
        return Err(invalid_input(format!(
            "{} values cannot be {} rows of {columns} columns",
            values.len(),
            labels.len()
        )));
    }
    // Many small writes: buffer them here so callers need not remember to.
    let mut buffered = BufWriter::new(out);
    for (row, &label) in labels.iter().enumerate() {
        let row_values = &values[row * columns..(row + 1) * columns];
        write_row(&mut buffered, row, label, row_values)?;
    }
    buffered.flush()
}

fn write_row(
    out: &mut impl Write,
    row: usize,
    label: f64,
    row_values: &[f64],
) -> std::io::Result<()> {
    if !label.is_finite() {
        return Err(invalid_input(format!(
            "the label of row {} is {label}",
            row + 1
        )));
    }
    write!(out, "{label}")?;
    for (column, &value) in row_values.iter().enumerate() {
        // NaN != 0.0, so NaN goes on to the check below rather than being dropped.
        if value == 0.0 {
            continue;
        }
        if !value.is_finite() {
            return Err(invalid_input(format!(
                "row {}, column {} is {value}",
                row + 1,
                column + 1
            )));
        }
        write!(out, " {}:{value}", column + 1)?;
    }
    out.write_all(b"\n")
}

fn invalid_input(message: String) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("cannot write LIBSVM data: {message}"),
    )
}
