//! Scoring one trial's parameters on one prepared cross-validation fold.
//!
//! A fold arrives already preprocessed (fitted on its training part only, so nothing
//! leaks); what depends only on the fold — the feature variance behind `gamma =
//! scale`, class counts behind balanced weights, the target's mean and spread — is
//! computed once here and reused by every trial. Classes are indices `0..classes`;
//! regression targets are standardized for training and predictions are mapped back,
//! so every score is in the target's original units.
//!
//! A linear-kernel trial (C-SVC or ε-SVR) is trained by the linear solver, whose cost
//! grows with the rows rather than their square; so is an RBF trial on an evaluator
//! that approximates (Nyström features, [`FoldEvaluator::approximate`]); every other
//! kernel by the kernel SMO.

use crate::metrics::{classification_score, regression_score, Metric};
use crate::space::{Gamma, GammaRuleValues, TrialParams};
use rayon::prelude::*;
use svmq_core::matrix::dot;
use svmq_core::{
    approximation_applies, fit, fit_approximate_svm, fit_linear_svm, fit_with_gram,
    linear_solver_applies, ApproximateOutcome, EngineError, FitControl, FitOutcome, Gram,
    KernelApproximation, LinearSvmOutcome, Matrix, Model, Prediction, SvmParams, SvmType,
    ValidParams,
};

/// Folds whose dot products fit in this many bytes get them precomputed once for all
/// trials (`Gram`): 100 MB holds the Gram matrix of about 3,600 rows.
pub const DEFAULT_GRAM_BUDGET: usize = 100 << 20;

/// What is learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Predict one of `classes` class indices.
    Classification {
        /// How many classes there are (at least 2).
        classes: usize,
    },
    /// Predict a real value.
    Regression,
}

/// One fold: a training part and a validation part, both preprocessed.
#[derive(Debug, Clone)]
pub struct PreparedFold {
    /// The rows trained on, preprocessed.
    pub train: Matrix,
    /// Class indices as numbers, or regression values in original units.
    pub train_targets: Vec<f64>,
    /// The rows scored, preprocessed with what was fitted on `train`.
    pub valid: Matrix,
    /// Their targets, as `train_targets`.
    pub valid_targets: Vec<f64>,
}

/// Statistics of a training matrix and targets that trials reuse.
#[derive(Debug, Clone)]
pub struct TrainingStatistics {
    /// Variance of all feature values (scikit-learn's `gamma = 'scale'`).
    pub variance: f64,
    /// Training rows per class index (classification; empty for regression).
    pub class_counts: Vec<usize>,
    /// Mean of the regression targets (0 for classification).
    pub target_mean: f64,
    /// Standard deviation of the regression targets (1 when zero, and for classification).
    pub target_scale: f64,
}

impl TrainingStatistics {
    /// Computes the statistics of `train` and its `targets`.
    pub fn new(train: &Matrix, targets: &[f64], task: Task) -> TrainingStatistics {
        let values = train.values();
        let count = values.len().max(1) as f64;
        let mean = values.iter().sum::<f64>() / count;
        let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / count;
        let class_counts = match task {
            Task::Classification { classes } => {
                let mut counts = vec![0; classes];
                for &t in targets {
                    counts[t as usize] += 1;
                }
                counts
            }
            Task::Regression => Vec::new(),
        };
        let n = targets.len().max(1) as f64;
        let target_mean = targets.iter().sum::<f64>() / n;
        let spread = (targets
            .iter()
            .map(|t| (t - target_mean) * (t - target_mean))
            .sum::<f64>()
            / n)
            .sqrt();
        TrainingStatistics {
            variance,
            class_counts,
            target_mean: if task == Task::Regression {
                target_mean
            } else {
                0.0
            },
            target_scale: if task == Task::Regression && spread > 0.0 {
                spread
            } else {
                1.0
            },
        }
    }
}

/// The engine's parameters for a trial.
pub fn engine_params(
    trial: &TrialParams,
    task: Task,
    features: usize,
    statistics: &TrainingStatistics,
    probability: bool,
    seed: u64,
) -> SvmParams {
    let class_weights = match task {
        Task::Classification { classes } if trial.balanced_class_weights => {
            let total: usize = statistics.class_counts.iter().sum();
            statistics
                .class_counts
                .iter()
                .enumerate()
                .filter(|(_, &count)| count > 0)
                .map(|(class, &count)| {
                    (class as f64, total as f64 / (classes as f64 * count as f64))
                })
                .collect()
        }
        _ => Vec::new(),
    };
    SvmParams {
        svm_type: match task {
            Task::Classification { .. } => SvmType::CSvc,
            Task::Regression => SvmType::EpsilonSvr,
        },
        kernel: trial.engine_kernel(features, statistics.variance),
        c: trial.c,
        epsilon: trial.epsilon.unwrap_or(0.1),
        probability,
        class_weights,
        seed,
        ..SvmParams::default()
    }
}

/// Predictions of a model trained on class indices or standardized targets: class
/// indices with probabilities in class order, or values in original units.
pub struct Predictions {
    /// Class indices (as numbers) or values in original units, one per row.
    pub values: Vec<f64>,
    /// Per row, the probability of each class in class order, when asked for.
    pub probabilities: Option<Vec<Vec<f64>>>,
    /// Binary classifiers: the decision value for class 1 (higher means class 1).
    pub scores: Option<Vec<f64>>,
}

/// Predicts `rows` with `model` and reads the result in the task's terms.
pub fn predict(
    model: &Model,
    rows: &Matrix,
    task: Task,
    statistics: &TrainingStatistics,
    probability: bool,
) -> Predictions {
    let predictions = model.predictor().predict_all(rows, probability);
    interpret(model, predictions, task, statistics, probability)
}

/// Engine predictions read in the task's terms (class indices and probabilities in
/// class order, or values in original units).
pub fn interpret(
    model: &Model,
    predictions: Vec<Prediction>,
    task: Task,
    statistics: &TrainingStatistics,
    probability: bool,
) -> Predictions {
    match task {
        Task::Regression => Predictions {
            values: predictions
                .iter()
                .map(|p| p.value * statistics.target_scale + statistics.target_mean)
                .collect(),
            probabilities: None,
            scores: None,
        },
        Task::Classification { classes } => {
            let probabilities = probability.then(|| {
                predictions
                    .iter()
                    .map(|p| {
                        let mut by_class = vec![0.0; classes];
                        if let Some(values) = &p.probabilities {
                            for (label, value) in model.labels.iter().zip(values) {
                                by_class[*label as usize] = *value;
                            }
                        }
                        by_class
                    })
                    .collect()
            });
            // The first label is the positive side of the binary decision value.
            let scores = (model.labels.len() == 2).then(|| {
                let sign = if model.labels[0] == 1.0 { 1.0 } else { -1.0 };
                predictions
                    .iter()
                    .map(|p| sign * p.decision_values[0])
                    .collect()
            });
            Predictions {
                values: predictions.iter().map(|p| p.value).collect(),
                probabilities,
                scores,
            }
        }
    }
}

/// The score of predictions under a metric.
pub fn score(metric: Metric, task: Task, truth: &[f64], predictions: &Predictions) -> f64 {
    match task {
        Task::Regression => regression_score(metric, truth, &predictions.values),
        Task::Classification { classes } => {
            let truth: Vec<usize> = truth.iter().map(|&t| t as usize).collect();
            let predicted: Vec<usize> = predictions.values.iter().map(|&p| p as usize).collect();
            if metric == Metric::RocAuc && classes == 2 && predictions.probabilities.is_none() {
                if let Some(scores) = &predictions.scores {
                    let positive: Vec<bool> = truth.iter().map(|&t| t == 1).collect();
                    return crate::metrics::binary_auc(scores, &positive);
                }
            }
            classification_score(
                metric,
                &truth,
                &predicted,
                predictions.probabilities.as_deref(),
                classes,
            )
        }
    }
}

/// Whether a metric needs the engine's probability model (binary AUC does not: the
/// decision value ranks rows just as well).
pub fn needs_probability(metric: Metric, task: Task) -> bool {
    match task {
        Task::Classification { classes } => {
            metric == Metric::LogLoss || (metric == Metric::RocAuc && classes > 2)
        }
        Task::Regression => false,
    }
}

/// A fold ready to score trials.
pub struct FoldEvaluator {
    fold: PreparedFold,
    task: Task,
    statistics: TrainingStatistics,
    standardized_targets: Vec<f64>,
    gram: Option<Gram>,
    /// With `gram`: the dot products of every validation row with every training row,
    /// so that validating a trial needs no dot product either.
    cross: Option<CrossDots>,
    /// The kernel approximation RBF trials are trained with; `None`: exactly.
    approximation: Option<KernelApproximation>,
}

/// Dot products between the validation and the training rows of a fold.
struct CrossDots {
    /// `values[v · train_rows + t] = x_v · x_t`.
    values: Vec<f64>,
    train_rows: usize,
    valid_norms: Vec<f64>,
    train_norms: Vec<f64>,
}

impl CrossDots {
    fn compute(valid: &Matrix, train: &Matrix) -> CrossDots {
        let train_rows = train.rows();
        let mut values = vec![0.0; valid.rows() * train_rows];
        values
            .par_chunks_mut(train_rows.max(1))
            .enumerate()
            .for_each(|(v, out)| {
                for (t, slot) in out.iter_mut().enumerate() {
                    *slot = dot(valid.row(v), train.row(t));
                }
            });
        CrossDots {
            values,
            train_rows,
            valid_norms: valid.squared_norms(),
            train_norms: train.squared_norms(),
        }
    }

    /// The engine's predictions of every validation row by a model trained on the
    /// fold's training rows.
    fn predict(&self, model: &Model, probability: bool) -> Vec<Prediction> {
        let predictor = model.predictor();
        let training_rows: Vec<usize> = model
            .support_vector_indices
            .iter()
            .map(|&i| i - 1)
            .collect();
        let vector_norms: Vec<f64> = training_rows.iter().map(|&t| self.train_norms[t]).collect();
        (0..self.valid_norms.len())
            .into_par_iter()
            .with_min_len(8)
            .map(|v| {
                let row = &self.values[v * self.train_rows..(v + 1) * self.train_rows];
                let mut kernel_values: Vec<f64> = training_rows.iter().map(|&t| row[t]).collect();
                model
                    .kernel
                    .from_dots(&mut kernel_values, &vector_norms, self.valid_norms[v]);
                predictor.predict_from_kernel(&kernel_values, probability)
            })
            .collect()
    }
}

impl FoldEvaluator {
    /// An evaluator of `fold` with the default Gram-matrix budget.
    pub fn new(fold: PreparedFold, task: Task) -> FoldEvaluator {
        FoldEvaluator::with_gram_budget(fold, task, DEFAULT_GRAM_BUDGET)
    }

    /// [`FoldEvaluator::new`], stopping the precomputation when `control`'s stop flag
    /// is raised; `None` then.
    pub fn new_until_stopped(
        fold: PreparedFold,
        task: Task,
        control: &FitControl,
    ) -> Option<FoldEvaluator> {
        FoldEvaluator::build(fold, task, DEFAULT_GRAM_BUDGET, control)
    }

    /// [`FoldEvaluator::new_until_stopped`] with a Gram-matrix budget of `gram_budget`
    /// bytes (0 for a search of linear trials only, which the linear solver trains
    /// without dot products precomputed).
    pub fn with_gram_budget_until_stopped(
        fold: PreparedFold,
        task: Task,
        gram_budget: usize,
        control: &FitControl,
    ) -> Option<FoldEvaluator> {
        FoldEvaluator::build(fold, task, gram_budget, control)
    }

    /// Precomputes the fold's dot products when they fit in `gram_budget` bytes.
    pub fn with_gram_budget(fold: PreparedFold, task: Task, gram_budget: usize) -> FoldEvaluator {
        FoldEvaluator::build(fold, task, gram_budget, &FitControl::new())
            .expect("a computation without a stop flag is never stopped")
    }

    fn build(
        fold: PreparedFold,
        task: Task,
        gram_budget: usize,
        control: &FitControl,
    ) -> Option<FoldEvaluator> {
        let statistics = TrainingStatistics::new(&fold.train, &fold.train_targets, task);
        let standardized_targets = match task {
            Task::Regression => fold
                .train_targets
                .iter()
                .map(|t| (t - statistics.target_mean) / statistics.target_scale)
                .collect(),
            Task::Classification { .. } => fold.train_targets.clone(),
        };
        let gram = if Gram::bytes_for(fold.train.rows()) <= gram_budget {
            Some(Gram::compute_until_stopped(&fold.train, control)?)
        } else {
            None
        };
        let cross = gram
            .as_ref()
            .map(|_| CrossDots::compute(&fold.valid, &fold.train));
        Some(FoldEvaluator {
            fold,
            task,
            statistics,
            standardized_targets,
            gram,
            cross,
            approximation: None,
        })
    }

    /// Trains RBF trials through `approximation` (`None`: exactly).
    pub fn approximate(&mut self, approximation: Option<KernelApproximation>) {
        self.approximation = approximation;
    }

    /// The fold it scores on.
    pub fn fold(&self) -> &PreparedFold {
        &self.fold
    }

    /// What gamma `scale` and `auto` stand for on this fold's training part.
    pub fn gamma_rule_values(&self) -> GammaRuleValues {
        let features = self.fold.train.columns();
        GammaRuleValues {
            scale: Gamma::Scale.resolve(features, self.statistics.variance),
            auto: Gamma::Auto.resolve(features, self.statistics.variance),
        }
    }

    /// The validation score of `trial`, or `None` when stopped.
    pub fn score(
        &self,
        trial: &TrialParams,
        metric: Metric,
        seed: u64,
        control: &FitControl,
    ) -> Result<Option<f64>, EngineError> {
        let probability = needs_probability(metric, self.task);
        let params = engine_params(
            trial,
            self.task,
            self.fold.train.columns(),
            &self.statistics,
            probability,
            seed,
        )
        .validate()?;
        if linear_solver_applies(&params) {
            return self.score_linear(&params, metric, probability, control);
        }
        if let Some(approximation) = self
            .approximation
            .filter(|_| approximation_applies(&params))
        {
            let (train, targets) = (&self.fold.train, &self.standardized_targets);
            return Ok(
                match fit_approximate_svm(train, targets, &params, approximation, control)? {
                    ApproximateOutcome::Trained(trained) => {
                        Some(self.validation_score(&trained.model, metric, probability))
                    }
                    ApproximateOutcome::Stopped => None,
                },
            );
        }
        let (train, targets) = (&self.fold.train, &self.standardized_targets);
        let outcome = match &self.gram {
            Some(gram) => fit_with_gram(train, targets, gram, &params, control)?,
            None => fit(train, targets, &params, control)?,
        };
        let model = match outcome {
            FitOutcome::Trained(trained) => trained.model,
            FitOutcome::Stopped => return Ok(None),
        };
        let predictions = match &self.cross {
            Some(cross) => interpret(
                &model,
                cross.predict(&model, probability),
                self.task,
                &self.statistics,
                probability,
            ),
            None => return Ok(Some(self.validation_score(&model, metric, probability))),
        };
        Ok(Some(score(
            metric,
            self.task,
            &self.fold.valid_targets,
            &predictions,
        )))
    }

    /// The score of `model` on the validation rows, predicted row by row.
    fn validation_score(&self, model: &Model, metric: Metric, probability: bool) -> f64 {
        let predictions = predict(
            model,
            &self.fold.valid,
            self.task,
            &self.statistics,
            probability,
        );
        score(metric, self.task, &self.fold.valid_targets, &predictions)
    }

    /// The validation score of a linear-kernel trial, trained by the linear solver.
    fn score_linear(
        &self,
        params: &ValidParams,
        metric: Metric,
        probability: bool,
        control: &FitControl,
    ) -> Result<Option<f64>, EngineError> {
        let (train, targets) = (&self.fold.train, &self.standardized_targets);
        let model = match fit_linear_svm(train, targets, params, None, control)? {
            LinearSvmOutcome::Trained(trained) => trained.model,
            LinearSvmOutcome::Stopped => return Ok(None),
        };
        // The model's support vectors are synthetic (one per class), not training rows,
        // so the precomputed cross dot products do not apply.
        Ok(Some(self.validation_score(&model, metric, probability)))
    }
}
