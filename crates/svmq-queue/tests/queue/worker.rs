//! Workers on threads with the fake runner: the global limit under concurrent submits
//! and several workers, cancel of running tasks, timeouts, progress and logs through the
//! context, shutdown, and recovery of a dead worker's task.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use svmq_queue::{NewTask, QueueError, Store, SubmitLimits, TaskId, TaskState, WorkerId};

use crate::support::{fast_config, wait_until, Backend, FakeRunner, RunningWorker, TestStore};

const NO_LIMITS: SubmitLimits = SubmitLimits {
    max_open_tasks: None,
    max_open_tasks_per_user: None,
};
const PATIENCE: Duration = Duration::from_secs(20);

fn submit(store: &dyn Store, payload: serde_json::Value) -> TaskId {
    store
        .submit(&NewTask::new("fake", payload, "u"), &NO_LIMITS)
        .unwrap()
        .task_id
}

fn state(store: &dyn Store, id: &TaskId) -> TaskState {
    store.get_task(id).unwrap().state()
}

fn the_global_limit_holds_with_concurrent_submits_and_several_workers(backend: Backend) {
    const LIMIT: u32 = 3;
    const SUBMITTERS: usize = 6;
    const TASKS_EACH: usize = 6;
    let test = TestStore::new(&backend, "global-limit-workers");
    let runner = FakeRunner::new();
    // Three workers, each willing to run three tasks, as three processes would be.
    let workers: Vec<RunningWorker> = (0..3)
        .map(|_| {
            let mut config = fast_config(LIMIT);
            config.global_max_concurrent = LIMIT;
            // fast_config's lease: long enough that a heartbeat late on a loaded
            // machine does not expire one (a task whose lease expires runs again, by
            // design, and this test counts runs; a fresh-clone CI run saw 39 runs of 36
            // tasks with 600 ms leases).
            RunningWorker::spawn(test.open_another(), runner.clone(), config)
        })
        .collect();
    let ids: Vec<TaskId> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..SUBMITTERS)
            .map(|_| {
                let store = test.open_another();
                scope.spawn(move || {
                    (0..TASKS_EACH)
                        .map(|_| submit(store.as_ref(), json!({ "steps": 4, "step_ms": 10 })))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap())
            .collect()
    });
    assert_eq!(ids.len(), SUBMITTERS * TASKS_EACH);
    wait_until(PATIENCE, "every task completed", || {
        test.store.queue_counts().unwrap().completed == ids.len() as u64
    });
    for worker in workers {
        worker.stop();
    }
    assert!(
        runner.max_running() <= LIMIT as usize,
        "{} tasks ran at once, limit {LIMIT}",
        runner.max_running()
    );
    assert!(
        runner.max_running() >= 2,
        "tasks never overlapped; the test did not exercise the limit"
    );
    let runs = runner.runs();
    let repeated: Vec<(String, u32)> = runs
        .iter()
        .filter(|run| {
            runs.iter()
                .filter(|other| other.task_id == run.task_id)
                .count()
                > 1
        })
        .map(|run| (run.task_id.to_string(), run.attempt))
        .collect();
    assert!(
        repeated.is_empty(),
        "tasks ran more than once (task, attempt): {repeated:?}"
    );
    assert_eq!(runs.len(), ids.len(), "every task ran");
}

fn a_worker_runs_tasks_in_priority_then_fifo_order(backend: Backend) {
    let test = TestStore::new(&backend, "worker-order");
    let store = test.store.as_ref();
    let runner = FakeRunner::new();
    let payload = json!({ "steps": 1, "step_ms": 1 });
    let first = submit(store, payload.clone());
    let second = submit(store, payload.clone());
    let urgent = store
        .submit(
            &NewTask::new("fake", payload, "u").with_priority(9),
            &NO_LIMITS,
        )
        .unwrap()
        .task_id;
    let worker = RunningWorker::spawn(test.store.clone(), runner.clone(), fast_config(1));
    wait_until(PATIENCE, "three tasks completed", || {
        store.queue_counts().unwrap().completed == 3
    });
    worker.stop();
    let order: Vec<TaskId> = runner.runs().into_iter().map(|run| run.task_id).collect();
    assert_eq!(order, [urgent, first, second]);
}

fn cancelling_a_running_task_stops_it_within_a_second_and_frees_the_slot_only_after(
    backend: Backend,
) {
    let test = TestStore::new(&backend, "cancel-running-worker");
    let store = test.store.as_ref();
    let runner = FakeRunner::with_models(test.home());
    // A long task that takes 300 ms to stop once asked, and a task waiting for the slot.
    let long = submit(
        store,
        json!({ "steps": 1000, "step_ms": 10, "stop_delay_ms": 300 }),
    );
    let waiting = submit(store, json!({ "steps": 1, "step_ms": 1 }));
    let worker = RunningWorker::spawn(test.store.clone(), runner.clone(), fast_config(1));
    wait_until(PATIENCE, "the long task runs", || runner.running() == 1);

    let cancelled_at = Instant::now();
    store.cancel_task(&long).unwrap();
    wait_until(Duration::from_secs(1), "the runner sees the stop", || {
        runner.stops_seen() == 1
    });
    assert!(cancelled_at.elapsed() < Duration::from_secs(1));
    // The runner is still winding down: the task still holds its slot.
    assert_eq!(state(store, &long), TaskState::Running);
    assert_eq!(state(store, &waiting), TaskState::Queued);

    wait_until(PATIENCE, "the long task is cancelled", || {
        state(store, &long) == TaskState::Cancelled
    });
    wait_until(PATIENCE, "the waiting task completes", || {
        state(store, &waiting) == TaskState::Completed
    });
    worker.stop();
    let runs = runner.runs();
    let long_run = runs.iter().find(|run| run.task_id == long).unwrap();
    assert!(long_run.saw_stop);
    let long_record = store.get_task(&long).unwrap();
    assert!(long_record.phase.finished_at().unwrap() >= long_run.returned_at);
    let waiting_record = store.get_task(&waiting).unwrap();
    assert!(
        waiting_record.phase.started_at().unwrap() >= long_run.returned_at,
        "the next task started before the cancelled runner returned"
    );
    // The cancelled run left no model; the completed one left exactly one.
    let models = store.list_models("u").unwrap();
    assert_eq!(models.len(), 1);
    assert_eq!(models[0].task_id.as_ref(), Some(&waiting));
    let staging = test.home().join("models").join(".staging");
    assert_eq!(std::fs::read_dir(staging).unwrap().count(), 0);
}

fn a_task_past_its_timeout_fails_with_timed_out(backend: Backend) {
    let test = TestStore::new(&backend, "timeout");
    let store = test.store.as_ref();
    let runner = FakeRunner::new();
    let id = store
        .submit(
            &NewTask::new("fake", json!({ "steps": 1000, "step_ms": 10 }), "u")
                .with_timeout(Duration::from_millis(250)),
            &NO_LIMITS,
        )
        .unwrap()
        .task_id;
    let worker = RunningWorker::spawn(test.store.clone(), runner.clone(), fast_config(1));
    wait_until(PATIENCE, "the task fails", || {
        state(store, &id) == TaskState::Failed
    });
    worker.stop();
    let record = store.get_task(&id).unwrap();
    let error = record.phase.error().unwrap();
    assert!(error.contains("timed out"), "{error}");
    let ran_for = record.phase.finished_at().unwrap() - record.phase.started_at().unwrap();
    assert!((250..2000).contains(&ran_for), "ran for {ran_for} ms");
    assert!(runner.runs()[0].saw_stop);
}

fn progress_and_logs_from_the_runner_reach_the_store(backend: Backend) {
    let test = TestStore::new(&backend, "worker-progress");
    let store = test.store.as_ref();
    let runner = FakeRunner::new();
    let id = submit(store, json!({ "steps": 40, "step_ms": 10 }));
    let worker = RunningWorker::spawn(test.store.clone(), runner.clone(), fast_config(1));
    wait_until(PATIENCE, "progress between 0 and 100 is stored", || {
        let record = store.get_task(&id).unwrap();
        record.state() == TaskState::Running
            && record.phase.percent() > 0.0
            && record.phase.percent() < 100.0
    });
    let record = store.get_task(&id).unwrap();
    let message = record
        .phase
        .progress()
        .and_then(|progress| progress.message.clone())
        .unwrap();
    assert!(
        message.starts_with("step ") && message.ends_with("/40"),
        "{message}"
    );
    wait_until(PATIENCE, "the task completes", || {
        state(store, &id) == TaskState::Completed
    });
    worker.stop();
    let record = store.get_task(&id).unwrap();
    assert_eq!(record.phase.percent(), 100.0);
    assert_eq!(record.phase.result().cloned(), Some(json!({ "steps": 40 })));
    let logs = store.task_logs(&id, Some(1)).unwrap();
    assert_eq!(logs[0].message, "ran 40 steps");
}

fn progress_writes_are_throttled_to_the_progress_interval(backend: Backend) {
    let test = TestStore::new(&backend, "progress-throttle");
    let store = test.store.as_ref();
    let runner = FakeRunner::new();
    // 60 reports over about 600 ms; at most one write per 300 ms may reach the store.
    let id = submit(store, json!({ "steps": 60, "step_ms": 10 }));
    let mut config = fast_config(1);
    config.progress_interval = Duration::from_millis(300);
    let worker = RunningWorker::spawn(test.store.clone(), runner, config);
    let mut seen = Vec::new();
    let mut running_since = None;
    loop {
        let record = store.get_task(&id).unwrap();
        if record.state() != TaskState::Running && record.state() != TaskState::Queued {
            break;
        }
        if record.state() == TaskState::Running {
            running_since.get_or_insert_with(std::time::Instant::now);
            if seen.last() != Some(&record.phase.percent()) {
                seen.push(record.phase.percent());
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let ran_for = running_since.map_or(Duration::ZERO, |start| start.elapsed());
    worker.stop();
    // 0 at the claim, then one write at once and one per 300 ms of the run, however
    // long a loaded machine made it last; an unthrottled worker would show one value
    // per report (60).
    let most = 2 + (ran_for.as_millis() as usize).div_ceil(300);
    assert!(seen.len() >= 2, "no progress was written: {seen:?}");
    assert!(
        seen.len() <= most,
        "progress written too often: {seen:?} in {ran_for:?}"
    );
    assert!(seen.windows(2).all(|pair| pair[0] < pair[1]), "{seen:?}");
}

fn failing_and_panicking_runners_fail_their_tasks_with_the_reason(backend: Backend) {
    let test = TestStore::new(&backend, "runner-failures");
    let store = test.store.as_ref();
    let runner = FakeRunner::new();
    let failing = submit(
        store,
        json!({ "steps": 1, "fail": "target column is constant" }),
    );
    let panicking = submit(store, json!({ "panic": true }));
    let healthy = submit(store, json!({ "steps": 1 }));
    let worker = RunningWorker::spawn(test.store.clone(), runner, fast_config(2));
    wait_until(PATIENCE, "all three tasks finish", || {
        let counts = store.queue_counts().unwrap();
        counts.failed + counts.completed == 3
    });
    let report = worker.stop();
    assert_eq!((report.completed, report.failed), (1, 2));
    let failing = store.get_task(&failing).unwrap();
    assert_eq!(failing.phase.error(), Some("target column is constant"));
    let panicking = store.get_task(&panicking).unwrap();
    assert!(panicking.phase.error().unwrap().contains("panicked"));
    assert_eq!(state(store, &healthy), TaskState::Completed);
}

fn shutdown_stops_runners_and_gives_their_tasks_back(backend: Backend) {
    let test = TestStore::new(&backend, "shutdown");
    let store = test.store.as_ref();
    let runner = FakeRunner::new();
    let id = store
        .submit(
            &NewTask::new("fake", json!({ "steps": 1000, "step_ms": 10 }), "u")
                .with_max_attempts(3),
            &NO_LIMITS,
        )
        .unwrap()
        .task_id;
    let worker = RunningWorker::spawn(test.store.clone(), runner.clone(), fast_config(1));
    wait_until(PATIENCE, "the task runs", || runner.running() == 1);
    let report = worker.stop();
    assert_eq!(report.released, 1);
    assert_eq!(runner.running(), 0, "the worker returned before its runner");
    let record = store.get_task(&id).unwrap();
    assert_eq!(record.state(), TaskState::Queued);
    assert_eq!(
        (
            record.attempts,
            record.phase.lease().map(|lease| lease.owner.clone())
        ),
        (1, None)
    );
    assert!(store
        .live_workers(Duration::from_secs(60))
        .unwrap()
        .is_empty());
}

fn shutdown_on_the_last_attempt_fails_the_task_as_interrupted(backend: Backend) {
    let test = TestStore::new(&backend, "shutdown-last-attempt");
    let store = test.store.as_ref();
    let runner = FakeRunner::new();
    let id = store
        .submit(
            &NewTask::new("fake", json!({ "steps": 1000, "step_ms": 10 }), "u")
                .with_max_attempts(1),
            &NO_LIMITS,
        )
        .unwrap()
        .task_id;
    let worker = RunningWorker::spawn(test.store.clone(), runner.clone(), fast_config(1));
    wait_until(PATIENCE, "the task runs", || runner.running() == 1);
    worker.stop();
    let record = store.get_task(&id).unwrap();
    assert_eq!(record.state(), TaskState::Failed);
    assert!(record.phase.error().unwrap().starts_with("interrupted"));
}

fn a_dead_workers_task_is_recovered_and_completed_by_another_worker(backend: Backend) {
    let test = TestStore::new(&backend, "dead-worker");
    let store = test.store.as_ref();
    let orphan = submit(store, json!({ "steps": 2 }));
    let later = submit(store, json!({ "steps": 2 }));
    // A worker claims with a short lease and dies: it never heartbeats.
    let dead = WorkerId::generate();
    store
        .claim_next_task(&dead, Duration::from_millis(200), 1)
        .unwrap()
        .unwrap();
    std::thread::sleep(Duration::from_millis(250));

    let runner = FakeRunner::new();
    let worker = RunningWorker::spawn(test.store.clone(), runner.clone(), fast_config(1));
    wait_until(PATIENCE, "both tasks complete", || {
        store.queue_counts().unwrap().completed == 2
    });
    worker.stop();
    let runs = runner.runs();
    // Recovery ran before new work: the orphan, older in the queue, ran first.
    assert_eq!(runs[0].task_id, orphan);
    assert_eq!(runs[0].attempt, 2);
    assert_eq!(runs[1].task_id, later);
    assert_eq!(store.get_task(&orphan).unwrap().attempts, 2);
    let stale = store.complete_task(&orphan, &dead, &json!({})).unwrap_err();
    assert!(
        matches!(stale, QueueError::AlreadyFinished { .. }),
        "{stale:?}"
    );
}

fn leases_are_renewed_while_a_task_runs_longer_than_its_lease(backend: Backend) {
    let test = TestStore::new(&backend, "lease-renewal");
    let store = test.store.as_ref();
    let runner = FakeRunner::new();
    // Three seconds of work under a one-second lease: renewed every third of it. (A
    // 150 ms lease expired on a loaded CI machine, where one commit can take that long.)
    let id = submit(store, json!({ "steps": 60, "step_ms": 50 }));
    let mut config = fast_config(1);
    config.lease_duration = Duration::from_secs(1);
    let worker = RunningWorker::spawn(test.store.clone(), runner.clone(), config);
    wait_until(PATIENCE, "the task runs", || {
        state(store, &id) == TaskState::Running
    });
    // A second worker keeps trying to claim: it would steal an expired task.
    let thief = WorkerId::generate();
    let other_process = test.open_another();
    while state(store, &id) != TaskState::Completed {
        assert!(
            other_process
                .claim_next_task(&thief, Duration::from_secs(30), 1)
                .unwrap()
                .is_none(),
            "the running task's lease expired and it was claimed again"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    worker.stop();
    assert_eq!(store.get_task(&id).unwrap().attempts, 1);
    assert_eq!(runner.runs().len(), 1);
}

fn a_worker_registers_itself_while_it_runs(backend: Backend) {
    let test = TestStore::new(&backend, "worker-registry");
    let worker = RunningWorker::spawn(test.store.clone(), FakeRunner::new(), fast_config(2));
    wait_until(PATIENCE, "the worker is listed", || {
        test.store
            .live_workers(Duration::from_secs(5))
            .unwrap()
            .len()
            == 1
    });
    let listed = &test.store.live_workers(Duration::from_secs(5)).unwrap()[0];
    assert_eq!((listed.max_concurrent, listed.pid), (2, std::process::id()));
    worker.stop();
    assert!(test
        .store
        .live_workers(Duration::from_secs(5))
        .unwrap()
        .is_empty());
}

fn an_invalid_worker_configuration_is_refused(backend: Backend) {
    let test = TestStore::new(&backend, "worker-config");
    let mut config = fast_config(0);
    config.global_max_concurrent = 3;
    let refused =
        svmq_queue::Worker::new(test.store.clone(), Arc::new(FakeRunner::default()), config);
    assert!(matches!(refused, Err(QueueError::InvalidArgument(_))));
}

fn a_worker_that_loses_its_lease_stops_the_runner_and_writes_nothing(backend: Backend) {
    let test = TestStore::new(&backend, "lease-lost");
    let store = test.store.as_ref();
    let runner = FakeRunner::new();
    let id = submit(store, json!({ "steps": 1000, "step_ms": 10 }));
    let mut config = fast_config(1);
    config.lease_duration = Duration::from_millis(150);
    let worker = RunningWorker::spawn(test.store.clone(), runner.clone(), config);
    wait_until(PATIENCE, "the task runs", || runner.running() == 1);
    // Another worker took the task over (as after an expiry this worker missed).
    let new_owner = WorkerId::generate();
    test.execute_sql(&format!(
        "UPDATE tasks SET lease_owner = '{new_owner}' WHERE id = '{id}'"
    ));
    // Seen at the next renewal (every 50 ms here); how soon is not the point.
    wait_until(PATIENCE, "the runner is stopped", || {
        runner.stops_seen() == 1 && runner.running() == 0
    });
    let report = worker.stop();
    assert_eq!((report.lost, report.completed, report.failed), (1, 0, 0));
    let record = store.get_task(&id).unwrap();
    assert_eq!(record.state(), TaskState::Running);
    assert_eq!(
        record.phase.lease().map(|lease| lease.owner.clone()),
        Some(new_owner.clone())
    );
    store.complete_task(&id, &new_owner, &json!({})).unwrap();
}

/// A panic of the worker's supervising loop (a bug: no input can cause one any more)
/// stops and waits for the runner of the task it held, fails that task with the reason,
/// and the worker goes on with the next task.
fn a_worker_whose_loop_panics_fails_its_task_and_goes_on(backend: Backend) {
    let test = TestStore::new(&backend, "supervisor-panic");
    let store = test.store.as_ref();
    let held = submit(store, json!({ "steps": 500, "step_ms": 10 }));
    let next = submit(store, json!({ "steps": 1 }));
    let faulty = Arc::new(crate::faulty_store::PanicOnFirstRenewal {
        inner: test.open_another(),
        panicked: std::sync::atomic::AtomicBool::new(false),
    });
    let runner = FakeRunner::new();
    let mut config = fast_config(1);
    config.lease_duration = Duration::from_millis(300);
    let worker = RunningWorker::spawn(faulty, runner.clone(), config);
    wait_until(PATIENCE, "the next task completes", || {
        state(store, &next) == TaskState::Completed
    });
    let failed = store.get_task(&held).unwrap();
    assert_eq!(failed.state(), TaskState::Failed);
    assert!(
        failed
            .phase
            .error()
            .unwrap()
            .contains("injected fault in the lease renewal"),
        "{failed:?}"
    );
    // The held task's runner was stopped before anything else ran.
    assert_eq!(runner.max_running(), 1);
    assert_eq!(runner.stops_seen(), 1);
    assert_eq!(
        store.live_workers(Duration::from_secs(60)).unwrap().len(),
        1
    );
    worker.stop();
}

crate::on_both_stores!(
    a_worker_whose_loop_panics_fails_its_task_and_goes_on,
    the_global_limit_holds_with_concurrent_submits_and_several_workers,
    a_worker_runs_tasks_in_priority_then_fifo_order,
    cancelling_a_running_task_stops_it_within_a_second_and_frees_the_slot_only_after,
    a_task_past_its_timeout_fails_with_timed_out,
    progress_and_logs_from_the_runner_reach_the_store,
    progress_writes_are_throttled_to_the_progress_interval,
    failing_and_panicking_runners_fail_their_tasks_with_the_reason,
    shutdown_stops_runners_and_gives_their_tasks_back,
    shutdown_on_the_last_attempt_fails_the_task_as_interrupted,
    a_dead_workers_task_is_recovered_and_completed_by_another_worker,
    leases_are_renewed_while_a_task_runs_longer_than_its_lease,
    a_worker_registers_itself_while_it_runs,
    an_invalid_worker_configuration_is_refused,
    a_worker_that_loses_its_lease_stops_the_runner_and_writes_nothing,
);
