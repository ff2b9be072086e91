//! Opening the store a process works with: the shared PostgreSQL database when a URL
//! is given (every machine that names it shares the queue and the models; this node's
//! home holds only its model cache), else the embedded SQLite store in the home.

use std::path::Path;
use std::sync::Arc;

use crate::error::{QueueError, Result};
use crate::pg::{PostgresOptions, PostgresStore};
use crate::sqlite::{SqliteOptions, SqliteStore};
use crate::store::Store;

/// The store of a home directory, or the database at `database_url` with `home` as
/// this node's model cache.
pub fn open_store(home: &Path, database_url: Option<&str>) -> Result<Arc<dyn Store>> {
    let Some(url) = database_url else {
        return Ok(Arc::new(SqliteStore::open_home(
            home,
            SqliteOptions::default(),
        )?));
    };
    std::fs::create_dir_all(home).map_err(|source| QueueError::Io {
        action: "cannot create the home directory",
        path: home.to_path_buf(),
        source,
    })?;
    let options = PostgresOptions {
        cache_home: Some(home.to_path_buf()),
        ..PostgresOptions::default()
    };
    Ok(Arc::new(PostgresStore::connect(url, options)?))
}
