//! A trained svmq model as saved on disk: the preprocessing fitted on the training
//! split, one engine model per target, the class labels in their original form, and
//! everything needed to predict from raw rows. Stored in a checksummed, versioned
//! envelope (never executable); `metadata.json` beside it holds the report.
//!
//! The checksum is unkeyed, so anyone can re-seal an edited file: reading validates
//! the whole model before anything uses it (see [`SavedModel::validate`]).

use crate::error::ServiceError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use svmq_core::model_format::{from_envelope, model_version, to_envelope, FORMAT_VERSION};
use svmq_core::{Matrix, Model};
use svmq_data::{FittedPreprocessor, Task};
use svmq_tune::space::{Gamma, TrialParams};

/// The largest polynomial degree a model may record (the engine's own bound).
const MAX_DEGREE: u32 = 64;

/// The format name written in, and required of, a saved model's envelope.
pub const SAVED_MODEL_FORMAT: &str = "svmq-saved-model";
/// The envelope version of a saved model without a feature map.
pub const SAVED_MODEL_VERSION: u32 = 1;
/// The format version of a saved model whose engine has a random Fourier feature map:
/// builds from before maps refuse it instead of predicting without the map.
pub const SAVED_MODEL_FEATURE_MAP_VERSION: u32 = 2;
/// The model's file in a model directory.
pub const MODEL_FILE_NAME: &str = "model.json";
/// The training report's file in a model directory.
pub const METADATA_FILE_NAME: &str = "metadata.json";

/// The model of one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetModel {
    /// The target column's name.
    pub name: String,
    /// The hyperparameters it was trained with (the search's best).
    pub params: TrialParams,
    /// Trained on class indices (classification) or standardized values.
    pub engine: Model,
    /// Regression: prediction = engine value · scale + mean (1 and 0 otherwise).
    pub target_mean: f64,
    /// See `target_mean`; finite and non-zero.
    pub target_scale: f64,
}

/// A trained model: everything prediction and export need, from raw rows to labels or
/// values in the target's units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedModel {
    /// Classification or regression.
    pub task: Task,
    /// Class labels as written in the data, by class index (classification).
    pub classes: Vec<String>,
    /// Imputation, one-hot encoding and scaling, fitted on the training split.
    pub preprocessor: FittedPreprocessor,
    /// One model per target column: exactly one for classification.
    pub targets: Vec<TargetModel>,
}

/// One predicted row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictedRow {
    /// Classification: the label as written in the training data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Regression: one value per target, in the target's units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<f64>>,
    /// Classification with probabilities: `(label, probability)` for every class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probabilities: Option<Vec<(String, f64)>>,
    /// One decision value per class pair (one for two classes and for regression).
    pub decision_values: Vec<f64>,
}

impl SavedModel {
    /// The model as the text of `model.json`: a checksummed, versioned envelope.
    pub fn to_text(&self) -> String {
        let version = match model_version(self.targets.iter().map(|target| &target.engine)) {
            FORMAT_VERSION => SAVED_MODEL_VERSION,
            _ => SAVED_MODEL_FEATURE_MAP_VERSION,
        };
        to_envelope(SAVED_MODEL_FORMAT, version, self)
    }

    /// Reads a saved model and checks it whole (see [`SavedModel::validate`]): the
    /// checksum only proves the file is as sealed, not that whoever sealed it was svmq.
    pub fn from_text(text: &str) -> Result<SavedModel, ServiceError> {
        let versions = SAVED_MODEL_VERSION..=SAVED_MODEL_FEATURE_MAP_VERSION;
        let model: SavedModel = from_envelope(text, SAVED_MODEL_FORMAT, versions)
            .map_err(|error| ServiceError::Model(error.to_string()))?;
        model.validate()?;
        Ok(model)
    }

    /// Checks that everything prediction and export rely on holds, so that a model file
    /// edited and re-sealed is refused with what is wrong instead of panicking later:
    /// the preprocessing ([`FittedPreprocessor::validate`]) and each engine model
    /// ([`Model::validate`]); the engine's input width equals the preprocessing's output;
    /// a classification model has one classifier target over at least two distinct
    /// classes whose engine labels are class indices; a regression model has regression
    /// engines and finite target scalings; the recorded parameters are in their domains.
    pub fn validate(&self) -> Result<(), ServiceError> {
        let invalid =
            |message: String| Err(ServiceError::Model(format!("invalid model: {message}")));
        self.preprocessor
            .validate()
            .map_err(|error| ServiceError::Model(error.to_string()))?;
        if self.targets.is_empty() {
            return invalid("the model has no target".into());
        }
        let width = self.preprocessor.output_width();
        for (position, target) in self.targets.iter().enumerate() {
            let which = format!("target {}", position + 1);
            target
                .engine
                .validate()
                .map_err(|error| ServiceError::Model(format!("{which}: {error}")))?;
            if target.engine.feature_count() != width {
                return invalid(format!(
                    "{which}: the engine takes {} features but the preprocessing makes {width}",
                    target.engine.feature_count()
                ));
            }
            check_params(&target.params).map_err(|message| {
                ServiceError::Model(format!("invalid model: {which}: {message}"))
            })?;
            let engine_type = target.engine.svm_type;
            match self.task {
                Task::Classification if !engine_type.is_classification() => {
                    return invalid(format!(
                        "{which}: a classification model holds a {} engine",
                        engine_type.libsvm_name()
                    ))
                }
                Task::Regression if !engine_type.is_regression() => {
                    return invalid(format!(
                        "{which}: a regression model holds a {} engine",
                        engine_type.libsvm_name()
                    ))
                }
                _ => {}
            }
            let scaling_usable = target.target_mean.is_finite()
                && target.target_scale.is_finite()
                && target.target_scale != 0.0;
            if !scaling_usable {
                return invalid(format!(
                    "{which}: target_mean and target_scale must be finite and the scale non-zero"
                ));
            }
        }
        if self.task == Task::Classification {
            self.validate_classes()?;
        }
        Ok(())
    }

    fn validate_classes(&self) -> Result<(), ServiceError> {
        let invalid =
            |message: String| Err(ServiceError::Model(format!("invalid model: {message}")));
        if self.targets.len() != 1 {
            return invalid(format!(
                "a classification model has one target, found {}",
                self.targets.len()
            ));
        }
        if self.classes.len() < 2 {
            return invalid(format!(
                "a classification model needs at least 2 classes, found {}",
                self.classes.len()
            ));
        }
        let distinct: std::collections::HashSet<&str> =
            self.classes.iter().map(String::as_str).collect();
        if distinct.len() != self.classes.len() {
            return invalid("the class names are not distinct".into());
        }
        let classes = self.classes.len() as f64;
        let engine = &self.targets[0].engine;
        if let Some(label) = engine
            .labels
            .iter()
            .find(|&&label| !(label >= 0.0 && label < classes && label.fract() == 0.0))
        {
            return invalid(format!(
                "engine label {label} is not the index of one of the {} classes",
                self.classes.len()
            ));
        }
        Ok(())
    }

    /// Reads `model.json` from a model directory.
    pub fn load(directory: &Path) -> Result<SavedModel, ServiceError> {
        let path = directory.join(MODEL_FILE_NAME);
        let text = std::fs::read_to_string(&path).map_err(|source| ServiceError::Io {
            action: "cannot read the model file",
            path: path.display().to_string(),
            source,
        })?;
        SavedModel::from_text(&text)
    }

    /// Predicts preprocessed rows (see `FittedPreprocessor::transform_*`).
    pub fn predict_matrix(&self, rows: &Matrix, with_probability: bool) -> Vec<PredictedRow> {
        let per_target: Vec<Vec<svmq_core::Prediction>> = self
            .targets
            .iter()
            .map(|target| {
                target
                    .engine
                    .predictor()
                    .predict_all(rows, with_probability)
            })
            .collect();
        (0..rows.rows())
            .map(|row| match self.task {
                Task::Classification => {
                    let prediction = &per_target[0][row];
                    let engine = &self.targets[0].engine;
                    let label = self.classes.get(prediction.value as usize).cloned();
                    let probabilities = prediction.probabilities.as_ref().map(|values| {
                        let mut by_class: Vec<(String, f64)> = self
                            .classes
                            .iter()
                            .map(|class| (class.clone(), 0.0))
                            .collect();
                        for (engine_label, value) in engine.labels.iter().zip(values) {
                            by_class[*engine_label as usize].1 = *value;
                        }
                        by_class
                    });
                    PredictedRow {
                        label,
                        values: None,
                        probabilities,
                        decision_values: prediction.decision_values.clone(),
                    }
                }
                Task::Regression => PredictedRow {
                    label: None,
                    values: Some(
                        self.targets
                            .iter()
                            .zip(&per_target)
                            .map(|(target, predictions)| {
                                predictions[row].value * target.target_scale + target.target_mean
                            })
                            .collect(),
                    ),
                    probabilities: None,
                    decision_values: per_target
                        .iter()
                        .map(|p| p[row].decision_values[0])
                        .collect(),
                },
            })
            .collect()
    }

    /// Whether probabilities can be predicted.
    pub fn has_probability(&self) -> bool {
        self.task == Task::Classification && self.targets[0].engine.probability.is_some()
    }
}

/// The recorded training parameters, in the domains training draws them from.
fn check_params(params: &TrialParams) -> Result<(), String> {
    if !(params.c.is_finite() && params.c > 0.0) {
        return Err(format!("C must be a positive number, got {}", params.c));
    }
    if let Some(Gamma::Value(gamma)) = params.gamma {
        if !(gamma.is_finite() && gamma > 0.0) {
            return Err(format!("gamma must be a positive number, got {gamma}"));
        }
    }
    if let Some(degree) = params.degree {
        if !(1..=MAX_DEGREE).contains(&degree) {
            return Err(format!(
                "degree must be between 1 and {MAX_DEGREE}, got {degree}"
            ));
        }
    }
    if params.coef0.is_some_and(|coef0| !coef0.is_finite()) {
        return Err("coef0 must be a finite number".into());
    }
    if params
        .epsilon
        .is_some_and(|epsilon| !(epsilon.is_finite() && epsilon >= 0.0))
    {
        return Err("epsilon must be a non-negative number".into());
    }
    Ok(())
}
