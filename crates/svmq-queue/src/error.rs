//! The one error type of the queue crate.
//!
//! User mistakes (unknown or malformed ids, limits reached, cancelling a finished task)
//! carry the fix in their message; store failures keep their source for the logs.

use std::path::PathBuf;

use crate::ids::TaskId;
use crate::state::TaskState;

/// Everything that can go wrong in the queue.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// No task with this id exists (it may have been pruned).
    #[error(
        "unknown task id {id}: no such task (finished tasks are pruned after the retention age)"
    )]
    TaskNotFound {
        /// The id that was looked up.
        id: TaskId,
    },

    /// No model with this id is registered.
    #[error("unknown model id {id}: no such model in the registry")]
    ModelNotFound {
        /// The id that was looked up, as given.
        id: String,
    },

    /// A string that should be an identifier is not one.
    #[error("malformed {kind} id {value:?}: expected 32 lowercase hexadecimal characters")]
    MalformedId {
        /// Which id it should have been: `task`, `model` or `worker`.
        kind: &'static str,
        /// The text given, cut to 64 characters.
        value: String,
    },

    /// The queue already holds its maximum of open (queued + running) tasks.
    #[error("the queue is full: {limit} tasks are already queued or running; retry when some have finished")]
    QueueFull {
        /// The cap on open tasks in the whole queue.
        limit: u64,
    },

    /// This user already has the maximum of open tasks.
    #[error("user {user_id:?} already has {limit} open tasks (the per-user cap); wait for one to finish or cancel one")]
    UserTaskLimit {
        /// The user at the cap.
        user_id: String,
        /// The cap on one user's open tasks.
        limit: u64,
    },

    /// The operation needs an open task but this one has already finished.
    #[error("task {id} has already finished ({state}); a finished task cannot change")]
    AlreadyFinished {
        /// The finished task.
        id: TaskId,
        /// The terminal state it is in.
        state: TaskState,
    },

    /// The caller does not (or no longer) hold the lease of a running task: the task was
    /// recovered by another worker, cancelled, or finished.
    #[error(
        "task {id} is not running under worker {worker_id}: its lease was lost or it has finished"
    )]
    LeaseLost {
        /// The task.
        id: TaskId,
        /// The worker that believed it held the lease.
        worker_id: String,
    },

    /// An argument is out of its valid range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// The store file is written by a newer svmq than this one.
    #[error("the store has schema version {found}, newer than the {supported} this svmq knows; upgrade svmq")]
    SchemaTooNew {
        /// The schema version the store has.
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },

    /// Another process holds the store locked for longer than the busy timeout.
    #[error(
        "the store is locked by another process and stayed locked past the busy timeout; retry"
    )]
    Busy,

    /// The database server cannot be reached (refused, dropped or not yet back). Workers
    /// retry with backoff; a command reports it and exits.
    #[error("the database is unreachable: {detail}")]
    Unavailable {
        /// What the client library said, without credentials.
        detail: String,
    },

    /// The store file is not a database or is damaged.
    #[error("the store file {path} is not a valid svmq database or is damaged: {detail}")]
    Corrupt {
        /// The store file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },

    /// A file-system operation on the home directory or an artifact failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done, e.g. `cannot create the staging directory`.
        action: &'static str,
        /// The file or directory it was done to.
        path: PathBuf,
        #[source]
        /// The operating system's error.
        source: std::io::Error,
    },

    /// JSON stored in the queue could not be read back.
    #[error("stored JSON could not be decoded: {0}")]
    Json(#[from] serde_json::Error),

    /// Any other failure of the underlying store.
    #[error("store failure: {0}")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The queue's result type.
pub type Result<T, E = QueueError> = std::result::Result<T, E>;
