//! The side tables of the SQLite store: task logs, live workers and the model registry.

use std::path::PathBuf;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use super::convert::millis;
use crate::error::{QueueError, Result};
use crate::ids::{ModelId, TaskId, WorkerId};
use crate::model::ModelRecord;
use crate::task::{now_millis, LogLevel, LogLine, WorkerInfo};

/// Appends a log line inside an open transaction (the caller has checked the task).
pub(super) fn append_log_in(
    connection: &Connection,
    id: &TaskId,
    level: LogLevel,
    message: &str,
) -> Result<()> {
    connection.execute(
        "INSERT INTO task_logs (task_id, seq, at, level, message)
         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM task_logs WHERE task_id = ?1),
                 ?2, ?3, ?4)",
        params![id.as_str(), now_millis(), level.as_str(), message],
    )?;
    Ok(())
}

fn task_exists(connection: &Connection, id: &TaskId) -> Result<bool> {
    Ok(connection
        .query_row("SELECT 1 FROM tasks WHERE id = ?1", [id.as_str()], |_| {
            Ok(())
        })
        .optional()?
        .is_some())
}

pub(super) fn append_log(
    connection: &mut Connection,
    id: &TaskId,
    level: LogLevel,
    message: &str,
) -> Result<()> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if !task_exists(&transaction, id)? {
        return Err(QueueError::TaskNotFound { id: id.clone() });
    }
    append_log_in(&transaction, id, level, message)?;
    transaction.commit()?;
    Ok(())
}

pub(super) fn task_logs(
    connection: &mut Connection,
    id: &TaskId,
    tail: Option<u32>,
) -> Result<Vec<LogLine>> {
    let transaction = connection.transaction()?;
    if !task_exists(&transaction, id)? {
        return Err(QueueError::TaskNotFound { id: id.clone() });
    }
    // The last `tail` lines are read newest first, then put back in order.
    let limit = tail.map_or(-1, i64::from);
    let mut lines = {
        let mut statement = transaction.prepare(
            "SELECT seq, at, level, message FROM task_logs WHERE task_id = ?1
             ORDER BY seq DESC LIMIT ?2",
        )?;
        let rows = statement.query_map(params![id.as_str(), limit], |row| {
            let level: String = row.get(2)?;
            Ok((row.get(0)?, row.get(1)?, level, row.get(3)?))
        })?;
        let mut lines = Vec::new();
        for row in rows {
            let (sequence, at, level, message) = row?;
            lines.push(LogLine {
                sequence,
                at,
                level: LogLevel::parse(&level)?,
                message,
            });
        }
        lines
    };
    lines.reverse();
    Ok(lines)
}

pub(super) fn register_worker(connection: &mut Connection, worker: &WorkerInfo) -> Result<()> {
    connection.execute(
        "INSERT INTO workers (id, hostname, pid, max_concurrent, heartbeat_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid,
             max_concurrent = excluded.max_concurrent, heartbeat_at = excluded.heartbeat_at",
        params![
            worker.id.as_str(),
            worker.hostname,
            worker.pid,
            worker.max_concurrent,
            now_millis()
        ],
    )?;
    Ok(())
}

pub(super) fn worker_heartbeat(connection: &mut Connection, worker_id: &WorkerId) -> Result<()> {
    connection.execute(
        "UPDATE workers SET heartbeat_at = ?2 WHERE id = ?1",
        params![worker_id.as_str(), now_millis()],
    )?;
    Ok(())
}

pub(super) fn unregister_worker(connection: &mut Connection, worker_id: &WorkerId) -> Result<()> {
    connection.execute("DELETE FROM workers WHERE id = ?1", [worker_id.as_str()])?;
    Ok(())
}

pub(super) fn live_workers(
    connection: &mut Connection,
    within: Duration,
) -> Result<Vec<WorkerInfo>> {
    let since = now_millis().saturating_sub(millis(within));
    let mut statement = connection.prepare(
        "SELECT id, hostname, pid, max_concurrent, heartbeat_at FROM workers
         WHERE heartbeat_at >= ?1 ORDER BY id",
    )?;
    let rows = statement.query_map([since], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
        ))
    })?;
    let mut workers = Vec::new();
    for row in rows {
        let (id, hostname, pid, max_concurrent, heartbeat_at) = row?;
        workers.push(WorkerInfo {
            id: id.parse()?,
            hostname,
            pid,
            max_concurrent,
            heartbeat_at,
        });
    }
    Ok(workers)
}

const MODEL_COLUMNS: &str = "model_id, task_id, user_id, created_at, path, metadata";

fn model_from_row(
    row: &Row<'_>,
) -> rusqlite::Result<(String, Option<String>, String, i64, String, String)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

fn model_record(
    (model_id, task_id, user_id, created_at, path, metadata): (
        String,
        Option<String>,
        String,
        i64,
        String,
        String,
    ),
) -> Result<ModelRecord> {
    Ok(ModelRecord {
        model_id: model_id.parse()?,
        task_id: task_id.map(|id| id.parse()).transpose()?,
        user_id,
        created_at,
        path: PathBuf::from(path),
        metadata: serde_json::from_str(&metadata)?,
    })
}

pub(super) fn register_model(connection: &mut Connection, model: &ModelRecord) -> Result<()> {
    insert_model(connection, model)
}

/// Inserts a registry row; inside a caller's transaction when given one.
pub(super) fn insert_model(connection: &Connection, model: &ModelRecord) -> Result<()> {
    let path = model.path.to_str().ok_or_else(|| {
        QueueError::InvalidArgument(format!(
            "the model path {} is not valid UTF-8",
            model.path.display()
        ))
    })?;
    connection.execute(
        "INSERT INTO models (model_id, task_id, user_id, created_at, path, metadata)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            model.model_id.as_str(),
            model.task_id.as_ref().map(TaskId::as_str),
            model.user_id,
            model.created_at,
            path,
            serde_json::to_string(&model.metadata)?,
        ],
    )?;
    Ok(())
}

pub(super) fn get_model(connection: &mut Connection, id: &ModelId) -> Result<ModelRecord> {
    let sql = format!("SELECT {MODEL_COLUMNS} FROM models WHERE model_id = ?1");
    let row = connection
        .query_row(&sql, [id.as_str()], model_from_row)
        .optional()?
        .ok_or_else(|| QueueError::ModelNotFound { id: id.to_string() })?;
    model_record(row)
}

pub(super) fn list_models(connection: &mut Connection, user_id: &str) -> Result<Vec<ModelRecord>> {
    let sql = format!(
        "SELECT {MODEL_COLUMNS} FROM models WHERE user_id = ?1 ORDER BY created_at DESC, model_id"
    );
    let mut statement = connection.prepare(&sql)?;
    let rows = statement.query_map([user_id], model_from_row)?;
    let mut models = Vec::new();
    // A row that cannot be read is left out with a warning: one damaged entry must not
    // hide the user's other models.
    for row in rows {
        match row.map_err(QueueError::from).and_then(model_record) {
            Ok(model) => models.push(model),
            Err(error) => tracing::warn!(%error, "left an unreadable model out of the listing"),
        }
    }
    Ok(models)
}

pub(super) fn delete_model(connection: &mut Connection, id: &ModelId) -> Result<()> {
    let deleted = connection.execute("DELETE FROM models WHERE model_id = ?1", [id.as_str()])?;
    if deleted == 0 {
        return Err(QueueError::ModelNotFound { id: id.to_string() });
    }
    Ok(())
}
