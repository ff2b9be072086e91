//! Turning text into ids and task states, refusing anything else with a
//! [`QueueError`] that says what was expected.
//!
//! Text comes from users, request fields and rows read back from a store, so every
//! id and state passes through here (or through serde, which calls `TryFrom<String>`).
//! The types themselves are in [`crate::ids`] and [`crate::state`]; the parsing is kept
//! apart because [`QueueError`] names those types, and they must not name it back.

use crate::error::{QueueError, Result};
use crate::ids::{ModelId, TaskId, WorkerId};
use crate::state::TaskState;

macro_rules! parse_id {
    ($name:ident, $kind:literal) => {
        impl $name {
            /// Validates a user-supplied id (32 lowercase hex characters).
            pub fn parse(value: &str) -> Result<Self> {
                Self::checked(value).ok_or_else(|| QueueError::MalformedId {
                    kind: $kind,
                    value: value.chars().take(64).collect(),
                })
            }
        }

        impl TryFrom<String> for $name {
            type Error = QueueError;
            fn try_from(value: String) -> Result<Self> {
                Self::parse(&value)
            }
        }

        impl std::str::FromStr for $name {
            type Err = QueueError;
            fn from_str(value: &str) -> Result<Self> {
                Self::parse(value)
            }
        }
    };
}

parse_id!(TaskId, "task");
parse_id!(ModelId, "model");
parse_id!(WorkerId, "worker");

impl TaskState {
    /// Parses a state name as written by [`TaskState::as_str`].
    pub fn parse(name: &str) -> Result<Self> {
        TaskState::ALL
            .into_iter()
            .find(|state| state.as_str() == name)
            .ok_or_else(|| {
                QueueError::InvalidArgument(format!(
                    "unknown task state {name:?}; expected one of queued, running, completed, failed, cancelled"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_valid_and_distinct() {
        let first = TaskId::generate();
        let second = TaskId::generate();
        assert_ne!(first, second);
        assert_eq!(TaskId::parse(first.as_str()).unwrap(), first);
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in [
            "",
            "../etc/passwd",
            "0123456789abcdef0123456789abcdeF",
            "0123456789abcdef0123456789abcde",
            "0123456789abcdef0123456789abcdef0",
            "g123456789abcdef0123456789abcdef",
        ] {
            assert!(
                matches!(TaskId::parse(bad), Err(QueueError::MalformedId { .. })),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn ids_round_trip_through_json_and_refuse_bad_input() {
        let id = ModelId::generate();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<ModelId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<ModelId>("\"not-an-id\"").is_err());
    }
}
