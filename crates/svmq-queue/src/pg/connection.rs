//! Connecting to PostgreSQL: the store's options, a small pool of connections that
//! reopens broken ones with an exponential backoff, and how driver errors become
//! [`QueueError`]s (lost connections and shutdowns are `Unavailable`, lock conflicts
//! `Busy`).
//!
//! What it does not do: run any query of the queue; it only puts the schema on the
//! search path of each new connection.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::{Client, Config, NoTls};

use crate::error::{QueueError, Result};

/// The schema svmq's tables live in unless told otherwise.
pub const DEFAULT_SCHEMA: &str = "svmq";

/// How the PostgreSQL store is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The schema holding svmq's tables (created if missing): lowercase letters, digits
    /// and underscores. Separate schemas are separate queues.
    pub schema: String,
    /// This node's home: models looked up here are cached in `<home>/models/`. Without
    /// one, model files stay in the database only.
    pub cache_home: Option<PathBuf>,
    /// How long opening a connection may take.
    pub connect_timeout: Duration,
    /// Shown in `pg_stat_activity`.
    pub application_name: String,
    /// Idle connections kept open for reuse.
    pub idle_connections: usize,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: DEFAULT_SCHEMA.to_string(),
            cache_home: None,
            connect_timeout: Duration::from_secs(5),
            application_name: "svmq".to_string(),
            idle_connections: 4,
        }
    }
}

/// Longest wait between two attempts to reach an unreachable database.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(5);
const FIRST_RECONNECT_DELAY: Duration = Duration::from_millis(100);

/// When the next connection attempt may be made after failures.
#[derive(Debug, Default)]
struct Backoff {
    failures: u32,
    not_before: Option<Instant>,
    last_error: String,
}

impl Backoff {
    fn delay(failures: u32) -> Duration {
        let factor = 1u32 << failures.saturating_sub(1).min(10);
        (FIRST_RECONNECT_DELAY * factor).min(MAX_RECONNECT_DELAY)
    }
}

/// Opens connections with the schema on the search path; keeps idle ones.
pub(super) struct Connections {
    config: Config,
    /// The schema on the search path of every connection.
    pub(super) schema: String,
    /// `host:port/database`, never the password: for messages.
    pub(super) describe: String,
    idle_limit: usize,
    idle: Mutex<Vec<Client>>,
    backoff: Mutex<Backoff>,
}

impl Connections {
    /// A pool for `config` that puts `schema` on each connection's search path and keeps
    /// up to `idle_limit` idle connections (at least one).
    pub(super) fn new(config: Config, schema: String, idle_limit: usize) -> Self {
        Connections {
            describe: describe(&config),
            config,
            schema,
            idle_limit: idle_limit.max(1),
            idle: Mutex::new(Vec::new()),
            backoff: Mutex::new(Backoff::default()),
        }
    }

    fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
        mutex
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A new connection, unless the backoff after recent failures says wait.
    pub(super) fn open(&self) -> Result<Client> {
        {
            let backoff = Self::lock(&self.backoff);
            if let Some(not_before) = backoff.not_before {
                let now = Instant::now();
                if now < not_before {
                    return Err(QueueError::Unavailable {
                        detail: format!(
                            "cannot connect to PostgreSQL at {}: {}; next attempt in {} ms",
                            self.describe,
                            backoff.last_error,
                            (not_before - now).as_millis()
                        ),
                    });
                }
            }
        }
        let connected = self.config.connect(NoTls).and_then(|mut client| {
            client.batch_execute(&format!("SET search_path TO \"{}\"", self.schema))?;
            Ok(client)
        });
        let mut backoff = Self::lock(&self.backoff);
        match connected {
            Ok(client) => {
                if backoff.failures > 0 {
                    tracing::info!(database = %self.describe, "reconnected to PostgreSQL");
                }
                *backoff = Backoff::default();
                Ok(client)
            }
            Err(error) => {
                // The client's message says "error connecting"; its source says why.
                let reason = match std::error::Error::source(&error) {
                    Some(source) => format!("{error}: {source}"),
                    None => error.to_string(),
                };
                backoff.failures += 1;
                backoff.not_before = Some(Instant::now() + Backoff::delay(backoff.failures));
                backoff.last_error = reason.clone();
                Err(QueueError::Unavailable {
                    detail: format!(
                        "cannot connect to PostgreSQL at {}: {reason}",
                        self.describe
                    ),
                })
            }
        }
    }

    pub(super) fn checkout(&self) -> Result<Client> {
        let idle = Self::lock(&self.idle).pop();
        match idle {
            Some(client) if !client.is_closed() => Ok(client),
            _ => self.open(),
        }
    }

    pub(super) fn checkin(&self, client: Client) {
        if client.is_closed() {
            return;
        }
        let mut idle = Self::lock(&self.idle);
        if idle.len() < self.idle_limit {
            idle.push(client);
        }
    }
}

/// A schema name svmq accepts: it is written into SQL as an identifier.
pub(super) fn validate_schema(schema: &str) -> Result<()> {
    let mut characters = schema.chars();
    let valid_start = characters
        .next()
        .is_some_and(|first| first.is_ascii_lowercase() || first == '_');
    let valid_rest = characters.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid_start && valid_rest && schema.len() <= 48 {
        Ok(())
    } else {
        Err(QueueError::InvalidArgument(format!(
            "the PostgreSQL schema name {schema:?} must be 1 to 48 lowercase letters, digits or underscores, not starting with a digit"
        )))
    }
}

/// `host:port/database` of a configuration, for messages (never the password).
fn describe(config: &Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|host| match host {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".to_string());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let database = config.get_dbname().or(config.get_user()).unwrap_or("");
    format!("{host}:{port}/{database}")
}

impl From<postgres::Error> for QueueError {
    fn from(error: postgres::Error) -> Self {
        let lost_connection = error.is_closed()
            || std::error::Error::source(&error)
                .is_some_and(|source| source.downcast_ref::<std::io::Error>().is_some());
        if lost_connection {
            return QueueError::Unavailable {
                detail: format!("the connection to PostgreSQL was lost: {error}"),
            };
        }
        match error.code() {
            Some(code)
                if *code == SqlState::T_R_SERIALIZATION_FAILURE
                    || *code == SqlState::T_R_DEADLOCK_DETECTED
                    || *code == SqlState::LOCK_NOT_AVAILABLE =>
            {
                QueueError::Busy
            }
            Some(code)
                if *code == SqlState::ADMIN_SHUTDOWN
                    || *code == SqlState::CRASH_SHUTDOWN
                    || *code == SqlState::CANNOT_CONNECT_NOW =>
            {
                QueueError::Unavailable {
                    detail: format!("PostgreSQL is shutting down or starting: {error}"),
                }
            }
            _ => QueueError::Store(Box::new(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(validate_schema("svmq").is_ok());
        assert!(validate_schema("svmq_test_01").is_ok());
        assert!(validate_schema("").is_err());
        assert!(validate_schema("1abc").is_err());
        assert!(validate_schema("Upper").is_err());
        assert!(validate_schema("a\"; DROP TABLE x; --").is_err());
        assert!(validate_schema(&"a".repeat(49)).is_err());
    }

    #[test]
    fn reconnect_delay_doubles_up_to_its_cap() {
        assert_eq!(Backoff::delay(1), Duration::from_millis(100));
        assert_eq!(Backoff::delay(2), Duration::from_millis(200));
        assert_eq!(Backoff::delay(4), Duration::from_millis(800));
        assert_eq!(Backoff::delay(30), MAX_RECONNECT_DELAY);
    }
}
