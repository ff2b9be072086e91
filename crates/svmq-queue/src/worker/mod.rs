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

mod active;
mod config;
mod final_write;

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use self::active::{panic_text, ActiveTask, StopReason, WorkerEvent};
pub use self::config::{WorkerConfig, WorkerReport};
use self::final_write::{retry_pending_writes, FinalWrite, PendingWrite};
use crate::artifacts::remove_unregistered_model;
use crate::error::Result;
use crate::ids::{TaskId, WorkerId};
use crate::runner::{RunOutcome, TaskRunner};
use crate::shutdown::Shutdown;
use crate::state::TaskState;
use crate::store::Store;
use crate::task::{LogLevel, TaskFilter, WorkerInfo, MAX_LIST_LIMIT};

/// Longest pause before a supervising loop that panicked is started again.
const MAX_RESTART_DELAY: Duration = Duration::from_secs(5);

/// A worker: claims and runs tasks until its [`Shutdown`] is triggered.
pub struct Worker {
    id: WorkerId,
    store: Arc<dyn Store>,
    runner: Arc<dyn TaskRunner>,
    config: WorkerConfig,
}

impl Worker {
    /// A worker with a new id; refuses a `config` out of range.
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

    /// This worker's id, as shown in the workers table.
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
        for task in held.iter().filter(|task| {
            task.phase
                .lease()
                .is_some_and(|lease| lease.owner == self.id)
        }) {
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
                task.watch(self.store.as_ref(), &self.id, &self.config);
            }
            retry_pending_writes(
                &mut pending,
                draining,
                self.store.as_ref(),
                &self.id,
                &self.config,
                &mut report,
            );
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
            let task = ActiveTask::start(
                claimed,
                &self.runner,
                &self.store,
                &self.config,
                event_sender.clone(),
            );
            active.insert(task.claimed.id.clone(), task);
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
        task.flush_progress(self.store.as_ref(), &self.id);
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
        if pending.attempt(self.store.as_ref(), &self.id, report) {
            None
        } else {
            Some(pending)
        }
    }
}
