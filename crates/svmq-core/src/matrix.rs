//! A dense, row-major matrix of `f64` features: the one data layout the engine trains on.
//!
//! Rows are contiguous so that a kernel row is a sweep of dot products over memory in
//! order. Sparse inputs (the LIBSVM format) are densified by the reader; this module
//! does not know about files or formats.

use crate::error::EngineError;
use serde::{Deserialize, Serialize};

/// `rows × columns` values, row after row.
///
/// Deserializing goes through [`Matrix::new`], so a matrix read from a file has as many
/// values as its shape says and every one is finite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "MatrixFields")]
pub struct Matrix {
    rows: usize,
    columns: usize,
    values: Vec<f64>,
}

/// A matrix as serialized, before its shape is checked.
#[derive(Deserialize)]
struct MatrixFields {
    rows: usize,
    columns: usize,
    values: Vec<f64>,
}

impl TryFrom<MatrixFields> for Matrix {
    type Error = EngineError;

    fn try_from(fields: MatrixFields) -> Result<Matrix, EngineError> {
        Matrix::new(fields.rows, fields.columns, fields.values)
    }
}

impl Matrix {
    /// Builds a matrix from row-major values; every value must be finite.
    pub fn new(rows: usize, columns: usize, values: Vec<f64>) -> Result<Matrix, EngineError> {
        if rows.checked_mul(columns) != Some(values.len()) {
            return Err(EngineError::InvalidData(format!(
                "a {rows}×{columns} matrix needs {} values, got {}",
                rows.saturating_mul(columns),
                values.len()
            )));
        }
        if let Some(position) = values.iter().position(|value| !value.is_finite()) {
            return Err(EngineError::InvalidData(format!(
                "row {}, column {} is not a finite number",
                position / columns.max(1) + 1,
                position % columns.max(1) + 1
            )));
        }
        Ok(Matrix {
            rows,
            columns,
            values,
        })
    }

    /// Builds a matrix from rows of equal length.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Matrix, EngineError> {
        let columns = rows.first().map_or(0, Vec::len);
        if let Some(index) = rows.iter().position(|row| row.len() != columns) {
            return Err(EngineError::InvalidData(format!(
                "row {} has {} values, the first row has {columns}",
                index + 1,
                rows[index].len()
            )));
        }
        Matrix::new(rows.len(), columns, rows.concat())
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (features per row).
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Row `index`: `columns()` values. Panics when `index ≥ rows()`.
    pub fn row(&self, index: usize) -> &[f64] {
        &self.values[index * self.columns..(index + 1) * self.columns]
    }

    /// Every value, row after row.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// A new matrix made of the given rows, in the given order.
    pub fn select_rows(&self, indices: &[usize]) -> Matrix {
        let mut values = Vec::with_capacity(indices.len() * self.columns);
        for &index in indices {
            values.extend_from_slice(self.row(index));
        }
        Matrix {
            rows: indices.len(),
            columns: self.columns,
            values,
        }
    }

    /// ‖xᵢ‖² for every row.
    pub fn squared_norms(&self) -> Vec<f64> {
        (0..self.rows)
            .map(|i| dot(self.row(i), self.row(i)))
            .collect()
    }
}

/// The dot product of the common prefix of two rows (a shorter row is zero beyond its end).
///
/// Four independent accumulators let the compiler keep several multiply-adds in flight
/// and use vector registers, with a summation order that is fixed and so reproducible.
/// Always inlined, so that it is compiled with the caller's target features.
#[inline(always)]
pub fn dot(left: &[f64], right: &[f64]) -> f64 {
    let length = left.len().min(right.len());
    let (left, right) = (&left[..length], &right[..length]);
    let mut sums = [0.0f64; 4];
    let left_chunks = left.chunks_exact(4);
    let right_chunks = right.chunks_exact(4);
    let left_tail = left_chunks.remainder();
    let right_tail = right_chunks.remainder();
    for (a, b) in left_chunks.zip(right_chunks) {
        sums[0] += a[0] * b[0];
        sums[1] += a[1] * b[1];
        sums[2] += a[2] * b[2];
        sums[3] += a[3] * b[3];
    }
    let mut total = (sums[0] + sums[2]) + (sums[1] + sums[3]);
    for (a, b) in left_tail.iter().zip(right_tail) {
        total += a * b;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deserialized_matrix_with_too_few_values_is_refused() {
        let short = r#"{"rows": 3, "columns": 2, "values": [1.0, 2.0]}"#;
        let error = serde_json::from_str::<Matrix>(short).unwrap_err();
        assert!(error.to_string().contains("3×2"), "{error}");
        let overflowing = format!(r#"{{"rows": {}, "columns": 2, "values": []}}"#, usize::MAX);
        assert!(serde_json::from_str::<Matrix>(&overflowing).is_err());
        let good = r#"{"rows": 1, "columns": 2, "values": [1.0, 2.0]}"#;
        assert_eq!(
            serde_json::from_str::<Matrix>(good).unwrap().row(0),
            &[1.0, 2.0]
        );
    }

    #[test]
    fn dot_handles_rows_of_different_lengths() {
        assert_eq!(dot(&[1.0, 2.0, 3.0, 4.0, 5.0], &[1.0, 1.0]), 3.0);
        assert_eq!(dot(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0; 5]), 30.0);
    }

    #[test]
    fn non_finite_values_are_refused_with_their_position() {
        let error = Matrix::new(2, 2, vec![1.0, 2.0, f64::NAN, 4.0]).unwrap_err();
        assert!(error.to_string().contains("row 2, column 1"), "{error}");
    }
}
