//! k-fold cross-validation of a whole fit (LIBSVM's `-v`): every row is predicted by
//! a model that did not see it. Classifier folds are stratified; folds are seeded and
//! trained in parallel.

use crate::control::FitControl;
use crate::error::EngineError;
use crate::matrix::Matrix;
use crate::params::{SvmParams, ValidParams};
use crate::random::Random;
use crate::train::{class_order, fit, FitOutcome};
use rayon::prelude::*;

/// The held-out rows of each fold. Classes are spread evenly over the folds.
pub fn assign_folds(targets: &[f64], folds: usize, stratified: bool, seed: u64) -> Vec<Vec<usize>> {
    let mut random = Random::new(seed);
    let mut assigned = vec![Vec::new(); folds];
    let groups = if stratified {
        class_order(targets).1
    } else {
        vec![(0..targets.len()).collect()]
    };
    // Continue the round-robin across classes so fold sizes differ by at most one.
    let mut next = 0;
    for mut group in groups {
        random.shuffle(&mut group);
        for row in group {
            assigned[next % folds].push(row);
            next += 1;
        }
    }
    for fold in &mut assigned {
        fold.sort_unstable();
    }
    assigned
}

/// Predicts every row from a model trained on the other folds. `None` when stopped.
/// With more folds than rows, each row is its own fold (leave-one-out).
pub fn cross_validate(
    data: &Matrix,
    targets: &[f64],
    params: &ValidParams,
    folds: usize,
    control: &FitControl,
) -> Result<Option<Vec<f64>>, EngineError> {
    if folds < 2 {
        return Err(EngineError::InvalidParameter(format!(
            "cross-validation needs at least 2 folds, got {folds}"
        )));
    }
    let rows = data.rows();
    let folds = folds.min(rows);
    let fold_rows = assign_folds(
        targets,
        folds,
        params.svm_type.is_classification(),
        params.seed,
    );
    let share = folds.min(rayon::current_num_threads());
    let fold_params = SvmParams {
        cache_megabytes: params.cache_megabytes / share as f64,
        ..params.get().clone()
    }
    .validate()?;
    let predictions: Vec<Option<Vec<(usize, f64)>>> = fold_rows
        .par_iter()
        .map(|held_out| {
            let mut excluded = vec![false; rows];
            for &row in held_out {
                excluded[row] = true;
            }
            let training: Vec<usize> = (0..rows).filter(|&row| !excluded[row]).collect();
            let subset = data.select_rows(&training);
            let subset_targets: Vec<f64> = training.iter().map(|&row| targets[row]).collect();
            match fit(&subset, &subset_targets, &fold_params, control)? {
                FitOutcome::Stopped => Ok(None),
                FitOutcome::Trained(trained) => {
                    let predictor = trained.model.predictor();
                    Ok(Some(
                        held_out
                            .iter()
                            .map(|&row| {
                                (
                                    row,
                                    predictor.predict(data.row(row), params.probability).value,
                                )
                            })
                            .collect(),
                    ))
                }
            }
        })
        .collect::<Result<_, EngineError>>()?;
    let mut result = vec![0.0; rows];
    for fold in predictions {
        let Some(fold) = fold else { return Ok(None) };
        for (row, value) in fold {
            result[row] = value;
        }
    }
    Ok(Some(result))
}
