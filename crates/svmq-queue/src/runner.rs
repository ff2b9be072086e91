//! The contract between the worker and whatever does the work: [`TaskRunner`], the
//! [`TaskContext`] a run receives and the [`RunOutcome`] it returns.
//!
//! The queue defines this trait and the service layer implements it (training); the
//! queue's own tests use a fake runner. A runner is synchronous and runs on its own
//! thread; it must poll [`TaskContext::should_stop`] (or hand [`TaskContext::stop_flag`]
//! to its solver) every few milliseconds, because cancellation, timeouts and shutdown
//! all arrive through that flag and a slot is freed only when `run` returns.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::ids::TaskId;
use crate::model::ModelRecord;
use crate::store::Store;
use crate::task::{ClaimedTask, LogLevel};

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum RunOutcome {
    /// The work is done; `result` becomes the task's result. `models` are the model
    /// directories the run moved into place (see [`crate::move_model_into_place`]): they
    /// are registered in the same transaction that completes the task, and removed if
    /// the task can no longer be completed by this worker.
    Completed {
        /// The task's result, stored as JSON.
        result: Value,
        /// The models the run published, registered with the completion.
        models: Vec<ModelRecord>,
    },
    /// The work failed; the message becomes the task's error.
    Failed(String),
    /// The run noticed the stop flag and returned without finishing; it has removed
    /// anything partial it wrote. The worker decides what the task becomes (cancelled,
    /// timed out, or released at shutdown).
    Stopped,
}

impl RunOutcome {
    /// Completed, with no model to register.
    pub fn completed(result: Value) -> Self {
        RunOutcome::Completed {
            result,
            models: Vec::new(),
        }
    }
}

/// Runs one claimed task to its end.
pub trait TaskRunner: Send + Sync {
    /// Runs one claimed task to its end, checking `context` for a stop request.
    fn run(&self, task: &ClaimedTask, context: &TaskContext) -> RunOutcome;
}

/// The latest progress a runner reported and the worker has not yet written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProgressUpdate {
    pub percent: f64,
    pub message: Option<String>,
}

/// What a running task can see and do: its stop flag, progress and log.
pub struct TaskContext {
    task_id: TaskId,
    stop: Arc<AtomicBool>,
    pending_progress: Arc<Mutex<Option<ProgressUpdate>>>,
    store: Arc<dyn Store>,
}

impl TaskContext {
    pub(crate) fn new(
        task_id: TaskId,
        stop: Arc<AtomicBool>,
        pending_progress: Arc<Mutex<Option<ProgressUpdate>>>,
        store: Arc<dyn Store>,
    ) -> Self {
        TaskContext {
            task_id,
            stop,
            pending_progress,
            store,
        }
    }

    /// The id of the task being run.
    pub fn task_id(&self) -> &TaskId {
        &self.task_id
    }

    /// True once the run must stop (cancel, timeout or worker shutdown).
    pub fn should_stop(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// The stop flag itself, to hand to code that polls an `AtomicBool`.
    pub fn stop_flag(&self) -> &Arc<AtomicBool> {
        &self.stop
    }

    /// Records progress (clamped to 0–100) with a message. Cheap: the worker writes
    /// the latest value to the store about once a second.
    pub fn report_progress(&self, percent: f64, message: impl Into<String>) {
        if percent.is_nan() {
            return;
        }
        let update = ProgressUpdate {
            percent: percent.clamp(0.0, 100.0),
            message: Some(message.into()),
        };
        *self
            .pending_progress
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(update);
    }

    /// Appends a line to the task's log (written at once; meant for trial results and
    /// warnings, not for every iteration).
    pub fn log(&self, level: LogLevel, message: &str) {
        if let Err(error) = self.store.append_log(&self.task_id, level, message) {
            tracing::warn!(task_id = %self.task_id, %error, "could not write a task log line");
        }
    }
}
