//! A study: trials proposed by a sampler, each scored by cross-validation, the best
//! kept. Trials run a few at a time in parallel; each batch is proposed from the
//! trials finished before it, so the same seed and settings replay the same study on
//! any machine. A trial whose running mean over its first folds is worse than the
//! median of earlier trials at the same fold is pruned (median pruning).
//!
//! With samples of the folds ([`run_study_with_samples`]) a trial climbs from the
//! smallest sample to the full folds and stops where successive halving stops it
//! ([`crate::halving`]); median pruning is then off.
//!
//! Finished trials leave through a callback as they complete, so a caller can persist
//! them; a study resumes from such a record.

use crate::evaluation::FoldEvaluator;
use crate::halving::{bracket_start, promoted};
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
    /// With samples: spread trials over Hyperband's brackets
    /// ([`crate::halving::bracket_start`]) instead of starting all on the smallest.
    #[serde(default)]
    pub brackets: bool,
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
    /// The metric on each fold evaluated (of the last sample scored, for a trial that
    /// successive halving stopped).
    pub fold_scores: Vec<f64>,
    /// With successive halving: the mean fold score on each sample of the folds the
    /// trial was scored on, smallest first; empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sample_scores: Vec<f64>,
    /// The sample it started on (Hyperband's brackets; the full folds when it equals
    /// the number of samples): `sample_scores[k]` is its score on sample
    /// `first_sample + k`. 0 without brackets.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub first_sample: usize,
    /// Why a failed trial failed.
    pub error: Option<String>,
    /// Wall-clock time it took, in seconds.
    pub seconds: f64,
}

fn is_zero(value: &usize) -> bool {
    *value == 0
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
    run_study_with_samples(space, settings, &[], folds, history, on_trial, control)
}

/// [`run_study`] with successive halving: `samples[k]` holds the k-th sample of every
/// fold, smallest first (see [`crate::halving::sample_fold`]); a trial is scored on
/// each in turn while it is promoted, then on `folds`. No samples: [`run_study`].
pub fn run_study_with_samples(
    space: &SearchSpace,
    settings: &StudySettings,
    samples: &[Vec<FoldEvaluator>],
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
        let observations = observations(&trials, metric);
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
                let number = first + offset;
                let first_sample = if settings.brackets {
                    bracket_start(number, samples.len())
                } else {
                    0
                };
                let trial = Trial {
                    number,
                    params,
                    first_sample,
                    started: Instant::now(),
                };
                run_trial(trial, settings, samples, folds, finished, control)
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

/// The finished trials as the sampler sees them. Without samples, a complete trial's
/// loss is its score turned so that lower is better, and the others have none. With
/// samples, a trial stopped on a sample is ranked too: after every trial that got
/// further, by its score on the last sample it reached; its loss is its rank (the
/// sampler uses only the order of the losses).
fn observations(trials: &[TrialRecord], metric: Metric) -> Vec<Observation> {
    let mut losses: Vec<Option<f64>> = trials.iter().map(|t| loss(metric, t)).collect();
    if trials.iter().any(|t| !t.sample_scores.is_empty()) {
        let depth = |t: &TrialRecord| {
            // Saturating: saved trials are read back from the store.
            t.first_sample
                .saturating_add(t.sample_scores.len())
                .saturating_add(usize::from(t.state == TrialState::Complete))
        };
        let mut ranked: Vec<(usize, usize, f64)> = trials
            .iter()
            .enumerate()
            .filter_map(|(index, t)| {
                let value = match t.state {
                    TrialState::Complete => t.value,
                    TrialState::Pruned => t.sample_scores.last().copied(),
                    TrialState::Failed => None,
                }
                .filter(|v| v.is_finite())?;
                Some((index, depth(t), turned(metric, value)))
            })
            .collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.total_cmp(&b.2)));
        losses = vec![None; trials.len()];
        for (rank, (index, _, _)) in ranked.into_iter().enumerate() {
            losses[index] = Some(rank as f64);
        }
    }
    trials
        .iter()
        .zip(losses)
        .map(|(t, loss)| Observation {
            params: t.params.clone(),
            loss,
        })
        .collect()
}

/// A score turned so that lower is better whatever the metric's direction.
fn turned(metric: Metric, value: f64) -> f64 {
    match metric.direction() {
        crate::metrics::Direction::Maximize => -value,
        crate::metrics::Direction::Minimize => value,
    }
}

/// The sampler's loss: lower is better whatever the metric's direction.
fn loss(metric: Metric, trial: &TrialRecord) -> Option<f64> {
    let value = trial
        .value
        .filter(|v| v.is_finite() && trial.state == TrialState::Complete)?;
    Some(turned(metric, value))
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

/// A trial about to be scored.
struct Trial {
    number: usize,
    params: TrialParams,
    /// The sample it starts on (Hyperband's brackets).
    first_sample: usize,
    started: Instant,
}

impl Trial {
    /// The record of the trial ending in `state`.
    fn record(
        self,
        state: TrialState,
        fold_scores: Vec<f64>,
        sample_scores: Vec<f64>,
        error: Option<String>,
    ) -> TrialRecord {
        let value = (state == TrialState::Complete)
            .then(|| fold_scores.iter().sum::<f64>() / fold_scores.len().max(1) as f64);
        TrialRecord {
            number: self.number,
            params: self.params,
            state,
            value,
            fold_scores,
            sample_scores,
            first_sample: self.first_sample,
            error,
            seconds: self.started.elapsed().as_secs_f64(),
        }
    }
}

/// How scoring a trial on a set of folds ended.
enum Scored {
    /// Every fold scored.
    All(Vec<f64>),
    /// The pruner stopped it after these folds.
    Pruned(Vec<f64>),
    /// Training or evaluation refused the parameters, after these folds.
    Failed(Vec<f64>, String),
    /// The stop flag was raised.
    Stopped,
}

/// Scores one trial on the samples while successive halving promotes it, then fold
/// by fold on the full folds; `None` when stopped.
fn run_trial(
    trial: Trial,
    settings: &StudySettings,
    samples: &[Vec<FoldEvaluator>],
    folds: &[FoldEvaluator],
    finished: &[TrialRecord],
    control: &FitControl,
) -> Result<Option<TrialRecord>, EngineError> {
    let metric = settings.metric;
    let first_sample = trial.first_sample;
    let mut sample_scores = Vec::with_capacity(samples.len());
    for (rung, sample) in samples.iter().enumerate().skip(first_sample) {
        let scores = match score_folds(&trial.params, settings, sample, &[], control)? {
            Scored::All(scores) => scores,
            Scored::Failed(scores, error) => {
                return Ok(Some(trial.record(
                    TrialState::Failed,
                    scores,
                    sample_scores,
                    Some(error),
                )))
            }
            Scored::Stopped => return Ok(None),
            Scored::Pruned(_) => unreachable!("no pruning without references"),
        };
        let mean = scores.iter().sum::<f64>() / scores.len().max(1) as f64;
        sample_scores.push(mean);
        // Within the trial's own bracket.
        let earlier: Vec<f64> = finished
            .iter()
            .filter(|t| t.first_sample == first_sample)
            .filter_map(|t| t.sample_scores.get(rung - first_sample).copied())
            .collect();
        if !promoted(mean, &earlier, metric) {
            return Ok(Some(trial.record(
                TrialState::Pruned,
                scores,
                sample_scores,
                None,
            )));
        }
    }
    // One pruner at a time: with samples, halving has done the pruning.
    let references = if settings.pruning && samples.is_empty() {
        finished
    } else {
        &[]
    };
    Ok(Some(
        match score_folds(&trial.params, settings, folds, references, control)? {
            Scored::All(scores) => trial.record(TrialState::Complete, scores, sample_scores, None),
            Scored::Pruned(scores) => trial.record(TrialState::Pruned, scores, sample_scores, None),
            Scored::Failed(scores, error) => {
                trial.record(TrialState::Failed, scores, sample_scores, Some(error))
            }
            Scored::Stopped => return Ok(None),
        },
    ))
}

/// Scores `params` fold by fold, pruned by the median of `references` (none: no
/// pruning).
fn score_folds(
    params: &TrialParams,
    settings: &StudySettings,
    folds: &[FoldEvaluator],
    references: &[TrialRecord],
    control: &FitControl,
) -> Result<Scored, EngineError> {
    let metric = settings.metric;
    let mut fold_scores = Vec::with_capacity(folds.len());
    for (fold, evaluator) in folds.iter().enumerate() {
        let score = match evaluator.score(params, metric, settings.seed, control) {
            Ok(Some(score)) => score,
            Ok(None) => return Ok(Scored::Stopped),
            Err(EngineError::InvalidParameter(message) | EngineError::InvalidData(message)) => {
                return Ok(Scored::Failed(fold_scores, message));
            }
            Err(other) => return Err(other),
        };
        fold_scores.push(score);
        if !references.is_empty()
            && should_prune(metric, &fold_scores, references)
            && fold + 1 < folds.len()
        {
            return Ok(Scored::Pruned(fold_scores));
        }
    }
    Ok(Scored::All(fold_scores))
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
