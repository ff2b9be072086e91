//! `svmq worker`: runs queued training tasks until SIGINT or SIGTERM, then stops its
//! trainings and gives their tasks back to the queue.

use crate::settings::open_store;
use crate::Failure;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use svmq_queue::{Shutdown, Worker, WorkerConfig, DEFAULT_MAX_CONCURRENT};
use svmq_service::runner::TrainingRunner;

/// `lease_seconds`: how long a claim lasts without a heartbeat (renewed every third of
/// it), hence how soon the tasks of a worker that died are run again.
pub fn run(home: &Path, max_concurrent: Option<u32>, lease_seconds: u64) -> Result<(), Failure> {
    // A usage mistake (exit 2), not a failure of the worker.
    if max_concurrent == Some(0) {
        return Err(Failure::Usage(
            "--max-concurrent must be at least 1".to_string(),
        ));
    }
    let store = open_store(home)?;
    let runner = Arc::new(TrainingRunner {
        store: store.clone(),
        home: home.to_path_buf(),
    });
    let config = WorkerConfig {
        max_concurrent: max_concurrent.unwrap_or(DEFAULT_MAX_CONCURRENT),
        global_max_concurrent: max_concurrent.unwrap_or(DEFAULT_MAX_CONCURRENT),
        lease_duration: Duration::from_secs(lease_seconds),
        hostname: hostname(),
        ..WorkerConfig::default()
    };
    let worker = Worker::new(store, runner, config)?;
    let shutdown = Shutdown::new();
    let trigger = shutdown.clone();
    ctrlc::set_handler(move || trigger.trigger())
        .map_err(|error| anyhow::anyhow!("cannot handle signals: {error}"))?;
    tracing::info!(worker = %worker.id(), "worker started");
    eprintln!("worker {} started; Ctrl-C stops it", worker.id());
    let report = worker.run(&shutdown)?;
    eprintln!("worker stopped: {report:?}");
    Ok(())
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|name| name.trim().to_string())
        .unwrap_or_else(|_| "localhost".to_string())
}
