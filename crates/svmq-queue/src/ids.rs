//! Validated identifiers: task, model and worker ids.
//!
//! Task and model ids are random 128-bit values written as 32 lowercase hex characters.
//! They are validated on every way in (`parse`), so an id can never be a path or SQL.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{QueueError, Result};

/// Number of hex characters in a 128-bit id.
const HEX_ID_LEN: usize = 32;

/// 16 random bytes from the operating system, as 32 lowercase hex characters.
fn random_hex_id() -> String {
    let mut bytes = [0u8; 16];
    // The OS random source failing is not recoverable and does not happen on supported
    // systems; an id that is not random would break uniqueness silently, so stop here.
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn is_hex_id(value: &str) -> bool {
    value.len() == HEX_ID_LEN
        && value
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

macro_rules! hex_id {
    ($name:ident, $kind:literal, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// A new random id.
            pub fn generate() -> Self {
                Self(random_hex_id())
            }

            /// Validates a user-supplied id (32 lowercase hex characters).
            pub fn parse(value: &str) -> Result<Self> {
                if is_hex_id(value) {
                    Ok(Self(value.to_owned()))
                } else {
                    Err(QueueError::MalformedId {
                        kind: $kind,
                        value: value.chars().take(64).collect(),
                    })
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(formatter, "{}({})", stringify!($name), self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = QueueError;
            fn try_from(value: String) -> Result<Self> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
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

hex_id!(TaskId, "task", "A task's random 128-bit identifier.");
hex_id!(
    ModelId,
    "model",
    "A registered model's random 128-bit identifier."
);
hex_id!(
    WorkerId,
    "worker",
    "A worker's random 128-bit identifier, new for each worker run."
);

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
