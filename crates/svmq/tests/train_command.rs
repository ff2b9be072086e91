//! `svmq train --json`: the one object a script reads, with the fields issue 3 names
//! at its top, and the options' other spellings (`--cv`, `--scaler`).

mod support;

use serde_json::Value;
use support::{svmq, Workspace};

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
