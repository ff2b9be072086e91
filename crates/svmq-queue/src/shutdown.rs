//! The shutdown signal handed to a worker: a value, cloned to whoever may trigger it
//! (a signal handler, a test, a server), never a global.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Asks a worker to stop: it stops its runners, gives their tasks back and returns.
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    requested: Arc<AtomicBool>,
}

impl Shutdown {
    /// A shutdown not yet triggered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests the shutdown; every clone sees it.
    pub fn trigger(&self) {
        self.requested.store(true, Ordering::Release);
    }

    /// Whether [`Shutdown::trigger`] has been called on this or any clone.
    pub fn is_triggered(&self) -> bool {
        self.requested.load(Ordering::Acquire)
    }
}
