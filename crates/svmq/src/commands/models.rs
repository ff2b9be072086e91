//! `svmq models`: the model registry — list, show one, delete one.

use super::queue::format_timestamp;
use super::train::approximation_line;
use super::{print_json, print_lines};
use crate::table::Table;
use crate::Failure;
use clap::Subcommand;
use serde_json::json;
use std::path::Path;
use svmq_service::{Access, ColumnRole, ModelSummary, ModelView, Service, Task};

#[derive(Subcommand, Debug)]
pub enum ModelsCommand {
    /// List the models (newest first).
    List,
    /// Show one model: a short summary and where its report is (the whole report with --json).
    Show { model_id: String },
    /// Delete a model and its files.
    Delete { model_id: String },
}

pub fn run(
    service: &Service,
    command: Option<&ModelsCommand>,
    user: &str,
    json_output: bool,
) -> Result<(), Failure> {
    match command.unwrap_or(&ModelsCommand::List) {
        ModelsCommand::List => {
            let models = service.models(user)?;
            if json_output {
                print_json(&json!({ "models": models }))?;
            } else if models.is_empty() {
                print_lines(&[
                    "no models yet; train one with `svmq train DATA --target COLUMN`".into(),
                ])?;
            } else {
                print_lines(&model_table(&models))?;
            }
        }
        ModelsCommand::Show { model_id } => {
            let (record, report) = service.model_report(&Access::Everyone, model_id)?;
            if json_output {
                print_json(&json!({
                    "model_id": record.model_id.as_str(),
                    "created_at": record.created_at,
                    "report": report,
                }))?;
            } else {
                let view = ModelView::of(&record);
                let directory = service.model_directory(&record);
                print_lines(&describe(&view, &directory))?;
            }
        }
        ModelsCommand::Delete { model_id } => {
            let record = service.delete_model(&Access::Everyone, model_id)?;
            if json_output {
                print_json(&json!({ "deleted": record.model_id.as_str() }))?;
            } else {
                print_lines(&[format!("deleted model {}", record.model_id)])?;
            }
        }
    }
    Ok(())
}

/// The models as an aligned table, newest first.
fn model_table(models: &[ModelView]) -> Vec<String> {
    let mut table = Table::new(&[
        "MODEL", "CREATED", "TASK", "DATA", "TARGET", "KERNEL", "METRIC", "CV SCORE",
    ]);
    for model in models {
        let summary = model.summary.as_ref();
        let target = summary.and_then(ModelSummary::first_target);
        let targets = summary.map_or(0, |summary| summary.targets.len());
        table.row(vec![
            model.model_id.clone(),
            format_timestamp(model.created_at)
                .chars()
                .take(16)
                .collect(),
            summary.map_or("?".into(), |summary| task_name(summary.task).into()),
            summary
                .and_then(|summary| summary.data_file.clone())
                .unwrap_or_else(|| "-".into()),
            match (target, targets) {
                (Some(target), 1) => target.target.clone(),
                (Some(target), more) => format!("{} (+{})", target.target, more - 1),
                (None, _) => "-".into(),
            },
            target.map_or("-".into(), |target| target.kernel.name().into()),
            summary.map_or("-".into(), |summary| summary.metric.name().into()),
            score(target.and_then(|target| target.cv_mean)),
        ]);
    }
    table.lines()
}

/// `models show` as text: what the model is, how good, what it left out, and where
/// the whole report is.
fn describe(model: &ModelView, directory: &Path) -> Vec<String> {
    let mut lines = vec![format!(
        "model {} (user {}, created {})",
        model.model_id,
        model.user_id,
        format_timestamp(model.created_at)
            .chars()
            .take(16)
            .collect::<String>()
    )];
    let Some(summary) = &model.summary else {
        lines.push("  its stored summary cannot be read; see the files below".into());
        lines.push(format!("  files: {}", directory.display()));
        return lines;
    };
    lines.push(format!(
        "  {} on {}: {} training rows, {} test rows, {} features",
        task_name(summary.task),
        summary
            .data_file
            .as_deref()
            .unwrap_or("(data file not recorded)"),
        summary.train_rows,
        summary.test_rows,
        summary.features.len()
    ));
    if !summary.classes.is_empty() {
        lines.push(format!("  classes: {}", summary.classes.join(", ")));
    }
    for target in &summary.targets {
        lines.push(format!(
            "  target {}: {}",
            target.target, target.best_params
        ));
        lines.push(format!(
            "    cross-validation {} {} ± {}; {} support vectors",
            summary.metric.name(),
            score(target.cv_mean),
            score(target.cv_std),
            target.support_vectors
        ));
        if let Some(approximation) = &target.approximation {
            lines.push(format!("    {}", approximation_line(approximation)));
        }
        let tests: Vec<String> = target
            .test_metrics
            .iter()
            .map(|(name, value)| format!("{name} {value:.4}"))
            .collect();
        lines.push(format!("    test: {}", tests.join(", ")));
    }
    let left_out: Vec<String> = summary
        .columns
        .iter()
        .filter(|(_, note)| !note.role.is_input() && note.role != ColumnRole::Target)
        .map(|(name, note)| format!("{name} ({})", note.reason))
        .collect();
    if !left_out.is_empty() {
        lines.push(format!("  left out: {}", left_out.join("; ")));
    }
    for warning in &summary.warnings {
        lines.push(format!("  warning: {warning}"));
    }
    lines.push(format!(
        "  full report: svmq models show {} --json, or as HTML: svmq report {} (writes {})",
        model.model_id,
        model.model_id,
        directory.join(super::report::REPORT_FILE_NAME).display()
    ));
    lines
}

fn task_name(task: Task) -> &'static str {
    match task {
        Task::Classification => "classification",
        Task::Regression => "regression",
    }
}

/// A score to four decimals, or `-` when there is none.
fn score(value: Option<f64>) -> String {
    value.map_or("-".to_string(), |value| format!("{value:.4}"))
}
