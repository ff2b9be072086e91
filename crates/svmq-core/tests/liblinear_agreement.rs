//! The linear solvers against LIBLINEAR itself (`liblinear-official`, its dual solvers
//! `-s 1, 3, 12, 13`): on the same generated data, C, loss, bias and tolerance, the
//! primal objective of svmq's weights is within 1e-3 (relative) of LIBLINEAR's, both
//! computed here from the weights, and the accuracy on held-out rows within 0.2 points.
//! Both stop at LIBLINEAR's default tolerance, 0.1, from different row orders, so the
//! two solutions are two approximations of one optimum, not the same numbers.

mod support;

use support::{liblinear, problems};
use svmq_core::linear::{
    fit_linear, primal_objectives, LinearLoss, LinearModel, LinearOutcome, LinearParams,
    LinearTask, TrainedLinearModel,
};
use svmq_core::{FitControl, Matrix};

fn train(data: &Matrix, targets: &[f64], params: &LinearParams) -> TrainedLinearModel {
    let params = params.clone().validate().unwrap();
    match fit_linear(data, targets, &params, None, &FitControl::new()).unwrap() {
        LinearOutcome::Trained(trained) => *trained,
        LinearOutcome::Stopped => unreachable!("no stop flag"),
    }
}

fn accuracy(model: &LinearModel, data: &Matrix, targets: &[f64]) -> f64 {
    let predictions = model.predict_rows(data);
    let right = predictions
        .iter()
        .zip(targets)
        .filter(|(p, t)| p == t)
        .count();
    100.0 * right as f64 / targets.len() as f64
}

/// LIBLINEAR's `-s` for a task and loss.
fn solver_number(params: &LinearParams) -> u32 {
    match (params.task, params.loss) {
        (LinearTask::Classification, LinearLoss::L2) => 1,
        (LinearTask::Classification, LinearLoss::L1) => 3,
        (LinearTask::Regression { .. }, LinearLoss::L2) => 12,
        (LinearTask::Regression { .. }, LinearLoss::L1) => 13,
    }
}

fn options(params: &LinearParams) -> String {
    let mut options = format!(
        "-s {} -c {} -e {} -B {}",
        solver_number(params),
        params.c,
        params.tolerance,
        params.bias.unwrap_or(-1.0)
    );
    if let LinearTask::Regression { epsilon } = params.task {
        options.push_str(&format!(" -p {epsilon}"));
    }
    for (label, weight) in &params.class_weights {
        options.push_str(&format!(" -w{label} {weight}"));
    }
    options
}

/// Fits both on the first half of the rows and compares: the primal objective of every
/// decision function within 1e-3 of LIBLINEAR's (where LIBLINEAR stopped at its
/// iteration limit, not more than 1e-3 above it), and for classification the accuracy
/// on the second half within 0.2 points.
fn compare(name: &str, data: &Matrix, targets: &[f64], params: LinearParams) {
    let python = match liblinear::python() {
        Ok(python) => python,
        Err(reason) => return liblinear::skip_or_fail(&reason),
    };
    let half = data.rows() / 2;
    let training: Vec<usize> = (0..half).collect();
    let held_out: Vec<usize> = (half..data.rows()).collect();
    let (train_data, test_data) = (data.select_rows(&training), data.select_rows(&held_out));
    let (train_targets, test_targets) = (&targets[..half], &targets[half..]);
    let ours = train(&train_data, train_targets, &params);
    let fitted = liblinear::train(
        &python,
        &train_data,
        train_targets,
        &options(&params),
        params.bias,
    );
    let theirs = fitted.model;
    let valid = params.clone().validate().unwrap();
    let objectives =
        |model: &LinearModel| primal_objectives(model, &train_data, train_targets, &valid).unwrap();
    assert_eq!(ours.model.labels(), theirs.labels(), "{name}: label order");
    // Both have a limit of 300 passes; svmq may reach it only where LIBLINEAR does.
    assert!(
        ours.report.converged() || fitted.reached_iteration_limit,
        "{name}: {:?}",
        ours.report
    );
    for (function, (ours_value, theirs_value)) in objectives(&ours.model)
        .into_iter()
        .zip(objectives(&theirs))
        .enumerate()
    {
        let relative = (ours_value - theirs_value) / theirs_value.abs();
        eprintln!(
            "{name}, function {function}: primal svmq {ours_value:.6}, LIBLINEAR \
             {theirs_value:.6}{}, relative {relative:+.2e}",
            if fitted.reached_iteration_limit {
                " (at its iteration limit)"
            } else {
                ""
            }
        );
        let lowest = if fitted.reached_iteration_limit {
            f64::NEG_INFINITY
        } else {
            -1e-3
        };
        assert!(
            (lowest..=1e-3).contains(&relative),
            "{name}: decision function {function}: svmq's primal objective {ours_value} \
             is {relative:+.2e} relative to LIBLINEAR's {theirs_value}"
        );
    }
    if !ours.model.is_regression() {
        let ours_accuracy = accuracy(&ours.model, &test_data, test_targets);
        let theirs_accuracy = accuracy(&theirs, &test_data, test_targets);
        eprintln!(
            "{name}: held-out accuracy svmq {ours_accuracy:.2}, LIBLINEAR {theirs_accuracy:.2}"
        );
        assert!(
            (ours_accuracy - theirs_accuracy).abs() <= 0.2,
            "{name}: held-out accuracy {ours_accuracy} against LIBLINEAR's {theirs_accuracy}"
        );
    }
}

const LOSSES: [LinearLoss; 2] = [LinearLoss::L1, LinearLoss::L2];

#[test]
fn two_classes_agree_with_liblinear() {
    for seed in 1..=3 {
        let (data, targets) = problems::classification(seed, 20_000, 20, &[3.0, 7.0], 0.1);
        for loss in LOSSES {
            let params = LinearParams {
                loss,
                seed,
                ..LinearParams::default()
            };
            compare(
                &format!("two classes, seed {seed}, {loss:?}"),
                &data,
                &targets,
                params,
            );
        }
    }
}

#[test]
fn four_classes_one_vs_rest_agree_with_liblinear() {
    for seed in 1..=2 {
        let labels = [1.0, 2.0, 3.0, 4.0];
        let (data, targets) = problems::classification(seed, 20_000, 20, &labels, 0.05);
        for loss in LOSSES {
            let params = LinearParams {
                loss,
                c: 0.5,
                seed,
                ..LinearParams::default()
            };
            compare(
                &format!("four classes, seed {seed}, {loss:?}"),
                &data,
                &targets,
                params,
            );
        }
    }
}

/// At the tolerance 0.001 on both sides, where LIBLINEAR reaches its limit of 300
/// passes on some of these sets with the L1 loss. At the default 0.1 the L1-loss regression's
/// primal objective is a loose approximation in both tools: on one 5000-row set svmq
/// gave 802.2 and LIBLINEAR 808.9 against an optimum of 788.5 (2 % and 2.6 % above,
/// each depending on its row order), while their dual objectives agreed within 1e-3.
#[test]
fn regression_agrees_with_liblinear() {
    for seed in 1..=3 {
        let (data, targets) = problems::regression(seed, 10_000, 20, 0.3);
        for loss in LOSSES {
            let params = LinearParams {
                task: LinearTask::Regression { epsilon: 0.1 },
                loss,
                tolerance: 0.001,
                seed,
                ..LinearParams::default()
            };
            compare(
                &format!("regression, seed {seed}, {loss:?}"),
                &data,
                &targets,
                params,
            );
        }
    }
}

/// Class weights, no bias, labels −1/+1 (which both put +1 first), a small, a larger and
/// a large C.
#[test]
fn variants_agree_with_liblinear() {
    let (data, targets) = problems::classification(4, 20_000, 10, &[-1.0, 1.0], 0.1);
    let variants = [
        (
            "class weights",
            LinearParams {
                class_weights: vec![(1.0, 3.0), (-1.0, 0.5)],
                ..LinearParams::default()
            },
        ),
        (
            "no bias",
            LinearParams {
                bias: None,
                ..LinearParams::default()
            },
        ),
        (
            "C = 0.01, L1",
            LinearParams {
                c: 0.01,
                loss: LinearLoss::L1,
                ..LinearParams::default()
            },
        ),
        (
            "C = 3, L2",
            LinearParams {
                c: 3.0,
                ..LinearParams::default()
            },
        ),
        (
            "C = 100, L2: both switch to the primal at the pass limit",
            LinearParams {
                c: 100.0,
                ..LinearParams::default()
            },
        ),
    ];
    for (name, params) in variants {
        compare(name, &data, &targets, params);
    }
}

/// With the L2 loss and a large C both tools reach the dual's pass limit and finish with
/// Newton's method on the primal.
#[test]
fn regression_with_a_large_c_agrees_with_liblinear() {
    let (data, targets) = problems::regression(5, 10_000, 20, 0.3);
    let params = LinearParams {
        task: LinearTask::Regression { epsilon: 0.1 },
        c: 100.0,
        ..LinearParams::default()
    };
    compare("regression, C = 100, L2", &data, &targets, params);
}
