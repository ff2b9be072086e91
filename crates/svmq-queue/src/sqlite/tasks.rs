//! Task statements of the SQLite store that do not need a lease: submit, read, list,
//! count, estimate, cancel and prune. The worker's statements are in `leases`.

use std::time::Duration;

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::convert::millis;
use super::rows::{task_from_row, TASK_COLUMNS};
use crate::error::{QueueError, Result};
use crate::ids::TaskId;
use crate::state::TaskState;
use crate::task::{
    estimate_start_seconds, now_millis, CancelOutcome, NewTask, PruneReport, QueueCounts,
    QueueEstimate, Submission, SubmitLimits, TaskFilter, TaskPage, TaskRecord, DEFAULT_LIST_LIMIT,
    ETA_SAMPLE_SIZE, MAX_LIST_LIMIT,
};

pub(super) fn immediate(connection: &mut Connection) -> Result<Transaction<'_>> {
    Ok(connection.transaction_with_behavior(TransactionBehavior::Immediate)?)
}

pub(super) fn stored_state(text: String) -> rusqlite::Result<TaskState> {
    TaskState::parse(&text).map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(error))
    })
}

pub(super) fn find_task(connection: &Connection, id: &TaskId) -> Result<Option<TaskRecord>> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?1");
    Ok(connection
        .query_row(&sql, [id.as_str()], task_from_row)
        .optional()?
        .flatten())
}

pub(super) fn get_task(connection: &mut Connection, id: &TaskId) -> Result<TaskRecord> {
    find_task(connection, id)?.ok_or_else(|| QueueError::TaskNotFound { id: id.clone() })
}

pub(super) fn count(
    connection: &Connection,
    sql: &str,
    parameters: impl rusqlite::Params,
) -> Result<u64> {
    let count: i64 = connection.query_row(sql, parameters, |row| row.get(0))?;
    Ok(count.max(0) as u64)
}

pub(super) fn submit(
    connection: &mut Connection,
    task: &NewTask,
    limits: &SubmitLimits,
) -> Result<Submission> {
    let transaction = immediate(connection)?;
    if let Some(key) = &task.idempotency_key {
        let existing: Option<String> = transaction
            .query_row(
                "SELECT id FROM tasks WHERE user_id = ?1 AND idempotency_key = ?2",
                params![task.user_id, key],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(existing) = existing {
            return Ok(Submission {
                task_id: existing.parse()?,
                created: false,
            });
        }
    }
    if let Some(limit) = limits.max_open_tasks {
        let open = count(
            &transaction,
            "SELECT COUNT(*) FROM tasks WHERE state IN ('queued', 'running')",
            [],
        )?;
        if open >= limit {
            return Err(QueueError::QueueFull { limit });
        }
    }
    if let Some(limit) = limits.max_open_tasks_per_user {
        let open = count(
            &transaction,
            "SELECT COUNT(*) FROM tasks WHERE user_id = ?1 AND state IN ('queued', 'running')",
            [&task.user_id],
        )?;
        if open >= limit {
            return Err(QueueError::UserTaskLimit {
                user_id: task.user_id.clone(),
                limit,
            });
        }
    }
    let id = TaskId::generate();
    transaction.execute(
        "INSERT INTO tasks (id, kind, payload, user_id, priority, state, max_attempts,
                            created_at, idempotency_key, timeout_seconds)
         VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7, ?8, ?9)",
        params![
            id.as_str(),
            task.kind,
            serde_json::to_string(&task.payload)?,
            task.user_id,
            task.priority,
            task.max_attempts,
            now_millis(),
            task.idempotency_key,
            task.timeout.map(|timeout| timeout.as_secs_f64()),
        ],
    )?;
    transaction.commit()?;
    Ok(Submission {
        task_id: id,
        created: true,
    })
}

pub(super) fn list_tasks(connection: &mut Connection, filter: &TaskFilter) -> Result<TaskPage> {
    let limit = filter
        .limit
        .unwrap_or(DEFAULT_LIST_LIMIT)
        .clamp(1, MAX_LIST_LIMIT);
    let mut conditions = Vec::new();
    let mut values: Vec<SqlValue> = Vec::new();
    if let Some(user_id) = &filter.user_id {
        values.push(SqlValue::Text(user_id.clone()));
        conditions.push(format!("user_id = ?{}", values.len()));
    }
    if let Some(state) = filter.state {
        values.push(SqlValue::Text(state.as_str().to_owned()));
        conditions.push(format!("state = ?{}", values.len()));
    }
    if let Some(before) = filter.before_sequence {
        values.push(SqlValue::Integer(before));
        conditions.push(format!("seq < ?{}", values.len()));
    }
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    // One row more than the page tells whether a next page exists.
    values.push(SqlValue::Integer(i64::from(limit) + 1));
    let sql = format!(
        "SELECT {TASK_COLUMNS} FROM tasks {where_clause} ORDER BY seq DESC LIMIT ?{}",
        values.len()
    );
    let mut statement = connection.prepare(&sql)?;
    // A row whose id cannot even be read is left out (salvage_task).
    let mut tasks = statement
        .query_map(rusqlite::params_from_iter(values), task_from_row)?
        .filter_map(Result::transpose)
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let next_cursor = if tasks.len() > limit as usize {
        tasks.truncate(limit as usize);
        tasks.last().map(|task| task.sequence)
    } else {
        None
    };
    Ok(TaskPage { tasks, next_cursor })
}

pub(super) fn queue_counts(connection: &mut Connection) -> Result<QueueCounts> {
    let mut statement = connection.prepare("SELECT state, COUNT(*) FROM tasks GROUP BY state")?;
    let mut counts = QueueCounts::default();
    let rows = statement.query_map([], |row| {
        Ok((stored_state(row.get(0)?)?, row.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (state, number) = row?;
        let number = number.max(0) as u64;
        match state {
            TaskState::Queued => counts.queued = number,
            TaskState::Running => counts.running = number,
            TaskState::Completed => counts.completed = number,
            TaskState::Failed => counts.failed = number,
            TaskState::Cancelled => counts.cancelled = number,
        }
    }
    Ok(counts)
}

pub(super) fn queue_estimate(
    connection: &mut Connection,
    id: &TaskId,
    max_concurrent: u32,
) -> Result<Option<QueueEstimate>> {
    // One read transaction so that position, running count and durations agree.
    let transaction = connection.transaction()?;
    let task =
        find_task(&transaction, id)?.ok_or_else(|| QueueError::TaskNotFound { id: id.clone() })?;
    if task.state() != TaskState::Queued {
        return Ok(None);
    }
    let ahead = count(
        &transaction,
        "SELECT COUNT(*) FROM tasks WHERE state = 'queued'
           AND (priority > ?1 OR (priority = ?1 AND seq < ?2))",
        params![task.priority, task.sequence],
    )?;
    let running = count(
        &transaction,
        "SELECT COUNT(*) FROM tasks WHERE state = 'running'",
        [],
    )?;
    let mean_duration_millis: Option<f64> = transaction.query_row(
        "SELECT AVG(finished_at - started_at) FROM (
             SELECT finished_at, started_at FROM tasks
             WHERE state = 'completed' AND kind = ?1 AND started_at IS NOT NULL
             ORDER BY finished_at DESC LIMIT ?2)",
        params![task.kind, ETA_SAMPLE_SIZE],
        |row| row.get(0),
    )?;
    let position = ahead + 1;
    Ok(Some(QueueEstimate {
        position,
        eta_seconds: mean_duration_millis
            .map(|mean| estimate_start_seconds(position, running, max_concurrent, mean / 1000.0)),
    }))
}

pub(super) fn cancel_task(connection: &mut Connection, id: &TaskId) -> Result<CancelOutcome> {
    let transaction = immediate(connection)?;
    let state: Option<String> = transaction
        .query_row(
            "SELECT state FROM tasks WHERE id = ?1",
            [id.as_str()],
            |row| row.get(0),
        )
        .optional()?;
    let state = match state {
        Some(state) => TaskState::parse(&state)?,
        None => return Err(QueueError::TaskNotFound { id: id.clone() }),
    };
    let outcome = match state {
        TaskState::Queued => {
            transaction.execute(
                "UPDATE tasks SET state = 'cancelled', cancel_requested = 1, finished_at = ?2
                 WHERE id = ?1 AND state = 'queued'",
                params![id.as_str(), now_millis()],
            )?;
            CancelOutcome::Cancelled
        }
        TaskState::Running => {
            transaction.execute(
                "UPDATE tasks SET cancel_requested = 1 WHERE id = ?1 AND state = 'running'",
                [id.as_str()],
            )?;
            CancelOutcome::StopRequested
        }
        finished => {
            return Err(QueueError::AlreadyFinished {
                id: id.clone(),
                state: finished,
            })
        }
    };
    transaction.commit()?;
    Ok(outcome)
}

pub(super) fn is_cancel_requested(connection: &mut Connection, id: &TaskId) -> Result<bool> {
    connection
        .query_row(
            "SELECT cancel_requested FROM tasks WHERE id = ?1",
            [id.as_str()],
            |row| row.get(0),
        )
        .optional()?
        .ok_or_else(|| QueueError::TaskNotFound { id: id.clone() })
}

pub(super) fn prune(connection: &mut Connection, older_than: Duration) -> Result<PruneReport> {
    let cutoff = now_millis().saturating_sub(millis(older_than));
    let transaction = immediate(connection)?;
    let finished = "SELECT id FROM tasks
        WHERE state IN ('completed', 'failed', 'cancelled') AND finished_at < ?1";
    let log_lines = transaction.execute(
        &format!("DELETE FROM task_logs WHERE task_id IN ({finished})"),
        [cutoff],
    )?;
    let tasks = transaction.execute(
        "DELETE FROM tasks
         WHERE state IN ('completed', 'failed', 'cancelled') AND finished_at < ?1",
        [cutoff],
    )?;
    transaction.commit()?;
    Ok(PruneReport {
        tasks: tasks as u64,
        log_lines: log_lines as u64,
    })
}
