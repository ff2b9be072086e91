//! Creating a store file without ever replacing one.
//!
//! A new store is built under a temporary name (schema migrated, WAL mode set) and then
//! linked into place with `hard_link`, which fails if the name exists: two processes that
//! start on a new home at once both succeed, one creating and one finding the file; no
//! reader ever sees a file half-created. An existing file that is empty was truncated
//! (a created store is never empty) and is refused with what to do, because opening it
//! would silently start an empty store and lose every task and model it had.

use std::path::Path;

use super::connection::{connect, SqliteOptions};
use crate::error::{QueueError, Result};
use crate::ids::ModelId;

/// Creates the store file at `path` unless some file is already there.
pub(super) fn create_store_file(path: &Path, options: SqliteOptions) -> Result<()> {
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(
        ".{file_name}.creating-{}",
        ModelId::generate().as_str()
    ));
    let created = connect(&temporary, options, true).and_then(|connection| {
        // Closing checkpoints the WAL into the file, so the file alone is the store.
        connection
            .close()
            .map_err(|(_, error)| QueueError::from(error))
    });
    let linked = created.and_then(|()| match std::fs::hard_link(&temporary, path) {
        Ok(()) => Ok(()),
        // Another process created it first: use theirs.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        // A file system without hard links: a rename, which can only lose a race
        // between two processes creating the same new store at the same instant.
        Err(_) if !path.exists() => {
            std::fs::rename(&temporary, path).map_err(|source| QueueError::Io {
                action: "cannot create the store file",
                path: path.to_path_buf(),
                source,
            })
        }
        Err(_) => Ok(()),
    });
    for leftover in ["", "-wal", "-shm", "-journal"] {
        let mut name = temporary.clone().into_os_string();
        name.push(leftover);
        let _ = std::fs::remove_file(name);
    }
    linked
}

/// Refuses an existing store file that cannot be an svmq store: an empty one.
pub(super) fn check_existing_file(path: &Path) -> Result<()> {
    let metadata = std::fs::metadata(path).map_err(|source| QueueError::Io {
        action: "cannot read the store file",
        path: path.to_path_buf(),
        source,
    })?;
    if !metadata.is_file() {
        return Err(QueueError::Corrupt {
            path: path.to_path_buf(),
            detail: "it is not a regular file".to_string(),
        });
    }
    if metadata.len() == 0 {
        return Err(QueueError::Corrupt {
            path: path.to_path_buf(),
            detail: "the file is empty (0 bytes): it was truncated or replaced, and svmq \
                     will not start a new store over it. Restore it from a backup, or move \
                     it away to start with an empty queue and registry"
                .to_string(),
        });
    }
    Ok(())
}
