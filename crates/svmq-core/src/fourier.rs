//! Random Fourier features (Rahimi & Recht, "Random features for large-scale kernel
//! machines", 2007): by Bochner's theorem the RBF kernel `exp(−γ‖x−y‖²)` is the
//! expectation of `2·cos(w·x + b)·cos(w·y + b)` over frequencies `w` drawn from the
//! normal distribution with variance `2γ` in each coordinate and phases `b` uniform in
//! `[0, 2π)`. With `D` draws, the features `z(x) = √(2/D)·cos(W·x + b)` have dot
//! products that approximate the kernel with an error shrinking like `1/√D`, whatever
//! the data: unlike Nyström's landmarks, the map does not look at the rows at all.
//!
//! A model trained on these features is not a kernel expansion over support vectors:
//! it is a linear model on `z(x)`, so the engine [`Model`](crate::Model) carries the map
//! (`feature_map`) and applies it before its linear kernel. What reads the model must
//! know of it: prediction does it here, the ONNX export adds the map's nodes, and the
//! LIBSVM text format, which has no room for it, refuses such a model.
//!
//! What it does not do: train (`kernel_approximation` hands the features to the linear
//! solver).

use crate::control::FitControl;
use crate::error::EngineError;
use crate::feature_rows::QuantizedRows;
use crate::matrix::{dot, Matrix};
use crate::random::Random;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// Rows per parallel task when features are computed.
const FEATURE_CHUNK_ROWS: usize = 64;

/// The random stream of the frequencies, apart from every other draw of a seed.
const FOURIER_STREAM: u64 = 0x0072_6666;

/// The feature map `z(x) = √(2/D)·cos(W·x + b)` of `D` random frequencies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FourierMap {
    /// `W`: one row of frequencies per feature, one column per input column.
    pub frequencies: Matrix,
    /// `b`: one phase per feature.
    pub phases: Vec<f64>,
}

impl FourierMap {
    /// `components` random features of `columns` input columns for the RBF kernel
    /// with `gamma`, drawn from `seed`.
    pub fn sample(
        columns: usize,
        components: usize,
        gamma: f64,
        seed: u64,
    ) -> Result<FourierMap, EngineError> {
        if columns == 0 {
            return Err(EngineError::InvalidData(
                "the training data has no columns".into(),
            ));
        }
        if components == 0 {
            return Err(EngineError::InvalidParameter(
                "random Fourier features need at least one component".into(),
            ));
        }
        if !(gamma.is_finite() && gamma > 0.0) {
            return Err(EngineError::InvalidParameter(format!(
                "gamma must be a positive number, got {gamma}"
            )));
        }
        let deviation = (2.0 * gamma).sqrt();
        let mut random = Random::for_stream(seed, FOURIER_STREAM);
        let frequencies: Vec<f64> = (0..columns * components)
            .map(|_| deviation * standard_normal(&mut random))
            .collect();
        let phases = (0..components).map(|_| 2.0 * PI * random.unit()).collect();
        Ok(FourierMap {
            frequencies: Matrix::new(components, columns, frequencies)?,
            phases,
        })
    }

    /// How many features the map makes (`D`).
    pub fn components(&self) -> usize {
        self.frequencies.rows()
    }

    /// How many columns an input row has.
    pub fn input_columns(&self) -> usize {
        self.frequencies.columns()
    }

    /// The features of one row (of [`FourierMap::input_columns`] values) into `out`
    /// (of [`FourierMap::components`] values).
    pub fn transform_into(&self, x: &[f64], out: &mut [f64]) {
        let scale = (2.0 / self.components() as f64).sqrt();
        for (feature, (value, phase)) in out.iter_mut().zip(&self.phases).enumerate() {
            *value = scale * (dot(self.frequencies.row(feature), x) + phase).cos();
        }
    }

    /// The features of one row.
    pub fn transform(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.components()];
        self.transform_into(x, &mut out);
        out
    }

    /// The features of every row of `data`, quantized ([`QuantizedRows`]); `None`
    /// when `control`'s stop flag was raised.
    pub fn features(&self, data: &Matrix, control: &FitControl) -> Option<QuantizedRows> {
        let size = self.components();
        let fill = |first: usize, values: &mut [f64]| {
            for (offset, row) in values.chunks_exact_mut(size).enumerate() {
                self.transform_into(data.row(first + offset), row);
            }
        };
        QuantizedRows::computed(data.rows(), size, FEATURE_CHUNK_ROWS, control, fill)
    }

    /// Checks a map read from outside: one phase per frequency row, every number finite.
    pub fn validate(&self) -> Result<(), EngineError> {
        let invalid = |message: String| Err(EngineError::InvalidModel(message));
        if self.components() == 0 || self.input_columns() == 0 {
            return invalid("the random Fourier map has no frequencies".into());
        }
        if self.phases.len() != self.components() {
            return invalid(format!(
                "the random Fourier map has {} phases for {} frequency rows",
                self.phases.len(),
                self.components()
            ));
        }
        if let Some(position) = self
            .frequencies
            .values()
            .iter()
            .position(|v| !v.is_finite())
        {
            return invalid(format!(
                "random Fourier frequency {} is not a finite number",
                position + 1
            ));
        }
        if let Some(position) = self.phases.iter().position(|v| !v.is_finite()) {
            return invalid(format!(
                "random Fourier phase {} is not a finite number",
                position + 1
            ));
        }
        Ok(())
    }
}

/// A draw from the standard normal distribution (Box–Muller: the cosine half).
fn standard_normal(random: &mut Random) -> f64 {
    // 1 − unit() is in (0, 1]: its logarithm is finite.
    let radius = (-2.0 * (1.0 - random.unit()).ln()).sqrt();
    radius * (2.0 * PI * random.unit()).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Kernel;

    #[test]
    fn feature_products_approach_the_rbf_kernel() {
        let rows = [
            vec![0.0, 0.0, 0.0],
            vec![0.3, -0.2, 0.1],
            vec![1.0, 0.5, -0.5],
            vec![-0.7, 0.9, 0.4],
        ];
        let gamma = 0.5;
        let kernel = Kernel::Rbf { gamma };
        let map = FourierMap::sample(3, 20_000, gamma, 7).unwrap();
        let features: Vec<Vec<f64>> = rows.iter().map(|row| map.transform(row)).collect();
        for i in 0..rows.len() {
            for j in 0..rows.len() {
                let approximate = dot(&features[i], &features[j]);
                let exact = kernel.evaluate(&rows[i], &rows[j]);
                // The error shrinks like 1/√D: about 0.01 at 20,000 features.
                assert!(
                    (approximate - exact).abs() < 0.03,
                    "{i},{j}: {approximate} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn the_same_seed_draws_the_same_map() {
        let first = FourierMap::sample(4, 50, 0.1, 3).unwrap();
        assert_eq!(first, FourierMap::sample(4, 50, 0.1, 3).unwrap());
        assert_ne!(first, FourierMap::sample(4, 50, 0.1, 4).unwrap());
        assert!(first.validate().is_ok());
        assert!(first.phases.iter().all(|b| (0.0..2.0 * PI).contains(b)));
    }

    #[test]
    fn bad_sizes_and_values_are_refused() {
        assert!(FourierMap::sample(0, 10, 1.0, 0).is_err());
        assert!(FourierMap::sample(3, 0, 1.0, 0).is_err());
        assert!(FourierMap::sample(3, 10, 0.0, 0).is_err());
        assert!(FourierMap::sample(3, 10, f64::NAN, 0).is_err());
        let mut map = FourierMap::sample(3, 10, 1.0, 0).unwrap();
        map.phases.pop();
        assert!(map.validate().is_err());
        let mut map = FourierMap::sample(3, 10, 1.0, 0).unwrap();
        map.phases[2] = f64::INFINITY;
        assert!(map.validate().is_err());
    }
}
