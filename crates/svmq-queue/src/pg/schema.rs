//! Schema migrations of the PostgreSQL store, applied in order and recorded in
//! `schema_version`, in one transaction under an advisory lock: when several processes
//! start together on a new database, one migrates and the others wait, then find it
//! done.
//!
//! A migration is never edited once released: a change is a new entry at the end. A
//! schema newer than this code is refused rather than guessed at.

use postgres::Client;

use crate::error::{QueueError, Result};

/// Migration `i` (0-based) brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the database clock, tasks, their logs, workers, the model registry and the
    //    models' files.
    r#"
    CREATE FUNCTION now_ms() RETURNS BIGINT LANGUAGE SQL VOLATILE
        AS $$ SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT $$;

    CREATE TABLE tasks (
        seq              BIGSERIAL PRIMARY KEY,
        id               TEXT    NOT NULL UNIQUE,
        kind             TEXT    NOT NULL,
        payload          TEXT    NOT NULL,
        user_id          TEXT    NOT NULL,
        priority         INTEGER NOT NULL DEFAULT 0,
        state            TEXT    NOT NULL
            CHECK (state IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        attempts         INTEGER NOT NULL DEFAULT 0,
        max_attempts     INTEGER NOT NULL CHECK (max_attempts >= 1),
        created_at       BIGINT  NOT NULL,
        started_at       BIGINT,
        finished_at      BIGINT,
        lease_owner      TEXT,
        lease_expires_at BIGINT,
        cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
        progress         DOUBLE PRECISION NOT NULL DEFAULT 0,
        progress_message TEXT,
        result           TEXT,
        error            TEXT,
        idempotency_key  TEXT,
        timeout_seconds  DOUBLE PRECISION
    );
    CREATE UNIQUE INDEX tasks_user_idempotency_key
        ON tasks (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
    CREATE INDEX tasks_claim_order ON tasks (priority DESC, seq) WHERE state = 'queued';
    CREATE INDEX tasks_state ON tasks (state);
    CREATE INDEX tasks_user_state ON tasks (user_id, state);
    CREATE INDEX tasks_lease_expiry ON tasks (lease_expires_at) WHERE state = 'running';
    CREATE INDEX tasks_finished_at ON tasks (finished_at) WHERE finished_at IS NOT NULL;
    CREATE INDEX tasks_kind_finished ON tasks (kind, finished_at) WHERE state = 'completed';

    CREATE TABLE task_logs (
        id      BIGSERIAL PRIMARY KEY,
        task_id TEXT   NOT NULL,
        at      BIGINT NOT NULL,
        level   TEXT   NOT NULL,
        message TEXT   NOT NULL
    );
    CREATE INDEX task_logs_task ON task_logs (task_id, id);

    CREATE TABLE workers (
        id             TEXT    PRIMARY KEY,
        hostname       TEXT    NOT NULL,
        pid            BIGINT  NOT NULL,
        max_concurrent INTEGER NOT NULL,
        heartbeat_at   BIGINT  NOT NULL
    );

    CREATE TABLE models (
        model_id   TEXT   PRIMARY KEY,
        task_id    TEXT,
        user_id    TEXT   NOT NULL,
        created_at BIGINT NOT NULL,
        path       TEXT   NOT NULL,
        metadata   TEXT   NOT NULL
    );
    CREATE INDEX models_user_created ON models (user_id, created_at DESC);

    CREATE TABLE model_files (
        model_id TEXT    NOT NULL REFERENCES models (model_id) ON DELETE CASCADE,
        name     TEXT    NOT NULL,
        chunk    INTEGER NOT NULL,
        bytes    BYTEA   NOT NULL,
        PRIMARY KEY (model_id, name, chunk)
    );
    "#,
];

/// The schema version this code writes.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Creates the schema if needed and brings it to [`CURRENT_VERSION`].
pub(super) fn migrate(client: &mut Client, schema: &str, lock_key: i64) -> Result<()> {
    let mut transaction = client.transaction()?;
    // Held until commit: concurrent starters run this one after the other.
    transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&lock_key])?;
    transaction.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS \"{schema}\";
         CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL);"
    ))?;
    let found: i64 = transaction
        .query_one(
            "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_version",
            &[],
        )?
        .get(0);
    if found > CURRENT_VERSION {
        return Err(QueueError::SchemaTooNew {
            found,
            supported: CURRENT_VERSION,
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        transaction.batch_execute(migration)?;
        let version = index as i64 + 1;
        transaction.execute("DELETE FROM schema_version", &[])?;
        transaction.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&version],
        )?;
        tracing::info!(version, schema, "applied PostgreSQL queue schema migration");
    }
    transaction.commit()?;
    Ok(())
}
