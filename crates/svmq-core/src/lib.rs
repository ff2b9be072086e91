//! svmq's SVM engine: kernels, a kernel-row cache, SMO solvers for LIBSVM's five
//! formulations, probability estimates, and models that read and write LIBSVM's text
//! format; and, in `linear`, linear SVMs by dual coordinate descent for large data, on
//! which `kernel_approximation` trains RBF SVMs through Nyström or random Fourier
//! features. Synchronous and free of I/O: callers hand in matrices and get models back;
//! a stop flag and a progress callback are the only ways in while a fit runs.

#![warn(missing_docs)]

mod cache;
pub mod control;
pub mod cross_validation;
pub mod error;
pub mod feature_rows;
mod fit_report;
mod formulations;
pub mod fourier;
pub mod kernel;
pub mod kernel_approximation;
pub mod libsvm_format;
mod libsvm_model_reader;
pub mod linear;
mod linear_probability;
pub mod linear_svm;
pub mod matrix;
pub mod model;
pub mod model_format;
mod model_validation;
pub mod nystroem;
pub mod params;
mod passes;
pub mod probability;
mod probability_training;
pub mod random;
mod solver;
pub mod train;

pub use control::{FitControl, FitProgress};
pub use cross_validation::cross_validate;
pub use error::EngineError;
pub use feature_rows::{FeatureRows, QuantizedRows, RowSubset};
pub use kernel::Gram;
pub use kernel_approximation::{
    approximation_applies, fit_approximate_svm, ApproximateOutcome, ApproximateSvm,
    KernelApproximation,
};
pub use linear_svm::{fit_linear_svm, linear_solver_applies, LinearSvm, LinearSvmOutcome};
pub use matrix::Matrix;
pub use model::{Model, Prediction, Predictor, ProbabilityModel};
pub use params::{Kernel, SvmParams, SvmType, ValidParams};
pub use train::{fit, fit_with_gram, FitOutcome, FitReport, TrainedModel};
