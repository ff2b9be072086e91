//! svmq's model reports: one self-contained HTML page per model, built from the
//! training report saved beside it: data summary, chosen parameters, CV and test
//! metrics, CV fold scores, confusion matrix, ROC and precision–recall curves (binary,
//! or one-vs-rest), optimization history, parameter importance, feature importance,
//! residuals and predicted-vs-actual for regression.
//!
//! The page is plain HTML with inline SVG drawn by hand ([`svg`], [`charts`]): no
//! scripts, no fonts or files to fetch, and a Content-Security-Policy that forbids
//! them, so it renders offline and is safe to serve. Every string from the data is
//! escaped ([`escape`]). This crate reads and writes nothing: callers load the
//! training report and put the page where they want.

#![warn(missing_docs)]

pub mod charts;
pub mod curves;
pub mod escape;
pub mod number;
pub mod page;
pub mod parameter_importance;
mod sections;
pub mod svg;

use page::Page;
use serde_json::Value;
use svmq_data::Task;
use svmq_service::TrainingReport;

pub use page::CONTENT_SECURITY_POLICY;

/// Why a saved training report cannot be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the training report of model {model_id} cannot be read: {reason}")]
    /// The saved report is missing or not what this version reads.
    Unreadable {
        /// The model whose report it is.
        model_id: String,
        /// Why it cannot be read.
        reason: String,
    },
}

/// The HTML report of a model from its saved training report (as loaded JSON).
pub fn render_saved(model_id: &str, saved: Value) -> Result<String, ReportError> {
    let report: TrainingReport =
        serde_json::from_value(saved).map_err(|error| ReportError::Unreadable {
            model_id: model_id.to_string(),
            reason: error.to_string(),
        })?;
    Ok(render(model_id, &report))
}

/// The HTML report of a model.
pub fn render(model_id: &str, report: &TrainingReport) -> String {
    let kind = match report.task {
        Task::Classification => format!("classifier, {} classes", report.classes.len()),
        Task::Regression => format!("regressor, {} target(s)", report.targets.len()),
    };
    let model_id = escape::text(model_id);
    // A task svmq chose from the target says why (the reason names a column: escaped).
    let chosen = match &report.task_choice {
        Some(choice) if choice.inferred => {
            format!(" Task chosen: {}.", escape::text(&choice.reason))
        }
        _ => String::new(),
    };
    let mut page = Page::new(
        &format!("svmq report — model {model_id}"),
        &format!(
            "SVM {kind}; search objective {}; trained in {} s.{chosen}",
            report.metric.name(),
            number::format(report.seconds)
        ),
    );
    sections::data(&mut page, report);
    if !report.warnings.is_empty() {
        let warnings: Vec<String> = report
            .warnings
            .iter()
            .map(|w| format!("<li class=\"warning\">{}</li>", escape::text(w)))
            .collect();
        page.section(
            "warnings",
            "Warnings",
            &format!("<ul>{}</ul>\n", warnings.join("")),
        );
    }
    for (index, target) in report.targets.iter().enumerate() {
        if report.targets.len() > 1 {
            page.group(&format!("Target {}", escape::text(&target.target)));
        }
        sections::target(&mut page, report, target, index);
    }
    page.finish()
}
