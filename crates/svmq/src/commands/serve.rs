//! `svmq serve`: the MCP server on stdio (or streamable HTTP with `--http`), with a
//! local worker so queued trainings run in this process. Logs go to stderr; stdout
//! belongs to the protocol. The tools live in the `svmq-mcp` crate; this module only
//! turns flags into its settings.

use crate::config::Config;
use crate::Failure;
use clap::Args;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use svmq_queue::{Shutdown, SubmitLimits, DEFAULT_MAX_CONCURRENT};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Trainings this process runs at once (0: none; separate `svmq worker` processes
    /// sharing the home run them). Default: svmq.toml's serve.workers, else
    /// queue.max_concurrent, else 3.
    #[arg(long)]
    pub workers: Option<u32>,
    /// A directory `data_source` paths must lie in; repeatable (default: svmq.toml's
    /// serve.data_roots, else the current directory). Relative paths start at the first.
    #[arg(long = "data-root", value_name = "DIR")]
    pub data_roots: Vec<PathBuf>,
    /// A directory `output_path` must lie in; repeatable (default: svmq.toml's
    /// serve.output_roots, else the current directory).
    #[arg(long = "output-root", value_name = "DIR")]
    pub output_roots: Vec<PathBuf>,
    /// Seconds a task stays claimed without a heartbeat; a dead server's tasks run
    /// again after it (default: svmq.toml's queue.lease_seconds, else 30).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub lease_seconds: Option<u64>,
    /// Refuse new trainings while this many are queued or running (default:
    /// svmq.toml's queue.max_open_tasks, else no cap).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_open_tasks: Option<u64>,
    /// Refuse a user's new trainings while they have this many queued or running
    /// (default: svmq.toml's queue.max_open_tasks_per_user, else no cap).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_open_tasks_per_user: Option<u64>,
    /// Serve streamable HTTP at http://ADDRESS/mcp instead of stdio, e.g.
    /// 127.0.0.1:8765. Other than loopback addresses need --auth-token or
    /// --auth-token-file.
    #[arg(long, value_name = "ADDRESS")]
    pub http: Option<SocketAddr>,
    /// HTTP: a bearer token clients must send; it authenticates them as --user.
    #[arg(long, value_name = "TOKEN", requires = "http")]
    pub auth_token: Option<String>,
    /// HTTP: a file of `TOKEN USER` lines (# comments); each user sees and cancels
    /// only their own tasks and models.
    #[arg(long, value_name = "FILE", requires = "http")]
    pub auth_token_file: Option<PathBuf>,
    /// HTTP: a browser origin allowed to call, e.g. http://localhost:3000 (repeatable).
    /// Requests from any other Origin get 403; requests without Origin pass.
    #[arg(long = "allowed-origin", value_name = "ORIGIN", requires = "http")]
    pub allowed_origins: Vec<String>,
}

/// Bearer tokens and their users, from the flags.
fn tokens(arguments: &ServeArgs, user: &str) -> Result<HashMap<String, String>, Failure> {
    let mut tokens = HashMap::new();
    if let Some(token) = &arguments.auth_token {
        if token.trim().len() < 16 {
            return Err(Failure::Usage(
                "--auth-token must be at least 16 characters".to_string(),
            ));
        }
        tokens.insert(token.trim().to_string(), user.to_string());
    }
    if let Some(path) = &arguments.auth_token_file {
        let text = std::fs::read_to_string(path).map_err(|error| {
            Failure::Usage(format!(
                "cannot read --auth-token-file {}: {error}",
                path.display()
            ))
        })?;
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_whitespace();
            match (fields.next(), fields.next(), fields.next()) {
                (Some(token), Some(user), None) if token.len() >= 16 => {
                    tokens.insert(token.to_string(), user.to_string());
                }
                _ => {
                    return Err(Failure::Usage(format!(
                        "--auth-token-file line {}: expected `TOKEN USER` with a token of at least 16 characters",
                        number + 1
                    )))
                }
            }
        }
    }
    Ok(tokens)
}

pub fn run(home: &Path, config: &Config, arguments: &ServeArgs, user: &str) -> Result<(), Failure> {
    let current_dir = std::env::current_dir()?;
    // Flags, else the configuration file, else the current directory.
    let roots = |flags: &[PathBuf], configured: &[PathBuf]| {
        if !flags.is_empty() {
            flags.to_vec()
        } else if !configured.is_empty() {
            configured.to_vec()
        } else {
            vec![current_dir.clone()]
        }
    };
    let mut settings = svmq_mcp::Settings::new(home.to_path_buf(), current_dir.clone());
    settings.data_roots = roots(&arguments.data_roots, &config.serve.data_roots);
    settings.output_roots = roots(&arguments.output_roots, &config.serve.output_roots);
    settings.default_user = user.to_string();
    settings.private_files = arguments.auth_token_file.iter().cloned().collect();
    settings.database_url = crate::settings::database_url().map(str::to_string);
    let workers = arguments
        .workers
        .or(config.serve.workers)
        .unwrap_or(config.max_concurrent());
    settings.workers = workers;
    settings.max_concurrent_tasks = match config.queue.max_concurrent {
        Some(limit) => limit,
        None if workers > 0 => workers,
        None => DEFAULT_MAX_CONCURRENT,
    };
    settings.lease_duration =
        Duration::from_secs(arguments.lease_seconds.unwrap_or(config.lease_seconds()));
    settings.hostname = hostname();
    let configured = config.submit_limits();
    settings.submit_limits = SubmitLimits {
        max_open_tasks: arguments.max_open_tasks.or(configured.max_open_tasks),
        max_open_tasks_per_user: arguments
            .max_open_tasks_per_user
            .or(configured.max_open_tasks_per_user),
    };
    settings.limits = config.limits();
    let usage = |error: svmq_mcp::ServeError| match error {
        svmq_mcp::ServeError::Roots(message) | svmq_mcp::ServeError::Config(message) => {
            Failure::Usage(format!("svmq serve: {message}"))
        }
        other => Failure::Other(other.into()),
    };
    let Some(address) = arguments.http else {
        return svmq_mcp::run_stdio(&settings).map_err(usage);
    };
    let mut http = svmq_mcp::HttpSettings::new(address);
    http.tokens = tokens(arguments, user)?;
    http.allowed_origins = arguments.allowed_origins.clone();
    http.sessions = config.session_limits();
    let shutdown = Shutdown::new();
    let trigger = shutdown.clone();
    ctrlc::set_handler(move || trigger.trigger())
        .map_err(|error| anyhow::anyhow!("cannot handle signals: {error}"))?;
    svmq_mcp::run_http(&settings, &http, &shutdown, |bound| {
        crate::announce(&format!(
            "svmq MCP server listening on http://{bound}/mcp; dashboard at http://{bound}/; Ctrl-C stops it"
        ));
    })
    .map_err(usage)
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|name| name.trim().to_string())
        .unwrap_or_else(|_| "localhost".to_string())
}
