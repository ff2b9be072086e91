//! The server's typed configuration, resolved by the binary (flags, environment,
//! defaults) and handed over whole: this crate reads no environment.

use std::path::PathBuf;
use std::time::Duration;
use svmq_queue::{SubmitLimits, DEFAULT_MAX_CONCURRENT};

/// Everything the MCP server needs to know, resolved by the binary.
#[derive(Debug, Clone)]
pub struct Settings {
    /// svmq's home: the store and the models.
    pub home: PathBuf,
    /// Directories `data_source` must lie in; relative paths start at the first.
    pub data_roots: Vec<PathBuf>,
    /// Directories `output_path` must lie in.
    pub output_roots: Vec<PathBuf>,
    /// Makes relative roots absolute.
    pub current_dir: PathBuf,
    /// Files no data or output path may reach though a root holds them: the token
    /// file.
    pub private_files: Vec<PathBuf>,
    /// The user of calls that name none.
    pub default_user: String,
    /// Run slots of the worker this process runs (0: none; separate `svmq worker`
    /// processes do the work).
    pub workers: u32,
    /// The concurrency limit reported and assumed by queue estimates.
    pub max_concurrent_tasks: u32,
    /// Caps on open tasks, in the queue and per user, checked at submission.
    pub submit_limits: SubmitLimits,
    /// How often a call waiting for its training reads the task's progress.
    pub poll_interval: Duration,
    /// How long the local worker's claims last without a heartbeat.
    pub lease_duration: Duration,
    /// Shown in the store's workers table.
    pub hostname: String,
    /// The shared PostgreSQL database of the queue and the models; `None`: the
    /// embedded store in `home`.
    pub database_url: Option<String>,
    /// Caps on data files and trials, for checks here and for the local worker.
    pub limits: svmq_service::Limits,
}

impl Settings {
    /// Defaults for a home and one data root (also the output root).
    pub fn new(home: PathBuf, root: PathBuf) -> Settings {
        Settings {
            home,
            data_roots: vec![root.clone()],
            output_roots: vec![root.clone()],
            current_dir: root,
            private_files: Vec::new(),
            default_user: "local".to_string(),
            workers: DEFAULT_MAX_CONCURRENT,
            max_concurrent_tasks: DEFAULT_MAX_CONCURRENT,
            submit_limits: SubmitLimits::default(),
            poll_interval: Duration::from_millis(250),
            lease_duration: Duration::from_secs(30),
            hostname: "localhost".to_string(),
            database_url: None,
            limits: svmq_service::Limits::default(),
        }
    }
}
