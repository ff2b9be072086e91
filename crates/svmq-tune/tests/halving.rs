//! Studies with successive halving on a generated problem: most trials stop on a
//! small sample, the survivors reach the full folds, the best is as good as a study
//! without samples finds, and the study replays and resumes exactly.

use svmq_core::random::Random;
use svmq_core::{FitControl, Matrix};
use svmq_tune::evaluation::{FoldEvaluator, PreparedFold, Task};
use svmq_tune::halving::sample_fold;
use svmq_tune::metrics::Metric;
use svmq_tune::sampler::SamplerKind;
use svmq_tune::space::{KernelName, SearchSpace};
use svmq_tune::study::{run_study, run_study_with_samples, StudySettings, TrialRecord, TrialState};

const TASK: Task = Task::Classification { classes: 2 };

/// Three folds of a noisy two-moons-like problem on 1,800 rows.
fn prepared_folds(seed: u64) -> Vec<PreparedFold> {
    let mut random = Random::new(seed);
    let rows = 1_800;
    let mut features = Vec::new();
    let mut targets = Vec::new();
    for _ in 0..rows {
        let x = 2.0 * random.unit() - 1.0;
        let y = 2.0 * random.unit() - 1.0;
        features.push(vec![x, y]);
        targets.push(f64::from(
            y > (3.0 * x).sin() * 0.5 + 0.4 * (random.unit() - 0.5),
        ));
    }
    (0..3)
        .map(|fold| {
            let (mut train, mut train_targets, mut valid, mut valid_targets) =
                (vec![], vec![], vec![], vec![]);
            for row in 0..rows {
                if row % 3 == fold {
                    valid.push(features[row].clone());
                    valid_targets.push(targets[row]);
                } else {
                    train.push(features[row].clone());
                    train_targets.push(targets[row]);
                }
            }
            PreparedFold {
                train: Matrix::from_rows(&train).unwrap(),
                train_targets,
                valid: Matrix::from_rows(&valid).unwrap(),
                valid_targets,
            }
        })
        .collect()
}

/// The full folds and their samples of a ninth and a third.
fn folds_and_samples() -> (Vec<FoldEvaluator>, Vec<Vec<FoldEvaluator>>) {
    let prepared = prepared_folds(3);
    let samples = [1.0 / 9.0, 1.0 / 3.0]
        .iter()
        .map(|&fraction| {
            prepared
                .iter()
                .enumerate()
                .map(|(index, fold)| {
                    FoldEvaluator::new(sample_fold(fold, fraction, TASK, index as u64), TASK)
                })
                .collect()
        })
        .collect();
    let folds = prepared
        .into_iter()
        .map(|fold| FoldEvaluator::new(fold, TASK))
        .collect();
    (folds, samples)
}

fn settings(trials: usize) -> StudySettings {
    StudySettings {
        trials,
        sampler: SamplerKind::Tpe,
        seed: 11,
        metric: Metric::Accuracy,
        pruning: true,
        parallel_trials: 2,
        brackets: false,
    }
}

fn halving_study(
    settings: &StudySettings,
    samples: &[Vec<FoldEvaluator>],
    folds: &[FoldEvaluator],
    history: Vec<TrialRecord>,
) -> Vec<TrialRecord> {
    let mut seen = Vec::new();
    let outcome = run_study_with_samples(
        &SearchSpace::classification(vec![KernelName::Rbf]),
        settings,
        samples,
        folds,
        history,
        &mut |trial, progress| {
            assert_eq!(progress.finished_trials, trial.number + 1);
            seen.push(trial.number);
        },
        &FitControl::new(),
    )
    .unwrap();
    assert!(!outcome.stopped);
    assert!(seen.windows(2).all(|pair| pair[1] == pair[0] + 1));
    outcome.trials
}

fn without_times(trials: &[TrialRecord]) -> Vec<TrialRecord> {
    trials
        .iter()
        .cloned()
        .map(|t| TrialRecord { seconds: 0.0, ..t })
        .collect()
}

fn best(trials: &[TrialRecord]) -> f64 {
    trials
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .filter_map(|t| t.value)
        .fold(f64::NEG_INFINITY, f64::max)
}

#[test]
fn most_trials_stop_on_a_sample_and_the_best_holds() {
    let (folds, samples) = folds_and_samples();
    let trials = halving_study(&settings(24), &samples, &folds, Vec::new());
    assert_eq!(trials.len(), 24);
    let complete: Vec<&TrialRecord> = trials
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .collect();
    let stopped_on_sample = trials
        .iter()
        .filter(|t| t.state == TrialState::Pruned && t.sample_scores.len() < 3)
        .count();
    assert!(!complete.is_empty());
    for trial in &complete {
        assert_eq!(
            trial.sample_scores.len(),
            2,
            "a survivor was scored on both samples"
        );
        assert_eq!(trial.fold_scores.len(), 3);
    }
    assert!(
        stopped_on_sample >= trials.len() / 2,
        "{stopped_on_sample} of {} trials stopped on a sample",
        trials.len()
    );
    // A study without samples over the same trials finds no clearly better model.
    let mut full_settings = settings(24);
    full_settings.pruning = false;
    let full = run_study(
        &SearchSpace::classification(vec![KernelName::Rbf]),
        &full_settings,
        &folds,
        Vec::new(),
        &mut |_, _| {},
        &FitControl::new(),
    )
    .unwrap();
    let (halved, reference) = (best(&trials), best(&full.trials));
    assert!(
        halved >= reference - 0.02,
        "best with halving {halved}, without {reference}"
    );
}

#[test]
fn a_halving_study_replays_and_resumes_exactly() {
    let (folds, samples) = folds_and_samples();
    let whole = halving_study(&settings(14), &samples, &folds, Vec::new());
    let again = halving_study(&settings(14), &samples, &folds, Vec::new());
    assert_eq!(without_times(&whole), without_times(&again));
    let first = halving_study(&settings(6), &samples, &folds, Vec::new());
    let resumed = halving_study(&settings(14), &samples, &folds, first);
    assert_eq!(without_times(&whole), without_times(&resumed));
}

#[test]
fn hyperband_brackets_start_trials_on_every_sample_and_promote_within_a_bracket() {
    let (folds, samples) = folds_and_samples();
    let mut bracketed = settings(26);
    bracketed.brackets = true;
    let trials = halving_study(&bracketed, &samples, &folds, Vec::new());
    assert_eq!(trials.len(), 26);
    // Two samples: brackets starting on sample 0, 1 and the full folds get 9, 5 and 3
    // of every 17 trials (Hyperband's ⌈3/(s + 1)·3^s⌉ for s = 2, 1, 0 halvings).
    for (start, expected) in [(0, 14), (1, 8), (2, 4)] {
        let count = trials.iter().filter(|t| t.first_sample == start).count();
        assert!(
            count.abs_diff(expected) <= 1,
            "{count} trials start on {start}"
        );
    }
    for trial in &trials {
        let reached = trial.first_sample + trial.sample_scores.len();
        assert!(reached <= 2, "{trial:?}");
        if trial.state == TrialState::Complete {
            // A survivor was scored on every sample from its bracket's first.
            assert_eq!(reached, 2, "{trial:?}");
            assert_eq!(trial.fold_scores.len(), 3);
        }
    }
    // The bracket on the full folds never stops a trial on a sample.
    assert!(trials
        .iter()
        .filter(|t| t.first_sample == 2)
        .all(|t| t.sample_scores.is_empty() && t.state == TrialState::Complete));
    // A bracket's first trial on a sample goes on: it is compared with its own bracket,
    // which has no trial before it.
    let first_of_middle = trials.iter().find(|t| t.first_sample == 1).unwrap();
    assert_eq!(first_of_middle.state, TrialState::Complete);
    // The best holds against the plain halving study of as many trials.
    let plain = halving_study(&settings(26), &samples, &folds, Vec::new());
    assert!(best(&trials) >= best(&plain) - 0.02);
    // And it replays and resumes exactly.
    let first = halving_study(
        &StudySettings {
            trials: 10,
            ..bracketed.clone()
        },
        &samples,
        &folds,
        Vec::new(),
    );
    let resumed = halving_study(&bracketed, &samples, &folds, first);
    assert_eq!(without_times(&trials), without_times(&resumed));
}

#[test]
fn a_saved_trial_with_a_hostile_first_sample_does_not_stop_a_resume() {
    // Saved trials are read back from the store: a first sample past every sample (or
    // at usize::MAX) must neither panic nor be taken for a bracket of new trials.
    let (folds, samples) = folds_and_samples();
    for brackets in [false, true] {
        let mut hostile = settings(4);
        hostile.brackets = brackets;
        let mut first = halving_study(&hostile, &samples, &folds, Vec::new());
        first[0].first_sample = usize::MAX;
        first[1].first_sample = 7;
        let resumed = halving_study(
            &StudySettings {
                trials: 9,
                ..hostile.clone()
            },
            &samples,
            &folds,
            first,
        );
        assert_eq!(resumed.len(), 9);
        assert!(resumed[4..].iter().all(|t| t.first_sample <= samples.len()));
    }
}
