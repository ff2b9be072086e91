//! Reading and writing svmq's input data.
//!
//! For now this is the LIBSVM sparse text format only ([`libsvm`]): one example per
//! line, `label index:value ...`, read into a dense row-major matrix of `f64` plus a
//! label vector, and written back with zeros left out. CSV and xlsx readers will join
//! later. This crate knows nothing about SVMs: it hands plain vectors to its caller,
//! which wraps them in the engine's own types, so it builds on its own.

pub mod error;
pub mod libsvm;

pub use error::DataError;
pub use libsvm::{parse_libsvm, read_libsvm_file, write_libsvm, LibsvmData, ReadOptions};
