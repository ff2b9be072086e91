//! A trained svmq model as saved on disk: the preprocessing fitted on the training
//! split, one engine model per target, the class labels in their original form, and
//! everything needed to predict from raw rows. Stored in a checksummed, versioned
//! envelope (never executable); `metadata.json` beside it holds the report.

use crate::error::ServiceError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use svmq_core::model_format::{from_envelope, to_envelope};
use svmq_core::{Matrix, Model};
use svmq_data::{FittedPreprocessor, Task};
use svmq_tune::space::TrialParams;

pub const SAVED_MODEL_FORMAT: &str = "svmq-saved-model";
pub const SAVED_MODEL_VERSION: u32 = 1;
pub const MODEL_FILE_NAME: &str = "model.json";
pub const METADATA_FILE_NAME: &str = "metadata.json";

/// The model of one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetModel {
    /// The target column's name.
    pub name: String,
    pub params: TrialParams,
    /// Trained on class indices (classification) or standardized values.
    pub engine: Model,
    /// Regression: prediction = engine value · scale + mean (1 and 0 otherwise).
    pub target_mean: f64,
    pub target_scale: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedModel {
    pub task: Task,
    /// Class labels as written in the data, by class index (classification).
    pub classes: Vec<String>,
    pub preprocessor: FittedPreprocessor,
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
    pub fn to_text(&self) -> String {
        to_envelope(SAVED_MODEL_FORMAT, SAVED_MODEL_VERSION, self)
    }

    pub fn from_text(text: &str) -> Result<SavedModel, ServiceError> {
        let model: SavedModel = from_envelope(text, SAVED_MODEL_FORMAT, SAVED_MODEL_VERSION)
            .map_err(|error| ServiceError::Model(error.to_string()))?;
        for target in &model.targets {
            target
                .engine
                .validate()
                .map_err(|error| ServiceError::Model(error.to_string()))?;
        }
        if model.targets.is_empty() {
            return Err(ServiceError::Model("the model has no target".into()));
        }
        Ok(model)
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
