//! The primal objective of a linear model on its training data: what the dual solvers
//! minimize, computed from the weights alone, so that models from different solvers
//! (LIBLINEAR's, say) can be compared on the same scale.
//!
//! For each decision function with weights `w̃ = (w, w_B)`, `w_B = b/B`:
//! `½‖w̃‖² + Σᵢ Cᵢ·lossᵢ`, where lossᵢ is the hinge `max(0, 1 − yᵢf(xᵢ))` or its square
//! for classification (yᵢ = +1 for the function's positive class, −1 for the others),
//! and `max(0, |f(xᵢ) − yᵢ| − ε)` or its square for regression.

use super::model::LinearModel;
use super::params::{LinearLoss, LinearTask, ValidLinearParams};
use crate::error::EngineError;
use crate::matrix::Matrix;

/// The primal objective of each decision function of `model` on `data` and `targets`,
/// with the costs, loss and ε of `params` (its bias is the model's).
pub fn primal_objectives(
    model: &LinearModel,
    data: &Matrix,
    targets: &[f64],
    params: &ValidLinearParams,
) -> Result<Vec<f64>, EngineError> {
    if targets.len() != data.rows() {
        return Err(EngineError::InvalidData(format!(
            "{} targets for {} rows",
            targets.len(),
            data.rows()
        )));
    }
    let epsilon = match (params.task, model.is_regression()) {
        (LinearTask::Regression { epsilon }, true) => epsilon,
        (LinearTask::Classification, false) => 0.0,
        _ => {
            return Err(EngineError::InvalidParameter(
                "the parameters' task differs from the model's".into(),
            ))
        }
    };
    if let Some(row) = targets
        .iter()
        .position(|target| !model.is_regression() && !model.labels().contains(target))
    {
        return Err(EngineError::InvalidData(format!(
            "the target of row {} ({}) is not one of the model's labels",
            row + 1,
            targets[row]
        )));
    }
    let positive_labels: Vec<Option<f64>> = match model.labels().len() {
        0 => vec![None],
        2 => vec![Some(model.labels()[0])],
        _ => model.labels().iter().map(|&label| Some(label)).collect(),
    };
    let mut objectives = Vec::with_capacity(positive_labels.len());
    for (function, positive) in positive_labels.into_iter().enumerate() {
        let weights = &model.weights()[function];
        let intercept = model.intercepts()[function];
        let bias_weight = model.bias().map_or(0.0, |bias| intercept / bias);
        let mut loss_sum = 0.0;
        for (row, &target) in targets.iter().enumerate() {
            let value = crate::matrix::dot(weights, data.row(row)) + intercept;
            let (margin, cost) = match positive {
                Some(label) => {
                    let sign = if target == label { 1.0 } else { -1.0 };
                    (1.0 - sign * value, params.cost_of_class(target))
                }
                None => ((value - target).abs() - epsilon, params.c),
            };
            let excess = margin.max(0.0);
            loss_sum += cost
                * match params.loss {
                    LinearLoss::L1 => excess,
                    LinearLoss::L2 => excess * excess,
                };
        }
        let squared_norm = crate::matrix::dot(weights, weights) + bias_weight * bias_weight;
        objectives.push(0.5 * squared_norm + loss_sum);
    }
    Ok(objectives)
}
