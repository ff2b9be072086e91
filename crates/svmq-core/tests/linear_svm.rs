//! Linear SVMs trained by the linear solver and handed back as engine models
//! (`fit_linear_svm`), against the kernel SMO with the linear kernel on the same seeded
//! generated problems: held-out accuracy within 0.5 points (R² within 0.01 for
//! regression), probabilities that agree with the decisions, a model that survives the
//! LIBSVM text format, and the stop flag.

mod support;

use std::sync::atomic::AtomicBool;
use support::problems;
use svmq_core::libsvm_format::{from_libsvm_text, to_libsvm_text};
use svmq_core::model::ProbabilityModel;
use svmq_core::{
    fit, fit_linear_svm, EngineError, FitControl, FitOutcome, Kernel, LinearSvm, LinearSvmOutcome,
    Matrix, Model, SvmParams, SvmType, ValidParams,
};

fn params(svm_type: SvmType, c: f64, probability: bool) -> ValidParams {
    SvmParams {
        svm_type,
        kernel: Kernel::Linear,
        c,
        epsilon: 0.1,
        probability,
        seed: 7,
        ..SvmParams::default()
    }
    .validate()
    .unwrap()
}

fn linear(data: &Matrix, targets: &[f64], params: &ValidParams) -> Result<LinearSvm, EngineError> {
    match fit_linear_svm(data, targets, params, None, &FitControl::new())? {
        LinearSvmOutcome::Trained(trained) => Ok(*trained),
        LinearSvmOutcome::Stopped => unreachable!("no stop flag"),
    }
}

fn smo(data: &Matrix, targets: &[f64], params: &ValidParams) -> Model {
    match fit(data, targets, params, &FitControl::new()).unwrap() {
        FitOutcome::Trained(trained) => trained.model,
        FitOutcome::Stopped => unreachable!("no stop flag"),
    }
}

/// Percent of rows predicted right.
fn accuracy(model: &Model, data: &Matrix, targets: &[f64]) -> f64 {
    let predictor = model.predictor();
    let right = (0..data.rows())
        .filter(|&row| predictor.predict(data.row(row), false).value == targets[row])
        .count();
    100.0 * right as f64 / data.rows() as f64
}

fn r_squared(model: &Model, data: &Matrix, targets: &[f64]) -> f64 {
    let predictor = model.predictor();
    let mean = targets.iter().sum::<f64>() / targets.len() as f64;
    let (mut residual, mut total) = (0.0, 0.0);
    for (row, &target) in targets.iter().enumerate() {
        let predicted = predictor.predict(data.row(row), false).value;
        residual += (target - predicted).powi(2);
        total += (target - mean).powi(2);
    }
    1.0 - residual / total
}

#[test]
fn classification_accuracy_matches_the_kernel_solver() {
    for (labels, seed) in [(vec![1.0, -1.0], 1), (vec![0.0, 1.0, 2.0], 2)] {
        let (train, train_targets) = problems::classification(seed, 1500, 8, &labels, 0.1);
        let (test, test_targets) = problems::classification(seed, 4000, 8, &labels, 0.1);
        // The same generator and seed give the same planes: the first 1500 test rows
        // are the training rows, so hold out the rest.
        let held_out: Vec<usize> = (1500..4000).collect();
        let (test, test_targets) = (
            test.select_rows(&held_out),
            held_out
                .iter()
                .map(|&row| test_targets[row])
                .collect::<Vec<_>>(),
        );
        for c in [0.01, 1.0, 30.0] {
            let params = params(SvmType::CSvc, c, false);
            let linear = linear(&train, &train_targets, &params).unwrap();
            linear.model.validate().unwrap();
            let reference = smo(&train, &train_targets, &params);
            let (ours, theirs) = (
                accuracy(&linear.model, &test, &test_targets),
                accuracy(&reference, &test, &test_targets),
            );
            assert!(
                (ours - theirs).abs() <= 0.5,
                "{} classes, C = {c}: linear solver {ours:.2} %, SMO {theirs:.2} %",
                labels.len()
            );
            assert!(linear.support_vector_rows() > 0);
        }
    }
}

#[test]
fn regression_fit_matches_the_kernel_solver() {
    let (data, targets) = problems::regression(3, 2500, 6, 0.3);
    let rows = |range: std::ops::Range<usize>| -> (Matrix, Vec<f64>) {
        let indices: Vec<usize> = range.collect();
        (
            data.select_rows(&indices),
            indices.iter().map(|&row| targets[row]).collect(),
        )
    };
    let ((train, train_targets), (test, test_targets)) = (rows(0..1500), rows(1500..2500));
    for c in [0.1, 10.0] {
        let params = params(SvmType::EpsilonSvr, c, true);
        let linear = linear(&train, &train_targets, &params).unwrap();
        let reference = smo(&train, &train_targets, &params);
        let (ours, theirs) = (
            r_squared(&linear.model, &test, &test_targets),
            r_squared(&reference, &test, &test_targets),
        );
        assert!(
            (ours - theirs).abs() <= 0.01,
            "C = {c}: {ours} against {theirs}"
        );
        let Some(ProbabilityModel::Laplace { sigma }) = linear.model.probability else {
            panic!("a Laplace scale was asked for");
        };
        let Some(ProbabilityModel::Laplace { sigma: reference }) = reference.probability else {
            panic!("the SMO fits one too");
        };
        assert!(
            (sigma / reference - 1.0).abs() < 0.2,
            "{sigma} against {reference}"
        );
    }
}

#[test]
fn probabilities_agree_with_the_decisions() {
    for labels in [vec![1.0, -1.0], vec![3.0, 1.0, 2.0]] {
        let (data, targets) = problems::classification(4, 1200, 5, &labels, 0.05);
        let linear = linear(&data, &targets, &params(SvmType::CSvc, 1.0, true)).unwrap();
        let Some(ProbabilityModel::Pairwise { a, .. }) = &linear.model.probability else {
            panic!("Platt sigmoids were asked for");
        };
        assert_eq!(a.len(), labels.len() * (labels.len() - 1) / 2);
        assert!(a.iter().all(|&slope| slope < 0.0), "{a:?}");
        let predictor = linear.model.predictor();
        let mut agreeing = 0;
        for row in 0..data.rows() {
            let prediction = predictor.predict(data.row(row), true);
            let probabilities = prediction.probabilities.expect("probabilities");
            assert!((probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            let most_likely = (0..probabilities.len())
                .max_by(|&i, &j| probabilities[i].total_cmp(&probabilities[j]))
                .unwrap();
            agreeing += usize::from(linear.model.labels[most_likely] == prediction.value);
        }
        assert!(
            agreeing as f64 >= 0.97 * data.rows() as f64,
            "{agreeing} of {} rows",
            data.rows()
        );
    }
}

#[test]
fn the_model_survives_the_libsvm_text_format() {
    let (data, targets) = problems::classification(5, 600, 4, &[2.0, 5.0, 9.0], 0.1);
    let linear = linear(&data, &targets, &params(SvmType::CSvc, 1.0, true)).unwrap();
    let read = from_libsvm_text(&to_libsvm_text(&linear.model)).unwrap();
    let (before, after) = (linear.model.predictor(), read.predictor());
    for row in 0..data.rows() {
        let (one, other) = (
            before.predict(data.row(row), true),
            after.predict(data.row(row), true),
        );
        assert_eq!(one.value, other.value);
        for (x, y) in one.decision_values.iter().zip(&other.decision_values) {
            assert!((x - y).abs() < 1e-9 * (1.0 + x.abs()));
        }
    }
}

#[test]
fn a_raised_stop_flag_stops_the_fit() {
    let (data, targets) = problems::classification(6, 500, 4, &[0.0, 1.0], 0.1);
    let stop = AtomicBool::new(true);
    let control = FitControl::new().with_stop_flag(&stop);
    let outcome = fit_linear_svm(
        &data,
        &targets,
        &params(SvmType::CSvc, 1.0, true),
        None,
        &control,
    )
    .unwrap();
    assert!(matches!(outcome, LinearSvmOutcome::Stopped));
}

#[test]
fn other_formulations_are_refused_with_the_reason() {
    let (data, targets) = problems::classification(6, 50, 3, &[0.0, 1.0], 0.1);
    let error = linear(&data, &targets, &params(SvmType::NuSvc, 1.0, false)).unwrap_err();
    assert!(error.to_string().contains("linear solver"), "{error}");
    let single = vec![1.0; 50];
    let error = linear(&data, &single, &params(SvmType::CSvc, 1.0, false)).unwrap_err();
    assert!(error.to_string().contains("single class"), "{error}");
}
