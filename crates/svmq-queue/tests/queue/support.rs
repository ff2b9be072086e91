//! Test helpers: a temporary store per test (an SQLite file in its own home, or a
//! PostgreSQL schema of its own), a temporary home, a fake runner that sleeps in small
//! steps, a worker running on its own thread, and [`on_both_stores!`] which runs a test
//! against each store.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use svmq_queue::{
    create_staging_dir, discard_staging_dir, move_model_into_place, now_millis, ClaimedTask,
    ModelId, NewModel, PostgresOptions, PostgresStore, RunOutcome, Shutdown, SqliteOptions,
    SqliteStore, Store, TaskContext, TaskId, TaskRunner, UnixMillis, Worker, WorkerConfig,
    WorkerReport,
};

/// The PostgreSQL server the tests use, when set.
pub const POSTGRES_URL_VARIABLE: &str = "SVMQ_TEST_POSTGRES_URL";

/// Which store a test runs against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    /// A PostgreSQL server's URL; each test makes a schema of its own there.
    Postgres(String),
}

impl Backend {
    /// The PostgreSQL backend when `SVMQ_TEST_POSTGRES_URL` is set. Otherwise the test
    /// is skipped with a printed line, or fails when `SVMQ_REQUIRE_ORACLES=1` (CI).
    pub fn postgres(test_name: &str) -> Option<Backend> {
        match std::env::var(POSTGRES_URL_VARIABLE) {
            Ok(url) if !url.trim().is_empty() => Some(Backend::Postgres(url)),
            _ => {
                assert!(
                    std::env::var("SVMQ_REQUIRE_ORACLES").as_deref() != Ok("1"),
                    "{POSTGRES_URL_VARIABLE} is not set and SVMQ_REQUIRE_ORACLES=1: {test_name} cannot run"
                );
                eprintln!(
                    "skipping: {test_name} on PostgreSQL ({POSTGRES_URL_VARIABLE} is not set)"
                );
                None
            }
        }
    }
}

/// Generates, for each named test function taking a [`Backend`], one `#[test]` per
/// store: `sqlite::NAME` always and `postgres::NAME` when a server is configured.
#[macro_export]
macro_rules! on_both_stores {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $test() {
                    super::$test($crate::support::Backend::Sqlite)
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $test() {
                    if let Some(backend) = $crate::support::Backend::postgres(stringify!($test)) {
                        super::$test(backend)
                    }
                }
            )*
        }
    };
}

/// A directory under the system temp dir, unique to one test, removed on drop.
pub struct TempHome {
    pub path: PathBuf,
}

impl TempHome {
    pub fn new(test_name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "svmq-queue-test-{test_name}-{}-{}",
            std::process::id(),
            ModelId::generate()
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempHome { path }
    }
}

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A store in a fresh home. `open_another` gives a second connection to the same
/// store, as another process would have; `open_node` one with another home, as another
/// machine would have.
pub struct TestStore {
    pub home: TempHome,
    pub store: Arc<dyn Store>,
    pub backend: Backend,
    /// The PostgreSQL schema of this test (dropped at the end).
    pub schema: Option<String>,
}

impl TestStore {
    pub fn new(backend: &Backend, test_name: &str) -> Self {
        let home = TempHome::new(test_name);
        let schema = match backend {
            Backend::Sqlite => None,
            Backend::Postgres(_) => Some(format!("svmq_test_{}", ModelId::generate())),
        };
        let store = open(backend, schema.as_deref(), &home.path, &home.path);
        TestStore {
            store,
            home,
            backend: backend.clone(),
            schema,
        }
    }

    pub fn open_another(&self) -> Arc<dyn Store> {
        self.open_node(&self.home.path)
    }

    /// The same store as seen from a node whose home is `home` (with SQLite, the
    /// store stays in this test's home: only PostgreSQL is shared across homes).
    pub fn open_node(&self, home: &Path) -> Arc<dyn Store> {
        open(&self.backend, self.schema.as_deref(), &self.home.path, home)
    }

    pub fn home(&self) -> &Path {
        &self.home.path
    }

    /// Runs SQL on the store behind the store's back (one `$1`/`?1`-free statement
    /// with text parameters written in); for tests that fake another process.
    pub fn execute_sql(&self, sql: &str) {
        match &self.backend {
            Backend::Sqlite => {
                rusqlite::Connection::open(self.home().join(svmq_queue::DATABASE_FILE_NAME))
                    .unwrap()
                    .execute_batch(sql)
                    .unwrap();
            }
            Backend::Postgres(url) => {
                let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
                let schema = self.schema.as_deref().unwrap();
                client
                    .batch_execute(&format!("SET search_path TO \"{schema}\"; {sql}"))
                    .unwrap();
            }
        }
    }
}

fn application_name(schema: Option<&str>) -> String {
    format!("svmq-test-{}", schema.unwrap_or(""))
}

fn open(
    backend: &Backend,
    schema: Option<&str>,
    store_home: &Path,
    node_home: &Path,
) -> Arc<dyn Store> {
    match backend {
        Backend::Sqlite => {
            Arc::new(SqliteStore::open_home(store_home, SqliteOptions::default()).unwrap())
        }
        Backend::Postgres(url) => Arc::new(
            PostgresStore::connect(
                url,
                PostgresOptions {
                    schema: schema.unwrap().to_string(),
                    cache_home: Some(node_home.to_path_buf()),
                    application_name: application_name(schema),
                    ..PostgresOptions::default()
                },
            )
            .unwrap(),
        ),
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let (Backend::Postgres(url), Some(schema)) = (&self.backend, &self.schema) {
            if let Ok(mut client) = postgres::Client::connect(url, postgres::NoTls) {
                let _ =
                    client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
            }
        }
    }
}

/// Polls `condition` every few milliseconds until it holds; panics after `limit`.
pub fn wait_until(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < limit, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A worker configuration with short intervals for tests. The lease is 5 s: long
/// enough that a heartbeat delayed by a loaded machine (commits are fsynced) never lets
/// it expire by accident, which would run a task twice; a test about expiry sets a
/// shorter one itself.
pub fn fast_config(max_concurrent: u32) -> WorkerConfig {
    WorkerConfig {
        max_concurrent,
        global_max_concurrent: max_concurrent,
        lease_duration: Duration::from_secs(5),
        poll_interval: Duration::from_millis(20),
        progress_interval: Duration::from_millis(50),
        hostname: "test".into(),
    }
}

/// What the fake runner saw of one run.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub task_id: TaskId,
    pub attempt: u32,
    pub saw_stop: bool,
    pub returned_at: UnixMillis,
}

/// A runner that sleeps `steps` × `step_ms` (from the payload), reports progress and a
/// log line, honours the stop flag (lingering `stop_delay_ms` before returning), and can
/// fail, panic or ignore the stop flag on request. With a home it writes a model
/// through a staging directory, as a real trainer would.
#[derive(Default)]
pub struct FakeRunner {
    pub home: Option<PathBuf>,
    running: AtomicUsize,
    max_running: AtomicUsize,
    pub runs: Mutex<Vec<RunRecord>>,
    stops_seen: AtomicUsize,
}

impl FakeRunner {
    pub fn new() -> Arc<Self> {
        Arc::new(FakeRunner::default())
    }

    /// Its models are moved into place and handed to the worker, which registers them.
    pub fn with_models(home: &Path) -> Arc<Self> {
        Arc::new(FakeRunner {
            home: Some(home.to_path_buf()),
            ..FakeRunner::default()
        })
    }

    /// Most runs ever in progress at the same time.
    pub fn max_running(&self) -> usize {
        self.max_running.load(Ordering::SeqCst)
    }

    pub fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    pub fn stops_seen(&self) -> usize {
        self.stops_seen.load(Ordering::SeqCst)
    }

    pub fn runs(&self) -> Vec<RunRecord> {
        self.runs.lock().unwrap().clone()
    }

    fn body(&self, task: &ClaimedTask, context: &TaskContext) -> (RunOutcome, bool) {
        let field = |name: &str| task.payload.get(name).and_then(Value::as_u64);
        let steps = field("steps").unwrap_or(5);
        let step = Duration::from_millis(field("step_ms").unwrap_or(5));
        let stop_delay = Duration::from_millis(field("stop_delay_ms").unwrap_or(0));
        let ignore_stop = task.payload.get("ignore_stop") == Some(&Value::Bool(true));
        if task.payload.get("panic") == Some(&Value::Bool(true)) {
            panic!("fake runner asked to panic");
        }
        let staging = self
            .home
            .as_ref()
            .map(|home| create_staging_dir(home).unwrap());
        for index in 0..steps {
            if context.should_stop() && !ignore_stop {
                self.stops_seen.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(stop_delay);
                if let Some(staging) = &staging {
                    discard_staging_dir(staging).unwrap();
                }
                return (RunOutcome::Stopped, true);
            }
            std::thread::sleep(step);
            if let Some(staging) = &staging {
                std::fs::write(staging.join(format!("part-{index}")), b"weights").unwrap();
            }
            let percent = (index + 1) as f64 * 100.0 / steps as f64;
            context.report_progress(percent, format!("step {}/{steps}", index + 1));
        }
        context.log(svmq_queue::LogLevel::Info, &format!("ran {steps} steps"));
        if let Some(message) = task.payload.get("fail").and_then(Value::as_str) {
            if let Some(staging) = &staging {
                discard_staging_dir(staging).unwrap();
            }
            return (RunOutcome::Failed(message.to_owned()), false);
        }
        let mut result = json!({ "steps": steps });
        let mut models = Vec::new();
        if let (Some(home), Some(staging)) = (&self.home, &staging) {
            // Moved into place only: the worker registers it with the completion.
            let model = move_model_into_place(
                home,
                staging,
                NewModel {
                    model_id: ModelId::generate(),
                    task_id: Some(task.id.clone()),
                    user_id: task.user_id.clone(),
                    metadata: json!({ "steps": steps }),
                },
            )
            .unwrap();
            result["model_id"] = json!(model.model_id);
            models.push(model);
        }
        (RunOutcome::Completed { result, models }, false)
    }
}

impl TaskRunner for FakeRunner {
    fn run(&self, task: &ClaimedTask, context: &TaskContext) -> RunOutcome {
        let now_running = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_running.fetch_max(now_running, Ordering::SeqCst);
        let (outcome, saw_stop) = self.body(task, context);
        self.running.fetch_sub(1, Ordering::SeqCst);
        self.runs.lock().unwrap().push(RunRecord {
            task_id: task.id.clone(),
            attempt: task.attempt,
            saw_stop,
            returned_at: now_millis(),
        });
        outcome
    }
}

/// A worker running on its own thread until `stop`.
pub struct RunningWorker {
    pub shutdown: Shutdown,
    thread: JoinHandle<svmq_queue::Result<WorkerReport>>,
}

impl RunningWorker {
    pub fn spawn(store: Arc<dyn Store>, runner: Arc<dyn TaskRunner>, config: WorkerConfig) -> Self {
        let worker = Worker::new(store, runner, config).unwrap();
        let shutdown = Shutdown::new();
        let signal = shutdown.clone();
        let thread = std::thread::spawn(move || worker.run(&signal));
        RunningWorker { shutdown, thread }
    }

    /// Triggers the shutdown and waits for the worker to return.
    pub fn stop(self) -> WorkerReport {
        self.shutdown.trigger();
        self.thread.join().unwrap().unwrap()
    }
}
