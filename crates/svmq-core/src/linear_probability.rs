//! Probability models of linear SVMs (`linear_svm`), fitted as the kernel solver fits
//! its own (`probability_training`): by a 5-fold internal cross-validation with folds
//! drawn from the seed, a Platt sigmoid per class pair on the held-out decision values
//! of that pair's rows, and for regression the Laplace scale of the held-out residuals.
//!
//! One linear fit per fold serves every pair: a pair's held-out decision value is the
//! difference of its two classes' functions, as in the model itself. Not here: the
//! sigmoid and Laplace fits themselves (`probability`).

use crate::control::FitControl;
use crate::error::EngineError;
use crate::feature_rows::{FeatureRows, RowSubset};
use crate::linear::{fit_linear, DualSolution, LinearModel, LinearOutcome, ValidLinearParams};
use crate::model::ProbabilityModel;
use crate::probability;
use crate::probability_training::{complement, random_folds};
use crate::train::class_order;
use rayon::prelude::*;

/// What one fold's model says about each of its held-out rows: per class of the full
/// model, the class function's value (`None` for a class missing from the fold's
/// training part), or the regression prediction.
enum HeldOut {
    Classes(Vec<(usize, Vec<Option<f64>>)>),
    Values(Vec<(usize, f64)>),
}

/// The probability model of `fitted`, trained on `data` and `targets` with `params`;
/// `None` when the stop flag was raised.
///
/// Each fold's fit starts from `solution`, the dual solution of `fitted`, restricted to
/// the fold's training rows: four fifths of the rows are near their own optimum there,
/// so the five fits take a few passes each instead of a cold descent.
pub(crate) fn probability_model(
    data: &dyn FeatureRows,
    targets: &[f64],
    fitted: &LinearModel,
    solution: &DualSolution,
    params: &ValidLinearParams,
    control: &FitControl,
) -> Result<Option<ProbabilityModel>, EngineError> {
    let rows = data.rows();
    let folds = random_folds(rows, params.seed);
    let held_out: Vec<Option<HeldOut>> = folds
        .par_iter()
        .map(|held_out| fold_values(data, targets, held_out, fitted, solution, params, control))
        .collect::<Result<_, EngineError>>()?;
    let Some(held_out) = held_out.into_iter().collect::<Option<Vec<HeldOut>>>() else {
        return Ok(None);
    };
    if fitted.is_regression() {
        let residuals: Vec<f64> = held_out
            .iter()
            .flat_map(|fold| match fold {
                HeldOut::Values(values) => values.clone(),
                HeldOut::Classes(_) => Vec::new(),
            })
            .map(|(row, value)| targets[row] - value)
            .collect();
        return Ok(Some(ProbabilityModel::Laplace {
            sigma: probability::laplace_sigma(&residuals),
        }));
    }
    let mut scores: Vec<Vec<Option<f64>>> = vec![Vec::new(); rows];
    for fold in held_out {
        if let HeldOut::Classes(values) = fold {
            for (row, classes) in values {
                scores[row] = classes;
            }
        }
    }
    Ok(Some(pair_sigmoids(data, targets, fitted, &scores)))
}

/// Fits the fold's model on every row but `held_out` and evaluates it there; `None`
/// when stopped.
fn fold_values(
    data: &dyn FeatureRows,
    targets: &[f64],
    held_out: &[usize],
    fitted: &LinearModel,
    solution: &DualSolution,
    params: &ValidLinearParams,
    control: &FitControl,
) -> Result<Option<HeldOut>, EngineError> {
    let training = complement(data.rows(), held_out);
    let training_targets: Vec<f64> = training.iter().map(|&row| targets[row]).collect();
    let classes = fitted.labels();
    let single_class = !fitted.is_regression()
        && training_targets
            .iter()
            .all(|&target| target == training_targets[0]);
    if training.is_empty() || single_class {
        // Nothing to fit: classes of no (or a single) training row stay unknown, and a
        // regression predicts the training mean (0 without rows).
        let mean = training_targets.iter().sum::<f64>() / training.len().max(1) as f64;
        return Ok(Some(if fitted.is_regression() {
            HeldOut::Values(held_out.iter().map(|&row| (row, mean)).collect())
        } else {
            let known = |class: &f64| !training.is_empty() && *class == training_targets[0];
            let values: Vec<Option<f64>> = classes
                .iter()
                .map(|class| known(class).then_some(1.0))
                .collect();
            HeldOut::Classes(held_out.iter().map(|&row| (row, values.clone())).collect())
        }));
    }
    // The warm start holds for a fold with the same classes in the same order (a fold
    // missing one is another problem, with other subproblems).
    let start = solution.restricted(&training);
    let same_classes =
        fitted.is_regression() || class_order(&training_targets).0 == solution.labels();
    let start = same_classes.then_some(&start);
    let subset = RowSubset::new(data, training);
    let model = match fit_linear(&subset, &training_targets, params, start, control)? {
        LinearOutcome::Trained(trained) => trained.model,
        LinearOutcome::Stopped => return Ok(None),
    };
    let functions = model.class_functions();
    if model.is_regression() {
        let (weights, offset) = &functions[0];
        return Ok(Some(HeldOut::Values(
            held_out
                .iter()
                .map(|&row| (row, data.dot_row(weights, row) + offset))
                .collect(),
        )));
    }
    // The fold model's class of each of the full model's classes.
    let positions: Vec<Option<usize>> = classes
        .iter()
        .map(|class| model.labels().iter().position(|known| known == class))
        .collect();
    Ok(Some(HeldOut::Classes(
        held_out
            .iter()
            .map(|&row| {
                let values = positions
                    .iter()
                    .map(|position| {
                        position.map(|class| {
                            let (weights, offset) = &functions[class];
                            data.dot_row(weights, row) + offset
                        })
                    })
                    .collect();
                (row, values)
            })
            .collect(),
    )))
}

/// A Platt sigmoid per class pair, in pair order, from the held-out class values.
///
/// As for the kernel solver, a cross-validated fit whose slope is not negative (it
/// would rank the pair's classes against the decision function) gives way to a fit on
/// the full model's own decision values on its training rows, when that one's slope is
/// negative.
fn pair_sigmoids(
    data: &dyn FeatureRows,
    targets: &[f64],
    fitted: &LinearModel,
    scores: &[Vec<Option<f64>>],
) -> ProbabilityModel {
    let labels = fitted.labels();
    let functions = fitted.class_functions();
    let (mut slopes, mut offsets) = (Vec::new(), Vec::new());
    for first in 0..labels.len() {
        for second in first + 1..labels.len() {
            let pair_rows: Vec<usize> = (0..targets.len())
                .filter(|&row| targets[row] == labels[first] || targets[row] == labels[second])
                .collect();
            let positive: Vec<bool> = pair_rows
                .iter()
                .map(|&row| targets[row] == labels[first])
                .collect();
            let held_out: Vec<f64> = pair_rows
                .iter()
                .map(|&row| match (scores[row][first], scores[row][second]) {
                    (Some(one), Some(other)) => one - other,
                    (Some(_), None) => 1.0,
                    (None, Some(_)) => -1.0,
                    (None, None) => 0.0,
                })
                .collect();
            let (mut a, mut b) = probability::fit_sigmoid(&held_out, &positive);
            if a >= 0.0 {
                let (first_function, second_function) = (&functions[first], &functions[second]);
                let own: Vec<f64> = pair_rows
                    .iter()
                    .map(|&row| {
                        data.dot_row(&first_function.0, row) + first_function.1
                            - data.dot_row(&second_function.0, row)
                            - second_function.1
                    })
                    .collect();
                let (own_a, own_b) = probability::fit_sigmoid(&own, &positive);
                if own_a < 0.0 {
                    (a, b) = (own_a, own_b);
                }
            }
            slopes.push(a);
            offsets.push(b);
        }
    }
    ProbabilityModel::Pairwise {
        a: slopes,
        b: offsets,
    }
}
