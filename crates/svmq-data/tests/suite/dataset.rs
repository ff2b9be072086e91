//! Targets, labels, and the guards that refuse data a model cannot be trained on.

use svmq_data::{DataError, Dataset, Target, TargetOptions, Task};

use crate::common::table;

fn prepare(text: &str, task: Task, options: &TargetOptions) -> Result<Dataset, DataError> {
    Dataset::prepare(table(text), task, options)
}

fn named(name: &str) -> TargetOptions {
    TargetOptions {
        target_column: Some(name.to_string()),
        ..TargetOptions::default()
    }
}

fn last(k: usize) -> TargetOptions {
    TargetOptions {
        target_column: None,
        target_dimension: k,
        ..TargetOptions::default()
    }
}

const FRUIT: &str = "weight,colour,origin,kind\n\
    150,red,spain,apple\n\
    120,yellow,peru,banana\n\
    160,green,spain,apple\n\
    118,yellow,peru,banana\n\
    155,red,italy,cherry\n\
    10,red,italy,cherry\n";

#[test]
fn default_target_is_the_last_column() {
    let dataset = prepare(FRUIT, Task::Classification, &TargetOptions::default()).unwrap();
    assert_eq!(dataset.target_names(), ["kind"]);
    assert_eq!(dataset.feature_names(), ["weight", "colour", "origin"]);
    assert_eq!(dataset.classes().unwrap(), [0, 1, 0, 1, 2, 2]);
}

#[test]
fn target_by_name_anywhere_and_ignoring_case() {
    let dataset = prepare(FRUIT, Task::Classification, &named("Origin")).unwrap();
    assert_eq!(dataset.target_names(), ["origin"]);
    assert_eq!(dataset.feature_names(), ["weight", "colour", "kind"]);
}

#[test]
fn unknown_target_lists_the_columns() {
    let error = prepare(FRUIT, Task::Classification, &named("species")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "target column `species` not found; the columns are: `weight`, `colour`, `origin`, `kind`"
    );
}

#[test]
fn string_labels_round_trip_through_the_encoder() {
    let dataset = prepare(FRUIT, Task::Classification, &TargetOptions::default()).unwrap();
    let encoder = dataset.encoder().unwrap();
    assert_eq!(encoder.classes(), ["apple", "banana", "cherry"]);
    let predicted = [2, 0, 1];
    let labels: Vec<&str> = predicted
        .iter()
        .map(|&class| encoder.decode(class).unwrap())
        .collect();
    assert_eq!(labels, ["cherry", "apple", "banana"]);
}

#[test]
fn numeric_labels_keep_their_spelling() {
    let text = "x,y\n1,+1\n2,-1\n3,3\n4,1.0\n5,-1\n";
    let dataset = prepare(text, Task::Classification, &TargetOptions::default()).unwrap();
    assert_eq!(
        dataset.encoder().unwrap().classes(),
        ["+1", "-1", "3", "1.0"]
    );
}

#[test]
fn rows_without_a_target_are_left_out() {
    let text = "x,y\n1,a\n2,\n3,b\n4,NA\n";
    let dataset = prepare(text, Task::Classification, &TargetOptions::default()).unwrap();
    assert_eq!(dataset.rows, [0, 2]);
    assert_eq!(dataset.unlabeled_rows(), 2);
}

#[test]
fn no_labeled_row_is_refused() {
    let error = prepare(
        "x,y\n1,\n2,NA\n",
        Task::Regression,
        &TargetOptions::default(),
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("no row has a value in the target column `y`"),
        "{error}"
    );
}

#[test]
fn single_class_is_refused() {
    let error = prepare(
        "x,y\n1,a\n2,a\n3,\n",
        Task::Classification,
        &TargetOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(error, DataError::SingleClass { .. }), "{error}");
    assert!(error.to_string().contains("single class"), "{error}");
}

#[test]
fn no_usable_feature_is_refused() {
    let error = prepare("y\n1\n2\n", Task::Regression, &TargetOptions::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "no usable feature column: the table has no column besides the target"
    );
    let error = prepare(
        "same,blank,y\n1,,a\n1,,b\n",
        Task::Classification,
        &TargetOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(error, DataError::NoFeatures { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("left out: same (constant), blank (constant)"),
        "{error}"
    );
}

#[test]
fn non_numeric_regression_target_names_the_row_not_the_value() {
    let text = "x,price\n1,10\n2,12.5\n3,secret-value\n4,9\n";
    let error = prepare(text, Task::Regression, &TargetOptions::default()).unwrap_err();
    assert!(
        matches!(error, DataError::NonNumericTarget { row: 4, .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains("`price` must be numeric"), "{message}");
    assert!(message.contains("row 4 of the file"), "{message}");
    assert!(!message.contains("secret-value"), "{message}");
}

#[test]
fn regression_targets_are_numbers() {
    let dataset = prepare(
        "x,y\n1,10\n2,12.5\n",
        Task::Regression,
        &TargetOptions::default(),
    )
    .unwrap();
    assert_eq!(dataset.target, Target::Values(vec![vec![10.0, 12.5]]));
}

#[test]
fn multi_target_regression_takes_the_last_k_columns() {
    let text = "a,b,y1,y2\n1,2,3,4\n5,6,7,8\n";
    let dataset = prepare(text, Task::Regression, &last(2)).unwrap();
    assert_eq!(dataset.target_names(), ["y1", "y2"]);
    assert_eq!(dataset.feature_names(), ["a", "b"]);
    assert_eq!(
        dataset.target,
        Target::Values(vec![vec![3.0, 7.0], vec![4.0, 8.0]])
    );
    // Ending at a named column instead of the last one.
    let options = TargetOptions {
        target_column: Some("y1".into()),
        target_dimension: 2,
        ..TargetOptions::default()
    };
    let dataset = prepare(text, Task::Regression, &options).unwrap();
    assert_eq!(dataset.target_names(), ["b", "y1"]);
}

#[test]
fn impossible_target_dimensions_are_refused() {
    let text = "a,y1,y2\n1,3,4\n5,7,8\n";
    for k in [0, 3, 4] {
        let error = prepare(text, Task::Regression, &last(k)).unwrap_err();
        assert!(
            matches!(error, DataError::BadTargetDimension { .. }),
            "{k}: {error}"
        );
        assert!(
            error.to_string().contains("leave at least one feature"),
            "{error}"
        );
    }
    let error = prepare(text, Task::Classification, &last(2)).unwrap_err();
    assert!(
        error.to_string().contains("only regression supports"),
        "{error}"
    );
}

#[test]
fn constant_and_empty_columns_are_ignored_not_features() {
    let text = "x,constant,empty,y\n1,7,,a\n2,7,NA,b\n3,7,,a\n";
    let dataset = prepare(text, Task::Classification, &TargetOptions::default()).unwrap();
    assert_eq!(dataset.feature_names(), ["x"]);
    assert_eq!(dataset.ignored_columns, [1, 2]);
}

#[test]
fn a_class_smaller_than_the_folds_is_refused() {
    let text = "x,y\n1,a\n2,a\n3,a\n4,b\n5,b\n6,c\n7,a\n";
    let dataset = prepare(text, Task::Classification, &TargetOptions::default()).unwrap();
    assert!(dataset.check_folds(1).is_err());
    let error = dataset.check_folds(2).unwrap_err();
    assert!(
        matches!(
            error,
            DataError::ClassTooSmall {
                members: 1,
                folds: 2,
                row: 7,
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error.to_string().contains("only 1 member(s) (first at row 7 of the file), fewer than the 2 cross-validation folds"),
        "{error}"
    );
    // The class label itself is not in the message.
    assert!(!error.to_string().contains("`c`"), "{error}");
    let enough = "x,y\n1,a\n2,a\n3,b\n4,b\n";
    let dataset = prepare(enough, Task::Classification, &TargetOptions::default()).unwrap();
    assert!(dataset.check_folds(2).is_ok());
    let error = dataset.check_folds(5).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("5 folds asked for 4 usable rows"),
        "{error}"
    );
}
