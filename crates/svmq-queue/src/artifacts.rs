//! Model artifacts on disk and their registry entries.
//!
//! A runner writes a model into a staging directory under `<home>/models/.staging/`, on
//! the same file system as its final place, and [`publish_model_dir`] renames it to
//! `<home>/models/<model_id>/` in one step before registering it: a crash never leaves a
//! half-written model where readers look. A cancelled or failed run calls
//! [`discard_staging_dir`]. What goes inside the directory is not this crate's business.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{QueueError, Result};
use crate::ids::{ModelId, TaskId};
pub use crate::model::ModelRecord;
use crate::store::Store;
use crate::task::now_millis;

/// Directory of the models inside the home directory.
pub const MODELS_DIR_NAME: &str = "models";

/// Directory of unfinished models inside the models directory.
pub const STAGING_DIR_NAME: &str = ".staging";

/// The final directory of a model.
pub fn model_dir(home: &Path, model_id: &ModelId) -> PathBuf {
    home.join(MODELS_DIR_NAME).join(model_id.as_str())
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> QueueError {
    let path = path.to_path_buf();
    move |source| QueueError::Io {
        action,
        path,
        source,
    }
}

/// Creates a new empty staging directory for a model being written.
pub fn create_staging_dir(home: &Path) -> Result<PathBuf> {
    let staging_root = home.join(MODELS_DIR_NAME).join(STAGING_DIR_NAME);
    std::fs::create_dir_all(&staging_root).map_err(io_error(
        "cannot create the staging directory",
        &staging_root,
    ))?;
    // A random name: two runs never share a staging directory.
    let staging = staging_root.join(ModelId::generate().as_str());
    std::fs::create_dir(&staging)
        .map_err(io_error("cannot create the staging directory", &staging))?;
    Ok(staging)
}

/// What to register with a published model.
#[derive(Debug, Clone, PartialEq)]
pub struct NewModel {
    /// The id the model is published under; its directory is named after it.
    pub model_id: ModelId,
    /// The task that trained it, if any.
    pub task_id: Option<TaskId>,
    /// The user the model belongs to.
    pub user_id: String,
    /// Free-form JSON stored with the model (the runner decides what).
    pub metadata: Value,
}

/// Moves a finished staging directory to `<home>/models/<model_id>/` (an atomic rename)
/// and registers it. If the registration fails, the directory is removed again, so no
/// model exists on disk without its registry entry.
pub fn publish_model_dir(
    store: &dyn Store,
    home: &Path,
    staging_dir: &Path,
    model: NewModel,
) -> Result<ModelRecord> {
    let record = move_model_into_place(home, staging_dir, model)?;
    if let Err(error) = store.register_model(&record) {
        remove_unregistered_model(&record);
        return Err(error);
    }
    Ok(record)
}

/// Removes the directory of a model that was moved into place but will not be
/// registered (its task could not be completed). Failures are logged: an unregistered
/// directory is invisible to every reader, only wasted space.
pub fn remove_unregistered_model(record: &ModelRecord) {
    match std::fs::remove_dir_all(&record.path) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => tracing::error!(path = %record.path.display(), %error,
            "could not remove an unregistered model directory"),
    }
}

/// Moves a finished staging directory to `<home>/models/<model_id>/` (an atomic rename)
/// without registering it: a task runner hands the record back with its result, and the
/// worker registers it together with the task's completion.
pub fn move_model_into_place(
    home: &Path,
    staging_dir: &Path,
    model: NewModel,
) -> Result<ModelRecord> {
    let destination = model_dir(home, &model.model_id);
    if destination.exists() {
        return Err(QueueError::InvalidArgument(format!(
            "model {} already exists",
            model.model_id
        )));
    }
    std::fs::rename(staging_dir, &destination).map_err(io_error(
        "cannot move the model into place at",
        &destination,
    ))?;
    Ok(ModelRecord {
        model_id: model.model_id,
        task_id: model.task_id,
        user_id: model.user_id,
        created_at: now_millis(),
        path: destination,
        metadata: model.metadata,
    })
}

/// Removes the staging directory of a run that was cancelled or failed. A directory
/// that is already gone is not an error.
pub fn discard_staging_dir(staging_dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(staging_dir) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(io_error("cannot remove the staging directory", staging_dir)(error)),
    }
}

/// Deletes a model: its registry entry, then its directory. The directory is removed
/// only if it is where a model of this id lives (`…/models/<model_id>`): the path comes
/// from the store, and a damaged or edited row must not name another directory.
pub fn delete_model(store: &dyn Store, model_id: &ModelId) -> Result<()> {
    let record = store.get_model(model_id)?;
    store.delete_model(model_id)?;
    let expected_place = record.path.file_name() == Some(model_id.as_str().as_ref())
        && record
            .path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|name| name == MODELS_DIR_NAME);
    if !expected_place {
        tracing::error!(model_id = %model_id, path = %record.path.display(),
            "the registry named a directory that is not a model's; left it alone");
        return Ok(());
    }
    match std::fs::remove_dir_all(&record.path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(io_error("cannot remove the model directory", &record.path)(
            error,
        )),
    }
}
