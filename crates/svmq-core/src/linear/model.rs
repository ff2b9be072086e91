//! A trained linear model: weights and an intercept per decision function, and the
//! labels for a classifier. Prediction is a dot product per decision function.
//!
//! Two classes have one decision function (positive for the first label); more
//! classes have one per class, one-vs-rest, and the largest value wins (the first
//! on ties); regression has one, whose value is the prediction.

use crate::error::EngineError;
use crate::matrix::{dot, Matrix};

/// Weights `w` and intercept `b` of each decision function `f(x) = w·x + b`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    labels: Vec<f64>,
    weights: Vec<Vec<f64>>,
    intercepts: Vec<f64>,
    bias: Option<f64>,
}

impl LinearModel {
    /// Builds a model, checking that its parts fit together: no labels (regression)
    /// or at least two distinct finite labels; one decision function for regression
    /// and two classes, one per class beyond; weights of one length, every number
    /// finite; a bias feature B that is positive, or none and intercepts of 0.
    /// `intercepts` are `B·w_B`, what is added to `w·x`.
    pub fn new(
        labels: Vec<f64>,
        weights: Vec<Vec<f64>>,
        intercepts: Vec<f64>,
        bias: Option<f64>,
    ) -> Result<LinearModel, EngineError> {
        let invalid = |message: String| Err(EngineError::InvalidModel(message));
        let functions = match labels.len() {
            0 | 2 => 1,
            1 => return invalid("a classifier needs at least two labels".into()),
            classes => classes,
        };
        if weights.len() != functions || intercepts.len() != functions {
            return invalid(format!(
                "{} labels need {functions} decision functions, got {} weight vectors \
                 and {} intercepts",
                labels.len(),
                weights.len(),
                intercepts.len()
            ));
        }
        for (index, label) in labels.iter().enumerate() {
            if !label.is_finite() || labels[..index].contains(label) {
                return invalid(format!("label {label} is repeated or not finite"));
            }
        }
        let columns = weights[0].len();
        if weights.iter().any(|vector| vector.len() != columns) {
            return invalid("the weight vectors differ in length".into());
        }
        if !weights
            .iter()
            .flatten()
            .chain(&intercepts)
            .all(|value| value.is_finite())
        {
            return invalid("a weight or an intercept is not a finite number".into());
        }
        match bias {
            Some(value) if !(value.is_finite() && value > 0.0) => {
                return invalid(format!("the bias feature must be positive, got {value}"))
            }
            None if intercepts.iter().any(|&intercept| intercept != 0.0) => {
                return invalid("a model without a bias feature has intercepts of 0".into())
            }
            _ => {}
        }
        Ok(LinearModel {
            labels,
            weights,
            intercepts,
            bias,
        })
    }

    /// The class labels, in decision-function order; empty for regression.
    pub fn labels(&self) -> &[f64] {
        &self.labels
    }

    /// Whether the model predicts values rather than labels.
    pub fn is_regression(&self) -> bool {
        self.labels.is_empty()
    }

    /// The weights `w` of each decision function, one per feature.
    pub fn weights(&self) -> &[Vec<f64>] {
        &self.weights
    }

    /// The intercept `b = B·w_B` of each decision function.
    pub fn intercepts(&self) -> &[f64] {
        &self.intercepts
    }

    /// The bias feature's value B, none for a model without intercept.
    pub fn bias(&self) -> Option<f64> {
        self.bias
    }

    /// Features the model was trained on.
    pub fn columns(&self) -> usize {
        self.weights[0].len()
    }

    /// `w·x + b` of every decision function. A shorter `x` is zero beyond its end; a
    /// longer one is read up to the model's columns.
    pub fn decision_values(&self, x: &[f64]) -> Vec<f64> {
        self.weights
            .iter()
            .zip(&self.intercepts)
            .map(|(weights, intercept)| dot(weights, x) + intercept)
            .collect()
    }

    /// Per class, a weight vector `v_k` and an offset `c_k` such that the decision of
    /// the pair (i, j) is `(v_i − v_j)·x + c_i − c_j`: the one-vs-rest `(w_k, b_k)` for
    /// more than two classes, `(w/2, b/2)` and `(−w/2, −b/2)` for two (whose difference is
    /// the one decision function), and regression's one `(w, b)`.
    pub(crate) fn class_functions(&self) -> Vec<(Vec<f64>, f64)> {
        let (weights, intercepts) = (&self.weights, &self.intercepts);
        if self.labels.len() == 2 {
            let half: Vec<f64> = weights[0].iter().map(|weight| 0.5 * weight).collect();
            let negative: Vec<f64> = half.iter().map(|weight| -weight).collect();
            let offset = 0.5 * intercepts[0];
            vec![(half, offset), (negative, -offset)]
        } else {
            weights
                .iter()
                .cloned()
                .zip(intercepts.iter().copied())
                .collect()
        }
    }

    /// The predicted label, or value for regression.
    pub fn predict(&self, x: &[f64]) -> f64 {
        let values = self.decision_values(x);
        match self.labels.len() {
            0 => values[0],
            2 => {
                if values[0] > 0.0 {
                    self.labels[0]
                } else {
                    self.labels[1]
                }
            }
            _ => {
                let mut best = 0;
                for (class, &value) in values.iter().enumerate() {
                    if value > values[best] {
                        best = class;
                    }
                }
                self.labels[best]
            }
        }
    }

    /// `predict` of every row.
    pub fn predict_rows(&self, data: &Matrix) -> Vec<f64> {
        (0..data.rows())
            .map(|row| self.predict(data.row(row)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inconsistent_parts_are_refused() {
        let weights = || vec![vec![1.0, 2.0]];
        assert!(LinearModel::new(vec![1.0], weights(), vec![0.0], Some(1.0)).is_err());
        assert!(LinearModel::new(vec![1.0, 1.0], weights(), vec![0.0], Some(1.0)).is_err());
        assert!(LinearModel::new(vec![1.0, 2.0, 3.0], weights(), vec![0.0], Some(1.0)).is_err());
        assert!(LinearModel::new(vec![], vec![vec![f64::NAN]], vec![0.0], Some(1.0)).is_err());
        assert!(LinearModel::new(vec![], weights(), vec![1.0], None).is_err());
        assert!(LinearModel::new(vec![], weights(), vec![0.0], Some(0.0)).is_err());
        assert!(LinearModel::new(vec![], weights(), vec![1.0], Some(1.0)).is_ok());
    }

    #[test]
    fn two_classes_take_the_sign_and_more_take_the_largest_value() {
        let binary =
            LinearModel::new(vec![3.0, 7.0], vec![vec![1.0, -1.0]], vec![0.5], Some(1.0)).unwrap();
        assert_eq!(binary.predict(&[1.0, 0.0]), 3.0);
        assert_eq!(binary.predict(&[0.0, 1.0]), 7.0);
        let many = LinearModel::new(
            vec![1.0, 2.0, 3.0],
            vec![vec![1.0, 0.0], vec![0.0, 1.0], vec![-1.0, -1.0]],
            vec![0.0, 0.0, 0.0],
            Some(1.0),
        )
        .unwrap();
        assert_eq!(many.predict(&[2.0, 1.0]), 1.0);
        assert_eq!(many.predict(&[1.0, 2.0]), 2.0);
        assert_eq!(many.predict(&[-1.0, -1.0]), 3.0);
        assert_eq!(
            many.predict(&[0.0, 0.0]),
            1.0,
            "a tie goes to the first class"
        );
    }
}
