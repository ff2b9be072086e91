//! `svmq serve`: the MCP server on stdio, with a local worker so queued trainings
//! run in this process. Logs go to stderr; stdout belongs to the protocol. The tools
//! live in the `svmq-mcp` crate; this module only turns flags into its settings.

use crate::Failure;
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Duration;
use svmq_queue::DEFAULT_MAX_CONCURRENT;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Trainings this process runs at once (0: none; separate `svmq worker` processes
    /// sharing the home run them).
    #[arg(long, default_value_t = DEFAULT_MAX_CONCURRENT)]
    pub workers: u32,
    /// A directory `data_source` paths must lie in; repeatable (default: the current
    /// directory). Relative paths start at the first.
    #[arg(long = "data-root", value_name = "DIR")]
    pub data_roots: Vec<PathBuf>,
    /// A directory `output_path` must lie in; repeatable (default: the current
    /// directory).
    #[arg(long = "output-root", value_name = "DIR")]
    pub output_roots: Vec<PathBuf>,
    /// Seconds a task stays claimed without a heartbeat; a dead server's tasks run
    /// again after it.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub lease_seconds: u64,
}

pub fn run(home: &Path, arguments: &ServeArgs, user: &str) -> Result<(), Failure> {
    let current_dir = std::env::current_dir()?;
    let or_current = |dirs: &[PathBuf]| {
        if dirs.is_empty() {
            vec![current_dir.clone()]
        } else {
            dirs.to_vec()
        }
    };
    let mut settings = svmq_mcp::Settings::new(home.to_path_buf(), current_dir.clone());
    settings.data_roots = or_current(&arguments.data_roots);
    settings.output_roots = or_current(&arguments.output_roots);
    settings.default_user = user.to_string();
    settings.workers = arguments.workers;
    settings.max_concurrent_tasks = if arguments.workers > 0 {
        arguments.workers
    } else {
        DEFAULT_MAX_CONCURRENT
    };
    settings.lease_duration = Duration::from_secs(arguments.lease_seconds);
    settings.hostname = hostname();
    svmq_mcp::run_stdio(&settings).map_err(|error| match error {
        svmq_mcp::ServeError::Roots(message) => Failure::Usage(format!("svmq serve: {message}")),
        other => Failure::Other(other.into()),
    })
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|name| name.trim().to_string())
        .unwrap_or_else(|_| "localhost".to_string())
}
