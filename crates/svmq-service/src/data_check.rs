//! Checking a data file before any training: the data-quality report of `validate`,
//! and the refusal of a training request whose data cannot be trained on. Both read
//! the file with the configured limits and cap the classes as training does; neither
//! needs the store.

use std::path::Path;

use svmq_data::{
    choose_task, positive_class, validate_owned, LabelEncoder, TargetOptions, Task, TaskChoice,
    ValidationOptions, ValidationReport,
};

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
    Ok(validate_owned(table, &options))
}

/// Reads a request's data and refuses it now, with every blocking problem, rather
/// than letting its task fail later. A classification asked for a continuous target
/// is refused with [`svmq_data::DataError::ContinuousTarget`], for the caller to
/// phrase its fix.
pub fn check_training_data(request: &TrainingRequest) -> Result<(), ServiceError> {
    let table = read_data(&request.data_source, &request.limits.read)?;
    let target = target_options(request);
    let choice = choose_task(&table, request.known_task(), &target)?;
    let options = ValidationOptions {
        task: Some(choice.task),
        target,
        columns: request.column_overrides(),
        folds: Some(request.cv_folds),
    };
    let report = validate_owned(table, &options);
    if report.is_trainable() {
        if let (Some(label), Task::Classification) = (&request.positive_label, choice.task) {
            let labels = report
                .class_balance
                .iter()
                .map(|class| class.label.as_str());
            let counts: Vec<usize> = report
                .class_balance
                .iter()
                .map(|class| class.count)
                .collect();
            positive_class(&LabelEncoder::fit(labels), &counts, Some(label))?;
        }
        return Ok(());
    }
    Err(ServiceError::InvalidRequest(format!(
        "the data cannot be trained on: {}. Fix the data or the parameters (validating the \
         file gives the full report)",
        report.blocking_problems.join("; ")
    )))
}

/// The task a request trains: the one it gives or implies, else the one its target's
/// values ask for (reading the data file).
pub fn resolve_task(request: &TrainingRequest) -> Result<TaskChoice, ServiceError> {
    if let Some(task) = request.known_task() {
        return Ok(TaskChoice::given(task));
    }
    let table = read_data(&request.data_source, &request.limits.read)?;
    Ok(choose_task(&table, None, &target_options(request))?)
}

fn target_options(request: &TrainingRequest) -> TargetOptions {
    TargetOptions {
        target_column: request.target_column.clone(),
        target_dimension: request.target_dimension,
        max_classes: request.limits.max_classes,
    }
}
