//! Kernel values of one input against every support vector, in f64: what prediction
//! needs. Training's kernel rows are in `kernel_matrix`.

use super::dot_product::dot_four;
#[cfg(target_arch = "x86_64")]
use super::dot_product::dot_four_avx2;
use super::function::from_dots_with;
use crate::matrix::{dot, Matrix};
use crate::params::Kernel;

/// k(x, rowᵣ) for every row of `rows`, in f64, with AVX2 and FMA when the processor
/// has them: prediction's kernel values. `row_norms` are the rows' squared norms (read
/// by rbf only). `x` may be longer or shorter than the rows: missing values are zero.
pub fn kernel_values_against(
    kernel: &Kernel,
    x: &[f64],
    rows: &Matrix,
    row_norms: &[f64],
    out: &mut [f64],
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the processor supports the features the function is compiled for.
            unsafe { kernel_values_against_avx2(kernel, x, rows, row_norms, out) };
            return;
        }
    }
    kernel_values_against_with(kernel, x, rows, row_norms, out, dot_four);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn kernel_values_against_avx2(
    kernel: &Kernel,
    x: &[f64],
    rows: &Matrix,
    row_norms: &[f64],
    out: &mut [f64],
) {
    kernel_values_against_with(kernel, x, rows, row_norms, out, |x, rows| {
        // SAFETY: this function only runs where AVX2 and FMA are available.
        unsafe { dot_four_avx2(x, rows) }
    });
}

#[inline(always)]
fn kernel_values_against_with(
    kernel: &Kernel,
    x: &[f64],
    rows: &Matrix,
    row_norms: &[f64],
    out: &mut [f64],
    dot_four: impl Fn(&[f64], [&[f64]; 4]) -> [f64; 4],
) {
    let length = x.len().min(rows.columns());
    let x_norm = match kernel {
        Kernel::Rbf { .. } => dot(x, x),
        _ => 0.0,
    };
    let prefix = &x[..length];
    let count = rows.rows();
    let mut start = 0;
    while start + 4 <= count {
        let group = [
            &rows.row(start)[..length],
            &rows.row(start + 1)[..length],
            &rows.row(start + 2)[..length],
            &rows.row(start + 3)[..length],
        ];
        out[start..start + 4].copy_from_slice(&dot_four(prefix, group));
        start += 4;
    }
    for (r, slot) in out.iter_mut().enumerate().take(count).skip(start) {
        *slot = dot(prefix, &rows.row(r)[..length]);
    }
    from_dots_with(kernel, out, row_norms, x_norm);
}
