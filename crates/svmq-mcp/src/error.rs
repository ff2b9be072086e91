//! The one place where failures become MCP tool errors.
//!
//! A [`ToolError`] is returned to the client as a tool result with `isError: true`,
//! so an agent can read it and correct its call. Mistakes the caller can fix carry a
//! message saying what to fix; internal failures are logged here in full (to stderr,
//! through `tracing`) and reach the client as a generic message without internals.

use rmcp::model::{ContentBlock, IntoContents};
use svmq_data::DataError;
use svmq_service::QueueError;
use svmq_service::ServiceError;

/// What a tool call returns when it cannot do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// The caller can fix this; the message says how.
    #[error("{0}")]
    Invalid(String),
    /// Something failed inside the server; the details are in the server log.
    #[error("internal error in the svmq server; its log has the details. Retry later, or report it if it persists")]
    Internal,
}

impl ToolError {
    /// A mistake the caller can fix; `message` says how.
    pub fn invalid(message: impl Into<String>) -> ToolError {
        ToolError::Invalid(message.into())
    }

    /// Logs an internal failure in full and returns what the caller sees.
    pub fn internal(context: &str, error: &dyn std::fmt::Debug) -> ToolError {
        tracing::error!(context, ?error, "internal error in a tool call");
        ToolError::Internal
    }
}

impl From<QueueError> for ToolError {
    fn from(error: QueueError) -> ToolError {
        match error {
            QueueError::TaskNotFound { .. }
            | QueueError::ModelNotFound { .. }
            | QueueError::MalformedId { .. }
            | QueueError::QueueFull { .. }
            | QueueError::UserTaskLimit { .. }
            | QueueError::AlreadyFinished { .. }
            | QueueError::InvalidArgument(_)
            | QueueError::Busy => ToolError::Invalid(error.to_string()),
            other => ToolError::internal("queue store", &other),
        }
    }
}

impl From<ServiceError> for ToolError {
    fn from(error: ServiceError) -> ToolError {
        match error {
            ServiceError::Queue(queue) => ToolError::from(queue),
            error if error.is_user_error() => ToolError::Invalid(error.to_string()),
            other => ToolError::internal("service", &other),
        }
    }
}

impl From<DataError> for ToolError {
    fn from(error: DataError) -> ToolError {
        ToolError::from(ServiceError::from(error))
    }
}

impl IntoContents for ToolError {
    fn into_contents(self) -> Vec<ContentBlock> {
        vec![ContentBlock::text(self.to_string())]
    }
}

/// Why the server could not start or stopped abnormally (not a tool call's failure).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The queue store could not be opened, or the local worker not registered in it.
    #[error("cannot open the store: {0}")]
    Store(#[from] QueueError),
    /// A data or output root is unusable (e.g. missing).
    #[error("{0}")]
    Roots(String),
    /// A setting that cannot work, e.g. an unauthenticated non-loopback listener.
    #[error("{0}")]
    Config(String),
    /// The tokio runtime or the local worker's thread could not start, or the HTTP
    /// listener could not report its address.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// The MCP session or the HTTP server failed.
    #[error("the MCP session failed: {0}")]
    Session(String),
}
