//! A raised stop flag ends a running fit quickly, with a distinct outcome.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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

/// The solver reads the stop flag at every iteration. The flag is raised from the
/// progress callback, which the solver calls on its own thread after its 1000th
/// iteration, so the property holds at any machine speed: the fit returns `Stopped`
/// with no further progress report (fewer than 1000 more iterations). It once was a
/// 100 ms deadline measured beside other test binaries.
#[test]
fn a_stop_raised_while_the_solver_iterates_is_obeyed_at_the_next_iteration() {
    let (data, labels) = noisy_problem(8000, 20);
    let params = SvmParams {
        c: 100.0,
        ..SvmParams::default()
    }
    .validate()
    .unwrap();
    let stop = AtomicBool::new(false);
    let iterations = AtomicU64::new(0);
    let report = |progress: FitProgress| {
        iterations.store(progress.iterations, Ordering::Relaxed);
        if progress.iterations > 0 {
            stop.store(true, Ordering::Relaxed);
        }
    };
    let control = FitControl::new()
        .with_stop_flag(&stop)
        .with_progress(&report);
    let outcome = fit(&data, &labels, &params, &control).unwrap();
    assert!(
        matches!(outcome, FitOutcome::Stopped),
        "the fit finished though the flag was raised at iteration 1000"
    );
    assert_eq!(
        iterations.load(Ordering::Relaxed),
        1000,
        "the solver went on iterating after the flag was raised"
    );
}
