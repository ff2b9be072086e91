//! The shared store: one PostgreSQL database (one schema in it) used by every svmq
//! process on every machine.
//!
//! What differs from the embedded store, and why:
//! - Claims lock the next queued row with `FOR UPDATE SKIP LOCKED` and run under a
//!   transaction-scoped advisory lock, so the count of running tasks that the global
//!   `max_concurrent` is checked against cannot change under a claim: two workers on two
//!   machines never both take the last slot.
//! - Timestamps come from the database clock (`now_ms()`), so leases expire the same for
//!   every machine whatever their own clocks say.
//! - State changes that can give a worker something to do (a submit, a freed slot, a
//!   cancel) send a `NOTIFY` on the schema's channel; [`Store::subscribe_wake_ups`]
//!   listens on its own connection. Workers still poll, so a lost notification only
//!   delays them.
//! - Model files are stored in the database in chunks when a model is registered, and
//!   copied into the node's home (`<home>/models/<model_id>/`) the first time the node
//!   looks the model up: a model trained on one machine is predictable on every other.
//! - Connections come from a small pool. A broken one is dropped; new ones are opened
//!   with an exponential backoff, and while the database is unreachable every call fails
//!   fast with [`QueueError::Unavailable`] (the worker retries; a command reports it).
//!
//! The sync `postgres` client drives its own runtime and must not be called from inside
//! a tokio runtime: calls made from a thread that has one are run on a scoped thread.

mod connection;
mod convert;
mod leases;
mod listener;
mod locks;
mod registry;
mod rows;
mod schema;
mod store;
mod tasks;

pub use connection::{PostgresOptions, DEFAULT_SCHEMA};
pub use schema::CURRENT_VERSION as POSTGRES_SCHEMA_VERSION;
pub use store::PostgresStore;
