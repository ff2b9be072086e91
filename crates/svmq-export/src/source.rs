//! What an export reads from a saved model, and the conversions both formats share:
//! class labels in the engine's class order, and a regression model moved back to
//! the target's own units.
//!
//! A saved model's engine works on class indices (classification) or standardized
//! targets (regression); users expect labels as written in their data and values in
//! their units, so exports undo both.

use crate::error::ExportError;
use svmq_core::{Model, ProbabilityModel};
use svmq_data::{FittedPreprocessor, Task};

/// A saved model as the exporters see it.
pub struct ExportSource<'a> {
    /// Classification or regression.
    pub task: Task,
    /// Class labels as written in the training data, by class index.
    pub classes: &'a [String],
    /// The preprocessing fitted on the training data.
    pub preprocessor: &'a FittedPreprocessor,
    /// One engine model per target (several only for multi-target regression).
    pub targets: Vec<TargetSource<'a>>,
}

/// One target's engine model.
pub struct TargetSource<'a> {
    /// The target column's name.
    pub name: &'a str,
    /// Trained on class indices (classification) or standardized values.
    pub engine: &'a Model,
    /// Regression: value = engine output · `scale` + `mean`.
    pub mean: f64,
    /// Regression: the factor the engine output is multiplied by (see `mean`).
    pub scale: f64,
}

impl ExportSource<'_> {
    /// Checks what every exporter relies on.
    pub fn check(&self) -> Result<(), ExportError> {
        if self.targets.is_empty() {
            return Err(ExportError::Inconsistent("the model has no target".into()));
        }
        let width = self.preprocessor.output_width();
        for target in &self.targets {
            target
                .engine
                .validate()
                .map_err(|error| ExportError::Inconsistent(error.to_string()))?;
            if target.engine.support_vectors.rows() == 0 {
                return Err(ExportError::Unsupported(format!(
                    "the model of {:?} has no support vector",
                    target.name
                )));
            }
            if target.engine.feature_count() != width {
                return Err(ExportError::Inconsistent(format!(
                    "the engine expects {} features, the preprocessing makes {width}",
                    target.engine.feature_count()
                )));
            }
            let engine_kind = match self.task {
                Task::Classification => target.engine.svm_type.is_classification(),
                Task::Regression => target.engine.svm_type.is_regression(),
            };
            if !engine_kind {
                return Err(ExportError::Inconsistent(format!(
                    "a {:?} model holds a {} engine",
                    self.task,
                    target.engine.svm_type.libsvm_name()
                )));
            }
            if self.task == Task::Classification {
                let known = target
                    .engine
                    .labels
                    .iter()
                    .all(|&label| label >= 0.0 && (label as usize) < self.classes.len());
                if !known {
                    return Err(ExportError::Inconsistent(
                        "an engine label is not a class index".into(),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The classes as int64 when every one is written as an integer (`"3"`, `"-1"`, not
/// `"3.0"` or `"03"`), else `None`.
pub fn integer_classes(classes: &[String]) -> Option<Vec<i64>> {
    classes
        .iter()
        .map(|class| {
            class
                .parse::<i64>()
                .ok()
                .filter(|value| value.to_string() == *class)
        })
        .collect()
}

/// The engine's class labels (class indices) in the engine's order, as the class
/// index each one is.
pub fn engine_class_indices(engine: &Model) -> Vec<usize> {
    engine.labels.iter().map(|&label| label as usize).collect()
}

/// A regression engine whose outputs are in the target's units:
/// `s·(Σ coef·k − ρ) + m = Σ (s·coef)·k − (s·ρ − m)`. A Laplace scale of the
/// residuals is scaled by `s` too.
pub fn in_target_units(engine: &Model, mean: f64, scale: f64) -> Model {
    let mut model = engine.clone();
    for row in &mut model.coefficients {
        for coefficient in row.iter_mut() {
            *coefficient *= scale;
        }
    }
    for rho in &mut model.rho {
        *rho = *rho * scale - mean;
    }
    if let Some(ProbabilityModel::Laplace { sigma }) = &mut model.probability {
        *sigma *= scale.abs();
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;
    use svmq_core::{Kernel, Matrix, SvmType};

    #[test]
    fn integer_classes_need_every_label_written_as_an_integer() {
        let strings = |values: &[&str]| values.iter().map(|v| v.to_string()).collect::<Vec<_>>();
        assert_eq!(integer_classes(&strings(&["-1", "1"])), Some(vec![-1, 1]));
        assert_eq!(
            integer_classes(&strings(&["0", "1", "10"])),
            Some(vec![0, 1, 10])
        );
        assert_eq!(integer_classes(&strings(&["1.0", "2"])), None);
        assert_eq!(integer_classes(&strings(&["01", "2"])), None);
        assert_eq!(integer_classes(&strings(&["setosa", "2"])), None);
    }

    #[test]
    fn a_regression_model_in_target_units_predicts_scaled_values() {
        let engine = Model {
            svm_type: SvmType::EpsilonSvr,
            kernel: Kernel::Rbf { gamma: 0.5 },
            labels: vec![],
            support_vectors: Matrix::from_rows(&[vec![0.0, 1.0], vec![1.0, -1.0]]).unwrap(),
            support_vector_counts: vec![],
            coefficients: vec![vec![0.7, -0.3]],
            rho: vec![0.2],
            probability: Some(ProbabilityModel::Laplace { sigma: 0.1 }),
            support_vector_indices: vec![],
            feature_map: None,
        };
        let (mean, scale) = (150.0, 40.0);
        let moved = in_target_units(&engine, mean, scale);
        for x in [[0.3, 0.2], [-1.0, 2.0]] {
            let standardized = engine.predictor().predict(&x, false).value;
            let value = moved.predictor().predict(&x, false).value;
            assert!((value - (standardized * scale + mean)).abs() < 1e-9);
        }
        assert_eq!(
            moved.probability,
            Some(ProbabilityModel::Laplace { sigma: 4.0 })
        );
    }
}
