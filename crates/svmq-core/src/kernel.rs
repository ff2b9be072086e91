//! Kernel evaluation: one value for prediction, whole rows for training.
//!
//! Every kernel is a function of the dot product `u·v` (and, for rbf, of the squared
//! norms): `‖u−v‖² = ‖u‖² + ‖v‖² − 2u·v`. Squared norms are computed once per data set,
//! so the hot loop is a sweep of dense dot products over contiguous rows.

use crate::matrix::{dot, Matrix};
use crate::params::Kernel;
use rayon::prelude::*;

/// Rows shorter than this are computed on the calling thread: below it, handing work
/// to other threads costs more than it saves.
const PARALLEL_ROW_LENGTH: usize = 2048;

impl Kernel {
    /// The kernel value from a dot product and the two squared norms.
    #[inline]
    pub fn from_dot(&self, dot_product: f64, left_norm: f64, right_norm: f64) -> f64 {
        match *self {
            Kernel::Linear => dot_product,
            Kernel::Polynomial {
                gamma,
                coef0,
                degree,
            } => power(gamma * dot_product + coef0, degree),
            Kernel::Rbf { gamma } => (-gamma * (left_norm + right_norm - 2.0 * dot_product)).exp(),
            Kernel::Sigmoid { gamma, coef0 } => (gamma * dot_product + coef0).tanh(),
        }
    }

    /// k(u, v) for two rows (a shorter row is zero beyond its end).
    pub fn evaluate(&self, left: &[f64], right: &[f64]) -> f64 {
        let (left_norm, right_norm) = match self {
            Kernel::Rbf { .. } => (dot(left, left), dot(right, right)),
            _ => (0.0, 0.0),
        };
        self.from_dot(dot(left, right), left_norm, right_norm)
    }
}

/// `base^exponent` by repeated squaring, exact for small integer exponents.
#[inline]
fn power(base: f64, exponent: u32) -> f64 {
    let mut result = 1.0;
    let mut factor = base;
    let mut remaining = exponent;
    while remaining > 0 {
        if remaining & 1 == 1 {
            result *= factor;
        }
        factor *= factor;
        remaining >>= 1;
    }
    result
}

/// A kernel bound to a training matrix, with the squared norms precomputed.
pub struct KernelMatrix<'a> {
    kernel: Kernel,
    data: &'a Matrix,
    norms: Vec<f64>,
}

impl<'a> KernelMatrix<'a> {
    pub fn new(kernel: Kernel, data: &'a Matrix) -> KernelMatrix<'a> {
        let norms = match kernel {
            Kernel::Rbf { .. } => data.squared_norms(),
            _ => vec![0.0; data.rows()],
        };
        KernelMatrix {
            kernel,
            data,
            norms,
        }
    }

    pub fn len(&self) -> usize {
        self.data.rows()
    }

    pub fn is_empty(&self) -> bool {
        self.data.rows() == 0
    }

    /// k(xᵢ, xⱼ).
    #[inline]
    pub fn value(&self, i: usize, j: usize) -> f64 {
        self.kernel.from_dot(
            dot(self.data.row(i), self.data.row(j)),
            self.norms[i],
            self.norms[j],
        )
    }

    /// Writes k(xᵢ, xⱼ) into `row[j]` for every `j` in `columns`; other entries are left
    /// as they are. Long rows are split across the rayon pool.
    pub fn fill_row(&self, i: usize, columns: &[usize], row: &mut [f32]) {
        if columns.len() < PARALLEL_ROW_LENGTH {
            for &j in columns {
                row[j] = self.value(i, j) as f32;
            }
            return;
        }
        // Compute into a dense buffer in parallel, then scatter: the scatter is cheap
        // next to the dot products.
        let mut values = vec![0f32; columns.len()];
        values
            .par_chunks_mut(512)
            .zip(columns.par_chunks(512))
            .for_each(|(out, chunk)| {
                for (slot, &j) in out.iter_mut().zip(chunk) {
                    *slot = self.value(i, j) as f32;
                }
            });
        for (&j, value) in columns.iter().zip(values) {
            row[j] = value;
        }
    }

    /// Writes k(xᵢ, xⱼ) for every j, in parallel when the row is long.
    pub fn fill_full_row(&self, i: usize, row: &mut [f32]) {
        if row.len() < PARALLEL_ROW_LENGTH {
            for (j, slot) in row.iter_mut().enumerate() {
                *slot = self.value(i, j) as f32;
            }
            return;
        }
        row.par_chunks_mut(512)
            .enumerate()
            .for_each(|(chunk, out)| {
                let start = chunk * 512;
                for (offset, slot) in out.iter_mut().enumerate() {
                    *slot = self.value(i, start + offset) as f32;
                }
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_follow_libsvm_parameterization() {
        let u = [1.0, 2.0];
        let v = [3.0, -1.0];
        assert_eq!(Kernel::Linear.evaluate(&u, &v), 1.0);
        let poly = Kernel::Polynomial {
            gamma: 0.5,
            coef0: 1.0,
            degree: 3,
        };
        assert!((poly.evaluate(&u, &v) - 1.5f64.powi(3)).abs() < 1e-12);
        let rbf = Kernel::Rbf { gamma: 0.1 };
        assert!((rbf.evaluate(&u, &v) - (-0.1f64 * 13.0).exp()).abs() < 1e-12);
        let sigmoid = Kernel::Sigmoid {
            gamma: 0.5,
            coef0: -1.0,
        };
        assert!((sigmoid.evaluate(&u, &v) - (-0.5f64).tanh()).abs() < 1e-12);
    }

    #[test]
    fn rows_agree_with_single_values_in_parallel_and_serial_paths() {
        let rows = 3000;
        let values: Vec<f64> = (0..rows * 3)
            .map(|k| ((k * 7919) % 101) as f64 / 50.0)
            .collect();
        let data = Matrix::new(rows, 3, values).unwrap();
        let kernel = KernelMatrix::new(Kernel::Rbf { gamma: 0.3 }, &data);
        let mut full = vec![0f32; rows];
        kernel.fill_full_row(5, &mut full);
        let columns: Vec<usize> = (0..rows).step_by(1).collect();
        let mut partial = vec![0f32; rows];
        kernel.fill_row(5, &columns, &mut partial);
        for j in 0..rows {
            let expected = kernel.value(5, j) as f32;
            assert_eq!(full[j], expected);
            assert_eq!(partial[j], expected);
        }
    }
}
