//! The queue's integration tests, one binary.
//!
//! - `store`: the store alone — lifecycle, order, limits, leases, estimates, logs,
//!   pruning, bad input.
//! - `worker`: workers on threads with a fake runner — the global limit, cancel,
//!   timeouts, shutdown, recovery.
//! - `hostile_rows`: damaged task rows read back from the store fail only their task.
//! - `artifacts`: publishing model directories and the registry.
//! - `postgres`: what only the PostgreSQL store has — racing migrations, models shared
//!   between nodes, LISTEN/NOTIFY wake-ups, a database outage under a running worker.
//! - `faulty_store`: a store whose first lease renewal panics.
//! - `support`: temporary stores, the fake runner, worker threads.
//!
//! Every test runs twice, through `on_both_stores!`: `…::sqlite::NAME` on its own
//! database file in its own temporary home, and `…::postgres::NAME` in its own schema
//! of the server named by `SVMQ_TEST_POSTGRES_URL` (skipped, with a printed line, when
//! it is not set). Tests only about one store live in that store's module.

mod artifacts;
mod faulty_store;
mod hostile_rows;
mod postgres;
mod store;
mod support;
mod worker;
