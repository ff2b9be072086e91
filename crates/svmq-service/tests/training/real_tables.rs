//! Tables as users have them: a continuous target with no task given trains a
//! regression, a row number in a file sorted by its label gives no score, a
//! feature that spells the label out is warned about, a date trains, and the
//! positive class is stated and can be chosen.

use svmq_core::random::Random;
use svmq_data::{ColumnRole, Task};
use svmq_service::TrainingRequest;

use crate::support::{csv, field, line_csv, request, train_ok, train_quietly, Fixture};

#[test]
fn a_continuous_target_trains_as_a_regression_with_no_task_given() {
    let fixture = Fixture::new("task-from-target");
    let path = fixture.write("line.csv", &line_csv(80, 1.0, 2.5));
    let outcome = train_ok(&TrainingRequest {
        task: None,
        ..request(&path, Task::Regression)
    });
    assert_eq!(outcome.report.task, Task::Regression);
    let choice = outcome.report.task_choice.expect("the choice is reported");
    assert!(
        choice.inferred && choice.reason.contains("`y`"),
        "{choice:?}"
    );
}

/// 300 rows sorted by label; `id` is the row number, the other columns noise.
fn sorted_by_label() -> String {
    let mut random = Random::new(21);
    let mut labels: Vec<&str> = (0..300)
        .map(|_| if random.unit() < 0.5 { "a" } else { "b" })
        .collect();
    labels.sort();
    let rows: Vec<Vec<String>> = labels
        .iter()
        .enumerate()
        .map(|(row, label)| {
            vec![
                (row + 1).to_string(),
                field((random.unit() * 1000.0).round() / 1000.0),
                field((random.unit() * 1000.0).round() / 1000.0),
                label.to_string(),
            ]
        })
        .collect();
    csv(&["id", "noise1", "noise2", "label"], &rows)
}

#[test]
fn a_row_number_in_a_file_sorted_by_label_scores_near_chance() {
    let fixture = Fixture::new("row-number");
    let path = fixture.write("sorted.csv", &sorted_by_label());
    let outcome = train_ok(&TrainingRequest {
        task: None,
        ..request(&path, Task::Classification)
    });
    let id = &outcome.report.data.roles[0];
    assert_eq!(id.role, ColumnRole::Identifier, "{id:?}");
    let score = outcome.report.targets[0].cv_mean;
    assert!(score < 0.65, "cross-validation accuracy {score} on noise");
    // Kept on request, the row number alone scores far above chance: the file is
    // sorted, which is why it is left out.
    let kept = train_ok(&TrainingRequest {
        include_columns: vec!["id".into()],
        ..request(&path, Task::Classification)
    });
    assert!(kept.report.targets[0].cv_mean > 0.9);
}

#[test]
fn a_feature_that_spells_the_label_out_is_a_leak_warning_of_the_training() {
    let fixture = Fixture::new("leak");
    let mut random = Random::new(5);
    let rows: Vec<Vec<String>> = (0..200)
        .map(|_| {
            let x = random.unit();
            let label = if x + random.unit() > 1.0 { "yes" } else { "no" };
            let status = format!("{}{}", &label[..1], random.below(3));
            vec![field(x), status, label.to_string()]
        })
        .collect();
    let path = fixture.write("leak.csv", &csv(&["x", "status", "label"], &rows));
    let outcome = train_ok(&request(&path, Task::Classification));
    let warning = outcome
        .report
        .warnings
        .iter()
        .find(|warning| warning.contains("target leak"))
        .expect("a leak warning");
    assert!(
        warning.contains("`status`") && warning.contains("training rows"),
        "{warning}"
    );
    assert!(!outcome
        .report
        .warnings
        .iter()
        .any(|w| w.contains("`x` alone")));
}

#[test]
fn dates_train_and_the_positive_class_is_stated_or_chosen() {
    let fixture = Fixture::new("dates");
    let mut random = Random::new(9);
    let rows: Vec<Vec<String>> = (0..160)
        .map(|row| {
            let month = row % 12 + 1;
            let day = row % 28 + 1;
            let label = if month >= 7 { "late" } else { "early" };
            vec![
                format!("{day:02}.{month:02}.2024"),
                field(random.unit()),
                label.to_string(),
            ]
        })
        .collect();
    let path = fixture.write("dates.csv", &csv(&["when", "noise", "label"], &rows));
    let outcome = train_ok(&request(&path, Task::Classification));
    assert_eq!(outcome.report.data.roles[0].role, ColumnRole::Date);
    assert!(outcome.report.targets[0].cv_mean > 0.9);
    let positive = outcome.report.positive_class.clone().expect("binary");
    assert!(!positive.given && !positive.reason.is_empty());
    assert!(outcome.report.targets[0]
        .test_metrics
        .contains_key("recall_positive"));
    let chosen = train_ok(&TrainingRequest {
        positive_label: Some("late".into()),
        ..request(&path, Task::Classification)
    });
    let positive = chosen.report.positive_class.expect("binary");
    assert_eq!((positive.label.as_str(), positive.given), ("late", true));
    let unknown = train_quietly(&TrainingRequest {
        positive_label: Some("never".into()),
        ..request(&path, Task::Classification)
    })
    .err()
    .expect("refused")
    .to_string();
    assert!(
        unknown.contains("`early`") && unknown.contains("`late`"),
        "{unknown}"
    );
}
