//! How the queue writes time: milliseconds since the Unix epoch, in every store and
//! every record.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch: how every timestamp of the queue is written.
pub type UnixMillis = i64;

/// The current time in milliseconds since the Unix epoch.
pub fn now_millis() -> UnixMillis {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}
