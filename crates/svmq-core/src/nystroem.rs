//! Kernel SVMs for many rows by the Nyström method (Williams & Seeger, "Using the
//! Nyström method to speed up kernel machines", 2001): the kernel is approximated
//! through a few hundred landmark rows, `k(x, y) ≈ k(x, S)·W⁻¹·k(S, y)` with `W =
//! k(S, S)`, which is the dot product of the features `φ(x) = L⁻¹·k(S, x)` where `W =
//! L·Lᵀ` (Cholesky). The linear solver trains on those features, in time linear in the
//! rows, and the result is handed back as an ordinary kernel [`Model`]: a weight
//! vector `v` on the features is `v·L⁻¹·k(S, x) = a·k(S, x)` with `a = L⁻ᵀ·v`, so the
//! landmarks are the model's support vectors and `a` their coefficients. Whatever
//! reads, predicts or exports models needs to know nothing of the approximation.
//!
//! Landmarks are a uniform sample of the training rows. A landmark the others already
//! nearly span (a duplicate, or near one) would make `W` singular; the Cholesky
//! factorization pivots on the largest remaining diagonal and leaves out every
//! landmark whose remaining variance is below [`PIVOT_TOLERANCE`] of the largest, so
//! the features stay well scaled.
//!
//! In the model each class holds a copy of the landmarks with its own coefficients
//! (LIBSVM's layout pairs classes through their own support vectors), as the linear
//! solver's models hold one vector per class (`linear_svm`): a pair `(i, j)` decides by
//! the difference of the two classes' one-vs-rest functions.

use crate::control::FitControl;
use crate::error::EngineError;
use crate::feature_rows::QuantizedRows;
use crate::kernel::kernel_values_against;
use crate::linear::LinearModel;
use crate::linear_svm::{pair_offsets, pair_sign};
use crate::matrix::Matrix;
use crate::model::{Model, ProbabilityModel};
use crate::params::{Kernel, SvmType};
use crate::random::Random;
use rayon::prelude::*;

mod factorization;

use factorization::{lower_inverse, pivoted_cholesky, project};

/// Landmarks when none are asked for. On generated 20-feature data (bench/large_rbf),
/// 300 landmarks scored 1.5 points below an exact RBF SVM tuned on a 20,000-row sample,
/// a thousand above it.
pub const DEFAULT_LANDMARKS: usize = 1_000;

/// The most landmarks a fit takes: the factorization grows with their cube and every
/// row's features with their square.
pub const MAX_LANDMARKS: usize = 2_000;

/// A landmark is left out when its kernel variance not explained by the landmarks
/// before it is below this fraction of the largest.
pub const PIVOT_TOLERANCE: f64 = 1e-6;

/// Rows per parallel task when features are computed.
const FEATURE_CHUNK_ROWS: usize = 64;

/// The feature map of a Nyström approximation.
#[derive(Debug, Clone)]
pub struct NystroemMap {
    kernel: Kernel,
    /// The landmarks kept, in pivot order.
    landmarks: Matrix,
    landmark_norms: Vec<f64>,
    /// `L`, row-major and lower-triangular: `k(S, S) = L·Lᵀ`.
    factor: Vec<f64>,
    /// `L⁻¹`, row-major and lower-triangular: the features are `L⁻¹·k(S, x)`, a
    /// product whose rows are independent dot products (substitution would chain them).
    inverse: Vec<f64>,
}

impl NystroemMap {
    /// Chooses up to `count` landmarks among the rows of `data` (uniformly, from
    /// `seed`) and factors their kernel matrix under `kernel`, which must be positive
    /// semi-definite (RBF, or polynomial with a non-negative constant).
    pub fn fit(
        data: &Matrix,
        kernel: Kernel,
        count: usize,
        seed: u64,
    ) -> Result<NystroemMap, EngineError> {
        if data.rows() == 0 {
            return Err(EngineError::InvalidData(
                "the training data has no rows".into(),
            ));
        }
        if count == 0 || count > MAX_LANDMARKS {
            return Err(EngineError::InvalidParameter(format!(
                "landmarks must be between 1 and {MAX_LANDMARKS}, got {count}"
            )));
        }
        let candidates = sample_rows(data.rows(), count, seed);
        let candidates = data.select_rows(&candidates);
        let norms = candidates.squared_norms();
        let size = candidates.rows();
        let mut gram = vec![0.0; size * size];
        gram.par_chunks_mut(size)
            .enumerate()
            .for_each(|(row, out)| {
                kernel_values_against(&kernel, candidates.row(row), &candidates, &norms, out);
            });
        let (pivots, factor) = pivoted_cholesky(&gram, size);
        if pivots.is_empty() {
            return Err(EngineError::InvalidData(
                "the kernel is zero on every landmark; the Nyström approximation needs a \
                 kernel with a positive value of k(x, x)"
                    .into(),
            ));
        }
        let landmarks = candidates.select_rows(&pivots);
        Ok(NystroemMap {
            kernel,
            landmark_norms: landmarks.squared_norms(),
            landmarks,
            inverse: lower_inverse(&factor, pivots.len()),
            factor,
        })
    }

    /// How many landmarks the map kept.
    pub fn landmarks(&self) -> usize {
        self.landmarks.rows()
    }

    /// The features of every row of `data`, quantized ([`QuantizedRows`]); `None`
    /// when `control`'s stop flag was raised.
    pub fn features(&self, data: &Matrix, control: &FitControl) -> Option<QuantizedRows> {
        let size = self.landmarks();
        let fill = |first: usize, projected: &mut [f64]| {
            let mut kernel_rows = vec![0.0; projected.len()];
            for (offset, kernel_row) in kernel_rows.chunks_exact_mut(size).enumerate() {
                kernel_values_against(
                    &self.kernel,
                    data.row(first + offset),
                    &self.landmarks,
                    &self.landmark_norms,
                    kernel_row,
                );
            }
            project(&self.inverse, size, &kernel_rows, projected);
        };
        QuantizedRows::computed(data.rows(), size, FEATURE_CHUNK_ROWS, control, fill)
    }

    /// `a = L⁻ᵀ·v`, by back substitution: the landmark coefficients of the feature
    /// weights `v`.
    fn landmark_coefficients(&self, weights: &[f64]) -> Vec<f64> {
        let size = self.landmarks();
        let mut coefficients = vec![0.0; size];
        for i in (0..size).rev() {
            let known: f64 = (i + 1..size)
                .map(|j| self.factor[j * size + i] * coefficients[j])
                .sum();
            coefficients[i] = (weights[i] - known) / self.factor[i * size + i];
        }
        coefficients
    }

    /// The kernel model that decides as `linear`, a linear model on this map's
    /// features (module docs), with `probability`.
    pub fn engine_model(
        &self,
        linear: &LinearModel,
        probability: Option<ProbabilityModel>,
    ) -> Model {
        let functions: Vec<(Vec<f64>, f64)> = linear
            .class_functions()
            .into_iter()
            .map(|(weights, offset)| (self.landmark_coefficients(&weights), offset))
            .collect();
        let size = self.landmarks();
        if linear.is_regression() {
            return Model {
                svm_type: SvmType::EpsilonSvr,
                kernel: self.kernel,
                labels: Vec::new(),
                support_vectors: self.landmarks.clone(),
                support_vector_counts: Vec::new(),
                coefficients: vec![functions[0].0.clone()],
                rho: vec![-functions[0].1],
                probability,
                support_vector_indices: Vec::new(),
                feature_map: None,
            };
        }
        let classes = functions.len();
        let every_class: Vec<usize> = (0..classes * size).map(|row| row % size).collect();
        let coefficients: Vec<Vec<f64>> = (0..classes - 1)
            .map(|row| {
                (0..classes)
                    .flat_map(|class| {
                        let sign = pair_sign(row, class);
                        functions[class].0.iter().map(move |a| sign * a)
                    })
                    .collect()
            })
            .collect();
        let offsets: Vec<f64> = functions.iter().map(|(_, offset)| *offset).collect();
        let rho = pair_offsets(&offsets);
        Model {
            svm_type: SvmType::CSvc,
            kernel: self.kernel,
            labels: linear.labels().to_vec(),
            support_vectors: self.landmarks.select_rows(&every_class),
            support_vector_counts: vec![size; classes],
            coefficients,
            rho,
            probability,
            support_vector_indices: Vec::new(),
            feature_map: None,
        }
    }
}

/// `count` distinct rows of `rows` (all of them when there are fewer), in ascending
/// order: the first `count` of a partial Fisher–Yates shuffle.
fn sample_rows(rows: usize, count: usize, seed: u64) -> Vec<usize> {
    let count = count.min(rows);
    let mut random = Random::for_stream(seed, 0x6e7973);
    let mut order: Vec<usize> = (0..rows).collect();
    for position in 0..count {
        let pick = position + random.below(rows - position);
        order.swap(position, pick);
    }
    order.truncate(count);
    order.sort_unstable();
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rbf(gamma: f64) -> Kernel {
        Kernel::Rbf { gamma }
    }

    fn grid(rows: usize) -> Matrix {
        let values: Vec<f64> = (0..rows)
            .flat_map(|row| {
                let t = row as f64 / rows as f64;
                [(7.0 * t).sin() * 2.0, (3.0 * t).cos() - t]
            })
            .collect();
        Matrix::new(rows, 2, values).unwrap()
    }

    #[test]
    fn with_every_row_a_landmark_the_features_reproduce_the_kernel() {
        let data = grid(40);
        let kernel = rbf(0.7);
        let map = NystroemMap::fit(&data, kernel, 40, 3).unwrap();
        let features = map.features(&data, &FitControl::new()).unwrap();
        let mut left = vec![0.0; map.landmarks()];
        let mut right = vec![0.0; map.landmarks()];
        for i in (0..40).step_by(7) {
            for j in (0..40).step_by(5) {
                use crate::feature_rows::FeatureRows;
                features.copy_row(i, &mut left);
                features.copy_row(j, &mut right);
                let approximate: f64 = left.iter().zip(&right).map(|(a, b)| a * b).sum();
                let exact = kernel.evaluate(data.row(i), data.row(j));
                assert!(
                    (approximate - exact).abs() < 1e-3,
                    "{i},{j}: {approximate} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn duplicate_landmarks_are_left_out() {
        let row = [1.0, 2.0];
        let data = Matrix::from_rows(&[row.to_vec(), row.to_vec(), vec![0.0, 0.0]]).unwrap();
        let map = NystroemMap::fit(&data, rbf(0.5), 3, 1).unwrap();
        assert_eq!(map.landmarks(), 2);
        assert!(map.factor.iter().all(|value| value.is_finite()));
    }

    #[test]
    fn the_kernel_model_decides_as_the_linear_model_on_the_features() {
        let data = grid(60);
        let map = NystroemMap::fit(&data, rbf(0.9), 12, 5).unwrap();
        let features = map.features(&data, &FitControl::new()).unwrap();
        let size = map.landmarks();
        let weights = |shift: f64| -> Vec<f64> {
            (0..size)
                .map(|i| ((i as f64) * 0.37 + shift).sin())
                .collect()
        };
        let models = [
            LinearModel::new(vec![1.0, 0.0], vec![weights(0.0)], vec![0.2], Some(1.0)).unwrap(),
            LinearModel::new(
                vec![2.0, 0.0, 1.0],
                vec![weights(0.0), weights(1.0), weights(2.0)],
                vec![0.1, -0.3, 0.05],
                Some(1.0),
            )
            .unwrap(),
            LinearModel::new(vec![], vec![weights(0.5)], vec![-0.4], Some(1.0)).unwrap(),
        ];
        let mut feature_row = vec![0.0; size];
        for linear in &models {
            let model = map.engine_model(linear, None);
            model.validate().expect("a well-formed model");
            let predictor = model.predictor();
            for row in (0..60).step_by(3) {
                use crate::feature_rows::FeatureRows;
                features.copy_row(row, &mut feature_row);
                let values = linear.decision_values(&feature_row);
                let prediction = predictor.predict(data.row(row), false);
                let expected = if linear.labels().len() > 2 {
                    values[0] - values[1]
                } else {
                    values[0]
                };
                // Quantized features: agreement to their precision.
                assert!(
                    (prediction.decision_values[0] - expected).abs() < 1e-3,
                    "{} vs {expected}",
                    prediction.decision_values[0]
                );
            }
        }
    }
}
