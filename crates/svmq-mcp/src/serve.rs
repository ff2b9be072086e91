//! Running the server: the local worker on its own thread (so that queued tasks run
//! in this process) and the MCP session over stdio or streamable HTTP. The worker is
//! stopped, and its running tasks given back to the queue, when the session ends
//! (stdio) or the shutdown is triggered (HTTP).

use crate::error::ServeError;
use crate::http::{serve_http, HttpSettings};
use crate::server::SvmqServer;
use crate::settings::Settings;
use rmcp::ServiceExt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use svmq_queue::{open_store, Shutdown, Store, Worker, WorkerConfig};
use svmq_service::runner::TrainingRunner;

/// The worker this process runs, on its own thread.
pub struct LocalWorker {
    shutdown: Shutdown,
    thread: JoinHandle<()>,
}

impl LocalWorker {
    /// Starts a worker with `settings.workers` run slots; `None` when that is 0.
    pub fn start(
        store: Arc<dyn Store>,
        settings: &Settings,
    ) -> Result<Option<LocalWorker>, ServeError> {
        if settings.workers == 0 {
            return Ok(None);
        }
        let runner = Arc::new(TrainingRunner {
            store: Arc::clone(&store),
            home: settings.home.clone(),
            limits: settings.limits.clone(),
        });
        let config = WorkerConfig {
            max_concurrent: settings.workers,
            global_max_concurrent: settings.max_concurrent_tasks,
            lease_duration: settings.lease_duration,
            hostname: settings.hostname.clone(),
            ..WorkerConfig::default()
        };
        let worker = Worker::new(store, runner, config)?;
        let shutdown = Shutdown::new();
        let stop = shutdown.clone();
        let thread = std::thread::Builder::new()
            .name("svmq-worker".into())
            .spawn(move || run_until_stopped(&worker, &stop))
            .map_err(ServeError::Runtime)?;
        Ok(Some(LocalWorker { shutdown, thread }))
    }

    /// Stops its trainings, gives their tasks back, and waits for the thread.
    pub fn stop(self) {
        self.shutdown.trigger();
        if self.thread.join().is_err() {
            tracing::error!("the local worker thread panicked");
        }
    }
}

/// Runs the worker until `stop`; a worker that fails to start (its store unreachable)
/// is started again after a pause, so the server never sits without the worker it
/// reports. Panics inside the worker are handled by [`Worker::run`] itself.
fn run_until_stopped(worker: &Worker, stop: &Shutdown) {
    loop {
        match worker.run(stop) {
            Ok(report) => {
                tracing::info!(?report, "local worker stopped");
                return;
            }
            Err(error) => tracing::error!(%error, "local worker failed; starting it again"),
        }
        for _ in 0..20 {
            if stop.is_triggered() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Serves MCP on stdin/stdout until the client closes the session.
pub fn run_stdio(settings: &Settings) -> Result<(), ServeError> {
    let store = open_store(&settings.home, settings.database_url.as_deref())?;
    let server = SvmqServer::new(Arc::clone(&store), settings)?;
    let runtime = runtime()?;
    let worker = LocalWorker::start(store, settings)?;
    tracing::info!(
        workers = settings.workers,
        data_roots = ?settings.data_roots,
        "svmq MCP server listening on stdio"
    );
    let session = runtime.block_on(async {
        let running = server
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|error| ServeError::Session(error.to_string()))?;
        running
            .waiting()
            .await
            .map_err(|error| ServeError::Session(error.to_string()))?;
        Ok(())
    });
    if let Some(worker) = worker {
        worker.stop();
    }
    session
}

fn runtime() -> Result<tokio::runtime::Runtime, ServeError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)
}

/// Serves MCP over streamable HTTP at `http://ADDRESS/mcp` until `shutdown` is
/// triggered; `on_listening` receives the bound address (useful with port 0).
pub fn run_http(
    settings: &Settings,
    http: &HttpSettings,
    shutdown: &Shutdown,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    http.check()?;
    let store = open_store(&settings.home, settings.database_url.as_deref())?;
    let server = SvmqServer::new(Arc::clone(&store), settings)?;
    let runtime = runtime()?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(http.address))
        .map_err(|error| {
            ServeError::Config(format!("cannot listen on {}: {error}", http.address))
        })?;
    let address = listener.local_addr().map_err(ServeError::Runtime)?;
    let worker = LocalWorker::start(store, settings)?;
    tracing::info!(%address, workers = settings.workers, "svmq MCP server listening on HTTP");
    on_listening(address);
    let served = runtime.block_on(async {
        let token = tokio_util::sync::CancellationToken::new();
        // The shutdown value is set from a signal handler; bridge it to the token.
        let stop = token.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            while !shutdown.is_triggered() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            stop.cancel();
        });
        serve_http(listener, server, http, token).await
    });
    if let Some(worker) = worker {
        worker.stop();
    }
    served.map_err(|error| ServeError::Session(error.to_string()))
}
