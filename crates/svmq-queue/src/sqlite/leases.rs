//! The worker's statements of the SQLite store: claims, lease recovery and renewal,
//! progress, and the transitions out of `running`.
//!
//! Every transition out of `running` is written `WHERE state = 'running' AND
//! lease_owner = ?`, so a terminal state is never overwritten and a worker that lost its
//! lease changes nothing. When such an update touches no row, [`explain_refusal`] reads
//! why and returns the matching error.

use std::time::Duration;

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::Value;

use super::convert::millis;
use super::rows::{claim_from_row, CLAIM_COLUMNS};
use super::tasks::{count, find_task, immediate};
use crate::error::{QueueError, Result};
use crate::ids::{TaskId, WorkerId};
use crate::model::ModelRecord;
use crate::state::TaskState;
use crate::stored::{self, unreadable_task_error};
use crate::task::{
    interrupted_error, now_millis, refused_owned_update, state_after_interruption, ClaimedTask,
    LeaseRenewal, LogLevel, Recovery,
};

/// Applies the lease-expiry rules to one running task inside `transaction`, with a log
/// line saying what happened. `worker_id` restricts it to that lease owner.
fn interrupt_running_task(
    transaction: &Transaction<'_>,
    id: &TaskId,
    worker_id: Option<&WorkerId>,
    reason: &str,
) -> Result<Option<TaskState>> {
    let row: Option<(SqlValue, SqlValue, SqlValue)> = transaction
        .query_row(
            "SELECT attempts, max_attempts, cancel_requested FROM tasks
             WHERE id = ?1 AND state = 'running' AND (?2 IS NULL OR lease_owner = ?2)",
            params![id.as_str(), worker_id.map(WorkerId::as_str)],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    let Some((attempts, max_attempts, cancel_requested)) = row else {
        return Ok(None);
    };
    // Counts that cannot be read leave no attempt to make: the task fails.
    let (attempts, max_attempts) = match (attempts, max_attempts) {
        (SqlValue::Integer(attempts), SqlValue::Integer(max_attempts)) => (
            stored::attempts("attempts", attempts, 0).unwrap_or(1),
            stored::attempts("max_attempts", max_attempts, 1).unwrap_or(1),
        ),
        _ => (1, 1),
    };
    let cancel_requested = matches!(cancel_requested, SqlValue::Integer(flag) if flag != 0);
    let now = now_millis();
    let next = state_after_interruption(cancel_requested, attempts, max_attempts);
    let log_message = match next {
        TaskState::Queued => {
            transaction.execute(
                "UPDATE tasks SET state = 'queued', started_at = NULL, lease_owner = NULL,
                     lease_expires_at = NULL, progress = 0, progress_message = NULL
                 WHERE id = ?1 AND state = 'running'",
                [id.as_str()],
            )?;
            format!("{reason}; queued again (attempt {attempts} of {max_attempts} was interrupted)")
        }
        TaskState::Failed => {
            let error = interrupted_error(attempts, max_attempts);
            transaction.execute(
                "UPDATE tasks SET state = 'failed', finished_at = ?2, lease_expires_at = NULL,
                     error = ?3
                 WHERE id = ?1 AND state = 'running'",
                params![id.as_str(), now, error],
            )?;
            format!("{reason}; {error}")
        }
        _ => {
            transaction.execute(
                "UPDATE tasks SET state = 'cancelled', finished_at = ?2, lease_expires_at = NULL
                 WHERE id = ?1 AND state = 'running'",
                params![id.as_str(), now],
            )?;
            format!("{reason}; cancelled as requested")
        }
    };
    super::registry::append_log_in(transaction, id, LogLevel::Warning, &log_message)?;
    Ok(Some(next))
}

fn recover_expired_in(transaction: &Transaction<'_>) -> Result<Recovery> {
    let expired: Vec<(i64, SqlValue)> = {
        let mut statement = transaction.prepare(
            "SELECT seq, id FROM tasks WHERE state = 'running' AND lease_expires_at < ?1
             ORDER BY seq",
        )?;
        let rows = statement.query_map([now_millis()], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut recovery = Recovery::default();
    for (sequence, id) in expired {
        let id = match id {
            SqlValue::Text(text) => text.parse::<TaskId>().ok(),
            _ => None,
        };
        let Some(id) = id else {
            transaction.execute(
                "UPDATE tasks SET state = 'failed', finished_at = ?2, lease_expires_at = NULL,
                     error = ?3
                 WHERE seq = ?1",
                params![
                    sequence,
                    now_millis(),
                    unreadable_task_error("its stored id is malformed")
                ],
            )?;
            continue;
        };
        let reason = "the lease expired: the worker running it stopped";
        match interrupt_running_task(transaction, &id, None, reason)? {
            Some(TaskState::Queued) => recovery.requeued.push(id),
            Some(TaskState::Failed) => recovery.failed.push(id),
            Some(TaskState::Cancelled) => recovery.cancelled.push(id),
            _ => {}
        }
    }
    if !recovery.is_empty() {
        tracing::warn!(?recovery, "recovered tasks whose worker stopped");
    }
    Ok(recovery)
}

pub(super) fn recover_expired_leases(connection: &mut Connection) -> Result<Recovery> {
    let transaction = immediate(connection)?;
    let recovery = recover_expired_in(&transaction)?;
    transaction.commit()?;
    Ok(recovery)
}

pub(super) fn claim_next_task(
    connection: &mut Connection,
    worker_id: &WorkerId,
    lease_duration: Duration,
    max_concurrent: u32,
) -> Result<Option<ClaimedTask>> {
    let transaction = immediate(connection)?;
    recover_expired_in(&transaction)?;
    let running = count(
        &transaction,
        "SELECT COUNT(*) FROM tasks WHERE state = 'running'",
        [],
    )?;
    if running >= u64::from(max_concurrent) {
        transaction.commit()?;
        return Ok(None);
    }
    let now = now_millis();
    let lease_expires_at = now.saturating_add(millis(lease_duration));
    let claim_sql = format!(
        "UPDATE tasks SET state = 'running', attempts = attempts + 1, started_at = ?1,
             lease_owner = ?2, lease_expires_at = ?3, progress = 0, progress_message = NULL
         WHERE seq = (SELECT seq FROM tasks WHERE state = 'queued'
                      ORDER BY priority DESC, seq ASC LIMIT 1)
         RETURNING {CLAIM_COLUMNS}"
    );
    // A task whose stored record cannot be read fails alone, in this transaction, and
    // the next one is claimed instead.
    let claimed = loop {
        let row = transaction
            .query_row(
                &claim_sql,
                params![now, worker_id.as_str(), lease_expires_at],
                |row| claim_from_row(row, now, lease_expires_at),
            )
            .optional()?;
        match row {
            None => break None,
            Some(Ok(claimed)) => break Some(claimed),
            Some(Err(unreadable)) => {
                let error = unreadable_task_error(&unreadable.refusal);
                let sequence = unreadable.sequence;
                tracing::error!(task_id = %unreadable.id, %error,
                    "failed a task whose record is unreadable");
                transaction.execute(
                    "UPDATE tasks SET state = 'failed', finished_at = ?2, lease_owner = NULL,
                         lease_expires_at = NULL, error = ?3
                     WHERE seq = ?1",
                    params![sequence, now, error],
                )?;
            }
        }
    };
    transaction.commit()?;
    Ok(claimed)
}

/// After an update restricted to `state = 'running' AND lease_owner = ?` touched no
/// row: the error that says why.
fn explain_refusal(connection: &Connection, id: &TaskId, worker_id: &WorkerId) -> QueueError {
    refused_owned_update(id, worker_id, find_task(connection, id))
}

/// Runs an update that must touch exactly the running task owned by `worker_id`
/// (parameters `?1` = task id, `?2` = worker id, then `extra`).
fn update_owned_task(
    connection: &Connection,
    id: &TaskId,
    worker_id: &WorkerId,
    set_clause: &str,
    extra: &[SqlValue],
) -> Result<()> {
    let sql = format!(
        "UPDATE tasks SET {set_clause} WHERE id = ?1 AND state = 'running' AND lease_owner = ?2"
    );
    let mut values = vec![
        SqlValue::Text(id.as_str().to_owned()),
        SqlValue::Text(worker_id.as_str().to_owned()),
    ];
    values.extend_from_slice(extra);
    let changed = connection.execute(&sql, rusqlite::params_from_iter(values))?;
    if changed == 1 {
        Ok(())
    } else {
        Err(explain_refusal(connection, id, worker_id))
    }
}

pub(super) fn renew_lease(
    connection: &mut Connection,
    id: &TaskId,
    worker_id: &WorkerId,
    lease_duration: Duration,
) -> Result<LeaseRenewal> {
    let lease_expires_at = now_millis().saturating_add(millis(lease_duration));
    let cancel_requested: Option<bool> = connection
        .query_row(
            "UPDATE tasks SET lease_expires_at = ?3
             WHERE id = ?1 AND state = 'running' AND lease_owner = ?2
             RETURNING cancel_requested",
            params![id.as_str(), worker_id.as_str(), lease_expires_at],
            |row| row.get(0),
        )
        .optional()?;
    match cancel_requested {
        Some(cancel_requested) => Ok(LeaseRenewal {
            cancel_requested,
            lease_expires_at,
        }),
        None => Err(explain_refusal(connection, id, worker_id)),
    }
}

pub(super) fn report_progress(
    connection: &mut Connection,
    id: &TaskId,
    worker_id: &WorkerId,
    percent: f64,
    message: Option<&str>,
) -> Result<()> {
    update_owned_task(
        connection,
        id,
        worker_id,
        "progress = ?3, progress_message = ?4",
        &[
            SqlValue::Real(percent),
            message.map_or(SqlValue::Null, |message| SqlValue::Text(message.to_owned())),
        ],
    )
}

pub(super) fn complete_task(
    connection: &mut Connection,
    id: &TaskId,
    worker_id: &WorkerId,
    result: &Value,
    models: &[ModelRecord],
) -> Result<()> {
    let transaction = immediate(connection)?;
    update_owned_task(
        &transaction,
        id,
        worker_id,
        "state = 'completed', finished_at = ?3, lease_expires_at = NULL, progress = 100, \
         result = ?4",
        &[
            SqlValue::Integer(now_millis()),
            SqlValue::Text(serde_json::to_string(result)?),
        ],
    )?;
    for model in models {
        super::registry::insert_model(&transaction, model)?;
    }
    transaction.commit()?;
    Ok(())
}

pub(super) fn fail_task(
    connection: &mut Connection,
    id: &TaskId,
    worker_id: &WorkerId,
    error: &str,
) -> Result<()> {
    update_owned_task(
        connection,
        id,
        worker_id,
        "state = 'failed', finished_at = ?3, lease_expires_at = NULL, error = ?4",
        &[
            SqlValue::Integer(now_millis()),
            SqlValue::Text(error.to_owned()),
        ],
    )
}

pub(super) fn mark_cancelled(
    connection: &mut Connection,
    id: &TaskId,
    worker_id: &WorkerId,
) -> Result<()> {
    update_owned_task(
        connection,
        id,
        worker_id,
        "state = 'cancelled', finished_at = ?3, lease_expires_at = NULL, cancel_requested = 1",
        &[SqlValue::Integer(now_millis())],
    )
}

pub(super) fn release_task(
    connection: &mut Connection,
    id: &TaskId,
    worker_id: &WorkerId,
) -> Result<TaskState> {
    let transaction = immediate(connection)?;
    let reason = "released by its worker at shutdown";
    match interrupt_running_task(&transaction, id, Some(worker_id), reason)? {
        Some(state) => {
            transaction.commit()?;
            Ok(state)
        }
        None => Err(explain_refusal(&transaction, id, worker_id)),
    }
}
