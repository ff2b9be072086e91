//! One target's model: the hyperparameter search by cross-validation on the training
//! split (preprocessing fitted inside each fold, trials checkpointed), then the refit
//! of the best parameters on the whole training split and its test metrics, feature
//! importance and linear weights.

use crate::approximation_check::{approximation_check, approximation_report};
use crate::error::ServiceError;
use crate::importance::{linear_weights, permutation_importance};
use crate::report_data::{ClassificationSample, MAX_STORED_TEST_ROWS};
use crate::request::{KernelChoice, TrainingRequest};
use crate::saved_model::TargetModel;
use crate::training_observer::{TrainingObserver, TrialCheckpoint};
use crate::training_report::TargetReport;
use rayon::prelude::*;
use std::collections::BTreeMap;
use svmq_core::{
    approximation_applies, fit, fit_approximate_svm, fit_linear_svm, linear_solver_applies,
    ApproximateOutcome, FitControl, FitOutcome, Kernel, KernelApproximation, LinearSvmOutcome,
    Matrix, Model, ValidParams,
};
use svmq_data::{
    shuffled_folds, stratified_folds, Dataset, FittedPreprocessor, PreprocessOptions, Preprocessor,
    Split, Task,
};
use svmq_tune::evaluation::{
    engine_params, predict, score, FoldEvaluator, PreparedFold, Task as TuneTask,
    TrainingStatistics, DEFAULT_GRAM_BUDGET,
};
use svmq_tune::halving::{rung_count, rung_fractions, sample_fold, Fidelity};
use svmq_tune::metrics::Metric;
use svmq_tune::space::{GammaRuleValues, KernelName, SearchSpace};
use svmq_tune::study::{run_study_with_samples, StudySettings, TrialRecord, TrialState};

/// The most training rows per fold trials are scored on when the kernel is
/// approximated: the final fit takes every row, but a search needs only to rank
/// parameters, and the cap keeps its cost from growing with the rows. On a million
/// generated rows, parameters ranked on 50,000 gave a model above an exact search on a
/// 20,000-row sample (docs/benchmarks.md); whether all the rows would rank them
/// otherwise was not measured.
pub(crate) const APPROXIMATED_SEARCH_ROWS: usize = 50_000;

/// Everything one target's search and refit need.
pub(crate) struct TargetContext<'a> {
    pub(crate) request: &'a TrainingRequest,
    pub(crate) dataset: &'a Dataset,
    pub(crate) preprocessor: &'a Preprocessor,
    pub(crate) options: &'a PreprocessOptions,
    pub(crate) split: &'a Split,
    /// The target's value for every usable row (by position).
    pub(crate) values: &'a [f64],
    pub(crate) observer: &'a dyn TrainingObserver,
    pub(crate) control: &'a FitControl<'a>,
    /// This target's index and the number of targets, for progress.
    pub(crate) share: (usize, usize),
    pub(crate) checkpoint: &'a dyn TrialCheckpoint,
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

    /// The kernel approximation of this search and its final fit, or `None` when the
    /// RBF kernel is solved exactly.
    pub(crate) fn approximation(&self) -> Option<KernelApproximation> {
        self.request.approximation_for(self.split.train.len())
    }

    /// Overall progress when this target's work is `fraction` done: 2–90 % for the
    /// searches, the rest for refits.
    pub(crate) fn percent(&self, fraction: f64) -> f64 {
        let (index, count) = self.share;
        2.0 + 88.0 * (index as f64 + fraction) / count as f64
    }

    /// The cross-validation folds of the training split, each preprocessed with
    /// statistics from its own training part.
    pub(crate) fn fold_evaluators(&self) -> Result<Vec<FoldEvaluator>, ServiceError> {
        let request = self.request;
        let train = &self.split.train;
        let folds = match self.dataset.classes() {
            Some(classes) => {
                let train_classes: Vec<usize> = train.iter().map(|&p| classes[p]).collect();
                stratified_folds(&train_classes, request.cv_folds, request.seed)?
            }
            None => shuffled_folds(train.len(), request.cv_folds, request.seed)?,
        };
        // The linear solver and the approximation need no precomputed dot products.
        let approximation = self.approximation();
        let gram_budget = if request.kernel == KernelChoice::Linear || approximation.is_some() {
            0
        } else {
            DEFAULT_GRAM_BUDGET
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
                let mut evaluator = FoldEvaluator::with_gram_budget_until_stopped(
                    prepared,
                    self.task(),
                    gram_budget,
                    self.control,
                )
                .ok_or(ServiceError::Stopped)?;
                evaluator.approximate(approximation);
                Ok(evaluator)
            })
            .collect()
    }

    /// The rungs of the search, smallest first: samples of the folds for successive
    /// halving as the request's fidelity asks for this training split (none for a
    /// search on every row), then the folds trials finish on — `None` for the full
    /// folds, or samples of [`APPROXIMATED_SEARCH_ROWS`] training rows when the
    /// kernel is approximated on larger folds (the final fit still takes every row).
    #[allow(clippy::type_complexity)]
    fn rungs(
        &self,
        evaluators: &[FoldEvaluator],
    ) -> Result<(Vec<Vec<FoldEvaluator>>, Option<Vec<FoldEvaluator>>), ServiceError> {
        let request = self.request;
        let fold_rows = evaluators[0].fold().train.rows();
        let capped = self.approximation().is_some()
            && request.fidelity != Fidelity::Full
            && request.optimize_hyperparameters
            && fold_rows > APPROXIMATED_SEARCH_ROWS;
        let top = if capped {
            let fraction = APPROXIMATED_SEARCH_ROWS as f64 / fold_rows as f64;
            Some(self.sampled(evaluators, fraction)?)
        } else {
            None
        };
        let top_rows = top
            .as_ref()
            .map_or(fold_rows, |top| top[0].fold().train.rows());
        let rungs = if capped {
            rung_count(top_rows)
        } else {
            request
                .fidelity
                .rungs(self.split.train.len(), request.cv_folds)
        };
        if rungs == 0 || !request.optimize_hyperparameters {
            if capped {
                self.observer.log(&format!(
                    "trials are scored on samples of {top_rows} training rows per fold; the \
                     final fit takes all {}",
                    self.split.train.len()
                ));
            }
            return Ok((Vec::new(), top));
        }
        let top_fraction = top_rows as f64 / fold_rows as f64;
        let samples = rung_fractions(rungs)
            .into_iter()
            .map(|fraction| self.sampled(evaluators, fraction * top_fraction))
            .collect::<Result<Vec<_>, _>>()?;
        let rows: Vec<String> = samples
            .iter()
            .map(|sample| sample[0].fold().train.rows().to_string())
            .collect();
        let last = if capped {
            format!(
                "{top_rows} (the final fit takes all {})",
                self.split.train.len()
            )
        } else {
            format!("all {fold_rows}")
        };
        self.observer.log(&request.fidelity.describe(&rows, &last));
        Ok((samples, top))
    }

    /// A sample of `fraction` of each fold, approximated as the folds are.
    fn sampled(
        &self,
        evaluators: &[FoldEvaluator],
        fraction: f64,
    ) -> Result<Vec<FoldEvaluator>, ServiceError> {
        evaluators
            .par_iter()
            .enumerate()
            .map(|(index, evaluator)| {
                let seed = self.request.seed.wrapping_add(index as u64);
                let sample = sample_fold(evaluator.fold(), fraction, self.task(), seed);
                let mut evaluator =
                    FoldEvaluator::new_until_stopped(sample, self.task(), self.control)
                        .ok_or(ServiceError::Stopped)?;
                evaluator.approximate(self.approximation());
                Ok(evaluator)
            })
            .collect()
    }

    /// The search (or, without optimization, the cross-validation of the defaults).
    pub(crate) fn search(
        &self,
        evaluators: &[FoldEvaluator],
    ) -> Result<Vec<TrialRecord>, ServiceError> {
        let request = self.request;
        let metric = request.metric();
        let mut kernels = request.kernel.kernels();
        if let Some(approximation) = self.approximation() {
            // Only RBF is approximated: the exact polynomial and sigmoid solvers would
            // take hours on rows this many.
            kernels.retain(|kernel| matches!(kernel, KernelName::Linear | KernelName::Rbf));
            self.observer.log(&format!(
                "kernel approximation: RBF trials and the final fit use {} ({} training rows; \
                 approximation none solves exactly)",
                approximation.describe(),
                self.split.train.len()
            ));
        }
        let mut space = match request.task() {
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
                sample_scores: Vec::new(),
                first_sample: 0,
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
            brackets: request.fidelity.brackets(),
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
        let (samples, top) = self.rungs(evaluators)?;
        let outcome = run_study_with_samples(
            &space,
            &settings,
            &samples,
            top.as_deref().unwrap_or(evaluators),
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
    pub(crate) fn refit(
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
        let probability = request.task() == Task::Classification && request.probability;
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
        let (model, support_vectors, kept_features) =
            self.fit_final(train_matrix, &standardized, &params)?;
        let approximation = match (self.approximation(), kept_features) {
            (Some(requested), Some(kept)) => {
                self.observer.progress(
                    self.percent(1.0),
                    "exact against approximate on a sample of the training rows",
                );
                let check = approximation_check(
                    train_matrix,
                    &standardized,
                    test_matrix,
                    &test_targets,
                    &params,
                    requested,
                    task,
                    &statistics,
                    request.metric(),
                    self.control,
                );
                if self.control.is_stopped() {
                    return Err(ServiceError::Stopped);
                }
                Some(approximation_report(requested, kept, check))
            }
            _ => None,
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
        let linear_weights = (model.kernel == Kernel::Linear && model.feature_map.is_none())
            .then(|| linear_weights(&model, fitted, &classes));
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
                approximation,
            },
        ))
    }
}

impl TargetContext<'_> {
    /// The final fit, its number of support vectors (training rows with a non-zero
    /// dual variable) and, for an approximate fit, the features its map made
    /// (landmarks kept or random features): by the kernel approximation for RBF on a
    /// split that large or when asked for, by the linear solver for a linear C-SVC or
    /// ε-SVR, whose model holds one synthetic vector per class, by the kernel SMO
    /// otherwise.
    fn fit_final(
        &self,
        train_matrix: &Matrix,
        targets: &[f64],
        params: &ValidParams,
    ) -> Result<(Model, usize, Option<usize>), ServiceError> {
        if let Some(approximation) = self
            .approximation()
            .filter(|_| approximation_applies(params))
        {
            let fitted =
                fit_approximate_svm(train_matrix, targets, params, approximation, self.control)?;
            let trained = match fitted {
                ApproximateOutcome::Trained(trained) => trained,
                ApproximateOutcome::Stopped => return Err(ServiceError::Stopped),
            };
            self.observer.log(&format!(
                "final fit by {}: {} features, {} passes of the linear solver{}",
                approximation.describe(),
                trained.features,
                trained.report.passes(),
                if trained.report.converged() {
                    ""
                } else {
                    "; warning: it reached the pass limit before the tolerance"
                }
            ));
            return Ok((
                trained.model,
                trained.support_vector_rows,
                Some(trained.features),
            ));
        }
        if linear_solver_applies(params) {
            let trained = match fit_linear_svm(train_matrix, targets, params, None, self.control)? {
                LinearSvmOutcome::Trained(trained) => trained,
                LinearSvmOutcome::Stopped => return Err(ServiceError::Stopped),
            };
            let report = &trained.linear.report;
            self.observer.log(&format!(
                "final fit by the linear solver (dual coordinate descent): {} passes{}",
                report.passes(),
                if report.converged() {
                    ""
                } else {
                    "; warning: it reached the pass limit before the tolerance"
                }
            ));
            let support_vectors = trained.support_vector_rows();
            return Ok((trained.model, support_vectors, None));
        }
        match fit(train_matrix, targets, params, self.control)? {
            FitOutcome::Trained(trained) => {
                if !trained.report.converged() {
                    self.observer
                        .log("warning: the final fit reached the iteration limit");
                }
                let support_vectors = trained.model.support_vectors.rows();
                Ok((trained.model, support_vectors, None))
            }
            FitOutcome::Stopped => Err(ServiceError::Stopped),
        }
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
        TrialState::Pruned if !trial.sample_scores.is_empty() => format!(
            "trial {}: stopped on row samples after {} sizes ({} {:.5} on the last) {params}",
            trial.number,
            trial.sample_scores.len(),
            metric.name(),
            trial.sample_scores.last().copied().unwrap_or(f64::NAN)
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
