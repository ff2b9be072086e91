//! How close an approximate model (Nyström or random Fourier features) is to the exact
//! RBF SVM it stands for, measured the only
//! way that is affordable when the exact SVM is not: both are fitted with the same
//! parameters on one sample of the training rows, and scored on the test split.
//!
//! What it does not do: the final fit itself (`target_search`).

use crate::training_report::{ApproximationCheck, ApproximationReport};
use svmq_core::random::Random;
use svmq_core::{
    fit, fit_approximate_svm, ApproximateOutcome, FitControl, FitOutcome, KernelApproximation,
    Matrix,
};
use svmq_core::{SvmParams, ValidParams};
use svmq_tune::evaluation::{
    needs_probability, predict, score, Task as TuneTask, TrainingStatistics,
};
use svmq_tune::metrics::Metric;

/// Training rows of the sample both are fitted on: the exact solver fits them in
/// about a second.
pub(crate) const CHECK_TRAINING_ROWS: usize = 3_000;

/// Test rows both are scored on at most.
pub(crate) const CHECK_TEST_ROWS: usize = 10_000;

/// What the exact and the approximate fit score on the test split (a sample of
/// [`CHECK_TEST_ROWS`]) after training on [`CHECK_TRAINING_ROWS`] training rows, with
/// `params` and `approximation`: the sample's rows, the metric (accuracy in place of a
/// metric that needs probabilities) and the two scores; `None` when stopped or when
/// either fit fails.
#[allow(clippy::too_many_arguments)]
pub(crate) fn approximation_check(
    train: &Matrix,
    targets: &[f64],
    test: &Matrix,
    test_targets: &[f64],
    params: &ValidParams,
    approximation: KernelApproximation,
    task: TuneTask,
    statistics: &TrainingStatistics,
    metric: Metric,
    control: &FitControl,
) -> Option<(usize, Metric, f64, f64)> {
    let seed = params.seed;
    let rows = sample_positions(train.rows(), CHECK_TRAINING_ROWS, seed);
    let (sample, sample_targets) = (
        train.select_rows(&rows),
        rows.iter().map(|&row| targets[row]).collect::<Vec<f64>>(),
    );
    let test_rows = sample_positions(test.rows(), CHECK_TEST_ROWS, seed.wrapping_add(1));
    let (test, truth) = (
        test.select_rows(&test_rows),
        test_rows
            .iter()
            .map(|&row| test_targets[row])
            .collect::<Vec<f64>>(),
    );
    // Scores without probabilities: the check is about the decision, and a
    // probability model would take five more fits of each.
    let params = SvmParams {
        probability: false,
        ..params.get().clone()
    }
    .validate()
    .ok()?;
    let metric = if needs_probability(metric, task) {
        Metric::Accuracy
    } else {
        metric
    };
    let exact = match fit(&sample, &sample_targets, &params, control).ok()? {
        FitOutcome::Trained(trained) => trained.model,
        FitOutcome::Stopped => return None,
    };
    let approximate = match fit_approximate_svm(
        &sample,
        &sample_targets,
        &params,
        approximation,
        control,
    )
    .ok()?
    {
        ApproximateOutcome::Trained(trained) => trained.model,
        ApproximateOutcome::Stopped => return None,
    };
    let scored = |model| {
        score(
            metric,
            task,
            &truth,
            &predict(model, &test, task, statistics, false),
        )
    };
    Some((rows.len(), metric, scored(&exact), scored(&approximate)))
}

/// `count` of `rows` positions at random (all when fewer), ascending.
fn sample_positions(rows: usize, count: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rows).collect();
    if rows > count {
        Random::for_stream(seed, 0x636b).shuffle(&mut order);
        order.truncate(count);
        order.sort_unstable();
    }
    order
}

/// The report of an approximate final fit: `kept` features (landmarks kept, or random
/// features) of those `requested`, and the check.
pub(crate) fn approximation_report(
    requested: KernelApproximation,
    kept: usize,
    check: Option<(usize, Metric, f64, f64)>,
) -> ApproximationReport {
    ApproximationReport {
        method: requested.method().into(),
        landmarks: kept,
        requested_landmarks: requested.requested(),
        check: check.map(|(rows, metric, exact, approximate)| ApproximationCheck {
            training_rows: rows,
            metric,
            exact,
            approximate,
        }),
    }
}
