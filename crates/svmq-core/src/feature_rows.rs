//! Rows as the linear solver reads them: a dot product with a weight vector, a scaled
//! addition into it, and a squared norm, whatever the rows are stored as. The engine's
//! f64 [`Matrix`] is one store; [`CompactRows`] holds f32 values at half the memory,
//! for features computed from the data (a kernel approximation's), where f32's seven
//! digits are more than the approximation's own; [`RowSubset`] is some rows of
//! another store, without a copy.

use crate::linear::prefetch_bytes;
use crate::matrix::{dot, Matrix};

/// Dense rows of equal length, read one at a time.
pub trait FeatureRows: Sync {
    /// How many rows.
    fn rows(&self) -> usize;

    /// How many values each row has.
    fn columns(&self) -> usize;

    /// `weights · row`, with `weights` as long as a row.
    fn dot_row(&self, weights: &[f64], row: usize) -> f64;

    /// `weights ← weights + scale · row`.
    fn add_row_scaled(&self, weights: &mut [f64], row: usize, scale: f64);

    /// `‖row‖²`.
    fn squared_norm(&self, row: usize) -> f64;

    /// Copies the row into `out` (as long as a row), in f64.
    fn copy_row(&self, row: usize, out: &mut [f64]);

    /// Asks the processor to bring the row into the cache (a hint).
    fn prefetch(&self, row: usize);
}

impl FeatureRows for Matrix {
    fn rows(&self) -> usize {
        Matrix::rows(self)
    }

    fn columns(&self) -> usize {
        Matrix::columns(self)
    }

    #[inline]
    fn dot_row(&self, weights: &[f64], row: usize) -> f64 {
        dot(weights, self.row(row))
    }

    #[inline]
    fn add_row_scaled(&self, weights: &mut [f64], row: usize, scale: f64) {
        for (weight, &value) in weights.iter_mut().zip(self.row(row)) {
            *weight += scale * value;
        }
    }

    fn squared_norm(&self, row: usize) -> f64 {
        let values = self.row(row);
        dot(values, values)
    }

    fn copy_row(&self, row: usize, out: &mut [f64]) {
        out.copy_from_slice(self.row(row));
    }

    #[inline]
    fn prefetch(&self, row: usize) {
        prefetch_bytes(self.row(row));
    }
}

/// Row-major f32 rows.
#[derive(Debug, Clone, PartialEq)]
pub struct CompactRows {
    columns: usize,
    values: Vec<f32>,
}

impl CompactRows {
    /// Rows of `columns` values from `values` (row after row); `None` when `values` is
    /// not a whole number of rows.
    pub fn new(columns: usize, values: Vec<f32>) -> Option<CompactRows> {
        if columns == 0 || !values.len().is_multiple_of(columns) {
            return None;
        }
        Some(CompactRows { columns, values })
    }

    /// Row `row`.
    #[inline]
    pub fn row(&self, row: usize) -> &[f32] {
        &self.values[row * self.columns..(row + 1) * self.columns]
    }

    /// The bytes the values take.
    pub fn bytes(&self) -> usize {
        self.values.len() * std::mem::size_of::<f32>()
    }
}

impl FeatureRows for CompactRows {
    fn rows(&self) -> usize {
        self.values.len() / self.columns
    }

    fn columns(&self) -> usize {
        self.columns
    }

    #[inline]
    fn dot_row(&self, weights: &[f64], row: usize) -> f64 {
        // Four running sums, so that the additions need not wait on each other.
        let values = self.row(row);
        let mut sums = [0.0f64; 4];
        let mut weight_chunks = weights.chunks_exact(4);
        let mut value_chunks = values.chunks_exact(4);
        for (w, v) in (&mut weight_chunks).zip(&mut value_chunks) {
            for lane in 0..4 {
                sums[lane] += w[lane] * f64::from(v[lane]);
            }
        }
        let mut total = (sums[0] + sums[1]) + (sums[2] + sums[3]);
        for (w, v) in weight_chunks
            .remainder()
            .iter()
            .zip(value_chunks.remainder())
        {
            total += w * f64::from(*v);
        }
        total
    }

    #[inline]
    fn add_row_scaled(&self, weights: &mut [f64], row: usize, scale: f64) {
        for (weight, &value) in weights.iter_mut().zip(self.row(row)) {
            *weight += scale * f64::from(value);
        }
    }

    fn squared_norm(&self, row: usize) -> f64 {
        self.row(row)
            .iter()
            .map(|&v| f64::from(v) * f64::from(v))
            .sum()
    }

    fn copy_row(&self, row: usize, out: &mut [f64]) {
        for (slot, &value) in out.iter_mut().zip(self.row(row)) {
            *slot = f64::from(value);
        }
    }

    #[inline]
    fn prefetch(&self, row: usize) {
        prefetch_bytes(self.row(row));
    }
}

/// Some rows of another store, in the order given, read in place.
pub struct RowSubset<'a> {
    base: &'a dyn FeatureRows,
    rows: Vec<usize>,
}

impl<'a> RowSubset<'a> {
    /// The rows `rows` of `base` (each below `base.rows()`).
    pub fn new(base: &'a dyn FeatureRows, rows: Vec<usize>) -> RowSubset<'a> {
        debug_assert!(rows.iter().all(|&row| row < base.rows()));
        RowSubset { base, rows }
    }
}

impl FeatureRows for RowSubset<'_> {
    fn rows(&self) -> usize {
        self.rows.len()
    }

    fn columns(&self) -> usize {
        self.base.columns()
    }

    #[inline]
    fn dot_row(&self, weights: &[f64], row: usize) -> f64 {
        self.base.dot_row(weights, self.rows[row])
    }

    #[inline]
    fn add_row_scaled(&self, weights: &mut [f64], row: usize, scale: f64) {
        self.base.add_row_scaled(weights, self.rows[row], scale)
    }

    fn squared_norm(&self, row: usize) -> f64 {
        self.base.squared_norm(self.rows[row])
    }

    fn copy_row(&self, row: usize, out: &mut [f64]) {
        self.base.copy_row(self.rows[row], out)
    }

    #[inline]
    fn prefetch(&self, row: usize) {
        self.base.prefetch(self.rows[row])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_store_reads_the_same_rows() {
        let values = [1.0, -2.0, 0.5, 3.0, 0.25, 4.0, -1.5, 2.0, 0.0, 1.0];
        let matrix = Matrix::new(2, 5, values.to_vec()).unwrap();
        let compact = CompactRows::new(5, values.iter().map(|&v| v as f32).collect()).unwrap();
        let subset = RowSubset::new(&matrix, vec![1, 0]);
        let weights = [0.5, 1.0, -1.0, 2.0, 0.25];
        for row in 0..2 {
            let expected = dot(&weights, matrix.row(row));
            assert_eq!(compact.dot_row(&weights, row), expected);
            assert_eq!(subset.dot_row(&weights, 1 - row), expected);
            assert_eq!(compact.squared_norm(row), matrix.squared_norm(row));
            let mut added = weights.to_vec();
            compact.add_row_scaled(&mut added, row, 2.0);
            let mut copied = [0.0; 5];
            subset.copy_row(1 - row, &mut copied);
            assert_eq!(copied, matrix.row(row));
            for column in 0..5 {
                assert_eq!(added[column], weights[column] + 2.0 * copied[column]);
            }
        }
        assert!(CompactRows::new(3, vec![0.0; 4]).is_none());
        assert!(CompactRows::new(0, Vec::new()).is_none());
    }
}
