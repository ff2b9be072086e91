//! svmq-queue — the durable task queue of svmq: a [`Store`] trait with an embedded
//! SQLite implementation and a shared PostgreSQL one for many machines, leases with heartbeats, a [`Worker`] that runs tasks through a
//! [`TaskRunner`], and a model registry with atomic artifact publishing.
//!
//! Lifecycle: `queued → running → completed | failed | cancelled`; terminal states never
//! change. A task acknowledged by [`Store::submit`] is committed to disk; a task whose
//! worker died is found by its expired lease and run again up to its `max_attempts`.
//! At most `max_concurrent` tasks run at once across every process sharing the store.
//!
//! This crate knows nothing of SVMs: a task is a `kind` and a JSON payload that the
//! runner interprets. It does not read the environment or parse command lines; callers
//! pass typed configuration.

#![warn(missing_docs)]

pub mod artifacts;
mod clock;
mod error;
mod ids;
mod model;
mod open;
mod parse;
mod pg;
mod phase;
mod runner;
mod shutdown;
mod sqlite;
mod state;
mod store;
pub mod stored;
mod task;
mod wakeup;
mod worker;

pub use artifacts::{
    create_staging_dir, discard_staging_dir, model_dir, move_model_into_place, publish_model_dir,
    remove_unregistered_model, ModelRecord, NewModel,
};
pub use error::{QueueError, Result};
pub use ids::{ModelId, TaskId, WorkerId};
pub use open::open_store;
pub use pg::{
    PostgresOptions, PostgresStore, DEFAULT_SCHEMA as DEFAULT_POSTGRES_SCHEMA,
    POSTGRES_SCHEMA_VERSION,
};
pub use phase::{Lease, Progress, TaskPhase};
pub use runner::{RunOutcome, TaskContext, TaskRunner};
pub use shutdown::Shutdown;
pub use sqlite::{SqliteOptions, SqliteStore, DATABASE_FILE_NAME, SCHEMA_VERSION};
pub use state::TaskState;
pub use store::Store;
pub use task::{
    estimate_start_seconds, interrupted_error, now_millis, CancelOutcome, ClaimedTask,
    LeaseRenewal, LogLevel, LogLine, NewTask, PruneReport, QueueCounts, QueueEstimate, Recovery,
    Submission, SubmitLimits, TaskFilter, TaskPage, TaskRecord, UnixMillis, WorkerInfo,
    DEFAULT_LIST_LIMIT, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_CONCURRENT, ETA_SAMPLE_SIZE,
    MAX_ATTEMPTS_LIMIT, MAX_LIST_LIMIT, MAX_NAME_BYTES, MAX_PAYLOAD_BYTES, MAX_TASK_TIMEOUT,
};
pub use wakeup::{WakeUp, WakeUpSubscription};
pub use worker::{Worker, WorkerConfig, WorkerReport};
