//! A search interrupted after some trials resumes from its checkpoint and ends with
//! the trials an uninterrupted search would have run.

use crate::support::{noisy_classes_csv, request, Fixture};
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;
use svmq_data::Task;
use svmq_service::training::{train_resumable, Silent, TrialCheckpoint};
use svmq_tune::halving::Fidelity;
use svmq_tune::study::{TrialRecord, TrialState};

/// An in-memory checkpoint: what was saved, and what to hand back on load.
struct MemoryCheckpoint {
    saved: Mutex<Vec<TrialRecord>>,
    preloaded: Vec<TrialRecord>,
}

impl TrialCheckpoint for MemoryCheckpoint {
    fn load(&self, target: usize) -> Vec<TrialRecord> {
        assert_eq!(target, 0);
        self.preloaded.clone()
    }

    fn save(&self, _: usize, trial: &TrialRecord) {
        self.saved.lock().unwrap().push(trial.clone());
    }
}

fn without_times(trials: &[TrialRecord]) -> Vec<TrialRecord> {
    trials
        .iter()
        .cloned()
        .map(|t| TrialRecord { seconds: 0.0, ..t })
        .collect()
}

#[test]
fn a_resumed_search_ends_like_an_uninterrupted_one() {
    let fixture = Fixture::new("resume");
    let path = fixture.write("data.csv", &noisy_classes_csv(160, 4));
    let mut request = request(&path, Task::Classification);
    request.n_trials = 16;
    request.parallel_trials = 2;
    let stop = AtomicBool::new(false);
    let full = MemoryCheckpoint {
        saved: Mutex::new(Vec::new()),
        preloaded: Vec::new(),
    };
    let uninterrupted = train_resumable(&request, &Silent, &stop, &full).unwrap();
    let saved = full.saved.into_inner().unwrap();
    assert_eq!(saved.len(), 16, "every trial is saved as it finishes");
    // Interrupted after 8 trials (a batch boundary): the next attempt gets those back.
    let resumed_checkpoint = MemoryCheckpoint {
        saved: Mutex::new(Vec::new()),
        preloaded: saved[..8].to_vec(),
    };
    let resumed = train_resumable(&request, &Silent, &stop, &resumed_checkpoint).unwrap();
    assert_eq!(
        resumed_checkpoint.saved.into_inner().unwrap().len(),
        8,
        "only the missing trials run"
    );
    assert_eq!(
        without_times(&uninterrupted.report.targets[0].trials),
        without_times(&resumed.report.targets[0].trials)
    );
    assert_eq!(uninterrupted.model.to_text(), resumed.model.to_text());
}

#[test]
fn a_broken_checkpoint_counts_only_up_to_the_gap() {
    let fixture = Fixture::new("resume-gap");
    let path = fixture.write("data.csv", &noisy_classes_csv(120, 5));
    let mut request = request(&path, Task::Classification);
    request.n_trials = 6;
    let stop = AtomicBool::new(false);
    let first = MemoryCheckpoint {
        saved: Mutex::new(Vec::new()),
        preloaded: Vec::new(),
    };
    train_resumable(&request, &Silent, &stop, &first).unwrap();
    let mut saved = first.saved.into_inner().unwrap();
    saved.remove(2); // trial 2 lost: trials 3.. cannot be trusted as a prefix
    let second = MemoryCheckpoint {
        saved: Mutex::new(Vec::new()),
        preloaded: saved,
    };
    train_resumable(&request, &Silent, &stop, &second).unwrap();
    let rerun: Vec<usize> = second
        .saved
        .into_inner()
        .unwrap()
        .iter()
        .map(|t| t.number)
        .collect();
    assert_eq!(rerun, vec![2, 3, 4, 5]);
}

#[test]
fn a_halving_search_saves_its_sample_scores_and_resumes_like_an_uninterrupted_one() {
    let fixture = Fixture::new("resume-halving");
    // 3,000 rows: 2,400 for training, 1,600 per fold, a first sample of a third.
    let path = fixture.write("data.csv", &noisy_classes_csv(3_000, 6));
    let mut request = request(&path, Task::Classification);
    request.n_trials = 10;
    request.cv_folds = 3;
    request.parallel_trials = 2;
    request.fidelity = Fidelity::Halving;
    let stop = AtomicBool::new(false);
    let full = MemoryCheckpoint {
        saved: Mutex::new(Vec::new()),
        preloaded: Vec::new(),
    };
    let uninterrupted = train_resumable(&request, &Silent, &stop, &full).unwrap();
    let saved = full.saved.into_inner().unwrap();
    assert_eq!(saved.len(), 10);
    assert!(saved.iter().all(|trial| trial.sample_scores.len() == 1));
    assert!(
        saved.iter().any(|trial| trial.state == TrialState::Pruned),
        "some trial stopped on the sample"
    );
    let resumed_checkpoint = MemoryCheckpoint {
        saved: Mutex::new(Vec::new()),
        preloaded: saved[..4].to_vec(),
    };
    let resumed = train_resumable(&request, &Silent, &stop, &resumed_checkpoint).unwrap();
    assert_eq!(
        without_times(&uninterrupted.report.targets[0].trials),
        without_times(&resumed.report.targets[0].trials)
    );
    assert_eq!(uninterrupted.model.to_text(), resumed.model.to_text());
}
