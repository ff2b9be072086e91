//! Numbers past their range are refused where they enter, naming the field and its
//! range, and the queue goes on. Regression: `timeout_seconds` 18446744073709551615
//! was stored and then panicked every reader of the queue, and 9223372036854775807
//! panicked the server's worker thread while `get_queue_status` still counted it alive.

use crate::support::Harness;
use serde_json::json;

#[tokio::test]
async fn a_timeout_past_thirty_days_is_refused_and_training_goes_on() {
    let harness = Harness::start("hostile-timeout", 1).await;
    for hostile in [
        json!(18446744073709551615u64),
        json!(9223372036854775807u64),
        json!(2592001),
        json!(0),
    ] {
        let message = harness
            .error(
                "submit_training_task",
                json!({
                    "task_type": "svm_classification",
                    "data_source": "classes.csv",
                    "target_column": "label",
                    "timeout_seconds": hostile,
                }),
            )
            .await;
        assert!(
            message.contains("timeout_seconds") && message.contains("2592000"),
            "{hostile}: {message}"
        );
    }
    let queue = harness.ok("get_queue_status", json!({})).await;
    assert_eq!(queue["total"], 0, "nothing was stored: {queue}");
    let submitted = harness
        .ok(
            "submit_training_task",
            json!({
                "task_type": "svm_classification",
                "data_source": "classes.csv",
                "target_column": "label",
                "n_trials": 3,
                "timeout_seconds": 600,
            }),
        )
        .await;
    let task_id = submitted["task"]["task_id"]
        .as_str()
        .or_else(|| submitted["task_id"].as_str())
        .expect("a task id")
        .to_string();
    let finished = harness.wait_finished(&task_id).await;
    assert_eq!(finished["status"], "completed", "{finished}");
    let queue = harness.ok("get_queue_status", json!({})).await;
    assert_eq!(queue["workers_alive"], 1, "{queue}");
    harness.stop().await;
}

/// The inputs this work added — numbers and booleans given as strings, and
/// `export_model`'s arguments — each tried with 0, -1, 2^64-1, NaN, an empty and a
/// 10 MB string: every one a tool error naming the input, none echoed whole, and the
/// next request still served.
#[tokio::test]
async fn string_numbers_and_export_arguments_at_their_extremes_are_refused_by_name() {
    let harness = Harness::start("hostile-strings", 0).await;
    let huge = "9".repeat(10 << 20);
    let submit = |field: &str, value: serde_json::Value| {
        let mut arguments = json!({
            "task_type": "svm_classification",
            "data_source": "classes.csv",
        });
        arguments[field] = value;
        arguments
    };
    for (field, value) in [
        ("n_trials", json!("0")),
        ("n_trials", json!("-1")),
        ("n_trials", json!("18446744073709551615")),
        ("n_trials", json!("")),
        ("n_trials", json!(huge.clone())),
        ("cv_folds", json!("NaN")),
        ("test_size", json!("NaN")),
        ("test_size", json!("-1")),
        ("test_size", json!("")),
        ("seed", json!("-1")),
        ("seed", json!("18446744073709551616")),
        ("priority", json!("18446744073709551615")),
        ("timeout_seconds", json!("0")),
        ("timeout_seconds", json!("18446744073709551615")),
        ("optimize_hyperparameters", json!("")),
        ("validate_data", json!(huge.clone())),
    ] {
        let message = harness
            .error("submit_training_task", submit(field, value))
            .await;
        assert!(message.contains(field), "{field}: {message}");
        assert!(
            message.len() < 1000,
            "{field}: {} bytes echoed",
            message.len()
        );
    }
    for (arguments, expected) in [
        (
            json!({ "model_id": "", "format": "onnx", "output_path": "m.onnx" }),
            "model id",
        ),
        (
            json!({ "model_id": huge.clone(), "format": "onnx", "output_path": "m.onnx" }),
            "model id",
        ),
        (
            json!({ "model_id": "0123456789abcdef0123456789abcdef", "format": "onnx", "output_path": "m.onnx" }),
            "no model",
        ),
        (
            json!({ "model_id": "0123456789abcdef0123456789abcdef", "format": huge.clone(), "output_path": "m.onnx" }),
            "format must be one of",
        ),
    ] {
        let message = harness.error("export_model", arguments).await;
        assert!(message.contains(expected), "{message:.200}");
        assert!(message.len() < 1000, "{} bytes echoed", message.len());
    }
    let queue = harness.ok("get_queue_status", json!({})).await;
    assert_eq!(queue["total"], 0, "nothing was stored: {queue}");
}
