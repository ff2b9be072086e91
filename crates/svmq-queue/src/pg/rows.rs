//! The PostgreSQL store's rows as [`StoredRow`]s.
//!
//! The schema fixes each column's type, but not its range: the values are checked by
//! [`crate::stored`], and a value of an unexpected type (a hand-altered table) is a
//! [`Refusal`] of that one row, never a failed statement or a panic.

use postgres::types::FromSql;
use postgres::Row;

use crate::stored::{decode_claim, salvage_task, Refusal, StoredRow, UnreadableRow};
use crate::task::{ClaimedTask, TaskRecord, UnixMillis};

pub(super) use crate::stored::{CLAIM_COLUMNS, TASK_COLUMNS};

fn column<'a, T: FromSql<'a>>(row: &'a Row, index: usize, name: &str) -> Result<T, Refusal> {
    row.try_get(index)
        .map_err(|error| format!("its stored {name} cannot be read ({error})"))
}

impl StoredRow for Row {
    fn text(&self, index: usize, name: &str) -> Result<Option<String>, Refusal> {
        column(self, index, name)
    }

    fn integer(&self, index: usize, name: &str) -> Result<Option<i64>, Refusal> {
        // BIGINT columns and INTEGER ones.
        column::<Option<i64>>(self, index, name)
            .or_else(|_| column::<Option<i32>>(self, index, name).map(|value| value.map(i64::from)))
    }

    fn real(&self, index: usize, name: &str) -> Result<Option<f64>, Refusal> {
        column(self, index, name)
    }

    fn flag(&self, index: usize, name: &str) -> Result<Option<bool>, Refusal> {
        column(self, index, name)
    }
}

/// Reads a task row selected with [`TASK_COLUMNS`] (see [`salvage_task`]).
pub(super) fn task_from_row(row: &Row) -> Option<TaskRecord> {
    salvage_task(row)
}

/// Reads a claimed row selected with [`CLAIM_COLUMNS`].
pub(super) fn claim_from_row(
    row: &Row,
    started_at: UnixMillis,
    lease_expires_at: UnixMillis,
) -> Result<ClaimedTask, UnreadableRow> {
    decode_claim(row, started_at, lease_expires_at)
}
