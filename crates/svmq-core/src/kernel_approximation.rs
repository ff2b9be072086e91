//! RBF SVMs for many rows through an explicit feature map: the rows are mapped to a
//! few hundred or thousand features whose dot products approximate the kernel, and
//! the linear solver trains on them in time linear in the rows. Two maps: Nyström's
//! landmarks (`nystroem`), which adapt to the data and give an ordinary kernel model,
//! and random Fourier features (`fourier`), which do not look at the data and give a
//! linear model that carries its map.
//!
//! The linear solver minimizes the squared hinge (and the squared ε-insensitive loss),
//! LIBLINEAR's default: on features this dense its dual descent converges in tens of
//! passes where the hinge's took the 300-pass limit at C = 17, and a descent that has
//! not converged after [`DESCENT_PASSES`] passes is finished by Newton's method on the
//! primal. So C here is that loss's C, near the exact hinge SVM's where few points are
//! inside the margin.

use crate::control::FitControl;
use crate::error::EngineError;
use crate::fourier::FourierMap;
use crate::linear::{DualSolution, LinearFitReport, LinearLoss, LinearParams};
use crate::linear_svm::{engine_model, fit_with_probability, linear_params, support_vector_rows};
use crate::matrix::Matrix;
use crate::model::Model;
use crate::nystroem::NystroemMap;
use crate::params::{Kernel, SvmParams, SvmType, ValidParams};

/// Passes of the dual descent before Newton's method on the primal finishes a fit that
/// has not converged: on these dense features a pass costs as much as a Newton
/// conjugate-gradient step, which runs on every core and needs far fewer of them at
/// large C.
const DESCENT_PASSES: usize = 30;

/// Which map approximates the kernel, and its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelApproximation {
    /// Nyström's method with up to this many landmark rows.
    Nystroem {
        /// Landmarks asked for.
        landmarks: usize,
    },
    /// Random Fourier features, this many.
    RandomFourier {
        /// Features asked for.
        components: usize,
    },
}

impl KernelApproximation {
    /// The map's size as asked for: landmarks or features.
    pub fn requested(self) -> usize {
        match self {
            KernelApproximation::Nystroem { landmarks } => landmarks,
            KernelApproximation::RandomFourier { components } => components,
        }
    }

    /// The method and its size in words, for logs.
    pub fn describe(self) -> String {
        match self {
            KernelApproximation::Nystroem { landmarks } => {
                format!("the Nyström method with up to {landmarks} landmark rows")
            }
            KernelApproximation::RandomFourier { components } => {
                format!("{components} random Fourier features")
            }
        }
    }

    /// The method's name in reports: `nystroem` or `rff`.
    pub fn method(self) -> &'static str {
        match self {
            KernelApproximation::Nystroem { .. } => "nystroem",
            KernelApproximation::RandomFourier { .. } => "rff",
        }
    }
}

/// An approximate SVM: the model and what its fit did.
#[derive(Debug, Clone)]
pub struct ApproximateSvm {
    /// The model: the landmarks as support vectors (Nyström), or a linear model that
    /// carries its random Fourier map.
    pub model: Model,
    /// The features the map made: landmarks kept, or random features.
    pub features: usize,
    /// What the linear solver did on the features.
    pub report: LinearFitReport,
    /// Training rows with a non-zero dual variable.
    pub support_vector_rows: usize,
    /// The dual solution on the features.
    pub solution: DualSolution,
}

/// How an approximate fit ended.
#[derive(Debug)]
pub enum ApproximateOutcome {
    /// The fit finished.
    Trained(Box<ApproximateSvm>),
    /// The stop flag was raised; nothing was trained.
    Stopped,
}

/// Whether an approximate fit can train `params`: a C-SVC or an ε-SVR with the RBF
/// kernel (whose kernel matrices are positive definite, and whose Fourier transform is
/// a normal distribution).
pub fn approximation_applies(params: &ValidParams) -> bool {
    matches!(params.kernel, Kernel::Rbf { .. })
        && matches!(params.svm_type, SvmType::CSvc | SvmType::EpsilonSvr)
}

/// Trains `params` (a C-SVC or ε-SVR with the RBF kernel) on `data` through the
/// feature map `approximation`, and fits its probability model when `params` asks for
/// one.
pub fn fit_approximate_svm(
    data: &Matrix,
    targets: &[f64],
    params: &ValidParams,
    approximation: KernelApproximation,
    control: &FitControl,
) -> Result<ApproximateOutcome, EngineError> {
    let gamma = match params.kernel {
        Kernel::Rbf { gamma } if approximation_applies(params) => gamma,
        _ => return Err(not_applicable(params)),
    };
    enum Map {
        Nystroem(NystroemMap),
        Fourier(FourierMap),
    }
    let (map, features) = match approximation {
        KernelApproximation::Nystroem { landmarks } => {
            let map = NystroemMap::fit(data, params.kernel, landmarks, params.seed)?;
            let features = map.features(data, control);
            (Map::Nystroem(map), features)
        }
        KernelApproximation::RandomFourier { components } => {
            let map = FourierMap::sample(data.columns(), components, gamma, params.seed)?;
            let features = map.features(data, control);
            (Map::Fourier(map), features)
        }
    };
    let Some(features) = features else {
        return Ok(ApproximateOutcome::Stopped);
    };
    let linear = SvmParams {
        kernel: Kernel::Linear,
        ..params.get().clone()
    }
    .validate()?;
    let linear_params = LinearParams {
        loss: LinearLoss::L2,
        max_passes: DESCENT_PASSES,
        ..(*linear_params(&linear)?).clone()
    }
    .validate()?;
    let fitted = fit_with_probability(
        &features,
        targets,
        &linear_params,
        params.probability,
        None,
        control,
    )?;
    drop(features);
    let Some((trained, probability)) = fitted else {
        return Ok(ApproximateOutcome::Stopped);
    };
    let (model, size) = match map {
        Map::Nystroem(map) => (
            map.engine_model(&trained.model, probability),
            map.landmarks(),
        ),
        Map::Fourier(map) => {
            let size = map.components();
            let mut model = engine_model(&trained.model, probability);
            model.feature_map = Some(map);
            (model, size)
        }
    };
    Ok(ApproximateOutcome::Trained(Box::new(ApproximateSvm {
        model,
        features: size,
        support_vector_rows: support_vector_rows(&trained.solution),
        report: trained.report,
        solution: trained.solution,
    })))
}

fn not_applicable(params: &ValidParams) -> EngineError {
    EngineError::InvalidParameter(format!(
        "kernel approximations train C-SVC and epsilon-SVR with the rbf kernel, not {} with \
         the {} kernel",
        params.svm_type.libsvm_name(),
        params.kernel.libsvm_name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::Random;

    /// Inside or outside a circle: no linear model does better than the majority.
    fn circle(rows: usize) -> (Matrix, Vec<f64>) {
        let mut random = Random::new(11);
        let mut values = Vec::new();
        let mut targets = Vec::new();
        for _ in 0..rows {
            let (x, y) = (random.unit() * 4.0 - 2.0, random.unit() * 4.0 - 2.0);
            values.extend([x, y]);
            targets.push(if x * x + y * y < 1.5 { 1.0 } else { -1.0 });
        }
        (Matrix::new(rows, 2, values).unwrap(), targets)
    }

    fn trained(
        data: &Matrix,
        targets: &[f64],
        params: &ValidParams,
        approximation: KernelApproximation,
    ) -> ApproximateSvm {
        match fit_approximate_svm(data, targets, params, approximation, &FitControl::new()).unwrap()
        {
            ApproximateOutcome::Trained(fitted) => *fitted,
            ApproximateOutcome::Stopped => panic!("not stopped"),
        }
    }

    fn accuracy(model: &Model, data: &Matrix, targets: &[f64]) -> f64 {
        let predictor = model.predictor();
        let correct = (0..data.rows())
            .filter(|&row| predictor.predict(data.row(row), false).value == targets[row])
            .count();
        correct as f64 / data.rows() as f64
    }

    #[test]
    fn both_maps_learn_a_curved_boundary() {
        let (data, targets) = circle(600);
        let params = SvmParams {
            kernel: Kernel::Rbf { gamma: 1.0 },
            c: 10.0,
            ..SvmParams::default()
        }
        .validate()
        .unwrap();
        let nystroem = trained(
            &data,
            &targets,
            &params,
            KernelApproximation::Nystroem { landmarks: 50 },
        );
        // In two dimensions a few of 50 random landmarks are nearly spanned by the rest.
        assert!(
            (40..=50).contains(&nystroem.features),
            "{}",
            nystroem.features
        );
        assert!(nystroem.model.feature_map.is_none());
        let accuracy_nystroem = accuracy(&nystroem.model, &data, &targets);
        assert!(accuracy_nystroem > 0.95, "{accuracy_nystroem}");

        let fourier = trained(
            &data,
            &targets,
            &params,
            KernelApproximation::RandomFourier { components: 300 },
        );
        assert_eq!(fourier.features, 300);
        fourier.model.validate().expect("a well-formed model");
        assert_eq!(fourier.model.feature_count(), 2);
        let accuracy_fourier = accuracy(&fourier.model, &data, &targets);
        assert!(accuracy_fourier > 0.95, "{accuracy_fourier}");
    }

    #[test]
    fn other_kernels_are_refused() {
        let (data, targets) = circle(50);
        let linear = SvmParams {
            kernel: Kernel::Linear,
            ..SvmParams::default()
        }
        .validate()
        .unwrap();
        for approximation in [
            KernelApproximation::Nystroem { landmarks: 10 },
            KernelApproximation::RandomFourier { components: 10 },
        ] {
            assert!(fit_approximate_svm(
                &data,
                &targets,
                &linear,
                approximation,
                &FitControl::new()
            )
            .is_err());
        }
        assert!(NystroemMap::fit(&data, Kernel::Rbf { gamma: 1.0 }, 0, 1).is_err());
    }

    #[test]
    fn a_fourier_regression_follows_a_curve() {
        let rows = 400;
        let values: Vec<f64> = (0..rows)
            .map(|row| row as f64 / rows as f64 * 6.0 - 3.0)
            .collect();
        let targets: Vec<f64> = values.iter().map(|x| x.sin()).collect();
        let data = Matrix::new(rows, 1, values).unwrap();
        let params = SvmParams {
            svm_type: SvmType::EpsilonSvr,
            kernel: Kernel::Rbf { gamma: 0.5 },
            c: 100.0,
            epsilon: 0.01,
            ..SvmParams::default()
        }
        .validate()
        .unwrap();
        let fitted = trained(
            &data,
            &targets,
            &params,
            KernelApproximation::RandomFourier { components: 200 },
        );
        let predictor = fitted.model.predictor();
        let worst = (0..rows)
            .map(|row| (predictor.predict(data.row(row), false).value - targets[row]).abs())
            .fold(0.0, f64::max);
        assert!(worst < 0.1, "{worst}");
    }
}
