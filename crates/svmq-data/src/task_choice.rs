//! Which task a target asks for, when the caller did not say: classification or
//! regression, decided from the target column's cells, with the reason.
//!
//! The rules, in order, over the target's non-missing cells (the first target column):
//! - two distinct values: classification (a yes/no target, whatever its spelling);
//! - any text: classification (labels);
//! - numbers with a fractional part: regression (a measurement);
//! - integers with more than [`MAX_INFERRED_CLASSES`] distinct values, or with more
//!   distinct values than a fifth of the labelled rows: regression (a count or an
//!   amount: too many values, too few rows each, to be classes);
//! - other integers: classification (codes of a few classes).
//!
//! A caller who says classification for a target these rules call continuous —
//! fractional numbers, or many values of which some occur only once — is refused:
//! a class of a single row cannot be cross-validated, and the fix is a regression,
//! not fewer folds. Like a role, the choice reads no feature and fits nothing, so it
//! cannot leak.
//!
//! What it does not do: resolve which column is the target ([`crate::dataset`]).

use std::collections::HashMap;

pub use crate::dataset::TaskChoice;
use crate::dataset::{target_columns, Dataset, TargetOptions, Task};
use crate::error::DataError;
use crate::roles::ColumnOverrides;
use crate::table::{Cell, RawTable};

/// Distinct integer values an inferred classification target may hold at most. A
/// target of more integer values is rarely a set of classes (counts, amounts, ages,
/// scores are), and twenty classes already ask for many rows each.
pub const MAX_INFERRED_CLASSES: usize = 20;

/// Labelled rows per distinct integer value, at least, for an inferred
/// classification: fewer, and most classes could not fill the folds.
pub const MIN_ROWS_PER_CLASS: usize = 5;

/// What the target's cells look like.
struct TargetShape {
    distinct: usize,
    labelled: usize,
    has_text: bool,
    has_fraction: bool,
    /// Values occurring in a single row.
    singletons: usize,
}

fn shape(table: &RawTable, column: usize) -> TargetShape {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut has_text = false;
    let mut has_fraction = false;
    let mut labelled = 0;
    for cell in table.column(column) {
        let key = match cell {
            Cell::Missing => continue,
            Cell::Number { value, .. } => {
                has_fraction |= value.fract() != 0.0;
                // Numbers compare by value: 1 and 1.0 are one class.
                format!("{}", value + 0.0)
            }
            Cell::Text(text) => {
                has_text = true;
                text.clone()
            }
        };
        labelled += 1;
        *counts.entry(key).or_insert(0) += 1;
    }
    TargetShape {
        distinct: counts.len(),
        labelled,
        has_text,
        has_fraction,
        singletons: counts.values().filter(|&&count| count == 1).count(),
    }
}

/// The task the target's cells ask for (see the module docs); `None` when the
/// target column cannot be resolved (that error is [`crate::dataset`]'s).
pub fn infer_task(table: &RawTable, options: &TargetOptions) -> Option<TaskChoice> {
    if options.target_dimension > 1 {
        return Some(TaskChoice {
            task: Task::Regression,
            inferred: true,
            reason: format!(
                "{} target columns: only regression has several",
                options.target_dimension
            ),
        });
    }
    let column = *target_columns(table, Task::Regression, options)
        .ok()?
        .first()?;
    let name = &table.column_names[column];
    let shape = shape(table, column);
    let (task, reason) = if shape.distinct <= 2 {
        (
            Task::Classification,
            format!(
                "the target `{name}` holds {} distinct values",
                shape.distinct
            ),
        )
    } else if shape.has_text {
        (
            Task::Classification,
            format!(
                "the target `{name}` holds text labels, {} distinct",
                shape.distinct
            ),
        )
    } else if shape.has_fraction {
        (
            Task::Regression,
            format!(
                "the target `{name}` is numeric with fractional values, {} distinct",
                shape.distinct
            ),
        )
    } else if shape.distinct > MAX_INFERRED_CLASSES
        || shape.distinct * MIN_ROWS_PER_CLASS > shape.labelled
    {
        (
            Task::Regression,
            format!(
                "the target `{name}` holds {} distinct integers in {} rows: too many to be classes",
                shape.distinct, shape.labelled
            ),
        )
    } else {
        (
            Task::Classification,
            format!(
                "the target `{name}` holds {} distinct integers, at most {MAX_INFERRED_CLASSES}: class codes",
                shape.distinct
            ),
        )
    };
    Some(TaskChoice {
        task,
        inferred: true,
        reason,
    })
}

/// The task to train: `given` when the caller said one (refusing a classification of
/// a continuous target, see the module docs), else the inferred one. A target that
/// cannot be resolved falls back to classification; preparing the data then reports
/// why it cannot be resolved.
pub fn choose_task(
    table: &RawTable,
    given: Option<Task>,
    options: &TargetOptions,
) -> Result<TaskChoice, DataError> {
    let inferred = infer_task(table, options);
    match given {
        None => Ok(inferred.unwrap_or(TaskChoice {
            task: Task::Classification,
            inferred: true,
            reason: "the target column could not be examined".into(),
        })),
        Some(Task::Classification) => {
            if let Some(continuous) = continuous_target(table, options) {
                return Err(continuous);
            }
            Ok(TaskChoice::given(Task::Classification))
        }
        Some(task) => Ok(TaskChoice::given(task)),
    }
}

impl Dataset {
    /// [`Dataset::prepare_with`], the task chosen from the target when `given` is
    /// `None` (see the module docs).
    pub fn prepare_choosing(
        table: RawTable,
        given: Option<Task>,
        options: &TargetOptions,
        overrides: &ColumnOverrides,
    ) -> Result<Dataset, DataError> {
        Dataset::prepare_choosing_or_return(table, given, options, overrides)
            .map_err(|refused| refused.0)
    }

    /// [`Dataset::prepare_choosing`], handing the table back with the error (see
    /// [`Dataset::prepare_or_return`]).
    pub fn prepare_choosing_or_return(
        table: RawTable,
        given: Option<Task>,
        options: &TargetOptions,
        overrides: &ColumnOverrides,
    ) -> Result<Dataset, Box<(DataError, RawTable)>> {
        let choice = match choose_task(&table, given, options) {
            Ok(choice) => choice,
            Err(error) => return Err(Box::new((error, table))),
        };
        let mut dataset = Dataset::prepare_or_return(table, choice.task, options, overrides)?;
        dataset.task_choice = choice;
        Ok(dataset)
    }
}

/// The refusal of a classification whose target is continuous, if it is.
fn continuous_target(table: &RawTable, options: &TargetOptions) -> Option<DataError> {
    let column = *target_columns(table, Task::Classification, options)
        .ok()?
        .first()?;
    let shape = shape(table, column);
    if shape.has_text || shape.distinct <= 2 {
        return None;
    }
    let reason = if shape.has_fraction {
        format!(
            "its values have fractional parts ({} distinct)",
            shape.distinct
        )
    } else if shape.distinct > MAX_INFERRED_CLASSES && shape.singletons > 0 {
        format!(
            "it holds {} distinct numbers, {} of them in a single row",
            shape.distinct, shape.singletons
        )
    } else {
        return None;
    };
    Some(DataError::ContinuousTarget {
        column: table.column_names[column].clone(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(target: &[String]) -> RawTable {
        RawTable {
            column_names: vec!["x".into(), "y".into()],
            cells: target
                .iter()
                .enumerate()
                .map(|(row, value)| vec![Cell::number(row as f64), Cell::parse(value)])
                .collect(),
            source_rows: (2..2 + target.len()).collect(),
        }
    }

    fn inferred(target: Vec<String>) -> Task {
        infer_task(&table(&target), &TargetOptions::default())
            .unwrap()
            .task
    }

    #[test]
    fn the_task_follows_the_target() {
        let labels = (0..60).map(|row| ["red", "green", "blue"][row % 3].to_string());
        assert_eq!(inferred(labels.collect()), Task::Classification);
        let codes = (0..60).map(|row| (row % 4).to_string());
        assert_eq!(inferred(codes.collect()), Task::Classification);
        let flags = (0..60).map(|row| ["0.5", "1.5"][row % 2].to_string());
        assert_eq!(inferred(flags.collect()), Task::Classification);
        let amounts = (0..60).map(|row| format!("{:.2}", row as f64 * 1.37 % 11.0));
        assert_eq!(inferred(amounts.collect()), Task::Regression);
        let counts = (0..300).map(|row| (row * 7 % 150 + 20).to_string());
        assert_eq!(inferred(counts.collect()), Task::Regression);
        // Ten integers in 30 rows: three rows each cannot be classes.
        let sparse = (0..30).map(|row| (row % 10).to_string());
        assert_eq!(inferred(sparse.collect()), Task::Regression);
    }

    #[test]
    fn a_continuous_target_is_refused_as_classes() {
        let values: Vec<String> = (0..100).map(|row| format!("{}", row * 3 + 1)).collect();
        let error = choose_task(
            &table(&values),
            Some(Task::Classification),
            &TargetOptions::default(),
        )
        .unwrap_err();
        assert!(
            matches!(error, DataError::ContinuousTarget { .. }),
            "{error}"
        );
        let classes: Vec<String> = (0..100).map(|row| (row % 3).to_string()).collect();
        let given = choose_task(
            &table(&classes),
            Some(Task::Classification),
            &TargetOptions::default(),
        )
        .unwrap();
        assert_eq!(given, TaskChoice::given(Task::Classification));
    }
}
