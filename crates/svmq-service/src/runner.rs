//! Training as a queue task: the `TaskRunner` the queue's workers call. The task's
//! payload is a `TrainingRequest`; progress and trial lines go to the task's record
//! and log; a completed run moves its model into place and hands it to the worker, which
//! registers it with the task's completion, and returns its id and summary.

use crate::error::ServiceError;
use crate::model_store::{save_model, summary};
use crate::request::{Limits, TrainingRequest};
use crate::training::{train_resumable, TrainingObserver, TrialCheckpoint};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use svmq_queue::{ClaimedTask, LogLevel, RunOutcome, Store, TaskContext, TaskRunner};
use svmq_tune::study::TrialRecord;

/// The task kinds this runner knows: this one a classification training.
pub const CLASSIFICATION_TASK: &str = "svm_classification";
/// The task kind of a regression training.
pub const REGRESSION_TASK: &str = "svm_regression";

/// Runs a queued training: reads the [`TrainingRequest`] payload, trains under this
/// node's [`Limits`], and saves the model under `home`.
pub struct TrainingRunner {
    /// The queue's store. [`TaskRunner::run`] does not read it: the worker registers
    /// the model when it completes the task.
    pub store: Arc<dyn Store>,
    /// svmq's home directory: models go to `models/`, trial checkpoints to `studies/`.
    pub home: PathBuf,
    /// This node's caps, applied to every task it runs.
    pub limits: Limits,
}

struct ContextObserver<'a>(&'a TaskContext);

impl TrainingObserver for ContextObserver<'_> {
    fn progress(&self, percent: f64, message: &str) {
        self.0.report_progress(percent, message);
    }

    fn log(&self, message: &str) {
        self.0.log(LogLevel::Info, message);
    }
}

impl TaskRunner for TrainingRunner {
    fn run(&self, task: &ClaimedTask, context: &TaskContext) -> RunOutcome {
        let mut request: TrainingRequest = match serde_json::from_value(task.payload.clone()) {
            Ok(request) => request,
            Err(error) => {
                return RunOutcome::Failed(format!("the task's parameters are invalid: {error}"))
            }
        };
        request.limits = self.limits.clone();
        let observer = ContextObserver(context);
        let checkpoint = FileCheckpoint::new(&self.home, &task.id.to_string());
        // Each task trains on a thread pool of its own. On the process-wide pool, the
        // work items of a cancelled task queue behind those of the other running
        // tasks (a fold fit can take seconds), so its stop waited for them: cancels
        // right after a start took 7–12 s with three tasks running.
        let pool = match rayon::ThreadPoolBuilder::new()
            .num_threads(rayon::current_num_threads())
            .thread_name(|index| format!("svmq-train-{index}"))
            .build()
        {
            Ok(pool) => pool,
            Err(error) => {
                return RunOutcome::Failed(format!("cannot start the training threads: {error}"))
            }
        };
        let trained =
            pool.install(|| train_resumable(&request, &observer, context.stop_flag(), &checkpoint));
        let outcome = match trained {
            Ok(outcome) => outcome,
            Err(ServiceError::Stopped) => return RunOutcome::Stopped,
            Err(error) => return RunOutcome::Failed(failure_message(&error, &task.id.to_string())),
        };
        if context.should_stop() {
            return RunOutcome::Stopped;
        }
        // The model is registered by the worker, in the transaction that completes the
        // task: a task that ends any other way leaves no model.
        match save_model(&self.home, &outcome, &task.user_id, Some(task.id.clone())) {
            Ok(record) => {
                checkpoint.remove();
                RunOutcome::Completed {
                    result: json!({
                        "model_id": record.model_id.as_str(),
                        "summary": summary(&outcome.report),
                    }),
                    models: vec![record],
                }
            }
            Err(error) => RunOutcome::Failed(failure_message(&error, &task.id.to_string())),
        }
    }
}

/// Trials saved as JSON lines in `<home>/studies/<task_id>.jsonl`, one line per trial:
/// a task that a dead worker left half-way resumes its search on the next attempt.
/// A torn last line (the process died while writing it) is ignored.
pub struct FileCheckpoint {
    path: PathBuf,
    writer: Mutex<()>,
}

impl FileCheckpoint {
    /// The checkpoint of task `task_id` under `home`; nothing is read or created yet.
    pub fn new(home: &std::path::Path, task_id: &str) -> FileCheckpoint {
        FileCheckpoint {
            path: home.join("studies").join(format!("{task_id}.jsonl")),
            writer: Mutex::new(()),
        }
    }

    /// Deletes the checkpoint file, ignoring any error (a missing file included).
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl TrialCheckpoint for FileCheckpoint {
    fn load(&self, target: usize) -> Vec<TrialRecord> {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return Vec::new();
        };
        text.lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|value| value["target"].as_u64() == Some(target as u64))
            .filter_map(|value| serde_json::from_value(value["trial"].clone()).ok())
            .collect()
    }

    fn save(&self, target: usize, trial: &TrialRecord) {
        let _guard = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let line = json!({ "target": target, "trial": trial }).to_string();
        let written = std::fs::create_dir_all(self.path.parent().expect("a studies folder"))
            .and_then(|()| {
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)?;
                writeln!(file, "{line}")
            });
        if let Err(error) = written {
            tracing::warn!(path = %self.path.display(), %error, "could not save a trial");
        }
    }
}

/// What a failed task reports: the message for user mistakes; for internal failures,
/// a generic message (the details go to the server log).
pub fn failure_message(error: &ServiceError, task_id: &str) -> String {
    if error.is_user_error() {
        error.to_string()
    } else {
        tracing::error!(task_id, error = ?error, "training failed");
        "internal error while training; the server log has the details".to_string()
    }
}
