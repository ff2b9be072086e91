//! Configuration resolved once, in the binary: flag, then environment, then default.
//! Library crates receive the typed values.

use anyhow::Context;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use svmq_queue::Store;

/// The environment variable naming svmq's home directory.
pub const HOME_VARIABLE: &str = "SVMQ_HOME";

/// The home directory when neither `--home` nor `SVMQ_HOME` names one, in the working
/// directory.
pub const DEFAULT_HOME: &str = "svmq-data";

/// The home directory: `--home`, else `SVMQ_HOME`, else `./svmq-data` (made absolute, so
/// that what is recorded in it does not depend on where a later command runs).
pub fn home(flag: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(home) = flag {
        return Ok(home);
    }
    if let Some(home) = std::env::var_os(HOME_VARIABLE) {
        return Ok(PathBuf::from(home));
    }
    let working = std::env::current_dir().context(
        "no --home given, SVMQ_HOME is not set, and the working directory cannot be read",
    )?;
    Ok(working.join(DEFAULT_HOME))
}

/// The environment variable naming the shared PostgreSQL database.
pub const DATABASE_VARIABLE: &str = "SVMQ_DATABASE_URL";

/// The shared database, resolved once at start by [`resolve_database`]. Kept here so
/// that every command opens its store through [`open_store`] alone.
static DATABASE_URL: OnceLock<Option<String>> = OnceLock::new();

/// Resolves the shared database: `--database`, else `SVMQ_DATABASE_URL`, else none
/// (the embedded store in the home). Called once, before any command runs.
pub fn resolve_database(flag: Option<String>) {
    let url = flag.or_else(|| {
        std::env::var(DATABASE_VARIABLE)
            .ok()
            .filter(|url| !url.trim().is_empty())
    });
    let _ = DATABASE_URL.set(url);
}

/// The shared database's URL, when one was given.
pub fn database_url() -> Option<&'static str> {
    DATABASE_URL.get().and_then(|url| url.as_deref())
}

/// Opens the store every command works with: the shared PostgreSQL database when one
/// was given (the home then holds this node's model cache), else the embedded store in
/// the home directory. Model lookups through it find models trained on any node.
pub fn open_store(home: &std::path::Path) -> anyhow::Result<Arc<dyn Store>> {
    let database = database_url();
    svmq_queue::open_store(home, database).with_context(|| match database {
        Some(_) => "cannot open the shared store (--database)".to_string(),
        None => format!("cannot open the store in {}", home.display()),
    })
}

/// The use-case handle every queue command asks: the store of [`open_store`] with the
/// configured limits.
pub fn open_service(
    home: &std::path::Path,
    config: &crate::config::Config,
) -> anyhow::Result<svmq_service::Service> {
    let store = open_store(home)?;
    Ok(svmq_service::Service::new(
        store,
        home.to_path_buf(),
        svmq_service::ServiceSettings {
            limits: config.limits(),
            submit_limits: config.submit_limits(),
            max_concurrent_tasks: config.max_concurrent(),
        },
    ))
}
