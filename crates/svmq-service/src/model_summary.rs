//! The registry's summary of a model, what `list_models` and `svmq models` show: the
//! task, the metric, the data's shape, each column's role, the warnings and, per
//! target, the best parameters with their cross-validation and test scores.
//!
//! Written as JSON into the registry when the model is registered and read back from
//! there: a stored summary is untrusted input (an older svmq, a hand edit), so reading
//! one that does not parse gives no summary instead of an error, and the model stays
//! listed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use svmq_data::ColumnRole;
use svmq_data::{PositiveClass, Task, TaskChoice};
use svmq_tune::metrics::Metric;
use svmq_tune::space::{KernelName, TrialParams};

use crate::training_report::{ApproximationReport, TrainingReport};

/// A model at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    /// Classification or regression.
    pub task: Task,
    /// Whether the task was given or chosen from the target, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_choice: Option<TaskChoice>,
    /// Binary classification: the class of the `*_positive` metrics, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub positive_class: Option<PositiveClass>,
    /// The metric the search optimized.
    pub metric: Metric,
    /// The data file's name (without its folder), when known.
    #[serde(default)]
    pub data_file: Option<String>,
    /// Class labels, by class index (classification).
    #[serde(default)]
    pub classes: Vec<String>,
    /// The feature columns' names.
    #[serde(default)]
    pub features: Vec<String>,
    /// Each column's role and why, by name.
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnNote>,
    /// What the user should know about the data.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Rows trained on.
    pub train_rows: usize,
    /// Rows held out for the test scores.
    pub test_rows: usize,
    /// One entry per target (several only for multi-target regression).
    pub targets: Vec<TargetSummary>,
    /// Wall time of the whole training.
    pub training_seconds: f64,
}

/// A column's role in a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnNote {
    /// What training did with it.
    pub role: ColumnRole,
    /// Why.
    pub reason: String,
    /// Whether the caller's exclusion or inclusion decided it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub on_request: bool,
}

/// One target's result in a summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSummary {
    /// The target column.
    pub target: String,
    /// The best parameters' kernel.
    pub kernel: KernelName,
    /// The best parameters found.
    pub best_params: TrialParams,
    /// Mean cross-validation score of the best parameters; `None` when not finite.
    pub cv_mean: Option<f64>,
    /// Its standard deviation over the folds; `None` when not finite.
    pub cv_std: Option<f64>,
    /// Every metric of the task on the test split.
    pub test_metrics: BTreeMap<String, f64>,
    /// Support vectors of the final model.
    pub support_vectors: usize,
    /// The kernel approximation of the final model, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approximation: Option<ApproximationReport>,
}

impl ModelSummary {
    /// The summary of a training's report.
    pub fn of(report: &TrainingReport) -> ModelSummary {
        ModelSummary {
            task: report.task,
            task_choice: report.task_choice.clone(),
            positive_class: report.positive_class.clone(),
            metric: report.metric,
            data_file: report.data.data_file.clone(),
            classes: report.classes.clone(),
            features: report.data.features.clone(),
            columns: report
                .data
                .roles
                .iter()
                .map(|decision| {
                    let note = ColumnNote {
                        role: decision.role,
                        reason: decision.reason.clone(),
                        on_request: decision.on_request,
                    };
                    (decision.name.clone(), note)
                })
                .collect(),
            warnings: report.warnings.clone(),
            train_rows: report.data.train_rows,
            test_rows: report.data.test_rows,
            targets: report
                .targets
                .iter()
                .map(|target| TargetSummary {
                    target: target.target.clone(),
                    kernel: target.best_params.kernel,
                    best_params: target.best_params.clone(),
                    cv_mean: Some(target.cv_mean).filter(|value| value.is_finite()),
                    cv_std: Some(target.cv_std).filter(|value| value.is_finite()),
                    test_metrics: target.test_metrics.clone(),
                    support_vectors: target.support_vectors,
                    approximation: target.approximation.clone(),
                })
                .collect(),
            training_seconds: report.seconds,
        }
    }

    /// A summary read back from the registry; `None` when it does not parse.
    pub fn read(stored: &Value) -> Option<ModelSummary> {
        serde_json::from_value(stored.clone()).ok()
    }

    /// The first target's result (every model has one).
    pub fn first_target(&self) -> Option<&TargetSummary> {
        self.targets.first()
    }
}
