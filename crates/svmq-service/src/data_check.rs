//! Checking a data file before any training: the data-quality report of `validate`,
//! and the refusal of a training request whose data cannot be trained on. Both read
//! the file with the configured limits and cap the classes as training does; neither
//! needs the store.

use std::path::Path;

use svmq_data::{validate, TargetOptions, ValidationOptions, ValidationReport};

use crate::error::ServiceError;
use crate::request::{Limits, TrainingRequest};
use crate::training::read_data;

/// The data-quality report of a file; `options.target.max_classes` is replaced by
/// the configured cap.
pub fn validate_file(
    path: &Path,
    limits: &Limits,
    options: &ValidationOptions,
) -> Result<ValidationReport, ServiceError> {
    let table = read_data(path, &limits.read)?;
    let mut options = options.clone();
    options.target.max_classes = limits.max_classes;
    Ok(validate(&table, &options))
}

/// Reads a request's data and refuses it now, with every blocking problem, rather
/// than letting its task fail later.
pub fn check_training_data(request: &TrainingRequest) -> Result<(), ServiceError> {
    let options = ValidationOptions {
        task: request.task,
        target: TargetOptions {
            target_column: request.target_column.clone(),
            target_dimension: request.target_dimension,
            max_classes: request.limits.max_classes,
        },
        columns: request.column_overrides(),
        folds: Some(request.cv_folds),
    };
    let report = validate_file(&request.data_source, &request.limits, &options)?;
    if report.is_trainable() {
        return Ok(());
    }
    Err(ServiceError::InvalidRequest(format!(
        "the data cannot be trained on: {}. Fix the data or the parameters (validating the \
         file gives the full report)",
        report.blocking_problems.join("; ")
    )))
}
