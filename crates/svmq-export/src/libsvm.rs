//! A saved model's engine in LIBSVM's model text format, readable by LIBSVM's own
//! `svm-predict` and by `svmq svm-predict`.
//!
//! The format holds the SVM only, not svmq's preprocessing: the model takes features
//! already imputed, one-hot encoded and scaled as svmq does (`svmq export … --data`
//! writes a data file that way). What is converted:
//! - class labels: LIBSVM labels are numbers, so when every class is written as an
//!   integer the file carries those integers; otherwise it carries class indices and
//!   [`LibsvmExport::class_indices`] says which class each index is;
//! - regression: the engine was trained on standardized targets; its coefficients and
//!   offset are rescaled so the file predicts in the target's units;
//! - one file holds one model: a multi-target regression exports one target at a time;
//! - a model on random Fourier features is refused: the format has no room for the map.

use crate::error::ExportError;
use crate::source::{engine_class_indices, in_target_units, integer_classes, ExportSource};
use svmq_core::libsvm_format::to_libsvm_text;
use svmq_data::Task;

/// A model file's text and how to read its labels.
pub struct LibsvmExport {
    /// The model file in LIBSVM's `svm-train` format.
    pub text: String,
    /// When the classes are not integers: `(index, class)` for each label in the file.
    pub class_indices: Option<Vec<(usize, String)>>,
    /// The target the file predicts.
    pub target: String,
}

/// The LIBSVM label of each class (by class index): the integer class itself, or its
/// index.
pub fn libsvm_labels(classes: &[String]) -> Vec<f64> {
    match integer_classes(classes) {
        Some(values) => values.into_iter().map(|value| value as f64).collect(),
        None => (0..classes.len()).map(|index| index as f64).collect(),
    }
}

/// The model of `target` (an index into the source's targets; `None` for a model
/// with one target) as LIBSVM model text.
pub fn to_libsvm(
    source: &ExportSource,
    target: Option<usize>,
) -> Result<LibsvmExport, ExportError> {
    source.check()?;
    let index = match target {
        Some(index) if index < source.targets.len() => index,
        Some(index) => {
            return Err(ExportError::Unsupported(format!(
                "target {index} does not exist; the model has {}",
                source.targets.len()
            )))
        }
        None if source.targets.len() == 1 => 0,
        None => {
            let names: Vec<&str> = source.targets.iter().map(|t| t.name).collect();
            return Err(ExportError::Unsupported(format!(
                "a LIBSVM model file holds one model and this model has {} targets ({}); choose one with --target",
                names.len(),
                names.join(", ")
            )));
        }
    };
    let chosen = &source.targets[index];
    if chosen.engine.feature_map.is_some() {
        return Err(ExportError::Unsupported(
            "this model was trained on random Fourier features, which a LIBSVM model file \
             cannot hold; export it as ONNX (--format onnx), or train with --approximation \
             nystroem or none for a LIBSVM file"
                .into(),
        ));
    }
    let (model, class_indices) = match source.task {
        Task::Classification => {
            let labels = libsvm_labels(source.classes);
            let mut model = chosen.engine.clone();
            model.labels = engine_class_indices(chosen.engine)
                .into_iter()
                .map(|class| labels[class])
                .collect();
            let indices = integer_classes(source.classes)
                .is_none()
                .then(|| source.classes.iter().cloned().enumerate().collect());
            (model, indices)
        }
        Task::Regression => (
            in_target_units(chosen.engine, chosen.mean, chosen.scale),
            None,
        ),
    };
    Ok(LibsvmExport {
        text: to_libsvm_text(&model),
        class_indices,
        target: chosen.name.to_string(),
    })
}
