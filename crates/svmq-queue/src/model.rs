//! What the registry knows of a model: its [`ModelRecord`].
//!
//! What it does not do: touch the model's files; [`crate::artifacts`] places them and
//! the stores keep the records.

use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use crate::ids::{ModelId, TaskId};
use crate::task::UnixMillis;

/// A model in the registry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRecord {
    /// The model's id; its directory is named after it.
    pub model_id: ModelId,
    /// The task that trained it, if any.
    pub task_id: Option<TaskId>,
    /// The user the model belongs to.
    pub user_id: String,
    /// When it was registered.
    pub created_at: UnixMillis,
    /// Its directory, `<home>/models/<model_id>/`.
    pub path: PathBuf,
    /// Free-form JSON stored with the model (the runner decides what).
    pub metadata: Value,
}
