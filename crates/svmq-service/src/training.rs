//! Training from a data file: read, type, split off a test set, search
//! hyperparameters by cross-validation on the training split (preprocessing fitted
//! inside each fold), refit the best on the whole training split, and evaluate on the
//! test split. Regression with several targets trains one model per target.
//!
//! Nothing fitted ever sees the rows it is evaluated on: that is the point of this
//! module (the Python original leaked preprocessing across folds and had no test set).

use crate::error::ServiceError;
use crate::report_data::{
    column_summaries, number_or_nan, numbers_or_nan, ClassificationSample, ColumnSummary,
    MAX_STORED_TEST_ROWS,
};
use crate::request::TrainingRequest;
use crate::saved_model::{SavedModel, TargetModel};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::time::Instant;
use svmq_core::random::Random;
use svmq_core::{fit, FitControl, FitOutcome, Kernel, Matrix, Model};
use svmq_data::{
    shuffled_folds, shuffled_split, stratified_folds, stratified_split, Dataset,
    FittedPreprocessor, PreprocessOptions, Preprocessor, Split, TableOptions, Target,
    TargetOptions, Task,
};
use svmq_tune::evaluation::{
    engine_params, interpret, needs_probability, predict, score, FoldEvaluator, PreparedFold,
    Task as TuneTask, TrainingStatistics,
};
use svmq_tune::metrics::{Direction, Metric};
use svmq_tune::space::{GammaRuleValues, SearchSpace, TrialParams};
use svmq_tune::study::{run_study, StudySettings, TrialRecord, TrialState};

/// Permutations per feature for permutation importance.
const IMPORTANCE_REPEATS: usize = 5;

/// Where a training run reports to: progress (0–100 with a message) and log lines.
pub trait TrainingObserver: Sync {
    /// Overall progress, 0 to 100, with what is being done.
    fn progress(&self, percent: f64, message: &str);
    /// One line for the training's log (a trial's result, a warning).
    fn log(&self, message: &str);
}

/// Where finished trials are kept as they complete, so that an interrupted training
/// resumes its search instead of starting over. `target` is the target's index.
pub trait TrialCheckpoint: Sync {
    /// The trials saved so far for `target`, in trial order.
    fn load(&self, target: usize) -> Vec<TrialRecord>;
    /// Keeps one finished trial of `target`'s search; failures to keep it are the
    /// implementation's to log, as training goes on regardless.
    fn save(&self, target: usize, trial: &TrialRecord);
}

/// No checkpoint: every search starts from nothing.
pub struct NoCheckpoint;

impl TrialCheckpoint for NoCheckpoint {
    fn load(&self, _: usize) -> Vec<TrialRecord> {
        Vec::new()
    }

    fn save(&self, _: usize, _: &TrialRecord) {}
}

/// An observer that ignores everything.
pub struct Silent;

impl TrainingObserver for Silent {
    fn progress(&self, _: f64, _: &str) {}
    fn log(&self, _: &str) {}
}

/// What training made of the data file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DataSummary {
    /// Data rows read from the file, header excluded.
    pub source_rows: usize,
    /// Rows with every target present: the rows split and trained on.
    pub usable_rows: usize,
    /// Rows left out because a target was missing.
    pub unlabeled_rows: usize,
    /// The feature columns' names, in table order.
    pub features: Vec<String>,
    /// Constant and empty columns, left out of the features.
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
}

/// What a training did and found: saved as a model's `metadata.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainingReport {
    /// Classification or regression.
    pub task: Task,
    /// The metric the search optimized.
    pub metric: Metric,
    /// What was made of the data file.
    pub data: DataSummary,
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
    let dataset = Dataset::prepare(table, request.task, &target_options)?;
    check_stop()?;
    dataset.check_folds(request.cv_folds)?;
    let split = split(&dataset, request)?;
    check_test_split(&dataset, &split, request.test_size)?;
    check_training_classes(&dataset, &split, request.cv_folds)?;
    check_stop()?;
    let mut warnings = Vec::new();
    if dataset.unlabeled_rows() > 0 {
        warnings.push(format!(
            "{} rows without a target value were left out",
            dataset.unlabeled_rows()
        ));
    }
    let summary = summarize(&dataset, &split, source_rows);
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
    let classes = dataset
        .encoder()
        .map(|encoder| encoder.classes().to_vec())
        .unwrap_or_default();
    observer.progress(100.0, "done");
    Ok(TrainingOutcome {
        model: SavedModel {
            task: request.task,
            classes: classes.clone(),
            preprocessor: fitted,
            targets: target_models,
        },
        report: TrainingReport {
            task: request.task,
            metric: request.metric(),
            data: summary,
            classes,
            targets: target_reports,
            seconds: started.elapsed().as_secs_f64(),
            warnings,
        },
    })
}

/// Reads a data file: LIBSVM's sparse format by its extension (`.libsvm`, `.svm`,
/// `.svmlight`; features `f1…fn`, then the label as the last column), anything else as
/// a table (CSV/TSV or .xlsx).
pub fn read_data(
    path: &std::path::Path,
    limits: &svmq_data::ReadLimits,
) -> Result<svmq_data::RawTable, ServiceError> {
    read_data_until_stopped(path, limits, &AtomicBool::new(false))
}

/// [`read_data`], ending with `ServiceError::Stopped` soon after `stop` is raised (a
/// table is read in chunks of rows; a LIBSVM file is read whole, then checked).
pub fn read_data_until_stopped(
    path: &std::path::Path,
    limits: &svmq_data::ReadLimits,
    stop: &AtomicBool,
) -> Result<svmq_data::RawTable, ServiceError> {
    let stopped = |error: svmq_data::DataError| match error {
        svmq_data::DataError::Stopped => ServiceError::Stopped,
        other => other.into(),
    };
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(extension.as_deref(), Some("libsvm" | "svm" | "svmlight")) {
        let options = TableOptions {
            limits: limits.clone(),
            ..TableOptions::default()
        };
        return svmq_data::read_table_until_stopped(path, &options, stop).map_err(stopped);
    }
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if bytes > limits.max_bytes {
        return Err(svmq_data::DataError::TooManyBytes {
            path: path.to_path_buf(),
            bytes,
            limit: limits.max_bytes,
        }
        .into());
    }
    let data = svmq_data::read_libsvm_file(path, &svmq_data::ReadOptions::default())?;
    let columns = data.columns;
    if data.labels.len() > limits.max_rows {
        return Err(svmq_data::DataError::TooManyRows {
            limit: limits.max_rows,
        }
        .into());
    }
    if columns + 1 > limits.max_columns {
        return Err(svmq_data::DataError::TooManyColumns {
            columns: columns + 1,
            limit: limits.max_columns,
        }
        .into());
    }
    let mut column_names: Vec<String> = (1..=columns).map(|k| format!("f{k}")).collect();
    column_names.push("label".to_string());
    let cells = data
        .labels
        .iter()
        .enumerate()
        .map(|(row, &label)| {
            let mut cells: Vec<svmq_data::Cell> = data.values[row * columns..(row + 1) * columns]
                .iter()
                .map(|&value| svmq_data::Cell::number(value))
                .collect();
            cells.push(svmq_data::Cell::parse(
                &svmq_core::libsvm_format::format_number(label),
            ));
            cells
        })
        .collect::<Vec<_>>();
    let source_rows = (1..=cells.len()).collect();
    Ok(svmq_data::RawTable {
        column_names,
        cells,
        source_rows,
    })
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
        Err(ServiceError::InvalidRequest(format!(
            "test_size {test_size} holds out {} of {} rows, but the test metrics need {needed}; raise test_size (between {} and {})",
            split.test.len(),
            dataset.rows.len(),
            crate::request::MIN_TEST_SIZE,
            crate::request::MAX_TEST_SIZE
        )))
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
        Some(class) => Err(ServiceError::InvalidRequest(format!(
            "a class of the target column `{}` has {} member(s) in the training split ({} more held out for the test split), fewer than the {folds} cross-validation folds; lower cv_folds or test_size, or add examples",
            dataset.target_names()[0],
            training[class],
            held_out[class]
        ))),
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

/// Everything one target's search and refit need.
struct TargetContext<'a> {
    request: &'a TrainingRequest,
    dataset: &'a Dataset,
    preprocessor: &'a Preprocessor,
    options: &'a PreprocessOptions,
    split: &'a Split,
    /// The target's value for every usable row (by position).
    values: &'a [f64],
    observer: &'a dyn TrainingObserver,
    control: &'a FitControl<'a>,
    /// This target's index and the number of targets, for progress.
    share: (usize, usize),
    checkpoint: &'a dyn TrialCheckpoint,
}

impl TargetContext<'_> {
    fn task(&self) -> TuneTask {
        match self.dataset.encoder() {
            Some(encoder) => TuneTask::Classification {
                classes: encoder.len(),
            },
            None => TuneTask::Regression,
        }
    }

    /// Overall progress when this target's work is `fraction` done: 2–90 % for the
    /// searches, the rest for refits.
    fn percent(&self, fraction: f64) -> f64 {
        let (index, count) = self.share;
        2.0 + 88.0 * (index as f64 + fraction) / count as f64
    }

    /// The cross-validation folds of the training split, each preprocessed with
    /// statistics from its own training part.
    fn fold_evaluators(&self) -> Result<Vec<FoldEvaluator>, ServiceError> {
        let request = self.request;
        let train = &self.split.train;
        let folds = match self.dataset.classes() {
            Some(classes) => {
                let train_classes: Vec<usize> = train.iter().map(|&p| classes[p]).collect();
                stratified_folds(&train_classes, request.cv_folds, request.seed)?
            }
            None => shuffled_folds(train.len(), request.cv_folds, request.seed)?,
        };
        (0..folds.count())
            .into_par_iter()
            .map(|fold| {
                let fit_positions: Vec<usize> =
                    folds.training(fold).iter().map(|&k| train[k]).collect();
                let valid_positions: Vec<usize> =
                    folds.validation(fold).iter().map(|&k| train[k]).collect();
                let rows = |positions: &[usize]| -> Vec<usize> {
                    positions.iter().map(|&p| self.dataset.rows[p]).collect()
                };
                let (fit_rows, valid_rows) = (rows(&fit_positions), rows(&valid_positions));
                let fitted = self
                    .preprocessor
                    .fit(&self.dataset.table, &fit_rows, self.options)?;
                let prepared = PreparedFold {
                    train: fitted.transform(&self.dataset.table, &fit_rows)?,
                    train_targets: fit_positions.iter().map(|&p| self.values[p]).collect(),
                    valid: fitted.transform(&self.dataset.table, &valid_rows)?,
                    valid_targets: valid_positions.iter().map(|&p| self.values[p]).collect(),
                };
                FoldEvaluator::new_until_stopped(prepared, self.task(), self.control)
                    .ok_or(ServiceError::Stopped)
            })
            .collect()
    }

    /// The search (or, without optimization, the cross-validation of the defaults).
    fn search(&self, evaluators: &[FoldEvaluator]) -> Result<Vec<TrialRecord>, ServiceError> {
        let request = self.request;
        let metric = request.metric();
        let kernels = request.kernel.kernels();
        let mut space = match request.task {
            Task::Classification => SearchSpace::classification(kernels),
            Task::Regression => SearchSpace::regression(kernels),
        };
        space.gamma_rule_values = gamma_rule_values(evaluators);
        if !request.optimize_hyperparameters {
            let params = space.defaults();
            let mut scores = Vec::new();
            for evaluator in evaluators {
                match evaluator.score(&params, metric, request.seed, self.control)? {
                    Some(score) => scores.push(score),
                    None => return Err(ServiceError::Stopped),
                }
            }
            let value = scores.iter().sum::<f64>() / scores.len() as f64;
            return Ok(vec![TrialRecord {
                number: 0,
                params,
                state: TrialState::Complete,
                value: Some(value),
                fold_scores: scores,
                error: None,
                seconds: 0.0,
            }]);
        }
        let settings = StudySettings {
            trials: request.n_trials,
            sampler: request.sampler,
            seed: request.seed,
            metric,
            pruning: true,
            parallel_trials: request.parallel_trials,
        };
        let mut report = |trial: &TrialRecord, progress: &svmq_tune::study::StudyProgress| {
            let best = progress
                .best_value
                .map_or("none yet".to_string(), |value| format!("{value:.4}"));
            self.observer.progress(
                self.percent(progress.finished_trials as f64 / progress.trials as f64),
                &format!(
                    "trial {}/{}, best {} {best}, {:.0} s elapsed{}",
                    progress.finished_trials,
                    progress.trials,
                    metric.name(),
                    progress.elapsed_seconds,
                    progress
                        .remaining_seconds
                        .map_or(String::new(), |left| format!(", about {left:.0} s left"))
                ),
            );
            self.observer.log(&trial_line(trial, metric));
            self.checkpoint.save(self.share.0, trial);
        };
        // Saved trials count only as an unbroken run from trial 0 of this search.
        let mut history = self.checkpoint.load(self.share.0);
        let unbroken = history
            .iter()
            .enumerate()
            .take_while(|(number, trial)| trial.number == *number)
            .count();
        history.truncate(unbroken.min(request.n_trials));
        if !history.is_empty() {
            self.observer.log(&format!(
                "resuming the search after {} saved trials",
                history.len()
            ));
        }
        let outcome = run_study(
            &space,
            &settings,
            evaluators,
            history,
            &mut report,
            self.control,
        )?;
        if outcome.stopped {
            return Err(ServiceError::Stopped);
        }
        Ok(outcome.trials)
    }

    /// Trains the best parameters on the whole training split and evaluates them on
    /// the test split.
    fn refit(
        &self,
        name: &str,
        best: &TrialRecord,
        trials: Vec<TrialRecord>,
        fitted: &FittedPreprocessor,
        train_matrix: &Matrix,
        test_matrix: &Matrix,
    ) -> Result<(TargetModel, TargetReport), ServiceError> {
        let request = self.request;
        let task = self.task();
        let train_targets: Vec<f64> = self.split.train.iter().map(|&p| self.values[p]).collect();
        let test_targets: Vec<f64> = self.split.test.iter().map(|&p| self.values[p]).collect();
        let statistics = TrainingStatistics::new(train_matrix, &train_targets, task);
        let probability = request.task == Task::Classification && request.probability;
        let params = engine_params(
            &best.params,
            task,
            train_matrix.columns(),
            &statistics,
            probability,
            request.seed,
        )
        .validate()?;
        let standardized: Vec<f64> = match task {
            TuneTask::Regression => train_targets
                .iter()
                .map(|t| (t - statistics.target_mean) / statistics.target_scale)
                .collect(),
            TuneTask::Classification { .. } => train_targets.clone(),
        };
        let model = match fit(train_matrix, &standardized, &params, self.control)? {
            FitOutcome::Trained(trained) => {
                if !trained.report.converged() {
                    self.observer
                        .log("warning: the final fit reached the iteration limit");
                }
                trained.model
            }
            FitOutcome::Stopped => return Err(ServiceError::Stopped),
        };
        let predictions = predict(&model, test_matrix, task, &statistics, probability);
        let metrics: Vec<Metric> = match task {
            TuneTask::Classification { .. } => Metric::CLASSIFICATION.to_vec(),
            TuneTask::Regression => Metric::REGRESSION.to_vec(),
        };
        let test_metrics: BTreeMap<String, f64> = metrics
            .into_iter()
            .map(|metric| {
                (
                    metric.name().to_string(),
                    score(metric, task, &test_targets, &predictions),
                )
            })
            .filter(|(_, value)| value.is_finite())
            .collect();
        let confusion_matrix = match task {
            TuneTask::Classification { classes } => Some(svmq_tune::metrics::confusion_matrix(
                &test_targets.iter().map(|&t| t as usize).collect::<Vec<_>>(),
                &predictions
                    .values
                    .iter()
                    .map(|&p| p as usize)
                    .collect::<Vec<_>>(),
                classes,
            )),
            TuneTask::Regression => None,
        };
        self.observer
            .progress(self.percent(1.0), "feature importance");
        let importance = permutation_importance(
            &model,
            fitted,
            test_matrix,
            &test_targets,
            task,
            &statistics,
            request.metric(),
            request.seed,
            self.control,
        )
        .ok_or(ServiceError::Stopped)?;
        let classes = self
            .dataset
            .encoder()
            .map(|e| e.classes().to_vec())
            .unwrap_or_default();
        let linear_weights =
            (model.kernel == Kernel::Linear).then(|| linear_weights(&model, fitted, &classes));
        let support_vectors = model.support_vectors.rows();
        let test_predictions = (task == TuneTask::Regression).then(|| {
            test_targets
                .iter()
                .copied()
                .zip(predictions.values.iter().copied())
                .take(MAX_STORED_TEST_ROWS)
                .collect()
        });
        let test_sample = match task {
            TuneTask::Classification { classes } => Some(ClassificationSample::new(
                &test_targets,
                &predictions,
                classes,
            )),
            TuneTask::Regression => None,
        };
        Ok((
            TargetModel {
                name: name.to_string(),
                params: best.params.clone(),
                engine: model,
                target_mean: statistics.target_mean,
                target_scale: statistics.target_scale,
            },
            TargetReport {
                target: name.to_string(),
                best_params: best.params.clone(),
                cv_mean: best.value.unwrap_or(f64::NAN),
                cv_std: best.standard_deviation().unwrap_or(f64::NAN),
                cv_fold_scores: best.fold_scores.clone(),
                test_metrics,
                confusion_matrix,
                support_vectors,
                trials,
                feature_importance: importance,
                linear_weights,
                test_predictions,
                test_sample,
            },
        ))
    }
}

/// One log line per trial.
fn trial_line(trial: &TrialRecord, metric: Metric) -> String {
    let params = serde_json::to_string(&trial.params).unwrap_or_default();
    match trial.state {
        TrialState::Complete => format!(
            "trial {}: {} = {:.5} (±{:.5}) {params}",
            trial.number,
            metric.name(),
            trial.value.unwrap_or(f64::NAN),
            trial.standard_deviation().unwrap_or(f64::NAN)
        ),
        TrialState::Pruned => format!(
            "trial {}: pruned after {} folds {params}",
            trial.number,
            trial.fold_scores.len()
        ),
        TrialState::Failed => format!(
            "trial {}: failed: {} {params}",
            trial.number,
            trial.error.as_deref().unwrap_or("unknown error")
        ),
    }
}

/// What `scale` and `auto` stand for across the folds (geometric means: each fold
/// resolves them on its own training part).
fn gamma_rule_values(evaluators: &[FoldEvaluator]) -> Option<GammaRuleValues> {
    if evaluators.is_empty() {
        return None;
    }
    let count = evaluators.len() as f64;
    let mean = |value: fn(GammaRuleValues) -> f64| {
        (evaluators
            .iter()
            .map(|e| value(e.gamma_rule_values()).ln())
            .sum::<f64>()
            / count)
            .exp()
    };
    Some(GammaRuleValues {
        scale: mean(|rules| rules.scale),
        auto: mean(|rules| rules.auto),
    })
}

/// Permutation importance on the test split: for each input feature, shuffle its
/// (preprocessed) columns across rows and measure how much the score worsens.
///
/// Shuffling one feature changes each row's dot product with a support vector only by
/// that feature's terms, so the dot products are computed once and then corrected:
/// the cost per permutation is rows × support vectors × the feature's columns, not
/// × every column.
#[allow(clippy::too_many_arguments)]
fn permutation_importance(
    model: &Model,
    fitted: &FittedPreprocessor,
    test: &Matrix,
    truth: &[f64],
    task: TuneTask,
    statistics: &TrainingStatistics,
    metric: Metric,
    seed: u64,
    control: &FitControl,
) -> Option<Vec<FeatureImportance>> {
    let probability = needs_probability(metric, task) && model.probability.is_some();
    let metric = if needs_probability(metric, task) && !probability {
        Metric::Accuracy
    } else {
        metric
    };
    let baseline = score(
        metric,
        task,
        truth,
        &predict(model, test, task, statistics, probability),
    );
    let sign = match metric.direction() {
        Direction::Maximize => 1.0,
        Direction::Minimize => -1.0,
    };
    let support = &model.support_vectors;
    let (rows, vectors) = (test.rows(), support.rows());
    let mut dots = vec![0.0; rows * vectors];
    dots.par_chunks_mut(vectors.max(1))
        .enumerate()
        .for_each(|(r, out)| {
            svmq_core::kernel::kernel_values_against(
                &Kernel::Linear,
                test.row(r),
                support,
                &[],
                out,
            )
        });
    let row_norms: Vec<f64> = test.squared_norms();
    let vector_norms: Vec<f64> = support.squared_norms();
    let predictor = model.predictor();
    feature_columns(fitted)
        .into_par_iter()
        .enumerate()
        .map(|(index, (name, columns))| {
            // Each feature's repeats take a predict pass over the test split: a stop
            // is seen between features.
            if control.is_stopped() {
                return None;
            }
            // The feature's columns of every support vector, one contiguous vector
            // per column, so that the correction below vectorizes.
            let vector_columns: Vec<Vec<f64>> = columns
                .clone()
                .map(|c| (0..vectors).map(|s| support.row(s)[c]).collect())
                .collect();
            let mut random = Random::for_stream(seed, index as u64);
            let drops: Vec<f64> = (0..IMPORTANCE_REPEATS)
                .map(|_| {
                    let mut order: Vec<usize> = (0..rows).collect();
                    random.shuffle(&mut order);
                    let predictions: Vec<svmq_core::Prediction> = (0..rows)
                        .map(|r| {
                            let (own, moved) = (test.row(r), test.row(order[r]));
                            let norm = row_norms[r]
                                + columns
                                    .clone()
                                    .map(|c| moved[c] * moved[c] - own[c] * own[c])
                                    .sum::<f64>();
                            let mut values = dots[r * vectors..(r + 1) * vectors].to_vec();
                            for (c, column) in columns.clone().zip(&vector_columns) {
                                let change = moved[c] - own[c];
                                if change != 0.0 {
                                    for (value, &x) in values.iter_mut().zip(column) {
                                        *value += change * x;
                                    }
                                }
                            }
                            model.kernel.from_dots(&mut values, &vector_norms, norm);
                            predictor.predict_from_kernel(&values, probability)
                        })
                        .collect();
                    let permuted = score(
                        metric,
                        task,
                        truth,
                        &interpret(model, predictions, task, statistics, probability),
                    );
                    sign * (baseline - permuted)
                })
                .collect();
            let mean = drops.iter().sum::<f64>() / drops.len() as f64;
            let variance =
                drops.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / drops.len() as f64;
            Some(FeatureImportance {
                feature: name,
                importance: mean,
                standard_deviation: variance.sqrt(),
            })
        })
        .collect()
}

/// Each input feature's name and its output columns (one, or one per category).
fn feature_columns(fitted: &FittedPreprocessor) -> Vec<(String, std::ops::Range<usize>)> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for feature in fitted.features() {
        let width = match feature {
            svmq_data::preprocess::FittedFeature::Numeric { .. } => 1,
            svmq_data::preprocess::FittedFeature::Categorical { categories, .. } => {
                categories.len()
            }
        };
        ranges.push((feature.name().to_string(), start..start + width));
        start += width;
    }
    ranges
}

/// The primal weights w = Σ coef·sv of each decision function of a linear model.
fn linear_weights(
    model: &Model,
    fitted: &FittedPreprocessor,
    classes: &[String],
) -> Vec<LinearWeights> {
    let names = fitted.output_names();
    let features = model.support_vectors.columns();
    let weights_of = |coefficients: &dyn Fn(usize) -> f64| -> Vec<(String, f64)> {
        let mut weights = vec![0.0; features];
        for s in 0..model.support_vectors.rows() {
            let coefficient = coefficients(s);
            for (weight, value) in weights.iter_mut().zip(model.support_vectors.row(s)) {
                *weight += coefficient * value;
            }
        }
        names.iter().cloned().zip(weights).collect()
    };
    if !model.svm_type.is_classification() {
        return vec![LinearWeights {
            classes: None,
            weights: weights_of(&|s| model.coefficients[0][s]),
            rho: model.rho[0],
        }];
    }
    // Support vectors are grouped by class; class i's block holds the pair (i, j)
    // coefficient in row j − 1, class j's block in row i.
    let mut starts = Vec::new();
    let mut start = 0;
    for &count in &model.support_vector_counts {
        starts.push(start..start + count);
        start += count;
    }
    let label = |engine_label: f64| {
        classes
            .get(engine_label as usize)
            .cloned()
            .unwrap_or_default()
    };
    let mut result = Vec::new();
    let mut pair = 0;
    for i in 0..model.labels.len() {
        for j in i + 1..model.labels.len() {
            let coefficient = |s: usize| {
                if starts[i].contains(&s) {
                    model.coefficients[j - 1][s]
                } else if starts[j].contains(&s) {
                    model.coefficients[i][s]
                } else {
                    0.0
                }
            };
            result.push(LinearWeights {
                classes: Some((label(model.labels[i]), label(model.labels[j]))),
                weights: weights_of(&coefficient),
                rho: model.rho[pair],
            });
            pair += 1;
        }
    }
    result
}
