//! What a training did and found, as saved beside a model in `metadata.json`: the data
//! summary, and for each target its best parameters, cross-validation and test scores,
//! trials, feature importance and (linear kernel) weights.

use crate::report_data::{number_or_nan, numbers_or_nan, ClassificationSample, ColumnSummary};
use crate::saved_model::SavedModel;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use svmq_data::{ColumnDecision, PositiveClass, Task, TaskChoice};
use svmq_tune::metrics::Metric;
use svmq_tune::space::TrialParams;
use svmq_tune::study::TrialRecord;

/// What training made of the data file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DataSummary {
    /// The data file's name, without its folder (none in reports before it was kept).
    #[serde(default)]
    pub data_file: Option<String>,
    /// Data rows read from the file, header excluded.
    pub source_rows: usize,
    /// Rows with every target present: the rows split and trained on.
    pub usable_rows: usize,
    /// Rows left out because a target was missing.
    pub unlabeled_rows: usize,
    /// The feature columns' names, in table order.
    pub features: Vec<String>,
    /// Columns left out of the features: identifiers, free text, constant and empty
    /// columns, and those excluded on request.
    pub ignored_columns: Vec<String>,
    /// The target columns' names.
    pub targets: Vec<String>,
    /// Usable rows in the training split.
    pub train_rows: usize,
    /// Usable rows in the held-out test split.
    pub test_rows: usize,
    /// Classification: `(label, rows)` per class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_counts: Option<Vec<(String, usize)>>,
    /// Each feature column's inferred type, missing and distinct values.
    #[serde(default)]
    pub columns: Vec<ColumnSummary>,
    /// Every column's role (feature, target, identifier, constant, text, excluded)
    /// and why, in table order; empty in reports older than column roles.
    #[serde(default)]
    pub roles: Vec<ColumnDecision>,
}

/// Permutation importance of one input feature on the test split.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeatureImportance {
    /// The input feature (all its one-hot columns are shuffled together).
    pub feature: String,
    /// Mean drop of the test score when the feature's values are shuffled.
    #[serde(deserialize_with = "number_or_nan")]
    pub importance: f64,
    /// Population standard deviation of the drop over the repeated shuffles.
    #[serde(deserialize_with = "number_or_nan")]
    pub standard_deviation: f64,
}

/// The primal form of one decision function of a linear-kernel model, over the
/// preprocessed features.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinearWeights {
    /// The class pair (first class is the positive side), for classifiers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classes: Option<(String, String)>,
    /// `(preprocessed feature, weight)`; the decision value is Σ weight·x − rho.
    pub weights: Vec<(String, f64)>,
    /// The offset subtracted from Σ weight·x.
    pub rho: f64,
}

/// How one target's model was chosen and how it scores.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetReport {
    /// The target column.
    pub target: String,
    /// The best trial's hyperparameters, refit on the whole training split.
    pub best_params: TrialParams,
    /// The best trial's mean cross-validation score on the request's metric; NaN
    /// when it has none.
    #[serde(deserialize_with = "number_or_nan")]
    pub cv_mean: f64,
    /// Population standard deviation of the best trial's fold scores; NaN when it
    /// has none.
    #[serde(deserialize_with = "number_or_nan")]
    pub cv_std: f64,
    /// The best trial's score on each fold.
    #[serde(deserialize_with = "numbers_or_nan")]
    pub cv_fold_scores: Vec<f64>,
    /// Every metric of the task on the held-out test split, in original units.
    pub test_metrics: BTreeMap<String, f64>,
    /// Classification: counts `[truth][predicted]` on the test split, in `classes` order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confusion_matrix: Option<Vec<Vec<usize>>>,
    /// Support vectors of the final model.
    pub support_vectors: usize,
    /// Every trial of the search, in trial order (one, numbered 0, without a search).
    pub trials: Vec<TrialRecord>,
    /// One entry per input feature, in input order.
    pub feature_importance: Vec<FeatureImportance>,
    /// Linear kernel only: one entry per decision function (per class pair for a
    /// classifier).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linear_weights: Option<Vec<LinearWeights>>,
    /// Test-split truth and predictions (regression, for residual plots): the first
    /// `MAX_STORED_TEST_ROWS` rows of the (shuffled) test split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_predictions: Option<Vec<(f64, f64)>>,
    /// Classification: test-split truth, predictions and scores, bounded likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_sample: Option<ClassificationSample>,
    /// The kernel approximation of the final model, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approximation: Option<ApproximationReport>,
}

/// A final model trained through a kernel approximation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApproximationReport {
    /// `nystroem` or `rff` (random Fourier features).
    pub method: String,
    /// The features of the map: landmarks the model kept (its support vectors per
    /// class), or random Fourier features.
    pub landmarks: usize,
    /// Landmarks (or random features) asked for: more than kept when some landmarks
    /// were nearly spanned by others.
    pub requested_landmarks: usize,
    /// Exact against approximate on a sample, when it could be measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<ApproximationCheck>,
}

impl ApproximationReport {
    /// The method and its size in words: "Nyström with 1000 landmarks" or "1000
    /// random Fourier features".
    pub fn description(&self) -> String {
        match self.method.as_str() {
            "rff" => format!("{} random Fourier features", self.landmarks),
            "nystroem" => format!("Nyström with {} landmarks", self.landmarks),
            other => format!("{other} with {} features", self.landmarks),
        }
    }
}

/// The exact and the approximate fit of the same parameters on one sample of the
/// training rows, scored on the test split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApproximationCheck {
    /// Training rows of the sample.
    pub training_rows: usize,
    /// The metric of both scores.
    pub metric: Metric,
    /// The exact RBF SVM's test score.
    #[serde(deserialize_with = "number_or_nan")]
    pub exact: f64,
    /// The approximation's test score.
    #[serde(deserialize_with = "number_or_nan")]
    pub approximate: f64,
}

/// What a training did and found: saved as a model's `metadata.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainingReport {
    /// Classification or regression.
    pub task: Task,
    /// Whether the task was given or chosen from the target, and why; none in reports
    /// older than the choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_choice: Option<TaskChoice>,
    /// The metric the search optimized.
    pub metric: Metric,
    /// What was made of the data file.
    pub data: DataSummary,
    /// Binary classification: the class precision, recall, F1 and the ROC curve are
    /// about, and why; none for other tasks and in older reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub positive_class: Option<PositiveClass>,
    /// Class labels by class index (classification; empty for regression).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[serde(default)]
    pub classes: Vec<String>,
    /// One report per target column.
    pub targets: Vec<TargetReport>,
    /// Wall-clock time of the whole training, in seconds.
    pub seconds: f64,
    /// Things worth knowing that did not stop training.
    pub warnings: Vec<String>,
}

/// A finished training: the model to save and its report.
pub struct TrainingOutcome {
    /// The trained model.
    pub model: SavedModel,
    /// What the training did and found.
    pub report: TrainingReport,
}
