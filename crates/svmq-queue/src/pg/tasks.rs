//! Task statements of the PostgreSQL store that do not need a lease: submit, read,
//! list, count, estimate, cancel and prune. The worker's statements are in `leases`.

use std::time::Duration;

use postgres::types::ToSql;
use postgres::{Client, GenericClient};

use super::convert::{millis, to_count};
use super::locks::LockKeys;
use super::rows::{task_from_row, TASK_COLUMNS};
use crate::error::{QueueError, Result};
use crate::ids::TaskId;
use crate::state::TaskState;
use crate::task::{
    estimate_start_seconds, CancelOutcome, NewTask, PruneReport, QueueCounts, QueueEstimate,
    Submission, SubmitLimits, TaskFilter, TaskPage, TaskRecord, DEFAULT_LIST_LIMIT,
    ETA_SAMPLE_SIZE, MAX_LIST_LIMIT,
};

pub(super) fn find_task(
    client: &mut impl GenericClient,
    id: &TaskId,
) -> Result<Option<TaskRecord>> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1");
    client
        .query_opt(sql.as_str(), &[&id.as_str()])?
        .as_ref()
        .and_then(task_from_row)
        .map_or(Ok(None), |task| Ok(Some(task)))
}

pub(super) fn get_task(client: &mut Client, id: &TaskId) -> Result<TaskRecord> {
    find_task(client, id)?.ok_or_else(|| QueueError::TaskNotFound { id: id.clone() })
}

pub(super) fn count(
    client: &mut impl GenericClient,
    sql: &str,
    parameters: &[&(dyn ToSql + Sync)],
) -> Result<u64> {
    let number: i64 = client.query_one(sql, parameters)?.try_get(0)?;
    Ok(to_count(number))
}

/// Sends a wake-up on the schema's channel when the transaction commits.
pub(super) fn notify(client: &mut impl GenericClient, keys: &LockKeys, what: &str) -> Result<()> {
    client.execute("SELECT pg_notify($1, $2)", &[&keys.channel, &what])?;
    Ok(())
}

pub(super) fn submit(
    client: &mut Client,
    keys: &LockKeys,
    task: &NewTask,
    limits: &SubmitLimits,
) -> Result<Submission> {
    let mut transaction = client.transaction()?;
    if let Some(key) = &task.idempotency_key {
        let existing = transaction.query_opt(
            "SELECT id FROM tasks WHERE user_id = $1 AND idempotency_key = $2",
            &[&task.user_id, key],
        )?;
        if let Some(existing) = existing {
            return Ok(Submission {
                task_id: existing.try_get::<_, String>(0)?.parse()?,
                created: false,
            });
        }
    }
    if limits.max_open_tasks.is_some() || limits.max_open_tasks_per_user.is_some() {
        // Counting then inserting must not interleave with another submitter.
        transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&keys.submit])?;
    }
    if let Some(limit) = limits.max_open_tasks {
        let open = count(
            &mut transaction,
            "SELECT COUNT(*) FROM tasks WHERE state IN ('queued', 'running')",
            &[],
        )?;
        if open >= limit {
            return Err(QueueError::QueueFull { limit });
        }
    }
    if let Some(limit) = limits.max_open_tasks_per_user {
        let open = count(
            &mut transaction,
            "SELECT COUNT(*) FROM tasks WHERE user_id = $1 AND state IN ('queued', 'running')",
            &[&task.user_id],
        )?;
        if open >= limit {
            return Err(QueueError::UserTaskLimit {
                user_id: task.user_id.clone(),
                limit,
            });
        }
    }
    let id = TaskId::generate();
    let max_attempts = i32::try_from(task.max_attempts).unwrap_or(i32::MAX);
    let timeout_seconds = task.timeout.map(|timeout| timeout.as_secs_f64());
    // A concurrent submit with the same key wins the unique index; this one then
    // inserts nothing and returns the winner's task.
    let inserted = transaction.query_opt(
        "INSERT INTO tasks (id, kind, payload, user_id, priority, state, max_attempts,
                            created_at, idempotency_key, timeout_seconds)
         VALUES ($1, $2, $3, $4, $5, 'queued', $6, now_ms(), $7, $8)
         ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING id",
        &[
            &id.as_str(),
            &task.kind,
            &serde_json::to_string(&task.payload)?,
            &task.user_id,
            &task.priority,
            &max_attempts,
            &task.idempotency_key,
            &timeout_seconds,
        ],
    )?;
    if inserted.is_none() {
        let existing = transaction.query_one(
            "SELECT id FROM tasks WHERE user_id = $1 AND idempotency_key = $2",
            &[&task.user_id, &task.idempotency_key],
        )?;
        return Ok(Submission {
            task_id: existing.try_get::<_, String>(0)?.parse()?,
            created: false,
        });
    }
    notify(&mut transaction, keys, "submitted")?;
    transaction.commit()?;
    Ok(Submission {
        task_id: id,
        created: true,
    })
}

pub(super) fn list_tasks(client: &mut Client, filter: &TaskFilter) -> Result<TaskPage> {
    let limit = filter
        .limit
        .unwrap_or(DEFAULT_LIST_LIMIT)
        .clamp(1, MAX_LIST_LIMIT);
    let state = filter.state.map(TaskState::as_str);
    // One row more than the page tells whether a next page exists.
    let fetch = i64::from(limit) + 1;
    let sql = format!(
        "SELECT {TASK_COLUMNS} FROM tasks
         WHERE ($1::TEXT IS NULL OR user_id = $1)
           AND ($2::TEXT IS NULL OR state = $2)
           AND ($3::BIGINT IS NULL OR seq < $3)
         ORDER BY seq DESC LIMIT $4"
    );
    let rows = client.query(
        sql.as_str(),
        &[&filter.user_id, &state, &filter.before_sequence, &fetch],
    )?;
    // A row whose id cannot even be read is left out (salvage_task).
    let mut tasks: Vec<_> = rows.iter().filter_map(task_from_row).collect();
    let next_cursor = if tasks.len() > limit as usize {
        tasks.truncate(limit as usize);
        tasks.last().map(|task| task.sequence)
    } else {
        None
    };
    Ok(TaskPage { tasks, next_cursor })
}

pub(super) fn queue_counts(client: &mut Client) -> Result<QueueCounts> {
    let mut counts = QueueCounts::default();
    for row in client.query("SELECT state, COUNT(*) FROM tasks GROUP BY state", &[])? {
        let number = to_count(row.try_get(1)?);
        match TaskState::parse(row.try_get(0)?)? {
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
    client: &mut Client,
    id: &TaskId,
    max_concurrent: u32,
) -> Result<Option<QueueEstimate>> {
    // One snapshot so that position, running count and durations agree.
    let mut transaction = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let task = find_task(&mut transaction, id)?
        .ok_or_else(|| QueueError::TaskNotFound { id: id.clone() })?;
    if task.state() != TaskState::Queued {
        return Ok(None);
    }
    let ahead = count(
        &mut transaction,
        "SELECT COUNT(*) FROM tasks WHERE state = 'queued'
           AND (priority > $1 OR (priority = $1 AND seq < $2))",
        &[&task.priority, &task.sequence],
    )?;
    let running = count(
        &mut transaction,
        "SELECT COUNT(*) FROM tasks WHERE state = 'running'",
        &[],
    )?;
    let sample = i64::from(ETA_SAMPLE_SIZE);
    let mean_duration_millis: Option<f64> = transaction
        .query_one(
            "SELECT AVG(finished_at - started_at)::DOUBLE PRECISION FROM (
                 SELECT finished_at, started_at FROM tasks
                 WHERE state = 'completed' AND kind = $1 AND started_at IS NOT NULL
                 ORDER BY finished_at DESC LIMIT $2) AS recent",
            &[&task.kind, &sample],
        )?
        .try_get(0)?;
    transaction.commit()?;
    let position = ahead + 1;
    Ok(Some(QueueEstimate {
        position,
        eta_seconds: mean_duration_millis
            .map(|mean| estimate_start_seconds(position, running, max_concurrent, mean / 1000.0)),
    }))
}

pub(super) fn cancel_task(
    client: &mut Client,
    keys: &LockKeys,
    id: &TaskId,
) -> Result<CancelOutcome> {
    let mut transaction = client.transaction()?;
    let state = transaction.query_opt(
        "SELECT state FROM tasks WHERE id = $1 FOR UPDATE",
        &[&id.as_str()],
    )?;
    let state = match state {
        Some(row) => TaskState::parse(row.try_get(0)?)?,
        None => return Err(QueueError::TaskNotFound { id: id.clone() }),
    };
    let outcome = match state {
        TaskState::Queued => {
            transaction.execute(
                "UPDATE tasks SET state = 'cancelled', cancel_requested = TRUE,
                     finished_at = now_ms()
                 WHERE id = $1 AND state = 'queued'",
                &[&id.as_str()],
            )?;
            CancelOutcome::Cancelled
        }
        TaskState::Running => {
            transaction.execute(
                "UPDATE tasks SET cancel_requested = TRUE WHERE id = $1 AND state = 'running'",
                &[&id.as_str()],
            )?;
            // The worker running it may be on another machine: wake it now rather
            // than at its next poll.
            notify(&mut transaction, keys, "cancel")?;
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

pub(super) fn is_cancel_requested(client: &mut Client, id: &TaskId) -> Result<bool> {
    client
        .query_opt(
            "SELECT cancel_requested FROM tasks WHERE id = $1",
            &[&id.as_str()],
        )?
        .map(|row| row.try_get(0))
        .transpose()?
        .ok_or_else(|| QueueError::TaskNotFound { id: id.clone() })
}

pub(super) fn prune(client: &mut Client, older_than: Duration) -> Result<PruneReport> {
    // A century at most: older_than = Duration::MAX must not overflow BIGINT.
    let age = millis(older_than).min(100 * 365 * 86_400_000);
    let mut transaction = client.transaction()?;
    let finished = "SELECT id FROM tasks
        WHERE state IN ('completed', 'failed', 'cancelled') AND finished_at < now_ms() - $1";
    let log_lines = transaction.execute(
        format!("DELETE FROM task_logs WHERE task_id IN ({finished})").as_str(),
        &[&age],
    )?;
    let tasks = transaction.execute(
        "DELETE FROM tasks
         WHERE state IN ('completed', 'failed', 'cancelled') AND finished_at < now_ms() - $1",
        &[&age],
    )?;
    transaction.commit()?;
    Ok(PruneReport { tasks, log_lines })
}
