//! svmq's use cases, shared by the command line, the MCP server and the dashboard
//! behind one [`Service`] handle: the queue (submit, status, cancel, list), the model
//! registry, training from a data file (split, search, refit, test), data checks, and
//! prediction in the original label space. It reads files and writes model
//! directories; it knows nothing of protocols or terminals.

#![warn(missing_docs)]

mod approximation_check;
pub mod data_check;
pub mod error;
pub mod export;
pub mod importance;
pub mod model_store;
pub mod model_summary;
pub mod models;
pub mod parameter;
pub mod prediction;
pub mod report_data;
pub mod request;
pub mod runner;
pub mod saved_model;
pub mod service;
pub mod target_search;
pub mod task_view;
pub mod tasks;
pub mod training;
pub mod training_observer;
pub mod training_report;

pub use error::ServiceError;
pub use model_summary::{ColumnNote, ModelSummary, TargetSummary};
pub use models::{LoadedModel, ModelView};
pub use parameter::{Parameter, ParameterMessage};
pub use request::{KernelChoice, Limits, TrainingRequest};
pub use saved_model::{PredictedRow, SavedModel};
pub use service::{Access, Service, ServiceSettings};
pub use task_view::{QueueStatus, TaskView};
pub use tasks::{SubmitOptions, Submitted, TaskListing};
pub use training::{train, TrainingObserver, TrainingOutcome, TrainingReport};

/// The data's vocabulary the front ends speak through this crate.
pub use svmq_data::{ColumnRole, Task};

/// The queue's vocabulary the front ends speak through this crate.
pub use svmq_queue::{
    CancelOutcome, LogLine, ModelId, ModelRecord, QueueError, TaskFilter, TaskId, TaskState,
    MAX_TASK_TIMEOUT,
};
