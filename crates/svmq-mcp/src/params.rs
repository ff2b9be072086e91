//! The tools' arguments as clients send them. Each field's `///` doc becomes its
//! description in the tool's input schema, so it states units, defaults and allowed
//! values. Counts are signed here on purpose: a negative count is then a tool error
//! saying the allowed range, not a protocol error about integer types.

use schemars::JsonSchema;
use serde::Deserialize;
use svmq_data::{ScalingMethod, Task};
use svmq_service::{KernelChoice, TaskState};
use svmq_tune::sampler::SamplerKind;

// The one mirror of a library enum here: the tools spell the task as the user's
// document does (`svm_classification`), the library as `classification`.
/// The kind of training task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum TaskTypeParam {
    /// `svm_classification` (or `classification`): predict a class.
    #[serde(rename = "svm_classification", alias = "classification")]
    SvmClassification,
    /// `svm_regression` (or `regression`): predict one or more real values.
    #[serde(rename = "svm_regression", alias = "regression")]
    SvmRegression,
}

impl From<TaskTypeParam> for Task {
    fn from(task: TaskTypeParam) -> Task {
        match task {
            TaskTypeParam::SvmClassification => Task::Classification,
            TaskTypeParam::SvmRegression => Task::Regression,
        }
    }
}

/// The parameters every training takes.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct TrainingParams {
    /// Path of the training data: CSV/TSV (delimiter and header detected, UTF-8) or
    /// .xlsx. It must lie inside the server's data roots; relative paths start at the
    /// first root. URLs are not accepted.
    pub data_source: String,
    /// Name of the target column. Default: the last column.
    #[serde(default)]
    pub target_column: Option<String>,
    /// Kernel: linear, rbf, poly, sigmoid, or auto (the kernel becomes part of the
    /// search). Default: rbf.
    #[serde(default)]
    pub kernel: Option<KernelChoice>,
    /// Search hyperparameters by cross-validation (true) or train once with the
    /// defaults (false). Default: true.
    #[serde(default, deserialize_with = "crate::lenient::optimize_hyperparameters")]
    pub optimize_hyperparameters: Option<bool>,
    /// Hyperparameter combinations tried by the search, 1 to 1000. Default: 50.
    #[serde(default, deserialize_with = "crate::lenient::n_trials")]
    pub n_trials: Option<i64>,
    /// Cross-validation folds, 2 to 20. Default: 5.
    #[serde(default, deserialize_with = "crate::lenient::cv_folds")]
    pub cv_folds: Option<i64>,
    /// Metric the search maximizes (errors are minimized). Classification: accuracy
    /// (default), balanced_accuracy, f1_macro, f1_weighted, f1_micro,
    /// precision_weighted, recall_weighted, roc_auc, log_loss. Regression: r2
    /// (default), rmse, mae, mape, explained_variance, max_error,
    /// median_absolute_error.
    #[serde(default)]
    pub scoring_metric: Option<String>,
    /// Check the data before queueing it (readable, target present, enough rows per
    /// class and fold) and refuse it at once with the problems found. Default: true.
    #[serde(default, deserialize_with = "crate::lenient::validate_data")]
    pub validate_data: Option<bool>,
    /// Feature scaling fitted on training rows only: standard (default), minmax,
    /// robust, none.
    #[serde(default, deserialize_with = "crate::lenient::scaling_method")]
    pub scaling_method: Option<ScalingMethod>,
    /// Share of rows held out for the test metrics, between 0.01 and 0.9; the test
    /// split must hold a row of every class.
    /// Default: 0.2.
    #[serde(default, deserialize_with = "crate::lenient::test_size")]
    pub test_size: Option<f64>,
    /// Seed of every random choice; the same data, parameters and seed give the same
    /// model. Default: 42.
    #[serde(default, deserialize_with = "crate::lenient::seed")]
    pub seed: Option<u64>,
    /// Search sampler: tpe (default), random, grid.
    #[serde(default)]
    pub sampler: Option<SamplerKind>,
    /// Who the task and model belong to. Default: the server's user.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Higher runs first; equal priorities run in submission order. Default: 0.
    #[serde(default, deserialize_with = "crate::lenient::priority")]
    pub priority: Option<i32>,
    /// Submitting again with the same key (and user) returns the same task instead of
    /// a new one.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// Fail the task when one attempt runs longer than this many seconds, 1 to 2592000
    /// (30 days). Default: no limit.
    #[serde(default, deserialize_with = "crate::lenient::timeout_seconds")]
    #[schemars(range(min = 1, max = 2592000))]
    pub timeout_seconds: Option<u64>,
}

/// The arguments of `train_svm_classifier`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TrainClassifierParams {
    /// The parameters every training takes, at the top level of the arguments.
    #[serde(flatten)]
    pub training: TrainingParams,
    /// true (default): queue the training and return its task_id at once; poll
    /// get_task_status. false: wait for the result (still through the queue and its
    /// concurrency limit); progress notifications are sent when the request carries
    /// a progress token.
    #[serde(default, deserialize_with = "crate::lenient::use_async_queue")]
    pub use_async_queue: Option<bool>,
}

/// The arguments of `train_svm_regressor`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TrainRegressorParams {
    /// The parameters every training takes, at the top level of the arguments.
    #[serde(flatten)]
    pub training: TrainingParams,
    /// Number of target columns k: the k columns ending at target_column (default: the
    /// last k columns) are targets, one model each. Default: 1.
    #[serde(default, deserialize_with = "crate::lenient::target_dimension")]
    pub target_dimension: Option<i64>,
    /// true (default): queue the training and return its task_id at once; poll
    /// get_task_status. false: wait for the result (still through the queue and its
    /// concurrency limit); progress notifications are sent when the request carries
    /// a progress token.
    #[serde(default, deserialize_with = "crate::lenient::use_async_queue")]
    pub use_async_queue: Option<bool>,
}

/// The arguments of `submit_training_task`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct SubmitParams {
    /// svm_classification or svm_regression.
    pub task_type: TaskTypeParam,
    /// The parameters every training takes, at the top level of the arguments.
    #[serde(flatten)]
    pub training: TrainingParams,
    /// Regression only: number of target columns k (the last k by default), one model
    /// each. Default: 1.
    #[serde(default, deserialize_with = "crate::lenient::target_dimension")]
    pub target_dimension: Option<i64>,
}

/// The arguments of `get_task_status` and `cancel_training_task`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TaskIdParams {
    /// The task id returned at submission (32 lowercase hexadecimal characters).
    pub task_id: String,
}

/// The arguments of `get_task_logs`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TaskLogsParams {
    /// The task id (32 lowercase hexadecimal characters).
    pub task_id: String,
    /// Only the last N lines (1 to 10000). Default: every line.
    #[serde(default, deserialize_with = "crate::lenient::tail")]
    pub tail: Option<i64>,
}

/// The arguments of `list_training_tasks`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ListTasksParams {
    /// Only this user's tasks. Default: every user's.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Only tasks in this state: queued, running, completed, failed, cancelled.
    #[serde(default)]
    pub status: Option<TaskState>,
    /// Tasks per page, 1 to 1000. Default: 50.
    #[serde(default, deserialize_with = "crate::lenient::limit")]
    pub limit: Option<i64>,
    /// The next_cursor of the previous page, to list older tasks.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// The arguments of `list_models`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ListModelsParams {
    /// Whose models. Default: the server's user.
    #[serde(default)]
    pub user_id: Option<String>,
}

/// The arguments of `get_model_info` and `delete_model`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ModelIdParams {
    /// The model id (32 lowercase hexadecimal characters), from a completed task's
    /// result or list_models.
    pub model_id: String,
}

/// The arguments of `export_model`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ExportModelParams {
    /// The model id (32 lowercase hexadecimal characters).
    pub model_id: String,
    /// onnx: an ONNX graph that takes the raw feature columns, preprocessing included
    /// (runs in ONNX Runtime). libsvm: LIBSVM's model text, which takes preprocessed
    /// features (svm-predict).
    pub format: String,
    /// Where to write the file; it must lie inside the server's output roots.
    pub output_path: String,
    /// libsvm, multi-target regression: the target to export (one model per file).
    #[serde(default)]
    pub target: Option<String>,
}

/// The arguments of `predict_from_values`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct PredictValuesParams {
    /// The model id (32 lowercase hexadecimal characters).
    pub model_id: String,
    /// One row or many. A row is a list of values in the model's feature order, or an
    /// object keyed by feature name (get_model_info lists the features). Numbers or
    /// strings; null is a missing value. Examples: [5.1, 3.5, 1.4, 0.2];
    /// {"sepal_length": 5.1, ...}; [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]].
    pub feature_values: serde_json::Value,
    /// Classifiers trained with probabilities: include each class's probability.
    /// Default: true.
    #[serde(default, deserialize_with = "crate::lenient::include_probabilities")]
    pub include_probabilities: Option<bool>,
}

/// The arguments of `predict_from_file`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct PredictFileParams {
    /// The model id (32 lowercase hexadecimal characters).
    pub model_id: String,
    /// Path of a data file with the model's feature columns (matched by name; target
    /// columns present are ignored), inside the server's data roots.
    pub data_source: String,
    /// Where to write the predictions as CSV, inside the server's output roots.
    /// Without it the CSV is returned in the result (up to 10000 rows).
    #[serde(default)]
    pub output_path: Option<String>,
    /// Classifiers trained with probabilities: add one probability column per class.
    /// Default: true.
    #[serde(default, deserialize_with = "crate::lenient::include_probabilities")]
    pub include_probabilities: Option<bool>,
}

/// The arguments of `validate_data`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ValidateDataParams {
    /// Path of the data file inside the server's data roots (CSV/TSV or .xlsx).
    pub data_source: String,
    /// Name of the target column. Default: the last column.
    #[serde(default)]
    pub target_column: Option<String>,
    /// svm_classification (default) or svm_regression: decides which checks apply.
    #[serde(default)]
    pub task_type: Option<TaskTypeParam>,
    /// Regression: number of target columns (the last k by default). Default: 1.
    #[serde(default, deserialize_with = "crate::lenient::target_dimension")]
    pub target_dimension: Option<i64>,
    /// Cross-validation folds planned, 2 to 20, to check every class can fill them.
    /// Default: 5.
    #[serde(default, deserialize_with = "crate::lenient::cv_folds")]
    pub cv_folds: Option<i64>,
}
