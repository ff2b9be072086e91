//! A raised stop flag ends a running fit quickly, with a distinct outcome.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use svmq_core::random::Random;
use svmq_core::{fit, FitControl, FitOutcome, FitProgress, Matrix, SvmParams};

fn noisy_problem(rows: usize, columns: usize) -> (Matrix, Vec<f64>) {
    let mut random = Random::new(9);
    let values: Vec<f64> = (0..rows * columns)
        .map(|_| random.unit() * 2.0 - 1.0)
        .collect();
    // Labels mostly noise: many support vectors and a long optimization.
    let labels = (0..rows)
        .map(|i| {
            if values[i * columns] + random.unit() - 0.5 > 0.0 {
                1.0
            } else {
                -1.0
            }
        })
        .collect();
    (Matrix::new(rows, columns, values).unwrap(), labels)
}

#[test]
fn a_stopped_fit_returns_within_100_milliseconds() {
    let (data, labels) = noisy_problem(8000, 20);
    let params = SvmParams {
        c: 100.0,
        probability: true,
        ..SvmParams::default()
    }
    .validate()
    .unwrap();
    let stop = AtomicBool::new(false);
    let iterations = AtomicU64::new(0);
    let report = |progress: FitProgress| iterations.store(progress.iterations, Ordering::Relaxed);
    let raised_at = std::sync::Mutex::new(None);
    let outcome = std::thread::scope(|scope| {
        scope.spawn(|| {
            // Raise the flag once the solver is iterating (on a loaded machine that
            // can take well over the usual fraction of a second).
            let deadline = Instant::now() + Duration::from_secs(30);
            while iterations.load(Ordering::Relaxed) == 0 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            std::thread::sleep(Duration::from_millis(50));
            *raised_at.lock().unwrap() = Some(Instant::now());
            stop.store(true, Ordering::Relaxed);
        });
        let control = FitControl::new()
            .with_stop_flag(&stop)
            .with_progress(&report);
        let outcome = fit(&data, &labels, &params, &control).unwrap();
        (outcome, Instant::now())
    });
    let (outcome, returned_at) = outcome;
    assert!(
        matches!(outcome, FitOutcome::Stopped),
        "the fit finished before the stop"
    );
    let latency = returned_at - raised_at.lock().unwrap().expect("flag raised");
    assert!(
        latency < Duration::from_millis(100),
        "returned {latency:?} after the stop flag"
    );
    assert!(
        iterations.load(Ordering::Relaxed) > 0,
        "progress was reported"
    );
}
