//! The configuration file `<home>/svmq.toml`: defaults for every command, below the
//! flags (a flag always wins). A missing file means the built-in defaults; a file with
//! a mistake (unknown key, wrong type) is refused with its line, never half-read.
//!
//! ```toml
//! [queue]
//! max_concurrent = 3            # tasks run at once across every worker of the home
//! lease_seconds = 30
//! retention_days = 30           # 0 keeps finished tasks forever
//! max_open_tasks = 1000         # queued + running, all users
//! max_open_tasks_per_user = 20
//!
//! [serve]
//! workers = 3                   # run slots of `svmq serve`'s own worker
//! data_roots = ["/srv/data"]    # relative paths start at the home directory
//! output_roots = ["/srv/out"]
//! max_sessions = 1000           # open MCP sessions over HTTP, all users
//! max_sessions_per_user = 100
//! session_idle_seconds = 1800   # an MCP session without a request is closed
//!
//! [limits]
//! max_file_bytes = 268435456
//! max_rows = 5000000
//! max_columns = 20000
//! max_trials = 1000
//! max_decompressed_bytes = 536870912   # what an .xlsx may expand to
//! max_field_bytes = 1048576     # one CSV field or sheet cell
//! max_classes = 1000
//! ```

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use svmq_data::dataset::DEFAULT_MAX_CLASSES;
use svmq_data::ReadLimits;
use svmq_mcp::sessions::SessionLimits;
use svmq_queue::{SubmitLimits, DEFAULT_MAX_CONCURRENT};
use svmq_service::request::MAX_TRIALS;
use svmq_service::Limits;

/// The file's name inside the home directory.
pub const CONFIG_FILE_NAME: &str = "svmq.toml";

/// Seconds a claim lasts without a heartbeat, unless configured.
pub const DEFAULT_LEASE_SECONDS: u64 = 30;
/// The longest an idle MCP session may be kept: a week.
pub const MAX_SESSION_IDLE_SECONDS: u64 = 7 * 24 * 3600;
/// Days finished tasks are kept, unless configured.
pub const DEFAULT_RETENTION_DAYS: u64 = 30;

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub queue: QueueConfig,
    pub serve: ServeConfig,
    pub limits: LimitsConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    pub max_concurrent: Option<u32>,
    pub lease_seconds: Option<u64>,
    pub retention_days: Option<u64>,
    pub max_open_tasks: Option<u64>,
    pub max_open_tasks_per_user: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    pub workers: Option<u32>,
    pub data_roots: Vec<PathBuf>,
    pub output_roots: Vec<PathBuf>,
    pub max_sessions: Option<usize>,
    pub max_sessions_per_user: Option<usize>,
    pub session_idle_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    pub max_file_bytes: Option<u64>,
    pub max_rows: Option<usize>,
    pub max_columns: Option<usize>,
    pub max_trials: Option<usize>,
    pub max_decompressed_bytes: Option<u64>,
    pub max_field_bytes: Option<usize>,
    pub max_classes: Option<usize>,
}

/// Why the configuration file cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

impl Config {
    /// Reads `<home>/svmq.toml`; the defaults when there is none.
    pub fn load(home: &Path) -> Result<Config, ConfigError> {
        let path = home.join(CONFIG_FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config::default())
            }
            Err(error) => {
                return Err(ConfigError {
                    path,
                    message: format!("cannot read it: {error}"),
                })
            }
        };
        let mut config: Config = toml::from_str(&text).map_err(|error| ConfigError {
            path: path.clone(),
            message: error.to_string().trim_end().to_string(),
        })?;
        config.check().map_err(|message| ConfigError {
            path: path.clone(),
            message,
        })?;
        let absolute = |roots: &mut Vec<PathBuf>| {
            for root in roots.iter_mut() {
                if root.is_relative() {
                    *root = home.join(&*root);
                }
            }
        };
        absolute(&mut config.serve.data_roots);
        absolute(&mut config.serve.output_roots);
        Ok(config)
    }

    /// Refuses values no command could run with.
    fn check(&self) -> Result<(), String> {
        let positive = |name: &str, value: Option<u64>| match value {
            Some(0) => Err(format!("{name} must be at least 1")),
            _ => Ok(()),
        };
        positive(
            "queue.max_concurrent",
            self.queue.max_concurrent.map(u64::from),
        )?;
        positive("queue.lease_seconds", self.queue.lease_seconds)?;
        positive("queue.max_open_tasks", self.queue.max_open_tasks)?;
        positive(
            "queue.max_open_tasks_per_user",
            self.queue.max_open_tasks_per_user,
        )?;
        positive("limits.max_file_bytes", self.limits.max_file_bytes)?;
        positive("limits.max_rows", self.limits.max_rows.map(|v| v as u64))?;
        positive(
            "limits.max_columns",
            self.limits.max_columns.map(|v| v as u64),
        )?;
        positive(
            "limits.max_decompressed_bytes",
            self.limits.max_decompressed_bytes,
        )?;
        positive(
            "limits.max_field_bytes",
            self.limits.max_field_bytes.map(|v| v as u64),
        )?;
        let at_least_two = |name: &str, value: Option<usize>| match value {
            Some(value) if value < 2 => Err(format!("{name} must be at least 2, got {value}")),
            _ => Ok(()),
        };
        at_least_two("limits.max_classes", self.limits.max_classes)?;
        positive(
            "serve.max_sessions",
            self.serve.max_sessions.map(|v| v as u64),
        )?;
        positive(
            "serve.max_sessions_per_user",
            self.serve.max_sessions_per_user.map(|v| v as u64),
        )?;
        match self.serve.session_idle_seconds {
            Some(seconds) if seconds == 0 || seconds > MAX_SESSION_IDLE_SECONDS => {
                return Err(format!(
                    "serve.session_idle_seconds must be between 1 and {MAX_SESSION_IDLE_SECONDS} (a week), got {seconds}"
                ))
            }
            _ => {}
        }
        match self.limits.max_trials {
            Some(trials) if trials == 0 || trials > MAX_TRIALS => Err(format!(
                "limits.max_trials must be between 1 and {MAX_TRIALS}, got {trials}"
            )),
            _ => Ok(()),
        }
    }

    /// The concurrency limit of the home's workers.
    pub fn max_concurrent(&self) -> u32 {
        self.queue.max_concurrent.unwrap_or(DEFAULT_MAX_CONCURRENT)
    }

    pub fn lease_seconds(&self) -> u64 {
        self.queue.lease_seconds.unwrap_or(DEFAULT_LEASE_SECONDS)
    }

    pub fn retention_days(&self) -> u64 {
        self.queue.retention_days.unwrap_or(DEFAULT_RETENTION_DAYS)
    }

    /// The caps on queued and running tasks checked when a task is submitted.
    pub fn submit_limits(&self) -> SubmitLimits {
        SubmitLimits {
            max_open_tasks: self.queue.max_open_tasks,
            max_open_tasks_per_user: self.queue.max_open_tasks_per_user,
        }
    }

    /// The caps on data and trials applied to every training this node runs.
    pub fn limits(&self) -> Limits {
        let defaults = ReadLimits::default();
        Limits {
            read: ReadLimits {
                max_bytes: self.limits.max_file_bytes.unwrap_or(defaults.max_bytes),
                max_rows: self.limits.max_rows.unwrap_or(defaults.max_rows),
                max_columns: self.limits.max_columns.unwrap_or(defaults.max_columns),
                max_decompressed_bytes: self
                    .limits
                    .max_decompressed_bytes
                    .unwrap_or(defaults.max_decompressed_bytes),
                max_field_bytes: self
                    .limits
                    .max_field_bytes
                    .unwrap_or(defaults.max_field_bytes),
            },
            max_trials: self.limits.max_trials.unwrap_or(MAX_TRIALS),
            max_classes: self.limits.max_classes.unwrap_or(DEFAULT_MAX_CLASSES),
        }
    }

    /// The caps on MCP sessions of `svmq serve --http`.
    pub fn session_limits(&self) -> SessionLimits {
        let defaults = SessionLimits::default();
        SessionLimits {
            max_sessions: self.serve.max_sessions.unwrap_or(defaults.max_sessions),
            max_sessions_per_user: self
                .serve
                .max_sessions_per_user
                .unwrap_or(defaults.max_sessions_per_user),
            idle_timeout: self
                .serve
                .session_idle_seconds
                .map_or(defaults.idle_timeout, Duration::from_secs),
        }
    }
}
