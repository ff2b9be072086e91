//! The tools, one module per area: the queue's tasks, training, and models (the
//! registry, prediction and data validation). Each module adds a `ToolRouter` that
//! the server merges.

pub(crate) mod models;
pub(crate) mod queue;
pub(crate) mod training;
