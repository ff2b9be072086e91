//! The tools, one module per area: the queue's tasks, training, and models (the
//! registry, prediction and data validation). Each module adds a `ToolRouter` that
//! the server merges.
//!
//! A tool's annotations leave out the hints whose value is MCP's default
//! (`readOnlyHint` and `idempotentHint` false): `tools/list` is loaded into every
//! agent's context, and a client reads a missing hint as its default.

pub(crate) mod models;
pub(crate) mod queue;
pub(crate) mod training;
