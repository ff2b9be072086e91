//! What a linear fit is asked for, and its validation: the task (classification or
//! ε-insensitive regression), the loss, C and the class weights, the bias feature, and
//! the solver's stopping rule. `LinearParams::validate` checks it once and returns
//! `ValidLinearParams`, which the linear trainers take as proof.

use crate::error::EngineError;
use serde::{Deserialize, Serialize};

/// The loss on each training row, with LIBLINEAR's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinearLoss {
    /// The loss itself: hinge `max(0, 1 − y·f(x))` for classification (LIBLINEAR
    /// `-s 3`), `max(0, |f(x) − y| − ε)` for regression (`-s 13`).
    L1,
    /// The loss squared: `max(0, 1 − y·f(x))²` (LIBLINEAR `-s 1`, its default) and
    /// `max(0, |f(x) − y| − ε)²` (`-s 12`).
    L2,
}

/// What the linear model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinearTask {
    /// Class labels: one decision function for two classes, one per class
    /// (one-vs-rest) for more.
    Classification,
    /// Real values, with no loss inside the tube `|f(x) − y| ≤ ε`.
    Regression {
        /// The tube's half-width ε, finite and at least 0 (LIBLINEAR's `-p`, default 0.1).
        epsilon: f64,
    },
}

/// Everything a linear fit needs besides the data.
///
/// The primal problem is `min ½‖w̃‖² + Σᵢ Cᵢ·loss(w̃·x̃ᵢ, yᵢ)` where `x̃ = (x, B)` carries
/// the bias feature B as a last, constant feature and `w̃ = (w, w_B)`: the intercept is
/// `B·w_B` and, as in LIBLINEAR with `-B`, it is regularized with the weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearParams {
    /// Classification or regression.
    pub task: LinearTask,
    /// L1 or L2 loss.
    pub loss: LinearLoss,
    /// The cost C of the loss, finite and positive.
    pub c: f64,
    /// Multipliers of C for the rows of a class: (label, weight); a row of class `j`
    /// has cost `C·weight_j` in every subproblem it takes part in. Classification only.
    pub class_weights: Vec<(f64, f64)>,
    /// The bias feature's value B (LIBLINEAR's `-B`), finite and positive; `None` fits
    /// no intercept. Default `Some(1.0)`, LIBLINEAR's `-B 1`.
    pub bias: Option<f64>,
    /// The stopping tolerance, LIBLINEAR's `-e` for its dual solvers (default 0.1).
    /// Classification stops when the largest minus the smallest projected gradient is
    /// at most this; regression when the 1-norm of the minimum-norm subgradient over a
    /// pass is at most this times its value over a cold start's first pass.
    pub tolerance: f64,
    /// The most passes over the rows per subproblem (default 300, the limit of
    /// LIBLINEAR 2.50's dual solvers).
    pub max_passes: usize,
    /// Whether to set aside variables that are likely to stay at a bound (on by
    /// default; they are brought back before the fit can end).
    pub shrinking: bool,
    /// Seeds the order of the rows in each pass.
    pub seed: u64,
}

impl Default for LinearParams {
    fn default() -> LinearParams {
        LinearParams {
            task: LinearTask::Classification,
            loss: LinearLoss::L2,
            c: 1.0,
            class_weights: Vec::new(),
            bias: Some(1.0),
            tolerance: 0.1,
            max_passes: 300,
            shrinking: true,
            seed: 0,
        }
    }
}

/// `LinearParams` that passed `LinearParams::validate`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidLinearParams(LinearParams);

impl std::ops::Deref for ValidLinearParams {
    type Target = LinearParams;

    fn deref(&self) -> &LinearParams {
        &self.0
    }
}

impl ValidLinearParams {
    /// The same parameters with another C, checked as `validate` would.
    pub fn with_c(&self, c: f64) -> Result<ValidLinearParams, EngineError> {
        LinearParams {
            c,
            ..self.0.clone()
        }
        .validate()
    }

    /// The cost of a row of class `label`: C times the class's weight.
    pub(crate) fn cost_of_class(&self, label: f64) -> f64 {
        self.class_weights
            .iter()
            .filter(|(weighted, _)| *weighted == label)
            .map(|&(_, weight)| weight)
            .product::<f64>()
            * self.c
    }

    /// The bias feature's value, 0 without a bias (the solvers then never move `w_B`).
    pub(crate) fn bias_value(&self) -> f64 {
        self.bias.unwrap_or(0.0)
    }
}

impl LinearParams {
    /// Checks every field's range; the message names the field and what it takes.
    pub fn validate(self) -> Result<ValidLinearParams, EngineError> {
        check_cost("C", self.c)?;
        if let LinearTask::Regression { epsilon } = self.task {
            if !(epsilon.is_finite() && epsilon >= 0.0) {
                return Err(EngineError::InvalidParameter(format!(
                    "epsilon must be a finite number of at least 0, got {epsilon}"
                )));
            }
            if !self.class_weights.is_empty() {
                return Err(EngineError::InvalidParameter(
                    "class weights apply to classification only".into(),
                ));
            }
        }
        for &(label, weight) in &self.class_weights {
            if !label.is_finite() {
                return Err(EngineError::InvalidParameter(format!(
                    "a class weight's label must be a finite number, got {label}"
                )));
            }
            if !(weight.is_finite() && weight > 0.0) {
                return Err(EngineError::InvalidParameter(format!(
                    "the weight of class {label} must be a positive number, got {weight}"
                )));
            }
            check_cost(
                &format!("C times the weight of class {label}"),
                self.c * weight,
            )?;
        }
        if let Some(bias) = self.bias {
            if !(bias.is_finite() && bias > 0.0) {
                return Err(EngineError::InvalidParameter(format!(
                    "the bias feature must be a positive number (or none), got {bias}"
                )));
            }
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(EngineError::InvalidParameter(format!(
                "the tolerance must be a positive number, got {}",
                self.tolerance
            )));
        }
        if self.max_passes == 0 {
            return Err(EngineError::InvalidParameter(
                "the pass limit must be at least 1".into(),
            ));
        }
        Ok(ValidLinearParams(self))
    }
}

/// A cost must be a number in [1e-300, 1e300], so that the L2 loss's diagonal 1/(2C)
/// and the products with it stay finite.
fn check_cost(name: &str, cost: f64) -> Result<(), EngineError> {
    if !(1e-300..=1e300).contains(&cost) {
        return Err(EngineError::InvalidParameter(format!(
            "{name} must be a positive number between 1e-300 and 1e300, got {cost}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_fields_are_refused_naming_the_field() {
        let refused = |params: LinearParams| params.validate().unwrap_err().to_string();
        assert!(refused(LinearParams {
            c: 0.0,
            ..LinearParams::default()
        })
        .contains("C must be"));
        assert!(refused(LinearParams {
            c: f64::NAN,
            ..LinearParams::default()
        })
        .contains("C must be"));
        assert!(refused(LinearParams {
            c: 1e-320,
            ..LinearParams::default()
        })
        .contains("C must be"));
        assert!(refused(LinearParams {
            bias: Some(-1.0),
            ..LinearParams::default()
        })
        .contains("bias"));
        assert!(refused(LinearParams {
            task: LinearTask::Regression { epsilon: -0.1 },
            ..LinearParams::default()
        })
        .contains("epsilon"));
        assert!(refused(LinearParams {
            class_weights: vec![(1.0, 1e300)],
            c: 10.0,
            ..LinearParams::default()
        })
        .contains("weight of class 1"));
        assert!(refused(LinearParams {
            max_passes: 0,
            ..LinearParams::default()
        })
        .contains("pass limit"));
        assert!(refused(LinearParams {
            tolerance: 0.0,
            ..LinearParams::default()
        })
        .contains("tolerance"));
    }

    #[test]
    fn a_class_cost_is_c_times_its_weights() {
        let params = LinearParams {
            c: 2.0,
            class_weights: vec![(1.0, 3.0)],
            ..LinearParams::default()
        }
        .validate()
        .unwrap();
        assert_eq!(params.cost_of_class(1.0), 6.0);
        assert_eq!(params.cost_of_class(-1.0), 2.0);
    }
}
