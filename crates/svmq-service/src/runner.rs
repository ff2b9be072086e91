//! Training as a queue task: the `TaskRunner` the queue's workers call. The task's
//! payload is a `TrainingRequest`; progress and trial lines go to the task's record
//! and log; a completed run leaves a registered model and returns its id and summary.

use crate::error::ServiceError;
use crate::model_store::{save_model, summary};
use crate::request::TrainingRequest;
use crate::training::{train, TrainingObserver};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use svmq_queue::{ClaimedTask, LogLevel, RunOutcome, Store, TaskContext, TaskRunner};

/// The task kinds this runner knows.
pub const CLASSIFICATION_TASK: &str = "svm_classification";
pub const REGRESSION_TASK: &str = "svm_regression";

pub struct TrainingRunner {
    pub store: Arc<dyn Store>,
    pub home: PathBuf,
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
        // A previous attempt may have registered its model and died before the task
        // was marked completed: that model is the result, not a reason to train twice.
        if let Ok(models) = self.store.list_models(&task.user_id) {
            if let Some(record) = models.iter().find(|m| m.task_id.as_ref() == Some(&task.id)) {
                context.log(
                    LogLevel::Info,
                    "the model of an earlier attempt was registered; reusing it",
                );
                return RunOutcome::Completed(json!({
                    "model_id": record.model_id.as_str(),
                    "summary": record.metadata,
                }));
            }
        }
        let request: TrainingRequest = match serde_json::from_value(task.payload.clone()) {
            Ok(request) => request,
            Err(error) => {
                return RunOutcome::Failed(format!("the task's parameters are invalid: {error}"))
            }
        };
        let observer = ContextObserver(context);
        let outcome = match train(&request, &observer, context.stop_flag()) {
            Ok(outcome) => outcome,
            Err(ServiceError::Stopped) => return RunOutcome::Stopped,
            Err(error) => return RunOutcome::Failed(failure_message(&error, &task.id.to_string())),
        };
        if context.should_stop() {
            return RunOutcome::Stopped;
        }
        match save_model(
            self.store.as_ref(),
            &self.home,
            &outcome,
            &task.user_id,
            Some(task.id.clone()),
        ) {
            Ok(record) => RunOutcome::Completed(json!({
                "model_id": record.model_id.as_str(),
                "summary": summary(&outcome.report),
            })),
            Err(error) => RunOutcome::Failed(failure_message(&error, &task.id.to_string())),
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
