//! svmq's MCP server: every tool of the product spec (training through the durable
//! queue, task status and logs, prediction, the model registry, data validation) on
//! the official Rust SDK, `rmcp`. This is the only crate that imports rmcp.
//!
//! The tools are thin: they validate arguments (paths confined to the data roots,
//! ids parsed, counts in range), call `svmq-service` and `svmq-queue`, and shape the
//! answer as structured content with an output schema. Failures become tool errors in
//! one place ([`error`]). Transports are thin too: [`serve::run_stdio`] serves stdio,
//! [`serve::run_http`] streamable HTTP with bearer tokens ([`http`]), each with a
//! local worker; tests serve the same [`SvmqServer`] over an in-process pipe.
//!
//! What it does not do: train (the service does, on worker threads), read the
//! environment (the binary resolves [`Settings`]), or write to stdout outside the
//! protocol.

#![warn(missing_docs)]

mod dashboard;
pub mod error;
pub mod http;
mod lenient;
pub mod output;
pub mod params;
pub mod request_check;
pub mod roots;
mod schemas;
pub mod serve;
mod server;
pub mod sessions;
pub mod settings;
mod tools;

pub use error::{ServeError, ToolError};
pub use http::HttpSettings;
pub use serve::{run_http, run_stdio, LocalWorker};
pub use server::{AuthenticatedUser, SvmqServer};
pub use settings::Settings;
