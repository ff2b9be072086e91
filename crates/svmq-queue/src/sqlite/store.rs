//! [`SqliteStore`]: the [`Store`] trait over one SQLite connection. Each method locks the
//! connection and hands it to the query module of its concept ([`super::tasks`],
//! [`super::leases`], [`super::registry`]); how the embedded store works is described in
//! [`super`].

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::Connection;
use serde_json::Value;

use super::connection::{self, SqliteOptions};
use super::{create, leases, registry, tasks};
use crate::error::{QueueError, Result};
use crate::ids::{ModelId, TaskId, WorkerId};
use crate::model::ModelRecord;
use crate::state::TaskState;
use crate::store::Store;
use crate::task::{
    CancelOutcome, ClaimedTask, LeaseRenewal, LogLevel, LogLine, NewTask, PruneReport, QueueCounts,
    QueueEstimate, Recovery, Submission, SubmitLimits, TaskFilter, TaskPage, TaskRecord,
    WorkerInfo,
};

/// Name of the database file inside the home directory.
pub const DATABASE_FILE_NAME: &str = "queue.sqlite3";

/// The SQLite implementation of [`Store`].
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    connection: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating it and the directory if needed) the store of a home directory:
    /// `<home>/queue.sqlite3`.
    pub fn open_home(home: &Path, options: SqliteOptions) -> Result<Self> {
        std::fs::create_dir_all(home).map_err(|source| QueueError::Io {
            action: "cannot create the home directory",
            path: home.to_path_buf(),
            source,
        })?;
        Self::open(&home.join(DATABASE_FILE_NAME), options)
    }

    /// Opens the store in this database file, creating it if there is no file, and
    /// migrates its schema. An existing file is never replaced: an empty one (truncated)
    /// or one that is not an svmq store is refused with [`QueueError::Corrupt`].
    pub fn open(path: &Path, options: SqliteOptions) -> Result<Self> {
        if !path.exists() {
            create::create_store_file(path, options)?;
        }
        create::check_existing_file(path)?;
        let connection = connection::connect(path, options, false)?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            connection: Mutex::new(connection),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `operation` on the connection, naming the file in errors that concern it.
    fn with_connection<T>(
        &self,
        operation: impl FnOnce(&mut Connection) -> Result<T>,
    ) -> Result<T> {
        let mut connection = self.lock();
        operation(&mut connection).map_err(|error| connection::with_path(error, &self.path))
    }

    /// A model's directory is where its id puts it in this store's home, whatever the
    /// row says: a stored path is never trusted to name a directory.
    fn placed(&self, mut record: ModelRecord) -> ModelRecord {
        let home = self.path.parent().unwrap_or(Path::new("."));
        record.path = crate::artifacts::model_dir(home, &record.model_id);
        record
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock dropped its transaction, which rolled back:
        // the connection is still consistent.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Store for SqliteStore {
    fn submit(&self, task: &NewTask, limits: &SubmitLimits) -> Result<Submission> {
        task.validate()?;
        self.with_connection(|connection| tasks::submit(connection, task, limits))
    }

    fn get_task(&self, id: &TaskId) -> Result<TaskRecord> {
        self.with_connection(|connection| tasks::get_task(connection, id))
    }

    fn list_tasks(&self, filter: &TaskFilter) -> Result<TaskPage> {
        self.with_connection(|connection| tasks::list_tasks(connection, filter))
    }

    fn queue_counts(&self) -> Result<QueueCounts> {
        self.with_connection(tasks::queue_counts)
    }

    fn queue_estimate(&self, id: &TaskId, max_concurrent: u32) -> Result<Option<QueueEstimate>> {
        self.with_connection(|connection| tasks::queue_estimate(connection, id, max_concurrent))
    }

    fn cancel_task(&self, id: &TaskId) -> Result<CancelOutcome> {
        self.with_connection(|connection| tasks::cancel_task(connection, id))
    }

    fn is_cancel_requested(&self, id: &TaskId) -> Result<bool> {
        self.with_connection(|connection| tasks::is_cancel_requested(connection, id))
    }

    fn claim_next_task(
        &self,
        worker_id: &WorkerId,
        lease_duration: Duration,
        max_concurrent: u32,
    ) -> Result<Option<ClaimedTask>> {
        self.with_connection(|connection| {
            leases::claim_next_task(connection, worker_id, lease_duration, max_concurrent)
        })
    }

    fn recover_expired_leases(&self) -> Result<Recovery> {
        self.with_connection(leases::recover_expired_leases)
    }

    fn renew_lease(
        &self,
        id: &TaskId,
        worker_id: &WorkerId,
        lease_duration: Duration,
    ) -> Result<LeaseRenewal> {
        self.with_connection(|connection| {
            leases::renew_lease(connection, id, worker_id, lease_duration)
        })
    }

    fn report_progress(
        &self,
        id: &TaskId,
        worker_id: &WorkerId,
        percent: f64,
        message: Option<&str>,
    ) -> Result<()> {
        if !(0.0..=100.0).contains(&percent) {
            return Err(QueueError::InvalidArgument(format!(
                "progress must be between 0 and 100, got {percent}"
            )));
        }
        self.with_connection(|connection| {
            leases::report_progress(connection, id, worker_id, percent, message)
        })
    }

    fn complete_task_with_models(
        &self,
        id: &TaskId,
        worker_id: &WorkerId,
        result: &Value,
        models: &[ModelRecord],
    ) -> Result<()> {
        self.with_connection(|connection| {
            leases::complete_task(connection, id, worker_id, result, models)
        })
    }

    fn fail_task(&self, id: &TaskId, worker_id: &WorkerId, error: &str) -> Result<()> {
        self.with_connection(|connection| leases::fail_task(connection, id, worker_id, error))
    }

    fn mark_cancelled(&self, id: &TaskId, worker_id: &WorkerId) -> Result<()> {
        self.with_connection(|connection| leases::mark_cancelled(connection, id, worker_id))
    }

    fn release_task(&self, id: &TaskId, worker_id: &WorkerId) -> Result<TaskState> {
        self.with_connection(|connection| leases::release_task(connection, id, worker_id))
    }

    fn append_log(&self, id: &TaskId, level: LogLevel, message: &str) -> Result<()> {
        self.with_connection(|connection| registry::append_log(connection, id, level, message))
    }

    fn task_logs(&self, id: &TaskId, tail: Option<u32>) -> Result<Vec<LogLine>> {
        self.with_connection(|connection| registry::task_logs(connection, id, tail))
    }

    fn register_worker(&self, worker: &WorkerInfo) -> Result<()> {
        self.with_connection(|connection| registry::register_worker(connection, worker))
    }

    fn worker_heartbeat(&self, worker_id: &WorkerId) -> Result<()> {
        self.with_connection(|connection| registry::worker_heartbeat(connection, worker_id))
    }

    fn unregister_worker(&self, worker_id: &WorkerId) -> Result<()> {
        self.with_connection(|connection| registry::unregister_worker(connection, worker_id))
    }

    fn live_workers(&self, within: Duration) -> Result<Vec<WorkerInfo>> {
        self.with_connection(|connection| registry::live_workers(connection, within))
    }

    fn prune(&self, older_than: Duration) -> Result<PruneReport> {
        self.with_connection(|connection| tasks::prune(connection, older_than))
    }

    fn register_model(&self, model: &ModelRecord) -> Result<()> {
        self.with_connection(|connection| registry::register_model(connection, model))
    }

    fn get_model(&self, id: &ModelId) -> Result<ModelRecord> {
        let record = self.with_connection(|connection| registry::get_model(connection, id))?;
        Ok(self.placed(record))
    }

    fn list_models(&self, user_id: &str) -> Result<Vec<ModelRecord>> {
        let records =
            self.with_connection(|connection| registry::list_models(connection, user_id))?;
        Ok(records
            .into_iter()
            .map(|record| self.placed(record))
            .collect())
    }

    fn delete_model(&self, id: &ModelId) -> Result<()> {
        self.with_connection(|connection| registry::delete_model(connection, id))
    }
}
