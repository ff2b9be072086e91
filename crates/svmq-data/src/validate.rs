//! A data-quality report, made without training: what `validate_data` returns.
//!
//! It gives the shape, each column's type, role and missing count, constant and
//! duplicate columns, the class balance (classification) or a summary of each target
//! (regression), target-leak candidates (a feature that alone predicts the target
//! perfectly, or correlates with a regression target beyond |r| > 0.99), and highly
//! correlated feature pairs (|r| > 0.95). Problems are sorted into two lists:
//! `blocking_problems`, the errors training would stop on (the same checks and
//! messages as [`Dataset::prepare`] and [`Dataset::check_folds`]), and `warnings`,
//! everything worth knowing that does not stop training.
//!
//! What it does not do: change the data, or read it (it takes a [`RawTable`]; read
//! errors are the reader's). Like every message of this crate, the texts name columns
//! and rows but never quote cell contents; class labels appear only in the class
//! balance, as data the report is about.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::dataset::{Dataset, TargetOptions, Task};
use crate::scaling::{mean, quantile, standard_deviation};
use crate::schema::{ColumnKind, Schema};
use crate::table::{Cell, RawTable};

/// Correlation above which a feature is reported as a leak candidate for a numeric
/// target, and between two features as a highly correlated pair.
pub const LEAK_CORRELATION: f64 = 0.99;
pub const PAIR_CORRELATION: f64 = 0.95;
/// Correlations are computed on at most this many numeric features and rows (rows
/// sampled evenly), to keep the report fast on wide or long tables.
const CORRELATION_MAX_FEATURES: usize = 300;
const CORRELATION_MAX_ROWS: usize = 10_000;
/// Reported pairs are cut at this many, strongest first.
const MAX_PAIRS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationOptions {
    pub task: Task,
    pub target: TargetOptions,
    /// The cross-validation folds planned, to check every class can fill them.
    pub folds: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    Feature,
    Target,
    /// Constant or empty: left out of the features.
    Ignored,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnReport {
    pub name: String,
    pub kind: ColumnKind,
    pub role: ColumnRole,
    pub missing: usize,
    pub distinct: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateColumn {
    pub column: String,
    /// The earlier column holding exactly the same values.
    pub same_as: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassCount {
    pub label: String,
    pub count: usize,
    pub fraction: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSummary {
    pub column: String,
    pub count: usize,
    pub minimum: f64,
    pub maximum: f64,
    pub mean: f64,
    pub standard_deviation: f64,
    pub median: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakCandidate {
    pub feature: String,
    pub target: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrelatedPair {
    pub first: String,
    pub second: String,
    pub correlation: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationReport {
    pub rows: usize,
    pub columns: usize,
    pub task: Task,
    pub target_columns: Vec<String>,
    /// Rows with every target present: the rows training would use.
    pub usable_rows: usize,
    pub column_reports: Vec<ColumnReport>,
    /// Constant and empty columns.
    pub constant_columns: Vec<String>,
    pub duplicate_columns: Vec<DuplicateColumn>,
    /// Classification: each class with its count, in order of first appearance.
    pub class_balance: Vec<ClassCount>,
    /// Regression: one summary per numeric target column.
    pub target_summaries: Vec<TargetSummary>,
    pub leak_candidates: Vec<LeakCandidate>,
    pub correlated_pairs: Vec<CorrelatedPair>,
    pub blocking_problems: Vec<String>,
    pub warnings: Vec<String>,
}

impl ValidationReport {
    /// Whether training can go ahead.
    pub fn is_trainable(&self) -> bool {
        self.blocking_problems.is_empty()
    }
}

/// Examines a table for the task and target of `options`.
pub fn validate(table: &RawTable, options: &ValidationOptions) -> ValidationReport {
    let schema = Schema::infer(table);
    let mut report = ValidationReport {
        rows: table.rows(),
        columns: table.columns(),
        task: options.task,
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
    };
    let targets =
        crate::dataset::target_columns(table, options.task, &options.target).unwrap_or_default();
    report.target_columns = targets
        .iter()
        .map(|&column| table.column_names[column].clone())
        .collect();
    report.column_reports = column_reports(&schema, &targets);
    report.constant_columns = schema
        .columns
        .iter()
        .filter(|column| matches!(column.kind, ColumnKind::Constant | ColumnKind::Empty))
        .map(|column| column.name.clone())
        .collect();
    match Dataset::prepare(table.clone(), options.task, &options.target) {
        Ok(dataset) => {
            report.usable_rows = dataset.rows.len();
            if let Some(folds) = options.folds {
                if let Err(error) = dataset.check_folds(folds) {
                    report.blocking_problems.push(error.to_string());
                }
            }
            examine_target(&dataset, &mut report);
            report.correlated_pairs = correlated_pairs(&dataset, &mut report.warnings);
        }
        Err(error) => report.blocking_problems.push(error.to_string()),
    }
    if report.class_balance.is_empty() && options.task == Task::Classification {
        if let Some(&target) = targets.first() {
            report.class_balance = class_balance(table.column(target));
        }
    }
    column_warnings(table, &schema, &targets, &mut report);
    report
}

fn column_reports(schema: &Schema, targets: &[usize]) -> Vec<ColumnReport> {
    schema
        .columns
        .iter()
        .enumerate()
        .map(|(index, column)| ColumnReport {
            name: column.name.clone(),
            kind: column.kind,
            role: if targets.contains(&index) {
                ColumnRole::Target
            } else if matches!(column.kind, ColumnKind::Constant | ColumnKind::Empty) {
                ColumnRole::Ignored
            } else {
                ColumnRole::Feature
            },
            missing: column.missing,
            distinct: column.distinct,
        })
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
fn examine_target(dataset: &Dataset, report: &mut ValidationReport) {
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
        for &column in &dataset.feature_columns {
            if let Some(reason) = predicts_classes(dataset, column, classes) {
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
                let feature_values = numeric_values(table, feature, &dataset.rows);
                if let Some(r) = correlation(&feature_values, values) {
                    if r.abs() > LEAK_CORRELATION {
                        report.leak_candidates.push(LeakCandidate {
                            feature: table.column_names[feature].clone(),
                            target: name.clone(),
                            reason: format!("correlation {r:.4} with the target"),
                        });
                    }
                }
            }
        }
    }
    for leak in &report.leak_candidates {
        report.warnings.push(format!(
            "possible target leak: `{}` ({}); a feature known only after the target would make scores look better than they are",
            leak.feature, leak.reason
        ));
    }
}

/// Why a feature alone determines the class, if it does: each of its values belongs
/// to one class (when values repeat, so it is not merely an identifier), or its
/// numeric ranges per class do not overlap (on enough rows to mean something).
fn predicts_classes(dataset: &Dataset, column: usize, classes: &[usize]) -> Option<String> {
    let table = &dataset.table;
    let mut class_of_value: HashMap<String, usize> = HashMap::new();
    let mut consistent = true;
    let mut present = 0;
    for (&row, &class) in dataset.rows.iter().zip(classes) {
        if let Some(text) = table.cells[row][column].text() {
            present += 1;
            if *class_of_value.entry(text).or_insert(class) != class {
                consistent = false;
                break;
            }
        }
    }
    // A mostly missing column agreeing with the target on its few values proves
    // little; so does one whose values are nearly all distinct.
    let covers = present * 2 >= dataset.rows.len();
    if consistent && covers && class_of_value.len() * 2 <= dataset.rows.len() {
        return Some("each of its values occurs with one class only".to_string());
    }
    if dataset.schema.kind(column) != ColumnKind::Numeric || dataset.rows.len() < 30 {
        return None;
    }
    let classes_count = dataset.encoder().map_or(0, |encoder| encoder.len());
    let mut ranges = vec![(f64::INFINITY, f64::NEG_INFINITY); classes_count];
    for (&row, &class) in dataset.rows.iter().zip(classes) {
        if let Some(value) = table.cells[row][column].as_number() {
            let range = &mut ranges[class];
            *range = (range.0.min(value), range.1.max(value));
        }
    }
    ranges.retain(|range| range.0 <= range.1);
    ranges.sort_by(|left, right| left.0.total_cmp(&right.0));
    let separated = ranges.len() >= 2 && ranges.windows(2).all(|pair| pair[0].1 < pair[1].0);
    separated.then(|| "its value ranges per class do not overlap".to_string())
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

/// A numeric column's values at `rows`, NaN where missing.
fn numeric_values(table: &RawTable, column: usize, rows: &[usize]) -> Vec<f64> {
    rows.iter()
        .map(|&row| table.cells[row][column].as_number().unwrap_or(f64::NAN))
        .collect()
}

/// Pearson's r over the positions where both values are present; `None` when fewer
/// than three pairs remain or either side is constant there.
pub fn correlation(left: &[f64], right: &[f64]) -> Option<f64> {
    let pairs: Vec<(f64, f64)> = left
        .iter()
        .zip(right)
        .filter(|(x, y)| !x.is_nan() && !y.is_nan())
        .map(|(&x, &y)| (x, y))
        .collect();
    if pairs.len() < 3 {
        return None;
    }
    let count = pairs.len() as f64;
    let mean_x = pairs.iter().map(|pair| pair.0).sum::<f64>() / count;
    let mean_y = pairs.iter().map(|pair| pair.1).sum::<f64>() / count;
    let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        xy += (x - mean_x) * (y - mean_y);
        xx += (x - mean_x).powi(2);
        yy += (y - mean_y).powi(2);
    }
    (xx > 0.0 && yy > 0.0).then(|| (xy / (xx * yy).sqrt()).clamp(-1.0, 1.0))
}

/// Numeric feature pairs with |r| > [`PAIR_CORRELATION`], strongest first.
fn correlated_pairs(dataset: &Dataset, warnings: &mut Vec<String>) -> Vec<CorrelatedPair> {
    let table = &dataset.table;
    let numeric: Vec<usize> = dataset
        .feature_columns
        .iter()
        .copied()
        .filter(|&column| dataset.schema.kind(column) == ColumnKind::Numeric)
        .collect();
    if numeric.len() > CORRELATION_MAX_FEATURES {
        warnings.push(format!(
            "{} numeric features: correlated pairs were not searched (limit {CORRELATION_MAX_FEATURES})",
            numeric.len()
        ));
        return Vec::new();
    }
    let step = dataset.rows.len().div_ceil(CORRELATION_MAX_ROWS).max(1);
    let rows: Vec<usize> = dataset.rows.iter().step_by(step).copied().collect();
    let columns: Vec<Vec<f64>> = numeric
        .iter()
        .map(|&column| numeric_values(table, column, &rows))
        .collect();
    let mut pairs = Vec::new();
    for first in 0..columns.len() {
        for second in first + 1..columns.len() {
            if let Some(r) = correlation(&columns[first], &columns[second]) {
                if r.abs() > PAIR_CORRELATION {
                    pairs.push(CorrelatedPair {
                        first: table.column_names[numeric[first]].clone(),
                        second: table.column_names[numeric[second]].clone(),
                        correlation: r,
                    });
                }
            }
        }
    }
    pairs.sort_by(|left, right| right.correlation.abs().total_cmp(&left.correlation.abs()));
    if !pairs.is_empty() {
        warnings.push(format!(
            "{} feature pairs correlate beyond |r| > {PAIR_CORRELATION}; they carry nearly the same information",
            pairs.len()
        ));
    }
    pairs.truncate(MAX_PAIRS);
    pairs
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

/// Warnings about single columns: ignored, mostly missing, mostly numeric with some
/// text, identifier-like, duplicated.
fn column_warnings(
    table: &RawTable,
    schema: &Schema,
    targets: &[usize],
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
    for (index, column) in schema.columns.iter().enumerate() {
        if targets.contains(&index) || matches!(column.kind, ColumnKind::Empty) {
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
        if column.kind == ColumnKind::Categorical && column.numbers * 10 >= present * 9 {
            let first_text = table
                .column(index)
                .position(|cell| matches!(cell, Cell::Text(_)))
                .map_or(0, |row| table.source_row(row));
            report.warnings.push(format!(
                "column `{}` is mostly numbers but has {} non-numeric values (first at row {first_text} of the file), so it is treated as categorical",
                column.name, column.texts
            ));
        } else if column.kind == ColumnKind::Categorical
            && column.distinct == present
            && present > 20
        {
            report.warnings.push(format!(
                "column `{}` has a different value in every row (an identifier?); one-hot encoding gives {} features that cannot generalize",
                column.name, column.distinct
            ));
        }
    }
}
