//! A queue task as the JSON users see, the same for the command line and the MCP
//! server: status, progress, queue position and ETA while queued, timestamps, the
//! result (with its model id) once completed, the error once failed. It reads the
//! store; it changes nothing.

use serde_json::{json, Value};
use svmq_queue::{Store, TaskRecord, TaskState};

/// A task as JSON, with its queue position and ETA while queued. `max_concurrent` is
/// the number of run slots the ETA assumes.
pub fn task_json(store: &dyn Store, task: &TaskRecord, max_concurrent: u32) -> Value {
    let estimate = if task.state == TaskState::Queued {
        store
            .queue_estimate(&task.id, max_concurrent)
            .ok()
            .flatten()
    } else {
        None
    };
    json!({
        "task_id": task.id.to_string(),
        "task_type": task.kind,
        "user_id": task.user_id,
        "status": task.state.as_str(),
        "progress": task.progress,
        "progress_message": task.progress_message,
        "queue_position": estimate.map(|e| e.position),
        "eta_seconds": estimate.and_then(|e| e.eta_seconds),
        "attempts": task.attempts,
        "created_at": task.created_at,
        "started_at": task.started_at,
        "finished_at": task.finished_at,
        "cancel_requested": task.cancel_requested,
        "model_id": task.result.as_ref().and_then(|r| r.get("model_id")).cloned(),
        "result": task.result,
        "error": task.error,
    })
}
