//! The repository's example data sets, from file to matrices, as the trainer will use
//! them: prepare, split, folds, preprocessing fitted on training rows only.

use svmq_data::{
    read_table, shuffled_split, stratified_folds, stratified_split, Dataset, PreprocessOptions,
    Preprocessor, ScalingMethod, TableOptions, Target, TargetOptions, TargetScaler, Task,
};

use crate::common::example;

fn load(name: &str, task: Task) -> Dataset {
    let table = read_table(&example(name), &TableOptions::default()).unwrap();
    Dataset::prepare(table, task, &TargetOptions::default()).unwrap()
}

#[test]
fn breast_cancer_split_folds_and_matrices() {
    let dataset = load("breast_cancer.csv", Task::Classification);
    assert_eq!(
        (dataset.table.rows(), dataset.feature_columns.len()),
        (569, 30)
    );
    let encoder = dataset.encoder().unwrap();
    assert_eq!(encoder.classes(), ["malignant", "benign"]);
    let classes = dataset.classes().unwrap();
    let split = stratified_split(classes, 0.2, 0).unwrap();
    assert_eq!((split.train.len(), split.test.len()), (455, 114));
    // 212 malignant of 569: the test part keeps the share (42 of 114).
    let malignant_in_test = split.test.iter().filter(|&&p| classes[p] == 0).count();
    assert_eq!(malignant_in_test, 42);
    let (train_rows, test_rows) = split.pick(&dataset.rows);

    let fitted = Preprocessor::from_dataset(&dataset)
        .fit(&dataset.table, &train_rows, &PreprocessOptions::default())
        .unwrap();
    let train = fitted.transform(&dataset.table, &train_rows).unwrap();
    let test = fitted.transform(&dataset.table, &test_rows).unwrap();
    assert_eq!((train.rows(), train.columns()), (455, 30));
    assert_eq!(test.rows(), 114);
    // Standardized on the training rows: mean 0 and deviation 1 there, not on test.
    for column in 0..30 {
        let values: Vec<f64> = (0..train.rows())
            .map(|row| train.row(row)[column])
            .collect();
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
        assert!(
            mean.abs() < 1e-9 && (variance - 1.0).abs() < 1e-9,
            "column {column}"
        );
    }

    // Folds inside the training split, mapped to its class indices.
    dataset.check_folds(5).unwrap();
    let train_classes: Vec<usize> = split.train.iter().map(|&p| classes[p]).collect();
    let folds = stratified_folds(&train_classes, 5, 0).unwrap();
    for fold in 0..5 {
        let validation = folds.validation(fold);
        assert!(validation.len() == 91, "fold {fold}: {}", validation.len());
        let malignant = validation
            .iter()
            .filter(|&&p| train_classes[p] == 0)
            .count();
        assert!((33..=35).contains(&malignant), "fold {fold}: {malignant}");
    }
}

#[test]
fn diabetes_regression_target_scaling_round_trip() {
    let dataset = load("diabetes.csv", Task::Regression);
    assert_eq!(dataset.target_names(), ["progression"]);
    let Target::Values(targets) = &dataset.target else {
        panic!("regression target");
    };
    let split = shuffled_split(dataset.rows.len(), 0.2, 3).unwrap();
    assert_eq!(split.test.len(), 89);
    let train_targets: Vec<f64> = split.train.iter().map(|&p| targets[0][p]).collect();
    let scaler = TargetScaler::fit(&train_targets);
    let scaled = scaler.transform(&train_targets);
    let back = scaler.inverse(&scaled);
    assert!(back
        .iter()
        .zip(&train_targets)
        .all(|(left, right)| (left - right).abs() < 1e-9));
    assert!(
        scaler.mean() > 100.0 && scaler.mean() < 200.0,
        "{}",
        scaler.mean()
    );

    let (train_rows, _) = split.pick(&dataset.rows);
    let fitted = Preprocessor::from_dataset(&dataset)
        .fit(
            &dataset.table,
            &train_rows,
            &PreprocessOptions {
                scaling: ScalingMethod::Robust,
            },
        )
        .unwrap();
    assert_eq!(fitted.output_width(), 10);
}

#[test]
fn iris_labels_come_back_as_names() {
    let dataset = load("iris.csv", Task::Classification);
    let encoder = dataset.encoder().unwrap();
    let classes = dataset.classes().unwrap();
    let names: Vec<&str> = [0, 50, 100]
        .iter()
        .map(|&row| encoder.decode(classes[row]).unwrap())
        .collect();
    assert_eq!(names, ["setosa", "versicolor", "virginica"]);
}
