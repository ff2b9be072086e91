//! The queue as users see it, the same for the command line, the MCP server and the
//! dashboard: a task's view (status, progress, queue position and ETA while queued,
//! timestamps, the result with its model id once completed, the error once failed)
//! and the queue's status. Built by [`crate::tasks`]; read-only.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use svmq_queue::{QueueCounts, QueueEstimate, TaskPhase, TaskRecord, TaskState};

/// A training task, flat as the user's document reads it (`status` and `progress` at
/// the top level, every field present in every state); built from the typed
/// [`svmq_queue::TaskPhase`], so each optional field is set exactly in its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TaskView {
    /// 32 hexadecimal characters.
    #[cfg_attr(feature = "schema", schemars(description = ""))]
    pub task_id: String,
    /// svm_classification or svm_regression.
    pub task_type: String,
    /// Who submitted it.
    pub user_id: String,
    /// queued, running, completed, failed or cancelled (the last three are final).
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub status: TaskState,
    /// Percent done, 0 to 100.
    pub progress: f64,
    /// E.g. the trial and the best score so far; none once failed or cancelled.
    pub progress_message: Option<String>,
    /// While queued: 1 for the next to start.
    pub queue_position: Option<u64>,
    /// While queued: estimated seconds to start, once known.
    pub eta_seconds: Option<f64>,
    /// Runs started (a task whose worker died reruns).
    pub attempts: u32,
    /// Unix time, ms.
    pub created_at: i64,
    /// Unix time, ms.
    pub started_at: Option<i64>,
    /// Unix time, ms.
    pub finished_at: Option<i64>,
    /// Whether a stop was asked for.
    pub cancel_requested: bool,
    /// Once completed: the trained model's id.
    pub model_id: Option<String>,
    /// Once completed: model_id, best parameters, CV and test metrics.
    pub result: Option<Value>,
    /// Once failed: why.
    pub error: Option<String>,
}

impl TaskView {
    /// The view of a stored task; `estimate` is its place in the queue while queued.
    pub fn of(task: &TaskRecord, estimate: Option<QueueEstimate>) -> TaskView {
        let phase = &task.phase;
        let estimate = estimate.filter(|_| *phase == TaskPhase::Queued);
        let mut progress = phase.progress().cloned().unwrap_or_default();
        if matches!(
            phase,
            TaskPhase::Failed { .. } | TaskPhase::Cancelled { .. }
        ) {
            // The last message spoke of a run that no longer runs ("… about 29 s left").
            progress.message = None;
        }
        let result = phase.result();
        TaskView {
            task_id: task.id.to_string(),
            task_type: task.kind.clone(),
            user_id: task.user_id.clone(),
            status: phase.state(),
            progress: progress.percent,
            progress_message: progress.message,
            queue_position: estimate.map(|estimate| estimate.position),
            eta_seconds: estimate.and_then(|estimate| estimate.eta_seconds),
            attempts: task.attempts,
            created_at: task.created_at,
            started_at: phase.started_at(),
            finished_at: phase.finished_at(),
            cancel_requested: task.cancel_requested,
            model_id: result
                .and_then(|result| result.get("model_id"))
                .and_then(Value::as_str)
                .map(str::to_string),
            result: result.cloned(),
            error: phase.error().map(str::to_string),
        }
    }
}

/// The queue at a glance.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueueStatus {
    /// All tasks.
    pub total: u64,
    /// Waiting.
    pub queued: u64,
    /// Training now.
    pub running: u64,
    /// With a model.
    pub completed: u64,
    /// With an error.
    pub failed: u64,
    /// Cancelled.
    pub cancelled: u64,
    /// Tasks that run at once at most.
    pub max_concurrent_tasks: u32,
    /// Live workers (0: queued tasks wait).
    pub workers_alive: u64,
    /// = total, as the original names it (and the other `_tasks` counts).
    #[cfg_attr(feature = "schema", schemars(description = ""))]
    pub total_tasks: u64,
    /// = queued.
    #[cfg_attr(feature = "schema", schemars(description = ""))]
    pub queued_tasks: u64,
    /// = running.
    #[cfg_attr(feature = "schema", schemars(description = ""))]
    pub running_tasks: u64,
    /// = completed.
    #[cfg_attr(feature = "schema", schemars(description = ""))]
    pub completed_tasks: u64,
    /// = failed.
    #[cfg_attr(feature = "schema", schemars(description = ""))]
    pub failed_tasks: u64,
    /// = cancelled.
    #[cfg_attr(feature = "schema", schemars(description = ""))]
    pub cancelled_tasks: u64,
    /// Tasks per status.
    pub status_counts: BTreeMap<String, u64>,
}

impl QueueStatus {
    /// The status from the counts per state, the limit in force and the live workers.
    pub fn new(counts: &QueueCounts, max_concurrent_tasks: u32, workers_alive: u64) -> QueueStatus {
        let status_counts = TaskState::ALL
            .iter()
            .map(|state| (state.as_str().to_string(), counts.of(*state)))
            .collect();
        QueueStatus {
            total: counts.total(),
            queued: counts.queued,
            running: counts.running,
            completed: counts.completed,
            failed: counts.failed,
            cancelled: counts.cancelled,
            max_concurrent_tasks,
            workers_alive,
            total_tasks: counts.total(),
            queued_tasks: counts.queued,
            running_tasks: counts.running,
            completed_tasks: counts.completed,
            failed_tasks: counts.failed,
            cancelled_tasks: counts.cancelled,
            status_counts,
        }
    }
}
