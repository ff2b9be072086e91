//! The data-quality report.

use svmq_data::validate::ColumnRole;
use svmq_data::{
    read_table, validate, ColumnKind, ColumnOverrides, TableOptions, TargetOptions, Task,
    ValidationOptions, ValidationReport,
};

use crate::common::{example, table};

fn classification(folds: Option<usize>) -> ValidationOptions {
    ValidationOptions {
        task: Some(Task::Classification),
        target: TargetOptions::default(),
        columns: ColumnOverrides::default(),
        folds,
    }
}

fn regression() -> ValidationOptions {
    ValidationOptions {
        task: Some(Task::Regression),
        target: TargetOptions::default(),
        columns: ColumnOverrides::default(),
        folds: Some(5),
    }
}

fn report_of(text: &str, options: &ValidationOptions) -> ValidationReport {
    validate(&table(text), options)
}

#[test]
fn iris_report() {
    let iris = read_table(&example("iris.csv"), &TableOptions::default()).unwrap();
    let report = validate(&iris, &classification(Some(5)));
    assert!(report.is_trainable(), "{:?}", report.blocking_problems);
    assert_eq!(
        (report.rows, report.columns, report.usable_rows),
        (150, 5, 150)
    );
    assert_eq!(report.target_columns, ["species"]);
    let balance: Vec<(&str, usize)> = report
        .class_balance
        .iter()
        .map(|class| (class.label.as_str(), class.count))
        .collect();
    assert_eq!(
        balance,
        [("setosa", 50), ("versicolor", 50), ("virginica", 50)]
    );
    assert_eq!(report.column_reports[4].role, ColumnRole::Target);
    assert_eq!(report.column_reports[0].kind, ColumnKind::Numeric);
    // petal length and width correlate at r ≈ 0.963.
    assert!(report
        .correlated_pairs
        .iter()
        .any(|pair| pair.first == "petal_length"
            && pair.second == "petal_width"
            && (pair.correlation - 0.9629).abs() < 1e-3));
    // No feature alone separates all three species.
    assert!(
        report.leak_candidates.is_empty(),
        "{:?}",
        report.leak_candidates
    );
}

/// 40 rows: `leak` is the label spelled as a number, `noise` is not informative.
fn leaky_classification() -> String {
    let mut text = String::from("noise,leak,copy,label\n");
    for row in 0..40 {
        let label = if row % 3 == 0 { "yes" } else { "no" };
        let leak = if label == "yes" { 1 } else { 0 };
        text.push_str(&format!("{},{leak},{label},{label}\n", (row * 7) % 11));
    }
    text
}

#[test]
fn classification_leaks_and_duplicates_are_reported() {
    let report = report_of(&leaky_classification(), &classification(Some(5)));
    assert!(report.is_trainable());
    let leaks: Vec<&str> = report
        .leak_candidates
        .iter()
        .map(|leak| leak.feature.as_str())
        .collect();
    assert_eq!(leaks, ["leak", "copy"]);
    assert_eq!(report.duplicate_columns.len(), 1);
    assert_eq!(report.duplicate_columns[0].column, "label");
    assert_eq!(report.duplicate_columns[0].same_as, "copy");
    assert!(report
        .warnings
        .iter()
        .any(|warning| warning.contains("possible target leak: `leak`")));
}

#[test]
fn regression_leak_by_correlation_and_target_summary() {
    let mut text = String::from("x,almost_y,other,y\n");
    for row in 0..30 {
        let y = row as f64 * 2.0 + 1.0;
        text.push_str(&format!(
            "{},{},{},{y}\n",
            (row * 13) % 7,
            y + if row % 2 == 0 { 0.01 } else { -0.01 },
            (row * 5) % 3
        ));
    }
    let report = report_of(&text, &regression());
    assert!(report.is_trainable(), "{:?}", report.blocking_problems);
    assert_eq!(report.leak_candidates.len(), 1);
    assert_eq!(report.leak_candidates[0].feature, "almost_y");
    let summary = &report.target_summaries[0];
    assert_eq!((summary.minimum, summary.maximum), (1.0, 59.0));
    assert!((summary.mean - 30.0).abs() < 1e-9);
    assert!((summary.median - 30.0).abs() < 1e-9);
}

#[test]
fn constant_and_mostly_missing_columns_are_warnings_not_blocks() {
    let text = "a,flat,sparse,y\n1,k,,p\n2,k,,q\n3,k,5,p\n4,k,,q\n\
        5,k,,p\n6,k,,q\n7,k,6,p\n8,k,,q\n";
    let report = report_of(text, &classification(None));
    assert!(report.is_trainable());
    assert_eq!(report.constant_columns, ["flat"]);
    assert_eq!(report.column_reports[1].role, ColumnRole::Constant);
    // Two values, both with class p, on a quarter of the rows: not a leak.
    assert!(
        report.leak_candidates.is_empty(),
        "{:?}",
        report.leak_candidates
    );
    assert!(report
        .warnings
        .iter()
        .any(|warning| warning.contains("`sparse` is 75% missing")));
}

#[test]
fn fatal_problems_block_and_keep_the_rest_of_the_report() {
    let report = report_of("x,y\n1,a\n2,a\n3,a\n", &classification(None));
    assert!(!report.is_trainable());
    assert_eq!(report.blocking_problems.len(), 1);
    assert!(report.blocking_problems[0].contains("single class"));
    assert_eq!(report.class_balance[0].count, 3);
    assert_eq!(report.rows, 3);

    let report = report_of("x,y\n1,a\n2,a\n3,b\n4,b\n5,a\n", &classification(Some(3)));
    assert!(report.blocking_problems[0].contains("fewer than the 3 cross-validation folds"));

    let options = ValidationOptions {
        target: TargetOptions {
            target_column: Some("nope".into()),
            ..TargetOptions::default()
        },
        ..classification(None)
    };
    let report = report_of("x,y\n1,a\n2,b\n", &options);
    assert!(report.blocking_problems[0].contains("`nope` not found"));
}

#[test]
fn mostly_numeric_column_with_text_is_flagged() {
    let mut text = String::from("value,y\n");
    for row in 0..20 {
        text.push_str(&format!("{},{}\n", row % 5, row % 2));
    }
    text.push_str("oops,1\n");
    let report = report_of(&text, &classification(None));
    assert!(
        report.warnings.iter().any(|warning| warning.contains(
            "`value` is mostly numbers but has 1 non-numeric values (first at row 22 of the file)"
        )),
        "{:?}",
        report.warnings
    );
    assert!(report
        .warnings
        .iter()
        .all(|warning| !warning.contains("oops")));
}

#[test]
fn report_serializes_to_json() {
    let report = report_of(&leaky_classification(), &classification(Some(5)));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["task"], "classification");
    assert_eq!(json["column_reports"][0]["kind"], "numeric");
    assert!(json["blocking_problems"].as_array().unwrap().is_empty());
    let back: ValidationReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}
