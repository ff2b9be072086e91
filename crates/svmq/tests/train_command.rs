//! `svmq train --json`: the one object a script reads, with the fields issue 3 names
//! at its top, and the options' other spellings (`--cv`, `--scaler`); the columns
//! left out as identifiers, named with their reason, and `--drop` / `--keep`.

mod support;

use serde_json::Value;
use support::{svmq, Run, Workspace};

fn example(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn train_json_starts_with_the_headline_of_the_search() {
    let workspace = Workspace::new("train-json");
    let home = workspace.path("home");
    let run = svmq(&[
        "--home",
        home.to_str().unwrap(),
        "--json",
        "train",
        &example("iris.csv"),
        "--target",
        "species",
        "--trials",
        "4",
        "--cv",
        "3",
        "--scaler",
        "minmax",
        "--seed",
        "5",
    ])
    .success();
    let printed: Value = serde_json::from_str(&run.stdout()).expect("one JSON object");
    assert!(printed["model_id"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
    assert_eq!(printed["task_type"], "classification");
    assert_eq!(printed["metric"], "accuracy");
    assert_eq!(printed["kernel"], "rbf");
    assert_eq!(printed["kernel"], printed["best_params"]["kernel"]);
    let target = &printed["summary"]["targets"][0];
    assert_eq!(printed["best_params"], target["best_params"]);
    assert_eq!(printed["best_cv_score"], target["cv_mean"]);
    assert_eq!(printed["test_metrics"], target["test_metrics"]);
    let score = printed["best_cv_score"].as_f64().expect("a number");
    assert!((0.5..=1.0).contains(&score), "{score}");
    assert!(printed["elapsed_seconds"]
        .as_f64()
        .is_some_and(|s| s >= 0.0));
    let trials = printed["trials"].as_array().expect("the trial history");
    assert_eq!(trials.len(), 4);
    // --cv 3: the best (complete) trial was scored on three folds.
    let report_target = &printed["report"]["targets"][0];
    assert_eq!(report_target["cv_fold_scores"].as_array().unwrap().len(), 3);
}

/// A business table in shuffled row order: `id` is the row number, `order_ref` a
/// code per row, `amount` and `visits` are noise, and the label says whether the row
/// is in the first half: the row number is the only signal.
fn row_number_csv(rows: usize) -> String {
    let mut text = String::from("id,order_ref,amount,visits,label\n");
    // A fixed permutation (multiplying by a number prime to `rows`), so the file is
    // not sorted by its label.
    for position in 0..rows {
        let row = (position * 37 + 11) % rows;
        let noise = (position * 7919 % 1000) as f64 / 10.0 + 0.05;
        let label = if row < rows / 2 { "early" } else { "late" };
        text.push_str(&format!(
            "{},ORD-{:04}{},{noise},{},{label}\n",
            row + 1,
            row * 13 % 10_000,
            (b'A' + (row % 26) as u8) as char,
            position * 3 % 7,
        ));
    }
    text
}

fn train_in(workspace: &Workspace, arguments: &[&str]) -> Run {
    let home = workspace.path("home");
    let mut all = vec!["--home", home.to_str().unwrap(), "train"];
    all.extend_from_slice(arguments);
    svmq(&all)
}

fn trained_json(workspace: &Workspace, arguments: &[&str]) -> Value {
    let home = workspace.path("home");
    let mut all = vec!["--home", home.to_str().unwrap(), "--json", "train"];
    all.extend_from_slice(arguments);
    let run = svmq(&all).success();
    serde_json::from_str(&run.stdout()).expect("one JSON object")
}

#[test]
fn train_leaves_a_row_number_out_and_scores_near_chance() {
    let workspace = Workspace::new("train-row-number");
    let data = workspace.path("orders.csv");
    std::fs::write(&data, row_number_csv(200)).unwrap();
    let data = data.to_str().unwrap();
    let quick = ["--trials", "6", "--cv", "3", "--seed", "3"];

    let mut arguments = vec![data];
    arguments.extend_from_slice(&quick);
    let printed = trained_json(&workspace, &arguments);
    let score = printed["best_cv_score"].as_f64().expect("a score");
    assert!(score < 0.7, "cross-validation accuracy {score}");
    assert_eq!(printed["columns"]["id"]["role"], "identifier", "{printed}");
    assert!(printed["columns"]["id"]["reason"]
        .as_str()
        .is_some_and(|reason| reason.contains("row number")));
    assert_eq!(printed["columns"]["order_ref"]["role"], "identifier");
    assert_eq!(printed["columns"]["amount"]["role"], "feature");
    assert_eq!(printed["summary"]["columns"], printed["columns"]);
    assert_eq!(printed["report"]["data"]["roles"][0]["role"], "identifier");
    let warnings = printed["report"]["warnings"].as_array().expect("warnings");
    assert!(
        warnings.iter().any(|warning| warning
            .as_str()
            .is_some_and(|text| text.contains("`id` is left out of the features"))),
        "{warnings:?}"
    );
    assert_eq!(printed["warnings"], printed["report"]["warnings"]);

    let run = train_in(&workspace, &arguments).success();
    let text = run.stdout();
    assert!(
        text.contains("left out: id (identifier), order_ref (identifier)"),
        "{text}"
    );
    assert!(text.contains("warning: column `id` is left out"), "{text}");

    arguments.extend_from_slice(&["--keep", "id"]);
    let kept = trained_json(&workspace, &arguments);
    let score = kept["best_cv_score"].as_f64().expect("a score");
    assert!(
        score > 0.9,
        "cross-validation accuracy with --keep id: {score}"
    );
    assert_eq!(kept["columns"]["id"]["role"], "feature");
    assert_eq!(kept["columns"]["id"]["on_request"], true);
}

#[test]
fn train_drop_removes_a_feature_and_an_unknown_column_is_refused() {
    let workspace = Workspace::new("train-drop");
    let data = workspace.path("orders.csv");
    std::fs::write(&data, row_number_csv(60)).unwrap();
    let data = data.to_str().unwrap();
    let printed = trained_json(
        &workspace,
        &[data, "--no-optimize", "--cv", "3", "--drop", "visits"],
    );
    assert_eq!(
        printed["summary"]["features"],
        serde_json::json!(["amount"])
    );
    assert_eq!(printed["columns"]["visits"]["role"], "excluded");

    let refused = train_in(&workspace, &[data, "--no-optimize", "--keep", "vists"]);
    assert_eq!(refused.code(), Some(1), "{}", refused.stdout());
    let message = refused.stderr();
    assert!(
        message.contains("`vists`") && message.contains("`visits`"),
        "{message}"
    );
    let refused = train_in(&workspace, &[data, "--no-optimize", "--drop", "label"]);
    assert!(refused.stderr().contains("target"), "{}", refused.stderr());
}

/// Issue 17: a continuous target defaulted to classification and failed; now the task
/// comes from the target, and the output says which and why.
#[test]
fn train_chooses_regression_for_a_continuous_target_and_says_why() {
    let workspace = Workspace::new("task-from-target");
    let printed = trained_json(
        &workspace,
        &[
            &example("diabetes.csv"),
            "--target",
            "progression",
            "--no-optimize",
        ],
    );
    assert_eq!(printed["task_type"], "regression");
    assert_eq!(printed["task_choice"]["inferred"], true);
    assert!(printed["task_choice"]["reason"]
        .as_str()
        .is_some_and(|reason| reason.contains("`progression`")));
    let run = train_in(
        &workspace,
        &[
            &example("diabetes.csv"),
            "--target",
            "progression",
            "--no-optimize",
        ],
    )
    .success();
    assert!(
        run.stdout().contains("task: regression (chosen:"),
        "{}",
        run.stdout()
    );
}
