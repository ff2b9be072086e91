//! Training rows stored feature by feature, for whole kernel rows.
//!
//! With rows stored one after another, a dot product of two short rows (tabular data
//! has tens of features) ends in a horizontal sum across vector lanes that costs as
//! much as the products. Stored feature by feature — feature f of rows r, r+1, r+2,
//! r+3 side by side — one vector instruction adds `x_f · (feature f of four rows)` to
//! four dot products at once, and a kernel row is a sweep of multiply-adds with no
//! horizontal sum at all.

#[cfg(target_arch = "x86_64")]
use super::dot_product::FourLanes;
use crate::matrix::Matrix;

/// Rows are padded (with zeros) to a multiple of this: `dots` always computes this
/// many dot products.
pub(super) const SPAN: usize = 32;

enum Stored {
    Double(Vec<f64>),
    /// Values rounded to f32, for matrices too large for the processor's caches.
    Single(Vec<f32>),
}

pub(super) struct FeatureMajor {
    stored: Stored,
    /// Rows, padded to a multiple of `SPAN`: feature f of row r is at `f · stride + r`.
    stride: usize,
}

impl FeatureMajor {
    /// Rows `rows` of `data`, in that order, rounded to f32 when `single`.
    pub(super) fn new(data: &Matrix, rows: &[usize], single: bool) -> FeatureMajor {
        let features = data.columns();
        let stride = rows.len().div_ceil(SPAN).max(1) * SPAN;
        let mut values = vec![0f64; features * stride];
        for (position, &row) in rows.iter().enumerate() {
            for (feature, &value) in data.row(row).iter().enumerate() {
                values[feature * stride + position] = value;
            }
        }
        let stored = if single {
            Stored::Single(values.iter().map(|&v| v as f32).collect())
        } else {
            Stored::Double(values)
        };
        FeatureMajor { stored, stride }
    }

    /// Rows including the padding.
    pub(super) fn stride(&self) -> usize {
        self.stride
    }

    /// Feature values of a row as the dot products see them (rounded to f32 when
    /// stored so).
    pub(super) fn row_values(&self, data: &Matrix, row: usize) -> Vec<f64> {
        match &self.stored {
            Stored::Double(_) => data.row(row).to_vec(),
            Stored::Single(_) => data.row(row).iter().map(|&v| v as f32 as f64).collect(),
        }
    }

    /// `dots[v] = x · row (start + v)` for the `SPAN` rows from `start`, a multiple of
    /// `SPAN`; features are summed in order.
    #[inline(always)]
    pub(super) fn dots(&self, x: &[f64], start: usize, dots: &mut [f64; SPAN]) {
        match &self.stored {
            Stored::Double(values) => dots_portable(values, self.stride, x, start, dots),
            Stored::Single(values) => dots_portable(values, self.stride, x, start, dots),
        }
    }

    /// `dots` with AVX2 and fused multiply-adds.
    ///
    /// # Safety
    /// Only for functions compiled with `avx2` and `fma` (on processors that have them).
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub(super) unsafe fn dots_avx2(&self, x: &[f64], start: usize, dots: &mut [f64; SPAN]) {
        // SAFETY: the caller's contract.
        unsafe {
            match &self.stored {
                Stored::Double(values) => dots_avx2(values, self.stride, x, start, dots),
                Stored::Single(values) => dots_avx2(values, self.stride, x, start, dots),
            }
        }
    }
}

#[inline(always)]
fn dots_portable<T: Copy + Into<f64>>(
    values: &[T],
    stride: usize,
    x: &[f64],
    start: usize,
    dots: &mut [f64; SPAN],
) {
    *dots = [0.0; SPAN];
    for (feature, &value) in x.iter().enumerate() {
        let rows = &values[feature * stride + start..][..SPAN];
        for (dot, &other) in dots.iter_mut().zip(rows) {
            *dot += value * other.into();
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn dots_avx2<T: FourLanes>(
    values: &[T],
    stride: usize,
    x: &[f64],
    start: usize,
    dots: &mut [f64; SPAN],
) {
    use std::arch::x86_64::*;
    assert!(start + SPAN <= stride && x.len() * stride <= values.len());
    let mut sums = [_mm256_setzero_pd(); SPAN / 4];
    for (feature, &value) in x.iter().enumerate() {
        let factor = _mm256_set1_pd(value);
        // SAFETY: feature · stride + start + SPAN ≤ x.len() · stride ≤ values.len().
        let pointer = unsafe { values.as_ptr().add(feature * stride + start) };
        for (lane_group, sum) in sums.iter_mut().enumerate() {
            // SAFETY: as above; AVX2 and FMA by the caller's contract.
            let four = unsafe { T::load_four(pointer.add(4 * lane_group)) };
            *sum = _mm256_fmadd_pd(factor, four, *sum);
        }
    }
    for (lane_group, sum) in sums.iter().enumerate() {
        // SAFETY: `dots` holds SPAN values.
        unsafe { _mm256_storeu_pd(dots.as_mut_ptr().add(4 * lane_group), *sum) };
    }
}
