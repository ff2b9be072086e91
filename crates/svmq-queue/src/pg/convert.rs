//! Conversions between the integers and JSON text the schema stores and the queue's
//! Rust values. Values read back are clamped rather than trusted: a hand-altered row
//! must not turn into a huge count.

use std::time::Duration;

use serde_json::Value;

use crate::error::Result;

/// A duration as whole milliseconds, saturating.
pub(super) fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// A count read from the database (never negative) as `u64`.
pub(super) fn to_count(value: i64) -> u64 {
    value.max(0) as u64
}

/// JSON text read from a row, decoded.
pub(super) fn parse_json(text: &str) -> Result<Value> {
    Ok(serde_json::from_str(text)?)
}

/// A count or attempt number stored as INTEGER, as `u32`.
pub(super) fn to_u32(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}
