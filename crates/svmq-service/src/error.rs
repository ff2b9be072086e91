//! The service's one error type. User mistakes carry a message saying what to fix;
//! internal failures keep their source for the logs.

use svmq_core::EngineError;
use svmq_data::DataError;

use crate::parameter::ParameterMessage;

/// Everything a use case of this crate can fail with; [`ServiceError::is_user_error`]
/// tells the caller's mistakes from internal failures.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A request parameter is out of range or inconsistent.
    #[error("{0}")]
    InvalidRequest(String),
    /// A request parameter is out of range or inconsistent; the message names the
    /// parameters for each front end to spell.
    #[error("{0}")]
    InvalidParameter(ParameterMessage),
    /// The data cannot be read or trained on.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The SVM engine refused the parameters, the data or a model (a malformed model
    /// counts as an internal failure).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A saved model is missing, damaged or of another kind.
    #[error("{0}")]
    Model(String),
    /// The task queue or model registry failed.
    #[error(transparent)]
    Queue(#[from] svmq_queue::QueueError),
    /// A file operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was attempted, e.g. `cannot write`; the message's first words.
        action: &'static str,
        /// The file it was attempted on, as displayed.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The work was cancelled through its stop flag.
    #[error("stopped")]
    Stopped,
}

impl ServiceError {
    /// Whether the caller can fix this (as opposed to an internal failure).
    pub fn is_user_error(&self) -> bool {
        match self {
            ServiceError::InvalidRequest(_)
            | ServiceError::InvalidParameter(_)
            | ServiceError::Data(_)
            | ServiceError::Model(_) => true,
            ServiceError::Engine(error) => !matches!(error, EngineError::InvalidModel(_)),
            ServiceError::Queue(_) | ServiceError::Io { .. } | ServiceError::Stopped => false,
        }
    }
}
