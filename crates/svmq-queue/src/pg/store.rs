//! [`PostgresStore`]: the [`Store`] trait over a pool of PostgreSQL connections. Each
//! method takes a connection and hands it to the query module of its concept
//! ([`super::tasks`], [`super::leases`], [`super::registry`]); how the shared store
//! differs from the embedded one is described in [`super`].
//!
//! What it does not do: write SQL itself, apart from the migration call on connecting.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use postgres::{Client, Config};
use serde_json::Value;

use super::connection::{validate_schema, Connections, PostgresOptions};
use super::locks::LockKeys;
use super::{leases, listener, registry, schema, tasks};
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
use crate::wakeup::{WakeUp, WakeUpSubscription};

/// The PostgreSQL implementation of [`Store`].
pub struct PostgresStore {
    connections: Arc<Connections>,
    keys: LockKeys,
    cache_home: Option<PathBuf>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PostgresStore")
            .field("database", &self.connections.describe)
            .field("schema", &self.connections.schema)
            .finish()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/database`) and
    /// brings the schema up to date. Several processes may do this at once: migrations
    /// run under an advisory lock, one process at a time.
    pub fn connect(url: &str, options: PostgresOptions) -> Result<Self> {
        validate_schema(&options.schema)?;
        let mut config: Config = url.parse().map_err(|error| {
            QueueError::InvalidArgument(format!(
                "the database URL is not a valid PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE): {error}"
            ))
        })?;
        config.connect_timeout(options.connect_timeout);
        config.application_name(&options.application_name);
        config.keepalives_idle(Duration::from_secs(10));
        let connections = Arc::new(Connections::new(
            config,
            options.schema.clone(),
            options.idle_connections,
        ));
        let store = PostgresStore {
            connections,
            keys: LockKeys::new(&options.schema),
            cache_home: options.cache_home,
        };
        let keys = store.keys.clone();
        let schema_name = options.schema;
        store.with_client(move |client| schema::migrate(client, &schema_name, keys.migrate))?;
        Ok(store)
    }

    /// The schema holding this store's tables.
    pub fn schema(&self) -> &str {
        &self.connections.schema
    }

    /// Runs `operation` on a pooled connection. From a thread inside a tokio runtime
    /// (where the sync client would panic) it runs on a scoped thread instead.
    fn with_client<T: Send>(
        &self,
        operation: impl FnOnce(&mut Client) -> Result<T> + Send,
    ) -> Result<T> {
        let run = || {
            let mut client = self.connections.checkout()?;
            let result = operation(&mut client);
            self.connections.checkin(client);
            result
        };
        if inside_tokio_runtime() {
            std::thread::scope(|scope| {
                scope
                    .spawn(run)
                    .join()
                    .unwrap_or_else(|_| Err(QueueError::Store("a PostgreSQL call panicked".into())))
            })
        } else {
            run()
        }
    }

    fn cache_dir(&self, id: &ModelId) -> Option<PathBuf> {
        self.cache_home
            .as_deref()
            .map(|home| crate::artifacts::model_dir(home, id))
    }
}

fn inside_tokio_runtime() -> bool {
    tokio::runtime::Handle::try_current().is_ok()
}

impl Store for PostgresStore {
    fn submit(&self, task: &NewTask, limits: &SubmitLimits) -> Result<Submission> {
        task.validate()?;
        let keys = &self.keys;
        self.with_client(|client| tasks::submit(client, keys, task, limits))
    }

    fn get_task(&self, id: &TaskId) -> Result<TaskRecord> {
        self.with_client(|client| tasks::get_task(client, id))
    }

    fn list_tasks(&self, filter: &TaskFilter) -> Result<TaskPage> {
        self.with_client(|client| tasks::list_tasks(client, filter))
    }

    fn queue_counts(&self) -> Result<QueueCounts> {
        self.with_client(tasks::queue_counts)
    }

    fn queue_estimate(&self, id: &TaskId, max_concurrent: u32) -> Result<Option<QueueEstimate>> {
        self.with_client(|client| tasks::queue_estimate(client, id, max_concurrent))
    }

    fn cancel_task(&self, id: &TaskId) -> Result<CancelOutcome> {
        let keys = &self.keys;
        self.with_client(|client| tasks::cancel_task(client, keys, id))
    }

    fn is_cancel_requested(&self, id: &TaskId) -> Result<bool> {
        self.with_client(|client| tasks::is_cancel_requested(client, id))
    }

    fn claim_next_task(
        &self,
        worker_id: &WorkerId,
        lease_duration: Duration,
        max_concurrent: u32,
    ) -> Result<Option<ClaimedTask>> {
        let keys = &self.keys;
        self.with_client(|client| {
            leases::claim_next_task(client, keys, worker_id, lease_duration, max_concurrent)
        })
    }

    fn recover_expired_leases(&self) -> Result<Recovery> {
        let keys = &self.keys;
        self.with_client(|client| leases::recover_expired_leases(client, keys))
    }

    fn renew_lease(
        &self,
        id: &TaskId,
        worker_id: &WorkerId,
        lease_duration: Duration,
    ) -> Result<LeaseRenewal> {
        self.with_client(|client| leases::renew_lease(client, id, worker_id, lease_duration))
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
        self.with_client(|client| leases::report_progress(client, id, worker_id, percent, message))
    }

    fn complete_task_with_models(
        &self,
        id: &TaskId,
        worker_id: &WorkerId,
        result: &Value,
        models: &[ModelRecord],
    ) -> Result<()> {
        // Read before the transaction: file I/O never holds a connection busy.
        let files = models
            .iter()
            .map(|model| registry::read_model_files(&model.path))
            .collect::<Result<Vec<_>>>()?;
        let keys = &self.keys;
        self.with_client(|client| {
            leases::complete_task(client, keys, id, worker_id, result, models, &files)
        })
    }

    fn fail_task(&self, id: &TaskId, worker_id: &WorkerId, error: &str) -> Result<()> {
        let keys = &self.keys;
        self.with_client(|client| leases::fail_task(client, keys, id, worker_id, error))
    }

    fn mark_cancelled(&self, id: &TaskId, worker_id: &WorkerId) -> Result<()> {
        let keys = &self.keys;
        self.with_client(|client| leases::mark_cancelled(client, keys, id, worker_id))
    }

    fn release_task(&self, id: &TaskId, worker_id: &WorkerId) -> Result<TaskState> {
        let keys = &self.keys;
        self.with_client(|client| leases::release_task(client, keys, id, worker_id))
    }

    fn append_log(&self, id: &TaskId, level: LogLevel, message: &str) -> Result<()> {
        self.with_client(|client| registry::append_log(client, id, level, message))
    }

    fn task_logs(&self, id: &TaskId, tail: Option<u32>) -> Result<Vec<LogLine>> {
        self.with_client(|client| registry::task_logs(client, id, tail))
    }

    fn register_worker(&self, worker: &WorkerInfo) -> Result<()> {
        self.with_client(|client| registry::register_worker(client, worker))
    }

    fn worker_heartbeat(&self, worker_id: &WorkerId) -> Result<()> {
        self.with_client(|client| registry::worker_heartbeat(client, worker_id))
    }

    fn unregister_worker(&self, worker_id: &WorkerId) -> Result<()> {
        self.with_client(|client| registry::unregister_worker(client, worker_id))
    }

    fn live_workers(&self, within: Duration) -> Result<Vec<WorkerInfo>> {
        self.with_client(|client| registry::live_workers(client, within))
    }

    fn prune(&self, older_than: Duration) -> Result<PruneReport> {
        self.with_client(|client| tasks::prune(client, older_than))
    }

    fn register_model(&self, model: &ModelRecord) -> Result<()> {
        // Read before the transaction: file I/O never holds a connection busy.
        let files = registry::read_model_files(&model.path)?;
        self.with_client(|client| registry::register_model(client, model, &files))
    }

    fn get_model(&self, id: &ModelId) -> Result<ModelRecord> {
        let mut record = self.with_client(|client| registry::get_model(client, id))?;
        if let Some(cache) = self.cache_dir(id) {
            if !cache.exists() {
                let files = self.with_client(|client| registry::model_files(client, id))?;
                registry::materialize(
                    self.cache_home.as_deref().unwrap_or(Path::new(".")),
                    &cache,
                    &files,
                )?;
            }
            record.path = cache;
        }
        Ok(record)
    }

    fn list_models(&self, user_id: &str) -> Result<Vec<ModelRecord>> {
        let mut models = self.with_client(|client| registry::list_models(client, user_id))?;
        for model in &mut models {
            if let Some(cache) = self.cache_dir(&model.model_id) {
                model.path = cache;
            }
        }
        Ok(models)
    }

    fn delete_model(&self, id: &ModelId) -> Result<()> {
        self.with_client(|client| registry::delete_model(client, id))
    }

    fn subscribe_wake_ups(&self, wake: WakeUp) -> Result<Option<WakeUpSubscription>> {
        Ok(Some(listener::spawn(
            Arc::clone(&self.connections),
            self.keys.channel.clone(),
            wake,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_url_is_refused_without_connecting() {
        let error =
            PostgresStore::connect("not a url at all ::", PostgresOptions::default()).unwrap_err();
        assert!(matches!(error, QueueError::InvalidArgument(_)), "{error:?}");
    }

    #[test]
    fn an_unreachable_server_is_reported_as_unavailable() {
        // Port 1 on the loopback refuses connections at once.
        let error = PostgresStore::connect(
            "postgres://svmq@127.0.0.1:1/nothing",
            PostgresOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(error, QueueError::Unavailable { .. }), "{error:?}");
        assert!(error.to_string().contains("127.0.0.1:1/nothing"), "{error}");
    }
}
