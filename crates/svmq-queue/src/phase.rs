//! A task's phase: its lifecycle state together with the data that only that state
//! has. A queued task has no start time, a running one has a lease, a completed one a
//! result, a failed one an error, and each finished one the time it finished; the types
//! say so, so no reader has to guess which optional field is set when.
//!
//! What it does not do: decide transitions (the stores do, inside their transactions)
//! or read rows (see [`crate::stored`], which builds phases from both stores' columns).

use serde::Serialize;
use serde_json::Value;

use crate::clock::UnixMillis;
use crate::ids::WorkerId;
use crate::state::TaskState;

/// How far a task got, as its runner last said.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Progress {
    /// 0–100.
    pub percent: f64,
    /// The runner's last progress message.
    pub message: Option<String>,
}

/// The lease under which one worker runs a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lease {
    /// The worker holding it.
    pub owner: WorkerId,
    /// When it runs out unless renewed.
    pub expires_at: UnixMillis,
}

/// Where a task is in its lifecycle, with what that state carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TaskPhase {
    /// Waiting to be claimed. Its place in the queue changes with every claim, so it is
    /// computed when asked for (see [`crate::Store::queue_estimate`]), not stored.
    Queued,
    /// Claimed by a worker.
    Running {
        /// When this attempt started.
        started_at: UnixMillis,
        /// The lease its worker holds.
        lease: Lease,
        /// How far it got.
        progress: Progress,
    },
    /// Finished with a result (terminal).
    Completed {
        /// When its last attempt started.
        started_at: Option<UnixMillis>,
        /// When it finished.
        finished_at: UnixMillis,
        /// Its last progress.
        progress: Progress,
        /// What its runner returned.
        result: Value,
    },
    /// Finished with an error, or out of attempts (terminal).
    Failed {
        /// When its last attempt started, if one did.
        started_at: Option<UnixMillis>,
        /// When it failed.
        finished_at: UnixMillis,
        /// Its progress when it failed.
        progress: Progress,
        /// Why it failed.
        error: String,
    },
    /// Cancelled at a user's request (terminal).
    Cancelled {
        /// When its last attempt started, if one did before the cancel.
        started_at: Option<UnixMillis>,
        /// When it was cancelled (or its run stopped).
        finished_at: UnixMillis,
        /// Its progress when it stopped.
        progress: Progress,
    },
}

impl TaskPhase {
    /// The bare state.
    pub fn state(&self) -> TaskState {
        match self {
            TaskPhase::Queued => TaskState::Queued,
            TaskPhase::Running { .. } => TaskState::Running,
            TaskPhase::Completed { .. } => TaskState::Completed,
            TaskPhase::Failed { .. } => TaskState::Failed,
            TaskPhase::Cancelled { .. } => TaskState::Cancelled,
        }
    }

    /// How far it got; nothing while queued.
    pub fn progress(&self) -> Option<&Progress> {
        match self {
            TaskPhase::Queued => None,
            TaskPhase::Running { progress, .. }
            | TaskPhase::Completed { progress, .. }
            | TaskPhase::Failed { progress, .. }
            | TaskPhase::Cancelled { progress, .. } => Some(progress),
        }
    }

    /// Percent done, 0–100; 0 while queued.
    pub fn percent(&self) -> f64 {
        self.progress().map_or(0.0, |progress| progress.percent)
    }

    /// When its current or last attempt started.
    pub fn started_at(&self) -> Option<UnixMillis> {
        match self {
            TaskPhase::Queued => None,
            TaskPhase::Running { started_at, .. } => Some(*started_at),
            TaskPhase::Completed { started_at, .. }
            | TaskPhase::Failed { started_at, .. }
            | TaskPhase::Cancelled { started_at, .. } => *started_at,
        }
    }

    /// When it reached its terminal state; `None` while queued or running.
    pub fn finished_at(&self) -> Option<UnixMillis> {
        match self {
            TaskPhase::Queued | TaskPhase::Running { .. } => None,
            TaskPhase::Completed { finished_at, .. }
            | TaskPhase::Failed { finished_at, .. }
            | TaskPhase::Cancelled { finished_at, .. } => Some(*finished_at),
        }
    }

    /// The lease of a running task.
    pub fn lease(&self) -> Option<&Lease> {
        match self {
            TaskPhase::Running { lease, .. } => Some(lease),
            _ => None,
        }
    }

    /// The result of a completed task.
    pub fn result(&self) -> Option<&Value> {
        match self {
            TaskPhase::Completed { result, .. } => Some(result),
            _ => None,
        }
    }

    /// The error of a failed task.
    pub fn error(&self) -> Option<&str> {
        match self {
            TaskPhase::Failed { error, .. } => Some(error),
            _ => None,
        }
    }
}
