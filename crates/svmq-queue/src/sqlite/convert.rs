//! Conversions between the queue's Rust values and the integers the schema stores.

use std::time::Duration;

/// A duration as whole milliseconds for timestamp arithmetic, saturating.
pub(super) fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
