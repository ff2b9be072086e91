//! `LISTEN` on the schema's channel, on a connection of its own, turning each
//! notification into a wake-up call. The connection is reopened with the store's
//! backoff when it drops, and a wake-up is sent after every (re)connection because
//! notifications sent while it was down are lost.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;
use postgres::Client;

use super::connection::Connections;
use crate::error::{QueueError, Result};
use crate::wakeup::{WakeUp, WakeUpSubscription};

/// How long one wait for notifications lasts before the stop flag is looked at again.
const WAIT_SLICE: Duration = Duration::from_millis(250);
/// How often an idle listening connection is checked to be alive (a silently dropped
/// network connection reports nothing by itself).
const LIVENESS_CHECK: Duration = Duration::from_secs(10);

pub(super) fn spawn(
    connections: Arc<Connections>,
    channel: String,
    wake: WakeUp,
) -> Result<WakeUpSubscription> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let thread = std::thread::Builder::new()
        .name("svmq-pg-listen".into())
        .spawn(move || listen_until_stopped(&connections, &channel, &wake, &flag))
        .map_err(|source| QueueError::Store(Box::new(source)))?;
    Ok(WakeUpSubscription::new(stop, thread))
}

fn listen_until_stopped(
    connections: &Connections,
    channel: &str,
    wake: &WakeUp,
    stop: &AtomicBool,
) {
    while !stop.load(Ordering::Acquire) {
        let mut client = match connections.open().and_then(|mut client| {
            client.batch_execute(&format!("LISTEN \"{channel}\""))?;
            Ok(client)
        }) {
            Ok(client) => client,
            Err(error) => {
                tracing::debug!(%error, "cannot listen for wake-ups yet");
                std::thread::sleep(WAIT_SLICE);
                continue;
            }
        };
        wake();
        match relay(&mut client, wake, stop) {
            Ok(()) => return,
            Err(error) => tracing::warn!(%error, "the wake-up connection dropped; reconnecting"),
        }
    }
}

/// Relays notifications until `stop` (Ok) or the connection fails (Err).
fn relay(client: &mut Client, wake: &WakeUp, stop: &AtomicBool) -> Result<()> {
    let mut next_check = Instant::now() + LIVENESS_CHECK;
    while !stop.load(Ordering::Acquire) {
        let first = client.notifications().timeout_iter(WAIT_SLICE).next()?;
        if first.is_some() {
            // Drain what is already buffered, then wake once for all of them.
            while client.notifications().iter().next()?.is_some() {}
            wake();
        }
        if client.is_closed() {
            return Err(QueueError::Unavailable {
                detail: "the listening connection closed".into(),
            });
        }
        if Instant::now() >= next_check {
            client.is_valid(Duration::from_secs(5))?;
            next_check = Instant::now() + LIVENESS_CHECK;
        }
    }
    Ok(())
}
