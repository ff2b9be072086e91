//! No leakage: every fitted preprocessing step sees only the rows it may learn from.
//!
//! The data set is crafted so that where a scaler is fitted shows in the scores: the
//! feature separates the classes in [0, 1], but a few rows hold 10⁶. A standard
//! scaler fitted on rows that include those outliers squeezes every ordinary value
//! into a few millionths, where a linear SVM with C = 1 cannot separate anything; one
//! fitted without them separates perfectly. The split and folds depend only on the
//! labels and the seed, so the test computes them first (with the same functions and
//! seed as the pipeline) and then decides which rows hold the outliers.

use crate::support::*;
use svmq_core::random::Random;
use svmq_core::FitControl;
use svmq_data::{
    read_table, stratified_folds, stratified_split, Dataset, Folds, PreprocessOptions,
    Preprocessor, Split, TableOptions, TargetOptions, Task,
};
use svmq_service::{KernelChoice, TrainingRequest};
use svmq_tune::evaluation::{FoldEvaluator, PreparedFold, Task as TuneTask};
use svmq_tune::metrics::Metric;
use svmq_tune::space::TrialParams;

const ROWS: usize = 60;
const FOLDS: usize = 3;
const OUTLIER: f64 = 1e6;

/// Row i's class: 0 (`low`) for even rows, 1 (`high`) for odd ones.
fn classes() -> Vec<usize> {
    (0..ROWS).map(|row| row % 2).collect()
}

/// The pipeline's test split and the folds of its training split.
fn split_and_folds(seed: u64) -> (Split, Folds) {
    let classes = classes();
    let split = stratified_split(&classes, 0.2, seed).expect("split");
    let train_classes: Vec<usize> = split.train.iter().map(|&p| classes[p]).collect();
    let folds = stratified_folds(&train_classes, FOLDS, seed).expect("folds");
    (split, folds)
}

/// The crafted file: `x` in [0, 0.4] for `low`, [0.6, 1] for `high`, and 10⁶ (a `high`
/// value, so still on the right side) in the rows `outliers`.
fn outlier_csv(outliers: &[usize]) -> String {
    let mut random = Random::new(5);
    let rows: Vec<Vec<String>> = (0..ROWS)
        .map(|row| {
            let high = row % 2 == 1;
            let x = if outliers.contains(&row) {
                assert!(high, "outliers are placed in `high` rows");
                OUTLIER
            } else if high {
                0.6 + 0.4 * random.unit()
            } else {
                0.4 * random.unit()
            };
            vec![field(x), (if high { "high" } else { "low" }).to_string()]
        })
        .collect();
    csv(&["x", "level"], &rows)
}

/// The first three `high` rows among `positions`.
fn three_high(positions: impl IntoIterator<Item = usize>) -> Vec<usize> {
    let outliers: Vec<usize> = positions
        .into_iter()
        .filter(|p| p % 2 == 1)
        .take(3)
        .collect();
    assert_eq!(outliers.len(), 3);
    outliers
}

fn request_for(path: &std::path::Path, seed: u64) -> TrainingRequest {
    TrainingRequest {
        kernel: KernelChoice::Linear,
        optimize_hyperparameters: false,
        cv_folds: FOLDS,
        test_size: 0.2,
        seed,
        ..request(path, Task::Classification)
    }
}

/// Cross-validation scores of `params` on the pipeline's folds, with the scaler of
/// each fold fitted on the table rows `scaler_rows(fold training rows)` chooses.
fn fold_scores(
    path: &std::path::Path,
    seed: u64,
    params: &TrialParams,
    scaler_rows: impl Fn(&[usize]) -> Vec<usize>,
) -> Vec<f64> {
    let table = read_table(path, &TableOptions::default()).expect("table");
    let dataset =
        Dataset::prepare(table, Task::Classification, &TargetOptions::default()).expect("data");
    assert_eq!(dataset.classes().expect("classes"), classes().as_slice());
    // Every row is labeled, so positions in the data set are rows of the table.
    assert_eq!(dataset.rows, (0..ROWS).collect::<Vec<_>>());
    let (split, folds) = split_and_folds(seed);
    let preprocessor = Preprocessor::from_dataset(&dataset);
    let options = PreprocessOptions::default();
    let values: Vec<f64> = classes().iter().map(|&c| c as f64).collect();
    (0..FOLDS)
        .map(|fold| {
            let positions =
                |part: Vec<usize>| -> Vec<usize> { part.iter().map(|&k| split.train[k]).collect() };
            let fit_positions = positions(folds.training(fold));
            let valid_positions = positions(folds.validation(fold));
            let fitted = preprocessor
                .fit(&dataset.table, &scaler_rows(&fit_positions), &options)
                .expect("fit");
            let prepared = PreparedFold {
                train: fitted
                    .transform(&dataset.table, &fit_positions)
                    .expect("train"),
                train_targets: fit_positions.iter().map(|&p| values[p]).collect(),
                valid: fitted
                    .transform(&dataset.table, &valid_positions)
                    .expect("valid"),
                valid_targets: valid_positions.iter().map(|&p| values[p]).collect(),
            };
            FoldEvaluator::new(prepared, TuneTask::Classification { classes: 2 })
                .score(params, Metric::Accuracy, seed, &FitControl::new())
                .expect("score")
                .expect("not stopped")
        })
        .collect()
}

#[test]
fn outliers_in_the_test_split_do_not_reach_any_fold_or_the_final_scaler() {
    let seed = 7;
    let (split, _) = split_and_folds(seed);
    let outliers = three_high(split.test.iter().copied());
    let fixture = Fixture::new("leak-test-split");
    let path = fixture.write("outliers.csv", &outlier_csv(&outliers));
    let outcome = train_ok(&request_for(&path, seed));
    let target = &outcome.report.targets[0];
    let reported = &target.trials[0].fold_scores;
    assert_eq!(reported, &[1.0; FOLDS]);

    // The same folds with the scaler fitted on the whole file score much worse: the
    // crafted data shows where the scaler was fitted.
    let all_rows: Vec<usize> = (0..ROWS).collect();
    let leaky = fold_scores(&path, seed, &target.trials[0].params, |_| all_rows.clone());
    let leaky_mean = leaky.iter().sum::<f64>() / FOLDS as f64;
    assert!(leaky_mean < 0.75, "leaky fold scores {leaky:?}");

    // The final model's scaler was fitted on the training split: the ordinary test
    // rows are classified right, and the outliers land on the `high` side.
    assert_eq!(target.test_metrics["accuracy"], 1.0);
    let svmq_data::preprocess::FittedFeature::Numeric { scaling, .. } =
        &outcome.model.preprocessor.features()[0]
    else {
        panic!("x is numeric")
    };
    assert!(scaling.scale < 1.0, "final scaler {scaling:?}");
}

#[test]
fn outliers_in_one_validation_part_do_not_reach_that_folds_scaler() {
    let seed = 7;
    let (split, folds) = split_and_folds(seed);
    // Outliers only in fold 0's validation part (positions into the training split).
    let outliers = three_high(folds.validation(0).iter().map(|&k| split.train[k]));
    let fixture = Fixture::new("leak-fold");
    let path = fixture.write("outliers.csv", &outlier_csv(&outliers));
    let outcome = train_ok(&request_for(&path, seed));
    let trial = &outcome.report.targets[0].trials[0];

    // Per-fold fitting, recomputed here, gives exactly the reported scores.
    let per_fold = fold_scores(&path, seed, &trial.params, |training| training.to_vec());
    assert_eq!(trial.fold_scores, per_fold);
    assert_eq!(trial.fold_scores[0], 1.0);

    // A scaler fitted once on the whole training split, then shared by the folds
    // (the Python original's leak), gives fold 0 a different score.
    let leaky = fold_scores(&path, seed, &trial.params, |_| split.train.clone());
    assert!(leaky[0] < 0.75, "leaky fold scores {leaky:?}");
    assert_ne!(trial.fold_scores, leaky);
}
