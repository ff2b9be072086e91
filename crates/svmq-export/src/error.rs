//! The export crate's one error type.

#[derive(Debug, thiserror::Error)]
/// Why a model cannot be exported.
pub enum ExportError {
    /// The model cannot be written in the asked format; the message says why and
    /// what to do instead.
    #[error("{0}")]
    Unsupported(String),
    /// The model's parts do not fit together (a damaged or hand-edited model).
    #[error("the model is inconsistent: {0}")]
    Inconsistent(String),
}
