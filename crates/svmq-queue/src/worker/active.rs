//! The worker's bookkeeping of one running task: starting its runner thread, and at each
//! tick renewing its lease, looking for a cancel request or a passed deadline, and
//! writing throttled progress. A stop is asked of the runner through its flag and
//! remembered with its reason; the thread is joined by the supervising loop.
//!
//! What it does not do: write how a task ended; that is [`super::final_write`].

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use super::config::WorkerConfig;
use crate::error::QueueError;
use crate::ids::{TaskId, WorkerId};
use crate::runner::{ProgressUpdate, RunOutcome, TaskContext, TaskRunner};
use crate::store::Store;
use crate::task::ClaimedTask;

/// Why the worker raised a task's stop flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StopReason {
    Cancelled,
    TimedOut,
    Shutdown,
    LeaseLost,
}

/// What reaches the supervising loop while it waits.
pub(super) enum WorkerEvent {
    /// A runner returned.
    Finished(TaskId, RunOutcome),
    /// The store hinted that work may be claimable or a task cancelled.
    WakeUp,
}

/// A task whose runner thread has not been joined yet.
pub(super) struct ActiveTask {
    pub(super) claimed: ClaimedTask,
    stop: Arc<AtomicBool>,
    pub(super) stop_reason: Option<StopReason>,
    pending_progress: Arc<Mutex<Option<ProgressUpdate>>>,
    last_progress_write: Option<Instant>,
    next_heartbeat: Instant,
    deadline: Option<Instant>,
    /// Taken when the thread is joined.
    pub(super) thread: Option<JoinHandle<()>>,
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
pub(super) fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

impl ActiveTask {
    pub(super) fn request_stop(&mut self, reason: StopReason) {
        // The first reason wins (a task cancelled and then shut down is still
        // cancelled), except a lost lease: then nothing may be written at all.
        if self.stop_reason.is_none() || reason == StopReason::LeaseLost {
            self.stop_reason = Some(reason);
        }
        self.stop.store(true, Ordering::Release);
    }

    /// Starts the runner of a claimed task on its own thread; the thread sends
    /// [`WorkerEvent::Finished`] as its last act.
    pub(super) fn start(
        claimed: ClaimedTask,
        runner: &Arc<dyn TaskRunner>,
        store: &Arc<dyn Store>,
        config: &WorkerConfig,
        event_sender: Sender<WorkerEvent>,
    ) -> ActiveTask {
        let stop = Arc::new(AtomicBool::new(false));
        let pending_progress = Arc::new(Mutex::new(None));
        let context = TaskContext::new(
            claimed.id.clone(),
            Arc::clone(&stop),
            Arc::clone(&pending_progress),
            Arc::clone(store),
        );
        let runner = Arc::clone(runner);
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
            next_heartbeat: now + config.lease_duration / 3,
            thread: Some(thread),
        }
    }

    /// Heartbeat, cancel, timeout and progress for one running task.
    pub(super) fn watch(&mut self, store: &dyn Store, worker_id: &WorkerId, config: &WorkerConfig) {
        let now = Instant::now();
        let id = self.claimed.id.clone();
        if self.stop_reason == Some(StopReason::LeaseLost) {
            return;
        }
        if now >= self.next_heartbeat {
            match store.renew_lease(&id, worker_id, config.lease_duration) {
                Ok(renewal) => {
                    self.next_heartbeat = now + config.lease_duration / 3;
                    if renewal.cancel_requested {
                        self.request_stop(StopReason::Cancelled);
                    }
                }
                Err(
                    error @ (QueueError::LeaseLost { .. }
                    | QueueError::AlreadyFinished { .. }
                    | QueueError::TaskNotFound { .. }),
                ) => {
                    tracing::error!(task_id = %id, %error, "lost the lease; stopping the task");
                    self.request_stop(StopReason::LeaseLost);
                    return;
                }
                // A busy or failing store is retried at the next tick; the lease has
                // two more thirds to go.
                Err(error) => tracing::warn!(task_id = %id, %error, "lease renewal failed"),
            }
        } else if self.stop_reason.is_none() {
            match store.is_cancel_requested(&id) {
                Ok(true) => self.request_stop(StopReason::Cancelled),
                Ok(false) => {}
                Err(error) => tracing::warn!(task_id = %id, %error, "cancel check failed"),
            }
        }
        if self.deadline.is_some_and(|deadline| now >= deadline) {
            self.request_stop(StopReason::TimedOut);
        }
        let progress_due = self
            .last_progress_write
            .is_none_or(|last| now.duration_since(last) >= config.progress_interval);
        if progress_due {
            self.flush_progress(store, worker_id);
        }
    }

    pub(super) fn flush_progress(&mut self, store: &dyn Store, worker_id: &WorkerId) {
        let update = self
            .pending_progress
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(update) = update {
            self.last_progress_write = Some(Instant::now());
            if let Err(error) = store.report_progress(
                &self.claimed.id,
                worker_id,
                update.percent,
                update.message.as_deref(),
            ) {
                tracing::warn!(task_id = %self.claimed.id, %error, "could not write progress");
            }
        }
    }
}
