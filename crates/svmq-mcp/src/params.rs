//! The tools' arguments as clients send them. Each field's `///` doc becomes its
//! description in the tool's input schema, loaded into an agent's context with
//! `tools/list`: in few words, it states units, defaults and allowed values (a
//! `model_id` the tool's description explains has none). Counts
//! are signed here on purpose: a negative count is then a tool error
//! saying the allowed range, not a protocol error about integer types.

use schemars::JsonSchema;
use serde::Deserialize;
use svmq_data::{ScalingMethod, Task};
use svmq_service::{KernelChoice, TaskState};
use svmq_tune::approximation::Approximation;
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
    /// CSV/TSV or .xlsx file inside the data roots.
    pub data_source: String,
    /// Target column. Default: the last.
    #[serde(default)]
    pub target_column: Option<String>,
    /// Default: rbf; auto searches the kernel too.
    #[serde(default)]
    pub kernel: Option<KernelChoice>,
    /// false: fit the defaults once. Default: true.
    #[serde(default, deserialize_with = "crate::lenient::optimize_hyperparameters")]
    pub optimize_hyperparameters: Option<bool>,
    /// Search trials, 1 to 1000. Default: 50.
    #[serde(default, deserialize_with = "crate::lenient::n_trials")]
    pub n_trials: Option<i64>,
    /// Cross-validation folds, 2 to 20. Default: 5.
    #[serde(default, deserialize_with = "crate::lenient::cv_folds")]
    pub cv_folds: Option<i64>,
    /// Classification: accuracy (default), balanced_accuracy,
    /// f1_macro, f1_weighted, f1_micro, precision_weighted, recall_weighted, roc_auc,
    /// log_loss. Regression: r2 (default), rmse, mae, mape, explained_variance,
    /// max_error, median_absolute_error.
    #[serde(default)]
    pub scoring_metric: Option<String>,
    /// Refuse bad data at once. Default: true.
    #[serde(default, deserialize_with = "crate::lenient::validate_data")]
    pub validate_data: Option<bool>,
    /// Fitted on training rows. Default: standard.
    #[serde(default, deserialize_with = "crate::lenient::scaling_method")]
    pub scaling_method: Option<ScalingMethod>,
    /// Test share of rows, 0.01 to 0.9. Default: 0.2.
    #[serde(default, deserialize_with = "crate::lenient::test_size")]
    pub test_size: Option<f64>,
    /// Default: 42.
    #[serde(default, deserialize_with = "crate::lenient::seed")]
    pub seed: Option<u64>,
    /// Search sampler. Default: tpe.
    #[serde(default)]
    pub sampler: Option<SamplerKind>,
    /// 1 to 2000 landmarks (rff: features); 0: exact.
    #[serde(default, deserialize_with = "crate::lenient::landmarks")]
    pub landmarks: Option<i64>,
    /// auto, none, nystroem or rff.
    #[serde(default, deserialize_with = "crate::lenient::approximation")]
    #[schemars(with = "Option<String>")]
    pub approximation: Option<Approximation>,
    /// The positive class of binary metrics: the classifier's and submit's own
    /// argument, copied here (a regressor has none).
    #[serde(skip)]
    #[schemars(skip)]
    pub positive_label: Option<String>,
    /// Columns to leave out.
    #[serde(default, deserialize_with = "crate::lenient::exclude_columns")]
    pub exclude_columns: Option<Vec<String>>,
    /// Identifier columns to keep.
    #[serde(default, deserialize_with = "crate::lenient::include_columns")]
    pub include_columns: Option<Vec<String>>,
    /// Owner. Default: server's user.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Higher runs first.
    #[serde(default, deserialize_with = "crate::lenient::priority")]
    pub priority: Option<i32>,
    /// Same key: the earlier task.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// Seconds per attempt.
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
    /// Binary: the positive class.
    #[serde(default)]
    pub positive_label: Option<String>,
    /// false: wait for the model. Default: true.
    #[serde(default, deserialize_with = "crate::lenient::use_async_queue")]
    pub use_async_queue: Option<bool>,
}

impl TrainClassifierParams {
    /// The training parameters, the positive label among them.
    pub fn training(&self) -> TrainingParams {
        TrainingParams {
            positive_label: self.positive_label.clone(),
            ..self.training.clone()
        }
    }
}

/// The arguments of `train_svm_regressor`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TrainRegressorParams {
    /// The parameters every training takes, at the top level of the arguments.
    #[serde(flatten)]
    pub training: TrainingParams,
    /// Targets k: the k columns ending at target_column, a model each. Default: 1.
    #[serde(default, deserialize_with = "crate::lenient::target_dimension")]
    pub target_dimension: Option<i64>,
    /// false: wait for the model. Default: true.
    #[serde(default, deserialize_with = "crate::lenient::use_async_queue")]
    pub use_async_queue: Option<bool>,
}

/// The arguments of `submit_training_task`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct SubmitParams {
    /// Default: from the target.
    #[serde(default)]
    pub task_type: Option<TaskTypeParam>,
    /// The parameters every training takes, at the top level of the arguments.
    #[serde(flatten)]
    pub training: TrainingParams,
    /// Binary: the positive class.
    #[serde(default)]
    pub positive_label: Option<String>,
    /// Regression: targets k, a model each. Default: 1.
    #[serde(default, deserialize_with = "crate::lenient::target_dimension")]
    pub target_dimension: Option<i64>,
}

impl SubmitParams {
    /// The training parameters, the positive label among them.
    pub fn training(&self) -> TrainingParams {
        TrainingParams {
            positive_label: self.positive_label.clone(),
            ..self.training.clone()
        }
    }
}

/// The arguments of `get_task_status` and `cancel_training_task`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TaskIdParams {
    /// From the submission.
    pub task_id: String,
}

/// The arguments of `get_task_logs`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TaskLogsParams {
    /// From the submission.
    pub task_id: String,
    /// Only the last N lines, 1 to 10000. Default: all.
    #[serde(default, deserialize_with = "crate::lenient::tail")]
    pub tail: Option<i64>,
}

/// The arguments of `list_training_tasks`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ListTasksParams {
    /// Only this user's tasks. Default: every user's.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Only tasks in this status.
    #[serde(default)]
    pub status: Option<TaskState>,
    /// Tasks per page, 1 to 1000. Default: 50.
    #[serde(default, deserialize_with = "crate::lenient::limit")]
    pub limit: Option<i64>,
    /// The previous page's next_cursor.
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
    /// From a completed task or list_models.
    pub model_id: String,
}

/// The arguments of `export_model`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ExportModelParams {
    /// The model.
    #[schemars(description = "")]
    pub model_id: String,
    /// onnx (takes raw feature columns) or libsvm (svm-predict's model text; takes
    /// preprocessed features).
    pub format: String,
    /// File to write, inside the output roots.
    pub output_path: String,
    /// libsvm, multi-target regression: the target to export.
    #[serde(default)]
    pub target: Option<String>,
}

/// The arguments of `predict_from_values`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct PredictValuesParams {
    /// The model.
    #[schemars(description = "")]
    pub model_id: String,
    /// A row or a list of rows: values in feature order, or by feature name; null is
    /// missing. E.g. [5.1, 3.5, 1.4, 0.2] or [{"sepal_length": 5.1, ...}].
    pub feature_values: serde_json::Value,
    /// Give each class's probability, if trained. Default: true.
    #[serde(default, deserialize_with = "crate::lenient::include_probabilities")]
    pub include_probabilities: Option<bool>,
}

/// The arguments of `predict_from_file`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct PredictFileParams {
    /// The model.
    #[schemars(description = "")]
    pub model_id: String,
    /// File with the model's feature columns, inside the data roots.
    pub data_source: String,
    /// CSV to write, inside the output roots. Default: return it (up to 10000 rows).
    #[serde(default)]
    pub output_path: Option<String>,
    /// Add a probability column per class, if trained. Default: true.
    #[serde(default, deserialize_with = "crate::lenient::include_probabilities")]
    pub include_probabilities: Option<bool>,
}

/// The arguments of `validate_data`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ValidateDataParams {
    /// CSV/TSV or .xlsx file inside the data roots.
    pub data_source: String,
    /// Target column. Default: the last.
    #[serde(default)]
    pub target_column: Option<String>,
    /// Which checks apply. Default: from the target.
    #[serde(default)]
    pub task_type: Option<TaskTypeParam>,
    /// Regression: targets k (the last k). Default: 1.
    #[serde(default, deserialize_with = "crate::lenient::target_dimension")]
    pub target_dimension: Option<i64>,
    /// Folds planned, 2 to 20, checked against the class sizes. Default: 5.
    #[serde(default, deserialize_with = "crate::lenient::cv_folds")]
    pub cv_folds: Option<i64>,
}
