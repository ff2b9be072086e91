//! A trained SVM and its predictions.
//!
//! The fields mirror what a LIBSVM model file holds, so a model converts to and from
//! that format without loss (but for a random Fourier feature map, which that format
//! has no room for). Classification is one-vs-one: the pair `(i, j)`, `i < j`
//! in `labels` order, treats class `i` as +1; pairs are ordered (0,1), (0,2), …, (1,2), ….

use crate::fourier::FourierMap;
use crate::kernel::kernel_values_against;
use crate::matrix::{dot, Matrix};
use crate::params::{Kernel, SvmType};
use crate::probability;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Probability information fitted at training time (`-b 1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProbabilityModel {
    /// One Platt sigmoid `1 / (1 + exp(a·f + b))` per class pair.
    Pairwise {
        /// The slope `a` of each pair's sigmoid, in pair order.
        a: Vec<f64>,
        /// The offset `b` of each pair's sigmoid, in pair order.
        b: Vec<f64>,
    },
    /// Regression: residuals follow a Laplace distribution of scale `sigma`.
    Laplace {
        /// The scale, in the units of the regression target.
        sigma: f64,
    },
}

/// A trained SVM: formulation, kernel, support vectors and decision functions, laid
/// out as LIBSVM's model file has them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// The formulation it was trained as.
    pub svm_type: SvmType,
    /// The kernel, with the parameters it was trained with.
    pub kernel: Kernel,
    /// Class labels in LIBSVM's order (first appearance in the training data, with
    /// +1 before −1 for a ±1 problem); empty for regression and one-class.
    pub labels: Vec<f64>,
    /// Support vectors, grouped by class in `labels` order for classifiers.
    pub support_vectors: Matrix,
    /// How many support vectors each class has (empty without classes).
    pub support_vector_counts: Vec<usize>,
    /// LIBSVM's `sv_coef` layout: `classes − 1` rows (one row without classes) of one
    /// coefficient per support vector. A support vector of class `c` keeps, in row `k`,
    /// its coefficient for the pair with class `k` if `k < c`, else with class `k + 1`.
    pub coefficients: Vec<Vec<f64>>,
    /// The offset ρ of each decision function `f(x) = Σ coef·k(sv, x) − ρ`.
    pub rho: Vec<f64>,
    /// The probability model, when trained with probability estimates.
    pub probability: Option<ProbabilityModel>,
    /// 1-based positions of the support vectors in the training data, when known.
    #[serde(default)]
    pub support_vector_indices: Vec<usize>,
    /// A map applied to every row before the kernel: random Fourier features, whose
    /// model is linear on the features (`crate::fourier`). The support vectors then
    /// have the map's columns, the rows to predict the map's input columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_map: Option<FourierMap>,
}

impl Model {
    /// How many classes a classifier knows; 0 for regression and one-class.
    pub fn class_count(&self) -> usize {
        self.labels.len()
    }

    /// How many decision values `decision_values` returns.
    pub fn decision_value_count(&self) -> usize {
        if self.svm_type.is_classification() {
            let k = self.labels.len();
            k * (k - 1) / 2
        } else {
            1
        }
    }

    /// The number of features a row to predict has: the support vectors' (or, with a
    /// feature map, the map's input columns).
    pub fn feature_count(&self) -> usize {
        match &self.feature_map {
            Some(map) => map.input_columns(),
            None => self.support_vectors.columns(),
        }
    }

    /// A predictor that caches what every prediction needs (support vector norms).
    pub fn predictor(&self) -> Predictor<'_> {
        let norms = match self.kernel {
            Kernel::Rbf { .. } => self.support_vectors.squared_norms(),
            _ => Vec::new(),
        };
        Predictor {
            model: self,
            norms,
            starts: self.class_starts(),
        }
    }

    /// Start of each class's support vectors in `support_vectors`.
    fn class_starts(&self) -> Vec<usize> {
        let mut starts = Vec::with_capacity(self.support_vector_counts.len());
        let mut start = 0;
        for &count in &self.support_vector_counts {
            starts.push(start);
            start += count;
        }
        starts
    }
}

/// A model ready to predict many rows.
pub struct Predictor<'a> {
    model: &'a Model,
    norms: Vec<f64>,
    /// Start of each class's support vectors.
    starts: Vec<usize>,
}

/// One prediction with everything behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The label (classification), the value (regression), or ±1 (one-class).
    pub value: f64,
    /// One value per class pair, or one value.
    pub decision_values: Vec<f64>,
    /// Class probabilities in `labels` order, when the model has them.
    pub probabilities: Option<Vec<f64>>,
}

impl Predictor<'_> {
    /// k(svₛ, x) for every support vector.
    pub fn kernel_values(&self, x: &[f64]) -> Vec<f64> {
        let model = self.model;
        let mapped;
        let x = match &model.feature_map {
            Some(map) => {
                mapped = map.transform(x);
                mapped.as_slice()
            }
            None => x,
        };
        let mut values = vec![0.0; model.support_vectors.rows()];
        kernel_values_against(
            &model.kernel,
            x,
            &model.support_vectors,
            &self.norms,
            &mut values,
        );
        values
    }

    /// The decision values for one row.
    pub fn decision_values(&self, x: &[f64]) -> Vec<f64> {
        self.decision_values_from_kernel(&self.kernel_values(x))
    }

    /// The decision values from the kernel values `k(svₛ, x)` of every support vector
    /// (for callers that compute those faster, e.g. from precomputed dot products).
    pub fn decision_values_from_kernel(&self, values: &[f64]) -> Vec<f64> {
        let model = self.model;
        if !model.svm_type.is_classification() {
            return vec![dot(&model.coefficients[0], values) - model.rho[0]];
        }
        let classes = model.labels.len();
        let counts = &model.support_vector_counts;
        let mut decisions = Vec::with_capacity(model.decision_value_count());
        let mut pair = 0;
        for i in 0..classes {
            for j in i + 1..classes {
                // Class i's vectors keep the pair's coefficient in row j − 1,
                // class j's vectors in row i.
                let (range_i, range_j) = (
                    self.starts[i]..self.starts[i] + counts[i],
                    self.starts[j]..self.starts[j] + counts[j],
                );
                let sum_i = dot(
                    &model.coefficients[j - 1][range_i.clone()],
                    &values[range_i],
                );
                let sum_j = dot(&model.coefficients[i][range_j.clone()], &values[range_j]);
                decisions.push(sum_i + sum_j - model.rho[pair]);
                pair += 1;
            }
        }
        decisions
    }

    /// Predicts one row; probabilities are computed when the model has them and
    /// `with_probability` is set.
    pub fn predict(&self, x: &[f64], with_probability: bool) -> Prediction {
        self.predict_from_kernel(&self.kernel_values(x), with_probability)
    }

    /// `predict` from the kernel values of every support vector.
    pub fn predict_from_kernel(&self, values: &[f64], with_probability: bool) -> Prediction {
        let model = self.model;
        let decision_values = self.decision_values_from_kernel(values);
        match model.svm_type {
            SvmType::EpsilonSvr | SvmType::NuSvr => Prediction {
                value: decision_values[0],
                decision_values,
                probabilities: None,
            },
            SvmType::OneClass => Prediction {
                value: if decision_values[0] > 0.0 { 1.0 } else { -1.0 },
                decision_values,
                probabilities: None,
            },
            SvmType::CSvc | SvmType::NuSvc => {
                let classes = model.labels.len();
                let probabilities = match (&model.probability, with_probability) {
                    (Some(ProbabilityModel::Pairwise { a, b }), true) => {
                        Some(pairwise_probabilities(&decision_values, a, b, classes))
                    }
                    _ => None,
                };
                let winner = match &probabilities {
                    Some(p) => argmax(p),
                    None => vote(&decision_values, classes),
                };
                Prediction {
                    value: model.labels[winner],
                    decision_values,
                    probabilities,
                }
            }
        }
    }

    /// Predicts every row of a matrix, in parallel.
    pub fn predict_all(&self, rows: &Matrix, with_probability: bool) -> Vec<Prediction> {
        (0..rows.rows())
            .into_par_iter()
            .with_min_len(16)
            .map(|i| self.predict(rows.row(i), with_probability))
            .collect()
    }
}

/// One-vs-one voting: each pair votes for the class its decision value favours;
/// ties go to the class that comes first.
fn vote(decision_values: &[f64], classes: usize) -> usize {
    let mut votes = vec![0usize; classes];
    let mut pair = 0;
    for i in 0..classes {
        for j in i + 1..classes {
            if decision_values[pair] > 0.0 {
                votes[i] += 1;
            } else {
                votes[j] += 1;
            }
            pair += 1;
        }
    }
    let mut best = 0;
    for (class, &count) in votes.iter().enumerate() {
        if count > votes[best] {
            best = class;
        }
    }
    best
}

fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (index, &value) in values.iter().enumerate() {
        if value > values[best] {
            best = index;
        }
    }
    best
}

/// Class probabilities from pairwise Platt sigmoids, coupled.
fn pairwise_probabilities(
    decision_values: &[f64],
    a: &[f64],
    b: &[f64],
    classes: usize,
) -> Vec<f64> {
    const MIN_PROBABILITY: f64 = 1e-7;
    let mut pairwise = vec![vec![0.0; classes]; classes];
    let pairs = (0..classes).flat_map(|i| (i + 1..classes).map(move |j| (i, j)));
    for (pair, (i, j)) in pairs.enumerate() {
        let p = probability::sigmoid_predict(decision_values[pair], a[pair], b[pair])
            .clamp(MIN_PROBABILITY, 1.0 - MIN_PROBABILITY);
        pairwise[i][j] = p;
        pairwise[j][i] = 1.0 - p;
    }
    if classes == 2 {
        return vec![pairwise[0][1], pairwise[1][0]];
    }
    probability::couple_pairwise(&pairwise)
}
