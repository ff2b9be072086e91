//! The embedded store: one SQLite file in WAL mode, shared by every svmq process on the
//! machine.
//!
//! Each `SqliteStore` holds one connection behind a mutex; several processes (or several
//! stores in one process) coordinate through SQLite's file locks. Every write runs in an
//! IMMEDIATE transaction, so the read-then-write rules (limits, the global running cap,
//! lease checks) see no concurrent writer. Commits are `synchronous = FULL`: a task
//! acknowledged by `submit` survives a power cut, not only a crash.

mod connection;
mod convert;
mod create;
mod leases;
mod registry;
mod rows;
mod schema;
mod store;
mod tasks;

pub use connection::SqliteOptions;
pub use schema::CURRENT_VERSION as SCHEMA_VERSION;
pub use store::{SqliteStore, DATABASE_FILE_NAME};
