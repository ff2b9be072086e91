//! The scaling methods of the original's document that svmq does not implement,
//! `quantile` and `power`, are refused by every tool that takes `scaling_method`:
//! a tool error naming the parameter and the supported methods, nothing queued, and
//! a huge or mistyped value is not echoed back whole.

use crate::support::Harness;
use serde_json::{json, Value};

/// Each tool that takes `scaling_method`, with the other arguments it needs.
fn training_calls(scaling_method: Value) -> [(&'static str, Value); 3] {
    let arguments = |extra: Value| {
        let mut arguments = json!({
            "data_source": "classes.csv",
            "target_column": "label",
            "scaling_method": scaling_method.clone(),
        });
        for (key, value) in extra.as_object().unwrap() {
            arguments[key] = value.clone();
        }
        arguments
    };
    [
        ("train_svm_classifier", arguments(json!({}))),
        ("train_svm_regressor", arguments(json!({}))),
        (
            "submit_training_task",
            arguments(json!({ "task_type": "svm_classification" })),
        ),
    ]
}

const SUPPORTED: &str = "standard, minmax, robust, none";

#[tokio::test]
async fn quantile_and_power_scaling_are_refused_naming_the_supported_methods() {
    let harness = Harness::start("scaling", 1).await;
    for method in ["quantile", "power"] {
        for (tool, arguments) in training_calls(json!(method)) {
            let message = harness.error(tool, arguments).await;
            assert!(
                message.contains(&format!(
                    "scaling_method: {method} scaling is not supported"
                )),
                "{tool} {method}: {message}"
            );
            assert!(message.contains(SUPPORTED), "{tool} {method}: {message}");
        }
    }
    let huge = "q".repeat(10 << 20);
    for (value, expected) in [
        (json!("zscore"), "\"zscore\""),
        (json!(7), "got 7"),
        (json!(huge), "bytes)"),
    ] {
        for (tool, arguments) in training_calls(value.clone()) {
            let message = harness.error(tool, arguments).await;
            assert!(
                message.contains("scaling_method: unknown scaling method"),
                "{tool}: {message:.300}"
            );
            assert!(message.contains(SUPPORTED), "{tool}: {message:.300}");
            assert!(message.contains(expected), "{tool}: {message:.300}");
            assert!(message.len() < 400, "{tool}: {} bytes", message.len());
        }
    }
    let queue = harness.ok("get_queue_status", json!({})).await;
    assert_eq!(queue["total"], 0, "nothing was queued: {queue}");
    // A supported method still trains.
    let trained = harness
        .ok(
            "train_svm_classifier",
            json!({
                "data_source": "classes.csv",
                "scaling_method": "robust",
                "n_trials": 2,
                "cv_folds": 2,
                "use_async_queue": false,
            }),
        )
        .await;
    assert_eq!(trained["status"], "completed", "{trained}");
    harness.stop().await;
}
