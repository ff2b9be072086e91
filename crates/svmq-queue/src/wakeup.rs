//! Wake-up hints from a store to idle workers: "something may be claimable or
//! cancelled now". A hint is only a hint — workers poll as well — so a store that
//! cannot push them (the embedded one) simply offers none.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Called, from the store's listening thread, each time a hint arrives.
pub type WakeUp = Arc<dyn Fn() + Send + Sync>;

/// A running subscription; dropping it stops the listening thread.
pub struct WakeUpSubscription {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl WakeUpSubscription {
    /// `thread` must return soon after `stop` becomes true.
    pub(crate) fn new(stop: Arc<AtomicBool>, thread: JoinHandle<()>) -> Self {
        WakeUpSubscription {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for WakeUpSubscription {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the wake-up listening thread panicked");
            }
        }
    }
}
