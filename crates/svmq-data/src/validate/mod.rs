//! A data-quality report, made without training: what `validate_data` returns.
//!
//! It gives the shape, each column's type, role (with its reason, see
//! [`crate::roles`]) and missing count, constant and
//! duplicate columns, the class balance (classification) or a summary of each target
//! (regression), target-leak candidates (a feature that alone predicts the target
//! perfectly, or correlates with a regression target beyond |r| > 0.99), and highly
//! correlated feature pairs (|r| > 0.95). Problems are sorted into two lists:
//! `blocking_problems`, the errors training would stop on (the same checks and
//! messages as [`Dataset::prepare`] and [`Dataset::check_folds`]), and `warnings`,
//! everything worth knowing that does not stop training. Training makes the same
//! report of its prepared data with [`validate_dataset`], so every warning that
//! applies reaches its report too.
//!
//! What it does not do: change the data, or read it (it takes a [`RawTable`]; read
//! errors are the reader's). Like every message of this crate, the texts name columns
//! and rows but never quote cell contents; class labels appear only in the class
//! balance, as data the report is about.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::dataset::{Dataset, TargetOptions, Task};
use crate::roles::{decide_roles, ColumnDecision, ColumnOverrides, MAX_ONE_HOT_LEVELS};
use crate::scaling::{mean, quantile, standard_deviation};
use crate::schema::{ColumnKind, Schema};
use crate::table::{Cell, RawTable};
use crate::task_choice::{choose_task, TaskChoice};

mod correlation;

use correlation::{correlated_pairs, numeric_values, predicts_classes};
pub use correlation::{correlation, CorrelatedPair, PAIR_CORRELATION};

/// Correlation (|r|, 0 to 1) above which a feature is reported as a leak candidate for
/// a numeric target.
pub const LEAK_CORRELATION: f64 = 0.99;

/// What the data is meant to train.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationOptions {
    /// Classification or regression; `None` chooses from the target.
    pub task: Option<Task>,
    /// Which column(s) hold the target.
    pub target: TargetOptions,
    /// The caller's corrections to the column roles.
    pub columns: ColumnOverrides,
    /// The cross-validation folds planned, to check every class can fill them.
    pub folds: Option<usize>,
}

pub use crate::roles::ColumnRole;

/// One column's type, role and counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnReport {
    /// The column's name.
    pub name: String,
    /// The inferred type.
    pub kind: ColumnKind,
    /// What training does with it.
    pub role: ColumnRole,
    /// Why, in a few words.
    pub reason: String,
    /// Missing cells, over all rows.
    pub missing: usize,
    /// Distinct non-missing values (numbers by value, text by spelling).
    pub distinct: usize,
}

/// A column equal, cell for cell, to an earlier one (numbers compared by value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateColumn {
    /// The later column.
    pub column: String,
    /// The earlier column holding exactly the same values.
    pub same_as: String,
}

/// How many rows hold one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassCount {
    /// The class label, spelled as in the data.
    pub label: String,
    /// Rows with this label.
    pub count: usize,
    /// `count` over all labelled rows, 0 to 1.
    pub fraction: f64,
}

/// Statistics of a regression target over the usable rows, in the target's units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSummary {
    /// The target column.
    pub column: String,
    /// Values summarized: the usable rows.
    pub count: usize,
    /// The smallest value.
    pub minimum: f64,
    /// The largest value.
    pub maximum: f64,
    /// The arithmetic mean.
    pub mean: f64,
    /// The population standard deviation (divided by n).
    pub standard_deviation: f64,
    /// The median (linear interpolation between the middle two for an even count).
    pub median: f64,
}

/// A feature suspiciously good at predicting a target on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakCandidate {
    /// The feature column.
    pub feature: String,
    /// The target column it predicts.
    pub target: String,
    /// Why: each value occurs with one class only, the value ranges per class do not
    /// overlap, or the correlation with a numeric target.
    pub reason: String,
}

/// Everything [`validate`] found; see the module docs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationReport {
    /// Data rows in the table, header excluded.
    pub rows: usize,
    /// Columns in the table.
    pub columns: usize,
    /// The task validated for.
    pub task: Task,
    /// Whether the task was given or chosen from the target, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_choice: Option<TaskChoice>,
    /// The target column names; empty when the target options do not resolve.
    pub target_columns: Vec<String>,
    /// Rows with every target present: the rows training would use.
    pub usable_rows: usize,
    /// One report per column, in table order.
    pub column_reports: Vec<ColumnReport>,
    /// Constant and empty columns other than the targets.
    pub constant_columns: Vec<String>,
    /// Columns equal to an earlier one.
    pub duplicate_columns: Vec<DuplicateColumn>,
    /// Classification: each class with its count, in order of first appearance.
    pub class_balance: Vec<ClassCount>,
    /// Regression: one summary per numeric target column.
    pub target_summaries: Vec<TargetSummary>,
    /// Features that alone predict a target (|r| > [`LEAK_CORRELATION`] for a numeric
    /// target).
    pub leak_candidates: Vec<LeakCandidate>,
    /// Numeric feature pairs with |r| > [`PAIR_CORRELATION`], strongest first, at most
    /// 100.
    pub correlated_pairs: Vec<CorrelatedPair>,
    /// The errors training would stop on, as messages; empty when it can go ahead.
    pub blocking_problems: Vec<String>,
    /// Messages about what is worth knowing but does not stop training.
    pub warnings: Vec<String>,
}

impl ValidationReport {
    /// Whether training can go ahead.
    pub fn is_trainable(&self) -> bool {
        self.blocking_problems.is_empty()
    }
}

/// Examines a table for the task, target and column overrides of `options`.
pub fn validate(table: &RawTable, options: &ValidationOptions) -> ValidationReport {
    validate_owned(table.clone(), options)
}

/// [`validate`] of a table the caller is done with: it is not copied.
pub fn validate_owned(table: RawTable, options: &ValidationOptions) -> ValidationReport {
    let prepared =
        Dataset::prepare_choosing_or_return(table, options.task, &options.target, &options.columns);
    match prepared {
        Ok(dataset) => validate_dataset(&dataset, options.folds),
        Err(refused) => {
            let (error, table) = *refused;
            unprepared(&table, options, error)
        }
    }
}

/// The report of data already prepared for training, with `folds` the
/// cross-validation folds planned; target leaks are looked for in every usable row.
pub fn validate_dataset(dataset: &Dataset, folds: Option<usize>) -> ValidationReport {
    let every_row: Vec<usize> = (0..dataset.rows.len()).collect();
    validate_training(dataset, folds, &every_row)
}

/// [`validate_dataset`] as training warns: target leaks are looked for in the
/// training split only (`training`: positions in [`Dataset::rows`]), never in the
/// rows held out to test the model.
pub fn validate_training(
    dataset: &Dataset,
    folds: Option<usize>,
    training: &[usize],
) -> ValidationReport {
    let table = &dataset.table;
    let mut report = empty_report(table, dataset.task);
    report.task_choice = Some(dataset.task_choice.clone());
    report.target_columns = dataset.target_names();
    report.usable_rows = dataset.rows.len();
    report.column_reports = column_reports(&dataset.schema, &dataset.roles);
    report.constant_columns = constant_columns(&dataset.roles);
    if let Some(folds) = folds {
        if let Err(error) = dataset.check_folds(folds) {
            report.blocking_problems.push(error.to_string());
        }
    }
    examine_target(dataset, training, &mut report);
    report.correlated_pairs = correlated_pairs(dataset, &mut report.warnings);
    column_warnings(table, &dataset.schema, &dataset.roles, &mut report);
    report
}

/// The report of a table training would refuse: `error` is the blocking problem; the
/// columns are described as far as the target and overrides allow.
fn unprepared(
    table: &RawTable,
    options: &ValidationOptions,
    error: crate::error::DataError,
) -> ValidationReport {
    let schema = Schema::infer(table);
    let choice = choose_task(table, options.task, &options.target).ok();
    let task = choice
        .as_ref()
        .map(|choice| choice.task)
        .or(options.task)
        .unwrap_or(Task::Classification);
    let mut report = empty_report(table, task);
    report.task_choice = choice;
    let targets = crate::dataset::target_columns(table, task, &options.target).unwrap_or_default();
    report.target_columns = targets
        .iter()
        .map(|&column| table.column_names[column].clone())
        .collect();
    // An override that cannot apply is the error itself; the rules alone still
    // describe the columns.
    let roles = decide_roles(table, &schema, &targets, &options.columns)
        .or_else(|_| decide_roles(table, &schema, &targets, &ColumnOverrides::default()))
        .unwrap_or_default();
    report.column_reports = column_reports(&schema, &roles);
    report.constant_columns = constant_columns(&roles);
    // Too many classes: a balance of thousands of classes says nothing more.
    let too_many_classes = matches!(error, crate::error::DataError::TooManyClasses { .. });
    report.blocking_problems.push(error.to_string());
    if task == Task::Classification && !too_many_classes {
        if let Some(&target) = targets.first() {
            report.class_balance = class_balance(table.column(target));
        }
    }
    column_warnings(table, &schema, &roles, &mut report);
    report
}

fn empty_report(table: &RawTable, task: Task) -> ValidationReport {
    ValidationReport {
        rows: table.rows(),
        columns: table.columns(),
        task,
        task_choice: None,
        target_columns: Vec::new(),
        usable_rows: 0,
        column_reports: Vec::new(),
        constant_columns: Vec::new(),
        duplicate_columns: duplicate_columns(table),
        class_balance: Vec::new(),
        target_summaries: Vec::new(),
        leak_candidates: Vec::new(),
        correlated_pairs: Vec::new(),
        blocking_problems: Vec::new(),
        warnings: Vec::new(),
    }
}

/// One report per column; `roles` is empty only when they could not be decided.
fn column_reports(schema: &Schema, roles: &[ColumnDecision]) -> Vec<ColumnReport> {
    schema
        .columns
        .iter()
        .zip(roles)
        .map(|(column, decision)| ColumnReport {
            name: column.name.clone(),
            kind: column.kind,
            role: decision.role,
            reason: decision.reason.clone(),
            missing: column.missing,
            distinct: column.distinct,
        })
        .collect()
}

/// Constant and empty columns other than the targets.
fn constant_columns(roles: &[ColumnDecision]) -> Vec<String> {
    roles
        .iter()
        .filter(|decision| decision.role == ColumnRole::Constant)
        .map(|decision| decision.name.clone())
        .collect()
}

fn class_balance<'a>(labels: impl Iterator<Item = &'a Cell>) -> Vec<ClassCount> {
    let mut order: Vec<String> = Vec::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for label in labels.filter_map(Cell::text) {
        let count = counts.entry(label.clone()).or_insert(0);
        if *count == 0 {
            order.push(label);
        }
        *count += 1;
    }
    let total: usize = counts.values().sum();
    order
        .into_iter()
        .map(|label| {
            let count = counts[&label];
            ClassCount {
                label,
                count,
                fraction: count as f64 / total as f64,
            }
        })
        .collect()
}

/// Class balance or target summaries, leak candidates, and target warnings.
fn examine_target(dataset: &Dataset, training: &[usize], report: &mut ValidationReport) {
    let table = &dataset.table;
    if dataset.unlabeled_rows() > 0 {
        report.warnings.push(format!(
            "{} rows have no target value and are left out",
            dataset.unlabeled_rows()
        ));
    }
    if dataset.rows.len() < 20 {
        report.warnings.push(format!(
            "only {} usable rows: scores will vary a lot between splits",
            dataset.rows.len()
        ));
    }
    let target_name = &table.column_names[dataset.target_columns[0]];
    if let Some(classes) = dataset.classes() {
        let labels = dataset
            .rows
            .iter()
            .map(|&row| &table.cells[row][dataset.target_columns[0]]);
        report.class_balance = class_balance(labels);
        let counts: Vec<usize> = report
            .class_balance
            .iter()
            .map(|class| class.count)
            .collect();
        let (smallest, largest) = (
            counts.iter().min().copied().unwrap_or(0),
            counts.iter().max().copied().unwrap_or(0),
        );
        if largest > 0 && (smallest as f64) < 0.1 * largest as f64 {
            report.warnings.push(format!(
                "the classes are imbalanced (smallest {smallest}, largest {largest} rows); consider balanced class weights and a balanced metric"
            ));
        }
        let numeric_target = dataset.schema.kind(dataset.target_columns[0]) == ColumnKind::Numeric;
        if numeric_target && counts.len() > 20 && counts.len() * 2 > dataset.rows.len() {
            report.warnings.push(format!(
                "the target `{target_name}` has {} distinct numeric values: is this a regression task?",
                counts.len()
            ));
        }
        let rows: Vec<usize> = training
            .iter()
            .map(|&position| dataset.rows[position])
            .collect();
        let training_classes: Vec<usize> =
            training.iter().map(|&position| classes[position]).collect();
        for &column in &dataset.feature_columns {
            if let Some(reason) = predicts_classes(dataset, column, &rows, &training_classes) {
                report.leak_candidates.push(LeakCandidate {
                    feature: table.column_names[column].clone(),
                    target: target_name.clone(),
                    reason,
                });
            }
        }
    }
    if let crate::dataset::Target::Values(targets) = &dataset.target {
        for (&column, values) in dataset.target_columns.iter().zip(targets) {
            let name = &table.column_names[column];
            report.target_summaries.push(summarize(name, values));
            let distinct: HashSet<u64> = values.iter().map(|value| value.to_bits()).collect();
            if distinct.len() <= 10 && values.iter().all(|value| value.fract() == 0.0) {
                report.warnings.push(format!(
                    "the target `{name}` has only {} distinct whole values: is this a classification task?",
                    distinct.len()
                ));
            }
            for &feature in &dataset.feature_columns {
                if dataset.schema.kind(feature) != ColumnKind::Numeric {
                    continue;
                }
                let rows: Vec<usize> = training
                    .iter()
                    .map(|&position| dataset.rows[position])
                    .collect();
                let training_values: Vec<f64> =
                    training.iter().map(|&position| values[position]).collect();
                let feature_values = numeric_values(table, feature, &rows);
                if let Some(r) = correlation(&feature_values, &training_values) {
                    if r.abs() > LEAK_CORRELATION {
                        report.leak_candidates.push(LeakCandidate {
                            feature: table.column_names[feature].clone(),
                            target: name.clone(),
                            reason: format!(
                                "correlation {r:.4} with the target in the training rows"
                            ),
                        });
                    }
                }
            }
        }
    }
    let scope = if training.len() < dataset.rows.len() {
        format!(", measured on the {} training rows", training.len())
    } else {
        String::new()
    };
    for leak in &report.leak_candidates {
        report.warnings.push(format!(
            "possible target leak: `{}` alone predicts the target almost perfectly ({}{scope}); if it is known only after the target, or derived from it, drop it: scores would look better than they are",
            leak.feature, leak.reason
        ));
    }
}

fn summarize(name: &str, values: &[f64]) -> TargetSummary {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let average = mean(values);
    TargetSummary {
        column: name.to_string(),
        count: values.len(),
        minimum: sorted[0],
        maximum: sorted[sorted.len() - 1],
        mean: average,
        standard_deviation: standard_deviation(values, average),
        median: quantile(&sorted, 0.5),
    }
}

/// Columns equal, cell for cell, to an earlier column.
fn duplicate_columns(table: &RawTable) -> Vec<DuplicateColumn> {
    let mut by_content: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut duplicates = Vec::new();
    for column in 0..table.columns() {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for cell in table.column(column) {
            cell_key(cell).hash(&mut hasher);
        }
        let candidates = by_content.entry(hasher.finish()).or_default();
        let same = candidates.iter().copied().find(|&earlier| {
            table
                .column(earlier)
                .zip(table.column(column))
                .all(|(left, right)| cell_key(left) == cell_key(right))
        });
        match same {
            Some(earlier) => duplicates.push(DuplicateColumn {
                column: table.column_names[column].clone(),
                same_as: table.column_names[earlier].clone(),
            }),
            None => candidates.push(column),
        }
    }
    duplicates
}

/// A cell's value for equality: numbers by value (so `1` equals `1.0`).
#[derive(PartialEq, Eq, Hash)]
enum CellKey<'a> {
    Missing,
    Number(u64),
    Text(&'a str),
}

fn cell_key(cell: &Cell) -> CellKey<'_> {
    match cell {
        Cell::Missing => CellKey::Missing,
        Cell::Number { value, .. } => CellKey::Number((value + 0.0).to_bits()),
        Cell::Text(text) => CellKey::Text(text),
    }
}

/// Columns left out as identifiers or text, or kept against the rules, warned about
/// one by one up to this many; the rest in one line.
const MAX_ROLE_WARNINGS: usize = 20;

/// Warnings about single columns: constant, duplicated, left out as identifiers or
/// text (or kept against the rules), and, among features, mostly missing or mostly
/// numeric with some text.
fn column_warnings(
    table: &RawTable,
    schema: &Schema,
    roles: &[ColumnDecision],
    report: &mut ValidationReport,
) {
    if !report.constant_columns.is_empty() {
        let shown: Vec<&str> = report
            .constant_columns
            .iter()
            .take(20)
            .map(String::as_str)
            .collect();
        report.warnings.push(format!(
            "{} constant or empty columns are ignored: {}",
            report.constant_columns.len(),
            shown.join(", ")
        ));
    }
    for duplicate in &report.duplicate_columns {
        report.warnings.push(format!(
            "column `{}` duplicates column `{}`",
            duplicate.column, duplicate.same_as
        ));
    }
    role_warnings(roles, &mut report.warnings);
    for (index, column) in schema.columns.iter().enumerate() {
        if roles.get(index).map(|decision| decision.role) != Some(ColumnRole::Feature) {
            continue;
        }
        let present = column.numbers + column.texts;
        if column.missing * 2 > table.rows() {
            report.warnings.push(format!(
                "column `{}` is {:.0}% missing; its missing values will be imputed",
                column.name,
                100.0 * column.missing as f64 / table.rows() as f64
            ));
        }
        if column.kind == ColumnKind::Categorical && column.distinct > MAX_ONE_HOT_LEVELS {
            report.warnings.push(format!(
                "column `{}` has {} categories: only the {MAX_ONE_HOT_LEVELS} most frequent in the training rows are one-hot encoded, the others share one \"other\" column",
                column.name, column.distinct
            ));
        }
        if column.kind == ColumnKind::Categorical && column.numbers * 10 >= present * 9 {
            let first_text = table
                .column(index)
                .position(|cell| matches!(cell, Cell::Text(_)))
                .map_or(0, |row| table.source_row(row));
            report.warnings.push(format!(
                "column `{}` is mostly numbers but has {} non-numeric values (first at row {first_text} of the file), so it is treated as categorical",
                column.name, column.texts
            ));
        }
    }
}

/// One warning per column the rules left out as an identifier or text, or that the
/// caller kept against them.
fn role_warnings(roles: &[ColumnDecision], warnings: &mut Vec<String>) {
    let notable: Vec<String> = roles
        .iter()
        .filter_map(|decision| match decision.role {
            ColumnRole::Identifier => Some(format!(
                "column `{}` is left out of the features as an identifier ({}); keep it only if it measures something",
                decision.name, decision.reason
            )),
            ColumnRole::Text => Some(format!(
                "column `{}` is left out of the features as free text ({}); one-hot encoding cannot generalize from it",
                decision.name, decision.reason
            )),
            ColumnRole::Date if decision.reason.contains("month first") => Some(format!(
                "column `{}` holds dates whose day and month order no value decides; they are read month first (MM/DD/YYYY)",
                decision.name
            )),
            ColumnRole::Feature if decision.on_request && decision.reason.starts_with("kept") => {
                Some(format!(
                    "column `{}` is {}; scores may reflect the rows it names, not the data",
                    decision.name, decision.reason
                ))
            }
            _ => None,
        })
        .collect();
    let more = notable.len().saturating_sub(MAX_ROLE_WARNINGS);
    warnings.extend(notable.into_iter().take(MAX_ROLE_WARNINGS));
    if more > 0 {
        warnings.push(format!(
            "{more} more columns are left out as identifiers or text, or kept against the rules (see the column roles)"
        ));
    }
}
