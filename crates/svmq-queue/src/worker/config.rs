//! What a worker is told ([`WorkerConfig`], checked once by `Worker::new`) and what it
//! tells back when it stops ([`WorkerReport`]).

use std::time::Duration;

use crate::error::{QueueError, Result};
use crate::task::DEFAULT_MAX_CONCURRENT;

/// How a worker runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerConfig {
    /// Runner threads of this worker.
    pub max_concurrent: u32,
    /// Running tasks allowed across every worker sharing the store.
    pub global_max_concurrent: u32,
    /// How long a claim or heartbeat keeps a task; renewed every third of it.
    pub lease_duration: Duration,
    /// How often the loop looks for work, cancel requests and timeouts.
    pub poll_interval: Duration,
    /// Least time between two progress writes of one task.
    pub progress_interval: Duration,
    /// Shown in the workers table.
    pub hostname: String,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            max_concurrent: DEFAULT_MAX_CONCURRENT,
            global_max_concurrent: DEFAULT_MAX_CONCURRENT,
            lease_duration: Duration::from_secs(30),
            poll_interval: Duration::from_millis(200),
            progress_interval: Duration::from_secs(1),
            hostname: String::from("localhost"),
        }
    }
}

impl WorkerConfig {
    pub(super) fn validate(&self) -> Result<()> {
        if self.max_concurrent == 0 || self.global_max_concurrent == 0 {
            return Err(QueueError::InvalidArgument(
                "max_concurrent must be at least 1".into(),
            ));
        }
        if self.lease_duration < Duration::from_millis(30) {
            return Err(QueueError::InvalidArgument(
                "the lease must last at least 30 ms".into(),
            ));
        }
        // Cancel must reach a running task within a second.
        if self.poll_interval.is_zero() || self.poll_interval > Duration::from_millis(500) {
            return Err(QueueError::InvalidArgument(
                "the poll interval must be between 1 ms and 500 ms".into(),
            ));
        }
        Ok(())
    }
}

/// How many tasks a worker run finished, by how they ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerReport {
    /// Tasks completed.
    pub completed: u64,
    /// Tasks failed (including timed out).
    pub failed: u64,
    /// Tasks cancelled.
    pub cancelled: u64,
    /// Given back to the queue at shutdown.
    pub released: u64,
    /// Lost to another worker after this one failed to renew the lease in time.
    pub lost: u64,
}
