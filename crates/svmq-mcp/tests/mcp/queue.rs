//! Status, listing, cancelling and queue counts, with no worker so tasks stay queued.

use crate::support::Harness;
use serde_json::json;

fn classifier_task() -> serde_json::Value {
    json!({ "task_type": "svm_classification", "data_source": "classes.csv", "n_trials": 3, "cv_folds": 2 })
}

#[tokio::test]
async fn queued_tasks_have_positions_and_list_newest_first() {
    let harness = Harness::start("positions", 0).await;
    let first = harness.ok("submit_training_task", classifier_task()).await;
    let mut second_arguments = classifier_task();
    second_arguments["user_id"] = json!("bob");
    let second = harness.ok("submit_training_task", second_arguments).await;
    assert_eq!(first["task"]["queue_position"], 1);
    assert_eq!(second["task"]["queue_position"], 2);
    assert_eq!(second["task"]["user_id"], "bob");

    let all = harness.ok("list_training_tasks", json!({})).await;
    let ids: Vec<&str> = all["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|task| task["task_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            second["task"]["task_id"].as_str().unwrap(),
            first["task"]["task_id"].as_str().unwrap()
        ]
    );
    let bobs = harness
        .ok("list_training_tasks", json!({ "user_id": "bob" }))
        .await;
    assert_eq!(bobs["tasks"].as_array().unwrap().len(), 1);
    let page = harness
        .ok("list_training_tasks", json!({ "limit": 1 }))
        .await;
    assert_eq!(page["tasks"].as_array().unwrap().len(), 1);
    let cursor = page["next_cursor"].as_str().unwrap();
    let older = harness
        .ok(
            "list_training_tasks",
            json!({ "limit": 1, "cursor": cursor }),
        )
        .await;
    assert_eq!(older["tasks"][0]["task_id"], first["task"]["task_id"]);
    let completed = harness
        .ok("list_training_tasks", json!({ "status": "completed" }))
        .await;
    assert!(completed["tasks"].as_array().unwrap().is_empty());

    let queue = harness.ok("get_queue_status", json!({})).await;
    assert_eq!(queue["queued"], 2);
    assert_eq!(queue["total"], 2);
    assert_eq!(queue["workers_alive"], 0);
    assert_eq!(queue["max_concurrent_tasks"], 3);
    harness.stop().await;
}

#[tokio::test]
async fn cancel_a_queued_task_then_cancelling_again_answers_success_false() {
    let harness = Harness::start("cancel", 0).await;
    let submitted = harness.ok("submit_training_task", classifier_task()).await;
    // The user's document reads the id at the top level.
    let task_id = submitted["task_id"].as_str().unwrap();
    assert_eq!(submitted["task"]["task_id"], task_id);
    assert_eq!(submitted["status"], "queued");
    assert_eq!(submitted["task_type"], "svm_classification");
    assert_eq!(submitted["success"], true);
    let cancelled = harness
        .ok("cancel_training_task", json!({ "task_id": task_id }))
        .await;
    assert_eq!(cancelled["success"], true, "{cancelled}");
    assert_eq!(cancelled["outcome"], "cancelled");
    let status = harness
        .ok("get_task_status", json!({ "task_id": task_id }))
        .await;
    assert_eq!(status["status"], "cancelled");
    assert!(status["message"].as_str().unwrap().contains("cancelled"));
    // A finished task: understood, but nothing to do. The document's
    // `if result['success']:` must see false, with the reason.
    let again = harness
        .ok("cancel_training_task", json!({ "task_id": task_id }))
        .await;
    assert_eq!(again["success"], false, "{again}");
    assert_eq!(again["outcome"], "already_finished");
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .contains("already finished"),
        "{again}"
    );
    let queue = harness.ok("get_queue_status", json!({})).await;
    assert_eq!(queue["cancelled"], 1);
    assert_eq!(queue["cancelled_tasks"], 1);
    assert_eq!(queue["status_counts"]["cancelled"], 1);
    assert_eq!(queue["queued"], 0);
    assert_eq!(queue["total_tasks"], 1);
    harness.stop().await;
}

#[tokio::test]
async fn idempotency_key_returns_the_same_task() {
    let harness = Harness::start("idempotency", 0).await;
    let mut arguments = classifier_task();
    arguments["idempotency_key"] = json!("run-1");
    let first = harness.ok("submit_training_task", arguments.clone()).await;
    let second = harness.ok("submit_training_task", arguments).await;
    assert_eq!(first["task"]["task_id"], second["task"]["task_id"]);
    assert_eq!(second["created"], false);
    harness.stop().await;
}

#[tokio::test]
async fn validate_data_reports_without_training() {
    let harness = Harness::start("validate", 0).await;
    let report = harness
        .ok("validate_data", json!({ "data_source": "classes.csv" }))
        .await;
    assert_eq!(report["trainable"], true);
    assert_eq!(report["report"]["rows"], 60);
    let missing = harness
        .ok(
            "validate_data",
            json!({ "data_source": "classes.csv", "target_column": "nope" }),
        )
        .await;
    assert_eq!(missing["trainable"], false);
    harness.stop().await;
}

#[tokio::test]
async fn submission_limits_refuse_with_the_reason() {
    let harness = Harness::start_with("limits", 0, |settings| {
        settings.submit_limits.max_open_tasks_per_user = Some(1);
        settings.submit_limits.max_open_tasks = Some(2);
    })
    .await;
    harness.ok("submit_training_task", classifier_task()).await;
    let message = harness
        .error("submit_training_task", classifier_task())
        .await;
    assert!(message.contains("per-user cap"), "{message}");
    let mut bob = classifier_task();
    bob["user_id"] = json!("bob");
    harness.ok("submit_training_task", bob).await;
    let mut carol = classifier_task();
    carol["user_id"] = json!("carol");
    let message = harness.error("submit_training_task", carol).await;
    assert!(message.contains("queue is full"), "{message}");
    harness.stop().await;
}

/// Regression: the MCP Inspector's command line sends every `--tool-arg` as a string,
/// and `n_trials=10` failed with `invalid type: string "10", expected i64`.
#[tokio::test]
async fn numbers_and_booleans_sent_as_strings_are_read_as_them() {
    let harness = Harness::start("strings", 0).await;
    let submitted = harness
        .ok(
            "submit_training_task",
            json!({
                "task_type": "svm_classification", "data_source": "classes.csv",
                "n_trials": "3", "cv_folds": "2", "test_size": "0.25", "seed": "7",
                "priority": "-1", "validate_data": "true", "optimize_hyperparameters": "false"
            }),
        )
        .await;
    assert_eq!(submitted["status"], "queued", "{submitted}");
    let listed = harness
        .ok("list_training_tasks", json!({ "limit": "5" }))
        .await;
    assert_eq!(listed["total_count"], 1);
    // A string that is not a number is still a tool error naming the parameter and
    // what it takes; a number out of range keeps its range message.
    let message = harness
        .error(
            "submit_training_task",
            json!({ "task_type": "svm_classification", "data_source": "classes.csv", "n_trials": "ten" }),
        )
        .await;
    assert!(
        message.contains("n_trials must be a whole number from 1 to 1000"),
        "{message}"
    );
    let message = harness
        .error(
            "submit_training_task",
            json!({ "task_type": "svm_classification", "data_source": "classes.csv", "n_trials": "0" }),
        )
        .await;
    assert!(
        message.contains("n_trials must be between 1 and 1000"),
        "{message}"
    );
    let message = harness
        .error(
            "train_svm_classifier",
            json!({ "data_source": "classes.csv", "use_async_queue": "maybe" }),
        )
        .await;
    assert!(
        message.contains("use_async_queue must be true or false"),
        "{message}"
    );
    harness.stop().await;
}
