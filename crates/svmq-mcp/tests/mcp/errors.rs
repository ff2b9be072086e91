//! Every input mistake is a tool error (isError) saying what to fix, and the server
//! keeps serving after each.

use crate::support::Harness;
use serde_json::json;

const UNKNOWN_ID: &str = "0123456789abcdef0123456789abcdef";

async fn assert_still_serving(harness: &Harness) {
    let queue = harness.ok("get_queue_status", json!({})).await;
    assert!(queue["total"].is_u64());
}

#[tokio::test]
async fn paths_outside_the_data_root_are_refused() {
    let harness = Harness::start("paths", 0).await;
    let outside = harness.scratch.0.join("outside.csv").display().to_string();
    for (tool, path) in [
        ("train_svm_classifier", "../../etc/passwd"),
        ("train_svm_classifier", outside.as_str()),
        ("train_svm_classifier", "/etc/passwd"),
        ("validate_data", "../outside.csv"),
    ] {
        let message = harness.error(tool, json!({ "data_source": path })).await;
        assert!(
            message.contains("outside the allowed directories"),
            "{path}: {message}"
        );
        assert_still_serving(&harness).await;
    }
    std::os::unix::fs::symlink(
        harness.scratch.0.join("outside.csv"),
        harness.root.join("escape.csv"),
    )
    .unwrap();
    let message = harness
        .error("validate_data", json!({ "data_source": "escape.csv" }))
        .await;
    assert!(message.contains("symbolic link"), "{message}");
    let message = harness
        .error(
            "train_svm_classifier",
            json!({ "data_source": "https://example.com/data.csv" }),
        )
        .await;
    assert!(message.contains("not a URL"), "{message}");
    let message = harness
        .error("validate_data", json!({ "data_source": "missing.csv" }))
        .await;
    assert!(message.contains("no file"), "{message}");
    let message = harness
        .error(
            "predict_from_file",
            json!({ "model_id": UNKNOWN_ID, "data_source": "classes.csv", "output_path": "../out.csv" }),
        )
        .await;
    assert!(message.contains("no model"), "{message}");
    assert_still_serving(&harness).await;
    harness.stop().await;
}

#[tokio::test]
async fn out_of_range_and_malformed_parameters_say_the_allowed_values() {
    let harness = Harness::start("parameters", 0).await;
    for n_trials in [-5, 0, 5000] {
        let message = harness
            .error(
                "train_svm_classifier",
                json!({ "data_source": "classes.csv", "n_trials": n_trials }),
            )
            .await;
        assert!(
            message.contains("n_trials must be between 1 and 1000"),
            "{n_trials}: {message}"
        );
    }
    for landmarks in [json!(-1), json!(2001), json!(u64::MAX)] {
        let message = harness
            .error(
                "train_svm_classifier",
                json!({ "data_source": "classes.csv", "landmarks": landmarks }),
            )
            .await;
        assert!(
            message.contains("landmarks must be"),
            "{landmarks}: {message}"
        );
    }
    for landmarks in [json!("many"), json!(1e30), json!(2.5), json!("")] {
        let message = harness
            .error(
                "submit_training_task",
                json!({ "data_source": "classes.csv", "landmarks": landmarks }),
            )
            .await;
        assert!(
            message.contains("landmarks must be a whole number from 0 to 2000"),
            "{landmarks}: {message}"
        );
    }
    let message = harness
        .error(
            "train_svm_regressor",
            json!({ "data_source": "classes.csv", "landmarks": 40, "kernel": "poly" }),
        )
        .await;
    assert!(message.contains("approximate the rbf kernel"), "{message}");
    for (arguments, expected) in [
        (
            json!({ "data_source": "classes.csv", "approximation": "rff", "kernel": "poly" }),
            "approximate the rbf kernel",
        ),
        (
            json!({ "data_source": "classes.csv", "approximation": "none", "landmarks": 5 }),
            "takes no landmarks",
        ),
        (
            json!({ "data_source": "classes.csv", "approximation": "rff", "landmarks": 0 }),
            "landmarks 0 asks for the exact solver",
        ),
        (
            json!({ "data_source": "classes.csv", "approximation": "fourier" }),
            "approximation must be one of auto, none, nystroem, rff; got \"fourier\"",
        ),
        (
            json!({ "data_source": "classes.csv", "approximation": 3 }),
            "approximation must be one of",
        ),
        (
            json!({ "data_source": "classes.csv", "approximation": "" }),
            "approximation must be one of",
        ),
        (
            json!({ "data_source": "classes.csv", "approximation": "r".repeat(10_000_000) }),
            "approximation must be one of",
        ),
        (
            json!({ "data_source": "classes.csv", "approximation": ["rff"] }),
            "approximation must be one of",
        ),
    ] {
        let message = harness
            .error("train_svm_classifier", arguments.clone())
            .await;
        let shown: String = arguments.to_string().chars().take(200).collect();
        assert!(message.contains(expected), "{shown}: {message}");
        assert!(message.len() < 1_000, "{shown}: {} bytes", message.len());
    }
    let message = harness
        .error(
            "train_svm_classifier",
            json!({ "data_source": "classes.csv", "cv_folds": 1 }),
        )
        .await;
    assert!(
        message.contains("cv_folds must be between 2 and 20"),
        "{message}"
    );
    let message = harness
        .error(
            "train_svm_classifier",
            json!({ "data_source": "classes.csv", "kernel": "cubic" }),
        )
        .await;
    assert!(message.contains("unknown variant"), "{message}");
    assert!(message.contains("sigmoid"), "{message}");
    let message = harness
        .error(
            "train_svm_classifier",
            json!({ "data_source": "classes.csv", "scoring_metric": "rmse" }),
        )
        .await;
    assert!(message.contains("accuracy"), "{message}");
    let message = harness
        .error(
            "train_svm_classifier",
            json!({ "data_source": "classes.csv", "scoring_metric": "speed" }),
        )
        .await;
    assert!(message.contains("unknown scoring_metric"), "{message}");
    let message = harness
        .error(
            "train_svm_classifier",
            json!({ "data_source": "classes.csv", "test_size": 1.5 }),
        )
        .await;
    assert!(message.contains("test_size"), "{message}");
    let message = harness
        .error(
            "submit_training_task",
            json!({ "data_source": "classes.csv", "task_type": "svm_regression", "positive_label": "a" }),
        )
        .await;
    assert!(message.contains("positive_label"), "{message}");
    let message = harness
        .error("list_training_tasks", json!({ "status": "done" }))
        .await;
    assert!(message.contains("queued"), "{message}");
    let message = harness
        .error("list_training_tasks", json!({ "cursor": "abc" }))
        .await;
    assert!(message.contains("next_cursor"), "{message}");
    assert_still_serving(&harness).await;
    harness.stop().await;
}

#[tokio::test]
async fn a_missing_target_column_is_refused_before_queueing() {
    let harness = Harness::start("column", 0).await;
    let message = harness
        .error(
            "train_svm_classifier",
            json!({ "data_source": "classes.csv", "target_column": "species" }),
        )
        .await;
    assert!(message.contains("species"), "{message}");
    let queue = harness.ok("get_queue_status", json!({})).await;
    assert_eq!(queue["total"], 0, "nothing was queued");
    harness.stop().await;
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_errors() {
    let harness = Harness::start("ids", 0).await;
    for tool in ["get_model_info", "delete_model"] {
        let message = harness.error(tool, json!({ "model_id": UNKNOWN_ID })).await;
        assert!(message.contains("no model"), "{tool}: {message}");
        let message = harness
            .error(tool, json!({ "model_id": "../../etc/passwd" }))
            .await;
        assert!(message.contains("not a model id"), "{tool}: {message}");
    }
    let message = harness
        .error(
            "predict_from_values",
            json!({ "model_id": UNKNOWN_ID, "feature_values": [1, 2] }),
        )
        .await;
    assert!(message.contains("no model"), "{message}");
    for tool in ["get_task_status", "cancel_training_task", "get_task_logs"] {
        let message = harness.error(tool, json!({ "task_id": UNKNOWN_ID })).await;
        assert!(message.contains("unknown task id"), "{tool}: {message}");
        let message = harness.error(tool, json!({ "task_id": "12; DROP" })).await;
        assert!(message.contains("malformed task id"), "{tool}: {message}");
    }
    assert_still_serving(&harness).await;
    harness.stop().await;
}

#[tokio::test]
async fn waiting_without_any_worker_is_refused() {
    let harness = Harness::start("no-worker", 0).await;
    let message = harness
        .error(
            "train_svm_classifier",
            json!({ "data_source": "classes.csv", "use_async_queue": false }),
        )
        .await;
    assert!(message.contains("no worker is running"), "{message}");
    harness.stop().await;
}

#[tokio::test]
async fn prediction_inputs_that_do_not_fit_the_model_are_errors() {
    let harness = Harness::start("prediction-inputs", 1).await;
    let trained = harness
        .ok(
            "train_svm_classifier",
            json!({ "data_source": "classes.csv", "n_trials": 2, "cv_folds": 2, "use_async_queue": false }),
        )
        .await;
    let model_id = trained["model_id"].as_str().unwrap();
    for (values, expected) in [
        (json!({ "x1": 1.0 }), "x2"),
        (json!({ "x1": 1.0, "x2": 2.0, "x3": 3.0 }), "x3"),
        (json!([1.0]), "2"),
        (json!("text"), "feature_values"),
    ] {
        let message = harness
            .error(
                "predict_from_values",
                json!({ "model_id": model_id, "feature_values": values }),
            )
            .await;
        assert!(message.contains(expected), "{values}: {message}");
    }
    for (arguments, expected) in [
        (
            json!({ "model_id": model_id, "data_source": "classes.csv", "output_path": "../out.csv" }),
            "outside the allowed directories",
        ),
        (
            json!({ "model_id": model_id, "data_source": "../outside.csv" }),
            "outside the allowed directories",
        ),
        (
            json!({ "model_id": model_id, "data_source": "classes.csv", "output_path": "nodir/out.csv" }),
            "does not exist",
        ),
    ] {
        let message = harness.error("predict_from_file", arguments).await;
        assert!(message.contains(expected), "{message}");
    }
    assert!(!harness.scratch.0.join("out.csv").exists());
    assert_still_serving(&harness).await;
    harness.stop().await;
}

#[tokio::test]
async fn empty_and_binary_files_are_refused_with_the_reason() {
    let harness = Harness::start("bad-files", 0).await;
    std::fs::write(harness.root.join("empty.csv"), "").unwrap();
    std::fs::write(
        harness.root.join("garbage.csv"),
        b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\x00garbage",
    )
    .unwrap();
    for tool in ["train_svm_classifier", "validate_data"] {
        let message = harness
            .error(tool, json!({ "data_source": "empty.csv" }))
            .await;
        assert!(message.contains("empty"), "{tool}: {message}");
        let message = harness
            .error(tool, json!({ "data_source": "garbage.csv" }))
            .await;
        assert!(message.contains("not a text table"), "{tool}: {message}");
        assert!(
            !message.contains("PNG"),
            "cell contents are never echoed: {message}"
        );
    }
    assert_still_serving(&harness).await;
    harness.stop().await;
}

#[tokio::test]
async fn a_continuous_target_sent_to_the_classifier_names_the_regressor() {
    let harness = Harness::start("continuous-target", 0).await;
    let message = harness
        .error(
            "train_svm_classifier",
            json!({ "data_source": "regression.csv" }),
        )
        .await;
    assert!(message.contains("train_svm_regressor"), "{message}");
    assert!(!message.contains("--task"), "{message}");
    let message = harness
        .error(
            "train_svm_classifier",
            json!({ "data_source": "classes.csv", "positive_label": "maybe" }),
        )
        .await;
    assert!(
        message.contains("positive_label") && message.contains("`yes`"),
        "{message}"
    );
    let message = harness
        .error(
            "train_svm_classifier",
            json!({ "data_source": "classes.csv", "n_trials": 0 }),
        )
        .await;
    assert!(
        message.contains("n_trials") && !message.contains("--trials"),
        "{message}"
    );
    assert_still_serving(&harness).await;
}
