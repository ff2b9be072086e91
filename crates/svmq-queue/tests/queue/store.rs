//! The store on its own, driven the way workers and users drive it: submit, order,
//! limits, idempotency, cancel, leases and their expiry, terminal states, progress,
//! estimates, logs, pruning and bad input. No worker threads here.

use std::time::Duration;

use serde_json::json;
use svmq_queue::{
    estimate_start_seconds, CancelOutcome, LogLevel, NewTask, QueueError, SqliteOptions,
    SqliteStore, Store, SubmitLimits, TaskFilter, TaskId, TaskState, WorkerId,
};

use crate::support::{Backend, TestStore};

const NO_LIMITS: SubmitLimits = SubmitLimits {
    max_open_tasks: None,
    max_open_tasks_per_user: None,
};
const LEASE: Duration = Duration::from_secs(30);
const SHORT_LEASE: Duration = Duration::from_millis(200);

fn task(user: &str) -> NewTask {
    NewTask::new("fake", json!({ "steps": 1 }), user)
}

fn submit(store: &dyn Store, new_task: NewTask) -> TaskId {
    store.submit(&new_task, &NO_LIMITS).unwrap().task_id
}

fn submitted_task_is_queued_with_its_fields(backend: Backend) {
    let test = TestStore::new(&backend, "submitted-task");
    let new_task = task("alice")
        .with_priority(3)
        .with_max_attempts(4)
        .with_timeout(Duration::from_millis(1500));
    let id = submit(test.store.as_ref(), new_task);
    let record = test.store.get_task(&id).unwrap();
    assert_eq!(record.state(), TaskState::Queued);
    assert_eq!(record.kind, "fake");
    assert_eq!(record.payload, json!({ "steps": 1 }));
    assert_eq!(record.user_id, "alice");
    assert_eq!(
        (record.priority, record.attempts, record.max_attempts),
        (3, 0, 4)
    );
    assert_eq!(record.timeout, Some(Duration::from_millis(1500)));
    assert_eq!(record.phase.started_at(), None);
}

fn claims_follow_priority_then_submission_order(backend: Backend) {
    let test = TestStore::new(&backend, "claim-order");
    let store = test.store.as_ref();
    let first = submit(store, task("u"));
    let second = submit(store, task("u"));
    let urgent = submit(store, task("u").with_priority(5));
    let third = submit(store, task("u"));
    let low = submit(store, task("u").with_priority(-1));
    let worker = WorkerId::generate();
    let mut order = Vec::new();
    while let Some(claimed) = store.claim_next_task(&worker, LEASE, 100).unwrap() {
        assert_eq!(claimed.attempt, 1);
        order.push(claimed.id);
    }
    assert_eq!(order, [urgent, first, second, third, low]);
}

fn global_limit_holds_for_claims_from_several_connections(backend: Backend) {
    let test = TestStore::new(&backend, "global-limit-claims");
    let other_process = test.open_another();
    for _ in 0..5 {
        submit(test.store.as_ref(), task("u"));
    }
    let (worker_a, worker_b) = (WorkerId::generate(), WorkerId::generate());
    assert!(test
        .store
        .claim_next_task(&worker_a, LEASE, 2)
        .unwrap()
        .is_some());
    assert!(other_process
        .claim_next_task(&worker_b, LEASE, 2)
        .unwrap()
        .is_some());
    assert!(other_process
        .claim_next_task(&worker_b, LEASE, 2)
        .unwrap()
        .is_none());
    assert!(test
        .store
        .claim_next_task(&worker_a, LEASE, 2)
        .unwrap()
        .is_none());
    assert_eq!(test.store.queue_counts().unwrap().running, 2);
}

fn idempotency_key_returns_the_same_task_per_user(backend: Backend) {
    let test = TestStore::new(&backend, "idempotency");
    let store = test.store.as_ref();
    let first = store
        .submit(&task("alice").with_idempotency_key("job-1"), &NO_LIMITS)
        .unwrap();
    let again = store
        .submit(&task("alice").with_idempotency_key("job-1"), &NO_LIMITS)
        .unwrap();
    let other_user = store
        .submit(&task("bob").with_idempotency_key("job-1"), &NO_LIMITS)
        .unwrap();
    assert!(first.created);
    assert!(!again.created);
    assert_eq!(again.task_id, first.task_id);
    assert!(other_user.created);
    assert_ne!(other_user.task_id, first.task_id);
    assert_eq!(store.queue_counts().unwrap().queued, 2);
}

fn idempotency_key_holds_under_concurrent_submits(backend: Backend) {
    let test = TestStore::new(&backend, "idempotency-concurrent");
    let ids: Vec<TaskId> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let store = test.open_another();
                scope.spawn(move || submit(store.as_ref(), task("alice").with_idempotency_key("k")))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(test.store.queue_counts().unwrap().total(), 1);
}

fn queue_cap_refuses_new_tasks_with_a_clear_error(backend: Backend) {
    let test = TestStore::new(&backend, "queue-cap");
    let store = test.store.as_ref();
    let limits = SubmitLimits {
        max_open_tasks: Some(2),
        max_open_tasks_per_user: None,
    };
    let first = store.submit(&task("a"), &limits).unwrap().task_id;
    store.submit(&task("b"), &limits).unwrap();
    let refused = store.submit(&task("c"), &limits).unwrap_err();
    assert!(
        matches!(refused, QueueError::QueueFull { limit: 2 }),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("queue is full"));
    // A finished task no longer counts.
    store.cancel_task(&first).unwrap();
    assert!(store.submit(&task("c"), &limits).is_ok());
}

fn per_user_cap_refuses_only_that_user(backend: Backend) {
    let test = TestStore::new(&backend, "user-cap");
    let store = test.store.as_ref();
    let limits = SubmitLimits {
        max_open_tasks: None,
        max_open_tasks_per_user: Some(2),
    };
    store.submit(&task("alice"), &limits).unwrap();
    store.submit(&task("alice"), &limits).unwrap();
    let refused = store.submit(&task("alice"), &limits).unwrap_err();
    match &refused {
        QueueError::UserTaskLimit { user_id, limit } => {
            assert_eq!((user_id.as_str(), *limit), ("alice", 2));
        }
        other => panic!("expected the per-user cap, got {other:?}"),
    }
    assert!(refused.to_string().contains("open tasks"));
    assert!(store.submit(&task("bob"), &limits).is_ok());
}

fn cancelling_a_queued_task_is_immediate_and_it_is_never_claimed(backend: Backend) {
    let test = TestStore::new(&backend, "cancel-queued");
    let store = test.store.as_ref();
    let id = submit(store, task("u"));
    assert_eq!(store.cancel_task(&id).unwrap(), CancelOutcome::Cancelled);
    let record = store.get_task(&id).unwrap();
    assert_eq!(record.state(), TaskState::Cancelled);
    assert!(record.phase.finished_at().is_some());
    let worker = WorkerId::generate();
    assert!(store.claim_next_task(&worker, LEASE, 3).unwrap().is_none());
}

fn cancelling_a_running_task_only_requests_the_stop(backend: Backend) {
    let test = TestStore::new(&backend, "cancel-running");
    let store = test.store.as_ref();
    let id = submit(store, task("u"));
    let worker = WorkerId::generate();
    store.claim_next_task(&worker, LEASE, 3).unwrap().unwrap();
    assert!(
        !store
            .renew_lease(&id, &worker, LEASE)
            .unwrap()
            .cancel_requested
    );
    assert_eq!(
        store.cancel_task(&id).unwrap(),
        CancelOutcome::StopRequested
    );
    assert_eq!(store.get_task(&id).unwrap().state(), TaskState::Running);
    assert!(store.is_cancel_requested(&id).unwrap());
    assert!(
        store
            .renew_lease(&id, &worker, LEASE)
            .unwrap()
            .cancel_requested
    );
    store.mark_cancelled(&id, &worker).unwrap();
    assert_eq!(store.get_task(&id).unwrap().state(), TaskState::Cancelled);
}

fn cancelling_a_finished_task_is_refused(backend: Backend) {
    let test = TestStore::new(&backend, "cancel-finished");
    let store = test.store.as_ref();
    let id = submit(store, task("u"));
    let worker = WorkerId::generate();
    store.claim_next_task(&worker, LEASE, 3).unwrap().unwrap();
    store
        .complete_task(&id, &worker, &json!({"ok": true}))
        .unwrap();
    let refused = store.cancel_task(&id).unwrap_err();
    assert!(
        matches!(
            refused,
            QueueError::AlreadyFinished {
                state: TaskState::Completed,
                ..
            }
        ),
        "{refused:?}"
    );
    assert_eq!(store.get_task(&id).unwrap().state(), TaskState::Completed);
}

fn terminal_states_never_change(backend: Backend) {
    let test = TestStore::new(&backend, "terminal-states");
    let store = test.store.as_ref();
    let id = submit(store, task("u"));
    let worker = WorkerId::generate();
    store.claim_next_task(&worker, LEASE, 3).unwrap().unwrap();
    store.cancel_task(&id).unwrap();
    store.mark_cancelled(&id, &worker).unwrap();

    let completing = store.complete_task(&id, &worker, &json!({})).unwrap_err();
    assert!(
        matches!(
            completing,
            QueueError::AlreadyFinished {
                state: TaskState::Cancelled,
                ..
            }
        ),
        "{completing:?}"
    );
    assert!(store.fail_task(&id, &worker, "late").is_err());
    assert!(store.report_progress(&id, &worker, 50.0, None).is_err());
    assert!(store.renew_lease(&id, &worker, LEASE).is_err());
    assert!(store.release_task(&id, &worker).is_err());
    let record = store.get_task(&id).unwrap();
    assert_eq!(record.state(), TaskState::Cancelled);
    assert_eq!((record.phase.result(), record.phase.error()), (None, None));
}

fn only_the_lease_owner_can_finish_a_task(backend: Backend) {
    let test = TestStore::new(&backend, "lease-owner");
    let store = test.store.as_ref();
    let id = submit(store, task("u"));
    let owner = WorkerId::generate();
    let stranger = WorkerId::generate();
    store.claim_next_task(&owner, LEASE, 3).unwrap().unwrap();
    let refused = store.complete_task(&id, &stranger, &json!({})).unwrap_err();
    assert!(
        matches!(refused, QueueError::LeaseLost { .. }),
        "{refused:?}"
    );
    assert!(store.fail_task(&id, &stranger, "no").is_err());
    assert_eq!(store.get_task(&id).unwrap().state(), TaskState::Running);
    store
        .complete_task(&id, &owner, &json!({"by": "owner"}))
        .unwrap();
    let record = store.get_task(&id).unwrap();
    assert_eq!(record.state(), TaskState::Completed);
    assert_eq!(record.phase.result().cloned(), Some(json!({"by": "owner"})));
    assert_eq!(record.phase.percent(), 100.0);
}

fn expired_lease_hands_the_task_to_another_worker(backend: Backend) {
    let test = TestStore::new(&backend, "expired-lease");
    let store = test.store.as_ref();
    let id = submit(store, task("u"));
    let dead = WorkerId::generate();
    let alive = WorkerId::generate();
    // The dead worker claims with a short lease and never heartbeats.
    store
        .claim_next_task(&dead, SHORT_LEASE, 1)
        .unwrap()
        .unwrap();
    assert!(
        store.claim_next_task(&alive, LEASE, 1).unwrap().is_none(),
        "the task was handed out again before its lease expired"
    );
    std::thread::sleep(SHORT_LEASE + Duration::from_millis(50));
    let reclaimed = store.claim_next_task(&alive, LEASE, 1).unwrap().unwrap();
    assert_eq!((reclaimed.id.clone(), reclaimed.attempt), (id.clone(), 2));
    // The dead worker, should it wake up, can no longer touch the task.
    assert!(store.complete_task(&id, &dead, &json!({})).is_err());
    store.complete_task(&id, &alive, &json!({})).unwrap();
    let logs = store.task_logs(&id, None).unwrap();
    assert!(
        logs.iter()
            .any(|line| line.message.contains("lease expired")),
        "{logs:?}"
    );
}

fn retries_stop_at_max_attempts_with_the_interrupted_reason(backend: Backend) {
    let test = TestStore::new(&backend, "max-attempts");
    let store = test.store.as_ref();
    let id = submit(store, task("u").with_max_attempts(2));
    for _ in 0..2 {
        let dead = WorkerId::generate();
        store
            .claim_next_task(&dead, SHORT_LEASE, 1)
            .unwrap()
            .unwrap();
        std::thread::sleep(SHORT_LEASE + Duration::from_millis(50));
    }
    let recovery = store.recover_expired_leases().unwrap();
    assert_eq!(recovery.failed, std::slice::from_ref(&id));
    let record = store.get_task(&id).unwrap();
    assert_eq!(record.state(), TaskState::Failed);
    assert_eq!(record.attempts, 2);
    assert_eq!(
        record.phase.error(),
        Some("interrupted: the worker running it stopped (attempt 2 of 2)")
    );
    assert!(store
        .claim_next_task(&WorkerId::generate(), LEASE, 1)
        .unwrap()
        .is_none());
}

fn a_heartbeat_keeps_the_lease_alive(backend: Backend) {
    let test = TestStore::new(&backend, "heartbeat");
    let store = test.store.as_ref();
    let id = submit(store, task("u"));
    let worker = WorkerId::generate();
    store
        .claim_next_task(&worker, SHORT_LEASE, 1)
        .unwrap()
        .unwrap();
    for _ in 0..4 {
        std::thread::sleep(SHORT_LEASE / 3);
        store.renew_lease(&id, &worker, SHORT_LEASE).unwrap();
    }
    // Well past the first lease, the task is still this worker's.
    assert!(store.recover_expired_leases().unwrap().is_empty());
    assert_eq!(
        store
            .get_task(&id)
            .unwrap()
            .phase
            .lease()
            .map(|lease| lease.owner.clone()),
        Some(worker)
    );
}

fn an_expired_task_with_a_cancel_request_is_cancelled_not_retried(backend: Backend) {
    let test = TestStore::new(&backend, "expired-cancel");
    let store = test.store.as_ref();
    let id = submit(store, task("u").with_max_attempts(3));
    store
        .claim_next_task(&WorkerId::generate(), SHORT_LEASE, 1)
        .unwrap()
        .unwrap();
    store.cancel_task(&id).unwrap();
    std::thread::sleep(SHORT_LEASE + Duration::from_millis(50));
    assert_eq!(
        store.recover_expired_leases().unwrap().cancelled,
        std::slice::from_ref(&id)
    );
    assert_eq!(store.get_task(&id).unwrap().state(), TaskState::Cancelled);
}

fn requeued_task_keeps_its_place_in_the_queue(backend: Backend) {
    let test = TestStore::new(&backend, "requeue-order");
    let store = test.store.as_ref();
    let first = submit(store, task("u"));
    let second = submit(store, task("u"));
    let worker = WorkerId::generate();
    store.claim_next_task(&worker, LEASE, 1).unwrap().unwrap();
    assert_eq!(
        store.release_task(&first, &worker).unwrap(),
        TaskState::Queued
    );
    let next = store.claim_next_task(&worker, LEASE, 1).unwrap().unwrap();
    assert_eq!(next.id, first);
    assert_eq!(next.attempt, 2);
    assert_ne!(next.id, second);
}

fn progress_is_persisted_and_validated(backend: Backend) {
    let test = TestStore::new(&backend, "progress");
    let store = test.store.as_ref();
    let id = submit(store, task("u"));
    let worker = WorkerId::generate();
    store.claim_next_task(&worker, LEASE, 1).unwrap().unwrap();
    store
        .report_progress(&id, &worker, 42.5, Some("trial 17/40, best 0.93"))
        .unwrap();
    let record = store.get_task(&id).unwrap();
    assert_eq!(record.phase.percent(), 42.5);
    assert_eq!(
        record
            .phase
            .progress()
            .and_then(|progress| progress.message.as_deref()),
        Some("trial 17/40, best 0.93")
    );
    assert!(matches!(
        store.report_progress(&id, &worker, 101.0, None),
        Err(QueueError::InvalidArgument(_))
    ));
    assert!(store.report_progress(&id, &worker, f64::NAN, None).is_err());
}

fn queue_position_and_eta_follow_claim_order_and_recent_durations(backend: Backend) {
    let test = TestStore::new(&backend, "position-eta");
    let store = test.store.as_ref();
    let worker = WorkerId::generate();
    // One completed task of the kind gives the mean duration.
    let done = submit(store, task("u"));
    store.claim_next_task(&worker, LEASE, 1).unwrap().unwrap();
    std::thread::sleep(Duration::from_millis(60));
    store.complete_task(&done, &worker, &json!({})).unwrap();
    let done = store.get_task(&done).unwrap();
    let mean_seconds =
        (done.phase.finished_at().unwrap() - done.phase.started_at().unwrap()) as f64 / 1000.0;
    assert!(mean_seconds >= 0.06);

    let running = submit(store, task("u"));
    store.claim_next_task(&worker, LEASE, 1).unwrap().unwrap();
    let a = submit(store, task("u"));
    let b = submit(store, task("u"));
    let urgent = submit(store, task("u").with_priority(1));
    let other_kind = submit(store, NewTask::new("other", json!({}), "u"));

    let slots = 1;
    let estimate = |id: &TaskId| store.queue_estimate(id, slots).unwrap().unwrap();
    assert_eq!(estimate(&urgent).position, 1);
    assert_eq!(estimate(&a).position, 2);
    assert_eq!(estimate(&b).position, 3);
    assert_eq!(estimate(&other_kind).position, 4);
    let expected_b = estimate_start_seconds(3, 1, slots, mean_seconds);
    let eta_b = estimate(&b).eta_seconds.unwrap();
    assert!((eta_b - expected_b).abs() < 1e-9, "{eta_b} vs {expected_b}");
    assert!(
        eta_b >= 3.0 * 0.06,
        "three tasks finish before b starts: {eta_b}"
    );
    // No completed task of that kind yet: no ETA rather than a guess.
    assert_eq!(estimate(&other_kind).eta_seconds, None);
    // Not queued: no estimate.
    assert_eq!(store.queue_estimate(&running, slots).unwrap(), None);
}

fn log_tail_returns_the_last_lines_in_order(backend: Backend) {
    let test = TestStore::new(&backend, "logs");
    let store = test.store.as_ref();
    let id = submit(store, task("u"));
    for index in 1..=5 {
        store
            .append_log(&id, LogLevel::Info, &format!("trial {index}"))
            .unwrap();
    }
    store
        .append_log(&id, LogLevel::Warning, "slow convergence")
        .unwrap();
    let all = store.task_logs(&id, None).unwrap();
    assert_eq!(all.len(), 6);
    let tail = store.task_logs(&id, Some(2)).unwrap();
    let messages: Vec<_> = tail.iter().map(|line| line.message.as_str()).collect();
    assert_eq!(messages, ["trial 5", "slow convergence"]);
    assert_eq!(tail[1].level, LogLevel::Warning);
    assert_eq!((tail[0].sequence, tail[1].sequence), (5, 6));
}

fn prune_removes_old_finished_tasks_and_their_logs_only(backend: Backend) {
    let test = TestStore::new(&backend, "prune");
    let store = test.store.as_ref();
    let worker = WorkerId::generate();
    let finished = submit(store, task("u"));
    store.append_log(&finished, LogLevel::Info, "line").unwrap();
    store.cancel_task(&finished).unwrap();
    let completed = submit(store, task("u"));
    store.claim_next_task(&worker, LEASE, 5).unwrap().unwrap();
    store
        .complete_task(&completed, &worker, &json!({}))
        .unwrap();
    let running = submit(store, task("u"));
    store.claim_next_task(&worker, LEASE, 5).unwrap().unwrap();
    let queued = submit(store, task("u"));
    std::thread::sleep(Duration::from_millis(20));

    let nothing = store.prune(Duration::from_secs(3600)).unwrap();
    assert_eq!((nothing.tasks, nothing.log_lines), (0, 0));
    let report = store.prune(Duration::from_millis(10)).unwrap();
    assert_eq!((report.tasks, report.log_lines), (2, 1));
    assert!(matches!(
        store.get_task(&finished),
        Err(QueueError::TaskNotFound { .. })
    ));
    assert!(store.get_task(&completed).is_err());
    assert_eq!(
        store.get_task(&running).unwrap().state(),
        TaskState::Running
    );
    assert_eq!(store.get_task(&queued).unwrap().state(), TaskState::Queued);
}

fn listing_is_newest_first_filtered_and_paged(backend: Backend) {
    let test = TestStore::new(&backend, "listing");
    let store = test.store.as_ref();
    let ids: Vec<TaskId> = (0..5).map(|_| submit(store, task("alice"))).collect();
    submit(store, task("bob"));
    store.cancel_task(&ids[0]).unwrap();

    let filter = TaskFilter {
        user_id: Some("alice".into()),
        limit: Some(2),
        ..TaskFilter::default()
    };
    let first_page = store.list_tasks(&filter).unwrap();
    let page_ids: Vec<_> = first_page
        .tasks
        .iter()
        .map(|task| task.id.clone())
        .collect();
    assert_eq!(page_ids, [ids[4].clone(), ids[3].clone()]);
    let second_page = store
        .list_tasks(&TaskFilter {
            before_sequence: first_page.next_cursor,
            ..filter.clone()
        })
        .unwrap();
    assert_eq!(second_page.tasks.len(), 2);
    assert_eq!(second_page.tasks[0].id, ids[2]);
    let cancelled = store
        .list_tasks(&TaskFilter {
            state: Some(TaskState::Cancelled),
            ..TaskFilter::default()
        })
        .unwrap();
    assert_eq!(cancelled.tasks.len(), 1);
    assert_eq!(cancelled.next_cursor, None);
}

fn unknown_and_malformed_ids_get_clear_errors(backend: Backend) {
    let test = TestStore::new(&backend, "bad-ids");
    let store = test.store.as_ref();
    let unknown = TaskId::generate();
    for error in [
        store.get_task(&unknown).unwrap_err(),
        store.cancel_task(&unknown).unwrap_err(),
        store.task_logs(&unknown, None).unwrap_err(),
        store.append_log(&unknown, LogLevel::Info, "x").unwrap_err(),
    ] {
        assert!(
            matches!(error, QueueError::TaskNotFound { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains(unknown.as_str()));
    }
    let malformed = TaskId::parse("../../etc/passwd").unwrap_err();
    assert!(
        malformed.to_string().contains("malformed task id"),
        "{malformed}"
    );
}

#[test]
fn a_corrupted_database_file_is_refused_and_left_alone() {
    let home = crate::support::TempHome::new("corrupt");
    let path = home.path.join("queue.sqlite3");
    let garbage = b"this is not a database, just some bytes that happen to be here ".repeat(200);
    std::fs::write(&path, &garbage).unwrap();
    let error = SqliteStore::open(&path, SqliteOptions::default()).unwrap_err();
    assert!(matches!(error, QueueError::Corrupt { .. }), "{error:?}");
    assert!(error.to_string().contains("queue.sqlite3"), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

#[test]
fn an_empty_database_file_is_refused_never_replaced_by_a_new_store() {
    // Regression: a zero-length queue.sqlite3 silently became a new empty store, and
    // every task and model of the home vanished without a word.
    let home = crate::support::TempHome::new("empty-file");
    let path = home.path.join(svmq_queue::DATABASE_FILE_NAME);
    std::fs::write(&path, b"").unwrap();
    let error = SqliteStore::open(&path, SqliteOptions::default()).unwrap_err();
    assert!(matches!(error, QueueError::Corrupt { .. }), "{error:?}");
    assert!(error.to_string().contains("empty"), "{error}");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
}

#[test]
fn a_database_of_something_else_is_refused_and_left_alone() {
    let home = crate::support::TempHome::new("foreign-file");
    let path = home.path.join(svmq_queue::DATABASE_FILE_NAME);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL);")
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let error = SqliteStore::open(&path, SqliteOptions::default()).unwrap_err();
    assert!(matches!(error, QueueError::Corrupt { .. }), "{error:?}");
    assert!(error.to_string().contains("invoices"), "{error}");
    assert!(
        std::fs::read(&path).unwrap() == before,
        "the file was changed"
    );
}

/// The cause of a worker that "never claimed a task" in CI: `svmq worker` and `svmq
/// submit` started together on a new home, and both created the store. Switching a new
/// database to WAL mode needs an exclusive lock, and SQLite answers `database is locked`
/// at once, without waiting out the busy timeout; about two opens in five lost that race,
/// and when the loser was the worker it exited while the task stayed queued. Each round
/// here starts six openers on a new home at the same instant; every one must succeed and
/// all must share one store.
#[test]
fn processes_opening_a_new_home_at_once_share_one_store() {
    const OPENERS: usize = 6;
    for round in 0..20 {
        let home = crate::support::TempHome::new(&format!("racing-create-{round}"));
        let start = std::sync::Barrier::new(OPENERS);
        let opened: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..OPENERS)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        SqliteStore::open_home(&home.path, SqliteOptions::default())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().unwrap())
                .collect()
        });
        let stores: Vec<SqliteStore> = opened
            .into_iter()
            .map(|store| store.unwrap_or_else(|error| panic!("round {round}: {error}")))
            .collect();
        let id = submit(&stores[0], task("u"));
        for store in &stores {
            assert_eq!(store.get_task(&id).unwrap().state(), TaskState::Queued);
        }
        // Only the store (and SQLite's own WAL files) is left in the home.
        let mut names: Vec<String> = std::fs::read_dir(&home.path)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| !name.ends_with("-wal") && !name.ends_with("-shm"))
            .collect();
        names.sort();
        assert_eq!(names, [svmq_queue::DATABASE_FILE_NAME], "round {round}");
    }
}

/// Every svmq command opens the store; a polling `svmq status` once took the write lock
/// at each open (to check the schema), contending with the workers' claims.
#[test]
fn opening_a_current_store_takes_no_write_lock() {
    let test = TestStore::new(&Backend::Sqlite, "open-without-lock");
    let path = test.home().join(svmq_queue::DATABASE_FILE_NAME);
    let writer = rusqlite::Connection::open(&path).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    let impatient = SqliteOptions {
        busy_timeout: Duration::from_millis(50),
    };
    let reader = SqliteStore::open(&path, impatient).unwrap();
    assert_eq!(reader.queue_counts().unwrap().total(), 0);
    writer.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn a_locked_database_gives_a_busy_error() {
    let test = TestStore::new(&Backend::Sqlite, "locked");
    let path = test.home().join(svmq_queue::DATABASE_FILE_NAME);
    let impatient = SqliteStore::open(
        &path,
        SqliteOptions {
            busy_timeout: Duration::from_millis(50),
        },
    )
    .unwrap();
    let locker = rusqlite::Connection::open(&path).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let error = impatient.submit(&task("u"), &NO_LIMITS).unwrap_err();
    assert!(matches!(error, QueueError::Busy), "{error:?}");
    locker.execute_batch("ROLLBACK").unwrap();
    assert!(impatient.submit(&task("u"), &NO_LIMITS).is_ok());
}

fn reopening_a_store_keeps_its_tasks(backend: Backend) {
    let test = TestStore::new(&backend, "reopen");
    let id = submit(test.store.as_ref(), task("u"));
    let reopened = test.open_another();
    assert_eq!(reopened.get_task(&id).unwrap().state(), TaskState::Queued);
}

crate::on_both_stores!(
    submitted_task_is_queued_with_its_fields,
    claims_follow_priority_then_submission_order,
    global_limit_holds_for_claims_from_several_connections,
    idempotency_key_returns_the_same_task_per_user,
    idempotency_key_holds_under_concurrent_submits,
    queue_cap_refuses_new_tasks_with_a_clear_error,
    per_user_cap_refuses_only_that_user,
    cancelling_a_queued_task_is_immediate_and_it_is_never_claimed,
    cancelling_a_running_task_only_requests_the_stop,
    cancelling_a_finished_task_is_refused,
    terminal_states_never_change,
    only_the_lease_owner_can_finish_a_task,
    expired_lease_hands_the_task_to_another_worker,
    retries_stop_at_max_attempts_with_the_interrupted_reason,
    a_heartbeat_keeps_the_lease_alive,
    an_expired_task_with_a_cancel_request_is_cancelled_not_retried,
    requeued_task_keeps_its_place_in_the_queue,
    progress_is_persisted_and_validated,
    queue_position_and_eta_follow_claim_order_and_recent_durations,
    log_tail_returns_the_last_lines_in_order,
    prune_removes_old_finished_tasks_and_their_logs_only,
    listing_is_newest_first_filtered_and_paged,
    unknown_and_malformed_ids_get_clear_errors,
    reopening_a_store_keeps_its_tasks,
);
