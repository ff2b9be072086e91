//! The engine's one error type.

/// Everything that can go wrong inside the engine; each message says what to fix.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EngineError {
    /// A training parameter is out of its range, or does not suit the data.
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// The data is unusable: no rows, sizes that do not match, values or targets that
    /// are not finite numbers, or a single class for a classifier.
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// A model, read from a file or built by hand, is malformed or inconsistent.
    #[error("invalid model: {0}")]
    InvalidModel(String),
}
