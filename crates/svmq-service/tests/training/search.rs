//! The search: every metric optimized in its own direction (the Python original
//! minimized some that should be maximized), and progress reported per trial.

use crate::support::*;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;
use svmq_data::Task;
use svmq_service::training::{TargetReport, TrainingObserver};
use svmq_service::{train, TrainingRequest};
use svmq_tune::metrics::{Direction, Metric};
use svmq_tune::sampler::SamplerKind;
use svmq_tune::space::KernelName;
use svmq_tune::study::TrialState;

/// Checks that the reported best is the complete trial with the best mean fold score
/// in `direction`, and that the trials differ enough for the direction to matter.
fn assert_best_in_direction(target: &TargetReport, direction: Direction) {
    let complete: Vec<_> = target
        .trials
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .collect();
    assert!(complete.len() >= 3, "enough complete trials");
    for trial in &complete {
        let mean = trial.fold_scores.iter().sum::<f64>() / trial.fold_scores.len() as f64;
        assert!(close(trial.value.expect("value"), mean, 1e-12));
    }
    let values: Vec<f64> = complete.iter().map(|t| t.value.unwrap()).collect();
    let smallest = values.iter().copied().fold(f64::INFINITY, f64::min);
    let largest = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert!(
        largest > smallest * 1.01 + 1e-9,
        "trials differ: {values:?}"
    );
    let wanted = match direction {
        Direction::Maximize => largest,
        Direction::Minimize => smallest,
    };
    assert_eq!(target.cv_mean, wanted, "values {values:?}");
    let best = complete
        .iter()
        .find(|t| t.value == Some(wanted))
        .expect("the best trial");
    assert_eq!(target.best_params, best.params);
    assert_eq!(target.cv_fold_scores, best.fold_scores);
}

fn search(path: &std::path::Path, task: Task, metric: Metric) -> TargetReport {
    let outcome = train_ok(&TrainingRequest {
        n_trials: 10,
        sampler: SamplerKind::Random,
        scoring_metric: Some(metric),
        probability: metric == Metric::LogLoss,
        ..request(path, task)
    });
    assert_eq!(outcome.report.metric, metric);
    outcome
        .report
        .targets
        .into_iter()
        .next()
        .expect("one target")
}

#[test]
fn regression_errors_are_minimized_and_scores_maximized() {
    let fixture = Fixture::new("direction-regression");
    let path = fixture.write("wavy.csv", &wavy_csv(60, 4));
    for metric in [Metric::Rmse, Metric::Mae, Metric::MaxError, Metric::R2] {
        let target = search(&path, Task::Regression, metric);
        assert_best_in_direction(&target, metric.direction());
        if metric == Metric::Rmse {
            // CV rmse is in the target's units: y spans tens of units around 50.
            assert!(
                target.cv_mean > 0.1 && target.cv_mean < 20.0,
                "{}",
                target.cv_mean
            );
        }
    }
}

#[test]
fn classification_scores_are_maximized_and_log_loss_minimized() {
    let fixture = Fixture::new("direction-classification");
    let path = fixture.write("noisy.csv", &noisy_classes_csv(60, 12));
    for metric in [Metric::Accuracy, Metric::BalancedAccuracy, Metric::LogLoss] {
        let target = search(&path, Task::Classification, metric);
        assert_best_in_direction(&target, metric.direction());
    }
}

/// Records what a training reports.
#[derive(Default)]
struct Recorder {
    progress: Mutex<Vec<(f64, String)>>,
    log: Mutex<Vec<String>>,
}

impl TrainingObserver for Recorder {
    fn progress(&self, percent: f64, message: &str) {
        self.progress
            .lock()
            .unwrap()
            .push((percent, message.to_string()));
    }

    fn log(&self, message: &str) {
        self.log.lock().unwrap().push(message.to_string());
    }
}

#[test]
fn progress_is_reported_per_trial_and_only_forward() {
    let fixture = Fixture::new("progress");
    let path = fixture.write("noisy.csv", &noisy_classes_csv(60, 12));
    let recorder = Recorder::default();
    let request = request(&path, Task::Classification);
    train(&request, &recorder, &AtomicBool::new(false)).expect("trains");
    let progress = recorder.progress.into_inner().unwrap();
    let percents: Vec<f64> = progress.iter().map(|(p, _)| *p).collect();
    assert!(
        percents.windows(2).all(|pair| pair[0] <= pair[1]),
        "{percents:?}"
    );
    assert_eq!(percents.last(), Some(&100.0));
    for trial in 1..=request.n_trials {
        let prefix = format!("trial {trial}/{}, best accuracy", request.n_trials);
        assert!(
            progress
                .iter()
                .any(|(_, message)| message.starts_with(&prefix)),
            "no progress for trial {trial}: {progress:?}"
        );
    }
    let log = recorder.log.into_inner().unwrap();
    let trial_lines = log.iter().filter(|line| line.starts_with("trial ")).count();
    assert_eq!(trial_lines, request.n_trials);
}

#[test]
fn auto_searches_the_kernel_with_each_kernels_own_parameters() {
    let fixture = Fixture::new("auto-kernel");
    let path = fixture.write("noisy.csv", &noisy_classes_csv(60, 12));
    let outcome = train_ok(&TrainingRequest {
        kernel: svmq_service::KernelChoice::Auto,
        sampler: SamplerKind::Random,
        n_trials: 16,
        ..request(&path, Task::Classification)
    });
    let trials = &outcome.report.targets[0].trials;
    let mut kernels: Vec<KernelName> = trials.iter().map(|t| t.params.kernel).collect();
    kernels.sort_by_key(|k| k.name());
    kernels.dedup();
    assert!(
        kernels.len() >= 3,
        "one study over the kernels: {kernels:?}"
    );
    for trial in trials {
        let params = &trial.params;
        let kernel = params.kernel;
        assert_eq!(
            params.gamma.is_some(),
            kernel != KernelName::Linear,
            "{params:?}"
        );
        assert_eq!(
            params.degree.is_some(),
            kernel == KernelName::Poly,
            "{params:?}"
        );
        assert_eq!(
            params.coef0.is_some(),
            matches!(kernel, KernelName::Poly | KernelName::Sigmoid),
            "{params:?}"
        );
        assert!(params.epsilon.is_none(), "no epsilon for a classifier");
        assert!((1e-3..=1e3).contains(&params.c), "{params:?}");
    }
}

#[test]
fn trials_that_cannot_win_are_pruned_after_some_folds() {
    let fixture = Fixture::new("pruning");
    let path = fixture.write("wavy.csv", &wavy_csv(80, 4));
    let folds = 5;
    let request = TrainingRequest {
        n_trials: 24,
        cv_folds: folds,
        sampler: SamplerKind::Random,
        scoring_metric: Some(Metric::Rmse),
        ..request(&path, Task::Regression)
    };
    let outcome = train_ok(&request);
    let target = &outcome.report.targets[0];
    let pruned: Vec<_> = target
        .trials
        .iter()
        .filter(|t| t.state == TrialState::Pruned)
        .collect();
    assert!(!pruned.is_empty(), "some of 24 random trials are pruned");
    for trial in &pruned {
        assert!(trial.value.is_none());
        assert!((1..folds).contains(&trial.fold_scores.len()), "{trial:?}");
        // Pruned for a running mean worse (larger) than the median running mean, at
        // the same fold, of the complete trials finished before its batch.
        let done = trial.fold_scores.len();
        let running = |scores: &[f64]| scores[..done].iter().sum::<f64>() / done as f64;
        let batch_start = trial.number - trial.number % request.parallel_trials;
        let mut earlier: Vec<f64> = target.trials[..batch_start]
            .iter()
            .filter(|t| t.state == TrialState::Complete)
            .map(|t| running(&t.fold_scores))
            .collect();
        earlier.sort_by(f64::total_cmp);
        let middle = earlier.len() / 2;
        let median = if earlier.len() % 2 == 1 {
            earlier[middle]
        } else {
            (earlier[middle - 1] + earlier[middle]) / 2.0
        };
        assert!(
            running(&trial.fold_scores) > median,
            "{trial:?}, median {median}"
        );
    }
    assert_best_in_direction(target, Direction::Minimize);
}
