//! In-process tests of the MCP server: rmcp's own client talks to `SvmqServer` over a
//! `tokio::io::duplex` pipe, with a real SQLite store in a scratch home and, where a
//! test needs tasks to run, the local worker on its thread.
//!
//! `support` builds the harness and the data files; `tools` checks the tool list and
//! schemas; `training` runs tasks to completion and predicts; `queue` covers status,
//! listing, cancelling and logs; `errors` covers every input mistake and checks the
//! server keeps serving after each; `http` checks the HTTP layer's guards; `bounds`
//! checks the home is out of reach and the caps of issue 14; `scaling` refuses the
//! scaling methods svmq does not implement.

mod bounds;
mod errors;
mod hostile_numbers;
mod http;
mod queue;
mod scaling;
mod support;
mod tools;
mod training;
