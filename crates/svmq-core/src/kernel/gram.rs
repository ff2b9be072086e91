//! The Gram matrix: every dot product of a training matrix, computed once and shared by
//! the fits of a search, and views of it through subsets of its rows. Holds dot
//! products only; the kernel is applied by `KernelMatrix`.

use crate::control::FitControl;
use crate::matrix::{dot, Matrix};
use rayon::prelude::*;

/// Every dot product `xᵢ·xⱼ` of a training matrix, computed once and shared by every
/// fit on (subsets of) that matrix: a hyperparameter search trains hundreds of models
/// on the same folds, and every kernel is a function of the dot products (rbf through
/// `‖xᵢ‖² + ‖xⱼ‖² − 2xᵢ·xⱼ`), whatever gamma, C or degree a trial uses.
///
/// Products are summed in `f64` and stored in `f32`, the precision kernel rows are
/// cached in: reading them is bound by memory traffic, which this halves. Fits on a
/// Gram matrix take the squared norms from its diagonal, so that ‖xᵢ − xᵢ‖² stays
/// exactly 0. Takes `4·rows²` bytes: meant for data sets of a few thousand rows.
pub struct Gram {
    rows: usize,
    values: Vec<f32>,
}

impl Gram {
    /// Bytes a Gram matrix of `rows` rows takes.
    pub fn bytes_for(rows: usize) -> usize {
        rows.saturating_mul(rows)
            .saturating_mul(std::mem::size_of::<f32>())
    }

    /// Computes `X·Xᵀ` in parallel, with the same dot product as kernel rows.
    pub fn compute(data: &Matrix) -> Gram {
        Gram::compute_until_stopped(data, &FitControl::new())
            .expect("a computation without a stop flag is never stopped")
    }

    /// [`Gram::compute`], checking `control`'s stop flag before each row (a row is
    /// `rows × columns` multiplications); `None` when stopped.
    pub fn compute_until_stopped(data: &Matrix, control: &FitControl) -> Option<Gram> {
        let rows = data.rows();
        let mut values = vec![0f32; rows * rows];
        values
            .par_chunks_mut(rows.max(1))
            .enumerate()
            .for_each(|(i, out)| {
                if control.is_stopped() {
                    return;
                }
                for (j, slot) in out.iter_mut().enumerate() {
                    *slot = dot(data.row(i), data.row(j)) as f32;
                }
            });
        (!control.is_stopped()).then_some(Gram { rows, values })
    }

    /// Rows (and columns) of the Gram matrix: the training matrix's row count.
    pub fn rows(&self) -> usize {
        self.rows
    }
}

/// A Gram matrix seen through a subset of its rows: row `k` of the subset is row
/// `rows[k]` of `gram`, or row `k` itself without `rows`.
#[derive(Clone)]
pub struct GramRows<'a> {
    gram: &'a Gram,
    rows: Option<Vec<usize>>,
}

impl<'a> GramRows<'a> {
    /// The whole Gram matrix.
    pub fn all(gram: &'a Gram) -> GramRows<'a> {
        GramRows { gram, rows: None }
    }

    /// How many rows the subset has.
    pub fn len(&self) -> usize {
        self.rows.as_ref().map_or(self.gram.rows, Vec::len)
    }

    /// Whether the subset has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    fn source_row(&self, k: usize) -> usize {
        self.rows.as_ref().map_or(k, |rows| rows[k])
    }

    /// Row `k` of the subset over every column of the underlying matrix.
    #[inline]
    fn row_values(&self, k: usize) -> &[f32] {
        let gram = self.gram;
        let row = self.source_row(k);
        &gram.values[row * gram.rows..(row + 1) * gram.rows]
    }

    #[inline]
    pub(super) fn value(&self, i: usize, j: usize) -> f64 {
        self.row_values(i)[self.source_row(j)] as f64
    }

    /// The subset made of rows `indices` of this subset.
    pub fn subset(&self, indices: &[usize]) -> GramRows<'a> {
        GramRows {
            gram: self.gram,
            rows: Some(indices.iter().map(|&k| self.source_row(k)).collect()),
        }
    }

    /// Writes the dot products of subset row `i` with subset rows `columns`.
    #[inline(always)]
    pub(super) fn fill_dots(&self, i: usize, columns: &[usize], dots: &mut [f64]) {
        let row = self.row_values(i);
        match &self.rows {
            None => {
                for (slot, &j) in dots.iter_mut().zip(columns) {
                    *slot = row[j] as f64;
                }
            }
            Some(rows) => {
                for (slot, &j) in dots.iter_mut().zip(columns) {
                    *slot = row[rows[j]] as f64;
                }
            }
        }
    }
}
