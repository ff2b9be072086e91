//! The tools, one module per area: the queue's tasks, training, and models (the
//! registry, prediction and data validation). Each module adds a `ToolRouter` that
//! the server merges.

mod models;
mod queue;
mod training;
