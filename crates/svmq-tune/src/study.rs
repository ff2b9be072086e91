//! A study: trials proposed by a sampler, each scored by cross-validation, the best
//! kept. Trials run a few at a time in parallel; each batch is proposed from the
//! trials finished before it, so the same seed and settings replay the same study on
//! any machine. A trial whose running mean over its first folds is worse than the
//! median of earlier trials at the same fold is pruned (median pruning).
//!
//! Finished trials leave through a callback as they complete, so a caller can persist
//! them; a study resumes from such a record.

use crate::evaluation::FoldEvaluator;
use crate::metrics::Metric;
use crate::sampler::{propose, Observation, SamplerKind};
use crate::space::{SearchSpace, TrialParams};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Instant;
use svmq_core::{EngineError, FitControl};

/// Trials finished before pruning starts.
const PRUNING_STARTUP_TRIALS: usize = 5;
/// Folds every trial completes before it may be pruned: none, as in Optuna's median
/// pruner by default; a trial may stop after its first fold.
const PRUNING_WARMUP_FOLDS: usize = 0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// How a study runs: trial count, sampler, seed, metric and pruning.
pub struct StudySettings {
    /// How many trials to run.
    pub trials: usize,
    /// How trials are proposed.
    pub sampler: SamplerKind,
    /// Seed of the sampler: the same settings propose the same trials.
    pub seed: u64,
    /// The metric trials are ranked by.
    pub metric: Metric,
    /// Whether an unpromising trial may be stopped after one of its folds.
    pub pruning: bool,
    /// Trials evaluated at once; part of the study's definition (not of the machine),
    /// so that results do not depend on the number of cores.
    pub parallel_trials: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// How a trial ended.
pub enum TrialState {
    /// Every fold was evaluated.
    Complete,
    /// Stopped early by the pruner.
    Pruned,
    /// Training or evaluation failed.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// One trial of a study.
pub struct TrialRecord {
    /// Its number, from 0 in proposal order.
    pub number: usize,
    /// The parameters tried.
    pub params: TrialParams,
    /// How it ended.
    pub state: TrialState,
    /// Mean fold score (complete trials).
    pub value: Option<f64>,
    /// The metric on each fold evaluated.
    pub fold_scores: Vec<f64>,
    /// Why a failed trial failed.
    pub error: Option<String>,
    /// Wall-clock time it took, in seconds.
    pub seconds: f64,
}

impl TrialRecord {
    /// Population standard deviation of the fold scores around `value` (complete trials).
    pub fn standard_deviation(&self) -> Option<f64> {
        let mean = self.value?;
        let n = self.fold_scores.len() as f64;
        Some(
            (self
                .fold_scores
                .iter()
                .map(|s| (s - mean) * (s - mean))
                .sum::<f64>()
                / n)
                .sqrt(),
        )
    }
}

/// Where a study stands, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StudyProgress {
    /// Trials finished so far.
    pub finished_trials: usize,
    /// Trials the study runs in all.
    pub trials: usize,
    /// Best metric value of a complete trial so far.
    pub best_value: Option<f64>,
    /// Seconds since the study started.
    pub elapsed_seconds: f64,
    /// Estimated seconds left, from the mean time per trial so far.
    pub remaining_seconds: Option<f64>,
}

/// What a study produced.
pub struct StudyOutcome {
    /// Every finished trial, in number order.
    pub trials: Vec<TrialRecord>,
    /// Index into `trials` of the best complete trial.
    pub best: Option<usize>,
    /// True when the study was stopped before running all its trials.
    pub stopped: bool,
}

impl StudyOutcome {
    /// The best complete trial, if any.
    pub fn best_trial(&self) -> Option<&TrialRecord> {
        self.best.map(|index| &self.trials[index])
    }
}

/// The best complete trial under the metric's direction (the earliest among equals).
pub fn best_index(trials: &[TrialRecord], metric: Metric) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (index, trial) in trials.iter().enumerate() {
        if let (TrialState::Complete, Some(value)) = (trial.state, trial.value) {
            if value.is_finite()
                && best.is_none_or(|b| metric.is_better(value, trials[b].value.unwrap()))
            {
                best = Some(index);
            }
        }
    }
    best
}

/// Runs the study on prepared folds, continuing after the trials in `history`.
/// `on_trial` sees each finished trial, in trial order.
pub fn run_study(
    space: &SearchSpace,
    settings: &StudySettings,
    folds: &[FoldEvaluator],
    history: Vec<TrialRecord>,
    on_trial: &mut dyn FnMut(&TrialRecord, &StudyProgress),
    control: &FitControl,
) -> Result<StudyOutcome, EngineError> {
    let started = Instant::now();
    let metric = settings.metric;
    let mut trials = history;
    let mut stopped = false;
    while trials.len() < settings.trials && !stopped {
        let observations: Vec<Observation> = trials
            .iter()
            .map(|t| Observation {
                params: t.params.clone(),
                loss: loss(metric, t),
            })
            .collect();
        let first = trials.len();
        let batch = settings.parallel_trials.max(1).min(settings.trials - first);
        let proposals: Vec<TrialParams> = (first..first + batch)
            .map(|number| {
                propose(
                    settings.sampler,
                    space,
                    &observations,
                    settings.seed,
                    number,
                )
            })
            .collect();
        let finished = &trials;
        let results: Vec<Result<Option<TrialRecord>, EngineError>> = proposals
            .into_par_iter()
            .enumerate()
            .map(|(offset, params)| {
                run_trial(first + offset, params, settings, folds, finished, control)
            })
            .collect();
        for result in results {
            match result? {
                Some(record) => {
                    trials.push(record);
                    let progress = progress(&trials, settings, started, metric);
                    on_trial(trials.last().expect("just pushed"), &progress);
                }
                None => stopped = true,
            }
        }
    }
    let best = best_index(&trials, metric);
    Ok(StudyOutcome {
        trials,
        best,
        stopped,
    })
}

/// The sampler's loss: lower is better whatever the metric's direction.
fn loss(metric: Metric, trial: &TrialRecord) -> Option<f64> {
    let value = trial
        .value
        .filter(|v| v.is_finite() && trial.state == TrialState::Complete)?;
    Some(match metric.direction() {
        crate::metrics::Direction::Maximize => -value,
        crate::metrics::Direction::Minimize => value,
    })
}

fn progress(
    trials: &[TrialRecord],
    settings: &StudySettings,
    started: Instant,
    metric: Metric,
) -> StudyProgress {
    let elapsed = started.elapsed().as_secs_f64();
    let finished = trials.len();
    let per_trial = elapsed / finished.max(1) as f64;
    StudyProgress {
        finished_trials: finished,
        trials: settings.trials,
        best_value: best_index(trials, metric).and_then(|b| trials[b].value),
        elapsed_seconds: elapsed,
        remaining_seconds: (finished > 0).then(|| per_trial * (settings.trials - finished) as f64),
    }
}

/// Scores one trial fold by fold; `None` when stopped.
fn run_trial(
    number: usize,
    params: TrialParams,
    settings: &StudySettings,
    folds: &[FoldEvaluator],
    finished: &[TrialRecord],
    control: &FitControl,
) -> Result<Option<TrialRecord>, EngineError> {
    let started = Instant::now();
    let metric = settings.metric;
    let mut fold_scores = Vec::with_capacity(folds.len());
    for (fold, evaluator) in folds.iter().enumerate() {
        let score = match evaluator.score(&params, metric, settings.seed, control) {
            Ok(Some(score)) => score,
            Ok(None) => return Ok(None),
            Err(EngineError::InvalidParameter(message) | EngineError::InvalidData(message)) => {
                return Ok(Some(TrialRecord {
                    number,
                    params,
                    state: TrialState::Failed,
                    value: None,
                    fold_scores,
                    error: Some(message),
                    seconds: started.elapsed().as_secs_f64(),
                }));
            }
            Err(other) => return Err(other),
        };
        fold_scores.push(score);
        if settings.pruning
            && should_prune(metric, &fold_scores, finished)
            && fold + 1 < folds.len()
        {
            return Ok(Some(TrialRecord {
                number,
                params,
                state: TrialState::Pruned,
                value: None,
                fold_scores,
                error: None,
                seconds: started.elapsed().as_secs_f64(),
            }));
        }
    }
    let value = fold_scores.iter().sum::<f64>() / fold_scores.len().max(1) as f64;
    Ok(Some(TrialRecord {
        number,
        params,
        state: TrialState::Complete,
        value: Some(value),
        fold_scores,
        error: None,
        seconds: started.elapsed().as_secs_f64(),
    }))
}

/// Median pruning: after the warm-up folds, a trial whose running mean is worse than
/// the median running mean of the complete trials at the same fold stops.
fn should_prune(metric: Metric, scores: &[f64], finished: &[TrialRecord]) -> bool {
    let fold = scores.len();
    // Scored folds past the warm-up (with a warm-up of 0, a trial with no fold scored
    // yet has nothing to compare).
    if fold.saturating_sub(PRUNING_WARMUP_FOLDS) == 0 {
        return false;
    }
    let mut references: Vec<f64> = finished
        .iter()
        .filter(|t| t.state == TrialState::Complete && t.fold_scores.len() >= fold)
        .map(|t| t.fold_scores[..fold].iter().sum::<f64>() / fold as f64)
        .filter(|v| v.is_finite())
        .collect();
    if references.len() < PRUNING_STARTUP_TRIALS {
        return false;
    }
    references.sort_by(f64::total_cmp);
    let middle = references.len() / 2;
    let median = if references.len() % 2 == 1 {
        references[middle]
    } else {
        (references[middle - 1] + references[middle]) / 2.0
    };
    let running = scores.iter().sum::<f64>() / fold as f64;
    metric.is_better(median, running)
}
