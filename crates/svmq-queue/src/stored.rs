//! Values read back from a store, checked as untrusted input.
//!
//! A store file can be edited by hand, written by an older svmq, or damaged; a row that
//! cannot be understood must fail that one task with a reason, never panic a worker or
//! stop the queue. Both stores decode the columns of a task through these functions, so
//! the ranges accepted when reading are the ones enforced when writing.
//!
//! What it does not do: talk to a database. Each store gives access to one row's
//! columns through [`StoredRow`], and the decoding here is the same for both.

use std::time::Duration;

use crate::ids::{TaskId, WorkerId};
use crate::phase::{Lease, Progress, TaskPhase};
use crate::state::TaskState;
use crate::task::{ClaimedTask, TaskRecord, UnixMillis, MAX_ATTEMPTS_LIMIT, MAX_TASK_TIMEOUT};

/// Why a stored value was refused; becomes the error of the task that holds it.
pub type Refusal = String;

/// One row as a store read it. Each accessor answers `Ok(None)` for SQL NULL and a
/// [`Refusal`] when the value is not of the asked type; none of them panics.
pub trait StoredRow {
    /// The text in column `index` (named `name` for messages).
    fn text(&self, index: usize, name: &str) -> Result<Option<String>, Refusal>;
    /// The integer in column `index` (named `name` for messages).
    fn integer(&self, index: usize, name: &str) -> Result<Option<i64>, Refusal>;
    /// The floating-point number in column `index` (named `name` for messages).
    fn real(&self, index: usize, name: &str) -> Result<Option<f64>, Refusal>;
    /// The boolean in column `index` (named `name` for messages).
    fn flag(&self, index: usize, name: &str) -> Result<Option<bool>, Refusal>;
}

/// Columns read into a [`TaskRecord`], in the order [`decode_task`] expects; the same
/// in both stores.
pub const TASK_COLUMNS: &str = "id, seq, kind, payload, user_id, priority, state, \
    attempts, max_attempts, created_at, started_at, finished_at, lease_owner, \
    lease_expires_at, cancel_requested, progress, progress_message, result, error, \
    idempotency_key, timeout_seconds";

/// Columns a claim returns, in the order [`decode_claim`] expects.
pub const CLAIM_COLUMNS: &str =
    "seq, id, kind, payload, user_id, attempts, max_attempts, timeout_seconds";

/// A row whose values could not all be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableRow {
    /// The row's sequence number (its integer key), 0 if even that was unreadable.
    pub sequence: i64,
    /// The id as stored, for messages; empty if unreadable.
    pub id: String,
    /// Why the row was refused.
    pub refusal: Refusal,
}

fn required<T>(value: Option<T>, name: &str) -> Result<T, Refusal> {
    value.ok_or_else(|| format!("its stored {name} is missing"))
}

fn unreadable(
    row: &impl StoredRow,
    sequence_column: usize,
    id_column: usize,
    refusal: Refusal,
) -> UnreadableRow {
    UnreadableRow {
        sequence: row
            .integer(sequence_column, "seq")
            .ok()
            .flatten()
            .unwrap_or(0),
        id: row.text(id_column, "id").ok().flatten().unwrap_or_default(),
        refusal,
    }
}

fn task_id(row: &impl StoredRow, index: usize) -> Result<TaskId, Refusal> {
    required(row.text(index, "id")?, "id")?
        .parse()
        .map_err(|error: crate::QueueError| error.to_string())
}

/// Decodes a row selected with [`TASK_COLUMNS`] for display: a value that cannot be
/// understood is replaced by a neutral one (no timeout, a null payload, progress 0), and
/// the task is shown as failed with an error that says what was wrong (a worker that
/// claims it fails it for that reason too), so that it stays visible with its reason.
/// `None` only when even the id or sequence is unreadable.
pub fn salvage_task(row: &impl StoredRow) -> Option<TaskRecord> {
    let mut refusals = Vec::new();
    let (mut task, columns) = salvage_fields(row, &mut refusals)?;
    match columns.phase() {
        Ok(phase) if refusals.is_empty() => task.phase = phase,
        decoded => {
            if let Err(refusal) = decoded {
                refusals.push(refusal);
            }
            task.phase = columns.damaged(task.created_at, &refusals.join("; "));
        }
    }
    Some(task)
}

/// `value`, or `fallback` with the refusal noted.
fn or_noted<T>(value: Result<T, Refusal>, fallback: T, refusals: &mut Vec<Refusal>) -> T {
    value.unwrap_or_else(|refusal| {
        refusals.push(refusal);
        fallback
    })
}

/// The columns of a row that make up its [`TaskPhase`], each as stored.
struct PhaseColumns {
    state: Option<TaskState>,
    started_at: Option<UnixMillis>,
    finished_at: Option<UnixMillis>,
    lease_owner: Option<WorkerId>,
    lease_expires_at: Option<UnixMillis>,
    progress: Progress,
    result: Option<serde_json::Value>,
    error: Option<String>,
}

impl PhaseColumns {
    /// The phase these columns describe, or why they describe none.
    fn phase(&self) -> Result<TaskPhase, Refusal> {
        let state = required(self.state, "state")?;
        let progress = self.progress.clone();
        let finished_at = || required(self.finished_at, "finished_at");
        Ok(match state {
            TaskState::Queued => TaskPhase::Queued,
            TaskState::Running => TaskPhase::Running {
                started_at: required(self.started_at, "started_at")?,
                lease: Lease {
                    owner: required(self.lease_owner.clone(), "lease_owner")?,
                    expires_at: required(self.lease_expires_at, "lease_expires_at")?,
                },
                progress,
            },
            TaskState::Completed => TaskPhase::Completed {
                started_at: self.started_at,
                finished_at: finished_at()?,
                progress,
                result: required(self.result.clone(), "result")?,
            },
            TaskState::Failed => TaskPhase::Failed {
                started_at: self.started_at,
                finished_at: finished_at()?,
                progress,
                error: required(self.error.clone(), "error")?,
            },
            TaskState::Cancelled => TaskPhase::Cancelled {
                started_at: self.started_at,
                finished_at: finished_at()?,
                progress,
            },
        })
    }

    /// A row that could not be understood, shown as failed with `refusal` after any
    /// stored error; it failed, as far as anyone can tell, at the last time it records.
    fn damaged(&self, created_at: UnixMillis, refusal: &str) -> TaskPhase {
        let problem = unreadable_task_error(refusal);
        let error = match &self.error {
            Some(stored) if !stored.contains(&problem) => format!("{stored}; {problem}"),
            Some(stored) => stored.clone(),
            None => problem,
        };
        TaskPhase::Failed {
            started_at: self.started_at,
            finished_at: self.finished_at.or(self.started_at).unwrap_or(created_at),
            progress: self.progress.clone(),
            error,
        }
    }
}

/// Every field of a task row; each refused value is noted in `refusals` and replaced.
/// The record's phase is left queued: the caller decides it from the returned columns.
fn salvage_fields(
    row: &impl StoredRow,
    refusals: &mut Vec<Refusal>,
) -> Option<(TaskRecord, PhaseColumns)> {
    let id = match task_id(row, 0) {
        Ok(id) => id,
        Err(refusal) => {
            refusals.push(refusal);
            return None;
        }
    };
    let sequence = row.integer(1, "seq").ok().flatten()?;
    let text = |index, name| required(row.text(index, name)?, name);
    let integer = |index, name| required(row.integer(index, name)?, name);
    let parsed_state = text(6, "state")
        .and_then(|state| TaskState::parse(&state).map_err(|error| error.to_string()));
    let lease_owner = row.text(12, "lease_owner").and_then(|owner| {
        owner
            .map(|owner| owner.parse())
            .transpose()
            .map_err(|error: crate::QueueError| error.to_string())
    });
    let columns = PhaseColumns {
        state: or_noted(parsed_state.map(Some), None, refusals),
        started_at: or_noted(row.integer(10, "started_at"), None, refusals),
        finished_at: or_noted(row.integer(11, "finished_at"), None, refusals),
        lease_owner: or_noted(lease_owner, None, refusals),
        lease_expires_at: or_noted(row.integer(13, "lease_expires_at"), None, refusals),
        progress: Progress {
            percent: progress(or_noted(
                row.real(15, "progress")
                    .and_then(|value| required(value, "progress")),
                0.0,
                refusals,
            )),
            message: or_noted(row.text(16, "progress_message"), None, refusals),
        },
        result: or_noted(
            row.text(17, "result")
                .and_then(|result| result.map(|result| json("result", &result)).transpose()),
            None,
            refusals,
        ),
        error: or_noted(row.text(18, "error"), None, refusals),
    };
    let task = TaskRecord {
        id,
        sequence,
        kind: or_noted(text(2, "kind"), String::new(), refusals),
        payload: or_noted(
            text(3, "payload").and_then(|payload| json("payload", &payload)),
            serde_json::Value::Null,
            refusals,
        ),
        user_id: or_noted(text(4, "user_id"), String::new(), refusals),
        priority: or_noted(
            integer(5, "priority").and_then(|priority| {
                i32::try_from(priority)
                    .map_err(|_| "its stored priority is outside the 32-bit range".to_string())
            }),
            0,
            refusals,
        ),
        phase: TaskPhase::Queued,
        attempts: or_noted(
            integer(7, "attempts").and_then(|value| attempts("attempts", value, 0)),
            0,
            refusals,
        ),
        max_attempts: or_noted(
            integer(8, "max_attempts").and_then(|value| attempts("max_attempts", value, 1)),
            1,
            refusals,
        ),
        created_at: or_noted(integer(9, "created_at"), 0, refusals),
        cancel_requested: or_noted(
            row.flag(14, "cancel_requested")
                .and_then(|flag| required(flag, "cancel_requested")),
            false,
            refusals,
        ),
        idempotency_key: or_noted(row.text(19, "idempotency_key"), None, refusals),
        timeout: or_noted(
            row.real(20, "timeout_seconds").and_then(timeout),
            None,
            refusals,
        ),
    };
    Some((task, columns))
}

/// Decodes a claimed row selected with [`CLAIM_COLUMNS`].
pub fn decode_claim(
    row: &impl StoredRow,
    started_at: UnixMillis,
    lease_expires_at: UnixMillis,
) -> Result<ClaimedTask, UnreadableRow> {
    let fields = || -> Result<ClaimedTask, Refusal> {
        let text =
            |index, name| -> Result<String, Refusal> { required(row.text(index, name)?, name) };
        let integer =
            |index, name| -> Result<i64, Refusal> { required(row.integer(index, name)?, name) };
        Ok(ClaimedTask {
            id: task_id(row, 1)?,
            kind: text(2, "kind")?,
            payload: json("payload", &text(3, "payload")?)?,
            user_id: text(4, "user_id")?,
            attempt: attempts("attempts", integer(5, "attempts")?, 1)?,
            max_attempts: attempts("max_attempts", integer(6, "max_attempts")?, 1)?,
            timeout: timeout(row.real(7, "timeout_seconds")?)?,
            started_at,
            lease_expires_at,
        })
    };
    fields().map_err(|refusal| unreadable(row, 0, 1, refusal))
}

/// A stored `timeout_seconds`: absent, or a finite number of seconds in
/// (0, [`MAX_TASK_TIMEOUT`]].
pub fn timeout(seconds: Option<f64>) -> Result<Option<Duration>, Refusal> {
    let Some(seconds) = seconds else {
        return Ok(None);
    };
    let limit = MAX_TASK_TIMEOUT.as_secs_f64();
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= limit) {
        return Err(format!(
            "its stored timeout_seconds {seconds} is outside (0, {limit}]"
        ));
    }
    Ok(Duration::try_from_secs_f64(seconds).ok())
}

/// A stored attempt count (`attempts`, from 0) or limit (`max_attempts`, from 1), both at
/// most [`MAX_ATTEMPTS_LIMIT`] plus one attempt in progress.
pub fn attempts(name: &str, value: i64, least: u32) -> Result<u32, Refusal> {
    let most = i64::from(MAX_ATTEMPTS_LIMIT) + 1;
    match u32::try_from(value) {
        Ok(count) if count >= least && value <= most => Ok(count),
        _ => Err(format!(
            "its stored {name} {value} is outside [{least}, {most}]"
        )),
    }
}

/// A stored JSON document.
pub fn json(name: &str, text: &str) -> Result<serde_json::Value, Refusal> {
    serde_json::from_str(text).map_err(|error| format!("its stored {name} is not JSON ({error})"))
}

/// A stored progress percentage; anything outside 0–100 (NaN included) reads as 0, since
/// progress is advisory and a wrong value must not hide the task.
pub fn progress(value: f64) -> f64 {
    if (0.0..=100.0).contains(&value) {
        value
    } else {
        0.0
    }
}

/// The error written on a task whose stored record was refused.
pub fn unreadable_task_error(refusal: &str) -> String {
    format!("the stored task could not be read: {refusal}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_outside_their_range_are_refused_not_panicked_on() {
        assert_eq!(timeout(None), Ok(None));
        assert_eq!(timeout(Some(1.5)), Ok(Some(Duration::from_millis(1500))));
        for hostile in [
            0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            1.8446744073709552e19,
            9.223372036854776e18,
            MAX_TASK_TIMEOUT.as_secs_f64() + 1.0,
        ] {
            assert!(timeout(Some(hostile)).is_err(), "{hostile} was accepted");
        }
    }

    #[test]
    fn attempt_counts_are_range_checked() {
        assert_eq!(attempts("attempts", 0, 0), Ok(0));
        assert_eq!(attempts("max_attempts", 2, 1), Ok(2));
        assert!(attempts("max_attempts", 0, 1).is_err());
        assert!(attempts("attempts", -1, 0).is_err());
        assert!(attempts("attempts", i64::MAX, 0).is_err());
        assert!(attempts("attempts", i64::from(u32::MAX) + 1, 0).is_err());
    }

    /// A row of [`TASK_COLUMNS`] held in memory: `None` is SQL NULL.
    struct MemoryRow(Vec<Option<serde_json::Value>>);

    impl StoredRow for MemoryRow {
        fn text(&self, index: usize, _name: &str) -> Result<Option<String>, Refusal> {
            Ok(self.0[index]
                .as_ref()
                .and_then(|value| value.as_str().map(str::to_string)))
        }
        fn integer(&self, index: usize, _name: &str) -> Result<Option<i64>, Refusal> {
            Ok(self.0[index].as_ref().and_then(serde_json::Value::as_i64))
        }
        fn real(&self, index: usize, _name: &str) -> Result<Option<f64>, Refusal> {
            Ok(self.0[index].as_ref().and_then(serde_json::Value::as_f64))
        }
        fn flag(&self, index: usize, _name: &str) -> Result<Option<bool>, Refusal> {
            Ok(self.0[index].as_ref().and_then(serde_json::Value::as_bool))
        }
    }

    /// A healthy row in `state`; `change` sets columns by index (see [`TASK_COLUMNS`]).
    fn row(state: &str, change: &[(usize, Option<serde_json::Value>)]) -> MemoryRow {
        use serde_json::json;
        let worker = WorkerId::generate().to_string();
        let mut columns = vec![
            Some(json!(TaskId::generate().to_string())),
            Some(json!(7)),
            Some(json!("fake")),
            Some(json!("{}")),
            Some(json!("u")),
            Some(json!(0)),
            Some(json!(state)),
            Some(json!(1)),
            Some(json!(2)),
            Some(json!(1000)),
            Some(json!(2000)),
            None,
            Some(json!(worker)),
            Some(json!(9000)),
            Some(json!(false)),
            Some(json!(40.0)),
            Some(json!("trial 2 of 5")),
            None,
            None,
            None,
            None,
        ];
        for (index, value) in change {
            columns[*index] = value.clone();
        }
        MemoryRow(columns)
    }

    #[test]
    fn each_state_carries_its_own_data() {
        use serde_json::json;
        let running = salvage_task(&row("running", &[])).unwrap();
        let TaskPhase::Running {
            started_at,
            lease,
            progress,
        } = &running.phase
        else {
            panic!("{running:?}");
        };
        assert_eq!((*started_at, lease.expires_at), (2000, 9000));
        assert_eq!(progress.message.as_deref(), Some("trial 2 of 5"));

        let finished = [(11, Some(json!(5000)))];
        let completed = salvage_task(&row(
            "completed",
            &[
                finished[0].clone(),
                (17, Some(json!(r#"{"model_id":"m"}"#))),
            ],
        ))
        .unwrap();
        assert_eq!(completed.phase.result(), Some(&json!({"model_id": "m"})));
        assert_eq!(completed.phase.finished_at(), Some(5000));
        assert!(completed.phase.lease().is_none());

        let failed = salvage_task(&row(
            "failed",
            &[finished[0].clone(), (18, Some(json!("out of memory")))],
        ))
        .unwrap();
        assert_eq!(failed.phase.error(), Some("out of memory"));

        let cancelled = salvage_task(&row("cancelled", &finished)).unwrap();
        assert_eq!(cancelled.state(), TaskState::Cancelled);
        assert_eq!(cancelled.phase.started_at(), Some(2000));

        let queued = salvage_task(&row("queued", &[(10, None), (12, None), (13, None)])).unwrap();
        assert_eq!(queued.phase, TaskPhase::Queued);
        assert_eq!(queued.phase.percent(), 0.0);
    }

    #[test]
    fn a_row_missing_what_its_state_needs_reads_as_failed_with_the_reason() {
        use serde_json::json;
        for (state, change, missing) in [
            ("running", vec![(12, None)], "lease_owner"),
            ("running", vec![(10, None)], "started_at"),
            ("completed", vec![(11, Some(json!(5)))], "result"),
            ("failed", vec![(11, Some(json!(5)))], "error"),
            ("cancelled", vec![], "finished_at"),
        ] {
            let task = salvage_task(&row(state, &change)).unwrap();
            let error = task.phase.error().unwrap_or_default();
            assert_eq!(task.state(), TaskState::Failed, "{state}: {task:?}");
            assert!(
                error.contains("could not be read") && error.contains(missing),
                "{state}: {error}"
            );
            assert!(task.phase.finished_at().is_some());
        }
    }

    #[test]
    fn progress_outside_its_range_reads_as_zero() {
        assert_eq!(progress(42.0), 42.0);
        assert_eq!(progress(f64::NAN), 0.0);
        assert_eq!(progress(-3.0), 0.0);
        assert_eq!(progress(1e300), 0.0);
    }
}
