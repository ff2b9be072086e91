//! Validated identifiers: task, model and worker ids.
//!
//! Task and model ids are random 128-bit values written as 32 lowercase hex characters.
//! They are validated on every way in (`parse`, in [`crate::parse`], and serde), so an
//! id can never be a path or SQL.

use std::fmt;

use serde::{Deserialize, Serialize};

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
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// A new random id.
            pub fn generate() -> Self {
                Self(random_hex_id())
            }

            /// The id written as `value`, if it is 32 lowercase hex characters.
            /// Callers outside this crate use `parse`, which says what was wrong.
            pub(crate) fn checked(value: &str) -> Option<Self> {
                is_hex_id(value).then(|| Self(value.to_owned()))
            }

            /// The id as 32 lowercase hex characters.
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

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

hex_id!(TaskId, "A task's random 128-bit identifier.");
hex_id!(ModelId, "A registered model's random 128-bit identifier.");
hex_id!(
    WorkerId,
    "A worker's random 128-bit identifier, new for each worker run."
);
