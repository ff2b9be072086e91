//! Fitting probability models by internal cross-validation: a Platt sigmoid per class
//! pair (Lin, Lin & Weng 2007) and a Laplace scale for regression residuals.
//!
//! Folds are drawn from the fit's seed, so the same data and seed give the same
//! probability model. The maths of the fits lives in `probability`.

use crate::control::{FitControl, Stopped};
use crate::formulations::{solve_binary, solve_single};
use crate::kernel::GramRows;
use crate::matrix::Matrix;
use crate::model::Model;
use crate::params::{SvmType, ValidParams};
use crate::probability;
use crate::random::Random;
use rayon::prelude::*;

/// Folds of the internal cross-validation.
pub(crate) const FOLDS: usize = 5;

/// Row indices of each fold: a seeded permutation cut in `FOLDS` contiguous blocks.
pub(crate) fn random_folds(rows: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..rows).collect();
    Random::new(seed).shuffle(&mut order);
    (0..FOLDS)
        .map(|fold| order[fold * rows / FOLDS..(fold + 1) * rows / FOLDS].to_vec())
        .collect()
}

/// Every row not in `held_out`, in order.
pub(crate) fn complement(rows: usize, held_out: &[usize]) -> Vec<usize> {
    let mut excluded = vec![false; rows];
    for &row in held_out {
        excluded[row] = true;
    }
    (0..rows).filter(|&row| !excluded[row]).collect()
}

/// A model holding only a decision function, for predicting held-out rows.
fn decision_model(data: &Matrix, coefficients: &[f64], rho: f64, params: &ValidParams) -> Model {
    let support: Vec<usize> = (0..data.rows())
        .filter(|&t| coefficients[t] != 0.0)
        .collect();
    Model {
        svm_type: SvmType::EpsilonSvr,
        kernel: params.kernel,
        labels: Vec::new(),
        support_vectors: data.select_rows(&support),
        support_vector_counts: Vec::new(),
        coefficients: vec![support.iter().map(|&t| coefficients[t]).collect()],
        rho: vec![rho],
        probability: None,
        support_vector_indices: Vec::new(),
        feature_map: None,
    }
}

/// The sigmoid (a, b) of one class pair, from cross-validated decision values.
///
/// `fitted` is the decision function of the pair's own model (coefficients by row of
/// `data`, and ρ). It is used only when the cross-validated values give the sigmoid a
/// slope that is not negative, which would rank the classes against the decision
/// function itself: with a very small C nearly every α is at its bound, the ρ of each
/// fold's sub-model is set by the few free vectors of whichever class is the larger in
/// its training part, and so moves by about ±1 against the class mix of the held-out
/// rows; pooled over the folds, those shifts can outweigh the ranking within each fold.
/// The sigmoid is then fitted to the pair model's decision values on its own training
/// rows instead (Platt's original recipe), which at least keeps its orientation.
#[allow(clippy::too_many_arguments)]
pub(crate) fn pair_sigmoid(
    data: &Matrix,
    gram: Option<GramRows>,
    positive: &[bool],
    (cost_positive, cost_negative): (f64, f64),
    fitted: (&[f64], f64),
    params: &ValidParams,
    cache_bytes: usize,
    control: &FitControl,
) -> Result<(f64, f64), Stopped> {
    let rows = data.rows();
    let folds = random_folds(rows, params.seed);
    let decisions: Vec<Vec<(usize, f64)>> = folds
        .par_iter()
        .map(|held_out| {
            let training = complement(rows, held_out);
            let labels: Vec<bool> = training.iter().map(|&t| positive[t]).collect();
            let positives = labels.iter().filter(|&&p| p).count();
            let negatives = labels.len() - positives;
            let values = if positives > 0 && negatives > 0 {
                let subset = data.select_rows(&training);
                let solution = solve_binary(
                    &subset,
                    gram.as_ref().map(|gram| gram.subset(&training)),
                    &labels,
                    (cost_positive, cost_negative),
                    params,
                    cache_bytes / FOLDS.min(rayon::current_num_threads()),
                    control,
                )?;
                let model = decision_model(&subset, &solution.coefficients, solution.rho, params);
                let predictor = model.predictor();
                held_out
                    .iter()
                    .map(|&t| (t, predictor.decision_values(data.row(t))[0]))
                    .collect()
            } else {
                // One class only in this fold's training part: its decision is certain.
                let value = if positives > 0 {
                    1.0
                } else if negatives > 0 {
                    -1.0
                } else {
                    0.0
                };
                held_out.iter().map(|&t| (t, value)).collect()
            };
            control.finish_subproblem();
            Ok(values)
        })
        .collect::<Result<_, Stopped>>()?;
    let mut decision_values = vec![0.0; rows];
    for (t, value) in decisions.into_iter().flatten() {
        decision_values[t] = value;
    }
    let (a, b) = probability::fit_sigmoid(&decision_values, positive);
    if a < 0.0 {
        return Ok((a, b));
    }
    let (coefficients, rho) = fitted;
    let model = decision_model(data, coefficients, rho, params);
    let predictor = model.predictor();
    let own: Vec<f64> = (0..rows)
        .map(|t| predictor.decision_values(data.row(t))[0])
        .collect();
    let (own_a, own_b) = probability::fit_sigmoid(&own, positive);
    Ok(if own_a < 0.0 { (own_a, own_b) } else { (a, b) })
}

/// The Laplace scale of cross-validated regression residuals.
pub(crate) fn regression_sigma(
    data: &Matrix,
    gram: Option<GramRows>,
    targets: &[f64],
    params: &ValidParams,
    control: &FitControl,
) -> Result<f64, Stopped> {
    let rows = data.rows();
    let folds = random_folds(rows, params.seed);
    let share = FOLDS.min(rayon::current_num_threads());
    let cache_bytes = (params.cache_megabytes * 1024.0 * 1024.0) as usize / share;
    let residuals: Vec<Vec<f64>> = folds
        .par_iter()
        .map(|held_out| {
            let training = complement(rows, held_out);
            let subset = data.select_rows(&training);
            let subset_targets: Vec<f64> = training.iter().map(|&t| targets[t]).collect();
            let (coefficients, rho, _) = solve_single(
                &subset,
                gram.as_ref().map(|gram| gram.subset(&training)),
                &subset_targets,
                params,
                cache_bytes,
                control,
            )?;
            let model = decision_model(&subset, &coefficients, rho, params);
            let predictor = model.predictor();
            control.finish_subproblem();
            Ok(held_out
                .iter()
                .map(|&t| targets[t] - predictor.decision_values(data.row(t))[0])
                .collect())
        })
        .collect::<Result<_, Stopped>>()?;
    let residuals: Vec<f64> = residuals.into_iter().flatten().collect();
    Ok(probability::laplace_sigma(&residuals))
}
