//! The tools' results: each is a JSON object with a schema (the tool's
//! `outputSchema`); the server sends it as `structuredContent` and as text. Field
//! docs give units. Reports whose shape belongs to other crates (training summaries,
//! data-quality reports) travel as JSON values inside a typed envelope.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub use svmq_service::{ModelView, QueueStatus, TaskView};

/// Every tool's result: whether the call did what it asked, a message saying what
/// happened and what to do next, and the tool's own fields beside them.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Reply<T> {
    /// True when the call did what it asked; a cancel of a finished task is false.
    pub success: bool,
    /// What happened, and what to do next.
    pub message: String,
    /// The tool's own fields.
    #[serde(flatten)]
    pub result: T,
}

impl<T> Reply<T> {
    /// A call that did what it asked.
    pub fn done(message: impl Into<String>, result: T) -> rmcp::Json<Reply<T>> {
        rmcp::Json(Reply {
            success: true,
            message: message.into(),
            result,
        })
    }

    /// A call that was understood but could not do what it asked.
    pub fn refused(message: impl Into<String>, result: T) -> rmcp::Json<Reply<T>> {
        rmcp::Json(Reply {
            success: false,
            message: message.into(),
            result,
        })
    }
}

/// A training task as submitted, or as finished when the call waited for it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TrainingTask {
    /// The task's id: poll get_task_status with it.
    pub task_id: String,
    /// queued, running, completed, failed or cancelled.
    #[schemars(with = "String")]
    pub status: svmq_service::TaskState,
    /// svm_classification or svm_regression.
    pub task_type: String,
    /// False when the idempotency key matched an earlier task, returned instead.
    pub created: bool,
    /// True when the call waited for the training to finish (use_async_queue = false).
    pub waited: bool,
    /// The trained model's id once the task has completed.
    pub model_id: Option<String>,
    /// What to do next.
    pub next_step: String,
    /// The task's state when the call returned.
    pub task: TaskView,
}

/// One page of training tasks: the result of `list_training_tasks`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TaskList {
    /// Newest first.
    pub tasks: Vec<TaskView>,
    /// Tasks in this page (more exist when next_cursor is set).
    pub total_count: u64,
    /// Pass as cursor to list older tasks; null on the last page.
    pub next_cursor: Option<String>,
}

/// The result of `cancel_training_task`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Cancelled {
    /// The task asked to cancel.
    pub task_id: String,
    /// cancelled (it was queued), stop_requested (it is running and stops within a
    /// second; its status becomes cancelled once training has really stopped), or
    /// already_finished (nothing to cancel; success is false).
    pub outcome: String,
}

/// One line of a task's log.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LogLineView {
    /// Position in the task's log, from 1.
    pub sequence: i64,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// info, warning or error.
    pub level: String,
    /// The text, with the server's absolute paths shown relative to their root.
    pub message: String,
}

/// A task's log: the result of `get_task_logs`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TaskLogs {
    /// The task.
    pub task_id: String,
    /// Oldest first.
    pub lines: Vec<LogLineView>,
}

/// The prediction for one input row.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PredictionView {
    /// Classification: the predicted class as written in the training data.
    pub label: Option<String>,
    /// Regression: one predicted value per target, in the target's units.
    pub values: Option<Vec<f64>>,
    /// Classification with probabilities: each class's probability.
    pub probabilities: Option<BTreeMap<String, f64>>,
    /// One decision value per class pair (one for two classes and for regression).
    pub decision_values: Vec<f64>,
}

/// The result of `predict_from_values`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Predictions {
    /// The model that predicted.
    pub model_id: String,
    /// classification or regression.
    pub task: String,
    /// Regression: the target columns, in the order of each prediction's values.
    pub targets: Vec<String>,
    /// One per input row, in order.
    pub predictions: Vec<PredictionView>,
}

/// The result of `predict_from_file`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FilePredictions {
    /// The model that predicted.
    pub model_id: String,
    /// Rows predicted.
    pub rows: u64,
    /// Classification: rows per predicted class. Regression: per target, the mean,
    /// min and max of the predictions.
    pub summary: Value,
    /// Where the CSV was written, when output_path was given.
    pub output_path: Option<String>,
    /// The predictions as CSV, when no output_path was given.
    pub csv: Option<String>,
}

/// The result of `list_models`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ModelList {
    /// Newest first.
    pub models: Vec<ModelView>,
}

/// The result of `get_model_info`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ModelInfo {
    /// The model's registry entry.
    pub model: ModelView,
    /// The full training report: parameters, metrics, trials, data schema, timings.
    pub report: Value,
}

/// The result of `delete_model`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Deleted {
    /// The model deleted.
    pub model_id: String,
    /// Always true: a model that cannot be deleted is a tool error instead.
    pub deleted: bool,
}

/// The result of `export_model`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ExportedModel {
    /// The model exported.
    pub model_id: String,
    /// onnx or libsvm.
    pub format: String,
    /// Where the file was written.
    pub output_path: String,
    /// How to use the file: for ONNX the opsets, inputs and outputs; for LIBSVM the
    /// target, the preprocessed feature names in input order and each class's label.
    pub details: Value,
}

/// The result of `validate_data`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DataReport {
    /// Whether training can go ahead (no blocking problems).
    pub trainable: bool,
    /// Shape, column types and roles, missing values, constant and duplicate columns,
    /// class balance or target summaries, leak candidates, correlated pairs,
    /// blocking_problems and warnings.
    pub report: Value,
}
