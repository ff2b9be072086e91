//! The queue's use cases on a [`Service`]: submit a training, a task's view, a page of
//! tasks, cancel, a task's log, the queue's status and the live workers. Each checks
//! what its caller may see: another user's task is reported as unknown, so that ids
//! cannot be probed.

use std::time::Duration;

use svmq_data::Task;
use svmq_queue::{
    CancelOutcome, LogLine, NewTask, QueueError, TaskFilter, TaskId, TaskPhase, TaskRecord,
    WorkerInfo, MAX_NAME_BYTES, MAX_TASK_TIMEOUT,
};

use crate::error::ServiceError;
use crate::request::TrainingRequest;
use crate::runner::{CLASSIFICATION_TASK, REGRESSION_TASK};
use crate::service::{Access, Service, WORKER_ALIVE_WITHIN};
use crate::task_view::{QueueStatus, TaskView};

/// How a training is queued besides its request.
#[derive(Debug, Clone, Default)]
pub struct SubmitOptions {
    /// Who the task belongs to.
    pub user: String,
    /// Higher runs first; equal priorities run in submission order.
    pub priority: i32,
    /// Submitting again with the same key (per user) returns the same task.
    pub idempotency_key: Option<String>,
    /// Seconds an attempt may run before it fails (1 to 30 days).
    pub timeout_seconds: Option<u64>,
}

impl SubmitOptions {
    /// Every value in range, named as the command line and the MCP tools name it.
    fn checked(&self) -> Result<(Option<&str>, Option<Duration>), ServiceError> {
        let key = match self.idempotency_key.as_deref() {
            Some(key) if key.is_empty() || key.len() > MAX_NAME_BYTES => {
                return Err(ServiceError::InvalidRequest(format!(
                    "the idempotency key must be 1 to {MAX_NAME_BYTES} bytes; leave it out to \
                     always create a new task"
                )))
            }
            key => key,
        };
        let most = MAX_TASK_TIMEOUT.as_secs();
        let timeout = match self.timeout_seconds {
            None => None,
            Some(seconds) if (1..=most).contains(&seconds) => Some(Duration::from_secs(seconds)),
            Some(_) => {
                return Err(ServiceError::InvalidRequest(format!(
                    "the timeout must be between 1 and {most} seconds (30 days); leave it out \
                     for no limit"
                )))
            }
        };
        Ok((key, timeout))
    }
}

/// A training as queued.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// False when the idempotency key matched an earlier task, returned instead.
    pub created: bool,
    /// The task now.
    pub task: TaskView,
}

/// One page of tasks, newest first.
#[derive(Debug, Clone)]
pub struct TaskListing {
    /// The tasks of this page.
    pub tasks: Vec<TaskView>,
    /// Pass as `before_sequence` to list older tasks; `None` on the last page.
    pub next_cursor: Option<i64>,
}

/// The queue kind of a training task.
pub fn task_kind(task: Task) -> &'static str {
    match task {
        Task::Classification => CLASSIFICATION_TASK,
        Task::Regression => REGRESSION_TASK,
    }
}

impl Service {
    /// Queues a checked training request.
    pub fn submit_training(
        &self,
        request: &TrainingRequest,
        options: &SubmitOptions,
    ) -> Result<Submitted, ServiceError> {
        let (idempotency_key, timeout) = options.checked()?;
        request.validate()?;
        // The worker may run elsewhere, in another directory: give it an absolute path.
        let mut request = request.clone();
        if let Ok(absolute) = std::fs::canonicalize(&request.data_source) {
            request.data_source = absolute;
        }
        let payload = serde_json::to_value(&request).map_err(|error| {
            ServiceError::InvalidRequest(format!("the request cannot be stored: {error}"))
        })?;
        // A task left to the target is chosen now for the queue's task kind; the
        // runner chooses it again from the same file.
        let task = crate::data_check::resolve_task(&request)?.task;
        let mut task = NewTask::new(task_kind(task), payload, options.user.as_str())
            .with_priority(options.priority);
        if let Some(key) = idempotency_key {
            task = task.with_idempotency_key(key);
        }
        if let Some(timeout) = timeout {
            task = task.with_timeout(timeout);
        }
        let submission = self.store().submit(&task, &self.settings().submit_limits)?;
        let record = self.store().get_task(&submission.task_id)?;
        Ok(Submitted {
            created: submission.created,
            task: self.view(&record),
        })
    }

    /// A task the caller may see, as stored.
    fn visible_record(&self, access: &Access, id: &TaskId) -> Result<TaskRecord, ServiceError> {
        let record = self.store().get_task(id)?;
        if !access.sees(&record.user_id) {
            return Err(QueueError::TaskNotFound { id: id.clone() }.into());
        }
        Ok(record)
    }

    /// The view of a stored task, with its queue position and ETA while queued.
    pub fn view(&self, record: &TaskRecord) -> TaskView {
        let slots = match record.phase {
            TaskPhase::Queued => self.max_concurrent_tasks().ok(),
            _ => None,
        };
        self.view_with_slots(record, slots)
    }

    /// [`Service::view`] with the run slots the ETA assumes already known (a listing
    /// reads them once for every task of the page).
    fn view_with_slots(&self, record: &TaskRecord, slots: Option<u32>) -> TaskView {
        let estimate = match (&record.phase, slots) {
            (TaskPhase::Queued, Some(slots)) => self
                .store()
                .queue_estimate(&record.id, slots)
                .ok()
                .flatten(),
            _ => None,
        };
        TaskView::of(record, estimate)
    }

    /// A task's view.
    pub fn task(&self, access: &Access, id: &TaskId) -> Result<TaskView, ServiceError> {
        Ok(self.view(&self.visible_record(access, id)?))
    }

    /// A page of tasks, newest first: only the caller's own when restricted, else
    /// those of `filter.user_id` (all users when `None`).
    pub fn tasks(&self, access: &Access, filter: &TaskFilter) -> Result<TaskListing, ServiceError> {
        let mut filter = filter.clone();
        if let Some(user) = access.restricted_to() {
            filter.user_id = Some(user.to_string());
        }
        let page = self.store().list_tasks(&filter)?;
        let any_queued = page
            .tasks
            .iter()
            .any(|record| record.phase == TaskPhase::Queued);
        let slots = if any_queued {
            self.max_concurrent_tasks().ok()
        } else {
            None
        };
        Ok(TaskListing {
            tasks: page
                .tasks
                .iter()
                .map(|record| self.view_with_slots(record, slots))
                .collect(),
            next_cursor: page.next_cursor,
        })
    }

    /// Cancels a queued task at once, or asks the worker of a running one to stop it.
    pub fn cancel(&self, access: &Access, id: &TaskId) -> Result<CancelOutcome, ServiceError> {
        self.visible_record(access, id)?;
        Ok(self.store().cancel_task(id)?)
    }

    /// A task's log lines, oldest first; only the last `tail` when given.
    pub fn logs(
        &self,
        access: &Access,
        id: &TaskId,
        tail: Option<u32>,
    ) -> Result<Vec<LogLine>, ServiceError> {
        // An unknown id is an error, not an empty log.
        self.visible_record(access, id)?;
        Ok(self.store().task_logs(id, tail)?)
    }

    /// Worker processes with a recent heartbeat.
    pub fn workers_alive(&self) -> Result<u64, ServiceError> {
        Ok(self.store().live_workers(WORKER_ALIVE_WITHIN)?.len() as u64)
    }

    /// The run slots in force: the largest limit a live worker enforces, else the
    /// configured one.
    pub fn max_concurrent_tasks(&self) -> Result<u32, ServiceError> {
        let workers = self.store().live_workers(WORKER_ALIVE_WITHIN)?;
        Ok(self.limit_in_force(&workers))
    }

    /// The largest limit among `workers`, else the configured one.
    fn limit_in_force(&self, workers: &[WorkerInfo]) -> u32 {
        workers
            .iter()
            .map(|worker| worker.max_concurrent)
            .max()
            .unwrap_or(self.settings().max_concurrent_tasks)
    }

    /// The queue at a glance.
    pub fn queue_status(&self) -> Result<QueueStatus, ServiceError> {
        let counts = self.store().queue_counts()?;
        let workers = self.store().live_workers(WORKER_ALIVE_WITHIN)?;
        let max_concurrent_tasks = self.limit_in_force(&workers);
        Ok(QueueStatus::new(
            &counts,
            max_concurrent_tasks,
            workers.len() as u64,
        ))
    }
}
