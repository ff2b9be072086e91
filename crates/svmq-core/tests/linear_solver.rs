//! Properties of the linear solvers on seeded generated problems, with the public API
//! only: the dual solution satisfies its box and optimality conditions within the
//! tolerance; a warm start reaches the cold start's solution in fewer passes; the stop
//! flag ends a fit; degenerate inputs give errors or sane models, never panics.

mod support;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use support::problems;
use svmq_core::linear::{
    fit_linear, fit_linear_path, primal_objectives, DualSolution, LinearLoss, LinearOutcome,
    LinearParams, LinearTask, TrainedLinearModel, ValidLinearParams,
};
use svmq_core::matrix::dot;
use svmq_core::{EngineError, FitControl, FitProgress, Matrix};

fn fit(
    data: &Matrix,
    targets: &[f64],
    params: &ValidLinearParams,
    start: Option<&DualSolution>,
) -> Result<TrainedLinearModel, EngineError> {
    match fit_linear(data, targets, params, start, &FitControl::new())? {
        LinearOutcome::Trained(trained) => Ok(*trained),
        LinearOutcome::Stopped => unreachable!("no stop flag"),
    }
}

fn classification_params(loss: LinearLoss, c: f64) -> ValidLinearParams {
    LinearParams {
        loss,
        c,
        ..LinearParams::default()
    }
    .validate()
    .unwrap()
}

fn regression_params(loss: LinearLoss, c: f64) -> ValidLinearParams {
    LinearParams {
        task: LinearTask::Regression { epsilon: 0.1 },
        loss,
        c,
        tolerance: 0.001,
        // Cold fits at this tolerance need more than the default 300 passes.
        max_passes: 3000,
        ..LinearParams::default()
    }
    .validate()
    .unwrap()
}

const LOSSES: [LinearLoss; 2] = [LinearLoss::L1, LinearLoss::L2];

/// Recomputes the projected gradients of a binary classification dual from the data and
/// α alone: `w̃ = Σ yᵢαᵢx̃ᵢ`, `Gᵢ = yᵢw̃·x̃ᵢ − 1 + Dᵢᵢαᵢ`; at the solution
/// `max PG − min PG ≤ tolerance` and `0 ≤ αᵢ ≤ Uᵢ`, and the model's weights are `w̃`.
#[test]
fn binary_solutions_meet_the_box_and_the_stopping_rule() {
    for seed in 1..=3 {
        let (data, targets) = problems::classification(seed, 3000, 15, &[1.0, -1.0], 0.1);
        for loss in LOSSES {
            let params = classification_params(loss, 0.5);
            let trained = fit(&data, &targets, &params, None).unwrap();
            let alphas = &trained.solution.variables()[0];
            let (upper, diagonal) = match loss {
                LinearLoss::L1 => (0.5, 0.0),
                LinearLoss::L2 => (f64::INFINITY, 1.0),
            };
            let signs: Vec<f64> = targets
                .iter()
                .map(|&target| {
                    if target == trained.model.labels()[0] {
                        1.0
                    } else {
                        -1.0
                    }
                })
                .collect();
            let mut weights = vec![0.0; data.columns()];
            let mut bias_weight = 0.0;
            for (row, (&alpha, &sign)) in alphas.iter().zip(&signs).enumerate() {
                assert!((0.0..=upper).contains(&alpha), "α{row} = {alpha}");
                for (weight, value) in weights.iter_mut().zip(data.row(row)) {
                    *weight += alpha * sign * value;
                }
                bias_weight += alpha * sign;
            }
            for (ours, model) in weights.iter().zip(&trained.model.weights()[0]) {
                assert!((ours - model).abs() <= 1e-9 * (1.0 + ours.abs()));
            }
            assert!((bias_weight - trained.model.intercepts()[0]).abs() <= 1e-9);
            let (mut largest, mut smallest) = (f64::NEG_INFINITY, f64::INFINITY);
            for (row, (&alpha, &sign)) in alphas.iter().zip(&signs).enumerate() {
                let gradient =
                    sign * (dot(&weights, data.row(row)) + bias_weight) - 1.0 + diagonal * alpha;
                let projected = if alpha == 0.0 {
                    gradient.min(0.0)
                } else if alpha == upper {
                    gradient.max(0.0)
                } else {
                    gradient
                };
                largest = largest.max(projected);
                smallest = smallest.min(projected);
            }
            assert!(trained.report.converged());
            // The rule held over the last pass, whose steps moved w̃ a little since.
            assert!(
                largest - smallest <= 0.15,
                "seed {seed}, {loss:?}: projected-gradient gap {}",
                largest - smallest
            );
        }
    }
}

/// From its own solution a fit is done in a few passes (the last pass of the first fit
/// moved w̃ a little after measuring the gap) and changes nothing that counts.
#[test]
fn a_fit_started_from_its_own_solution_ends_at_once() {
    let (data, targets) = problems::classification(5, 4000, 10, &[1.0, 2.0, 3.0], 0.1);
    for loss in LOSSES {
        let params = classification_params(loss, 1.0);
        let cold = fit(&data, &targets, &params, None).unwrap();
        let warm = fit(&data, &targets, &params, Some(&cold.solution)).unwrap();
        assert!(warm.report.converged());
        assert!(
            4 * warm.report.passes() <= cold.report.passes(),
            "{loss:?}: {} passes warm, {} cold",
            warm.report.passes(),
            cold.report.passes()
        );
        let objectives = |trained: &TrainedLinearModel| {
            primal_objectives(&trained.model, &data, &targets, &params).unwrap()
        };
        for (cold, warm) in objectives(&cold).iter().zip(objectives(&warm)) {
            assert!((cold - warm).abs() <= 1e-3 * cold, "{cold} against {warm}");
        }
    }
}

/// Along a path of increasing C, each fit started from the previous solution reaches
/// the cold fit's primal objective (within 1e-3) in fewer passes in all. Regression at
/// the tolerance 0.001: at 0.1 its L1-loss solutions are a few percent apart in primal
/// objective from any two starting points (see the LIBLINEAR agreement tests).
#[test]
fn a_path_over_c_matches_cold_fits_in_fewer_passes() {
    let costs = [0.03, 0.1, 0.3, 1.0, 3.0];
    let sets = [
        (
            "classification",
            problems::classification(6, 5000, 20, &[1.0, 2.0], 0.1),
        ),
        ("regression", problems::regression(6, 5000, 20, 0.3)),
    ];
    for (name, (data, targets)) in &sets {
        for loss in LOSSES {
            let params = if *name == "regression" {
                regression_params(loss, 1.0)
            } else {
                classification_params(loss, 1.0)
            };
            let path = fit_linear_path(data, targets, &params, &costs, &FitControl::new())
                .unwrap()
                .unwrap();
            let (mut warm_passes, mut cold_passes) = (0, 0);
            for (&c, warm) in costs.iter().zip(&path) {
                let params = params.with_c(c).unwrap();
                let cold = fit(data, targets, &params, None).unwrap();
                let objective = |trained: &TrainedLinearModel| {
                    primal_objectives(&trained.model, data, targets, &params).unwrap()[0]
                };
                let (warm_objective, cold_objective) = (objective(warm), objective(&cold));
                eprintln!(
                    "{name} {loss:?} C = {c}: passes warm {} cold {}, objectives {warm_objective:.4} {cold_objective:.4}",
                    warm.report.passes(),
                    cold.report.passes()
                );
                assert!(
                    (warm_objective - cold_objective).abs() <= 1e-3 * cold_objective,
                    "{name}, {loss:?}, C = {c}: warm {warm_objective}, cold {cold_objective}"
                );
                warm_passes += warm.report.passes();
                cold_passes += cold.report.passes();
            }
            assert!(
                warm_passes < cold_passes,
                "{name}, {loss:?}: {warm_passes} passes warm, {cold_passes} cold"
            );
        }
    }
}

/// The flag is raised from the progress callback after the first pass, on the solver's
/// own thread: the fit returns `Stopped` within the pass it is in (the pass reads the
/// flag every 4096 rows), with no further progress reported.
#[test]
fn a_stop_raised_during_a_fit_is_obeyed_within_the_pass() {
    let (data, targets) = problems::classification(7, 50_000, 10, &[1.0, 2.0], 0.3);
    for loss in LOSSES {
        let stop = AtomicBool::new(false);
        let reports = AtomicU64::new(0);
        let report = |progress: FitProgress| {
            reports.fetch_add(1, Ordering::Relaxed);
            if progress.iterations > 0 {
                stop.store(true, Ordering::Relaxed);
            }
        };
        let control = FitControl::new()
            .with_stop_flag(&stop)
            .with_progress(&report);
        let params = LinearParams {
            loss,
            c: 100.0,
            tolerance: 1e-6,
            ..LinearParams::default()
        }
        .validate()
        .unwrap();
        let outcome = fit_linear(&data, &targets, &params, None, &control).unwrap();
        assert!(matches!(outcome, LinearOutcome::Stopped), "{loss:?}");
        // One report when the subproblem was counted, one after the first pass.
        assert_eq!(reports.load(Ordering::Relaxed), 2, "{loss:?}");
        let path = fit_linear_path(&data, &targets, &params, &[1.0, 2.0], &control).unwrap();
        assert!(path.is_none(), "a path stops too");
    }
}

#[test]
fn a_stop_raised_before_a_fit_returns_stopped() {
    let (data, targets) = problems::regression(8, 5000, 5, 0.1);
    let stop = AtomicBool::new(true);
    let control = FitControl::new().with_stop_flag(&stop);
    let params = regression_params(LinearLoss::L2, 1.0);
    let outcome = fit_linear(&data, &targets, &params, None, &control).unwrap();
    assert!(matches!(outcome, LinearOutcome::Stopped));
}

#[test]
fn the_same_seed_gives_the_same_model_and_another_seed_a_close_one() {
    let (data, targets) = problems::classification(9, 3000, 10, &[1.0, 2.0, 3.0, 4.0], 0.1);
    let params = classification_params(LinearLoss::L2, 1.0);
    let first = fit(&data, &targets, &params, None).unwrap();
    let second = fit(&data, &targets, &params, None).unwrap();
    assert_eq!(first.model, second.model);
    let reseeded = LinearParams {
        seed: 1,
        ..(*params).clone()
    }
    .validate()
    .unwrap();
    let other = fit(&data, &targets, &reseeded, None).unwrap();
    assert_ne!(first.model, other.model);
    let objectives = |trained: &TrainedLinearModel| {
        primal_objectives(&trained.model, &data, &targets, &params).unwrap()
    };
    for (a, b) in objectives(&first).iter().zip(objectives(&other)) {
        assert!((a - b).abs() <= 1e-3 * a);
    }
}

fn refused(result: Result<TrainedLinearModel, EngineError>) -> String {
    match result {
        Ok(trained) => panic!("trained {:?}", trained.model),
        Err(error) => error.to_string(),
    }
}

#[test]
fn unusable_data_is_refused_with_the_reason() {
    let params = classification_params(LinearLoss::L2, 1.0);
    let data = Matrix::new(3, 2, vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0]).unwrap();
    let one_class = refused(fit(&data, &[1.0, 1.0, 1.0], &params, None));
    assert!(one_class.contains("single class"), "{one_class}");
    let short = refused(fit(&data, &[1.0, 2.0], &params, None));
    assert!(short.contains("2 targets for 3 rows"), "{short}");
    let nan = refused(fit(&data, &[1.0, f64::NAN, 2.0], &params, None));
    assert!(nan.contains("row 2"), "{nan}");
    let empty = Matrix::new(0, 2, vec![]).unwrap();
    assert!(refused(fit(&empty, &[], &params, None)).contains("no rows"));
    let huge = Matrix::new(2, 1, vec![1e200, -1e200]).unwrap();
    let overflow = refused(fit(&huge, &[1.0, 2.0], &params, None));
    assert!(overflow.contains("scale the data"), "{overflow}");
    assert!(
        Matrix::new(1, 1, vec![f64::NAN]).is_err(),
        "the matrix refuses NaN"
    );
}

#[test]
fn a_warm_start_from_another_problem_is_refused() {
    let (data, targets) = problems::classification(10, 500, 4, &[1.0, 2.0, 3.0], 0.1);
    let params = classification_params(LinearLoss::L1, 1.0);
    let three_classes = fit(&data, &targets, &params, None).unwrap();
    let two: Vec<f64> = targets
        .iter()
        .map(|&t| if t == 1.0 { 1.0 } else { 2.0 })
        .collect();
    let message = refused(fit(&data, &two, &params, Some(&three_classes.solution)));
    assert!(message.contains("warm start"), "{message}");
    let fewer = data.select_rows(&(0..400).collect::<Vec<_>>());
    let message = refused(fit(
        &fewer,
        &targets[..400],
        &params,
        Some(&three_classes.solution),
    ));
    assert!(message.contains("warm start"), "{message}");
    let regression = regression_params(LinearLoss::L1, 1.0);
    let message = refused(fit(
        &data,
        &targets,
        &regression,
        Some(&three_classes.solution),
    ));
    assert!(message.contains("warm start"), "{message}");
}

/// All-zero features: the model is the intercept alone (the majority class, the mean of
/// the targets within ε), or without a bias a zero function; C from 1e-300 to 1e300
/// gives finite models.
#[test]
fn degenerate_inputs_give_sane_models() {
    let zeros = Matrix::new(5, 3, vec![0.0; 15]).unwrap();
    let labels = [1.0, 1.0, 1.0, 2.0, 2.0];
    for loss in LOSSES {
        let trained = fit(&zeros, &labels, &classification_params(loss, 1.0), None).unwrap();
        assert!(trained.model.weights()[0]
            .iter()
            .all(|&weight| weight == 0.0));
        assert_eq!(trained.model.predict(&[0.0, 0.0, 0.0]), 1.0, "{loss:?}");
        let no_bias = LinearParams {
            loss,
            bias: None,
            ..LinearParams::default()
        }
        .validate()
        .unwrap();
        let trained = fit(&zeros, &labels, &no_bias, None).unwrap();
        assert_eq!(trained.model.decision_values(&[1.0, 1.0, 1.0]), vec![0.0]);
        let values = [2.0, 2.0, 2.0, 2.0, 2.0];
        let trained = fit(&zeros, &values, &regression_params(loss, 10.0), None).unwrap();
        let prediction = trained.model.predict(&[0.0, 0.0, 0.0]);
        assert!((prediction - 2.0).abs() <= 0.2, "{loss:?}: {prediction}");
    }
    let (data, targets) = problems::classification(11, 300, 5, &[1.0, 2.0], 0.2);
    let (values_data, values) = problems::regression(11, 300, 5, 0.2);
    for c in [1e-300, 1e-9, 1e9, 1e300] {
        for loss in LOSSES {
            let params = LinearParams {
                loss,
                c,
                max_passes: 50,
                ..LinearParams::default()
            };
            let trained = fit(&data, &targets, &params.clone().validate().unwrap(), None);
            let model = trained.unwrap().model;
            assert!(model.weights()[0].iter().all(|weight| weight.is_finite()));
            let regression = LinearParams {
                task: LinearTask::Regression { epsilon: 0.1 },
                ..params
            }
            .validate()
            .unwrap();
            let trained = fit(&values_data, &values, &regression, None).unwrap();
            assert!(
                trained.model.intercepts()[0].is_finite(),
                "C = {c}, {loss:?}"
            );
        }
    }
}

/// With the L2 losses a descent stopped by its pass limit is finished by Newton's method
/// on the primal: the result is the optimum a much longer descent reaches.
#[test]
fn a_descent_at_its_pass_limit_is_finished_by_newton() {
    let (data, targets) = problems::classification(12, 4000, 10, &[1.0, 2.0], 0.1);
    let (values_data, values) = problems::regression(12, 4000, 10, 0.3);
    let cases = [
        (&data, &targets, LinearTask::Classification, 1e-5),
        (
            &values_data,
            &values,
            LinearTask::Regression { epsilon: 0.1 },
            1e-3,
        ),
    ];
    for (data, targets, task, tolerance) in cases {
        let short = LinearParams {
            task,
            c: 100.0,
            max_passes: 20,
            ..LinearParams::default()
        }
        .validate()
        .unwrap();
        let long = LinearParams {
            tolerance,
            max_passes: 100_000,
            ..(*short).clone()
        }
        .validate()
        .unwrap();
        let finished = fit(data, targets, &short, None).unwrap();
        let report = &finished.report.subproblems[0];
        assert!(
            report.newton_iterations > 0 && report.converged,
            "{report:?}"
        );
        let reference = fit(data, targets, &long, None).unwrap();
        assert_eq!(reference.report.subproblems[0].newton_iterations, 0);
        let objective = |trained: &TrainedLinearModel| {
            primal_objectives(&trained.model, data, targets, &short).unwrap()[0]
        };
        let (newton, descent) = (objective(&finished), objective(&reference));
        assert!(
            (newton - descent).abs() <= 1e-4 * descent,
            "{task:?}: Newton {newton}, long descent {descent}"
        );
        // The dual variables follow from the weights: a warm start from them is done
        // at once.
        let again = fit(data, targets, &short, Some(&finished.solution)).unwrap();
        assert!(objective(&again) <= newton * (1.0 + 1e-6));
    }
}

/// The flag raised after the last pass of the descent stops the Newton iterations.
#[test]
fn a_stop_raised_before_the_newton_iterations_is_obeyed() {
    let (data, targets) = problems::classification(13, 4000, 10, &[1.0, 2.0], 0.1);
    let params = LinearParams {
        c: 100.0,
        max_passes: 5,
        ..LinearParams::default()
    }
    .validate()
    .unwrap();
    let stop = AtomicBool::new(false);
    let reports = AtomicU64::new(0);
    // One report when the subproblem is counted, then one per pass.
    let report = |_: FitProgress| {
        if reports.fetch_add(1, Ordering::Relaxed) + 1 == 6 {
            stop.store(true, Ordering::Relaxed);
        }
    };
    let control = FitControl::new()
        .with_stop_flag(&stop)
        .with_progress(&report);
    let outcome = fit_linear(&data, &targets, &params, None, &control).unwrap();
    assert!(matches!(outcome, LinearOutcome::Stopped));
    assert_eq!(reports.load(Ordering::Relaxed), 6);
}
