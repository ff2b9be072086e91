//! Generated business-like tables: the task chosen from the target, date columns made
//! numeric features in every usual format, and target leaks found in the training
//! rows only.

use svmq_core::random::Random;
use svmq_data::validate::{validate_dataset, validate_training};
use svmq_data::{
    ColumnOverrides, ColumnRole, Dataset, PreprocessOptions, Preprocessor, TargetOptions, Task,
};

use crate::common::table;

fn csv(header: &str, rows: impl Iterator<Item = String>) -> String {
    let mut text = format!("{header}\n");
    for row in rows {
        text.push_str(&row);
        text.push('\n');
    }
    text
}

fn prepared(text: &str, task: Option<Task>) -> Dataset {
    Dataset::prepare_choosing(
        table(text),
        task,
        &TargetOptions::default(),
        &ColumnOverrides::default(),
    )
    .expect("the table prepares")
}

#[test]
fn the_task_is_chosen_from_the_target_and_said() {
    let mut random = Random::new(7);
    let mut amounts = Vec::new();
    let mut labels = Vec::new();
    let mut codes = Vec::new();
    for _ in 0..200 {
        let x = random.unit() * 10.0;
        amounts.push(format!("{x:.3},{:.2}", 3.0 * x + random.unit()));
        labels.push(format!("{x:.3},{}", if x > 5.0 { "high" } else { "low" }));
        codes.push(format!("{x:.3},{}", (x as usize) % 4));
    }
    let regression = prepared(&csv("x,amount", amounts.into_iter()), None);
    assert_eq!(regression.task, Task::Regression);
    assert!(regression.task_choice.inferred);
    assert!(regression.task_choice.reason.contains("`amount`"));
    let labelled = prepared(&csv("x,label", labels.into_iter()), None);
    assert_eq!(labelled.task, Task::Classification);
    let coded = prepared(&csv("x,code", codes.into_iter()), None);
    assert_eq!(coded.task, Task::Classification);
    // Whole numbers of many values: a count.
    let counts = csv(
        "x,visits",
        (0..300).map(|row| format!("{:.2},{}", (row * 7 % 13) as f64 / 3.0, (row * row) % 211)),
    );
    assert_eq!(prepared(&counts, None).task, Task::Regression);
    // Amounts of many values, most seen once: refused as classes, naming the fix.
    let amounts = csv(
        "x,amount",
        (0..300).map(|row| format!("{:.2},{}", (row * 7 % 13) as f64 / 3.0, row * 37 % 1000)),
    );
    let refused = match Dataset::prepare_choosing(
        table(&amounts),
        Some(Task::Classification),
        &TargetOptions::default(),
        &ColumnOverrides::default(),
    ) {
        Ok(_) => panic!("a continuous target was prepared as classes"),
        Err(error) => error.to_string(),
    };
    assert!(refused.contains("regression"), "{refused}");
}

/// Writes a year, month and day as a date column's cell.
type WriteDate = dyn Fn(i64, u32, u32) -> String;

/// 120 rows whose label is 1 from 2024-07-01 on, the date written as `write` says.
fn dated(write: impl Fn(i64, u32, u32) -> String) -> String {
    let mut random = Random::new(11);
    csv(
        "when,noise,label",
        (0..120).map(|row| {
            // Days of 2024 from January 1st, every third day.
            let day_of_year = (row * 3) as u32;
            let (month, day) = month_and_day(day_of_year);
            let label = u32::from(month >= 7);
            format!("{},{:.3},{label}", write(2024, month, day), random.unit())
        }),
    )
}

fn month_and_day(mut day_of_year: u32) -> (u32, u32) {
    let lengths = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    for (month, length) in lengths.iter().enumerate() {
        if day_of_year < *length {
            return (month as u32 + 1, day_of_year + 1);
        }
        day_of_year -= length;
    }
    (12, 31)
}

#[test]
fn date_columns_of_every_format_become_numeric_features_fitted_on_the_training_rows() {
    let formats: [(&str, Box<WriteDate>); 5] = [
        ("ISO 8601", Box::new(|y, m, d| format!("{y}-{m:02}-{d:02}"))),
        (
            "ISO 8601",
            Box::new(|y, m, d| format!("{y}-{m:02}-{d:02}T08:30:00Z")),
        ),
        (
            "MM/DD/YYYY",
            Box::new(|y, m, d| format!("{m:02}/{d:02}/{y}")),
        ),
        ("DD/MM/YYYY", Box::new(|y, m, d| format!("{d}/{m}/{y}"))),
        (
            "DD.MM.YYYY",
            Box::new(|y, m, d| format!("{d:02}.{m:02}.{y}")),
        ),
    ];
    for (name, write) in formats {
        let dataset = prepared(&dated(write), Some(Task::Classification));
        let decision = &dataset.roles[0];
        assert_eq!(decision.role, ColumnRole::Date, "{decision:?}");
        assert!(decision.reason.contains(name), "{decision:?}");
        assert!(dataset.feature_columns.contains(&0));
        let train: Vec<usize> = (0..dataset.table.rows()).step_by(2).collect();
        let fitted = Preprocessor::from_dataset(&dataset)
            .fit(&dataset.table, &train, &PreprocessOptions::default())
            .unwrap();
        assert_eq!(
            fitted.output_names(),
            [
                "when:days",
                "when:year",
                "when:month",
                "when:weekday",
                "noise"
            ]
        );
        let matrix = fitted.transform_table(&dataset.table).unwrap();
        assert_eq!(matrix.columns(), 5);
        // The scaled days increase with the date: January first, December last.
        assert!(matrix.row(0)[0] < matrix.row(119)[0]);
        // Standard scaling fitted on the even rows centres them, not all rows.
        let even_mean: f64 =
            train.iter().map(|&row| matrix.row(row)[0]).sum::<f64>() / train.len() as f64;
        assert!(even_mean.abs() < 1e-9, "{even_mean}");
    }
}

#[test]
fn unix_seconds_are_dates_only_when_the_name_says_so() {
    let rows = |name: &str| {
        csv(
            &format!("{name},x,label"),
            (0..60).map(|row| format!("{},{row},{}", 1_700_000_000 + row * 86_400, row % 2)),
        )
    };
    let named = prepared(&rows("created_ts"), Some(Task::Classification));
    assert_eq!(named.roles[0].role, ColumnRole::Date);
    let unnamed = prepared(&rows("amount"), Some(Task::Classification));
    assert_ne!(unnamed.roles[0].role, ColumnRole::Date);
}

#[test]
fn a_date_not_in_the_columns_format_is_refused_at_prediction_naming_the_column() {
    let dataset = prepared(
        &dated(|y, m, d| format!("{y}-{m:02}-{d:02}")),
        Some(Task::Classification),
    );
    let rows: Vec<usize> = (0..dataset.table.rows()).collect();
    let fitted = Preprocessor::from_dataset(&dataset)
        .fit(&dataset.table, &rows, &PreprocessOptions::default())
        .unwrap();
    let new = table("when,noise\n2025-01-15,0.5\n,0.2\n15/01/2025,0.1\n");
    let error = fitted.transform_table(&new).unwrap_err().to_string();
    assert!(
        error.contains("`when`") && error.contains("ISO 8601"),
        "{error}"
    );
    let good = table("when,noise\n2025-01-15,0.5\n,0.2\n");
    assert_eq!(fitted.transform_table(&good).unwrap().rows(), 2);
}

#[test]
fn a_feature_that_alone_gives_the_label_is_a_leak_measured_on_the_training_rows() {
    let mut random = Random::new(3);
    let text = csv(
        "a,b,outcome_code,label",
        (0..200).map(|_| {
            let a = random.unit();
            let b = random.unit();
            let label = if a + b + random.unit() > 1.5 {
                "yes"
            } else {
                "no"
            };
            // A code that spells the label out, as systems record after the fact.
            let code = if label == "yes" { 7 } else { 3 } + 10 * (random.next_u64() % 3);
            format!("{a:.4},{b:.4},{code},{label}")
        }),
    );
    let dataset = prepared(&text, None);
    let training: Vec<usize> = (0..dataset.rows.len()).filter(|row| row % 5 != 0).collect();
    let report = validate_training(&dataset, Some(5), &training);
    let leaks: Vec<&str> = report
        .leak_candidates
        .iter()
        .map(|leak| leak.feature.as_str())
        .collect();
    assert_eq!(leaks, ["outcome_code"], "{:?}", report.leak_candidates);
    assert!(report
        .warnings
        .iter()
        .any(|warning| warning.contains("`outcome_code`") && warning.contains("leak")));
    // A leak only in the held-out rows is not measured: the training rows decide.
    let mut flipped = String::from("a,label\n");
    for row in 0..100 {
        let label = if row % 2 == 0 { "x" } else { "y" };
        // The first half agrees with the label; the second half contradicts it.
        let value = if row < 50 { row % 2 } else { (row + 1) % 2 };
        flipped.push_str(&format!("{value},{label}\n"));
    }
    let dataset = prepared(&flipped, None);
    assert!(validate_dataset(&dataset, None).leak_candidates.is_empty());
    let first_half: Vec<usize> = (0..50).collect();
    assert_eq!(
        validate_training(&dataset, None, &first_half)
            .leak_candidates
            .len(),
        1
    );
}

#[test]
fn a_text_column_of_many_levels_keeps_its_most_frequent_and_one_other_column() {
    let text = csv(
        "city,x,label",
        (0..300).map(|row| {
            // Five common cities, then 55 seen a few times each.
            let city = if row % 2 == 0 {
                format!("common{}", row % 5)
            } else {
                format!("rare{}", row % 55)
            };
            format!("{city},{},{}", row % 7, row % 2)
        }),
    );
    let dataset = prepared(&text, Some(Task::Classification));
    assert!(dataset.roles[0].reason.contains("most frequent"));
    let report = validate_dataset(&dataset, None);
    assert!(
        report
            .warnings
            .iter()
            .any(|warning| warning.contains("`city` has 60 categories")),
        "{:?}",
        report.warnings
    );
    let rows: Vec<usize> = (0..300).collect();
    let fitted = Preprocessor::from_dataset(&dataset)
        .fit(&dataset.table, &rows, &PreprocessOptions::default())
        .unwrap();
    let names = fitted.output_names();
    let city_columns: Vec<&String> = names
        .iter()
        .filter(|name| name.starts_with("city="))
        .collect();
    assert_eq!(
        city_columns.len(),
        svmq_data::preprocess::MAX_ONE_HOT_LEVELS + 1
    );
    assert_eq!(city_columns.last().unwrap().as_str(), "city=(other)");
    assert!(names.iter().any(|name| name == "city=common0"));
    // A city never seen, and a rare one not kept, are both "other".
    let new = table("city,x\nnowhere,1\ncommon3,2\n");
    let matrix = fitted.transform_table(&new).unwrap();
    let other = names
        .iter()
        .position(|name| name == "city=(other)")
        .unwrap();
    assert_eq!(matrix.row(0)[other], 1.0);
    assert_eq!(matrix.row(1)[other], 0.0);
}

#[test]
fn a_libsvm_file_gets_its_task_from_its_labels() {
    let read = |name: &str| {
        svmq_data::read_data_file(
            &crate::common::example(name),
            &svmq_data::ReadLimits::default(),
            &std::sync::atomic::AtomicBool::new(false),
        )
        .expect("the example reads")
    };
    let choose = |name: &str| {
        Dataset::prepare_choosing(
            read(name),
            None,
            &TargetOptions::default(),
            &ColumnOverrides::default(),
        )
        .expect("the example prepares")
        .task
    };
    assert_eq!(choose("diabetes.libsvm"), Task::Regression);
    assert_eq!(choose("breast_cancer.libsvm"), Task::Classification);
    assert_eq!(choose("wine.libsvm"), Task::Classification);
}
