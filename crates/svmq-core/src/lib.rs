//! svmq's SVM engine: kernels, a kernel-row cache, SMO solvers for LIBSVM's five
//! formulations, probability estimates, and models that read and write LIBSVM's text
//! format. Synchronous and free of I/O: callers hand in matrices and get models back;
//! a stop flag and a progress callback are the only ways in while a fit runs.

pub mod error;
pub mod kernel;
pub mod matrix;
pub mod model;
pub mod params;
pub mod probability;

pub use error::EngineError;
pub use matrix::Matrix;
pub use model::{Model, Prediction, Predictor, ProbabilityModel};
pub use params::{Kernel, SvmParams, SvmType, ValidParams};
