//! The `Store` trait: every durable operation of the queue, one transaction each.
//!
//! Callers (the worker, the service layer, the CLI) hold an `Arc<dyn Store>` and never
//! see SQL, so a PostgreSQL store can be added beside [`crate::SqliteStore`] without
//! changing them. Each method is atomic; the state-changing ones that belong to a worker
//! check the lease owner inside the same statement, so a worker that lost its lease can
//! never overwrite a task that has moved on.

use std::time::Duration;

use serde_json::Value;

use crate::error::Result;
use crate::ids::{ModelId, TaskId, WorkerId};
use crate::model::ModelRecord;
use crate::task::{
    CancelOutcome, ClaimedTask, LeaseRenewal, LogLevel, LogLine, NewTask, PruneReport, QueueCounts,
    QueueEstimate, Recovery, Submission, SubmitLimits, TaskFilter, TaskPage, TaskRecord,
    WorkerInfo,
};
use crate::wakeup::{WakeUp, WakeUpSubscription};

/// A durable task store shared by every process that submits, runs or watches tasks.
pub trait Store: Send + Sync {
    // ----- submitting and reading -----

    /// Adds a task in state `queued`, or returns the task already submitted with the same
    /// (user, idempotency key). Limits are checked in the same transaction, so concurrent
    /// submitters cannot overshoot them.
    fn submit(&self, task: &NewTask, limits: &SubmitLimits) -> Result<Submission>;

    /// One task, or [`crate::QueueError::TaskNotFound`].
    fn get_task(&self, id: &TaskId) -> Result<TaskRecord>;

    /// Tasks newest first, filtered and paged.
    fn list_tasks(&self, filter: &TaskFilter) -> Result<TaskPage>;

    /// Number of tasks in each state.
    fn queue_counts(&self) -> Result<QueueCounts>;

    /// Position and start ETA of a queued task; `None` when it is not queued.
    /// `max_concurrent` is the number of run slots the ETA assumes.
    fn queue_estimate(&self, id: &TaskId, max_concurrent: u32) -> Result<Option<QueueEstimate>>;

    // ----- cancelling -----

    /// Cancels a queued task at once, or asks the worker of a running task to stop it.
    /// A finished task gives [`crate::QueueError::AlreadyFinished`].
    fn cancel_task(&self, id: &TaskId) -> Result<CancelOutcome>;

    /// Whether a cancel was requested for this task (cheap; polled by workers).
    fn is_cancel_requested(&self, id: &TaskId) -> Result<bool>;

    // ----- claiming and leases (workers) -----

    /// In one transaction: recovers expired leases, counts running tasks across every
    /// process, and when fewer than `max_concurrent` run, claims the next queued task
    /// (highest priority, then oldest) for `worker_id` with a lease of `lease_duration`.
    /// The claim increments the task's attempts.
    fn claim_next_task(
        &self,
        worker_id: &WorkerId,
        lease_duration: Duration,
        max_concurrent: u32,
    ) -> Result<Option<ClaimedTask>>;

    /// Running tasks whose lease has expired go back to the queue, or fail as
    /// interrupted once they have used `max_attempts`, or are cancelled when a cancel
    /// was requested.
    fn recover_expired_leases(&self) -> Result<Recovery>;

    /// Extends the lease of a task this worker runs; tells whether a cancel was asked.
    /// [`crate::QueueError::LeaseLost`] when the task is no longer this worker's.
    fn renew_lease(
        &self,
        id: &TaskId,
        worker_id: &WorkerId,
        lease_duration: Duration,
    ) -> Result<LeaseRenewal>;

    /// Persists progress (0–100) and its message. Only the lease owner may.
    fn report_progress(
        &self,
        id: &TaskId,
        worker_id: &WorkerId,
        percent: f64,
        message: Option<&str>,
    ) -> Result<()>;

    /// Running → completed with its result. Only the lease owner may.
    fn complete_task(&self, id: &TaskId, worker_id: &WorkerId, result: &Value) -> Result<()> {
        self.complete_task_with_models(id, worker_id, result, &[])
    }

    /// Running → completed with its result, registering the models the run published,
    /// in one transaction: a model is in the registry if and only if its task completed.
    /// Only the lease owner may; when refused, nothing is registered.
    fn complete_task_with_models(
        &self,
        id: &TaskId,
        worker_id: &WorkerId,
        result: &Value,
        models: &[ModelRecord],
    ) -> Result<()>;

    /// Running → failed with its error. Only the lease owner may.
    fn fail_task(&self, id: &TaskId, worker_id: &WorkerId, error: &str) -> Result<()>;

    /// Running → cancelled, once the runner has really stopped. Only the lease owner may.
    fn mark_cancelled(&self, id: &TaskId, worker_id: &WorkerId) -> Result<()>;

    /// Gives a running task back (worker shutdown) under the lease-expiry rules: back to
    /// the queue, or failed as interrupted when its attempts are used up, or cancelled
    /// when a cancel was requested. Returns the state it ended in.
    fn release_task(&self, id: &TaskId, worker_id: &WorkerId) -> Result<crate::TaskState>;

    // ----- logs -----

    /// Appends a line to a task's log.
    fn append_log(&self, id: &TaskId, level: LogLevel, message: &str) -> Result<()>;

    /// The task's log, oldest first; with `tail`, only the last `tail` lines.
    fn task_logs(&self, id: &TaskId, tail: Option<u32>) -> Result<Vec<LogLine>>;

    // ----- workers -----

    /// Records a worker (or refreshes it) with its heartbeat set to now.
    fn register_worker(&self, worker: &WorkerInfo) -> Result<()>;

    /// Refreshes a worker's heartbeat.
    fn worker_heartbeat(&self, worker_id: &WorkerId) -> Result<()>;

    /// Removes a worker that stopped cleanly.
    fn unregister_worker(&self, worker_id: &WorkerId) -> Result<()>;

    /// Workers whose heartbeat is more recent than `within`.
    fn live_workers(&self, within: Duration) -> Result<Vec<WorkerInfo>>;

    // ----- retention -----

    /// Deletes terminal tasks that finished more than `older_than` ago, with their logs.
    fn prune(&self, older_than: Duration) -> Result<PruneReport>;

    // ----- model registry -----

    /// Adds a model to the registry.
    fn register_model(&self, model: &ModelRecord) -> Result<()>;

    /// One model, or [`crate::QueueError::ModelNotFound`].
    fn get_model(&self, id: &ModelId) -> Result<ModelRecord>;

    /// A user's models, newest first.
    fn list_models(&self, user_id: &str) -> Result<Vec<ModelRecord>>;

    /// Removes a model from the registry (its files are the caller's to remove).
    fn delete_model(&self, id: &ModelId) -> Result<()>;

    // ----- wake-ups -----

    /// Calls `wake` whenever a task may have become claimable (submitted, a slot
    /// freed) or a running task was asked to stop, until the subscription is dropped.
    /// `None` when this store cannot push such hints; its users poll, as they must
    /// anyway, since a hint may be lost.
    fn subscribe_wake_ups(&self, wake: WakeUp) -> Result<Option<WakeUpSubscription>> {
        let _ = wake;
        Ok(None)
    }
}
