//! Rows read back from the store are untrusted: every column of a task, given values a
//! hand edit, a damaged file or an older svmq could leave, must never panic a reader,
//! never fail a listing or a claim, and fail only the task that holds them, with the
//! reason. Regression for a stored timeout of 18446744073709551615 s that panicked
//! `svmq tasks` and every worker until the database was edited by hand.

use std::time::Duration;

use serde_json::json;
use svmq_queue::{NewTask, QueueError, Store, SubmitLimits, TaskFilter, TaskId, TaskState};

use crate::support::{fast_config, wait_until, Backend, FakeRunner, RunningWorker, TestStore};

const NO_LIMITS: SubmitLimits = SubmitLimits {
    max_open_tasks: None,
    max_open_tasks_per_user: None,
};

/// Column, SQL value: each breaks one column in its own way. The SQLite ones include
/// values of the wrong type, which SQLite stores as given.
const SQLITE_CORRUPTIONS: &[(&str, &str)] = &[
    ("timeout_seconds", "1.8446744073709552e19"),
    ("timeout_seconds", "9.223372036854775807e18"),
    ("timeout_seconds", "-1"),
    ("timeout_seconds", "9e999"),
    ("timeout_seconds", "'ten'"),
    ("payload", "'{not json'"),
    ("payload", "X'00FF'"),
    ("attempts", "-5"),
    ("attempts", "'many'"),
    ("max_attempts", "9223372036854775807"),
    ("priority", "99999999999"),
    ("created_at", "'yesterday'"),
    ("progress", "'half'"),
    ("cancel_requested", "'yes'"),
    ("lease_owner", "'../../etc/passwd'"),
    ("result", "'{'"),
    ("kind", "X'01'"),
];

/// The same for PostgreSQL, whose columns keep their declared types.
const POSTGRES_CORRUPTIONS: &[(&str, &str)] = &[
    ("timeout_seconds", "1.8446744073709552e19"),
    ("timeout_seconds", "-1"),
    ("timeout_seconds", "'NaN'"),
    ("timeout_seconds", "'Infinity'"),
    ("payload", "'{not json'"),
    ("attempts", "-5"),
    ("max_attempts", "2147483647"),
    ("progress", "'NaN'"),
    ("lease_owner", "'../../etc/passwd'"),
    ("result", "'{'"),
];

fn submit(store: &dyn Store, priority: i32) -> TaskId {
    let task = NewTask::new("fake", json!({ "steps": 1 }), "u").with_priority(priority);
    store.submit(&task, &NO_LIMITS).unwrap().task_id
}

fn corruptions(backend: &Backend) -> &'static [(&'static str, &'static str)] {
    match backend {
        Backend::Sqlite => SQLITE_CORRUPTIONS,
        Backend::Postgres(_) => POSTGRES_CORRUPTIONS,
    }
}

fn every_corrupted_column_fails_only_its_own_task(backend: Backend) {
    let test = TestStore::new(&backend, "hostile-columns");
    let store = test.store.as_ref();
    let worker = svmq_queue::WorkerId::generate();
    for (column, value) in corruptions(&backend) {
        let case = format!("{column} = {value}");
        // The victim is first in claim order; the healthy task must still run.
        let victim = submit(store, 1);
        let healthy = submit(store, 0);
        test.execute_sql(&format!(
            "UPDATE tasks SET {column} = {value} WHERE id = '{victim}'"
        ));
        let shown = store.get_task(&victim).unwrap();
        // Progress is advisory: a number out of its range reads as 0 without a word.
        let advisory = *column == "progress" && matches!(backend, Backend::Postgres(_));
        assert!(
            advisory
                || shown
                    .phase
                    .error()
                    .is_some_and(|error| error.contains("could not be read")),
            "{case}: {shown:?}"
        );
        let listed = store.list_tasks(&TaskFilter::default()).unwrap();
        assert!(
            listed.tasks.iter().any(|task| task.id == victim),
            "{case}: the damaged task is still listed"
        );
        store.queue_counts().unwrap();
        let mut claimed = Vec::new();
        while let Some(task) = store
            .claim_next_task(&worker, Duration::from_secs(30), 1000)
            .unwrap_or_else(|error| panic!("{case}: claiming failed: {error}"))
        {
            claimed.push(task.id);
        }
        assert!(claimed.contains(&healthy), "{case}: {claimed:?}");
        let after = store.get_task(&victim).unwrap();
        assert_ne!(after.state(), TaskState::Queued, "{case}");
        if !claimed.contains(&victim) {
            assert_eq!(after.state(), TaskState::Failed, "{case}");
        }
        for id in claimed {
            store.fail_task(&id, &worker, "done with it").unwrap();
        }
    }
}

fn a_task_whose_id_is_damaged_is_failed_and_the_queue_goes_on(backend: Backend) {
    let test = TestStore::new(&backend, "hostile-id");
    let store = test.store.as_ref();
    let victim = submit(store, 1);
    let healthy = submit(store, 0);
    test.execute_sql(&format!(
        "UPDATE tasks SET id = 'not-an-id' WHERE id = '{victim}'"
    ));
    // Out of every listing (nothing can address it), but never an error.
    let listed = store.list_tasks(&TaskFilter::default()).unwrap();
    assert_eq!(listed.tasks.len(), 1);
    let worker = svmq_queue::WorkerId::generate();
    let claimed = store
        .claim_next_task(&worker, Duration::from_secs(30), 10)
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, healthy);
    assert_eq!(store.queue_counts().unwrap().failed, 1);
}

fn a_worker_runs_on_past_a_stored_timeout_beyond_any_duration(backend: Backend) {
    let test = TestStore::new(&backend, "hostile-timeout-worker");
    let store = test.store.as_ref();
    let victim = submit(store, 1);
    let healthy = submit(store, 0);
    test.execute_sql(&format!(
        "UPDATE tasks SET timeout_seconds = 1.8446744073709552e19 WHERE id = '{victim}'"
    ));
    let worker = RunningWorker::spawn(test.open_another(), FakeRunner::new(), fast_config(1));
    wait_until(
        Duration::from_secs(20),
        "the healthy task completes",
        || store.get_task(&healthy).unwrap().state() == TaskState::Completed,
    );
    let failed = store.get_task(&victim).unwrap();
    assert_eq!(failed.state(), TaskState::Failed);
    assert!(
        failed.phase.error().unwrap().contains("timeout_seconds"),
        "{failed:?}"
    );
    worker.stop();
}

fn a_timeout_past_thirty_days_is_refused_at_submit(backend: Backend) {
    let test = TestStore::new(&backend, "timeout-at-submit");
    for seconds in [u64::MAX, i64::MAX as u64, 30 * 24 * 3600 + 1] {
        let task = NewTask::new("fake", json!({}), "u").with_timeout(Duration::from_secs(seconds));
        let error = test.store.submit(&task, &NO_LIMITS).unwrap_err();
        assert!(matches!(error, QueueError::InvalidArgument(_)), "{error:?}");
        assert!(error.to_string().contains("2592000"), "{error}");
    }
    assert_eq!(test.store.queue_counts().unwrap().total(), 0);
}

/// A registry row is read back like a task row: one that cannot be read is left out
/// of the listing, and a stored path never names the directory a delete removes.
fn a_damaged_model_row_hides_nothing_else_and_deletes_nothing_else(backend: Backend) {
    let test = TestStore::new(&backend, "hostile-model-rows");
    let store = test.store.as_ref();
    let publish = |metadata: serde_json::Value| {
        let staging = svmq_queue::create_staging_dir(test.home()).unwrap();
        svmq_queue::publish_model_dir(
            store,
            test.home(),
            &staging,
            svmq_queue::NewModel {
                model_id: svmq_queue::ModelId::generate(),
                task_id: None,
                user_id: "u".into(),
                metadata,
            },
        )
        .unwrap()
    };
    let damaged = publish(json!({ "n": 1 }));
    let healthy = publish(json!({ "n": 2 }));
    test.execute_sql(&format!(
        "UPDATE models SET metadata = '{{not json' WHERE model_id = '{}'",
        damaged.model_id
    ));
    let listed = store.list_models("u").unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].model_id, healthy.model_id);
    // A row that names another directory: deleting its model leaves that directory.
    let bystander = test.home().join("bystander");
    std::fs::create_dir_all(&bystander).unwrap();
    test.execute_sql(&format!(
        "UPDATE models SET path = '{}' WHERE model_id = '{}'",
        bystander.display(),
        healthy.model_id
    ));
    svmq_queue::artifacts::delete_model(store, &healthy.model_id).unwrap();
    assert!(
        bystander.is_dir(),
        "a stored path named the directory deleted"
    );
}

crate::on_both_stores!(
    a_damaged_model_row_hides_nothing_else_and_deletes_nothing_else,
    every_corrupted_column_fails_only_its_own_task,
    a_task_whose_id_is_damaged_is_failed_and_the_queue_goes_on,
    a_worker_runs_on_past_a_stored_timeout_beyond_any_duration,
    a_timeout_past_thirty_days_is_refused_at_submit,
);
