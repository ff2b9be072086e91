//! Training through the queue to a model, then prediction and the registry.

use crate::support::Harness;
use serde_json::json;

fn quick(data_source: &str) -> serde_json::Value {
    json!({ "data_source": data_source, "n_trials": 3, "cv_folds": 2, "seed": 7 })
}

#[tokio::test]
async fn submit_then_status_until_completed_then_predict_and_manage_the_model() {
    let harness = Harness::start("lifecycle", 1).await;
    let mut arguments = quick("classes.csv");
    arguments["task_type"] = json!("svm_classification");
    arguments["target_column"] = json!("label");
    // The predictions below need a model that separates the classes: the defaults
    // (C = 1, gamma = scale) do, while three trials drawn from the prior may all
    // have a C so small that one class is predicted everywhere.
    arguments["optimize_hyperparameters"] = json!(false);
    let submitted = harness.ok("submit_training_task", arguments).await;
    assert_eq!(submitted["created"], true);
    assert_eq!(submitted["waited"], false);
    let task_id = submitted["task"]["task_id"].as_str().unwrap().to_string();
    assert!(["queued", "running"].contains(&submitted["task"]["status"].as_str().unwrap()));

    let task = harness.wait_finished(&task_id).await;
    assert_eq!(task["status"], "completed", "{task}");
    assert_eq!(task["progress"], 100.0);
    let model_id = task["model_id"].as_str().unwrap().to_string();
    assert_eq!(task["result"]["model_id"], model_id.as_str());

    let logs = harness
        .ok("get_task_logs", json!({ "task_id": task_id, "tail": 1 }))
        .await;
    assert_eq!(logs["lines"].as_array().unwrap().len(), 1);

    // Rows as lists and as objects are not mixed in one call.
    let mixed = harness
        .error(
            "predict_from_values",
            json!({
                "model_id": model_id,
                "feature_values": [[3.5, 0.0], {"x1": -3.2, "x2": 0.5}],
            }),
        )
        .await;
    assert!(mixed.contains("one form"), "{mixed}");
    let one_row = harness
        .ok(
            "predict_from_values",
            json!({ "model_id": model_id, "feature_values": [3.5, 0.0] }),
        )
        .await;
    assert_eq!(one_row["task"], "classification");
    assert_eq!(one_row["predictions"][0]["label"], "yes");
    let probabilities = one_row["predictions"][0]["probabilities"]
        .as_object()
        .unwrap();
    assert_eq!(probabilities.len(), 2);
    let by_name = harness
        .ok(
            "predict_from_values",
            json!({ "model_id": model_id, "feature_values": [{"x1": -3.2, "x2": 0.5}, {"x2": 0.1, "x1": 3.9}] }),
        )
        .await;
    let labels: Vec<&str> = by_name["predictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["no", "yes"]);

    let inline = harness
        .ok(
            "predict_from_file",
            json!({ "model_id": model_id, "data_source": "classes.csv" }),
        )
        .await;
    assert_eq!(inline["rows"], 60);
    assert!(inline["csv"].as_str().unwrap().starts_with("prediction,"));
    let written = harness
        .ok(
            "predict_from_file",
            json!({ "model_id": model_id, "data_source": "classes.csv", "output_path": "predictions.csv" }),
        )
        .await;
    assert!(written["csv"].is_null());
    let csv = std::fs::read_to_string(harness.root.join("predictions.csv")).unwrap();
    assert_eq!(csv.lines().count(), 61);

    let models = harness.ok("list_models", json!({})).await;
    assert_eq!(models["models"][0]["model_id"], model_id.as_str());
    let info = harness
        .ok("get_model_info", json!({ "model_id": model_id }))
        .await;
    assert_eq!(info["model"]["task_id"], task_id.as_str());
    assert!(info["report"].is_object());

    // Export, into the output roots only, with the CLI's checks.
    let onnx = harness
        .ok(
            "export_model",
            json!({ "model_id": model_id, "format": "onnx", "output_path": "model.onnx" }),
        )
        .await;
    assert_eq!(onnx["format"], "onnx");
    assert!(onnx["details"]["inputs"].is_array(), "{onnx}");
    let bytes = std::fs::read(harness.root.join("model.onnx")).unwrap();
    assert_eq!(
        bytes.first(),
        Some(&0x08),
        "an ONNX ModelProto starts with ir_version"
    );
    let libsvm = harness
        .ok(
            "export_model",
            json!({ "model_id": model_id, "format": "libsvm", "output_path": "model.libsvm" }),
        )
        .await;
    assert!(libsvm["details"]["features"].is_array(), "{libsvm}");
    let text = std::fs::read_to_string(harness.root.join("model.libsvm")).unwrap();
    assert!(text.starts_with("svm_type c_svc"), "{text}");
    let refused = harness
        .error(
            "export_model",
            json!({ "model_id": model_id, "format": "pmml", "output_path": "model.pmml" }),
        )
        .await;
    assert!(refused.contains("onnx, libsvm"), "{refused}");
    let outside = harness
        .error(
            "export_model",
            json!({ "model_id": model_id, "format": "onnx", "output_path": "../model.onnx" }),
        )
        .await;
    assert!(outside.contains("outside"), "{outside}");

    let deleted = harness
        .ok("delete_model", json!({ "model_id": model_id }))
        .await;
    assert_eq!(deleted["deleted"], true);
    let gone = harness
        .error("get_model_info", json!({ "model_id": model_id }))
        .await;
    assert!(gone.contains("no model"), "{gone}");
    harness.stop().await;
}

#[tokio::test]
async fn waiting_training_returns_the_model_and_reports_rising_progress() {
    let harness = Harness::start("waiting", 1).await;
    let mut arguments = quick("classes.csv");
    arguments["use_async_queue"] = json!(false);
    let result = harness
        .call_with_progress("train_svm_classifier", arguments)
        .await;
    let trained = crate::support::structured("train_svm_classifier", &result);
    assert_eq!(trained["waited"], true);
    assert_eq!(trained["task"]["status"], "completed");
    let model_id = trained["model_id"].as_str().unwrap();
    assert_eq!(model_id.len(), 32);
    // Notifications may trail the response a little.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let progress = harness.recorder.progress.lock().unwrap().clone();
    assert!(!progress.is_empty(), "no progress notification");
    assert!(
        progress.windows(2).all(|pair| pair[0] < pair[1]),
        "{progress:?}"
    );
    assert!(progress.iter().all(|p| (0.0..=100.0).contains(p)));
    assert_eq!(progress.last().copied(), Some(100.0));
    harness.stop().await;
}

#[tokio::test]
async fn regressor_predicts_in_the_targets_units() {
    let harness = Harness::start("regression", 1).await;
    let mut arguments = quick("regression.csv");
    arguments["kernel"] = json!("linear");
    arguments["use_async_queue"] = json!(false);
    let trained = harness.ok("train_svm_regressor", arguments).await;
    let model_id = trained["model_id"].as_str().unwrap();
    let predictions = harness
        .ok(
            "predict_from_values",
            json!({ "model_id": model_id, "feature_values": {"x1": 2.0, "x2": 1.0} }),
        )
        .await;
    assert_eq!(predictions["targets"], json!(["y"]));
    let value = predictions["predictions"][0]["values"][0].as_f64().unwrap();
    assert!(
        (value - 4.0).abs() < 0.5,
        "predicted {value}, expected about 4"
    );
    harness.stop().await;
}

#[tokio::test]
async fn cancelling_a_waiting_call_cancels_its_task() {
    let harness = Harness::start("client-cancel", 1).await;
    std::fs::write(
        harness.root.join("slow.csv"),
        crate::support::slow_classification_csv(1500),
    )
    .unwrap();
    let call = harness.call(
        "train_svm_classifier",
        json!({
            "data_source": "slow.csv", "n_trials": 1000, "cv_folds": 10,
            "kernel": "auto", "use_async_queue": false,
        }),
    );
    // Dropping the call's future makes rmcp's client send notifications/cancelled.
    let outcome = tokio::time::timeout(std::time::Duration::from_millis(1500), call).await;
    assert!(
        outcome.is_err(),
        "the training finished before it could be cancelled"
    );
    let tasks = harness.ok("list_training_tasks", json!({})).await;
    let task_id = tasks["tasks"][0]["task_id"].as_str().unwrap().to_string();
    let task = harness.wait_finished(&task_id).await;
    assert_eq!(task["status"], "cancelled", "{task}");
    let models = harness.ok("list_models", json!({})).await;
    assert!(
        models["models"].as_array().unwrap().is_empty(),
        "no model is left behind"
    );
    harness.stop().await;
}

/// The classes of `classification_csv` with a row number `id` in front.
fn with_row_numbers() -> String {
    crate::support::classification_csv()
        .lines()
        .enumerate()
        .map(|(index, line)| {
            let id = if index == 0 {
                "id".to_string()
            } else {
                index.to_string()
            };
            format!("{id},{line}\n")
        })
        .collect()
}

#[tokio::test]
async fn identifiers_are_left_out_and_the_column_parameters_override_the_rules() {
    let harness = Harness::start("column-roles", 1).await;
    std::fs::write(harness.root.join("ids.csv"), with_row_numbers()).unwrap();
    let mut arguments = quick("ids.csv");
    arguments["use_async_queue"] = json!(false);
    let trained = harness.ok("train_svm_classifier", arguments.clone()).await;
    let summary = &trained["task"]["result"]["summary"];
    assert_eq!(summary["columns"]["id"]["role"], "identifier", "{trained}");
    assert!(summary["columns"]["id"]["reason"]
        .as_str()
        .is_some_and(|reason| reason.contains("row number")));
    assert_eq!(summary["features"], json!(["x1", "x2"]));
    assert!(summary["warnings"]
        .to_string()
        .contains("`id` is left out of the features"));

    arguments["include_columns"] = json!(["id"]);
    // Some clients send every argument as a string.
    arguments["exclude_columns"] = json!("[\"x2\"]");
    let trained = harness.ok("train_svm_classifier", arguments.clone()).await;
    let summary = &trained["task"]["result"]["summary"];
    assert_eq!(summary["features"], json!(["id", "x1"]), "{trained}");
    assert_eq!(summary["columns"]["x2"]["role"], "excluded");

    arguments["include_columns"] = json!(["identifier"]);
    let error = harness.error("train_svm_classifier", arguments).await;
    assert!(
        error.contains("`identifier`") && error.contains("`x1`"),
        "{error}"
    );
    harness.stop().await;
}
