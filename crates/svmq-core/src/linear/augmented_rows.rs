//! The training rows as the dual solvers see them: each row `x` extended by the
//! constant bias feature B to `x̃ = (x, B)`, with `‖x̃‖²` precomputed, and the primal
//! weights `w̃ = (w, w_B)` kept up to date as `Σᵢ coefficientᵢ·x̃ᵢ`.
//!
//! The bias feature is never stored in the matrix: `w̃·x̃ = w·x + w_B·B`. Without a bias
//! B is 0 and `w_B` stays 0.

use crate::feature_rows::FeatureRows;
use crate::matrix::dot;

/// `w̃ = (w, w_B)`: one weight per feature and the weight of the bias feature.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Weights {
    /// `w`, one per column of the data.
    pub(crate) features: Vec<f64>,
    /// `w_B`, the weight of the bias feature (the intercept is `B·w_B`).
    pub(crate) bias: f64,
}

impl Weights {
    pub(crate) fn zero(columns: usize) -> Weights {
        Weights {
            features: vec![0.0; columns],
            bias: 0.0,
        }
    }

    /// `‖w̃‖²`, the bias weight included.
    pub(crate) fn squared_norm(&self) -> f64 {
        dot(&self.features, &self.features) + self.bias * self.bias
    }
}

/// The data with its bias feature and squared norms.
pub(crate) struct AugmentedRows<'a> {
    data: &'a dyn FeatureRows,
    bias: f64,
    squared_norms: Vec<f64>,
}

impl<'a> AugmentedRows<'a> {
    /// `bias` is the bias feature's value B, 0 for none.
    pub(crate) fn new(data: &'a dyn FeatureRows, bias: f64) -> AugmentedRows<'a> {
        let squared_norms = (0..data.rows())
            .map(|row| data.squared_norm(row) + bias * bias)
            .collect();
        AugmentedRows {
            data,
            bias,
            squared_norms,
        }
    }

    pub(crate) fn rows(&self) -> usize {
        self.data.rows()
    }

    pub(crate) fn columns(&self) -> usize {
        self.data.columns()
    }

    pub(crate) fn bias(&self) -> f64 {
        self.bias
    }

    /// `‖x̃ᵢ‖²` for every row.
    pub(crate) fn squared_norms(&self) -> &[f64] {
        &self.squared_norms
    }

    /// `w̃·x̃ᵢ`.
    #[inline(always)]
    pub(crate) fn decision(&self, weights: &Weights, row: usize) -> f64 {
        self.data.dot_row(&weights.features, row) + weights.bias * self.bias
    }

    /// `w̃ ← w̃ + scale·x̃ᵢ`.
    #[inline(always)]
    pub(crate) fn add_scaled(&self, weights: &mut Weights, row: usize, scale: f64) {
        self.data.add_row_scaled(&mut weights.features, row, scale);
        weights.bias += scale * self.bias;
    }

    /// Asks the processor to bring row `row` into the cache: a pass visits rows in a
    /// random order, and without the hint each row costs a memory latency before its
    /// dot product can start.
    #[inline(always)]
    pub(crate) fn prefetch(&self, row: usize) {
        self.data.prefetch(row);
    }

    /// `Σᵢ coefficientᵢ·x̃ᵢ`: the weights of a dual solution, for a warm start.
    pub(crate) fn weights_of(&self, coefficients: &[f64]) -> Weights {
        let mut weights = Weights::zero(self.columns());
        for (row, &coefficient) in coefficients.iter().enumerate() {
            if coefficient != 0.0 {
                self.add_scaled(&mut weights, row, coefficient);
            }
        }
        weights
    }
}

/// Prefetches every cache line of `values` (a hint: nothing happens on other processors).
#[inline(always)]
pub(crate) fn prefetch_bytes<T>(values: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        const LINE: usize = 64;
        let bytes = std::mem::size_of_val(values);
        if bytes == 0 {
            return;
        }
        let start = values.as_ptr().cast::<i8>();
        for offset in (0..bytes).step_by(LINE).chain([bytes - 1]) {
            // SAFETY: the address is inside `values`; a prefetch reads nothing and never
            // faults.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.add(offset)) };
        }
    }
}
