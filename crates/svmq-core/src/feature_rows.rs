//! Rows as the linear solver reads them: a dot product with a weight vector, a scaled
//! addition into it, and a squared norm, whatever the rows are stored as. The engine's
//! f64 [`Matrix`] is one store; [`QuantizedRows`] holds 16-bit values at a quarter of
//! the memory, for features computed from the data (a kernel approximation's, whose
//! own error is far larger than the rounding); [`RowSubset`] is some rows of another
//! store, without a copy.

use crate::control::FitControl;
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

/// Row-major rows stored as 16-bit integers with one f32 scale per row: value =
/// `scale · integer`, the integers spanning ±32767 over the row's largest magnitude.
/// A quarter of f64's memory, and each value within 1/65534 of its row's largest,
/// which for a kernel approximation's features is well inside the approximation's own
/// error; a pass of the linear solver streams a quarter of the bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizedRows {
    columns: usize,
    values: Vec<i16>,
    scales: Vec<f32>,
}

/// The largest stored integer.
const QUANTUM_RANGE: f64 = 32767.0;

impl QuantizedRows {
    /// Room for `rows` rows of `columns` values, all zero; `None` for no columns.
    pub fn zeros(rows: usize, columns: usize) -> Option<QuantizedRows> {
        (columns > 0).then(|| QuantizedRows {
            columns,
            values: vec![0; rows * columns],
            scales: vec![0.0; rows],
        })
    }

    /// The rows as mutable chunks of `chunk_rows` rows: each a slice of integers and
    /// the scales of those rows, for [`QuantizedRows::store`].
    pub fn chunks_mut(
        &mut self,
        chunk_rows: usize,
    ) -> impl rayon::iter::IndexedParallelIterator<Item = (&mut [i16], &mut [f32])> {
        use rayon::prelude::*;
        let columns = self.columns;
        self.values
            .par_chunks_mut(chunk_rows * columns)
            .zip(self.scales.par_chunks_mut(chunk_rows))
    }

    /// `rows` rows of `columns` values computed `chunk_rows` rows at a time on every
    /// core: `fill(first, values)` writes the rows from `first` on, row-major, into
    /// `values` (as many rows as it holds), which are then quantized. `None` for no
    /// columns, or when `control`'s stop flag is raised (it is read between chunks).
    pub fn computed(
        rows: usize,
        columns: usize,
        chunk_rows: usize,
        control: &FitControl,
        fill: impl Fn(usize, &mut [f64]) + Sync,
    ) -> Option<QuantizedRows> {
        use rayon::prelude::*;
        let mut quantized = QuantizedRows::zeros(rows, columns)?;
        let stopped =
            quantized
                .chunks_mut(chunk_rows)
                .enumerate()
                .any(|(chunk, (integers, scales))| {
                    if control.is_stopped() {
                        return true;
                    }
                    let mut values = vec![0.0; scales.len() * columns];
                    fill(chunk * chunk_rows, &mut values);
                    for ((row, integers), scale) in values
                        .chunks_exact(columns)
                        .zip(integers.chunks_exact_mut(columns))
                        .zip(scales.iter_mut())
                    {
                        QuantizedRows::store(row, integers, scale);
                    }
                    false
                });
        (!stopped).then_some(quantized)
    }

    /// Stores `row` (as many values as a row has) into `integers` and `scale`.
    pub fn store(row: &[f64], integers: &mut [i16], scale: &mut f32) {
        let largest = row.iter().fold(0.0f64, |most, value| most.max(value.abs()));
        if !(largest.is_finite() && largest > 0.0) {
            integers.fill(0);
            *scale = 0.0;
            return;
        }
        let step = largest / QUANTUM_RANGE;
        for (integer, value) in integers.iter_mut().zip(row) {
            *integer = (value / step).round().clamp(-QUANTUM_RANGE, QUANTUM_RANGE) as i16;
        }
        *scale = step as f32;
    }

    #[inline]
    fn row(&self, row: usize) -> (&[i16], f64) {
        (
            &self.values[row * self.columns..(row + 1) * self.columns],
            f64::from(self.scales[row]),
        )
    }

    /// The bytes the values and scales take.
    pub fn bytes(&self) -> usize {
        self.values.len() * std::mem::size_of::<i16>()
            + self.scales.len() * std::mem::size_of::<f32>()
    }
}

impl FeatureRows for QuantizedRows {
    fn rows(&self) -> usize {
        self.scales.len()
    }

    fn columns(&self) -> usize {
        self.columns
    }

    #[inline]
    fn dot_row(&self, weights: &[f64], row: usize) -> f64 {
        // Four running sums, so that the additions need not wait on each other.
        let (values, scale) = self.row(row);
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
        total * scale
    }

    #[inline]
    fn add_row_scaled(&self, weights: &mut [f64], row: usize, scale: f64) {
        let (values, row_scale) = self.row(row);
        let factor = scale * row_scale;
        for (weight, &value) in weights.iter_mut().zip(values) {
            *weight += factor * f64::from(value);
        }
    }

    fn squared_norm(&self, row: usize) -> f64 {
        let (values, scale) = self.row(row);
        let sum: f64 = values.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        sum * scale * scale
    }

    fn copy_row(&self, row: usize, out: &mut [f64]) {
        let (values, scale) = self.row(row);
        for (slot, &value) in out.iter_mut().zip(values) {
            *slot = f64::from(value) * scale;
        }
    }

    #[inline]
    fn prefetch(&self, row: usize) {
        prefetch_bytes(self.row(row).0);
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
    use rayon::prelude::*;

    #[test]
    fn every_store_reads_the_same_rows() {
        let values = [1.0, -2.0, 0.5, 3.0, 0.25, 4.0, -1.5, 2.0, 0.0, 1.0];
        let matrix = Matrix::new(2, 5, values.to_vec()).unwrap();
        let mut quantized = QuantizedRows::zeros(2, 5).unwrap();
        {
            let (integers, scales) = quantized.chunks_mut(2).collect::<Vec<_>>().remove(0);
            for row in 0..2 {
                let (integers, scale) = (&mut integers[row * 5..row * 5 + 5], &mut scales[row]);
                QuantizedRows::store(matrix.row(row), integers, scale);
            }
        }
        let subset = RowSubset::new(&matrix, vec![1, 0]);
        let weights = [0.5, 1.0, -1.0, 2.0, 0.25];
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-4 * (1.0 + b.abs());
        for row in 0..2 {
            let expected = dot(&weights, matrix.row(row));
            assert!(close(quantized.dot_row(&weights, row), expected));
            assert_eq!(subset.dot_row(&weights, 1 - row), expected);
            assert!(close(quantized.squared_norm(row), matrix.squared_norm(row)));
            let mut added = weights.to_vec();
            quantized.add_row_scaled(&mut added, row, 2.0);
            let mut copied = [0.0; 5];
            subset.copy_row(1 - row, &mut copied);
            assert_eq!(copied, matrix.row(row));
            for column in 0..5 {
                assert!(close(added[column], weights[column] + 2.0 * copied[column]));
            }
        }
        assert!(QuantizedRows::zeros(3, 0).is_none());
        // A row of zeros (or of nothing finite) is stored as zeros.
        let mut integers = [1i16; 3];
        let mut scale = 1.0f32;
        QuantizedRows::store(&[0.0, 0.0, 0.0], &mut integers, &mut scale);
        assert_eq!((integers, scale), ([0; 3], 0.0));
    }
}
