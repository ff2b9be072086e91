//! Studies end to end on small generated problems: reproducible, resumable, and the
//! reported best is the best trial in the metric's direction.

use svmq_core::random::Random;
use svmq_core::{FitControl, Matrix};
use svmq_tune::evaluation::{FoldEvaluator, PreparedFold, Task};
use svmq_tune::metrics::Metric;
use svmq_tune::sampler::SamplerKind;
use svmq_tune::space::{KernelName, SearchSpace};
use svmq_tune::study::{run_study, StudySettings, TrialRecord, TrialState};

/// Three folds of a two-moons-like problem (classification) or a smooth function
/// (regression); features are already on a unit scale.
fn folds(task: Task, seed: u64) -> Vec<FoldEvaluator> {
    folds_with_budget(task, seed, svmq_tune::evaluation::DEFAULT_GRAM_BUDGET)
}

/// `folds`, with dot products precomputed only within `gram_budget` bytes.
fn folds_with_budget(task: Task, seed: u64, gram_budget: usize) -> Vec<FoldEvaluator> {
    let mut random = Random::new(seed);
    let rows = 240;
    let mut features = Vec::new();
    let mut targets = Vec::new();
    for _ in 0..rows {
        let x = 2.0 * random.unit() - 1.0;
        let y = 2.0 * random.unit() - 1.0;
        features.push(vec![x, y]);
        targets.push(match task {
            Task::Classification { .. } => {
                f64::from(y > (3.0 * x).sin() * 0.5 + 0.2 * (random.unit() - 0.5))
            }
            Task::Regression => (3.0 * x).sin() + y * y + 0.05 * (random.unit() - 0.5),
        });
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
            let fold = PreparedFold {
                train: Matrix::from_rows(&train).unwrap(),
                train_targets,
                valid: Matrix::from_rows(&valid).unwrap(),
                valid_targets,
            };
            FoldEvaluator::with_gram_budget(fold, task, gram_budget)
        })
        .collect()
}

fn settings(trials: usize, metric: Metric) -> StudySettings {
    StudySettings {
        trials,
        sampler: SamplerKind::Tpe,
        seed: 5,
        metric,
        pruning: true,
        parallel_trials: 2,
        brackets: false,
    }
}

fn study(
    space: &SearchSpace,
    settings: &StudySettings,
    folds: &[FoldEvaluator],
    history: Vec<TrialRecord>,
) -> Vec<TrialRecord> {
    let mut seen = Vec::new();
    let outcome = run_study(
        space,
        settings,
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
    assert!(
        seen.windows(2).all(|pair| pair[1] == pair[0] + 1),
        "trials reported in order"
    );
    outcome.trials
}

fn without_times(trials: &[TrialRecord]) -> Vec<TrialRecord> {
    trials
        .iter()
        .cloned()
        .map(|t| TrialRecord { seconds: 0.0, ..t })
        .collect()
}

#[test]
fn same_seed_same_study_and_resuming_changes_nothing() {
    let folds = folds(Task::Classification { classes: 2 }, 1);
    let space = SearchSpace::classification(KernelName::ALL.to_vec());
    let full = study(&space, &settings(16, Metric::Accuracy), &folds, Vec::new());
    let again = study(&space, &settings(16, Metric::Accuracy), &folds, Vec::new());
    assert_eq!(without_times(&full), without_times(&again));
    let first_half = study(&space, &settings(8, Metric::Accuracy), &folds, Vec::new());
    let resumed = study(&space, &settings(16, Metric::Accuracy), &folds, first_half);
    assert_eq!(without_times(&full), without_times(&resumed));
}

#[test]
fn the_best_trial_is_best_in_the_metric_direction() {
    let folds = folds(Task::Regression, 2);
    let space = SearchSpace::regression(vec![KernelName::Rbf]);
    for metric in [Metric::Rmse, Metric::R2] {
        let mut settings = settings(14, metric);
        settings.pruning = false;
        let outcome = run_study(
            &space,
            &settings,
            &folds,
            Vec::new(),
            &mut |_, _| {},
            &FitControl::new(),
        )
        .unwrap();
        let best = outcome.best_trial().unwrap().value.unwrap();
        for trial in &outcome.trials {
            if let (TrialState::Complete, Some(value)) = (trial.state, trial.value) {
                assert!(
                    !metric.is_better(value, best),
                    "{metric:?}: trial {value} beats best {best}"
                );
            }
        }
        // A smooth target: a good RBF model explains most of the variance.
        if metric == Metric::R2 {
            assert!(best > 0.8, "best r2 {best}");
        }
    }
}

#[test]
fn pruning_stops_hopeless_trials() {
    let folds = folds(Task::Classification { classes: 2 }, 3);
    let space = SearchSpace::classification(KernelName::ALL.to_vec());
    let mut settings = settings(40, Metric::BalancedAccuracy);
    settings.sampler = SamplerKind::Random;
    let trials = study(&space, &settings, &folds, Vec::new());
    let pruned: Vec<&TrialRecord> = trials
        .iter()
        .filter(|t| t.state == TrialState::Pruned)
        .collect();
    assert!(
        !pruned.is_empty(),
        "random search over every kernel meets bad trials"
    );
    for trial in pruned {
        assert!(trial.fold_scores.len() < 3 && trial.value.is_none());
    }
}

#[test]
fn precomputed_dot_products_change_fold_scores_only_within_the_solver_tolerance() {
    // The Gram matrix holds dot products in f32 (the precision of cached kernel
    // rows): each fit then stops at another point within the solver's tolerance.
    use svmq_tune::space::{Gamma, TrialParams};
    let params = TrialParams {
        kernel: KernelName::Rbf,
        c: 3.0,
        gamma: Some(Gamma::Scale),
        degree: None,
        coef0: None,
        epsilon: None,
        balanced_class_weights: true,
    };
    for task in [Task::Classification { classes: 2 }, Task::Regression] {
        let metric = if task == Task::Regression {
            Metric::Rmse
        } else {
            Metric::LogLoss
        };
        let params = TrialParams {
            epsilon: (task == Task::Regression).then_some(0.05),
            ..params.clone()
        };
        let with_gram = folds(task, 9);
        let without: Vec<FoldEvaluator> = folds_with_budget(task, 9, 0);
        for (a, b) in with_gram.iter().zip(&without) {
            let control = FitControl::new();
            let x = a.score(&params, metric, 1, &control).unwrap().unwrap();
            let y = b.score(&params, metric, 1, &control).unwrap().unwrap();
            assert!(
                (x - y).abs() < 1e-3 * x.abs().max(1.0),
                "{metric:?}: {x} vs {y}"
            );
        }
    }
}
