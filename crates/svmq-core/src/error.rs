//! The engine's one error type.

/// Everything that can go wrong inside the engine; each message says what to fix.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EngineError {
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    #[error("invalid data: {0}")]
    InvalidData(String),
    #[error("invalid model: {0}")]
    InvalidModel(String),
}
