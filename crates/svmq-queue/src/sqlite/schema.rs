//! Schema migrations of the SQLite store, applied in order and recorded in
//! `schema_version`.
//!
//! A migration is never edited once released: a change is a new entry at the end. A
//! store newer than this code is refused rather than guessed at.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::error::{QueueError, Result};

/// Migration `i` (0-based) brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: tasks, their logs, workers and the model registry.
    r#"
    CREATE TABLE tasks (
        seq              INTEGER PRIMARY KEY AUTOINCREMENT,
        id               TEXT    NOT NULL UNIQUE,
        kind             TEXT    NOT NULL,
        payload          TEXT    NOT NULL,
        user_id          TEXT    NOT NULL,
        priority         INTEGER NOT NULL DEFAULT 0,
        state            TEXT    NOT NULL
            CHECK (state IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        attempts         INTEGER NOT NULL DEFAULT 0,
        max_attempts     INTEGER NOT NULL CHECK (max_attempts >= 1),
        created_at       INTEGER NOT NULL,
        started_at       INTEGER,
        finished_at      INTEGER,
        lease_owner      TEXT,
        lease_expires_at INTEGER,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        progress         REAL    NOT NULL DEFAULT 0,
        progress_message TEXT,
        result           TEXT,
        error            TEXT,
        idempotency_key  TEXT,
        timeout_seconds  REAL
    );
    CREATE UNIQUE INDEX tasks_user_idempotency_key
        ON tasks (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
    CREATE INDEX tasks_claim_order ON tasks (state, priority DESC, seq);
    CREATE INDEX tasks_user_state ON tasks (user_id, state);
    CREATE INDEX tasks_lease_expiry ON tasks (lease_expires_at) WHERE state = 'running';
    CREATE INDEX tasks_finished_at ON tasks (finished_at) WHERE finished_at IS NOT NULL;
    CREATE INDEX tasks_kind_finished ON tasks (kind, finished_at) WHERE state = 'completed';

    CREATE TABLE task_logs (
        task_id TEXT    NOT NULL,
        seq     INTEGER NOT NULL,
        at      INTEGER NOT NULL,
        level   TEXT    NOT NULL,
        message TEXT    NOT NULL,
        PRIMARY KEY (task_id, seq)
    );

    CREATE TABLE workers (
        id             TEXT    PRIMARY KEY,
        hostname       TEXT    NOT NULL,
        pid            INTEGER NOT NULL,
        max_concurrent INTEGER NOT NULL,
        heartbeat_at   INTEGER NOT NULL
    );

    CREATE TABLE models (
        model_id   TEXT    PRIMARY KEY,
        task_id    TEXT,
        user_id    TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        path       TEXT    NOT NULL,
        metadata   TEXT    NOT NULL
    );
    CREATE INDEX models_user_created ON models (user_id, created_at DESC);
    "#,
];

/// Refuses a database that is not an svmq store: one without `schema_version` belongs
/// to something else and is never written into (not even its journal mode).
pub fn check_is_svmq_store(connection: &Connection) -> Result<()> {
    let tables: Vec<String> = {
        let mut statement = connection
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name LIMIT 6")?;
        let names = statement.query_map([], |row| row.get(0))?;
        names.collect::<rusqlite::Result<_>>()?
    };
    if tables.iter().any(|name| name == "schema_version") {
        return Ok(());
    }
    let detail = if tables.is_empty() {
        "it is a database with no tables, not an svmq store".to_string()
    } else {
        format!(
            "it is a database of something else (tables {}), not an svmq store",
            tables.join(", ")
        )
    };
    Err(QueueError::Corrupt {
        path: std::path::PathBuf::new(),
        detail: format!("{detail}; svmq will not write into it. Point --home at another directory"),
    })
}

/// The schema version this code writes.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database to [`CURRENT_VERSION`], in one immediate transaction so that two
/// processes opening a new store at once do not both migrate it.
///
/// A store already at [`CURRENT_VERSION`] is only read: every svmq command opens the
/// store, and a write lock taken by each `svmq status` of a polling script would
/// contend with the workers' claims for nothing.
pub fn migrate(connection: &mut Connection) -> Result<()> {
    let current: Option<i64> = connection
        .query_row("SELECT MAX(version) FROM schema_version", [], |row| {
            row.get(0)
        })
        .optional()
        .ok()
        .flatten()
        .flatten();
    if current == Some(CURRENT_VERSION) {
        return Ok(());
    }
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    transaction
        .execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let found: Option<i64> = transaction
        .query_row("SELECT MAX(version) FROM schema_version", [], |row| {
            row.get(0)
        })
        .optional()?
        .flatten();
    let found = found.unwrap_or(0);
    if found > CURRENT_VERSION {
        return Err(QueueError::SchemaTooNew {
            found,
            supported: CURRENT_VERSION,
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        transaction.execute_batch(migration)?;
        let version = index as i64 + 1;
        transaction.execute("DELETE FROM schema_version", [])?;
        transaction.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [version],
        )?;
        tracing::info!(version, "applied queue schema migration");
    }
    transaction.commit()?;
    Ok(())
}
