//! Column roles through training: identifiers are left out of the features (so a
//! table whose only signal is the row number scores near chance, not 1.0), the
//! decisions and the validation warnings reach the report, the caller's exclusions
//! and inclusions apply, and prediction files may carry or lack the columns left out.

use crate::support::*;
use svmq_core::random::Random;
use svmq_data::{ColumnRole, Task};
use svmq_service::model_store::{headline, summary};
use svmq_service::prediction::predict_file;
use svmq_service::TrainingRequest;

/// `rows` rows in shuffled order: `id` is the original row number, the label says
/// whether it is in the first half, `code` is a unique code per row, and `x`, `z`
/// are noise. The row number is the only signal.
fn row_number_table(rows: usize, seed: u64) -> String {
    let mut random = Random::new(seed);
    let mut order: Vec<usize> = (0..rows).collect();
    random.shuffle(&mut order);
    let table: Vec<Vec<String>> = order
        .iter()
        .map(|&row| {
            vec![
                (row + 1).to_string(),
                format!("LOT{:05}X", row * 13 + 7),
                field((random.unit() * 1000.0).round() / 100.0),
                field((random.unit() * 1000.0).round() / 100.0 + 0.001),
                (if row < rows / 2 { "early" } else { "late" }).to_string(),
            ]
        })
        .collect();
    csv(&["id", "code", "x", "z", "label"], &table)
}

fn cv_accuracy(request: &TrainingRequest) -> (f64, svmq_service::TrainingOutcome) {
    let outcome = train_ok(request);
    (outcome.report.targets[0].cv_mean, outcome)
}

#[test]
fn a_table_whose_only_signal_is_the_row_number_scores_near_chance() {
    let fixture = Fixture::new("row-number");
    let path = fixture.write("rows.csv", &row_number_table(200, 11));
    let (score, outcome) = cv_accuracy(&request(&path, Task::Classification));
    assert!(score < 0.7, "cross-validation accuracy {score}");
    assert_eq!(outcome.report.data.features, ["x", "z"]);
    let roles = &outcome.report.data.roles;
    assert_eq!(roles[0].role, ColumnRole::Identifier);
    assert!(roles[0].reason.contains("row number"), "{:?}", roles[0]);
    assert_eq!(roles[1].role, ColumnRole::Identifier);
    assert!(
        roles[1].reason.contains("letters and digits"),
        "{:?}",
        roles[1]
    );
    let warnings = &outcome.report.warnings;
    assert!(
        warnings
            .iter()
            .any(|warning| warning.contains("`id` is left out of the features as an identifier")),
        "{warnings:?}"
    );

    let (kept, outcome) = cv_accuracy(&TrainingRequest {
        include_columns: vec!["id".into()],
        ..request(&path, Task::Classification)
    });
    assert!(
        kept > 0.9,
        "cross-validation accuracy with the id kept: {kept}"
    );
    assert_eq!(outcome.report.data.features, ["id", "x", "z"]);
    assert!(outcome
        .report
        .warnings
        .iter()
        .any(|warning| warning.contains("`id` is kept as a feature on request")));
}

#[test]
fn the_roles_and_warnings_reach_the_summaries() {
    let fixture = Fixture::new("role-summaries");
    let path = fixture.write("rows.csv", &row_number_table(60, 2));
    let outcome = train_ok(&TrainingRequest {
        optimize_hyperparameters: false,
        ..request(&path, Task::Classification)
    });
    for fields in [
        summary(&outcome.report),
        serde_json::Value::Object(headline(&outcome.report)),
    ] {
        assert_eq!(fields["columns"]["id"]["role"], "identifier", "{fields}");
        assert_eq!(fields["columns"]["x"]["role"], "feature");
        assert_eq!(fields["columns"]["label"]["role"], "target");
        assert!(fields["columns"]["code"]["reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("different in each of the 60 rows")));
        assert!(!fields["warnings"].as_array().unwrap().is_empty());
    }
    // The saved report reads back with its roles; one written before roles reads
    // back with none.
    let text = serde_json::to_string(&outcome.report).unwrap();
    let back: svmq_service::TrainingReport = serde_json::from_str(&text).unwrap();
    assert_eq!(back.data.roles, outcome.report.data.roles);
    let mut old: serde_json::Value = serde_json::from_str(&text).unwrap();
    old["data"].as_object_mut().unwrap().remove("roles");
    let old: svmq_service::TrainingReport = serde_json::from_value(old).unwrap();
    assert!(old.data.roles.is_empty());
}

#[test]
fn an_excluded_feature_is_left_out_and_prediction_files_may_carry_or_lack_it() {
    let fixture = Fixture::new("exclude-feature");
    let path = fixture.write("rows.csv", &row_number_table(60, 3));
    let outcome = train_ok(&TrainingRequest {
        exclude_columns: vec!["Z".into()],
        optimize_hyperparameters: false,
        ..request(&path, Task::Classification)
    });
    assert_eq!(outcome.report.data.features, ["x"]);
    let z = &outcome.report.data.roles[3];
    assert_eq!((z.role, z.on_request), (ColumnRole::Excluded, true));
    assert_eq!(outcome.report.data.ignored_columns, ["id", "code", "z"]);
    // The training file itself, every left-out column present.
    let predicted = predict_file(
        &outcome.model,
        &path,
        &svmq_data::ReadLimits::default(),
        false,
    )
    .expect("predict the training file");
    assert_eq!(predicted.len(), 60);
    // A file with the feature only.
    let lean = fixture.write("lean.csv", "x\n1.5\n7.25\n");
    let predicted = predict_file(
        &outcome.model,
        &lean,
        &svmq_data::ReadLimits::default(),
        false,
    )
    .expect("predict a file without the left-out columns");
    assert_eq!(predicted.len(), 2);
}

#[test]
fn an_override_naming_no_column_is_refused_listing_the_columns() {
    let fixture = Fixture::new("override-unknown");
    let path = fixture.write("rows.csv", &row_number_table(40, 4));
    let error = train_quietly(&TrainingRequest {
        include_columns: vec!["identifier".into()],
        ..request(&path, Task::Classification)
    })
    .err()
    .expect("refused");
    let message = error.to_string();
    assert!(
        message.contains("`identifier`") && message.contains("`id`") && message.contains("`z`"),
        "{message}"
    );
    let error = train_quietly(&TrainingRequest {
        exclude_columns: vec!["label".into()],
        ..request(&path, Task::Classification)
    })
    .err()
    .expect("refused");
    assert!(error.to_string().contains("target"), "{error}");
}

#[test]
fn overrides_are_bounded_in_count_and_length() {
    let too_many = TrainingRequest {
        exclude_columns: vec!["a".into(); svmq_service::request::MAX_COLUMN_OVERRIDES + 1],
        ..TrainingRequest::default()
    };
    assert!(too_many.validate().is_err());
    let too_long = TrainingRequest {
        include_columns: vec!["n".repeat(svmq_service::request::MAX_COLUMN_NAME_CHARS + 1)],
        ..TrainingRequest::default()
    };
    assert!(too_long.validate().is_err());
    let empty = TrainingRequest {
        include_columns: vec![String::new()],
        ..TrainingRequest::default()
    };
    assert!(empty.validate().is_err());
}

#[test]
fn a_queued_payload_from_before_column_roles_still_reads() {
    let payload = r#"{"data_source": "data.csv", "task": "classification", "n_trials": 5}"#;
    let request: TrainingRequest = serde_json::from_str(payload).expect("old payload reads");
    assert!(request.exclude_columns.is_empty() && request.include_columns.is_empty());
}

#[test]
fn every_warning_of_validate_reaches_the_training_report() {
    let fixture = Fixture::new("validate-warnings");
    let mut random = Random::new(8);
    // An identifier, a constant, a duplicate, a mostly missing column, a leak.
    let table: Vec<Vec<String>> = (0..60)
        .map(|row| {
            let label = if row % 3 == 0 { "yes" } else { "no" };
            let x = field(random.unit() * 10.0);
            vec![
                format!("{:06}", 1000 + row * 17),
                "same".to_string(),
                x.clone(),
                x,
                if row % 4 == 0 {
                    field(random.unit())
                } else {
                    String::new()
                },
                (if label == "yes" { "1" } else { "0" }).to_string(),
                label.to_string(),
            ]
        })
        .collect();
    let path = fixture.write(
        "warnings.csv",
        &csv(
            &["ref_code", "flat", "x", "x_copy", "sparse", "leak", "label"],
            &table,
        ),
    );
    let request = TrainingRequest {
        optimize_hyperparameters: false,
        ..request(&path, Task::Classification)
    };
    let options = svmq_data::ValidationOptions {
        task: Some(Task::Classification),
        target: svmq_data::TargetOptions::default(),
        columns: svmq_data::ColumnOverrides::default(),
        folds: Some(request.cv_folds),
    };
    let validated =
        svmq_service::data_check::validate_file(&path, &request.limits, &options).unwrap();
    assert!(validated.warnings.len() >= 5, "{:?}", validated.warnings);
    let outcome = train_ok(&request);
    // Training measures leaks on its training split, and says so.
    let unscoped: Vec<String> = outcome
        .report
        .warnings
        .iter()
        .map(|warning| match warning.split_once(", measured on the ") {
            Some((before, after)) => {
                let rest = after
                    .split_once(" training rows")
                    .map_or("", |(_, rest)| rest);
                format!("{before}{rest}")
            }
            None => warning.clone(),
        })
        .collect();
    assert_eq!(unscoped, validated.warnings);
    assert!(outcome
        .report
        .warnings
        .iter()
        .any(|warning| warning.contains("`leak`") && warning.contains("training rows")));
}
