//! Property tests of the solver on seeded random problems: at the solution returned,
//! the box constraints and the equality constraint hold, and the KKT conditions hold
//! within the stopping tolerance, recomputed here from scratch in `f64`.
//!
//! The dual variables are read back from the model (coefficients and support vector
//! indices), so these tests see only the public API.

use svmq_core::random::Random;
use svmq_core::{fit, FitControl, FitOutcome, Kernel, Matrix, Model, SvmParams, SvmType};

/// Rows from a few Gaussian blobs; labels depend nonlinearly on the features.
fn random_problem(seed: u64, rows: usize, columns: usize, classes: usize) -> (Matrix, Vec<f64>) {
    let mut random = Random::new(seed);
    let mut values = Vec::with_capacity(rows * columns);
    let mut labels = Vec::with_capacity(rows);
    for _ in 0..rows {
        let row: Vec<f64> = (0..columns).map(|_| 2.0 * random.unit() - 1.0).collect();
        let score = row[0] * 3.0 + (row[1] * 4.0).sin() + 0.3 * (random.unit() - 0.5);
        let class =
            ((score + 4.0) / 8.0 * classes as f64).clamp(0.0, classes as f64 - 1.0) as usize;
        labels.push(if classes == 2 {
            [1.0, -1.0][class]
        } else {
            class as f64 + 1.0
        });
        values.extend(row);
    }
    (Matrix::new(rows, columns, values).unwrap(), labels)
}

fn train(data: &Matrix, targets: &[f64], params: SvmParams) -> Model {
    match fit(
        data,
        targets,
        &params.validate().unwrap(),
        &FitControl::new(),
    )
    .unwrap()
    {
        FitOutcome::Trained(trained) => {
            assert!(trained.report.converged(), "the solver did not converge");
            trained.model
        }
        FitOutcome::Stopped => panic!("not stopped"),
    }
}

/// The coefficient yᵢαᵢ of every training row (zero for non-support vectors).
fn coefficients_by_row(model: &Model, rows: usize) -> Vec<f64> {
    let mut result = vec![0.0; rows];
    for (s, &index) in model.support_vector_indices.iter().enumerate() {
        result[index - 1] = model.coefficients[0][s];
    }
    result
}

/// Checks the KKT conditions of a two-class C-SVC solution in f64:
/// with g(x) = Σ yⱼαⱼk(xⱼ, x) − ρ, free vectors have yᵢg(xᵢ) ≈ 1, vectors at 0 have
/// yᵢg(xᵢ) ≥ 1, vectors at C have yᵢg(xᵢ) ≤ 1, all up to the tolerance.
fn check_binary_kkt(
    data: &Matrix,
    labels: &[f64],
    model: &Model,
    costs: (f64, f64),
    tolerance: f64,
) {
    let rows = data.rows();
    let coefficients = coefficients_by_row(model, rows);
    let positive_label = model.labels[0];
    let kernel = model.kernel;
    let mut sum = 0.0;
    let mut worst = 0.0f64;
    for i in 0..rows {
        let y = if labels[i] == positive_label {
            1.0
        } else {
            -1.0
        };
        let cost = if y > 0.0 { costs.0 } else { costs.1 };
        let alpha = coefficients[i] * y;
        assert!(
            alpha >= 0.0 && alpha <= cost * (1.0 + 1e-12),
            "alpha {alpha} outside [0, {cost}]"
        );
        sum += coefficients[i];
        let decision: f64 = (0..rows)
            .filter(|&j| coefficients[j] != 0.0)
            .map(|j| coefficients[j] * kernel.evaluate(data.row(j), data.row(i)))
            .sum::<f64>()
            - model.rho[0];
        let margin = y * decision;
        let violation = if alpha <= 0.0 {
            (1.0 - margin).max(0.0)
        } else if alpha >= cost {
            (margin - 1.0).max(0.0)
        } else {
            (margin - 1.0).abs()
        };
        worst = worst.max(violation);
    }
    assert!(sum.abs() < 1e-8 * rows as f64, "Σ yα = {sum}");
    // The gap m(α) − M(α) < tolerance bounds each violation by the tolerance; the
    // kernel cache holds f32 values, so allow rounding on top.
    assert!(worst <= tolerance + 1e-4, "largest KKT violation {worst}");
}

#[test]
fn c_svc_solutions_satisfy_kkt_conditions() {
    for seed in 1..=4 {
        let (data, labels) = random_problem(seed, 300 + 50 * seed as usize, 4, 2);
        let kernels = [
            Kernel::Rbf { gamma: 0.5 },
            Kernel::Linear,
            Kernel::Polynomial {
                gamma: 0.5,
                coef0: 1.0,
                degree: 3,
            },
            Kernel::Sigmoid {
                gamma: 0.1,
                coef0: -0.5,
            },
        ];
        let kernel = kernels[(seed as usize - 1) % kernels.len()];
        for shrinking in [true, false] {
            let params = SvmParams {
                kernel,
                c: 2.0,
                shrinking,
                class_weights: vec![(-1.0, 3.0)],
                ..SvmParams::default()
            };
            let model = train(&data, &labels, params);
            check_binary_kkt(&data, &labels, &model, (2.0, 6.0), 1e-3);
        }
    }
}

#[test]
fn shrinking_does_not_change_the_solution() {
    let (data, labels) = random_problem(11, 600, 5, 2);
    let with = train(
        &data,
        &labels,
        SvmParams {
            c: 10.0,
            ..SvmParams::default()
        },
    );
    let without = train(
        &data,
        &labels,
        SvmParams {
            c: 10.0,
            shrinking: false,
            ..SvmParams::default()
        },
    );
    assert!(
        (with.rho[0] - without.rho[0]).abs() < 1e-2,
        "{} vs {}",
        with.rho[0],
        without.rho[0]
    );
    let difference = with
        .support_vectors
        .rows()
        .abs_diff(without.support_vectors.rows());
    assert!(difference <= with.support_vectors.rows() / 100 + 1);
}

#[test]
fn regression_and_one_class_solutions_are_feasible() {
    let (data, labels) = random_problem(5, 400, 3, 2);
    let targets: Vec<f64> = (0..data.rows())
        .map(|i| data.row(i)[0] * 2.0 + data.row(i)[1].sin())
        .collect();
    for svm_type in [
        SvmType::EpsilonSvr,
        SvmType::NuSvr,
        SvmType::OneClass,
        SvmType::NuSvc,
    ] {
        let params = SvmParams {
            svm_type,
            c: 3.0,
            nu: 0.3,
            ..SvmParams::default()
        };
        let y = if svm_type == SvmType::NuSvc {
            &labels
        } else {
            &targets
        };
        let model = train(&data, y, params);
        let coefficients = coefficients_by_row(&model, data.rows());
        let sum: f64 = coefficients.iter().sum();
        match svm_type {
            SvmType::EpsilonSvr | SvmType::NuSvr => {
                assert!(sum.abs() < 1e-8, "Σ(α − α*) = {sum}");
                assert!(coefficients.iter().all(|c| c.abs() <= 3.0 + 1e-12));
            }
            SvmType::OneClass => {
                // Σα = ν·l with 0 ≤ α ≤ 1.
                assert!((sum - 0.3 * data.rows() as f64).abs() < 1e-6, "Σα = {sum}");
                assert!(coefficients.iter().all(|&c| (0.0..=1.0).contains(&c)));
            }
            _ => {
                // ν-SVC is scaled to C-SVC form: Σ yα = 0.
                assert!(sum.abs() < 1e-6, "Σ yα = {sum}");
            }
        }
    }
}

#[test]
fn multiclass_models_vote_for_every_class() {
    let (data, labels) = random_problem(7, 600, 3, 4);
    let model = train(
        &data,
        &labels,
        SvmParams {
            c: 10.0,
            ..SvmParams::default()
        },
    );
    assert_eq!(model.labels.len(), 4);
    assert_eq!(model.rho.len(), 6);
    let predictor = model.predictor();
    let predictions = predictor.predict_all(&data, false);
    let correct = predictions
        .iter()
        .zip(&labels)
        .filter(|(p, l)| p.value == **l)
        .count();
    assert!(
        correct as f64 > 0.85 * data.rows() as f64,
        "training accuracy {correct}/600"
    );
}

#[test]
fn probability_models_are_reproducible_and_calibrated() {
    let (data, labels) = random_problem(3, 500, 3, 3);
    let params = SvmParams {
        probability: true,
        seed: 42,
        ..SvmParams::default()
    };
    let first = train(&data, &labels, params.clone());
    let second = train(&data, &labels, params);
    assert_eq!(first.probability, second.probability);
    let predictor = first.predictor();
    for prediction in predictor.predict_all(&data, true) {
        let probabilities = prediction.probabilities.unwrap();
        let total: f64 = probabilities.iter().sum();
        assert!((total - 1.0).abs() < 1e-6);
        assert!(probabilities.iter().all(|p| (0.0..=1.0).contains(p)));
    }
}

#[test]
fn a_single_class_is_a_clear_error() {
    let (data, _) = random_problem(1, 20, 2, 2);
    let labels = vec![3.0; 20];
    let params = SvmParams::default().validate().unwrap();
    let error = fit(&data, &labels, &params, &FitControl::new()).unwrap_err();
    assert!(error.to_string().contains("single class"), "{error}");
}

#[test]
fn kernel_values_beyond_single_precision_are_a_clear_error() {
    // A linear kernel on values of 1e30: products of 1e60 overflow the f32 row cache.
    let (data, labels) = random_problem(2, 40, 3, 2);
    let huge: Vec<f64> = data.values().iter().map(|value| value * 1e30).collect();
    let huge = Matrix::new(40, 3, huge).unwrap();
    let params = SvmParams {
        kernel: Kernel::Linear,
        max_iterations: Some(2000),
        ..SvmParams::default()
    };
    let error = fit(
        &huge,
        &labels,
        &params.validate().unwrap(),
        &FitControl::new(),
    );
    let error = error.expect_err("a model of NaN");
    assert!(error.to_string().contains("scale the data"), "{error}");
    // The same data scaled trains.
    let model = train(
        &data,
        &labels,
        SvmParams {
            kernel: Kernel::Linear,
            ..SvmParams::default()
        },
    );
    assert!(model.rho.iter().all(|rho| rho.is_finite()));
}

#[test]
fn precomputed_dot_products_give_models_equal_within_tolerance() {
    use svmq_core::{fit_with_gram, Gram};
    let (data, labels) = random_problem(13, 400, 4, 3);
    let targets: Vec<f64> = (0..data.rows())
        .map(|i| data.row(i)[0] - data.row(i)[2].cos())
        .collect();
    let gram = Gram::compute(&data);
    let cases = [
        (
            SvmParams {
                probability: true,
                ..SvmParams::default()
            },
            &labels,
        ),
        (
            SvmParams {
                kernel: Kernel::Polynomial {
                    gamma: 0.5,
                    coef0: 1.0,
                    degree: 2,
                },
                ..SvmParams::default()
            },
            &labels,
        ),
        (
            SvmParams {
                svm_type: SvmType::EpsilonSvr,
                probability: true,
                ..SvmParams::default()
            },
            &targets,
        ),
    ];
    for (params, y) in cases {
        let params = params.validate().unwrap();
        let direct = fit(&data, y, &params, &FitControl::new()).unwrap();
        let reused = fit_with_gram(&data, y, &gram, &params, &FitControl::new()).unwrap();
        let (FitOutcome::Trained(direct), FitOutcome::Trained(reused)) = (direct, reused) else {
            panic!("not stopped");
        };
        let (direct, reused) = (direct.model, reused.model);
        // The Gram matrix holds dot products rounded to f32 (as kernel rows are
        // cached): the solver then stops at another point within its tolerance
        // (1e-3 on the optimality gap), not at the same bits.
        let (count_direct, count_reused) = (
            direct.support_vectors.rows() as f64,
            reused.support_vectors.rows() as f64,
        );
        assert!(
            (count_direct - count_reused).abs() <= 0.01 * count_direct + 1.0,
            "support vectors {count_direct} vs {count_reused}"
        );
        for (a, b) in direct.rho.iter().zip(&reused.rho) {
            assert!((a - b).abs() < 2e-3 * a.abs().max(1.0), "rho {a} vs {b}");
        }
        let (p, q) = (direct.predictor(), reused.predictor());
        let mut differing = 0;
        for row in 0..data.rows() {
            let (x, y) = (
                p.predict(data.row(row), false),
                q.predict(data.row(row), false),
            );
            let close = if params.svm_type == SvmType::EpsilonSvr {
                (x.value - y.value).abs() < 2e-3 * x.value.abs().max(1.0)
            } else {
                x.value == y.value
            };
            differing += usize::from(!close);
        }
        assert!(
            differing * 100 <= data.rows(),
            "{differing} of {} predictions differ",
            data.rows()
        );
    }
    let wrong = Gram::compute(&data.select_rows(&[0, 1, 2]));
    let params = SvmParams::default().validate().unwrap();
    assert!(fit_with_gram(&data, &labels, &wrong, &params, &FitControl::new()).is_err());
}
