//! The kernel functions themselves: k(u, v) from a dot product and squared norms, one
//! value at a time or a slice in place. Knows nothing of training matrices or caches.

use super::exponential::fast_exp;
use crate::matrix::dot;
use crate::params::Kernel;

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
            Kernel::Rbf { gamma } => {
                fast_exp(-gamma * (left_norm + right_norm - 2.0 * dot_product))
            }
            Kernel::Sigmoid { gamma, coef0 } => (gamma * dot_product + coef0).tanh(),
        }
    }

    /// Kernel values from dot products, in place: `values[s]` holds uₛ·v on entry and
    /// k(uₛ, v) on return, with `norms[s] = ‖uₛ‖²` and `norm = ‖v‖²` (read by rbf
    /// only). The same numbers as `from_dot`, vectorized (AVX2 where available).
    pub fn from_dots(&self, values: &mut [f64], norms: &[f64], norm: f64) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: the processor supports the features the function is compiled for.
                unsafe { from_dots_avx2(self, values, norms, norm) };
                return;
            }
        }
        from_dots_with(self, values, norms, norm);
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

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn from_dots_avx2(kernel: &Kernel, values: &mut [f64], norms: &[f64], norm: f64) {
    from_dots_with(kernel, values, norms, norm);
}

#[inline(always)]
pub(super) fn from_dots_with(kernel: &Kernel, values: &mut [f64], norms: &[f64], norm: f64) {
    match *kernel {
        Kernel::Linear => {}
        Kernel::Rbf { gamma } => {
            for (slot, &other) in values.iter_mut().zip(norms) {
                *slot = fast_exp(-gamma * (norm + other - 2.0 * *slot));
            }
        }
        other => {
            for slot in values.iter_mut() {
                *slot = other.from_dot(*slot, 0.0, 0.0);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batched_kernel_values_equal_single_ones() {
        let kernels = [
            Kernel::Linear,
            Kernel::Rbf { gamma: 0.7 },
            Kernel::Polynomial {
                gamma: 0.5,
                coef0: 1.0,
                degree: 3,
            },
            Kernel::Sigmoid {
                gamma: 0.1,
                coef0: -0.5,
            },
        ];
        let dots: Vec<f64> = (0..37).map(|k| (k as f64 * 0.37).sin() * 3.0).collect();
        let norms: Vec<f64> = (0..37).map(|k| 4.0 + (k as f64 * 0.11).cos()).collect();
        for kernel in kernels {
            let mut values = dots.clone();
            kernel.from_dots(&mut values, &norms, 5.5);
            for k in 0..dots.len() {
                let single = kernel.from_dot(dots[k], norms[k], 5.5);
                assert!(
                    (values[k] - single).abs() <= 1e-15 * single.abs().max(1.0),
                    "{kernel:?} at {k}: {} vs {single}",
                    values[k]
                );
            }
        }
    }

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
}
