//! Known answers: data sets whose right result is known before training.

use crate::support::*;
use svmq_data::Task;
use svmq_service::{KernelChoice, TrainingRequest};
use svmq_tune::metrics::Metric;
use svmq_tune::space::KernelName;

#[test]
fn separable_classes_score_perfectly_in_every_fold_and_on_the_test_split() {
    let fixture = Fixture::new("separable");
    let path = fixture.write("separable.csv", &separable_csv(60, 1));
    let request = TrainingRequest {
        kernel: KernelChoice::Linear,
        optimize_hyperparameters: false,
        ..request(&path, Task::Classification)
    };
    let outcome = train_ok(&request);
    let report = &outcome.report;
    let target = &report.targets[0];
    assert_eq!(report.classes, ["left", "right"]);
    assert_eq!(target.cv_fold_scores, [1.0, 1.0, 1.0]);
    assert_eq!(target.test_metrics["accuracy"], 1.0);
    assert_eq!(target.test_metrics["f1_macro"], 1.0);
    // A stratified 20 % test split: 6 of each class, all on the diagonal.
    assert_eq!(report.data.train_rows, 48);
    assert_eq!(report.data.test_rows, 12);
    assert_eq!(target.confusion_matrix, Some(vec![vec![6, 0], vec![0, 6]]));
}

#[test]
fn the_kernel_asked_for_is_used_without_optimization() {
    // The Python original ignored `kernel` when it did not optimize.
    let fixture = Fixture::new("kernel-without-optimization");
    let path = fixture.write("separable.csv", &separable_csv(40, 2));
    for (choice, name) in [
        (KernelChoice::Linear, KernelName::Linear),
        (KernelChoice::Poly, KernelName::Poly),
        (KernelChoice::Sigmoid, KernelName::Sigmoid),
    ] {
        let request = TrainingRequest {
            kernel: choice,
            optimize_hyperparameters: false,
            ..request(&path, Task::Classification)
        };
        let outcome = train_ok(&request);
        let target = &outcome.report.targets[0];
        assert_eq!(target.best_params.kernel, name);
        assert_eq!(outcome.model.targets[0].params.kernel, name);
        assert_eq!(target.trials.len(), 1);
        assert_eq!(target.linear_weights.is_some(), name == KernelName::Linear);
    }
}

#[test]
fn a_search_on_separable_classes_finds_a_perfect_model() {
    let fixture = Fixture::new("separable-search");
    let path = fixture.write("separable.csv", &separable_csv(60, 3));
    let outcome = train_ok(&request(&path, Task::Classification));
    let target = &outcome.report.targets[0];
    assert_eq!(target.trials.len(), 6);
    assert_eq!(target.cv_mean, 1.0);
    assert_eq!(target.test_metrics["accuracy"], 1.0);
    // The uninformative feature matters less than the one that separates the classes.
    let importance = |name: &str| {
        target
            .feature_importance
            .iter()
            .find(|f| f.feature == name)
            .map(|f| f.importance)
            .expect("every feature has an importance")
    };
    assert!(importance("x") > importance("noise"));
}

#[test]
fn iris_with_default_parameters_is_classified_well() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/iris.csv");
    let request = TrainingRequest {
        optimize_hyperparameters: false,
        cv_folds: 5,
        ..request(&path, Task::Classification)
    };
    let outcome = train_ok(&request);
    let target = &outcome.report.targets[0];
    assert_eq!(
        outcome.report.classes,
        ["setosa", "versicolor", "virginica"]
    );
    assert_eq!(outcome.report.data.test_rows, 30);
    assert!(target.cv_mean > 0.9, "cv accuracy {}", target.cv_mean);
    assert!(
        target.test_metrics["accuracy"] >= 0.9,
        "test accuracy {}",
        target.test_metrics["accuracy"]
    );
}

/// A linear kernel with the default parameters on `y = intercept + slope · x`,
/// cross-validated by rmse.
fn fit_line(name: &str, intercept: f64, slope: f64) -> svmq_service::TrainingOutcome {
    let fixture = Fixture::new(name);
    let path = fixture.write("line.csv", &line_csv(50, intercept, slope));
    train_ok(&TrainingRequest {
        kernel: KernelChoice::Linear,
        optimize_hyperparameters: false,
        scoring_metric: Some(Metric::Rmse),
        ..request(&path, Task::Regression)
    })
}

#[test]
fn a_linear_target_is_learned_and_its_errors_are_reported_in_its_units() {
    let outcome = fit_line("line", 2.0, 3.0);
    let target = &outcome.report.targets[0];
    let pairs = target.test_predictions.as_ref().expect("regression pairs");
    assert_eq!(pairs.len(), 10);
    // The truths are the file's values (2 + 3x over x in [0, 10]), not standardized.
    assert!(pairs.iter().all(|(truth, _)| (2.0..=32.0).contains(truth)));
    let rmse_of_pairs = rmse(pairs);
    assert!(close(target.test_metrics["rmse"], rmse_of_pairs, 1e-9));
    // The target spans 30 units; ε = 0.1 standardized is about 0.9 of them.
    assert!(
        target.test_metrics["rmse"] < 1.0,
        "rmse {}",
        target.test_metrics["rmse"]
    );
    assert!(target.test_metrics["r2"] > 0.99);
    assert!(target.cv_mean < 1.0, "cv rmse {}", target.cv_mean);
    // The saved model predicts in the target's units.
    let model = &outcome.model;
    let rows = model
        .preprocessor
        .transform_lists(&[vec![
            svmq_data::Cell::number(5.0),
            svmq_data::Cell::number(0.5),
        ]])
        .expect("a valid row");
    let predicted = model.predict_matrix(&rows, false)[0]
        .values
        .clone()
        .expect("regression values")[0];
    assert!((predicted - 17.0).abs() < 1.0, "predicted {predicted}");
}

#[test]
fn scaling_the_target_scales_the_reported_errors() {
    // Errors in standardized units would not change with the target's scale.
    let small = fit_line("line-small", 2.0, 3.0);
    let large = fit_line("line-large", 20.0, 30.0);
    let (small, large) = (&small.report.targets[0], &large.report.targets[0]);
    for metric in ["rmse", "mae", "max_error", "median_absolute_error"] {
        let ratio = large.test_metrics[metric] / small.test_metrics[metric];
        assert!(close(ratio, 10.0, 1e-6), "{metric} ratio {ratio}");
    }
    assert!(close(
        large.test_metrics["r2"],
        small.test_metrics["r2"],
        1e-9
    ));
    // The cross-validation scores too. Folds train on a Gram matrix held in f32, where
    // the two targets' last-bit differences can lead the solver to another stopping
    // point within its tolerance: equal to 1 %, where standardized units would give 1.
    for (large_fold, small_fold) in large.cv_fold_scores.iter().zip(&small.cv_fold_scores) {
        let ratio = large_fold / small_fold;
        assert!(close(ratio, 10.0, 1e-2), "cv rmse ratio {ratio}");
    }
}

#[test]
fn a_large_target_offset_changes_neither_errors_nor_fit() {
    let near = fit_line("offset-near", 2.0, 3.0);
    let far = fit_line("offset-far", 1000.0, 3.0);
    let (near_target, far_target) = (&near.report.targets[0], &far.report.targets[0]);
    // Cross-validation: equal within the solver's tolerance (see above).
    assert!(
        close(near_target.cv_mean, far_target.cv_mean, 1e-2),
        "cv rmse {} vs {}",
        near_target.cv_mean,
        far_target.cv_mean
    );
    for metric in ["rmse", "mae", "max_error", "r2"] {
        assert!(
            close(
                near_target.test_metrics[metric],
                far_target.test_metrics[metric],
                1e-6
            ),
            "{metric}: {} vs {}",
            near_target.test_metrics[metric],
            far_target.test_metrics[metric]
        );
    }
    assert!(far_target.test_metrics["rmse"] < 1.0);
    let pairs = far_target.test_predictions.as_ref().expect("pairs");
    assert!(pairs
        .iter()
        .all(|&(truth, predicted)| truth >= 1000.0 && (truth - predicted).abs() < 2.0));
}

#[test]
fn a_search_with_rmse_fits_a_line_closely() {
    let fixture = Fixture::new("line-search");
    let path = fixture.write("line.csv", &line_csv(50, 1000.0, 3.0));
    let outcome = train_ok(&TrainingRequest {
        kernel: KernelChoice::Linear,
        n_trials: 12,
        scoring_metric: Some(Metric::Rmse),
        ..request(&path, Task::Regression)
    });
    let target = &outcome.report.targets[0];
    assert!(target.cv_mean < 0.5, "cv rmse {}", target.cv_mean);
    assert!(
        target.test_metrics["rmse"] < 0.5,
        "test rmse {}",
        target.test_metrics["rmse"]
    );
}

#[test]
fn feature_importance_stays_with_its_feature_when_a_category_column_is_empty_in_training() {
    // Bug: importance found each feature's output columns by name and gave every
    // feature at least one; a text column with no value in the training rows has no
    // one-hot column, so it took the next feature's column (and its importance).
    let rows = 40;
    let classes: Vec<usize> = (0..rows).map(|row| row % 2).collect();
    let split = svmq_data::stratified_split(&classes, 0.2, 7).expect("split");
    let table: Vec<Vec<String>> = (0..rows)
        .map(|row| {
            // `tag` has values only in test rows (two, so it is not constant).
            let tag = match (split.test.contains(&row), row % 4 < 2) {
                (true, true) => "seen",
                (true, false) => "other",
                (false, _) => "",
            };
            let x = if row % 2 == 0 {
                row as f64
            } else {
                100.0 + row as f64
            };
            vec![tag.to_string(), field(x), format!("class{}", row % 2)]
        })
        .collect();
    let fixture = Fixture::new("importance-empty-category");
    let path = fixture.write("data.csv", &csv(&["tag", "x", "label"], &table));
    let outcome = train_ok(&TrainingRequest {
        kernel: KernelChoice::Linear,
        optimize_hyperparameters: false,
        ..request(&path, Task::Classification)
    });
    let target = &outcome.report.targets[0];
    assert_eq!(target.test_metrics["accuracy"], 1.0);
    let importance: Vec<(&str, f64)> = target
        .feature_importance
        .iter()
        .map(|f| (f.feature.as_str(), f.importance))
        .collect();
    assert_eq!(importance.len(), 2);
    assert_eq!(importance[0], ("tag", 0.0), "{importance:?}");
    assert_eq!(importance[1].0, "x");
    assert!(importance[1].1 > 0.2, "{importance:?}");
}
