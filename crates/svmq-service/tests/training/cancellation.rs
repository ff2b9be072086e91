//! Cancellation: raising the stop flag ends a long search within a bounded time with
//! `ServiceError::Stopped`, and leaves no model.

use crate::support::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use svmq_data::Task;
use svmq_service::request::MAX_TRIALS;
use svmq_service::training::Silent;
use svmq_service::{train, KernelChoice, ServiceError, TrainingRequest};
use svmq_tune::approximation::Approximation;

fn long_search(path: &std::path::Path) -> TrainingRequest {
    TrainingRequest {
        n_trials: MAX_TRIALS,
        cv_folds: 5,
        kernel: KernelChoice::Auto,
        ..request(path, Task::Classification)
    }
}

#[test]
fn a_raised_stop_flag_ends_a_long_search_quickly() {
    let fixture = Fixture::new("cancel");
    let path = fixture.write("noisy.csv", &noisy_classes_csv(400, 5));
    let request = long_search(&path);
    let stop = AtomicBool::new(false);
    let raised_at = std::thread::scope(|scope| {
        let raiser = scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(100));
            stop.store(true, Ordering::Relaxed);
            Instant::now()
        });
        let result = train(&request, &Silent, &stop);
        let returned_at = Instant::now();
        let raised_at = raiser.join().expect("the raiser thread");
        match result {
            Err(ServiceError::Stopped) => {}
            Err(other) => panic!("expected Stopped, got {other}"),
            Ok(_) => panic!("a search of {MAX_TRIALS} trials finished in 100 ms"),
        }
        returned_at.saturating_duration_since(raised_at)
    });
    assert!(
        raised_at < Duration::from_secs(2),
        "returned {raised_at:?} after the stop flag was raised"
    );
}

#[test]
fn a_stop_flag_raised_before_the_start_stops_at_once() {
    let fixture = Fixture::new("cancel-early");
    let path = fixture.write("noisy.csv", &noisy_classes_csv(100, 5));
    let started = Instant::now();
    let result = train(&long_search(&path), &Silent, &AtomicBool::new(true));
    assert!(matches!(result, Err(ServiceError::Stopped)), "stopped");
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// Raises the stop flag when a progress message starts with `phase`.
struct StopAt<'a> {
    phase: &'static str,
    stop: &'a AtomicBool,
}

impl svmq_service::training::TrainingObserver for StopAt<'_> {
    fn progress(&self, _percent: f64, message: &str) {
        if message.starts_with(self.phase) {
            self.stop.store(true, Ordering::Release);
        }
    }

    fn log(&self, _message: &str) {}
}

/// Issue: a cancel must reach every phase, not only the search. Whatever the phase the
/// flag is raised in, the training ends with `Stopped` and no result; this holds at any
/// machine speed.
#[test]
fn a_stop_raised_in_any_phase_ends_the_training() {
    let fixture = Fixture::new("cancel-phases");
    let path = fixture.write("noisy.csv", &noisy_classes_csv(200, 7));
    let request = TrainingRequest {
        n_trials: 3,
        cv_folds: 3,
        ..request(&path, Task::Classification)
    };
    stops_in_every_phase(
        &request,
        &[
            "reading data",
            "trial 1/",
            "refitting",
            "feature importance",
        ],
    );
}

/// The same on the Nyström path, whose phases include the check of exact against
/// approximate.
#[test]
fn a_stop_raised_in_any_phase_ends_an_approximated_training() {
    let fixture = Fixture::new("cancel-phases-nystroem");
    let path = fixture.write("noisy.csv", &noisy_classes_csv(200, 7));
    let request = TrainingRequest {
        n_trials: 3,
        cv_folds: 3,
        approximation: Approximation::Nystroem,
        landmarks: Some(40),
        ..request(&path, Task::Classification)
    };
    stops_in_every_phase(
        &request,
        &[
            "trial 1/",
            "refitting",
            "exact against approximate",
            "feature importance",
        ],
    );
    // Unstopped, it trains, and its report says so.
    let trained = train(&request, &Silent, &AtomicBool::new(false)).expect("trained");
    let approximation = trained.report.targets[0]
        .approximation
        .as_ref()
        .expect("an approximated model");
    assert!(approximation.landmarks <= 40 && approximation.landmarks > 0);
}

/// Raises the stop flag in each of `phases` in turn: each run reaches its phase and ends
/// with `Stopped`, without a result.
fn stops_in_every_phase(request: &TrainingRequest, phases: &[&'static str]) {
    for &phase in phases {
        let stop = AtomicBool::new(false);
        let observer = StopAt { phase, stop: &stop };
        let result = train(request, &observer, &stop);
        assert!(
            stop.load(Ordering::Acquire),
            "the phase {phase:?} was reached"
        );
        assert!(
            matches!(result, Err(ServiceError::Stopped)),
            "stopped in {phase:?}: {:?}",
            result.map(|_| "a trained model")
        );
    }
}
