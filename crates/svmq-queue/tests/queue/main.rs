//! The queue's integration tests, one binary.
//!
//! - `store`: the store alone — lifecycle, order, limits, leases, estimates, logs,
//!   pruning, bad input.
//! - `worker`: workers on threads with a fake runner — the global limit, cancel,
//!   timeouts, shutdown, recovery.
//! - `artifacts`: publishing model directories and the registry.
//! - `support`: temporary stores, the fake runner, worker threads.
//!
//! Every test uses its own database file in its own temporary home.

mod artifacts;
mod store;
mod support;
mod worker;
