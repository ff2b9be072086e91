//! The shared store: one PostgreSQL database (one schema in it) used by every svmq
//! process on every machine.
//!
//! What differs from the embedded store, and why:
//! - Claims lock the next queued row with `FOR UPDATE SKIP LOCKED` and run under a
//!   transaction-scoped advisory lock, so the count of running tasks that the global
//!   `max_concurrent` is checked against cannot change under a claim: two workers on two
//!   machines never both take the last slot.
//! - Timestamps come from the database clock (`now_ms()`), so leases expire the same for
//!   every machine whatever their own clocks say.
//! - State changes that can give a worker something to do (a submit, a freed slot, a
//!   cancel) send a `NOTIFY` on the schema's channel; [`Store::subscribe_wake_ups`]
//!   listens on its own connection. Workers still poll, so a lost notification only
//!   delays them.
//! - Model files are stored in the database in chunks when a model is registered, and
//!   copied into the node's home (`<home>/models/<model_id>/`) the first time the node
//!   looks the model up: a model trained on one machine is predictable on every other.
//! - Connections come from a small pool. A broken one is dropped; new ones are opened
//!   with an exponential backoff, and while the database is unreachable every call fails
//!   fast with [`QueueError::Unavailable`] (the worker retries; a command reports it).
//!
//! The sync `postgres` client drives its own runtime and must not be called from inside
//! a tokio runtime: calls made from a thread that has one are run on a scoped thread.

mod leases;
mod listener;
mod registry;
mod rows;
mod schema;
mod tasks;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::{Client, Config, NoTls};
use serde_json::Value;

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

pub use schema::CURRENT_VERSION as POSTGRES_SCHEMA_VERSION;

/// The schema svmq's tables live in unless told otherwise.
pub const DEFAULT_SCHEMA: &str = "svmq";

/// How the PostgreSQL store is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The schema holding svmq's tables (created if missing): lowercase letters, digits
    /// and underscores. Separate schemas are separate queues.
    pub schema: String,
    /// This node's home: models looked up here are cached in `<home>/models/`. Without
    /// one, model files stay in the database only.
    pub cache_home: Option<PathBuf>,
    /// How long opening a connection may take.
    pub connect_timeout: Duration,
    /// Shown in `pg_stat_activity`.
    pub application_name: String,
    /// Idle connections kept open for reuse.
    pub idle_connections: usize,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: DEFAULT_SCHEMA.to_string(),
            cache_home: None,
            connect_timeout: Duration::from_secs(5),
            application_name: "svmq".to_string(),
            idle_connections: 4,
        }
    }
}

/// Longest wait between two attempts to reach an unreachable database.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(5);
const FIRST_RECONNECT_DELAY: Duration = Duration::from_millis(100);

/// When the next connection attempt may be made after failures.
#[derive(Debug, Default)]
struct Backoff {
    failures: u32,
    not_before: Option<Instant>,
    last_error: String,
}

impl Backoff {
    fn delay(failures: u32) -> Duration {
        let factor = 1u32 << failures.saturating_sub(1).min(10);
        (FIRST_RECONNECT_DELAY * factor).min(MAX_RECONNECT_DELAY)
    }
}

/// Opens connections with the schema on the search path; keeps idle ones.
struct Connections {
    config: Config,
    schema: String,
    /// `host:port/database`, never the password: for messages.
    describe: String,
    idle_limit: usize,
    idle: Mutex<Vec<Client>>,
    backoff: Mutex<Backoff>,
}

impl Connections {
    fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
        mutex
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A new connection, unless the backoff after recent failures says wait.
    fn open(&self) -> Result<Client> {
        {
            let backoff = Self::lock(&self.backoff);
            if let Some(not_before) = backoff.not_before {
                let now = Instant::now();
                if now < not_before {
                    return Err(QueueError::Unavailable {
                        detail: format!(
                            "cannot connect to PostgreSQL at {}: {}; next attempt in {} ms",
                            self.describe,
                            backoff.last_error,
                            (not_before - now).as_millis()
                        ),
                    });
                }
            }
        }
        let connected = self.config.connect(NoTls).and_then(|mut client| {
            client.batch_execute(&format!("SET search_path TO \"{}\"", self.schema))?;
            Ok(client)
        });
        let mut backoff = Self::lock(&self.backoff);
        match connected {
            Ok(client) => {
                if backoff.failures > 0 {
                    tracing::info!(database = %self.describe, "reconnected to PostgreSQL");
                }
                *backoff = Backoff::default();
                Ok(client)
            }
            Err(error) => {
                // The client's message says "error connecting"; its source says why.
                let reason = match std::error::Error::source(&error) {
                    Some(source) => format!("{error}: {source}"),
                    None => error.to_string(),
                };
                backoff.failures += 1;
                backoff.not_before = Some(Instant::now() + Backoff::delay(backoff.failures));
                backoff.last_error = reason.clone();
                Err(QueueError::Unavailable {
                    detail: format!(
                        "cannot connect to PostgreSQL at {}: {reason}",
                        self.describe
                    ),
                })
            }
        }
    }

    fn checkout(&self) -> Result<Client> {
        let idle = Self::lock(&self.idle).pop();
        match idle {
            Some(client) if !client.is_closed() => Ok(client),
            _ => self.open(),
        }
    }

    fn checkin(&self, client: Client) {
        if client.is_closed() {
            return;
        }
        let mut idle = Self::lock(&self.idle);
        if idle.len() < self.idle_limit {
            idle.push(client);
        }
    }
}

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

/// Advisory lock keys and the notification channel, all derived from the schema so
/// that separate queues in one database never wait on each other.
#[derive(Debug, Clone)]
struct LockKeys {
    migrate: i64,
    claim: i64,
    submit: i64,
    channel: String,
}

impl LockKeys {
    fn new(schema: &str) -> Self {
        LockKeys {
            migrate: stable_key(&format!("svmq/migrate/{schema}")),
            claim: stable_key(&format!("svmq/claim/{schema}")),
            submit: stable_key(&format!("svmq/submit/{schema}")),
            channel: format!("svmq_{schema}"),
        }
    }
}

/// FNV-1a: the same 64-bit key in every process and every build.
fn stable_key(text: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash as i64
}

/// A schema name svmq accepts: it is written into SQL as an identifier.
fn validate_schema(schema: &str) -> Result<()> {
    let mut characters = schema.chars();
    let valid_start = characters
        .next()
        .is_some_and(|first| first.is_ascii_lowercase() || first == '_');
    let valid_rest = characters.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid_start && valid_rest && schema.len() <= 48 {
        Ok(())
    } else {
        Err(QueueError::InvalidArgument(format!(
            "the PostgreSQL schema name {schema:?} must be 1 to 48 lowercase letters, digits or underscores, not starting with a digit"
        )))
    }
}

/// `host:port/database` of a configuration, for messages (never the password).
fn describe(config: &Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|host| match host {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".to_string());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let database = config.get_dbname().or(config.get_user()).unwrap_or("");
    format!("{host}:{port}/{database}")
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
        let connections = Arc::new(Connections {
            describe: describe(&config),
            config,
            schema: options.schema.clone(),
            idle_limit: options.idle_connections.max(1),
            idle: Mutex::new(Vec::new()),
            backoff: Mutex::new(Backoff::default()),
        });
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

impl From<postgres::Error> for QueueError {
    fn from(error: postgres::Error) -> Self {
        let lost_connection = error.is_closed()
            || std::error::Error::source(&error)
                .is_some_and(|source| source.downcast_ref::<std::io::Error>().is_some());
        if lost_connection {
            return QueueError::Unavailable {
                detail: format!("the connection to PostgreSQL was lost: {error}"),
            };
        }
        match error.code() {
            Some(code)
                if *code == SqlState::T_R_SERIALIZATION_FAILURE
                    || *code == SqlState::T_R_DEADLOCK_DETECTED
                    || *code == SqlState::LOCK_NOT_AVAILABLE =>
            {
                QueueError::Busy
            }
            Some(code)
                if *code == SqlState::ADMIN_SHUTDOWN
                    || *code == SqlState::CRASH_SHUTDOWN
                    || *code == SqlState::CANNOT_CONNECT_NOW =>
            {
                QueueError::Unavailable {
                    detail: format!("PostgreSQL is shutting down or starting: {error}"),
                }
            }
            _ => QueueError::Store(Box::new(error)),
        }
    }
}

/// A duration as whole milliseconds, saturating.
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// A count read from the database (never negative) as `u64`.
fn to_count(value: i64) -> u64 {
    value.max(0) as u64
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
    fn schema_names_are_plain_identifiers() {
        assert!(validate_schema("svmq").is_ok());
        assert!(validate_schema("svmq_test_01").is_ok());
        assert!(validate_schema("").is_err());
        assert!(validate_schema("1abc").is_err());
        assert!(validate_schema("Upper").is_err());
        assert!(validate_schema("a\"; DROP TABLE x; --").is_err());
        assert!(validate_schema(&"a".repeat(49)).is_err());
    }

    #[test]
    fn lock_keys_are_stable_and_differ_per_schema() {
        assert_eq!(stable_key("svmq/claim/a"), stable_key("svmq/claim/a"));
        assert_ne!(LockKeys::new("a").claim, LockKeys::new("b").claim);
        assert_ne!(LockKeys::new("a").claim, LockKeys::new("a").submit);
    }

    #[test]
    fn reconnect_delay_doubles_up_to_its_cap() {
        assert_eq!(Backoff::delay(1), Duration::from_millis(100));
        assert_eq!(Backoff::delay(2), Duration::from_millis(200));
        assert_eq!(Backoff::delay(4), Duration::from_millis(800));
        assert_eq!(Backoff::delay(30), MAX_RECONNECT_DELAY);
    }

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
