//! `svmq validate`: the data-quality report of a data file, made without training —
//! the same report the MCP tool `validate_data` returns. The file is read under the
//! limits of the home's `svmq.toml`, as `svmq train` reads it.
//!
//! The text output lists the shape, each column's type, role (feature, target,
//! identifier, constant, text, excluded) and missing count, the
//! class balance (classification) or each target's summary (regression), then the
//! warnings and the blocking problems, and ends with whether the data is trainable.
//! Blocking problems make the command exit with 1 after printing the report.
//!
//! What it does not do: train, write files, or open the store.

use super::{print_json, print_lines};
use crate::config::Config;
use crate::number_format::format_g;
use crate::Failure;
use clap::builder::RangedU64ValueParser;
use clap::Args;
use serde_json::json;
use std::path::PathBuf;
use svmq_data::validate::{ColumnReport, ColumnRole};
use svmq_data::{
    ColumnKind, ColumnOverrides, TargetOptions, Task, ValidationOptions, ValidationReport,
};
use svmq_service::data_check::validate_file;
use svmq_service::request::MAX_FOLDS;

/// Target columns at most, the bound the MCP tool `validate_data` applies too.
pub const MAX_TARGET_DIMENSION: u64 = 100;
/// Columns listed one per line in the text output (target columns are always
/// listed); `--json` has them all.
const MAX_COLUMNS_LISTED: usize = 100;
/// Correlated feature pairs listed in the text output, strongest first.
const MAX_PAIRS_LISTED: usize = 10;

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// The data file: CSV/TSV (delimiter and header detected), .xlsx, or LIBSVM's
    /// format (.libsvm, .svm).
    pub data: PathBuf,
    /// The target column's name (default: the last column).
    #[arg(long)]
    pub target: Option<String>,
    /// classification or regression (default: chosen from the target's values).
    #[arg(long, value_parser = ["classification", "regression"])]
    pub task: Option<String>,
    /// Regression: K target columns, ending at the target column (default: the last one).
    #[arg(
        long,
        value_name = "K",
        default_value_t = 1,
        value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_TARGET_DIMENSION)
    )]
    pub target_dimension: usize,
    /// The cross-validation folds planned: every class needs a row in each fold.
    #[arg(
        long,
        value_name = "K",
        default_value_t = 5,
        value_parser = RangedU64ValueParser::<usize>::new().range(2..=MAX_FOLDS as u64)
    )]
    pub folds: usize,
    /// Leave this column out of the features (repeatable).
    #[arg(long = "drop", value_name = "COLUMN")]
    pub drop_columns: Vec<String>,
    /// Use this column as a feature though it looks like an identifier or free text
    /// (repeatable).
    #[arg(long = "keep", value_name = "COLUMN")]
    pub keep_columns: Vec<String>,
}

impl ValidateArgs {
    fn options(&self, max_classes: usize) -> ValidationOptions {
        ValidationOptions {
            task: self.task.as_deref().map(|task| {
                if task == "regression" {
                    Task::Regression
                } else {
                    Task::Classification
                }
            }),
            target: TargetOptions {
                target_column: self.target.clone(),
                target_dimension: self.target_dimension,
                max_classes,
            },
            columns: ColumnOverrides {
                exclude: self.drop_columns.clone(),
                include: self.keep_columns.clone(),
            },
            folds: Some(self.folds),
        }
    }
}

pub fn run(config: &Config, arguments: &ValidateArgs, json_output: bool) -> Result<(), Failure> {
    let limits = config.limits();
    let report = validate_file(
        &arguments.data,
        &limits,
        &arguments.options(limits.max_classes),
    )?;
    if json_output {
        print_json(&json!({
            "trainable": report.is_trainable(),
            "report": report,
        }))?;
    } else {
        print_lines(&describe(&arguments.data.display().to_string(), &report))?;
    }
    if report.is_trainable() {
        Ok(())
    } else {
        Err(Failure::Reported)
    }
}

/// ` (chosen: REASON; --task sets it)` after a task svmq chose; empty for a given one.
pub fn chosen(choice: Option<&svmq_data::TaskChoice>) -> String {
    match choice {
        Some(choice) if choice.inferred => {
            format!(" (chosen: {}; --task sets it)", choice.reason)
        }
        _ => String::new(),
    }
}

/// The human report: shape, columns, target, correlated pairs, warnings, blocking
/// problems, and a last line saying whether the data is trainable.
pub fn describe(data: &str, report: &ValidationReport) -> Vec<String> {
    let task = match report.task {
        Task::Classification => "classification",
        Task::Regression => "regression",
    };
    let targets = if report.target_columns.is_empty() {
        "no target column found".to_string()
    } else {
        format!("target {}", report.target_columns.join(", "))
    };
    // Usable rows are counted only when the data could be prepared for training.
    let usable = if report.usable_rows > 0 {
        format!(
            ", {} with every target present",
            counted(report.usable_rows, "row", "rows")
        )
    } else {
        String::new()
    };
    let mut lines = vec![
        format!(
            "{data}: {} × {}",
            counted(report.rows, "row", "rows"),
            counted(report.columns, "column", "columns")
        ),
        format!(
            "{task}{}, {targets}{usable}",
            chosen(report.task_choice.as_ref())
        ),
    ];
    lines.extend(describe_columns(&report.column_reports));
    lines.extend(describe_target(report));
    if !report.correlated_pairs.is_empty() {
        lines.push("correlated feature pairs (strongest first):".into());
        for pair in report.correlated_pairs.iter().take(MAX_PAIRS_LISTED) {
            lines.push(format!(
                "  {} ~ {}  r = {:.4}",
                pair.first, pair.second, pair.correlation
            ));
        }
        if report.correlated_pairs.len() > MAX_PAIRS_LISTED {
            lines.push(format!(
                "  … {} more (see --json)",
                report.correlated_pairs.len() - MAX_PAIRS_LISTED
            ));
        }
    }
    lines.extend(section("warnings", &report.warnings));
    lines.extend(section("blocking problems", &report.blocking_problems));
    lines.push(if report.is_trainable() {
        "trainable: yes".to_string()
    } else {
        format!(
            "trainable: no (fix the {} above)",
            counted(
                report.blocking_problems.len(),
                "blocking problem",
                "blocking problems"
            )
        )
    });
    lines
}

/// The widest a column name or class label is shown in the aligned tables; longer
/// ones are cut (the JSON report has them whole). Beyond 65 535 a format width would
/// panic, and a name of a megabyte aligns nothing.
const MAX_SHOWN_WIDTH: usize = 60;

/// A name cut to [`MAX_SHOWN_WIDTH`] characters, the cut marked with `…`.
fn shortened(name: &str) -> String {
    match name.char_indices().nth(MAX_SHOWN_WIDTH - 1) {
        Some((cut, _)) if name.chars().count() > MAX_SHOWN_WIDTH => format!("{}…", &name[..cut]),
        _ => name.to_string(),
    }
}

/// One aligned line per column: name, type, role, missing and distinct counts.
fn describe_columns(columns: &[ColumnReport]) -> Vec<String> {
    let listed: Vec<&ColumnReport> = columns
        .iter()
        .enumerate()
        .filter(|(index, column)| *index < MAX_COLUMNS_LISTED || column.role == ColumnRole::Target)
        .map(|(_, column)| column)
        .collect();
    let name_width = listed
        .iter()
        .map(|column| column.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp("column".len(), MAX_SHOWN_WIDTH);
    let mut lines = vec![format!(
        "  {:<name_width$}  {:<11}  {:<10}  {:>7}  {:>8}",
        "column", "type", "role", "missing", "distinct"
    )];
    for column in &listed {
        lines.push(format!(
            "  {:<name_width$}  {:<11}  {:<10}  {:>7}  {:>8}",
            shortened(&column.name),
            kind_name(column.kind),
            role_name(column.role),
            column.missing,
            column.distinct
        ));
    }
    if listed.len() < columns.len() {
        lines.push(format!(
            "  … {} more (see --json)",
            counted(columns.len() - listed.len(), "column", "columns")
        ));
    }
    lines
}

/// The class balance (classification) or each target's summary (regression).
fn describe_target(report: &ValidationReport) -> Vec<String> {
    let mut lines = Vec::new();
    if !report.class_balance.is_empty() {
        let target = report.target_columns.first().map_or("", String::as_str);
        lines.push(format!(
            "class balance of {target} ({}):",
            counted(report.class_balance.len(), "class", "classes")
        ));
        let label_width = report
            .class_balance
            .iter()
            .map(|class| class.label.chars().count())
            .max()
            .unwrap_or(0)
            .min(MAX_SHOWN_WIDTH);
        let count_width = report
            .class_balance
            .iter()
            .map(|class| class.count.to_string().len())
            .max()
            .unwrap_or(0);
        for class in &report.class_balance {
            lines.push(format!(
                "  {:<label_width$}  {:>count_width$}  {:>5.1}%",
                shortened(&class.label),
                class.count,
                100.0 * class.fraction
            ));
        }
    }
    for summary in &report.target_summaries {
        lines.push(format!(
            "target {}: {} values, min {}, median {}, max {}, mean {} ± {}",
            summary.column,
            summary.count,
            format_g(summary.minimum),
            format_g(summary.median),
            format_g(summary.maximum),
            format_g(summary.mean),
            format_g(summary.standard_deviation)
        ));
    }
    lines
}

fn kind_name(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Numeric => "numeric",
        ColumnKind::Categorical => "categorical",
        ColumnKind::Constant => "constant",
        ColumnKind::Empty => "empty",
    }
}

fn role_name(role: ColumnRole) -> &'static str {
    match role {
        ColumnRole::Feature => "feature",
        ColumnRole::Target => "target",
        ColumnRole::Identifier => "identifier",
        ColumnRole::Constant => "constant",
        ColumnRole::Text => "text",
        ColumnRole::Date => "date",
        ColumnRole::Excluded => "excluded",
    }
}

/// A titled list: `title: none`, or `title (n):` then one `- item` line each.
fn section(title: &str, items: &[String]) -> Vec<String> {
    if items.is_empty() {
        return vec![format!("{title}: none")];
    }
    let mut lines = vec![format!("{title} ({}):", items.len())];
    lines.extend(items.iter().map(|item| format!("  - {item}")));
    lines
}

/// `1 row`, `2 rows`: the count with the noun in its number.
fn counted(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("{count} {one}")
    } else {
        format!("{count} {many}")
    }
}
