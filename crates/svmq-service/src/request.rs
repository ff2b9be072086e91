//! What a caller asks of a training: the parameters of PRODUCT.md §2, with their
//! defaults and their limits, validated once. The same request travels as a queue
//! task's payload, so it is serde-serializable.

use crate::error::ServiceError;
use crate::parameter::{Parameter, ParameterMessage};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
pub use svmq_core::nystroem::{DEFAULT_LANDMARKS, MAX_LANDMARKS};
use svmq_core::KernelApproximation;
use svmq_data::{ColumnOverrides, ReadLimits, ScalingMethod, Task};
use svmq_tune::approximation::Approximation;
use svmq_tune::halving::Fidelity;
use svmq_tune::metrics::Metric;
use svmq_tune::sampler::SamplerKind;
use svmq_tune::space::KernelName;

/// Trials of a search unless asked otherwise.
pub const DEFAULT_TRIALS: usize = 50;
/// Trials one study may run at most.
pub const MAX_TRIALS: usize = 1000;
/// Cross-validation folds unless asked otherwise.
pub const DEFAULT_FOLDS: usize = 5;
/// Folds at most.
pub const MAX_FOLDS: usize = 20;
/// Target columns of one regression at most (one model each).
pub const MAX_TARGET_DIMENSION: usize = 100;
/// The share of rows held out for the test metrics unless asked otherwise.
pub const DEFAULT_TEST_SIZE: f64 = 0.2;
/// The seed of every random choice unless asked otherwise.
pub const DEFAULT_SEED: u64 = 42;
/// The share of rows held out for the test metrics, at least. Below 1 % a test split
/// is a handful of rows whose metrics mean nothing.
pub const MIN_TEST_SIZE: f64 = 0.01;
/// The share of rows held out for the test metrics, at most.
pub const MAX_TEST_SIZE: f64 = 0.9;
/// Columns one request may exclude, and columns it may include, at most.
pub const MAX_COLUMN_OVERRIDES: usize = 1000;
/// Characters of a column name in an exclusion or inclusion, at most.
pub const MAX_COLUMN_NAME_CHARS: usize = 1000;

/// Caps set by whoever runs a training (its configuration), never by the request: a
/// queued request is checked against the caps of the worker that runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Caps on the data file: bytes, rows, columns.
    pub read: ReadLimits,
    /// Trials one study may run, at most [`MAX_TRIALS`].
    pub max_trials: usize,
    /// Classes a classification target may hold.
    pub max_classes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            read: ReadLimits::default(),
            max_trials: MAX_TRIALS,
            max_classes: svmq_data::dataset::DEFAULT_MAX_CLASSES,
        }
    }
}

/// One kernel, or `auto`: the kernel becomes a dimension of the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum KernelChoice {
    /// `u·v`.
    Linear,
    /// `exp(−γ‖u−v‖²)`.
    Rbf,
    /// `(γ u·v + coef0)^degree`.
    Poly,
    /// `tanh(γ u·v + coef0)`.
    Sigmoid,
    /// All four; the search picks (without a search, the defaults use RBF).
    Auto,
}

impl KernelChoice {
    /// Every choice's name, as requests spell it.
    pub const NAMES: [&'static str; 5] = ["linear", "rbf", "poly", "sigmoid", "auto"];

    /// The choice named `linear`, `rbf`, `poly` (or `polynomial`), `sigmoid` or `auto`.
    pub fn from_name(name: &str) -> Option<KernelChoice> {
        Some(match name {
            "linear" => KernelChoice::Linear,
            "rbf" => KernelChoice::Rbf,
            "poly" | "polynomial" => KernelChoice::Poly,
            "sigmoid" => KernelChoice::Sigmoid,
            "auto" => KernelChoice::Auto,
            _ => return None,
        })
    }

    /// The kernels the search considers.
    pub fn kernels(self) -> Vec<KernelName> {
        match self {
            KernelChoice::Linear => vec![KernelName::Linear],
            KernelChoice::Rbf => vec![KernelName::Rbf],
            KernelChoice::Poly => vec![KernelName::Poly],
            KernelChoice::Sigmoid => vec![KernelName::Sigmoid],
            KernelChoice::Auto => KernelName::ALL.to_vec(),
        }
    }
}

/// One training, as asked for; [`TrainingRequest::validate`] checks the ranges.
/// Missing fields take the [`Default`] values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainingRequest {
    /// The data file: CSV/TSV, `.xlsx`, or LIBSVM (by extension `.libsvm`, `.svm`,
    /// `.svmlight`).
    pub data_source: PathBuf,
    /// Classification or regression; `None` chooses from the target when the data is
    /// read (see [`svmq_data::task_choice`]).
    pub task: Option<Task>,
    /// `None`: the last column.
    pub target_column: Option<String>,
    /// Regression: how many target columns (the last k), one model each.
    pub target_dimension: usize,
    /// Columns left out of the features whatever the rules say (by name).
    pub exclude_columns: Vec<String>,
    /// Columns the rules leave out (identifiers, free text) used as features all the
    /// same (by name).
    pub include_columns: Vec<String>,
    /// Binary classification: the class precision, recall, F1 and the ROC curve are
    /// about; `None` chooses by the rule of [`svmq_data::positive_class`].
    pub positive_label: Option<String>,
    /// The kernel, or `auto` to search over all of them.
    pub kernel: KernelChoice,
    /// Search hyperparameters; `false` cross-validates the search space's defaults.
    pub optimize_hyperparameters: bool,
    /// Trials of the search, 1 to the runner's `max_trials` (at most [`MAX_TRIALS`]).
    pub n_trials: usize,
    /// Cross-validation folds of the training split, 2 to [`MAX_FOLDS`].
    pub cv_folds: usize,
    /// `None`: accuracy for classification, r2 for regression.
    pub scoring_metric: Option<Metric>,
    /// Feature scaling, fitted on training rows only.
    pub scaling_method: ScalingMethod,
    /// Share of the rows held out for the test metrics.
    pub test_size: f64,
    /// Seeds every random choice: the split, the folds, the search, the engine's fits
    /// and the permutation importance.
    pub seed: u64,
    /// How the search proposes its trials.
    pub sampler: SamplerKind,
    /// Classifiers: fit Platt probabilities on the final model.
    pub probability: bool,
    /// Trials evaluated at once.
    pub parallel_trials: usize,
    /// Whether trials start on samples of the folds (successive halving).
    pub fidelity: Fidelity,
    /// Whether RBF trials and the final RBF fit use a kernel approximation, and which.
    pub approximation: Approximation,
    /// Landmarks of the Nyström approximation, or random features of the Fourier one;
    /// `None`: the default.
    pub landmarks: Option<usize>,
    /// The runner's caps; not part of the payload a queue stores.
    #[serde(skip)]
    pub limits: Limits,
}

impl Default for TrainingRequest {
    fn default() -> Self {
        TrainingRequest {
            data_source: PathBuf::new(),
            task: None,
            target_column: None,
            target_dimension: 1,
            exclude_columns: Vec::new(),
            include_columns: Vec::new(),
            positive_label: None,
            kernel: KernelChoice::Rbf,
            optimize_hyperparameters: true,
            n_trials: DEFAULT_TRIALS,
            cv_folds: DEFAULT_FOLDS,
            scoring_metric: None,
            scaling_method: ScalingMethod::Standard,
            test_size: DEFAULT_TEST_SIZE,
            seed: DEFAULT_SEED,
            sampler: SamplerKind::Tpe,
            probability: true,
            parallel_trials: 2,
            fidelity: Fidelity::Auto,
            approximation: Approximation::Auto,
            landmarks: None,
            limits: Limits::default(),
        }
    }
}

impl TrainingRequest {
    /// The kernel approximation RBF trials and the final RBF fit use on a training
    /// split of `training_rows` rows; `None`: solved exactly.
    pub fn approximation_for(&self, training_rows: usize) -> Option<KernelApproximation> {
        if !matches!(self.kernel, KernelChoice::Rbf | KernelChoice::Auto) {
            return None;
        }
        self.approximation.for_rows(training_rows, self.landmarks)
    }

    /// The task as far as it is known before the data is read: given, or implied by
    /// the scoring metric or by several target columns; `None` leaves it to the
    /// target's values.
    pub fn known_task(&self) -> Option<Task> {
        self.task
            .or(self.scoring_metric.map(|metric| {
                if metric.is_classification() {
                    Task::Classification
                } else {
                    Task::Regression
                }
            }))
            .or((self.target_dimension > 1).then_some(Task::Regression))
    }

    /// The task to train once the data is read: [`TrainingRequest::known_task`], else
    /// `chosen` (from the target's values).
    pub fn with_task(&self, chosen: Task) -> TrainingRequest {
        TrainingRequest {
            task: Some(self.known_task().unwrap_or(chosen)),
            ..self.clone()
        }
    }

    /// The task, for a request whose task is known (see [`TrainingRequest::with_task`]);
    /// classification when it is not yet.
    pub fn task(&self) -> Task {
        self.known_task().unwrap_or(Task::Classification)
    }

    /// The metric the search optimizes.
    pub fn metric(&self) -> Metric {
        self.scoring_metric.unwrap_or(match self.task() {
            Task::Classification => Metric::Accuracy,
            Task::Regression => Metric::R2,
        })
    }

    /// The caller's corrections to the column roles.
    pub fn column_overrides(&self) -> ColumnOverrides {
        ColumnOverrides {
            exclude: self.exclude_columns.clone(),
            include: self.include_columns.clone(),
        }
    }

    /// Refuses out-of-range parameters with a message saying the allowed range, the
    /// parameters named for each front end to spell ([`ParameterMessage`]).
    pub fn validate(&self) -> Result<(), ServiceError> {
        let invalid = |parameter: Parameter, rest: String| {
            Err(ServiceError::InvalidParameter(
                ParameterMessage::about(parameter).text(rest),
            ))
        };
        let max_trials = self.limits.max_trials.min(MAX_TRIALS);
        if self.n_trials == 0 || self.n_trials > max_trials {
            return invalid(
                Parameter::Trials,
                format!(" must be between 1 and {max_trials}, got {}", self.n_trials),
            );
        }
        if self.cv_folds < 2 || self.cv_folds > MAX_FOLDS {
            return invalid(
                Parameter::Folds,
                format!(" must be between 2 and {MAX_FOLDS}, got {}", self.cv_folds),
            );
        }
        if !(MIN_TEST_SIZE..=MAX_TEST_SIZE).contains(&self.test_size) {
            return invalid(
                Parameter::TestSize,
                format!(
                    " must be a fraction between {MIN_TEST_SIZE} and {MAX_TEST_SIZE}, got {}",
                    self.test_size
                ),
            );
        }
        if self.target_dimension == 0
            || self.target_dimension > MAX_TARGET_DIMENSION
            || (self.known_task() == Some(Task::Classification) && self.target_dimension != 1)
        {
            return invalid(
                Parameter::TargetDimension,
                format!(
                    " must be 1 for classification and between 1 and {MAX_TARGET_DIMENSION} \
                     for regression"
                ),
            );
        }
        let metric = self.metric();
        if metric.is_classification() != (self.task() == Task::Classification) {
            let allowed: Vec<&str> = match self.task() {
                Task::Classification => Metric::CLASSIFICATION.iter().map(|m| m.name()).collect(),
                Task::Regression => Metric::REGRESSION.iter().map(|m| m.name()).collect(),
            };
            return Err(ServiceError::InvalidParameter(
                ParameterMessage::about(Parameter::ScoringMetric)
                    .text(format!(
                        " {} does not fit a {} (set by ",
                        metric.name(),
                        if self.task() == Task::Classification {
                            "classification"
                        } else {
                            "regression"
                        }
                    ))
                    .parameter(Parameter::Task)
                    .text(format!("); use one of: {}", allowed.join(", "))),
            ));
        }
        for (parameter, names) in [
            (Parameter::ExcludeColumns, &self.exclude_columns),
            (Parameter::IncludeColumns, &self.include_columns),
        ] {
            if names.len() > MAX_COLUMN_OVERRIDES {
                return invalid(
                    parameter,
                    format!(
                        " names {} columns; at most {MAX_COLUMN_OVERRIDES} are allowed",
                        names.len()
                    ),
                );
            }
            if names
                .iter()
                .any(|name| name.is_empty() || name.chars().count() > MAX_COLUMN_NAME_CHARS)
            {
                return invalid(
                    parameter,
                    format!(
                        ": each column name must be 1 to {MAX_COLUMN_NAME_CHARS} characters; \
                         an empty name names no column"
                    ),
                );
            }
        }
        if let Some(label) = &self.positive_label {
            if label.is_empty() || label.chars().count() > MAX_COLUMN_NAME_CHARS {
                return invalid(
                    Parameter::PositiveLabel,
                    format!(" must be 1 to {MAX_COLUMN_NAME_CHARS} characters: a class label"),
                );
            }
            if self.known_task() == Some(Task::Regression) {
                return invalid(
                    Parameter::PositiveLabel,
                    " applies to classification only; a regression has no classes".into(),
                );
            }
        }
        if let Some(landmarks) = self.landmarks {
            if landmarks == 0 || landmarks > MAX_LANDMARKS {
                return invalid(
                    Parameter::Landmarks,
                    format!(" must be between 1 and {MAX_LANDMARKS}, got {landmarks}"),
                );
            }
        }
        if self.approximation.is_forced()
            && !matches!(self.kernel, KernelChoice::Rbf | KernelChoice::Auto)
        {
            return invalid(
                Parameter::Approximation,
                format!(
                    " {} approximates the rbf kernel; choose kernel rbf or auto",
                    self.approximation.name()
                ),
            );
        }
        if self.parallel_trials == 0 || self.parallel_trials > 16 {
            return invalid(
                Parameter::ParallelTrials,
                format!(" must be between 1 and 16, got {}", self.parallel_trials),
            );
        }
        Ok(())
    }
}
