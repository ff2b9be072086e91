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

/// Features whose products are summed in f32 before the sum joins the f64 total, when
/// the values are stored in f32: eight lanes per instruction and no widening in the
/// inner loop, while the rounding error stays that of an eight-term f32 sum (a few
/// units in the last place of f32, the precision kernel rows are cached in) instead
/// of growing with the number of features.
const FEATURE_GROUP: usize = 8;

/// The largest magnitude for which products are summed in f32: eight products of two
/// such values stay far inside f32's range (about 3.4e38). Data beyond it (unscaled
/// values above 10¹⁵) keeps its products and sums in f64.
const NARROW_PRODUCTS_LIMIT: f64 = 1e15;

enum Stored {
    Double(Vec<f64>),
    /// Values rounded to f32, for matrices too large for the processor's caches;
    /// `narrow`: every value of the matrix is within `NARROW_PRODUCTS_LIMIT`, so
    /// products may be summed in f32 (see `FEATURE_GROUP`).
    Single {
        values: Vec<f32>,
        narrow: bool,
    },
}

pub(super) struct FeatureMajor {
    stored: Stored,
    /// Rows, padded to a multiple of `SPAN`: feature f of row r is at `f · stride + r`.
    stride: usize,
}

impl FeatureMajor {
    /// Rows `rows` of `data`, in that order, rounded to f32 when `single`. Whether the
    /// products fit f32 is judged on all of `data`, since the rows they are taken with
    /// may lie outside `rows`.
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
            let narrow = data
                .values()
                .iter()
                .all(|value| value.abs() <= NARROW_PRODUCTS_LIMIT);
            Stored::Single {
                values: values.iter().map(|&v| v as f32).collect(),
                narrow,
            }
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
            Stored::Single { .. } => data.row(row).iter().map(|&v| v as f32 as f64).collect(),
        }
    }

    /// `dots[v] = x · row (start + v)` for the `SPAN` rows from `start`, a multiple of
    /// `SPAN`; features are summed in order.
    #[inline(always)]
    pub(super) fn dots(&self, x: &[f64], start: usize, dots: &mut [f64; SPAN]) {
        match &self.stored {
            Stored::Double(values) => dots_portable(values, self.stride, x, start, dots),
            Stored::Single {
                values,
                narrow: true,
            } => dots_single_portable(values, self.stride, x, start, dots),
            Stored::Single { values, .. } => dots_portable(values, self.stride, x, start, dots),
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
                Stored::Single {
                    values,
                    narrow: true,
                } => dots_single_avx2(values, self.stride, x, start, dots),
                Stored::Single { values, .. } => dots_avx2(values, self.stride, x, start, dots),
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

/// `dots_portable` for values stored in f32: products and sums in f32 within each
/// group of `FEATURE_GROUP` features, the groups' sums added in f64.
#[inline(always)]
fn dots_single_portable(
    values: &[f32],
    stride: usize,
    x: &[f64],
    start: usize,
    dots: &mut [f64; SPAN],
) {
    *dots = [0.0; SPAN];
    for (group, features) in x.chunks(FEATURE_GROUP).enumerate() {
        let mut partial = [0f32; SPAN];
        for (offset, &value) in features.iter().enumerate() {
            let feature = group * FEATURE_GROUP + offset;
            let rows = &values[feature * stride + start..][..SPAN];
            for (sum, &other) in partial.iter_mut().zip(rows) {
                *sum += value as f32 * other;
            }
        }
        for (dot, &sum) in dots.iter_mut().zip(&partial) {
            *dot += sum as f64;
        }
    }
}

/// `dots_single_portable` with AVX2: eight f32 lanes per fused multiply-add.
///
/// # Safety
/// Only for functions compiled with `avx2` and `fma` (on processors that have them).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn dots_single_avx2(
    values: &[f32],
    stride: usize,
    x: &[f64],
    start: usize,
    dots: &mut [f64; SPAN],
) {
    use std::arch::x86_64::*;
    assert!(start + SPAN <= stride && x.len() * stride <= values.len());
    let mut sums = [_mm256_setzero_pd(); SPAN / 4];
    for (group, features) in x.chunks(FEATURE_GROUP).enumerate() {
        let mut partial = [_mm256_setzero_ps(); SPAN / 8];
        for (offset, &value) in features.iter().enumerate() {
            let factor = _mm256_set1_ps(value as f32);
            let feature = group * FEATURE_GROUP + offset;
            // SAFETY: feature · stride + start + SPAN ≤ x.len() · stride ≤ values.len().
            let pointer = unsafe { values.as_ptr().add(feature * stride + start) };
            for (lane_group, sum) in partial.iter_mut().enumerate() {
                // SAFETY: as above; AVX2 and FMA by the caller's contract.
                let eight = unsafe { _mm256_loadu_ps(pointer.add(8 * lane_group)) };
                *sum = _mm256_fmadd_ps(factor, eight, *sum);
            }
        }
        for (lane_group, sum) in partial.iter().enumerate() {
            let low = _mm256_cvtps_pd(_mm256_castps256_ps128(*sum));
            let high = _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(*sum));
            sums[2 * lane_group] = _mm256_add_pd(sums[2 * lane_group], low);
            sums[2 * lane_group + 1] = _mm256_add_pd(sums[2 * lane_group + 1], high);
        }
    }
    for (lane_group, sum) in sums.iter().enumerate() {
        // SAFETY: `dots` holds SPAN values.
        unsafe { _mm256_storeu_pd(dots.as_mut_ptr().add(4 * lane_group), *sum) };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Values whose products would overflow f32 keep their products in f64: the dot
    /// products stay finite and exact to f32's rounding of the inputs.
    #[test]
    fn values_too_large_for_f32_products_are_multiplied_in_f64() {
        let (rows, features) = (40, 9);
        let values: Vec<f64> = (0..rows * features)
            .map(|k| (((k * 7919) % 1009) as f64 / 211.0 - 2.3) * 1e20)
            .collect();
        let data = Matrix::new(rows, features, values).unwrap();
        let all: Vec<usize> = (0..rows).collect();
        let single = FeatureMajor::new(&data, &all, true);
        let x = single.row_values(&data, 3);
        let mut dots = [0.0; SPAN];
        single.dots(&x, 0, &mut dots);
        #[cfg(target_arch = "x86_64")]
        let mut vectorized = [0.0; SPAN];
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the processor has AVX2 and FMA (checked above).
            unsafe { single.dots_avx2(&x, 0, &mut vectorized) };
        } else {
            vectorized = dots;
        }
        for (offset, (&dot, &other_dot)) in dots.iter().zip(&vectorized).enumerate() {
            let other = single.row_values(&data, offset);
            let exact: f64 = x.iter().zip(&other).map(|(a, b)| a * b).sum();
            let scale: f64 = x.iter().zip(&other).map(|(a, b)| (a * b).abs()).sum();
            assert!(
                dot.is_finite() && other_dot.is_finite(),
                "{dot}, {other_dot}"
            );
            assert!((dot - exact).abs() <= 1e-12 * scale, "{dot} vs {exact}");
            assert!(
                (other_dot - exact).abs() <= 1e-12 * scale,
                "{other_dot} vs {exact}"
            );
        }
    }

    /// Single-precision dot products (f32 within groups of eight features) stay within
    /// a few f32 units of the exact f64 ones, and the AVX2 and portable versions agree
    /// to the rounding of a fused multiply-add.
    #[test]
    fn single_precision_dots_stay_within_f32_rounding() {
        let (rows, features) = (96, 37);
        let values: Vec<f64> = (0..rows * features)
            .map(|k| ((k * 7919) % 1009) as f64 / 211.0 - 2.3)
            .collect();
        let data = Matrix::new(rows, features, values).unwrap();
        let all: Vec<usize> = (0..rows).collect();
        let single = FeatureMajor::new(&data, &all, true);
        let x = single.row_values(&data, 5);
        for start in (0..rows).step_by(SPAN) {
            let mut portable = [0.0; SPAN];
            single.dots(&x, start, &mut portable);
            for (offset, &dot) in portable.iter().enumerate() {
                let other = single.row_values(&data, start + offset);
                let exact: f64 = x.iter().zip(&other).map(|(a, b)| a * b).sum();
                let scale: f64 = x.iter().zip(&other).map(|(a, b)| (a * b).abs()).sum();
                assert!((dot - exact).abs() <= 1e-6 * scale, "{dot} vs {exact}");
            }
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                let mut vectorized = [0.0; SPAN];
                // SAFETY: the processor has AVX2 and FMA (checked above).
                unsafe { single.dots_avx2(&x, start, &mut vectorized) };
                for (a, b) in portable.iter().zip(&vectorized) {
                    assert!((a - b).abs() <= 1e-6 * a.abs().max(1.0), "{a} vs {b}");
                }
            }
        }
    }
}
