//! The lifecycle of a task: its five states and which of them are final.
//!
//! What it does not do: move a task between states; the store implementations do,
//! inside their transactions. Parsing a state name is in [`crate::parse`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a task is in its lifecycle: `queued → running → completed | failed | cancelled`.
/// The last three are terminal: a task in one of them never changes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Waiting to be claimed.
    Queued,
    /// Claimed by a worker that holds its lease.
    Running,
    /// Finished with a result (terminal).
    Completed,
    /// Finished with an error, or out of attempts (terminal).
    Failed,
    /// Cancelled at a user's request (terminal).
    Cancelled,
}

impl TaskState {
    /// Every state, in lifecycle order.
    pub const ALL: [TaskState; 5] = [
        TaskState::Queued,
        TaskState::Running,
        TaskState::Completed,
        TaskState::Failed,
        TaskState::Cancelled,
    ];

    /// The name stored in the database and shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Queued => "queued",
            TaskState::Running => "running",
            TaskState::Completed => "completed",
            TaskState::Failed => "failed",
            TaskState::Cancelled => "cancelled",
        }
    }

    /// True for `completed`, `failed` and `cancelled`, which never change again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskState::Completed | TaskState::Failed | TaskState::Cancelled
        )
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}
