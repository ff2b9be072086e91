//! The linear algebra of the Nyström map: the pivoted Cholesky factorization of the
//! landmarks' kernel matrix, the inverse of its factor, and the projection of many
//! rows' kernel values through that inverse.

use super::PIVOT_TOLERANCE;
use crate::matrix::dot;
use rayon::prelude::*;

/// `out = inverse · kernel_row` for each of the rows of `kernel_rows` (`size` values
/// each), with AVX2 and FMA when the processor has them.
pub(super) fn project(inverse: &[f64], size: usize, kernel_rows: &[f64], out: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the processor supports the features the function is compiled for.
            unsafe { project_avx2(inverse, size, kernel_rows, out) };
            return;
        }
    }
    project_with(inverse, size, kernel_rows, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn project_avx2(inverse: &[f64], size: usize, kernel_rows: &[f64], out: &mut [f64]) {
    project_with(inverse, size, kernel_rows, out);
}

/// Rows four at a time: each row of the inverse is read once for four, and the four
/// dot products' sixteen running sums are independent, so that multiply-adds never
/// wait on each other.
#[inline(always)]
fn project_with(inverse: &[f64], size: usize, kernel_rows: &[f64], out: &mut [f64]) {
    const BLOCK: usize = 4;
    const LANES: usize = 4;
    let block_values = BLOCK * size;
    for (kernels, outputs) in kernel_rows
        .chunks(block_values)
        .zip(out.chunks_mut(block_values))
    {
        let rows = kernels.len() / size;
        if rows < BLOCK {
            for (kernel, output) in kernels
                .chunks_exact(size)
                .zip(outputs.chunks_exact_mut(size))
            {
                for (i, slot) in output.iter_mut().enumerate() {
                    *slot = dot(&inverse[i * size..i * size + i + 1], &kernel[..i + 1]);
                }
            }
            continue;
        }
        let (k0, rest) = kernels.split_at(size);
        let (k1, rest) = rest.split_at(size);
        let (k2, k3) = rest.split_at(size);
        for i in 0..size {
            let length = i + 1;
            let weights = &inverse[i * size..i * size + length];
            let mut sums = [[0.0f64; LANES]; BLOCK];
            let whole = length - length % LANES;
            for start in (0..whole).step_by(LANES) {
                let w = &weights[start..start + LANES];
                let rows = [
                    &k0[start..start + LANES],
                    &k1[start..start + LANES],
                    &k2[start..start + LANES],
                    &k3[start..start + LANES],
                ];
                for (sum, row) in sums.iter_mut().zip(rows) {
                    for lane in 0..LANES {
                        sum[lane] += w[lane] * row[lane];
                    }
                }
            }
            for (block, (sum, kernel)) in sums.iter().zip([k0, k1, k2, k3]).enumerate() {
                let mut total = (sum[0] + sum[1]) + (sum[2] + sum[3]);
                for k in whole..length {
                    total += weights[k] * kernel[k];
                }
                outputs[block * size + i] = total;
            }
        }
    }
}

/// `L⁻¹` of the `size`×`size` row-major lower-triangular `factor` (non-zero diagonal),
/// column by column by forward substitution.
pub(super) fn lower_inverse(factor: &[f64], size: usize) -> Vec<f64> {
    let mut inverse = vec![0.0; size * size];
    for column in 0..size {
        inverse[column * size + column] = 1.0 / factor[column * size + column];
        for row in column + 1..size {
            let known: f64 = (column..row)
                .map(|k| factor[row * size + k] * inverse[k * size + column])
                .sum();
            inverse[row * size + column] = -known / factor[row * size + row];
        }
    }
    inverse
}

/// Cholesky factorization of the `size`×`size` row-major positive semi-definite
/// `matrix` with diagonal pivoting, stopping when every remaining diagonal is below
/// [`PIVOT_TOLERANCE`] of the largest: the pivots chosen, in order, and `L` (row-major,
/// lower-triangular, one row and column per pivot) with `matrix[pivots][pivots] =
/// L·Lᵀ`.
pub(super) fn pivoted_cholesky(matrix: &[f64], size: usize) -> (Vec<usize>, Vec<f64>) {
    let mut remaining: Vec<f64> = (0..size).map(|i| matrix[i * size + i]).collect();
    let largest = remaining.iter().copied().fold(0.0, f64::max);
    let threshold = largest * PIVOT_TOLERANCE;
    // columns[k][i]: column k of the factor at candidate i.
    let mut columns: Vec<Vec<f64>> = Vec::new();
    let mut pivots = Vec::new();
    let mut chosen = vec![false; size];
    while pivots.len() < size {
        let Some(pivot) = (0..size)
            .filter(|&i| !chosen[i])
            .max_by(|&a, &b| remaining[a].total_cmp(&remaining[b]))
        else {
            break;
        };
        if remaining[pivot].partial_cmp(&threshold) != Some(std::cmp::Ordering::Greater)
            || largest <= 0.0
        {
            break;
        }
        let diagonal = remaining[pivot].sqrt();
        let mut column = vec![0.0; size];
        column[pivot] = diagonal;
        chosen[pivot] = true;
        let rows: Vec<usize> = (0..size).filter(|&i| !chosen[i]).collect();
        let values: Vec<f64> = rows
            .par_iter()
            .map(|&i| {
                let known: f64 = columns.iter().map(|c| c[i] * c[pivot]).sum();
                (matrix[i * size + pivot] - known) / diagonal
            })
            .collect();
        for (&i, value) in rows.iter().zip(values) {
            column[i] = value;
            remaining[i] -= value * value;
        }
        columns.push(column);
        pivots.push(pivot);
    }
    let kept = pivots.len();
    let mut factor = vec![0.0; kept * kept];
    for (a, &pivot) in pivots.iter().enumerate() {
        for (k, column) in columns.iter().enumerate().take(a + 1) {
            factor[a * kept + k] = column[pivot];
        }
    }
    (pivots, factor)
}
