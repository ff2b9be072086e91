//! The report's content, end to end from a real training: every section present for a
//! binary, a multiclass and a regression model; hostile names escaped; the AUC of a
//! known ranking; damaged and older reports handled without panics.

use serde_json::Value;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use svmq_data::Task;
use svmq_report::{render, render_saved};
use svmq_service::report_data::ClassificationSample;
use svmq_service::training::Silent;
use svmq_service::{train, TrainingReport, TrainingRequest};

/// A directory for this test's data files.
fn directory(test: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("svmq-report")
        .join(test);
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).expect("create the test directory");
    path
}

/// A deterministic value in [-1, 1] for row `row`, stream `stream`.
fn noise(row: usize, stream: usize) -> f64 {
    ((row * 7919 + stream * 104_729) as f64 * 0.618_033_988_7).sin()
}

fn training(path: PathBuf, task: Task) -> TrainingReport {
    let request = TrainingRequest {
        data_source: path,
        task: Some(task),
        n_trials: 8,
        cv_folds: 3,
        seed: 7,
        ..TrainingRequest::default()
    };
    train(&request, &Silent, &AtomicBool::new(false))
        .expect("training succeeds")
        .report
}

/// A binary problem whose column names, target name and labels are markup.
fn hostile_binary(test: &str) -> TrainingReport {
    let dir = directory(test);
    let mut csv = String::from(
        "\"<script>alert(1)</script>\",\"a\"\"b'&c\",\"<img src=x onerror=alert(2)>\"\n",
    );
    for row in 0..90 {
        let (x, y) = (noise(row, 1) * 3.0, noise(row, 2) * 3.0);
        let label = if x + y + noise(row, 3) > 0.0 {
            "<b>yes</b>"
        } else {
            "no&"
        };
        csv.push_str(&format!("{x:.4},{y:.4},{label}\n"));
    }
    let path = dir.join("hostile.csv");
    std::fs::write(&path, csv).expect("write data");
    training(path, Task::Classification)
}

/// Keeps a rendered page as a test artifact, for people to look at.
fn keep(name: &str, html: &str) {
    let path = directory(&format!("page-{name}")).join("report.html");
    std::fs::write(&path, html).expect("write the page");
}

fn section_ids(html: &str) -> Vec<String> {
    html.split("<section id=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap_or_default().to_string())
        .collect()
}

fn svg_count(html: &str) -> usize {
    html.matches("<svg ").count()
}

#[test]
fn a_binary_classifier_report_has_every_section_and_escapes_hostile_names() {
    let report = hostile_binary("binary");
    let html = render("0123456789abcdef0123456789abcdef", &report);
    keep("binary", &html);
    let ids = section_ids(&html);
    for id in [
        "data",
        "parameters-0",
        "metrics-0",
        "cv-folds-0",
        "confusion-matrix-0",
        "roc-0",
        "precision-recall-0",
        "history-0",
        "parameter-importance-0",
        "feature-importance-0",
    ] {
        assert!(ids.iter().any(|i| i == id), "section {id} in {ids:?}");
    }
    assert!(!ids.iter().any(|i| i.starts_with("residuals")));
    // Markup from the data never reaches the page as markup.
    assert!(!html.contains("<script"), "a raw script tag");
    assert!(!html.contains("<img"), "a raw img tag");
    assert!(!html.contains("<b>yes"), "a raw label");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("a&quot;b&#39;&amp;c"));
    assert!(html.contains("&lt;b&gt;yes&lt;/b&gt;"));
    // A chart per drawn section: classes, folds, confusion, ROC, PR, history,
    // parameter and feature importance.
    assert!(svg_count(&html) >= 8, "{} charts", svg_count(&html));
    assert!(html.contains("AUC "), "the ROC legend names its area");
    // Every trial point of the history carries its hover text (the reason the
    // charts draw their own SVG: see the header of src/svg.rs).
    let finished = report.targets[0]
        .trials
        .iter()
        .filter(|trial| trial.value.is_some_and(f64::is_finite))
        .count();
    assert!(finished > 0);
    assert!(
        html.matches("<title>trial ").count() >= finished,
        "a tooltip per finished trial"
    );
    assert!(
        html.contains("Positive class: &lt;b&gt;yes&lt;/b&gt;")
            || html.contains("Positive class: no&amp;")
    );
    // Self-contained: nothing fetched.
    assert!(!html.contains(" src=\""), "nothing loaded from anywhere");
    assert!(!html.contains("url("), "no style sheet loads");
    assert!(!html.contains("href=\"http"), "no links out");
    assert!(!html.contains("<link rel=\"stylesheet"));
    assert!(html.contains("Content-Security-Policy"));
}

#[test]
fn a_multiclass_report_draws_one_curve_per_class() {
    let dir = directory("multiclass");
    let mut csv = String::from("x,y,kind\n");
    for row in 0..120 {
        let class = row % 3;
        let (x, y) = (
            class as f64 * 2.0 + noise(row, 1),
            (class as f64 - 1.0).abs() * 2.0 + noise(row, 2),
        );
        csv.push_str(&format!("{x:.4},{y:.4},k{class}\n"));
    }
    let path = dir.join("three.csv");
    std::fs::write(&path, csv).expect("write data");
    let report = training(path, Task::Classification);
    let sample = report.targets[0]
        .test_sample
        .as_ref()
        .expect("a test sample");
    assert_eq!(sample.truth.len(), report.data.test_rows);
    assert!(sample.probabilities.is_some());
    let html = render("0123456789abcdef0123456789abcdef", &report);
    keep("multiclass", &html);
    for class in ["k0", "k1", "k2"] {
        assert!(
            html.contains(&format!("{class} (AUC ")),
            "{class}'s ROC curve"
        );
        assert!(
            html.contains(&format!("{class} (AP ")),
            "{class}'s PR curve"
        );
    }
    assert!(html.contains("Macro-average AUC"));
}

#[test]
fn a_regression_report_has_residuals_and_predicted_against_actual() {
    let dir = directory("regression");
    let mut csv = String::from("x1,x2,level\n");
    for row in 0..80 {
        let (x1, x2) = (noise(row, 1) * 5.0, noise(row, 2) * 5.0);
        let level = 100.0 + 3.0 * x1 - 2.0 * x2 + noise(row, 3);
        csv.push_str(&format!("{x1:.4},{x2:.4},{level:.4}\n"));
    }
    let path = dir.join("regression.csv");
    std::fs::write(&path, csv).expect("write data");
    let report = training(path, Task::Regression);
    let html = render("0123456789abcdef0123456789abcdef", &report);
    keep("regression", &html);
    let ids = section_ids(&html);
    for id in [
        "data",
        "parameters-0",
        "metrics-0",
        "cv-folds-0",
        "predicted-vs-actual-0",
        "residuals-0",
        "history-0",
        "parameter-importance-0",
        "feature-importance-0",
    ] {
        assert!(ids.iter().any(|i| i == id), "section {id} in {ids:?}");
    }
    assert!(!ids
        .iter()
        .any(|i| i.starts_with("roc") || i.starts_with("confusion")));
    let test_rows = report.data.test_rows;
    let points = html
        .split("<section id=\"residuals-0\"")
        .nth(1)
        .expect("the residuals section")
        .split("</section>")
        .next()
        .unwrap_or_default()
        .matches("<circle")
        .count();
    assert_eq!(points, test_rows, "one residual point per test row");
    assert!(html.contains("actual level"));
}

#[test]
fn the_roc_area_shown_is_the_known_area_of_a_known_ranking() {
    let mut report = hostile_binary("known-auc");
    // Positives (class 1) at 0.8, 0.4, 0.35; negatives at 0.7, 0.3, 0.1: 7 of the 9
    // positive–negative pairs are ordered right, AUC = 7/9 = 0.7778; average
    // precision (1 + 2/3 + 3/4) / 3 = 0.8056.
    report.targets[0].test_sample = Some(ClassificationSample {
        total_rows: 6,
        truth: vec![1, 0, 1, 1, 0, 0],
        predicted: vec![1, 1, 1, 1, 0, 0],
        scores: Some(vec![0.8, 0.7, 0.4, 0.35, 0.3, 0.1]),
        probabilities: None,
    });
    let classes = report.classes.clone();
    let positive = |index: usize| svmq_data::PositiveClass {
        label: classes[index].clone(),
        index,
        given: true,
        reason: "chosen".into(),
    };
    report.positive_class = Some(positive(1));
    let html = render("0123456789abcdef0123456789abcdef", &report);
    assert!(html.contains("(AUC 0.7778)"), "AUC in the legend");
    assert!(html.contains("(AP 0.8056)"), "AP in the legend");
    // Class 0 positive: ranked by the negated scores, its three rows come 1st, 2nd
    // and 5th: AP (1 + 1 + 3/5) / 3 = 0.8667; the AUC is the same 7/9.
    report.positive_class = Some(positive(0));
    let html = render("0123456789abcdef0123456789abcdef", &report);
    assert!(html.contains("(AUC 0.7778)"), "AUC in the legend");
    assert!(html.contains("(AP 0.8667)"), "AP of class 0 in the legend");
}

#[test]
fn a_report_saved_before_the_plot_data_existed_still_renders() {
    let report = hostile_binary("older");
    let mut saved: Value = serde_json::to_value(&report).expect("serialize");
    let target = saved["targets"][0].as_object_mut().expect("a target");
    target.remove("test_sample");
    saved["data"]
        .as_object_mut()
        .expect("data")
        .remove("columns");
    saved["data"].as_object_mut().expect("data").remove("roles");
    // NaN is written as null.
    saved["targets"][0]["cv_std"] = Value::Null;
    let html = render_saved("0123456789abcdef0123456789abcdef", saved).expect("renders");
    assert!(html.contains("stores no test scores"));
    assert!(section_ids(&html).iter().any(|id| id == "roc-0"));
}

#[test]
fn the_columns_left_out_are_listed_with_their_role_and_reason() {
    let dir = directory("roles");
    let mut csv = String::from("id,<i>code</i>,x,y,label\n");
    for row in 0..60 {
        let (x, y) = (noise(row, 1) * 3.0, noise(row, 2) * 3.0);
        let label = if x + y > 0.0 { "yes" } else { "no" };
        csv.push_str(&format!(
            "{},C{:04}Z,{x:.4},{y:.4},{label}\n",
            row + 1,
            row * 7
        ));
    }
    let path = dir.join("ids.csv");
    std::fs::write(&path, csv).expect("write data");
    let report = training(path, Task::Classification);
    let html = render("0123456789abcdef0123456789abcdef", &report);
    keep("roles", &html);
    assert!(
        html.contains("Columns left out of the features"),
        "the roles table"
    );
    assert!(html.contains("<td>id</td><td>identifier</td><td>whole numbers"));
    assert!(html.contains("&lt;i&gt;code&lt;/i&gt;"));
    assert!(!html.contains("<i>code"));
}

#[test]
fn a_damaged_report_is_an_error_not_a_panic() {
    let error = render_saved(
        "0123456789abcdef0123456789abcdef",
        serde_json::json!({"task": "classification", "targets": "nonsense"}),
    )
    .expect_err("refused");
    assert!(error.to_string().contains("cannot be read"), "{error}");
}
