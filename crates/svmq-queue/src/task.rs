//! The values that go in and out of a store: submissions, task records,
//! claims, counts, estimates and log lines.
//!
//! Plain data only; the rules that move a task from one state to another live in the
//! store implementations, inside their transactions.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{QueueError, Result};
use crate::ids::{TaskId, WorkerId};
use crate::phase::TaskPhase;
use crate::state::TaskState;

pub use crate::clock::{now_millis, UnixMillis};

/// Default number of times a task is started before an interruption fails it.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 2;

/// Default global limit on running tasks.
pub const DEFAULT_MAX_CONCURRENT: u32 = 3;

/// Longest wall-clock limit a task may be given: 30 days. Longer values are refused when
/// submitted and when read back from a store, so that no deadline computation overflows.
pub const MAX_TASK_TIMEOUT: Duration = Duration::from_secs(30 * 24 * 3600);

/// Largest `max_attempts` a task may be given.
pub const MAX_ATTEMPTS_LIMIT: u32 = 100;

/// Longest task kind, user id or idempotency key, in bytes.
pub const MAX_NAME_BYTES: usize = 256;

/// Largest task payload, in bytes of JSON.
pub const MAX_PAYLOAD_BYTES: usize = 1 << 20;

/// A task to submit. `kind` and `payload` are opaque to the queue: the task runner
/// reads them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewTask {
    /// What kind of work this is; the runner chooses what to do by it.
    pub kind: String,
    /// The work's parameters, as JSON the runner reads.
    pub payload: Value,
    /// The user the task belongs to, for per-user limits and listings.
    pub user_id: String,
    /// Higher runs first; equal priorities run in submission order.
    pub priority: i32,
    /// How many times the task may be started before an interruption fails it (≥ 1).
    pub max_attempts: u32,
    /// Wall-clock limit of one attempt, enforced by the worker.
    pub timeout: Option<Duration>,
    /// The same (user, key) pair always returns the same task.
    pub idempotency_key: Option<String>,
}

impl NewTask {
    /// A task with priority 0, [`DEFAULT_MAX_ATTEMPTS`], no timeout and no idempotency key.
    pub fn new(kind: impl Into<String>, payload: Value, user_id: impl Into<String>) -> Self {
        NewTask {
            kind: kind.into(),
            payload,
            user_id: user_id.into(),
            priority: 0,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            timeout: None,
            idempotency_key: None,
        }
    }

    /// Sets the priority: higher runs first.
    pub fn with_priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// Sets how many times the task may be started before it fails.
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Sets how long one attempt may run before it fails as timed out.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the idempotency key: a second submit with the same key returns the first task.
    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Checks the fields a store cannot check for itself.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.kind.trim().is_empty() {
            return Err(QueueError::InvalidArgument(
                "the task kind must not be empty".into(),
            ));
        }
        if self.user_id.trim().is_empty() {
            return Err(QueueError::InvalidArgument(
                "the user id must not be empty".into(),
            ));
        }
        if self.max_attempts == 0 || self.max_attempts > MAX_ATTEMPTS_LIMIT {
            return Err(QueueError::InvalidArgument(format!(
                "max_attempts must be between 1 and {MAX_ATTEMPTS_LIMIT}"
            )));
        }
        if self
            .timeout
            .is_some_and(|timeout| timeout.is_zero() || timeout > MAX_TASK_TIMEOUT)
        {
            return Err(QueueError::InvalidArgument(format!(
                "the timeout must be between 1 and {} seconds (30 days)",
                MAX_TASK_TIMEOUT.as_secs()
            )));
        }
        if self.idempotency_key.as_deref().is_some_and(str::is_empty) {
            return Err(QueueError::InvalidArgument(
                "an idempotency key must not be empty".into(),
            ));
        }
        for (name, value) in [
            ("task kind", Some(&self.kind)),
            ("user id", Some(&self.user_id)),
            ("idempotency key", self.idempotency_key.as_ref()),
        ] {
            if value.is_some_and(|value| value.len() > MAX_NAME_BYTES) {
                return Err(QueueError::InvalidArgument(format!(
                    "the {name} must be at most {MAX_NAME_BYTES} bytes long"
                )));
            }
        }
        let payload_bytes = serde_json::to_vec(&self.payload)?.len();
        if payload_bytes > MAX_PAYLOAD_BYTES {
            return Err(QueueError::InvalidArgument(format!(
                "the task payload is {payload_bytes} bytes of JSON; at most {MAX_PAYLOAD_BYTES} are accepted"
            )));
        }
        Ok(())
    }
}

/// Admission limits checked inside the submit transaction. `None` means no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubmitLimits {
    /// Most open (queued + running) tasks in the whole queue.
    pub max_open_tasks: Option<u64>,
    /// Most open tasks of one user.
    pub max_open_tasks_per_user: Option<u64>,
}

/// The answer to a submit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submission {
    /// The submitted task, or the existing one with the same idempotency key.
    pub task_id: TaskId,
    /// False when the idempotency key matched an existing task, which is returned instead.
    pub created: bool,
}

/// Everything the store knows about one task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRecord {
    /// The task's id.
    pub id: TaskId,
    /// Submission order; also the cursor for listing.
    pub sequence: i64,
    /// What kind of work it is.
    pub kind: String,
    /// Its parameters, as JSON.
    pub payload: Value,
    /// The user it belongs to.
    pub user_id: String,
    /// Higher runs first.
    pub priority: i32,
    /// Where it is in its lifecycle, with that state's data.
    pub phase: TaskPhase,
    /// Attempts started so far (incremented at each claim).
    pub attempts: u32,
    /// How many times it may be started.
    pub max_attempts: u32,
    /// When it was submitted.
    pub created_at: UnixMillis,
    /// Someone asked for it to be cancelled (kept once set, whatever state follows).
    pub cancel_requested: bool,
    /// The idempotency key it was submitted with.
    pub idempotency_key: Option<String>,
    /// How long one attempt may run.
    pub timeout: Option<Duration>,
}

impl TaskRecord {
    /// Where it is in its lifecycle.
    pub fn state(&self) -> TaskState {
        self.phase.state()
    }
}

/// Why an update restricted to the running task `id` owned by `worker_id` touched no
/// row, from what a lookup of the task then `found`: gone, already finished, or its
/// lease moved to another worker. Both stores answer with it.
pub(crate) fn refused_owned_update(
    id: &TaskId,
    worker_id: &WorkerId,
    found: Result<Option<TaskRecord>>,
) -> QueueError {
    match found {
        Ok(None) => QueueError::TaskNotFound { id: id.clone() },
        Ok(Some(task)) if task.state().is_terminal() => QueueError::AlreadyFinished {
            id: id.clone(),
            state: task.state(),
        },
        Ok(Some(_)) => QueueError::LeaseLost {
            id: id.clone(),
            worker_id: worker_id.to_string(),
        },
        Err(error) => error,
    }
}

/// A task handed to one worker under a lease.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimedTask {
    /// The task's id.
    pub id: TaskId,
    /// What kind of work it is.
    pub kind: String,
    /// Its parameters, as JSON.
    pub payload: Value,
    /// The user it belongs to.
    pub user_id: String,
    /// This attempt's number, starting at 1.
    pub attempt: u32,
    /// How many times it may be started.
    pub max_attempts: u32,
    /// How long this attempt may run.
    pub timeout: Option<Duration>,
    /// When this attempt started.
    pub started_at: UnixMillis,
    /// When the lease runs out unless renewed.
    pub lease_expires_at: UnixMillis,
}

/// What a lease renewal learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseRenewal {
    /// Someone asked for this task to be cancelled: stop it.
    pub cancel_requested: bool,
    /// When the renewed lease runs out.
    pub lease_expires_at: UnixMillis,
}

/// What a cancel did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelOutcome {
    /// The task was queued and is now cancelled.
    Cancelled,
    /// The task is running; its worker will stop it and mark it cancelled.
    StopRequested,
}

/// Which tasks to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    /// Only this user's tasks.
    pub user_id: Option<String>,
    /// Only tasks in this state.
    pub state: Option<TaskState>,
    /// At most this many (the store caps it at [`MAX_LIST_LIMIT`]).
    pub limit: Option<u32>,
    /// Only tasks older than this sequence number (the `next_cursor` of a previous page).
    pub before_sequence: Option<i64>,
}

/// Default page size of [`TaskFilter`].
pub const DEFAULT_LIST_LIMIT: u32 = 50;
/// Largest page of [`TaskFilter`].
pub const MAX_LIST_LIMIT: u32 = 1000;

/// One page of tasks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskPage {
    /// The tasks of this page.
    pub tasks: Vec<TaskRecord>,
    /// Pass as `before_sequence` to get the next page; `None` on the last page.
    pub next_cursor: Option<i64>,
}

/// Number of tasks in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    /// Tasks waiting to be claimed.
    pub queued: u64,
    /// Tasks running.
    pub running: u64,
    /// Tasks completed.
    pub completed: u64,
    /// Tasks failed.
    pub failed: u64,
    /// Tasks cancelled.
    pub cancelled: u64,
}

impl QueueCounts {
    /// Tasks in every state.
    pub fn total(&self) -> u64 {
        self.queued + self.running + self.completed + self.failed + self.cancelled
    }

    /// Tasks queued or running.
    pub fn open(&self) -> u64 {
        self.queued + self.running
    }

    /// Tasks in one state.
    pub fn of(&self, state: TaskState) -> u64 {
        match state {
            TaskState::Queued => self.queued,
            TaskState::Running => self.running,
            TaskState::Completed => self.completed,
            TaskState::Failed => self.failed,
            TaskState::Cancelled => self.cancelled,
        }
    }
}

/// Where a queued task stands and when it should start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QueueEstimate {
    /// 1 for the task that will be claimed next.
    pub position: u64,
    /// Seconds until it starts; `None` until a task of the same kind has completed.
    pub eta_seconds: Option<f64>,
}

/// How many recent completed tasks of the same kind the ETA averages over.
pub const ETA_SAMPLE_SIZE: u32 = 20;

/// Seconds until the task at `position` starts, given the mean duration of a task, the
/// number of tasks running now and the number of run slots.
///
/// With `ahead = position − 1` queued tasks in front, the task starts once
/// `ahead + running − slots + 1` tasks have finished; slots finish about `slots` tasks
/// per mean duration, so the wait is `mean × ⌈(ahead + running − slots + 1) / slots⌉`,
/// and zero when that count is not positive (a slot is free now).
pub fn estimate_start_seconds(
    position: u64,
    running: u64,
    slots: u32,
    mean_duration_seconds: f64,
) -> f64 {
    let slots = u64::from(slots.max(1));
    let ahead = position.saturating_sub(1);
    let must_finish = (ahead + running + 1).saturating_sub(slots);
    let waves = must_finish.div_ceil(slots);
    mean_duration_seconds * waves as f64
}

/// What lease recovery did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Recovery {
    /// Tasks put back in the queue for another attempt.
    pub requeued: Vec<TaskId>,
    /// Tasks failed because they had used all their attempts.
    pub failed: Vec<TaskId>,
    /// Tasks whose cancel had been requested: cancelled.
    pub cancelled: Vec<TaskId>,
}

impl Recovery {
    /// True when recovery found nothing to do.
    pub fn is_empty(&self) -> bool {
        self.requeued.is_empty() && self.failed.is_empty() && self.cancelled.is_empty()
    }
}

/// The error written on a task whose worker stopped (lease expired or released at
/// shutdown) after its last allowed attempt.
pub fn interrupted_error(attempts: u32, max_attempts: u32) -> String {
    format!("interrupted: the worker running it stopped (attempt {attempts} of {max_attempts})")
}

/// Where a running task whose worker stopped (lease expired, or released at shutdown)
/// goes next: cancelled when a cancel was asked, failed once its attempts are used up,
/// else back to the queue.
pub(crate) fn state_after_interruption(
    cancel_requested: bool,
    attempts: u32,
    max_attempts: u32,
) -> TaskState {
    if cancel_requested {
        TaskState::Cancelled
    } else if attempts >= max_attempts {
        TaskState::Failed
    } else {
        TaskState::Queued
    }
}

/// What pruning removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    /// Finished tasks removed.
    pub tasks: u64,
    /// Log lines removed with them.
    pub log_lines: u64,
}

/// Severity of a task log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    /// Normal progress.
    Info,
    /// Something worth a look that did not stop the task.
    Warning,
    /// What made the task fail.
    Error,
}

impl LogLevel {
    /// The name stored and shown: `info`, `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Info => "info",
            LogLevel::Warning => "warning",
            LogLevel::Error => "error",
        }
    }

    /// Parses a name written by [`LogLevel::as_str`].
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "info" => Ok(LogLevel::Info),
            "warning" => Ok(LogLevel::Warning),
            "error" => Ok(LogLevel::Error),
            other => Err(QueueError::InvalidArgument(format!(
                "unknown log level {other:?}"
            ))),
        }
    }
}

/// One line of a task's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// Position in the task's log, from 1.
    pub sequence: i64,
    /// When it was written.
    pub at: UnixMillis,
    /// How serious it is.
    pub level: LogLevel,
    /// The text.
    pub message: String,
}

/// A worker process as registered in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkerInfo {
    /// The worker's id, new for each run.
    pub id: WorkerId,
    /// The machine it runs on.
    pub hostname: String,
    /// Its process id.
    pub pid: u32,
    /// How many tasks it runs at once.
    pub max_concurrent: u32,
    /// Its last heartbeat.
    pub heartbeat_at: UnixMillis,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_names_round_trip() {
        for state in TaskState::ALL {
            assert_eq!(TaskState::parse(state.as_str()).unwrap(), state);
        }
        assert!(TaskState::parse("done").is_err());
    }

    #[test]
    fn only_finished_states_are_terminal() {
        let terminal: Vec<_> = TaskState::ALL
            .into_iter()
            .filter(|state| state.is_terminal())
            .collect();
        assert_eq!(
            terminal,
            [
                TaskState::Completed,
                TaskState::Failed,
                TaskState::Cancelled
            ]
        );
    }

    #[test]
    fn interruption_prefers_cancel_then_attempts() {
        assert_eq!(state_after_interruption(true, 1, 2), TaskState::Cancelled);
        assert_eq!(state_after_interruption(false, 1, 2), TaskState::Queued);
        assert_eq!(state_after_interruption(false, 2, 2), TaskState::Failed);
        assert_eq!(state_after_interruption(false, 3, 2), TaskState::Failed);
    }

    #[test]
    fn start_estimate_counts_waves_of_slots() {
        // A free slot: starts now.
        assert_eq!(estimate_start_seconds(1, 0, 3, 10.0), 0.0);
        assert_eq!(estimate_start_seconds(1, 2, 3, 10.0), 0.0);
        // All three slots busy: one task must finish first.
        assert_eq!(estimate_start_seconds(1, 3, 3, 10.0), 10.0);
        // Three queued in front plus three running: two waves.
        assert_eq!(estimate_start_seconds(4, 3, 3, 10.0), 20.0);
        // One slot, two ahead, one running: three tasks finish first.
        assert_eq!(estimate_start_seconds(3, 1, 1, 5.0), 15.0);
    }

    #[test]
    fn new_task_validation_refuses_empty_fields() {
        let valid = NewTask::new("kind", Value::Null, "alice");
        assert!(valid.validate().is_ok());
        assert!(NewTask::new("", Value::Null, "alice").validate().is_err());
        assert!(NewTask::new("kind", Value::Null, " ").validate().is_err());
        assert!(valid.clone().with_max_attempts(0).validate().is_err());
        assert!(valid
            .clone()
            .with_timeout(Duration::ZERO)
            .validate()
            .is_err());
        assert!(valid.clone().with_idempotency_key("").validate().is_err());
        assert!(valid.clone().with_max_attempts(1000).validate().is_err());
        assert!(valid
            .clone()
            .with_idempotency_key("k".repeat(MAX_NAME_BYTES + 1))
            .validate()
            .is_err());
    }

    #[test]
    fn a_timeout_past_thirty_days_is_refused_at_submit() {
        // Regression: 18446744073709551615 s was stored and then panicked every reader.
        let valid = NewTask::new("kind", Value::Null, "alice");
        assert!(valid
            .clone()
            .with_timeout(MAX_TASK_TIMEOUT)
            .validate()
            .is_ok());
        assert!(valid
            .clone()
            .with_timeout(MAX_TASK_TIMEOUT + Duration::from_secs(1))
            .validate()
            .is_err());
        assert!(valid
            .with_timeout(Duration::from_secs(u64::MAX))
            .validate()
            .is_err());
    }
}
