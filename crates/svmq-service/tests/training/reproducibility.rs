//! Reproducibility: the same data, parameters and seed give the same trials and the
//! same model; another seed gives another search.

use crate::support::*;
use svmq_data::Task;
use svmq_service::{KernelChoice, TrainingOutcome, TrainingRequest};
use svmq_tune::sampler::SamplerKind;
use svmq_tune::study::TrialRecord;

/// What must replay exactly: everything of a trial but its wall time.
fn replayable(trials: &[TrialRecord]) -> Vec<TrialRecord> {
    trials
        .iter()
        .map(|trial| TrialRecord {
            seconds: 0.0,
            ..trial.clone()
        })
        .collect()
}

/// Predictions of the test split rows of the file, label and decision values.
fn predictions(outcome: &TrainingOutcome, path: &std::path::Path) -> String {
    let rows = svmq_service::prediction::predict_file(
        &outcome.model,
        path,
        &svmq_data::ReadLimits::default(),
        true,
    )
    .expect("predict the training file");
    serde_json::to_string(&rows).expect("serialize predictions")
}

fn search_request(path: &std::path::Path, sampler: SamplerKind, seed: u64) -> TrainingRequest {
    TrainingRequest {
        kernel: KernelChoice::Auto,
        sampler,
        // More than TPE's ten startup trials, so its model of the history is used.
        n_trials: 14,
        seed,
        probability: true,
        ..request(path, Task::Classification)
    }
}

#[test]
fn the_same_seed_replays_the_same_trials_and_model() {
    let fixture = Fixture::new("replay");
    let path = fixture.write("noisy.csv", &noisy_classes_csv(80, 21));
    for sampler in [SamplerKind::Tpe, SamplerKind::Random, SamplerKind::Grid] {
        let first = train_ok(&search_request(&path, sampler, 3));
        let second = train_ok(&search_request(&path, sampler, 3));
        let (a, b) = (&first.report.targets[0], &second.report.targets[0]);
        assert_eq!(a.trials.len(), 14);
        assert_eq!(replayable(&a.trials), replayable(&b.trials), "{sampler:?}");
        assert_eq!(a.best_params, b.best_params);
        assert_eq!(a.test_metrics, b.test_metrics);
        assert_eq!(first.model, second.model, "{sampler:?}: the same model");
        assert_eq!(first.model.to_text(), second.model.to_text());
        assert_eq!(predictions(&first, &path), predictions(&second, &path));
        let importance = |outcome: &TrainingOutcome| {
            serde_json::to_string(&outcome.report.targets[0].feature_importance).unwrap()
        };
        assert_eq!(importance(&first), importance(&second));
    }
}

#[test]
fn another_seed_gives_another_search() {
    let fixture = Fixture::new("reseed");
    let path = fixture.write("noisy.csv", &noisy_classes_csv(80, 21));
    for sampler in [SamplerKind::Tpe, SamplerKind::Random, SamplerKind::Grid] {
        let first = train_ok(&search_request(&path, sampler, 3));
        let other = train_ok(&search_request(&path, sampler, 4));
        let params = |outcome: &TrainingOutcome| -> Vec<_> {
            outcome.report.targets[0]
                .trials
                .iter()
                .map(|t| t.params.clone())
                .collect()
        };
        assert_ne!(params(&first), params(&other), "{sampler:?}");
    }
}

#[test]
fn regression_replays_too() {
    let fixture = Fixture::new("replay-regression");
    let path = fixture.write("wavy.csv", &wavy_csv(60, 8));
    let request = TrainingRequest {
        n_trials: 12,
        ..request(&path, Task::Regression)
    };
    let first = train_ok(&request);
    let second = train_ok(&request);
    assert_eq!(
        replayable(&first.report.targets[0].trials),
        replayable(&second.report.targets[0].trials)
    );
    assert_eq!(first.model, second.model);
    assert_eq!(predictions(&first, &path), predictions(&second, &path));
}
