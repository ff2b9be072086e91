//! Configuration resolved once, in the binary: flag, then environment, then default.
//! Library crates receive the typed values.

use anyhow::Context;
use std::path::PathBuf;
use std::sync::Arc;
use svmq_queue::{SqliteOptions, SqliteStore, Store};

/// The environment variable naming svmq's home directory.
pub const HOME_VARIABLE: &str = "SVMQ_HOME";

/// The home directory: `--home`, else `SVMQ_HOME`, else `~/.svmq`.
pub fn home(flag: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(home) = flag {
        return Ok(home);
    }
    if let Some(home) = std::env::var_os(HOME_VARIABLE) {
        return Ok(PathBuf::from(home));
    }
    let user_home = std::env::var_os("HOME")
        .context("no --home given and neither SVMQ_HOME nor HOME is set")?;
    Ok(PathBuf::from(user_home).join(".svmq"))
}

/// Opens the embedded store in the home directory.
pub fn open_store(home: &std::path::Path) -> anyhow::Result<Arc<dyn Store>> {
    let store = SqliteStore::open_home(home, SqliteOptions::default())
        .with_context(|| format!("cannot open the store in {}", home.display()))?;
    Ok(Arc::new(store))
}
