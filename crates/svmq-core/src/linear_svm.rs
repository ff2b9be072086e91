//! A linear-kernel SVM trained by the linear solver (`linear`) and handed back as an
//! ordinary engine [`Model`], so that whatever reads, predicts, exports or reports
//! models needs to know nothing of the solver behind it.
//!
//! The translation is exact. Each class `k` gets one synthetic support vector, its
//! weight vector `v_k`, and an offset `c_k`; the pair `(i, j)` has the coefficients +1
//! (on `v_i`) and −1 (on `v_j`) and `ρ = c_j − c_i`, so its linear-kernel decision value
//! is `(v_i − v_j)·x + c_i − c_j`. With more than two classes the `v_k` are the
//! one-vs-rest weights `w_k` (and `c_k` the intercepts): class `k` wins the pair against
//! `j` exactly when its one-vs-rest value is the larger, so the one-vs-one vote elects the
//! class with the largest one-vs-rest value, as a one-vs-rest classifier would (ties
//! aside). Two classes have one decision function `w·x + b`, split as `v = (w/2, −w/2)`
//! and `c = (b/2, −b/2)`. Regression has one support vector `w` with coefficient 1 and
//! `ρ = −b`.
//!
//! What the linear solver solves differs from the kernel SMO in one respect: the
//! intercept comes from a constant bias feature of value 1 (LIBLINEAR's `-B 1`) and is
//! regularized with the weights, `½(‖w‖² + b²)`. On standardized features that shifts
//! the solution little; it is what makes each coordinate step closed-form. The loss is
//! the hinge (and the ε-insensitive loss), so C means what it means for the kernel
//! solver. Not here: the solver itself (`linear`), probability fits
//! (`linear_probability`).

use crate::control::FitControl;
use crate::error::EngineError;
use crate::feature_rows::FeatureRows;
use crate::linear::{
    fit_linear, DualSolution, LinearLoss, LinearModel, LinearOutcome, LinearParams, LinearTask,
    TrainedLinearModel, ValidLinearParams,
};
use crate::linear_probability::probability_model;
use crate::matrix::Matrix;
use crate::model::{Model, ProbabilityModel};
use crate::params::{Kernel, SvmType, ValidParams};

/// The stopping tolerance of classification: the projected-gradient gap (LIBLINEAR's
/// `-e` default for its dual solvers).
pub const CLASSIFICATION_TOLERANCE: f64 = 0.1;

/// The stopping tolerance of regression, relative to the first pass (see
/// [`linear_params`]).
pub const REGRESSION_TOLERANCE: f64 = 0.01;

/// How a linear SVM fit ended.
#[derive(Debug)]
pub enum LinearSvmOutcome {
    /// The fit finished.
    Trained(Box<LinearSvm>),
    /// The stop flag was raised; nothing was trained.
    Stopped,
}

/// A linear SVM: the engine model, and the linear solver's own result (its report, and
/// the dual solution a next fit with another C can start from).
#[derive(Debug, Clone)]
pub struct LinearSvm {
    /// The model, with its probability model when one was asked for.
    pub model: Model,
    /// What the linear solver returned for the model's fit on all the rows.
    pub linear: TrainedLinearModel,
}

impl LinearSvm {
    /// Training rows with a non-zero dual variable in any subproblem: the support
    /// vectors of the solution (the model itself holds one synthetic vector per class).
    pub fn support_vector_rows(&self) -> usize {
        support_vector_rows(&self.linear.solution)
    }
}

/// Training rows with a non-zero dual variable in any subproblem of `solution`.
pub fn support_vector_rows(solution: &DualSolution) -> usize {
    let variables = solution.variables();
    (0..variables.first().map_or(0, Vec::len))
        .filter(|&row| variables.iter().any(|values| values[row] != 0.0))
        .count()
}

/// Whether the linear solver can train `params`: a C-SVC or an ε-SVR with the linear
/// kernel.
pub fn linear_solver_applies(params: &ValidParams) -> bool {
    params.kernel == Kernel::Linear
        && matches!(params.svm_type, SvmType::CSvc | SvmType::EpsilonSvr)
}

/// The linear solver's parameters for `params`: hinge (or ε-insensitive) loss, the
/// same C, ε, class weights, shrinking and seed, the bias feature 1, at most 300
/// passes, and the tolerance: LIBLINEAR's default 0.1 for classification, 0.01 for
/// regression, whose rule is relative to the first pass and at 0.1 stopped a 40-row
/// straight line after 2 passes with the intercept still off by ε.
pub fn linear_params(params: &ValidParams) -> Result<ValidLinearParams, EngineError> {
    if !linear_solver_applies(params) {
        return Err(EngineError::InvalidParameter(format!(
            "the linear solver trains C-SVC and epsilon-SVR with the linear kernel, not {} \
             with the {} kernel",
            params.svm_type.libsvm_name(),
            params.kernel.libsvm_name()
        )));
    }
    let (task, tolerance) = match params.svm_type {
        SvmType::EpsilonSvr => (
            LinearTask::Regression {
                epsilon: params.epsilon,
            },
            REGRESSION_TOLERANCE,
        ),
        _ => (LinearTask::Classification, CLASSIFICATION_TOLERANCE),
    };
    LinearParams {
        task,
        loss: LinearLoss::L1,
        c: params.c,
        class_weights: params.class_weights.clone(),
        shrinking: params.shrinking,
        seed: params.seed,
        tolerance,
        ..LinearParams::default()
    }
    .validate()
}

/// Trains a linear-kernel C-SVC or ε-SVR with the linear solver, from `warm_start`
/// when given (the dual solution of a fit on the same rows and targets with another
/// C), and fits its probability model when `params` asks for one.
pub fn fit_linear_svm(
    data: &dyn FeatureRows,
    targets: &[f64],
    params: &ValidParams,
    warm_start: Option<&DualSolution>,
    control: &FitControl,
) -> Result<LinearSvmOutcome, EngineError> {
    let linear_params = linear_params(params)?;
    let fitted = fit_with_probability(
        data,
        targets,
        &linear_params,
        params.probability,
        warm_start,
        control,
    )?;
    Ok(match fitted {
        Some((trained, probability)) => LinearSvmOutcome::Trained(Box::new(LinearSvm {
            model: engine_model(&trained.model, probability),
            linear: trained,
        })),
        None => LinearSvmOutcome::Stopped,
    })
}

/// The linear solver's fit of `data` and, when `probability` is asked for, its
/// probability model; `None` when the stop flag was raised.
pub(crate) fn fit_with_probability(
    data: &dyn FeatureRows,
    targets: &[f64],
    linear_params: &ValidLinearParams,
    probability: bool,
    warm_start: Option<&DualSolution>,
    control: &FitControl,
) -> Result<Option<(TrainedLinearModel, Option<ProbabilityModel>)>, EngineError> {
    // The solver polls the flag every few thousand steps, which a small fit never takes.
    if control.is_stopped() {
        return Ok(None);
    }
    let trained = match fit_linear(data, targets, linear_params, warm_start, control)? {
        LinearOutcome::Trained(trained) => *trained,
        LinearOutcome::Stopped => return Ok(None),
    };
    if !probability {
        return Ok(Some((trained, None)));
    }
    if control.is_stopped() {
        return Ok(None);
    }
    Ok(probability_model(
        data,
        targets,
        &trained.model,
        &trained.solution,
        linear_params,
        control,
    )?
    .map(|probability| (trained, Some(probability))))
}

/// The exact linear-kernel model of `linear` (module docs), with `probability`.
pub fn engine_model(linear: &LinearModel, probability: Option<ProbabilityModel>) -> Model {
    let functions = linear.class_functions();
    let rows: Vec<Vec<f64>> = functions.iter().map(|(vector, _)| vector.clone()).collect();
    let support_vectors = Matrix::from_rows(&rows)
        .expect("weight vectors of one length, checked when the linear model was built");
    if linear.is_regression() {
        return Model {
            svm_type: SvmType::EpsilonSvr,
            kernel: Kernel::Linear,
            labels: Vec::new(),
            support_vectors,
            support_vector_counts: Vec::new(),
            coefficients: vec![vec![1.0]],
            rho: vec![-functions[0].1],
            probability,
            support_vector_indices: Vec::new(),
            feature_map: None,
        };
    }
    let classes = functions.len();
    let coefficients: Vec<Vec<f64>> = (0..classes - 1)
        .map(|row| (0..classes).map(|class| pair_sign(row, class)).collect())
        .collect();
    let offsets: Vec<f64> = functions.iter().map(|(_, offset)| *offset).collect();
    let rho = pair_offsets(&offsets);
    Model {
        svm_type: SvmType::CSvc,
        kernel: Kernel::Linear,
        labels: linear.labels().to_vec(),
        support_vectors,
        support_vector_counts: vec![1; classes],
        coefficients,
        rho,
        probability,
        support_vector_indices: Vec::new(),
        feature_map: None,
    }
}

/// The sign of class `class`'s coefficients in row `row` of LIBSVM's layout, where
/// row r of class c holds its coefficient for the pair with class r (r < c) or r + 1
/// (r ≥ c): +1 when c is the pair's first class, −1 otherwise. With class functions
/// `(v_c, c_c)` it makes the pair (i, j) decide by `v_i − v_j`.
pub(crate) fn pair_sign(row: usize, class: usize) -> f64 {
    let other = if row < class { row } else { row + 1 };
    if class < other {
        1.0
    } else {
        -1.0
    }
}

/// ρ of every pair (i, j), i < j, in LIBSVM's order, from the class functions'
/// offsets: `c_j − c_i`, so that the pair decides by `(v_i − v_j)·x + c_i − c_j`.
pub(crate) fn pair_offsets(offsets: &[f64]) -> Vec<f64> {
    let classes = offsets.len();
    let mut rho = Vec::with_capacity(classes * classes.saturating_sub(1) / 2);
    for first in 0..classes {
        for second in first + 1..classes {
            rho.push(offsets[second] - offsets[first]);
        }
    }
    rho
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(left: f64, right: f64) -> bool {
        (left - right).abs() <= 1e-12 * (1.0 + left.abs().max(right.abs()))
    }

    #[test]
    fn the_engine_model_decides_as_the_linear_model() {
        let rows = [[0.3, -1.2], [2.0, 0.5], [-1.5, 0.1], [0.0, 0.0]];
        let binary =
            LinearModel::new(vec![4.0, 9.0], vec![vec![1.5, -0.25]], vec![0.3], Some(1.0)).unwrap();
        let many = LinearModel::new(
            vec![2.0, 0.0, 1.0],
            vec![vec![1.0, 0.5], vec![-0.5, 1.0], vec![-1.0, -1.0]],
            vec![0.1, -0.2, 0.05],
            Some(1.0),
        )
        .unwrap();
        let regression =
            LinearModel::new(vec![], vec![vec![0.7, -2.0]], vec![1.25], Some(1.0)).unwrap();
        for linear in [&binary, &many, &regression] {
            let model = engine_model(linear, None);
            model.validate().expect("a well-formed model");
            let predictor = model.predictor();
            for row in &rows {
                let prediction = predictor.predict(row, false);
                assert_eq!(prediction.value, linear.predict(row), "{row:?}");
                let values = linear.decision_values(row);
                if linear.labels().len() == 2 || linear.is_regression() {
                    assert!(close(prediction.decision_values[0], values[0]));
                } else {
                    // Pair (i, j) decides by the difference of the one-vs-rest values.
                    let pairs = [(0, 1), (0, 2), (1, 2)];
                    for (pair, (i, j)) in pairs.into_iter().enumerate() {
                        let difference = values[i] - values[j];
                        assert!(close(prediction.decision_values[pair], difference));
                    }
                }
            }
        }
    }

    #[test]
    fn only_linear_c_svc_and_epsilon_svr_are_taken() {
        use crate::params::SvmParams;
        let params = |svm_type, kernel| {
            SvmParams {
                svm_type,
                kernel,
                ..SvmParams::default()
            }
            .validate()
            .unwrap()
        };
        assert!(linear_params(&params(SvmType::CSvc, Kernel::Linear)).is_ok());
        assert!(linear_params(&params(SvmType::EpsilonSvr, Kernel::Linear)).is_ok());
        let refused = linear_params(&params(SvmType::NuSvc, Kernel::Linear)).unwrap_err();
        assert!(refused.to_string().contains("nu_svc"), "{refused}");
        assert!(linear_params(&params(SvmType::CSvc, Kernel::Rbf { gamma: 0.5 })).is_err());
    }
}
