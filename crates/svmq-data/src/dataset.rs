//! A table made into a learning problem: which columns are targets, which are
//! features, which rows can be used, and the targets as class indices or numbers.
//!
//! What it does: finds the target column by name (default: the last column) or, for
//! multi-target regression, takes `target_dimension` columns ending there; decides
//! every other column's role ([`crate::roles`]: features, and the identifiers, free
//! text, constant and excluded columns left out); drops rows
//! whose target is missing (they cannot be learned from; the count is kept); encodes
//! class labels with a [`LabelEncoder`]; and refuses, with a clear [`DataError`], what
//! cannot be trained on: an unknown target column (listing the columns), a single
//! class, more classes than `max_classes`, no usable feature column, a non-numeric
//! regression target (naming the row), a numeric value beyond ±[`MAX_ABS_VALUE`],
//! and, through [`Dataset::check_folds`], a class with fewer members than folds.
//!
//! What it does not do: compute statistics from feature values (that is fitting, done
//! per fold in [`crate::preprocess`]), or split rows ([`crate::split`]). Error
//! messages name rows and columns but never quote cell contents.

use serde::{Deserialize, Serialize};

use crate::error::DataError;
use crate::labels::LabelEncoder;
use crate::roles::{decide_roles, ColumnDecision, ColumnOverrides, ColumnRole};
use crate::schema::{ColumnKind, Schema};
use crate::table::{find_column, Cell, RawTable};

/// What is learned: a class or a real value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Predict one of the classes of one target column.
    Classification,
    /// Predict the real value of one or more target columns.
    Regression,
}

/// The task chosen and why (see [`crate::task_choice`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskChoice {
    /// What is learned.
    pub task: Task,
    /// Whether svmq chose it from the target (rather than the caller saying it).
    pub inferred: bool,
    /// Why, in a few words; names counts, never cell contents.
    pub reason: String,
}

impl TaskChoice {
    /// The task the caller gave.
    pub fn given(task: Task) -> TaskChoice {
        TaskChoice {
            task,
            inferred: false,
            reason: "given".into(),
        }
    }
}

/// Which column(s) hold the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetOptions {
    /// The target column's name; `None` is the last column.
    pub target_column: Option<String>,
    /// How many target columns (regression only): the `target_dimension` columns
    /// ending at the target column, so by default the last k columns.
    pub target_dimension: usize,
    /// Classes a classification target may hold; more is refused as soon as the
    /// label encoder meets one too many, before any per-class work.
    pub max_classes: usize,
}

/// Classes a classification target may hold unless configured otherwise. One-vs-one
/// training fits k(k-1)/2 models: 1000 classes are already half a million.
pub const DEFAULT_MAX_CLASSES: usize = 1000;

/// The largest magnitude a numeric feature or regression target may have. Scaling,
/// kernels and metrics square and sum values; past about 1e154 a square is infinite.
pub const MAX_ABS_VALUE: f64 = 1e150;

impl Default for TargetOptions {
    fn default() -> Self {
        Self {
            target_column: None,
            target_dimension: 1,
            max_classes: DEFAULT_MAX_CLASSES,
        }
    }
}

/// The targets of the usable rows, in the order of [`Dataset::rows`].
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Classification: a class index per row.
    Classes {
        /// The target's labels, numbered by first appearance among the usable rows.
        encoder: LabelEncoder,
        /// The class index of each usable row.
        classes: Vec<usize>,
    },
    /// One vector per target column, each holding one value per usable row.
    Values(Vec<Vec<f64>>),
}

/// A table ready for splitting and preprocessing.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// The whole table as read, unusable rows included.
    pub table: RawTable,
    /// The inferred type of each of the table's columns.
    pub schema: Schema,
    /// What is learned.
    pub task: Task,
    /// Whether the caller gave the task or svmq chose it from the target, and why.
    pub task_choice: TaskChoice,
    /// Positions of the target columns in the table, ascending and contiguous; one for
    /// classification.
    pub target_columns: Vec<usize>,
    /// Every column's role and why, in table order.
    pub roles: Vec<ColumnDecision>,
    /// The columns whose role is feature, in table order.
    pub feature_columns: Vec<usize>,
    /// Columns other than the targets left out of the features (identifiers, free
    /// text, constant, empty, excluded on request): inputs may carry them.
    pub ignored_columns: Vec<usize>,
    /// The table rows whose targets are all present, ascending.
    pub rows: Vec<usize>,
    /// The targets of `rows`, in the same order.
    pub target: Target,
}

impl Dataset {
    /// Types the table, picks targets and features by the rules alone, and refuses
    /// data that cannot be trained on.
    pub fn prepare(
        table: RawTable,
        task: Task,
        options: &TargetOptions,
    ) -> Result<Dataset, DataError> {
        Dataset::prepare_with(table, task, options, &ColumnOverrides::default())
    }

    /// [`Dataset::prepare`], with the caller's corrections to the column roles.
    pub fn prepare_with(
        table: RawTable,
        task: Task,
        options: &TargetOptions,
        overrides: &ColumnOverrides,
    ) -> Result<Dataset, DataError> {
        Dataset::prepare_or_return(table, task, options, overrides).map_err(|refused| refused.0)
    }

    /// [`Dataset::prepare_with`], handing the table back with the error, so that a
    /// caller that still describes a refused table need not copy it first (a table
    /// of a million rows takes hundreds of megabytes).
    pub fn prepare_or_return(
        table: RawTable,
        task: Task,
        options: &TargetOptions,
        overrides: &ColumnOverrides,
    ) -> Result<Dataset, Box<(DataError, RawTable)>> {
        match Dataset::examine(&table, task, options, overrides) {
            Ok(dataset) => Ok(Dataset { table, ..dataset }),
            Err(error) => Err(Box::new((error, table))),
        }
    }

    /// Everything [`Dataset::prepare_with`] decides, read from `table`; the table
    /// itself is left out (empty) for the caller to move in.
    fn examine(
        table: &RawTable,
        task: Task,
        options: &TargetOptions,
        overrides: &ColumnOverrides,
    ) -> Result<Dataset, DataError> {
        let schema = Schema::infer(table);
        let target_columns = target_columns(table, task, options)?;
        let roles = decide_roles(table, &schema, &target_columns, overrides)?;
        let rows: Vec<usize> = (0..table.rows())
            .filter(|&row| {
                target_columns
                    .iter()
                    .all(|&column| !table.cells[row][column].is_missing())
            })
            .collect();
        let first_target = &table.column_names[target_columns[0]];
        if rows.is_empty() {
            return Err(DataError::NoLabeledRows {
                column: first_target.clone(),
            });
        }
        let target = match task {
            Task::Classification => classes(table, target_columns[0], &rows, options.max_classes)?,
            Task::Regression => values(table, &target_columns, &rows)?,
        };
        let (feature_columns, ignored_columns) = features(&roles)?;
        let numeric_features = feature_columns.iter().copied().filter(|&column| {
            schema.kind(column) == ColumnKind::Numeric && roles[column].role == ColumnRole::Feature
        });
        match task {
            Task::Classification => check_magnitudes(table, numeric_features, &rows)?,
            Task::Regression => check_magnitudes(
                table,
                numeric_features.chain(target_columns.iter().copied()),
                &rows,
            )?,
        }
        Ok(Dataset {
            table: RawTable::default(),
            schema,
            task,
            task_choice: TaskChoice::given(task),
            target_columns,
            roles,
            feature_columns,
            ignored_columns,
            rows,
            target,
        })
    }

    /// Rows left out because a target was missing.
    pub fn unlabeled_rows(&self) -> usize {
        self.table.rows() - self.rows.len()
    }

    /// The class index of each usable row, for classification.
    pub fn classes(&self) -> Option<&[usize]> {
        match &self.target {
            Target::Classes { classes, .. } => Some(classes),
            Target::Values(_) => None,
        }
    }

    /// The label encoder, for classification.
    pub fn encoder(&self) -> Option<&LabelEncoder> {
        match &self.target {
            Target::Classes { encoder, .. } => Some(encoder),
            Target::Values(_) => None,
        }
    }

    /// The target columns' names, in table order.
    pub fn target_names(&self) -> Vec<String> {
        self.target_columns
            .iter()
            .map(|&column| self.table.column_names[column].clone())
            .collect()
    }

    /// The feature columns' names, in table order.
    pub fn feature_names(&self) -> Vec<String> {
        self.feature_columns
            .iter()
            .map(|&column| self.table.column_names[column].clone())
            .collect()
    }

    /// Refuses a fold count that cannot be stratified: fewer than 2, more than the
    /// usable rows, or (classification) more than the members of some class.
    pub fn check_folds(&self, folds: usize) -> Result<(), DataError> {
        if folds < 2 || folds > self.rows.len() {
            return Err(DataError::InvalidSplit {
                reason: format!(
                    "{folds} folds asked for {} usable rows; use between 2 and the number of rows",
                    self.rows.len()
                ),
            });
        }
        let Target::Classes { encoder, classes } = &self.target else {
            return Ok(());
        };
        let mut members = vec![0usize; encoder.len()];
        for &class in classes {
            members[class] += 1;
        }
        if let Some((smallest, &count)) = members
            .iter()
            .enumerate()
            .filter(|&(_, &count)| count < folds)
            .min_by_key(|&(_, &count)| count)
        {
            let first = classes
                .iter()
                .position(|&class| class == smallest)
                .unwrap_or(0);
            return Err(DataError::ClassTooSmall {
                column: self.table.column_names[self.target_columns[0]].clone(),
                members: count,
                folds,
                row: self.table.source_row(self.rows[first]),
            });
        }
        Ok(())
    }
}

/// Resolves the target column(s) from the options.
pub(crate) fn target_columns(
    table: &RawTable,
    task: Task,
    options: &TargetOptions,
) -> Result<Vec<usize>, DataError> {
    let dimension = options.target_dimension;
    if task == Task::Classification && dimension != 1 {
        return Err(DataError::TargetDimensionForClassification { dimension });
    }
    let last = match &options.target_column {
        None => table.columns().saturating_sub(1),
        Some(name) => find_column(table, name).ok_or_else(|| DataError::TargetNotFound {
            name: name.clone(),
            available: table.column_names.clone(),
        })?,
    };
    // At least one target, all within the table, and several targets must leave a
    // column for features (a lone target column is refused as having no features).
    if dimension == 0 || dimension > last + 1 || (dimension > 1 && dimension >= table.columns()) {
        return Err(DataError::BadTargetDimension {
            dimension,
            columns: table.columns(),
        });
    }
    Ok((last + 1 - dimension..=last).collect())
}

fn classes(
    table: &RawTable,
    column: usize,
    rows: &[usize],
    max_classes: usize,
) -> Result<Target, DataError> {
    let mut encoder = LabelEncoder::default();
    let mut classes = Vec::with_capacity(rows.len());
    for &row in rows {
        let label = table.cells[row][column].text().unwrap_or_default();
        classes.push(encoder.encode_or_add(&label));
        if encoder.len() > max_classes {
            return Err(DataError::TooManyClasses {
                column: table.column_names[column].clone(),
                limit: max_classes,
            });
        }
    }
    if encoder.len() < 2 {
        return Err(DataError::SingleClass {
            column: table.column_names[column].clone(),
        });
    }
    Ok(Target::Classes { encoder, classes })
}

fn values(table: &RawTable, columns: &[usize], rows: &[usize]) -> Result<Target, DataError> {
    let mut targets = Vec::with_capacity(columns.len());
    for &column in columns {
        let mut values = Vec::with_capacity(rows.len());
        for &row in rows {
            match &table.cells[row][column] {
                Cell::Number { value, .. } => values.push(*value),
                _ => {
                    return Err(DataError::NonNumericTarget {
                        column: table.column_names[column].clone(),
                        row: table.source_row(row),
                    })
                }
            }
        }
        targets.push(values);
    }
    Ok(Target::Values(targets))
}

/// Refuses a number too large to square in the given columns (usable rows only),
/// naming the first one met.
fn check_magnitudes(
    table: &RawTable,
    columns: impl Iterator<Item = usize>,
    rows: &[usize],
) -> Result<(), DataError> {
    for column in columns {
        for &row in rows {
            if let Cell::Number { value, .. } = &table.cells[row][column] {
                if value.abs() > MAX_ABS_VALUE {
                    return Err(DataError::ValueTooLarge {
                        column: table.column_names[column].clone(),
                        row: table.source_row(row),
                        limit: MAX_ABS_VALUE,
                    });
                }
            }
        }
    }
    Ok(())
}

/// Splits the non-target columns into features and ignored columns by their roles.
fn features(roles: &[ColumnDecision]) -> Result<(Vec<usize>, Vec<usize>), DataError> {
    let mut features = Vec::new();
    let mut ignored = Vec::new();
    for (column, decision) in roles.iter().enumerate() {
        match decision.role {
            ColumnRole::Target => {}
            role if role.is_input() => features.push(column),
            _ => ignored.push(column),
        }
    }
    if features.is_empty() {
        let reason = if ignored.is_empty() {
            "the table has no column besides the target".to_string()
        } else {
            let names: Vec<String> = ignored
                .iter()
                .take(20)
                .map(|&column| format!("{} ({})", roles[column].name, roles[column].role.name()))
                .collect();
            let more = ignored.len().saturating_sub(20);
            let keepable = ignored.iter().any(|&column| {
                matches!(
                    roles[column].role,
                    ColumnRole::Identifier | ColumnRole::Text
                )
            });
            format!(
                "every column besides the target is left out: {}{}{}",
                names.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                },
                if keepable {
                    "; an identifier or text column that is really a measurement can be kept as a feature on request"
                } else {
                    ""
                }
            )
        };
        return Err(DataError::NoFeatures { reason });
    }
    Ok((features, ignored))
}
