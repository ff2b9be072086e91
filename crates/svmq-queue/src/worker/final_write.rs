//! Writing how a task ended, and retrying that write while the store is unreachable.
//!
//! The final state is computed once ([`FinalWrite`]) so that a retry writes the same
//! thing. A write that the store refuses (the task is no longer this worker's) is
//! settled: nothing is written and the models are discarded, so a result is never
//! recorded twice.

use std::time::{Duration, Instant};

use super::config::{WorkerConfig, WorkerReport};
use crate::artifacts::remove_unregistered_model;
use crate::error::QueueError;
use crate::ids::{TaskId, WorkerId};
use crate::model::ModelRecord;
use crate::state::TaskState;
use crate::store::Store;

/// The final state a task is to be given, computed once so that a write that failed on
/// an unreachable store is retried unchanged.
#[derive(Debug, Clone)]
pub(super) enum FinalWrite {
    Complete(serde_json::Value, Vec<ModelRecord>),
    Cancel,
    Fail(String),
    Release,
}

impl FinalWrite {
    /// Removes the directories of models that will never be registered.
    pub(super) fn discard_models(&self) {
        if let FinalWrite::Complete(_, models) = self {
            models.iter().for_each(remove_unregistered_model);
        }
    }
}

/// Longest wait between two retries of a final write.
const MAX_WRITE_RETRY_DELAY: Duration = Duration::from_secs(5);

/// A final write that failed on an unreachable store and waits to be retried.
pub(super) struct PendingWrite {
    pub(super) id: TaskId,
    pub(super) write: FinalWrite,
    pub(super) failures: u32,
    pub(super) next_attempt: Instant,
    /// At shutdown, retries stop after this instant (the lease runs out anyway).
    pub(super) give_up_at: Option<Instant>,
}

impl PendingWrite {
    /// Tries a final write once. True when it is settled (written, or refused because
    /// the task is no longer this worker's); false when the store could not be reached
    /// and the write must be retried.
    pub(super) fn attempt(
        &mut self,
        store: &dyn Store,
        worker_id: &WorkerId,
        report: &mut WorkerReport,
    ) -> bool {
        let id = &self.id;
        let written = match &self.write {
            FinalWrite::Complete(result, models) => store
                .complete_task_with_models(id, worker_id, result, models)
                .map(|()| TaskState::Completed),
            FinalWrite::Cancel => store
                .mark_cancelled(id, worker_id)
                .map(|()| TaskState::Cancelled),
            FinalWrite::Fail(error) => store
                .fail_task(id, worker_id, error)
                .map(|()| TaskState::Failed),
            FinalWrite::Release => store.release_task(id, worker_id),
        };
        let state = match written {
            Ok(state) => state,
            Err(error @ (QueueError::Unavailable { .. } | QueueError::Busy)) => {
                self.failures += 1;
                let delay = (Duration::from_millis(100) * (1 << self.failures.min(6)))
                    .min(MAX_WRITE_RETRY_DELAY);
                self.next_attempt = Instant::now() + delay;
                tracing::warn!(task_id = %id, %error, retry_in_ms = delay.as_millis() as u64,
                    "could not record how the task ended; will retry");
                return false;
            }
            Err(error) => {
                report.lost += 1;
                tracing::error!(task_id = %id, %error, "could not record how the task ended");
                self.write.discard_models();
                return true;
            }
        };
        tracing::info!(task_id = %id, %state, "task finished");
        match state {
            TaskState::Completed => report.completed += 1,
            TaskState::Failed => report.failed += 1,
            TaskState::Cancelled => report.cancelled += 1,
            TaskState::Queued | TaskState::Running => report.released += 1,
        }
        true
    }
}

/// Retries the final writes that are due. At shutdown they are given up after one
/// lease duration: by then the lease has expired and the store's recovery applies.
pub(super) fn retry_pending_writes(
    pending: &mut Vec<PendingWrite>,
    draining: bool,
    store: &dyn Store,
    worker_id: &WorkerId,
    config: &WorkerConfig,
    report: &mut WorkerReport,
) {
    let now = Instant::now();
    pending.retain_mut(|write| {
        if draining && write.give_up_at.is_none() {
            write.give_up_at = Some(now + config.lease_duration);
        }
        if write.give_up_at.is_some_and(|limit| now >= limit) {
            tracing::error!(task_id = %write.id,
                "gave up recording how the task ended; its lease will expire");
            report.lost += 1;
            write.write.discard_models();
            return false;
        }
        if now < write.next_attempt {
            return true;
        }
        !write.attempt(store, worker_id, report)
    });
}
