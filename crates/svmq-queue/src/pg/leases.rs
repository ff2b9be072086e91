//! The worker's statements of the PostgreSQL store: claims under the global limit,
//! lease recovery and renewal, progress, and the transitions out of `running`.
//!
//! The global limit: a claim takes the schema's claim advisory lock for its
//! transaction, then counts running tasks, then locks the next queued row with
//! `FOR UPDATE SKIP LOCKED`. Claims are the only way into `running`, so with claims
//! serialized the count cannot grow between the check and the update, whichever
//! machine the other claimers run on. (Under READ COMMITTED each statement sees every
//! transaction committed before it began, and a claim commits before it releases the
//! lock.) Leaving `running` needs no lock: it can only lower the count.
//!
//! Every transition out of `running` is written `WHERE state = 'running' AND
//! lease_owner = $2`, so a terminal state is never overwritten and a worker that lost
//! its lease changes nothing: a result is recorded once.

use std::time::Duration;

use postgres::types::ToSql;
use postgres::{Client, GenericClient, Transaction};
use serde_json::Value;

use super::convert::{millis, to_u32};
use super::locks::LockKeys;
use super::registry::ModelFile;
use super::rows::{claim_from_row, CLAIM_COLUMNS};
use super::tasks::{count, find_task, notify};
use crate::error::{QueueError, Result};
use crate::ids::{TaskId, WorkerId};
use crate::model::ModelRecord;
use crate::state::TaskState;
use crate::stored::unreadable_task_error;
use crate::task::{
    interrupted_error, refused_owned_update, state_after_interruption, ClaimedTask, LeaseRenewal,
    LogLevel, Recovery,
};

/// Applies the lease-expiry rules to one running task inside `transaction`, with a log
/// line saying what happened. `worker_id` restricts it to that lease owner.
fn interrupt_running_task(
    transaction: &mut Transaction<'_>,
    id: &TaskId,
    worker_id: Option<&WorkerId>,
    reason: &str,
) -> Result<Option<TaskState>> {
    let row = transaction.query_opt(
        "SELECT attempts, max_attempts, cancel_requested FROM tasks
         WHERE id = $1 AND state = 'running' AND ($2::TEXT IS NULL OR lease_owner = $2)
         FOR UPDATE",
        &[&id.as_str(), &worker_id.map(WorkerId::as_str)],
    )?;
    let Some(row) = row else {
        return Ok(None);
    };
    let attempts = to_u32(row.try_get(0)?);
    let max_attempts = to_u32(row.try_get(1)?);
    let cancel_requested: bool = row.try_get(2)?;
    let next = state_after_interruption(cancel_requested, attempts, max_attempts);
    let log_message = match next {
        TaskState::Queued => {
            transaction.execute(
                "UPDATE tasks SET state = 'queued', started_at = NULL, lease_owner = NULL,
                     lease_expires_at = NULL, progress = 0, progress_message = NULL
                 WHERE id = $1 AND state = 'running'",
                &[&id.as_str()],
            )?;
            format!("{reason}; queued again (attempt {attempts} of {max_attempts} was interrupted)")
        }
        TaskState::Failed => {
            let error = interrupted_error(attempts, max_attempts);
            transaction.execute(
                "UPDATE tasks SET state = 'failed', finished_at = now_ms(),
                     lease_expires_at = NULL, error = $2
                 WHERE id = $1 AND state = 'running'",
                &[&id.as_str(), &error],
            )?;
            format!("{reason}; {error}")
        }
        _ => {
            transaction.execute(
                "UPDATE tasks SET state = 'cancelled', finished_at = now_ms(),
                     lease_expires_at = NULL
                 WHERE id = $1 AND state = 'running'",
                &[&id.as_str()],
            )?;
            format!("{reason}; cancelled as requested")
        }
    };
    super::registry::append_log_in(transaction, id, LogLevel::Warning, &log_message)?;
    Ok(Some(next))
}

fn recover_expired_in(transaction: &mut Transaction<'_>, keys: &LockKeys) -> Result<Recovery> {
    // Rows another recoverer holds are skipped: it is dealing with them.
    let expired: Vec<(i64, Option<TaskId>)> = transaction
        .query(
            "SELECT seq, id FROM tasks WHERE state = 'running' AND lease_expires_at < now_ms()
             ORDER BY seq FOR UPDATE SKIP LOCKED",
            &[],
        )?
        .iter()
        .map(|row| {
            let id = row
                .try_get::<_, String>(1)
                .ok()
                .and_then(|id| id.parse().ok());
            row.try_get(0).map(|sequence| (sequence, id))
        })
        .collect::<Result<_, _>>()?;
    let mut recovery = Recovery::default();
    for (sequence, id) in expired {
        let Some(id) = id else {
            transaction.execute(
                "UPDATE tasks SET state = 'failed', finished_at = now_ms(),
                     lease_expires_at = NULL, error = $2
                 WHERE seq = $1",
                &[
                    &sequence,
                    &unreadable_task_error("its stored id is malformed"),
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
        notify(transaction, keys, "recovered")?;
    }
    Ok(recovery)
}

pub(super) fn recover_expired_leases(client: &mut Client, keys: &LockKeys) -> Result<Recovery> {
    let mut transaction = client.transaction()?;
    let recovery = recover_expired_in(&mut transaction, keys)?;
    transaction.commit()?;
    Ok(recovery)
}

pub(super) fn claim_next_task(
    client: &mut Client,
    keys: &LockKeys,
    worker_id: &WorkerId,
    lease_duration: Duration,
    max_concurrent: u32,
) -> Result<Option<ClaimedTask>> {
    let mut transaction = client.transaction()?;
    transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&keys.claim])?;
    recover_expired_in(&mut transaction, keys)?;
    let running = count(
        &mut transaction,
        "SELECT COUNT(*) FROM tasks WHERE state = 'running'",
        &[],
    )?;
    if running >= u64::from(max_concurrent) {
        transaction.commit()?;
        return Ok(None);
    }
    let claim_sql = format!(
        "WITH next AS (
             SELECT seq FROM tasks WHERE state = 'queued'
             ORDER BY priority DESC, seq ASC LIMIT 1
             FOR UPDATE SKIP LOCKED),
         clock AS (SELECT now_ms() AS now)
         UPDATE tasks SET state = 'running', attempts = attempts + 1, started_at = clock.now,
             lease_owner = $1, lease_expires_at = clock.now + $2, progress = 0,
             progress_message = NULL
         FROM next, clock
         WHERE tasks.seq = next.seq
         RETURNING {}, tasks.started_at, tasks.lease_expires_at",
        CLAIM_COLUMNS
            .split(", ")
            .map(|column| format!("tasks.{column}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // A task whose stored record cannot be read fails alone, in this transaction, and
    // the next one is claimed instead.
    let claimed = loop {
        let Some(row) = transaction.query_opt(
            claim_sql.as_str(),
            &[&worker_id.as_str(), &millis(lease_duration)],
        )?
        else {
            break None;
        };
        let started_at: i64 = row.try_get(8)?;
        let lease_expires_at: i64 = row.try_get(9)?;
        match claim_from_row(&row, started_at, lease_expires_at) {
            Ok(claimed) => break Some(claimed),
            Err(unreadable) => {
                let error = unreadable_task_error(&unreadable.refusal);
                tracing::error!(task_id = %unreadable.id, %error,
                    "failed a task whose record is unreadable");
                transaction.execute(
                    "UPDATE tasks SET state = 'failed', finished_at = now_ms(),
                         lease_owner = NULL, lease_expires_at = NULL, error = $2
                     WHERE seq = $1",
                    &[&unreadable.sequence, &error],
                )?;
            }
        }
    };
    transaction.commit()?;
    Ok(claimed)
}

/// After an update restricted to `state = 'running' AND lease_owner = $2` touched no
/// row: the error that says why.
fn explain_refusal(
    client: &mut impl GenericClient,
    id: &TaskId,
    worker_id: &WorkerId,
) -> QueueError {
    refused_owned_update(id, worker_id, find_task(client, id))
}

/// Runs an update that must touch exactly the running task owned by `worker_id`
/// (parameters `$1` = task id, `$2` = worker id, then `extra`). With `keys`, it also
/// wakes the other workers: the task left `running`, so a slot is free.
fn update_owned_task(
    client: &mut Client,
    keys: Option<&LockKeys>,
    id: &TaskId,
    worker_id: &WorkerId,
    set_clause: &str,
    extra: &[&(dyn ToSql + Sync)],
) -> Result<()> {
    update_owned_task_then(client, keys, id, worker_id, set_clause, extra, |_| Ok(()))
}

/// [`update_owned_task`], then `then` in the same transaction.
fn update_owned_task_then(
    client: &mut Client,
    keys: Option<&LockKeys>,
    id: &TaskId,
    worker_id: &WorkerId,
    set_clause: &str,
    extra: &[&(dyn ToSql + Sync)],
    then: impl FnOnce(&mut Transaction<'_>) -> Result<()>,
) -> Result<()> {
    let sql = format!(
        "UPDATE tasks SET {set_clause} WHERE id = $1 AND state = 'running' AND lease_owner = $2"
    );
    let (id_text, worker_text) = (id.as_str(), worker_id.as_str());
    let mut parameters: Vec<&(dyn ToSql + Sync)> = vec![&id_text, &worker_text];
    parameters.extend_from_slice(extra);
    let mut transaction = client.transaction()?;
    let changed = transaction.execute(sql.as_str(), &parameters)?;
    if changed != 1 {
        let refusal = explain_refusal(&mut transaction, id, worker_id);
        return Err(refusal);
    }
    then(&mut transaction)?;
    if let Some(keys) = keys {
        notify(&mut transaction, keys, "finished")?;
    }
    transaction.commit()?;
    Ok(())
}

pub(super) fn renew_lease(
    client: &mut Client,
    id: &TaskId,
    worker_id: &WorkerId,
    lease_duration: Duration,
) -> Result<LeaseRenewal> {
    let row = client.query_opt(
        "UPDATE tasks SET lease_expires_at = now_ms() + $3
         WHERE id = $1 AND state = 'running' AND lease_owner = $2
         RETURNING cancel_requested, lease_expires_at",
        &[&id.as_str(), &worker_id.as_str(), &millis(lease_duration)],
    )?;
    match row {
        Some(row) => Ok(LeaseRenewal {
            cancel_requested: row.try_get(0)?,
            lease_expires_at: row.try_get(1)?,
        }),
        None => Err(explain_refusal(client, id, worker_id)),
    }
}

pub(super) fn report_progress(
    client: &mut Client,
    id: &TaskId,
    worker_id: &WorkerId,
    percent: f64,
    message: Option<&str>,
) -> Result<()> {
    update_owned_task(
        client,
        None,
        id,
        worker_id,
        "progress = $3, progress_message = $4",
        &[&percent, &message],
    )
}

/// Completes the task and registers its models (`files[i]` are `models[i]`'s) in one
/// transaction.
pub(super) fn complete_task(
    client: &mut Client,
    keys: &LockKeys,
    id: &TaskId,
    worker_id: &WorkerId,
    result: &Value,
    models: &[ModelRecord],
    files: &[Vec<ModelFile>],
) -> Result<()> {
    let result = serde_json::to_string(result)?;
    update_owned_task_then(
        client,
        Some(keys),
        id,
        worker_id,
        "state = 'completed', finished_at = now_ms(), lease_expires_at = NULL, progress = 100, \
         result = $3",
        &[&result],
        |transaction| {
            for (model, files) in models.iter().zip(files) {
                super::registry::insert_model(transaction, model, files)?;
            }
            Ok(())
        },
    )
}

pub(super) fn fail_task(
    client: &mut Client,
    keys: &LockKeys,
    id: &TaskId,
    worker_id: &WorkerId,
    error: &str,
) -> Result<()> {
    update_owned_task(
        client,
        Some(keys),
        id,
        worker_id,
        "state = 'failed', finished_at = now_ms(), lease_expires_at = NULL, error = $3",
        &[&error],
    )
}

pub(super) fn mark_cancelled(
    client: &mut Client,
    keys: &LockKeys,
    id: &TaskId,
    worker_id: &WorkerId,
) -> Result<()> {
    update_owned_task(
        client,
        Some(keys),
        id,
        worker_id,
        "state = 'cancelled', finished_at = now_ms(), lease_expires_at = NULL, \
         cancel_requested = TRUE",
        &[],
    )
}

pub(super) fn release_task(
    client: &mut Client,
    keys: &LockKeys,
    id: &TaskId,
    worker_id: &WorkerId,
) -> Result<TaskState> {
    let mut transaction = client.transaction()?;
    let reason = "released by its worker at shutdown";
    match interrupt_running_task(&mut transaction, id, Some(worker_id), reason)? {
        Some(state) => {
            notify(&mut transaction, keys, "released")?;
            transaction.commit()?;
            Ok(state)
        }
        None => Err(explain_refusal(&mut transaction, id, worker_id)),
    }
}
