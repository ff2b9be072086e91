//! svmq's model exports, for running svmq models elsewhere:
//! - [`onnx`]: one ONNX model with the preprocessing (`ai.onnx.ml` Imputer, Scaler,
//!   LabelEncoder and OneHotEncoder) and the SVM (`SVMClassifier` / `SVMRegressor`),
//!   so it takes raw features;
//! - [`libsvm`]: the engine model in LIBSVM's text format, which takes preprocessed
//!   features;
//! - [`libsvm_onnx`]: a bare SVM, as a LIBSVM model file holds it (one-class
//!   included), as an ONNX model that gives what LIBSVM's `svm-predict` prints.
//!
//! The ONNX protobuf messages are written by hand for `prost` ([`proto`]); the graph
//! is put together with [`builder`]. This crate reads models and returns bytes or
//! text; it does no I/O.

#![warn(missing_docs)]

pub mod builder;
pub mod error;
pub mod fourier;
pub mod libsvm;
pub mod libsvm_onnx;
pub mod onnx;
pub mod preprocessing;
pub mod proto;
pub mod source;
pub mod svm;

pub use error::ExportError;
pub use libsvm::{to_libsvm, LibsvmExport};
pub use libsvm_onnx::{libsvm_model_to_onnx, LibsvmOnnxExport};
pub use onnx::{to_onnx, OnnxExport, OnnxOptions};
pub use source::{ExportSource, TargetSource};
