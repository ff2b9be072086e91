//! The tools' results: each is a JSON object with a schema (the tool's
//! `outputSchema`); the server sends it as `structuredContent` and as text. Field
//! docs become the schema's descriptions, loaded into an agent's context with
//! `tools/list`: they are short and give units, and a field whose name says it all
//! has none (`description = ""`). Reports whose shape belongs to other
//! crates (training summaries, data-quality reports) travel as JSON values inside a
//! typed envelope. A task inside another tool's result is described once, by
//! `get_task_status`, and a model by `list_models`: elsewhere its schema is an object
//! "as get_task_status returns it".

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub use svmq_service::{ModelView, QueueStatus, TaskView};

/// Every tool's result: whether the call did what it asked, a message saying what
/// happened and what to do next, and the tool's own fields beside them.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Reply<T> {
    /// Whether the call did what it asked.
    pub success: bool,
    /// What happened and what to do next.
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
    /// Poll get_task_status with it.
    pub task_id: String,
    /// queued, running, completed, failed or cancelled.
    #[schemars(with = "String")]
    pub status: svmq_service::TaskState,
    /// svm_classification or svm_regression.
    pub task_type: String,
    /// False when idempotency_key returned an earlier task.
    pub created: bool,
    /// True when use_async_queue false waited.
    pub waited: bool,
    /// The model's id once completed.
    pub model_id: Option<String>,
    /// The next call to make.
    pub next_step: String,
    /// The task as get_task_status returns it.
    #[schemars(schema_with = "object_schema")]
    pub task: TaskView,
}

/// One page of training tasks: the result of `list_training_tasks`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TaskList {
    /// Newest first, each as get_task_status returns it.
    #[schemars(schema_with = "task_list_schema")]
    pub tasks: Vec<TaskView>,
    /// Tasks in this page.
    pub total_count: u64,
    /// The cursor of the next, older page; null on the last.
    pub next_cursor: Option<String>,
}

/// A view described by another tool's result (a task by get_task_status's, a model
/// by list_models'): an object.
fn object_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "object"})
}

/// Tasks inside another tool's result.
fn task_list_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "array", "items": {"type": "object"}})
}

/// The result of `cancel_training_task`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Cancelled {
    /// The task.
    #[schemars(description = "")]
    pub task_id: String,
    /// cancelled, stop_requested (running; stops within a second) or
    /// already_finished.
    pub outcome: String,
}

/// One line of a task's log.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LogLineView {
    /// From 1.
    #[schemars(description = "")]
    pub sequence: i64,
    /// Unix time, ms.
    pub at: i64,
    /// info, warning or error.
    pub level: String,
    /// The text, paths shown relative to their root.
    #[schemars(description = "")]
    pub message: String,
}

/// A task's log: the result of `get_task_logs`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TaskLogs {
    /// The task.
    #[schemars(description = "")]
    pub task_id: String,
    /// Oldest first.
    pub lines: Vec<LogLineView>,
}

/// The prediction for one input row.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PredictionView {
    /// Classification: the class.
    pub label: Option<String>,
    /// Regression: one value per target.
    pub values: Option<Vec<f64>>,
    /// Per class, when asked for and trained.
    pub probabilities: Option<BTreeMap<String, f64>>,
    /// One per class pair (one for two classes and regression).
    pub decision_values: Vec<f64>,
}

/// The result of `predict_from_values`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Predictions {
    /// The model.
    #[schemars(description = "")]
    pub model_id: String,
    /// classification or regression.
    pub task: String,
    /// Regression: the targets, in the order of values.
    pub targets: Vec<String>,
    /// One per row, in order.
    pub predictions: Vec<PredictionView>,
}

/// The result of `predict_from_file`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FilePredictions {
    /// The model.
    #[schemars(description = "")]
    pub model_id: String,
    /// Rows predicted.
    pub rows: u64,
    /// Rows per class, or per target the mean, min and max.
    pub summary: Value,
    /// Where the CSV was written, if output_path was given.
    pub output_path: Option<String>,
    /// The CSV, if no output_path was given.
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
    /// The model as list_models lists it.
    #[schemars(schema_with = "object_schema")]
    pub model: ModelView,
    /// Parameters, metrics, trials, data schema, timings.
    pub report: Value,
}

/// The result of `delete_model`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Deleted {
    /// The model.
    #[schemars(description = "")]
    pub model_id: String,
    /// Always true.
    pub deleted: bool,
}

/// The result of `export_model`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ExportedModel {
    /// The model.
    #[schemars(description = "")]
    pub model_id: String,
    /// onnx or libsvm.
    pub format: String,
    /// Where the file was written.
    pub output_path: String,
    /// What the file expects: ONNX opsets, inputs, outputs; LIBSVM feature order,
    /// labels.
    pub details: Value,
}

/// The result of `validate_data`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DataReport {
    /// No blocking problems: training can go ahead.
    pub trainable: bool,
    /// Shape, columns, missing values, class balance or target summary, leak
    /// candidates, correlated pairs, blocking_problems, warnings.
    pub report: Value,
}
