//! Training from a data file: read, type, split off a test set, search
//! hyperparameters by cross-validation on the training split (preprocessing fitted
//! inside each fold), refit the best on the whole training split, and evaluate on the
//! test split. Regression with several targets trains one model per target.
//!
//! Nothing fitted ever sees the rows it is evaluated on: that is the point of this
//! module (the Python original leaked preprocessing across folds and had no test set).

use crate::error::ServiceError;
use crate::parameter::{Parameter, ParameterMessage};
use crate::report_data::column_summaries;
use crate::request::TrainingRequest;
use crate::saved_model::SavedModel;
use crate::target_search::TargetContext;
use std::sync::atomic::AtomicBool;
use std::time::Instant;
use svmq_core::FitControl;
use svmq_data::{
    positive_class, shuffled_split, stratified_split, validate::validate_training, Dataset,
    PositiveClass, PreprocessOptions, Preprocessor, Split, Target, TargetOptions,
};

pub use crate::training_observer::{NoCheckpoint, Silent, TrainingObserver, TrialCheckpoint};
pub use crate::training_report::{
    DataSummary, FeatureImportance, LinearWeights, TargetReport, TrainingOutcome, TrainingReport,
};

/// Trains as `request` says. Returns `ServiceError::Stopped` when `stop` is raised.
pub fn train(
    request: &TrainingRequest,
    observer: &dyn TrainingObserver,
    stop: &AtomicBool,
) -> Result<TrainingOutcome, ServiceError> {
    train_resumable(request, observer, stop, &NoCheckpoint)
}

/// `train`, saving each finished trial to `checkpoint` and continuing the searches
/// from the trials it already holds.
pub fn train_resumable(
    request: &TrainingRequest,
    observer: &dyn TrainingObserver,
    stop: &AtomicBool,
    checkpoint: &dyn TrialCheckpoint,
) -> Result<TrainingOutcome, ServiceError> {
    request.validate()?;
    let started = Instant::now();
    // Between phases the stop flag is read, so that a cancel is seen within a
    // second whatever the phase; the long phases also check it inside.
    let check_stop = || {
        if stop.load(std::sync::atomic::Ordering::Acquire) {
            Err(ServiceError::Stopped)
        } else {
            Ok(())
        }
    };
    observer.progress(1.0, "reading data");
    let table = read_data_until_stopped(&request.data_source, &request.limits.read, stop)?;
    check_stop()?;
    let source_rows = table.rows();
    let target_options = TargetOptions {
        target_column: request.target_column.clone(),
        target_dimension: request.target_dimension,
        max_classes: request.limits.max_classes,
    };
    let mut dataset = Dataset::prepare_choosing(
        table,
        request.known_task(),
        &target_options,
        &request.column_overrides(),
    )?;
    if request.task.is_none() && !dataset.task_choice.inferred {
        dataset.task_choice.reason = "implied by the scoring metric or the target dimension".into();
    }
    // From here on the request's task is the one trained.
    let request = &request.with_task(dataset.task);
    check_stop()?;
    dataset.check_folds(request.cv_folds)?;
    let split = split(&dataset, request)?;
    check_test_split(&dataset, &split, request.test_size)?;
    check_training_classes(&dataset, &split, request.cv_folds)?;
    let positive = positive(&dataset, request)?;
    check_stop()?;
    // The data-quality warnings of `validate` that apply to the prepared data: its
    // blocking problems were just checked above.
    // Target leaks are measured on the training split only.
    let warnings = validate_training(&dataset, Some(request.cv_folds), &split.train).warnings;
    let mut summary = summarize(&dataset, &split, source_rows);
    summary.data_file = request
        .data_source
        .file_name()
        .map(|name| name.to_string_lossy().into_owned());
    observer.log(&format!(
        "data: {} usable rows, {} features, {} train / {} test",
        summary.usable_rows,
        summary.features.len(),
        summary.train_rows,
        summary.test_rows
    ));
    let control = FitControl::new().with_stop_flag(stop);
    let preprocessor = Preprocessor::from_dataset(&dataset);
    let options = PreprocessOptions {
        scaling: request.scaling_method,
    };
    let train_rows: Vec<usize> = split.train.iter().map(|&p| dataset.rows[p]).collect();
    let test_rows: Vec<usize> = split.test.iter().map(|&p| dataset.rows[p]).collect();
    let fitted = preprocessor.fit(&dataset.table, &train_rows, &options)?;
    let train_matrix = fitted.transform(&dataset.table, &train_rows)?;
    let test_matrix = fitted.transform(&dataset.table, &test_rows)?;
    check_stop()?;
    let targets = dataset.target_names();
    let mut target_models = Vec::new();
    let mut target_reports = Vec::new();
    for (index, name) in targets.iter().enumerate() {
        let values = target_values(&dataset, index);
        let context = TargetContext {
            request,
            dataset: &dataset,
            preprocessor: &preprocessor,
            options: &options,
            split: &split,
            values: &values,
            observer,
            control: &control,
            share: (index, targets.len()),
            checkpoint,
        };
        let evaluators = context.fold_evaluators()?;
        check_stop()?;
        let trials = context.search(&evaluators)?;
        // The folds' copies of the rows are done with: the refit needs the memory.
        drop(evaluators);
        let best = svmq_tune::study::best_index(&trials, request.metric()).ok_or_else(|| {
            ServiceError::InvalidRequest(
                "no trial completed: every parameter set failed; see the task log".into(),
            )
        })?;
        let best_trial = trials[best].clone();
        observer.progress(
            context.percent(1.0),
            &format!("refitting {name} on the training split"),
        );
        let (target_model, report) = context.refit(
            name,
            &best_trial,
            trials,
            &fitted,
            &train_matrix,
            &test_matrix,
        )?;
        target_models.push(target_model);
        target_reports.push(report);
        check_stop()?;
    }
    if let Some(positive) = &positive {
        for report in &mut target_reports {
            add_positive_metrics(report, positive.index);
        }
    }
    let classes = dataset
        .encoder()
        .map(|encoder| encoder.classes().to_vec())
        .unwrap_or_default();
    observer.progress(100.0, "done");
    Ok(TrainingOutcome {
        model: SavedModel {
            task: dataset.task,
            classes: classes.clone(),
            preprocessor: fitted,
            targets: target_models,
        },
        report: TrainingReport {
            task: dataset.task,
            task_choice: Some(dataset.task_choice.clone()),
            positive_class: positive,
            metric: request.metric(),
            data: summary,
            classes,
            targets: target_reports,
            seconds: started.elapsed().as_secs_f64(),
            warnings,
        },
    })
}

/// Reads a data file (see [`svmq_data::read_data_file`]).
pub fn read_data(
    path: &std::path::Path,
    limits: &svmq_data::ReadLimits,
) -> Result<svmq_data::RawTable, ServiceError> {
    read_data_until_stopped(path, limits, &AtomicBool::new(false))
}

/// [`read_data`], ending with `ServiceError::Stopped` soon after `stop` is raised.
pub fn read_data_until_stopped(
    path: &std::path::Path,
    limits: &svmq_data::ReadLimits,
    stop: &AtomicBool,
) -> Result<svmq_data::RawTable, ServiceError> {
    svmq_data::read_data_file(path, limits, stop).map_err(|error| match error {
        svmq_data::DataError::Stopped => ServiceError::Stopped,
        other => other.into(),
    })
}

/// The positive class of a binary target (see [`svmq_data::positive_class`]); a
/// positive label given for a regression is refused.
fn positive(
    dataset: &Dataset,
    request: &TrainingRequest,
) -> Result<Option<PositiveClass>, ServiceError> {
    let given = request.positive_label.as_deref();
    let (Some(encoder), Some(classes)) = (dataset.encoder(), dataset.classes()) else {
        if given.is_some() {
            return Err(ServiceError::InvalidParameter(
                ParameterMessage::about(Parameter::PositiveLabel)
                    .text(" applies to classification only; a regression has no classes"),
            ));
        }
        return Ok(None);
    };
    let mut counts = vec![0; encoder.len()];
    for &class in classes {
        counts[class] += 1;
    }
    Ok(positive_class(encoder, &counts, given)?)
}

/// Adds precision, recall and F1 of the positive class to a binary classifier's test
/// metrics, from its test confusion matrix (`[truth][predicted]`). A ratio without
/// rows to count (no row predicted positive, say) is 0, as scikit-learn reports it.
fn add_positive_metrics(report: &mut TargetReport, positive: usize) {
    let Some(matrix) = &report.confusion_matrix else {
        return;
    };
    let true_positives = matrix[positive][positive] as f64;
    let predicted: usize = matrix.iter().map(|row| row[positive]).sum();
    let actual: usize = matrix[positive].iter().sum();
    let ratio = |count: f64, total: usize| {
        if total == 0 {
            0.0
        } else {
            count / total as f64
        }
    };
    let precision = ratio(true_positives, predicted);
    let recall = ratio(true_positives, actual);
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    report
        .test_metrics
        .insert("precision_positive".into(), precision);
    report.test_metrics.insert("recall_positive".into(), recall);
    report.test_metrics.insert("f1_positive".into(), f1);
}

/// The held-out test split, stratified for classification.
fn split(dataset: &Dataset, request: &TrainingRequest) -> Result<Split, ServiceError> {
    Ok(match dataset.classes() {
        Some(classes) => stratified_split(classes, request.test_size, request.seed)?,
        None => shuffled_split(dataset.rows.len(), request.test_size, request.seed)?,
    })
}

/// The fewest test rows a regression's metrics are computed on (r2 needs a spread).
const MIN_REGRESSION_TEST_ROWS: usize = 2;

/// Refuses a test split too small for its metrics to mean anything: one without a row
/// of every class, or a regression's with fewer than two rows.
fn check_test_split(dataset: &Dataset, split: &Split, test_size: f64) -> Result<(), ServiceError> {
    let refuse = |needed: String| {
        Err(ServiceError::InvalidParameter(
            ParameterMessage::about(Parameter::TestSize)
                .text(format!(
                    " {test_size} holds out {} of {} rows, but the test metrics need {needed}; raise ",
                    split.test.len(),
                    dataset.rows.len(),
                ))
                .parameter(Parameter::TestSize)
                .text(format!(
                    " (between {} and {})",
                    crate::request::MIN_TEST_SIZE,
                    crate::request::MAX_TEST_SIZE
                )),
        ))
    };
    match (dataset.classes(), dataset.encoder()) {
        (Some(classes), Some(encoder)) => {
            let mut seen = vec![false; encoder.len()];
            for &position in &split.test {
                seen[classes[position]] = true;
            }
            if seen.iter().any(|seen| !seen) {
                return refuse(format!("a row of each of the {} classes", encoder.len()));
            }
            Ok(())
        }
        _ if split.test.len() < MIN_REGRESSION_TEST_ROWS => {
            refuse(format!("at least {MIN_REGRESSION_TEST_ROWS}"))
        }
        _ => Ok(()),
    }
}

/// Refuses a class with fewer members in the training split than folds.
/// `Dataset::check_folds` counts the whole file, but the folds are made on the
/// training split after the test split has held some of each class back: a class
/// passing that check could still leave a fold's validation part without a member,
/// where metrics such as roc_auc are undefined and every trial would fail.
fn check_training_classes(
    dataset: &Dataset,
    split: &Split,
    folds: usize,
) -> Result<(), ServiceError> {
    let (Some(classes), Some(encoder)) = (dataset.classes(), dataset.encoder()) else {
        return Ok(());
    };
    let mut training = vec![0usize; encoder.len()];
    for &position in &split.train {
        training[classes[position]] += 1;
    }
    let mut held_out = vec![0usize; encoder.len()];
    for &position in &split.test {
        held_out[classes[position]] += 1;
    }
    let smallest = (0..encoder.len())
        .filter(|&class| training[class] < folds)
        .min_by_key(|&class| training[class]);
    match smallest {
        // The class is not named: a label is a cell of the data.
        Some(class) => Err(ServiceError::InvalidParameter(
            ParameterMessage::default()
                .text(format!(
                    "a class of the target column `{}` has {} member(s) in the training split ({} more held out for the test split), fewer than the {folds} cross-validation folds; lower ",
                    dataset.target_names()[0],
                    training[class],
                    held_out[class]
                ))
                .parameter(Parameter::Folds)
                .text(" or ")
                .parameter(Parameter::TestSize)
                .text(", or add examples"),
        )),
        None => Ok(()),
    }
}

fn summarize(dataset: &Dataset, split: &Split, source_rows: usize) -> DataSummary {
    let class_counts = dataset
        .encoder()
        .zip(dataset.classes())
        .map(|(encoder, classes)| {
            let mut counts = vec![0; encoder.len()];
            for &class in classes {
                counts[class] += 1;
            }
            encoder.classes().iter().cloned().zip(counts).collect()
        });
    DataSummary {
        source_rows,
        usable_rows: dataset.rows.len(),
        unlabeled_rows: dataset.unlabeled_rows(),
        features: dataset.feature_names(),
        ignored_columns: dataset
            .ignored_columns
            .iter()
            .map(|&c| dataset.table.column_names[c].clone())
            .collect(),
        targets: dataset.target_names(),
        train_rows: split.train.len(),
        test_rows: split.test.len(),
        class_counts,
        columns: column_summaries(dataset),
        roles: dataset.roles.clone(),
        data_file: None,
    }
}

/// The values of target `index` for every usable row: class indices as numbers, or
/// the target's values.
fn target_values(dataset: &Dataset, index: usize) -> Vec<f64> {
    match &dataset.target {
        Target::Classes { classes, .. } => classes.iter().map(|&c| c as f64).collect(),
        Target::Values(columns) => columns[index].clone(),
    }
}
