//! The worker: claims tasks under the global limit and runs each on its own thread with a
//! [`TaskRunner`], keeping its leases alive until the runner has returned.
//!
//! One supervising loop (the caller's thread) does all store writes about leases: it
//! heartbeats every lease/3, polls cancel flags every `poll_interval`, enforces
//! per-task timeouts, writes throttled progress, and finishes a task only after its
//! runner thread has been joined — so a slot is never freed while training still runs.
//! It does not decide what a task means; that is the runner's business.
//!
//! When the store is unreachable (a shared database down or cut off), running tasks go
//! on; heartbeats and claims fail and are retried at each tick. A task whose final state
//! could not be written keeps its slot and the write is retried with backoff until the
//! store answers: the write succeeds if the lease is still this worker's, and is refused
//! (nothing is written) if another worker took the task over meanwhile, so a result is
//! never recorded twice. A store that pushes wake-ups (PostgreSQL) makes an idle worker
//! claim new work at once rather than at its next poll.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::artifacts::remove_unregistered_model;
use crate::error::{QueueError, Result};
use crate::ids::{TaskId, WorkerId};
use crate::model::ModelRecord;
use crate::runner::{ProgressUpdate, RunOutcome, TaskContext, TaskRunner};
use crate::shutdown::Shutdown;
use crate::state::TaskState;
use crate::store::Store;
use crate::task::{
    ClaimedTask, LogLevel, TaskFilter, WorkerInfo, DEFAULT_MAX_CONCURRENT, MAX_LIST_LIMIT,
};

/// How a worker runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerConfig {
    /// Runner threads of this worker.
    pub max_concurrent: u32,
    /// Running tasks allowed across every worker sharing the store.
    pub global_max_concurrent: u32,
    /// How long a claim or heartbeat keeps a task; renewed every third of it.
    pub lease_duration: Duration,
    /// How often the loop looks for work, cancel requests and timeouts.
    pub poll_interval: Duration,
    /// Least time between two progress writes of one task.
    pub progress_interval: Duration,
    /// Shown in the workers table.
    pub hostname: String,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            max_concurrent: DEFAULT_MAX_CONCURRENT,
            global_max_concurrent: DEFAULT_MAX_CONCURRENT,
            lease_duration: Duration::from_secs(30),
            poll_interval: Duration::from_millis(200),
            progress_interval: Duration::from_secs(1),
            hostname: String::from("localhost"),
        }
    }
}

impl WorkerConfig {
    fn validate(&self) -> Result<()> {
        if self.max_concurrent == 0 || self.global_max_concurrent == 0 {
            return Err(QueueError::InvalidArgument(
                "max_concurrent must be at least 1".into(),
            ));
        }
        if self.lease_duration < Duration::from_millis(30) {
            return Err(QueueError::InvalidArgument(
                "the lease must last at least 30 ms".into(),
            ));
        }
        // Cancel must reach a running task within a second.
        if self.poll_interval.is_zero() || self.poll_interval > Duration::from_millis(500) {
            return Err(QueueError::InvalidArgument(
                "the poll interval must be between 1 ms and 500 ms".into(),
            ));
        }
        Ok(())
    }
}

/// How many tasks a worker run finished, by how they ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerReport {
    pub completed: u64,
    pub failed: u64,
    pub cancelled: u64,
    /// Given back to the queue at shutdown.
    pub released: u64,
    /// Lost to another worker after this one failed to renew the lease in time.
    pub lost: u64,
}

/// Why the worker raised a task's stop flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StopReason {
    Cancelled,
    TimedOut,
    Shutdown,
    LeaseLost,
}

/// What reaches the supervising loop while it waits.
enum WorkerEvent {
    /// A runner returned.
    Finished(TaskId, RunOutcome),
    /// The store hinted that work may be claimable or a task cancelled.
    WakeUp,
}

/// The final state a task is to be given, computed once so that a write that failed on
/// an unreachable store is retried unchanged.
#[derive(Debug, Clone)]
enum FinalWrite {
    Complete(serde_json::Value, Vec<ModelRecord>),
    Cancel,
    Fail(String),
    Release,
}

impl FinalWrite {
    /// Removes the directories of models that will never be registered.
    fn discard_models(&self) {
        if let FinalWrite::Complete(_, models) = self {
            models.iter().for_each(remove_unregistered_model);
        }
    }
}

/// A final write that failed on an unreachable store and waits to be retried.
struct PendingWrite {
    id: TaskId,
    write: FinalWrite,
    failures: u32,
    next_attempt: Instant,
    /// At shutdown, retries stop after this instant (the lease runs out anyway).
    give_up_at: Option<Instant>,
}

/// Longest wait between two retries of a final write.
const MAX_WRITE_RETRY_DELAY: Duration = Duration::from_secs(5);

/// A task whose runner thread has not been joined yet.
struct ActiveTask {
    claimed: ClaimedTask,
    stop: Arc<AtomicBool>,
    stop_reason: Option<StopReason>,
    pending_progress: Arc<Mutex<Option<ProgressUpdate>>>,
    last_progress_write: Option<Instant>,
    next_heartbeat: Instant,
    deadline: Option<Instant>,
    /// Taken when the thread is joined.
    thread: Option<JoinHandle<()>>,
}

impl Drop for ActiveTask {
    /// Only reached with a thread still unjoined when the supervising loop unwinds from
    /// a panic: the runner is told to stop and waited for, so that no training outlives
    /// the loop that was accounting for it.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The text of a panic's payload.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Longest pause before a supervising loop that panicked is started again.
const MAX_RESTART_DELAY: Duration = Duration::from_secs(5);

impl ActiveTask {
    fn request_stop(&mut self, reason: StopReason) {
        // The first reason wins (a task cancelled and then shut down is still
        // cancelled), except a lost lease: then nothing may be written at all.
        if self.stop_reason.is_none() || reason == StopReason::LeaseLost {
            self.stop_reason = Some(reason);
        }
        self.stop.store(true, Ordering::Release);
    }
}

/// A worker: claims and runs tasks until its [`Shutdown`] is triggered.
pub struct Worker {
    id: WorkerId,
    store: Arc<dyn Store>,
    runner: Arc<dyn TaskRunner>,
    config: WorkerConfig,
}

impl Worker {
    pub fn new(
        store: Arc<dyn Store>,
        runner: Arc<dyn TaskRunner>,
        config: WorkerConfig,
    ) -> Result<Self> {
        config.validate()?;
        Ok(Worker {
            id: WorkerId::generate(),
            store,
            runner,
            config,
        })
    }

    pub fn id(&self) -> &WorkerId {
        &self.id
    }

    /// Runs until `shutdown` is triggered, then stops its runners, gives their tasks
    /// back under the lease-expiry rules and returns once every runner has returned.
    /// Transient store errors (a locked database) are logged and retried.
    ///
    /// A panic of the supervising loop (a bug, never an input: inputs are checked where
    /// they enter) does not end the worker: its runners are stopped and joined, the
    /// tasks it held fail with the panic's message, and the loop starts again.
    pub fn run(&self, shutdown: &Shutdown) -> Result<WorkerReport> {
        let mut restarts: u32 = 0;
        loop {
            match catch_unwind(AssertUnwindSafe(|| self.supervise(shutdown))) {
                Ok(result) => return result,
                Err(panic) => {
                    let detail = panic_text(&*panic);
                    tracing::error!(worker_id = %self.id, detail,
                        "the worker's supervising loop panicked; restarting it");
                    self.fail_held_tasks(&format!("the worker running it crashed: {detail}"));
                    if shutdown.is_triggered() {
                        let _ = self.store.unregister_worker(&self.id);
                        return Ok(WorkerReport::default());
                    }
                    restarts = restarts.saturating_add(1);
                    let delay =
                        (Duration::from_millis(100) * restarts.min(50)).min(MAX_RESTART_DELAY);
                    std::thread::sleep(delay);
                }
            }
        }
    }

    /// Fails every task this worker still holds in the store (their runners have been
    /// stopped and joined by the time this runs).
    fn fail_held_tasks(&self, error: &str) {
        let filter = TaskFilter {
            state: Some(TaskState::Running),
            limit: Some(MAX_LIST_LIMIT),
            ..TaskFilter::default()
        };
        let held = match self.store.list_tasks(&filter) {
            Ok(page) => page.tasks,
            Err(error) => {
                tracing::error!(%error, "could not list the tasks of a crashed worker; \
                    their leases will expire");
                return;
            }
        };
        for task in held
            .iter()
            .filter(|task| task.lease_owner.as_ref() == Some(&self.id))
        {
            if let Err(write_error) = self.store.fail_task(&task.id, &self.id, error) {
                tracing::error!(task_id = %task.id, %write_error,
                    "could not fail a task of a crashed worker; its lease will expire");
            }
        }
    }

    /// The supervising loop of [`Worker::run`].
    fn supervise(&self, shutdown: &Shutdown) -> Result<WorkerReport> {
        self.store.register_worker(&WorkerInfo {
            id: self.id.clone(),
            hostname: self.config.hostname.clone(),
            pid: std::process::id(),
            max_concurrent: self.config.max_concurrent,
            heartbeat_at: 0,
        })?;
        // Tasks of a worker that died are recovered before this one takes new work.
        if let Err(error) = self.store.recover_expired_leases() {
            let _ = self.store.unregister_worker(&self.id);
            return Err(error);
        }
        tracing::info!(worker_id = %self.id, "worker started");

        let (event_sender, event_receiver) = mpsc::channel();
        let wake_sender = Mutex::new(event_sender.clone());
        let subscription = self
            .store
            .subscribe_wake_ups(Arc::new(move || {
                let sender = wake_sender
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                let _ = sender.send(WorkerEvent::WakeUp);
            }))
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "no wake-ups from the store; polling only");
                None
            });
        let mut active: HashMap<TaskId, ActiveTask> = HashMap::new();
        let mut pending: Vec<PendingWrite> = Vec::new();
        let mut report = WorkerReport::default();
        let mut next_worker_heartbeat = Instant::now();
        let mut draining = false;
        loop {
            if shutdown.is_triggered() && !draining {
                draining = true;
                tracing::info!(worker_id = %self.id, running = active.len(), "worker stopping");
                for task in active.values_mut() {
                    task.request_stop(StopReason::Shutdown);
                }
            }
            if draining && active.is_empty() && pending.is_empty() {
                break;
            }
            if Instant::now() >= next_worker_heartbeat {
                if let Err(error) = self.store.worker_heartbeat(&self.id) {
                    tracing::warn!(%error, "worker heartbeat failed");
                }
                next_worker_heartbeat = Instant::now() + self.config.lease_duration / 3;
            }
            for task in active.values_mut() {
                self.watch(task);
            }
            self.retry_pending_writes(&mut pending, draining, &mut report);
            if !draining {
                self.claim_while_slots_free(&mut active, pending.len(), &event_sender);
            }
            self.wait_for_events(&event_receiver, &mut active, &mut pending, &mut report);
        }
        drop(subscription);
        if let Err(error) = self.store.unregister_worker(&self.id) {
            tracing::warn!(%error, "could not unregister the worker");
        }
        tracing::info!(worker_id = %self.id, ?report, "worker stopped");
        Ok(report)
    }

    /// Heartbeat, cancel, timeout and progress for one running task.
    fn watch(&self, task: &mut ActiveTask) {
        let now = Instant::now();
        let id = task.claimed.id.clone();
        if task.stop_reason == Some(StopReason::LeaseLost) {
            return;
        }
        if now >= task.next_heartbeat {
            match self
                .store
                .renew_lease(&id, &self.id, self.config.lease_duration)
            {
                Ok(renewal) => {
                    task.next_heartbeat = now + self.config.lease_duration / 3;
                    if renewal.cancel_requested {
                        task.request_stop(StopReason::Cancelled);
                    }
                }
                Err(
                    error @ (QueueError::LeaseLost { .. }
                    | QueueError::AlreadyFinished { .. }
                    | QueueError::TaskNotFound { .. }),
                ) => {
                    tracing::error!(task_id = %id, %error, "lost the lease; stopping the task");
                    task.request_stop(StopReason::LeaseLost);
                    return;
                }
                // A busy or failing store is retried at the next tick; the lease has
                // two more thirds to go.
                Err(error) => tracing::warn!(task_id = %id, %error, "lease renewal failed"),
            }
        } else if task.stop_reason.is_none() {
            match self.store.is_cancel_requested(&id) {
                Ok(true) => task.request_stop(StopReason::Cancelled),
                Ok(false) => {}
                Err(error) => tracing::warn!(task_id = %id, %error, "cancel check failed"),
            }
        }
        if task.deadline.is_some_and(|deadline| now >= deadline) {
            task.request_stop(StopReason::TimedOut);
        }
        let progress_due = task
            .last_progress_write
            .is_none_or(|last| now.duration_since(last) >= self.config.progress_interval);
        if progress_due {
            self.flush_progress(task);
        }
    }

    fn flush_progress(&self, task: &mut ActiveTask) {
        let update = task
            .pending_progress
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(update) = update {
            task.last_progress_write = Some(Instant::now());
            if let Err(error) = self.store.report_progress(
                &task.claimed.id,
                &self.id,
                update.percent,
                update.message.as_deref(),
            ) {
                tracing::warn!(task_id = %task.claimed.id, %error, "could not write progress");
            }
        }
    }

    /// Claims while this worker has free slots. A task whose final write is pending
    /// still holds its slot: in the store it is running.
    fn claim_while_slots_free(
        &self,
        active: &mut HashMap<TaskId, ActiveTask>,
        pending_writes: usize,
        event_sender: &Sender<WorkerEvent>,
    ) {
        while active.len() + pending_writes < self.config.max_concurrent as usize {
            let claimed = match self.store.claim_next_task(
                &self.id,
                self.config.lease_duration,
                self.config.global_max_concurrent,
            ) {
                Ok(Some(claimed)) => claimed,
                Ok(None) => return,
                Err(error) => {
                    tracing::warn!(%error, "claiming a task failed; retrying later");
                    return;
                }
            };
            tracing::info!(task_id = %claimed.id, kind = %claimed.kind,
                attempt = claimed.attempt, "task claimed");
            let task = self.start_runner(claimed, event_sender.clone());
            active.insert(task.claimed.id.clone(), task);
        }
    }

    fn start_runner(&self, claimed: ClaimedTask, event_sender: Sender<WorkerEvent>) -> ActiveTask {
        let stop = Arc::new(AtomicBool::new(false));
        let pending_progress = Arc::new(Mutex::new(None));
        let context = TaskContext::new(
            claimed.id.clone(),
            Arc::clone(&stop),
            Arc::clone(&pending_progress),
            Arc::clone(&self.store),
        );
        let runner = Arc::clone(&self.runner);
        let thread_task = claimed.clone();
        let thread = std::thread::spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(|| runner.run(&thread_task, &context)))
                .unwrap_or_else(|panic| {
                    RunOutcome::Failed(format!("the task runner panicked: {}", panic_text(&*panic)))
                });
            // The supervisor may have returned with an error; nothing to tell then.
            let _ = event_sender.send(WorkerEvent::Finished(thread_task.id.clone(), outcome));
        });
        let now = Instant::now();
        ActiveTask {
            // A timeout too far away to be an instant is no deadline at all.
            deadline: claimed.timeout.and_then(|timeout| now.checked_add(timeout)),
            claimed,
            stop,
            stop_reason: None,
            pending_progress,
            last_progress_write: None,
            next_heartbeat: now + self.config.lease_duration / 3,
            thread: Some(thread),
        }
    }

    /// Waits up to one poll interval for runners to return (finishing their tasks) or
    /// for a wake-up from the store.
    fn wait_for_events(
        &self,
        event_receiver: &Receiver<WorkerEvent>,
        active: &mut HashMap<TaskId, ActiveTask>,
        pending: &mut Vec<PendingWrite>,
        report: &mut WorkerReport,
    ) {
        let mut wait = self.config.poll_interval;
        loop {
            match event_receiver.recv_timeout(wait) {
                Ok(WorkerEvent::Finished(id, outcome)) => {
                    if let Some(task) = active.remove(&id) {
                        if let Some(write) = self.finish(task, outcome, report) {
                            pending.push(write);
                        }
                    }
                    // Collect the others that are already done, without waiting again.
                    wait = Duration::ZERO;
                }
                // Back to the loop to claim; events already queued are read first.
                Ok(WorkerEvent::WakeUp) => wait = Duration::ZERO,
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// Joins the runner thread, then writes the task's final state. Returns the write
    /// when the store could not be reached, to be retried.
    fn finish(
        &self,
        mut task: ActiveTask,
        outcome: RunOutcome,
        report: &mut WorkerReport,
    ) -> Option<PendingWrite> {
        let id = task.claimed.id.clone();
        // The thread sent its outcome as its last act; joining makes sure it is gone
        // before the slot is given back in the store.
        if task
            .thread
            .take()
            .is_some_and(|thread| thread.join().is_err())
        {
            tracing::error!(task_id = %id, "runner thread ended abnormally");
        }
        if task.stop_reason == Some(StopReason::LeaseLost) {
            report.lost += 1;
            if let RunOutcome::Completed { models, .. } = &outcome {
                models.iter().for_each(remove_unregistered_model);
            }
            return None;
        }
        self.flush_progress(&mut task);
        let write = match (outcome, task.stop_reason) {
            (RunOutcome::Completed { result, models }, _) => FinalWrite::Complete(result, models),
            (_, Some(StopReason::Cancelled)) => FinalWrite::Cancel,
            (_, Some(StopReason::TimedOut)) => {
                let limit = task.claimed.timeout.unwrap_or_default().as_secs_f64();
                let error = format!("timed out: the task ran longer than its {limit} s limit");
                self.store.append_log(&id, LogLevel::Error, &error).ok();
                FinalWrite::Fail(error)
            }
            (RunOutcome::Failed(error), _) => FinalWrite::Fail(error),
            (RunOutcome::Stopped, Some(StopReason::Shutdown)) => FinalWrite::Release,
            (RunOutcome::Stopped, _) => {
                FinalWrite::Fail("the task runner stopped without being asked to".to_string())
            }
        };
        let mut pending = PendingWrite {
            id,
            write,
            failures: 0,
            next_attempt: Instant::now(),
            give_up_at: None,
        };
        if self.attempt_write(&mut pending, report) {
            None
        } else {
            Some(pending)
        }
    }

    /// Tries a final write once. True when it is settled (written, or refused because
    /// the task is no longer this worker's); false when the store could not be reached
    /// and the write must be retried.
    fn attempt_write(&self, pending: &mut PendingWrite, report: &mut WorkerReport) -> bool {
        let id = &pending.id;
        let written = match &pending.write {
            FinalWrite::Complete(result, models) => self
                .store
                .complete_task_with_models(id, &self.id, result, models)
                .map(|()| TaskState::Completed),
            FinalWrite::Cancel => self
                .store
                .mark_cancelled(id, &self.id)
                .map(|()| TaskState::Cancelled),
            FinalWrite::Fail(error) => self
                .store
                .fail_task(id, &self.id, error)
                .map(|()| TaskState::Failed),
            FinalWrite::Release => self.store.release_task(id, &self.id),
        };
        let state = match written {
            Ok(state) => state,
            Err(error @ (QueueError::Unavailable { .. } | QueueError::Busy)) => {
                pending.failures += 1;
                let delay = (Duration::from_millis(100) * (1 << pending.failures.min(6)))
                    .min(MAX_WRITE_RETRY_DELAY);
                pending.next_attempt = Instant::now() + delay;
                tracing::warn!(task_id = %id, %error, retry_in_ms = delay.as_millis() as u64,
                    "could not record how the task ended; will retry");
                return false;
            }
            Err(error) => {
                report.lost += 1;
                tracing::error!(task_id = %id, %error, "could not record how the task ended");
                pending.write.discard_models();
                return true;
            }
        };
        tracing::info!(task_id = %id, %state, "task finished");
        match state {
            TaskState::Completed => report.completed += 1,
            TaskState::Failed => report.failed += 1,
            TaskState::Cancelled => report.cancelled += 1,
            TaskState::Queued | TaskState::Running => report.released += 1,
        }
        true
    }

    /// Retries the final writes that are due. At shutdown they are given up after one
    /// lease duration: by then the lease has expired and the store's recovery applies.
    fn retry_pending_writes(
        &self,
        pending: &mut Vec<PendingWrite>,
        draining: bool,
        report: &mut WorkerReport,
    ) {
        let now = Instant::now();
        pending.retain_mut(|write| {
            if draining && write.give_up_at.is_none() {
                write.give_up_at = Some(now + self.config.lease_duration);
            }
            if write.give_up_at.is_some_and(|limit| now >= limit) {
                tracing::error!(task_id = %write.id,
                    "gave up recording how the task ended; its lease will expire");
                report.lost += 1;
                write.write.discard_models();
                return false;
            }
            if now < write.next_attempt {
                return true;
            }
            !self.attempt_write(write, report)
        });
    }
}
