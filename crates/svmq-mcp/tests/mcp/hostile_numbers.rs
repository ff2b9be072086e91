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
