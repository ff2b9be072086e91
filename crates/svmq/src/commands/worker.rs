//! `svmq worker`: runs queued training tasks until SIGINT or SIGTERM, then stops its
//! trainings and gives their tasks back to the queue.

use crate::config::Config;
use crate::settings::open_store;
use crate::Failure;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use svmq_queue::{Shutdown, Worker, WorkerConfig};
use svmq_service::runner::TrainingRunner;

/// How often finished tasks past their retention are pruned.
const PRUNE_INTERVAL: Duration = Duration::from_secs(3600);

/// `lease_seconds`: how long a claim lasts without a heartbeat (renewed every third of
/// it), hence how soon the tasks of a worker that died are run again.
/// `retention_days`: finished tasks and their logs older than this are deleted (0 keeps
/// them forever); models are kept.
pub fn run(
    home: &Path,
    config: &Config,
    max_concurrent: u32,
    lease_seconds: u64,
    retention_days: u64,
) -> Result<(), Failure> {
    // A usage mistake (exit 2), not a failure of the worker.
    if max_concurrent == 0 {
        return Err(Failure::Usage(
            "--max-concurrent must be at least 1".to_string(),
        ));
    }
    let store = open_store(home)?;
    let runner = Arc::new(TrainingRunner {
        store: store.clone(),
        home: home.to_path_buf(),
        limits: config.limits(),
    });
    let config = WorkerConfig {
        max_concurrent,
        global_max_concurrent: max_concurrent,
        lease_duration: Duration::from_secs(lease_seconds),
        hostname: hostname(),
        ..WorkerConfig::default()
    };
    let worker = Worker::new(store.clone(), runner, config)?;
    let shutdown = Shutdown::new();
    let trigger = shutdown.clone();
    ctrlc::set_handler(move || trigger.trigger())
        .map_err(|error| anyhow::anyhow!("cannot handle signals: {error}"))?;
    crate::announce(&format!("worker {} started; Ctrl-C stops it", worker.id()));
    let pruner = (retention_days > 0).then(|| {
        let (store, shutdown) = (store.clone(), shutdown.clone());
        std::thread::spawn(move || prune_until_shutdown(store.as_ref(), retention_days, &shutdown))
    });
    let report = worker.run(&shutdown)?;
    shutdown.trigger();
    if let Some(pruner) = pruner {
        let _ = pruner.join();
    }
    crate::announce(&format!("worker stopped: {report:?}"));
    Ok(())
}

/// Prunes finished tasks older than the retention now and then every hour, until the
/// worker shuts down.
fn prune_until_shutdown(store: &dyn svmq_queue::Store, retention_days: u64, shutdown: &Shutdown) {
    let retention = Duration::from_secs(retention_days.saturating_mul(86_400));
    let mut next = std::time::Instant::now();
    while !shutdown.is_triggered() {
        if std::time::Instant::now() >= next {
            match store.prune(retention) {
                Ok(report) if report.tasks > 0 => {
                    tracing::info!(
                        tasks = report.tasks,
                        log_lines = report.log_lines,
                        "pruned finished tasks"
                    )
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "pruning finished tasks failed"),
            }
            next += PRUNE_INTERVAL;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|name| name.trim().to_string())
        .unwrap_or_else(|_| "localhost".to_string())
}
