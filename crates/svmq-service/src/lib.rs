//! svmq's use cases, shared by the command line and the MCP server: training from a
//! data file (split, search, refit, test), saved models, and prediction in the
//! original label space. It reads files and writes model directories; it knows
//! nothing of protocols or terminals.

pub mod error;
pub mod export;
pub mod model_store;
pub mod prediction;
pub mod report_data;
pub mod request;
pub mod runner;
pub mod saved_model;
pub mod task_view;
pub mod training;

pub use error::ServiceError;
pub use request::{KernelChoice, Limits, TrainingRequest};
pub use saved_model::{PredictedRow, SavedModel};
pub use training::{train, TrainingObserver, TrainingOutcome, TrainingReport};
