//! Opening a connection to a store file: the store's options, the pragmas every
//! connection runs under (WAL, `synchronous = FULL`, foreign keys), the schema check and
//! migration, and how SQLite errors become [`QueueError`]s.
//!
//! What it does not do: decide whether a file may be created; [`super::create`] does.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::schema;
use crate::error::{QueueError, Result};

/// How the SQLite store is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteOptions {
    /// How long a statement waits for another process's write lock before failing with
    /// [`QueueError::Busy`].
    pub busy_timeout: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            busy_timeout: Duration::from_secs(10),
        }
    }
}

/// Opens a connection in WAL mode and migrates the schema. Only a store being
/// created (`new_file`) may start from no schema at all.
pub(super) fn connect(path: &Path, options: SqliteOptions, new_file: bool) -> Result<Connection> {
    let prepare = || -> Result<Connection> {
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if new_file {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let mut connection = Connection::open_with_flags(path, flags)?;
        connection.busy_timeout(options.busy_timeout)?;
        if !new_file {
            schema::check_is_svmq_store(&connection)?;
        }
        // journal_mode answers with a row, so it is read rather than executed.
        let mode: String =
            connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(mode, "SQLite refused WAL mode; continuing with {mode}");
        }
        connection.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
        schema::migrate(&mut connection)?;
        Ok(connection)
    };
    prepare().map_err(|error| with_path(error, path))
}

/// Fills in the database path of a [`QueueError::Corrupt`] raised without one.
pub(super) fn with_path(error: QueueError, path: &Path) -> QueueError {
    match error {
        QueueError::Corrupt {
            path: found,
            detail,
        } if found.as_os_str().is_empty() => QueueError::Corrupt {
            path: path.to_path_buf(),
            detail,
        },
        other => other,
    }
}

impl From<rusqlite::Error> for QueueError {
    fn from(error: rusqlite::Error) -> Self {
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => QueueError::Busy,
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => QueueError::Corrupt {
                path: PathBuf::new(),
                detail: error.to_string(),
            },
            _ => QueueError::Store(Box::new(error)),
        }
    }
}
