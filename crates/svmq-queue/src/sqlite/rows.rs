//! The SQLite store's rows as [`StoredRow`]s.
//!
//! SQLite keeps whatever value a column is given (a text in an INTEGER column, a REAL
//! past any sane range), so every column is read as a dynamic value and its type checked
//! here; the ranges are checked by [`crate::stored`]. Reading a row never fails on a
//! value, so one damaged row cannot stop a listing or a claim.

use rusqlite::types::Value as SqlValue;
use rusqlite::Row;

use crate::stored::{decode_claim, salvage_task, Refusal, StoredRow, UnreadableRow};
use crate::task::{ClaimedTask, TaskRecord, UnixMillis};

pub(super) use crate::stored::{CLAIM_COLUMNS, TASK_COLUMNS};

/// A row's columns as dynamic values.
pub(super) struct DynamicRow(Vec<SqlValue>);

impl DynamicRow {
    /// Reads the first `count` columns; this never fails on a value's type.
    pub(super) fn read(row: &Row<'_>, count: usize) -> rusqlite::Result<Self> {
        (0..count)
            .map(|index| row.get::<_, SqlValue>(index))
            .collect::<rusqlite::Result<_>>()
            .map(DynamicRow)
    }

    fn value(&self, index: usize) -> &SqlValue {
        self.0.get(index).unwrap_or(&SqlValue::Null)
    }
}

fn type_refusal(name: &str, expected: &str) -> Refusal {
    format!("its stored {name} is not {expected}")
}

impl StoredRow for DynamicRow {
    fn text(&self, index: usize, name: &str) -> Result<Option<String>, Refusal> {
        match self.value(index) {
            SqlValue::Null => Ok(None),
            SqlValue::Text(text) => Ok(Some(text.clone())),
            _ => Err(type_refusal(name, "text")),
        }
    }

    fn integer(&self, index: usize, name: &str) -> Result<Option<i64>, Refusal> {
        match self.value(index) {
            SqlValue::Null => Ok(None),
            SqlValue::Integer(number) => Ok(Some(*number)),
            _ => Err(type_refusal(name, "an integer")),
        }
    }

    fn real(&self, index: usize, name: &str) -> Result<Option<f64>, Refusal> {
        match self.value(index) {
            SqlValue::Null => Ok(None),
            SqlValue::Real(number) => Ok(Some(*number)),
            SqlValue::Integer(number) => Ok(Some(*number as f64)),
            _ => Err(type_refusal(name, "a number")),
        }
    }

    fn flag(&self, index: usize, name: &str) -> Result<Option<bool>, Refusal> {
        Ok(self.integer(index, name)?.map(|flag| flag != 0))
    }
}

/// Reads a task row selected with [`TASK_COLUMNS`] (see [`salvage_task`]).
pub(super) fn task_from_row(row: &Row<'_>) -> rusqlite::Result<Option<TaskRecord>> {
    Ok(salvage_task(&DynamicRow::read(row, 21)?))
}

/// Reads a claimed row selected with [`CLAIM_COLUMNS`].
pub(super) fn claim_from_row(
    row: &Row<'_>,
    started_at: UnixMillis,
    lease_expires_at: UnixMillis,
) -> rusqlite::Result<Result<ClaimedTask, UnreadableRow>> {
    Ok(decode_claim(
        &DynamicRow::read(row, 8)?,
        started_at,
        lease_expires_at,
    ))
}
