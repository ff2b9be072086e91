//! Four dot products at once, portable and with AVX2: `x` against four rows, with
//! products and sums in f64 whether the values are stored in f64 or f32.

/// The dot products of `x` with four rows of the same length, computed together: the
/// four independent sums keep the multiply-add units busy and `x` is loaded once.
/// Values stored in f32 are widened: products and sums are always in f64.
#[inline(always)]
pub(super) fn dot_four<T: Copy + Into<f64>>(x: &[T], rows: [&[T]; 4]) -> [f64; 4] {
    let length = x.len();
    let rows = rows.map(|row| &row[..length]);
    let mut sums = [[0.0f64; 4]; 4];
    let chunks = length / 4 * 4;
    let mut k = 0;
    while k < chunks {
        for (sum, row) in sums.iter_mut().zip(&rows) {
            for (lane, slot) in sum.iter_mut().enumerate() {
                *slot += x[k + lane].into() * row[k + lane].into();
            }
        }
        k += 4;
    }
    let mut totals = [0.0; 4];
    for ((total, sum), row) in totals.iter_mut().zip(&sums).zip(&rows) {
        *total = (sum[0] + sum[2]) + (sum[1] + sum[3]);
        for k in chunks..length {
            *total += x[k].into() * row[k].into();
        }
    }
    totals
}

/// Values that AVX2 loads four at a time as f64 lanes.
#[cfg(target_arch = "x86_64")]
pub(super) trait FourLanes: Copy + Into<f64> {
    /// # Safety
    /// Four values are readable from `pointer`; only in functions compiled with `avx2`.
    unsafe fn load_four(pointer: *const Self) -> std::arch::x86_64::__m256d;
}

#[cfg(target_arch = "x86_64")]
impl FourLanes for f64 {
    #[inline(always)]
    unsafe fn load_four(pointer: *const f64) -> std::arch::x86_64::__m256d {
        // SAFETY: the caller's contract.
        unsafe { std::arch::x86_64::_mm256_loadu_pd(pointer) }
    }
}

#[cfg(target_arch = "x86_64")]
impl FourLanes for f32 {
    #[inline(always)]
    unsafe fn load_four(pointer: *const f32) -> std::arch::x86_64::__m256d {
        use std::arch::x86_64::*;
        // SAFETY: the caller's contract.
        unsafe { _mm256_cvtps_pd(_mm_loadu_ps(pointer)) }
    }
}

/// `dot_four` with AVX2 vectors and fused multiply-adds: one 4-lane accumulator per
/// row, so the four sums proceed independently.
///
/// # Safety
/// Only for functions compiled with `avx2` and `fma` (on processors that have them):
/// it is inlined into them so that its loop runs without a call per four rows.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) unsafe fn dot_four_avx2<T: FourLanes>(x: &[T], rows: [&[T]; 4]) -> [f64; 4] {
    use std::arch::x86_64::*;
    let length = x.len();
    let rows = [
        &rows[0][..length],
        &rows[1][..length],
        &rows[2][..length],
        &rows[3][..length],
    ];
    let chunks = length / 4 * 4;
    let mut sums = [_mm256_setzero_pd(); 4];
    let mut k = 0;
    while k < chunks {
        // SAFETY: k + 4 ≤ length, and every row has `length` values.
        let xv = unsafe { T::load_four(x.as_ptr().add(k)) };
        for (sum, row) in sums.iter_mut().zip(&rows) {
            let rv = unsafe { T::load_four(row.as_ptr().add(k)) };
            *sum = _mm256_fmadd_pd(xv, rv, *sum);
        }
        k += 4;
    }
    let mut totals = [0.0; 4];
    for ((total, sum), row) in totals.iter_mut().zip(&sums).zip(&rows) {
        let mut lanes = [0.0f64; 4];
        // SAFETY: `lanes` holds four f64.
        unsafe { _mm256_storeu_pd(lanes.as_mut_ptr(), *sum) };
        *total = (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
        for k in chunks..length {
            *total += x[k].into() * row[k].into();
        }
    }
    totals
}
