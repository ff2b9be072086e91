//! `svmq train`: train a model here and now, with progress on the terminal, and
//! register it in the home directory.

use super::{print_json, print_lines};
use crate::progress_bar::ProgressBar;
use crate::training_args::{in_flags, TrainingArgs};
use crate::Failure;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;
use svmq_data::{ColumnRole, DataError};
use svmq_service::model_store::{headline, summary};
use svmq_service::training::TrainingReport;
use svmq_service::training_report::ApproximationReport;
use svmq_service::{Service, ServiceError, TrainingObserver};
use svmq_tune::study::TrialState;

/// Training progress drawn as a bar on a terminal's stderr, and with `--verbose` the
/// log, one line each with the seconds since the start.
struct TerminalProgress {
    bar: ProgressBar,
    verbose: Option<Instant>,
}

impl TrainingObserver for TerminalProgress {
    fn progress(&self, percent: f64, message: &str) {
        self.bar.show(percent, message);
    }

    fn log(&self, line: &str) {
        if let Some(started) = self.verbose {
            let line = format!("[{:7.1} s] {line}", started.elapsed().as_secs_f64());
            self.bar.println(&line);
        }
    }
}

/// A stop flag raised by Ctrl-C, so an interrupted training returns cleanly.
pub fn interrupt_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let handler_flag = flag.clone();
    let _ = ctrlc::set_handler(move || handler_flag.store(true, Ordering::SeqCst));
    flag
}

pub fn run(
    service: &Service,
    arguments: &TrainingArgs,
    user: &str,
    json_output: bool,
    verbose: bool,
) -> Result<(), Failure> {
    let request = arguments
        .request(service.settings().limits.clone())
        .map_err(|error| Failure::Usage(error.to_string()))?;
    let stop = interrupt_flag();
    let progress = TerminalProgress {
        bar: ProgressBar::on_stderr(json_output),
        verbose: verbose.then(Instant::now),
    };
    let trained = service.train_and_register(&request, user, &progress, &stop);
    progress.bar.finish();
    let (record, outcome) = match trained {
        Ok(trained) => trained,
        Err(ServiceError::Stopped) => {
            return Err(anyhow::anyhow!("training was interrupted; nothing was saved").into())
        }
        Err(ServiceError::Data(continuous @ DataError::ContinuousTarget { .. })) => {
            return Err(Failure::Usage(format!(
                "{continuous}: use --task regression, or leave --task out for svmq to choose"
            )))
        }
        Err(ServiceError::Data(label @ DataError::PositiveLabel { .. })) => {
            return Err(Failure::Usage(format!("--pos-label: {label}")))
        }
        Err(error @ ServiceError::InvalidParameter(_)) => {
            return Err(Failure::Usage(in_flags(error)))
        }
        Err(error) => return Err(anyhow::Error::new(error).into()),
    };
    if json_output {
        let mut printed = serde_json::Map::new();
        printed.insert("model_id".into(), json!(record.model_id.as_str()));
        printed.extend(headline(&outcome.report));
        printed.insert("summary".into(), summary(&outcome.report));
        printed.insert("report".into(), json!(outcome.report));
        print_json(&serde_json::Value::Object(printed))?;
    } else {
        print_lines(&describe(record.model_id.as_str(), &outcome.report))?;
    }
    Ok(())
}

/// Columns named in the line of columns left out, at most; `--json` has them all.
const MAX_LEFT_OUT_NAMED: usize = 10;

/// `  left out: id (identifier), notes (text), ...`: the columns other than the
/// targets that are not features, with their role; their reasons are in the warnings
/// and in `--json`. `None` when every other column is a feature.
fn left_out(report: &TrainingReport) -> Option<String> {
    let named: Vec<String> = report
        .data
        .roles
        .iter()
        .filter(|decision| !decision.role.is_input() && decision.role != ColumnRole::Target)
        .map(|decision| format!("{} ({})", shortened(&decision.name), decision.role.name()))
        .collect();
    if named.is_empty() {
        return None;
    }
    let more = named.len().saturating_sub(MAX_LEFT_OUT_NAMED);
    let mut line = format!(
        "  left out: {}",
        named[..named.len().min(MAX_LEFT_OUT_NAMED)].join(", ")
    );
    if more > 0 {
        line.push_str(&format!(" and {more} more"));
    }
    Some(line)
}

/// A column name cut to 60 characters, the cut marked with `…`.
fn shortened(name: &str) -> String {
    match name.char_indices().nth(59) {
        Some((cut, _)) if name.chars().count() > 60 => format!("{}…", &name[..cut]),
        _ => name.to_string(),
    }
}

/// The human summary of a training.
pub fn describe(model_id: &str, report: &TrainingReport) -> Vec<String> {
    // Hundredths below a second: a small data set trains in a few of them.
    let seconds = if report.seconds < 1.0 {
        format!("{:.2}", report.seconds)
    } else {
        format!("{:.1}", report.seconds)
    };
    let mut lines = vec![format!("model {model_id} trained in {seconds} s")];
    let task = match report.task {
        svmq_data::Task::Classification => "classification",
        svmq_data::Task::Regression => "regression",
    };
    lines.push(format!(
        "  task: {task}{}",
        super::validate::chosen(report.task_choice.as_ref())
    ));
    lines.push(format!(
        "  data: {} rows ({} train, {} test), {} features",
        report.data.usable_rows,
        report.data.train_rows,
        report.data.test_rows,
        report.data.features.len()
    ));
    if let Some(line) = left_out(report) {
        lines.push(line);
    }
    for target in &report.targets {
        let pruned = target
            .trials
            .iter()
            .filter(|t| t.state == TrialState::Pruned)
            .count();
        let on_samples = target
            .trials
            .iter()
            .filter(|t| t.state == TrialState::Pruned && !t.sample_scores.is_empty())
            .count();
        let stopped = if on_samples > 0 {
            format!("{pruned} stopped, {on_samples} of them on row samples")
        } else {
            format!("{pruned} pruned")
        };
        lines.push(format!(
            "  target {}: best parameters {}",
            target.target, target.best_params
        ));
        lines.push(format!(
            "  cross-validation {} {:.4} ± {:.4} ({} folds, {} trials, {stopped})",
            report.metric.name(),
            target.cv_mean,
            target.cv_std,
            target.cv_fold_scores.len(),
            target.trials.len()
        ));
        if let Some(approximation) = &target.approximation {
            lines.push(format!("  {}", approximation_line(approximation)));
        }
        let metrics: Vec<String> = target
            .test_metrics
            .iter()
            .map(|(name, value)| format!("{name} {value:.4}"))
            .collect();
        lines.push(format!("  test: {}", metrics.join(", ")));
    }
    if let Some(positive) = &report.positive_class {
        let why = if positive.given {
            String::new()
        } else {
            format!(" ({}; --pos-label sets it)", positive.reason)
        };
        lines.push(format!(
            "  positive class of precision_positive, recall_positive, f1_positive and ROC: {}{why}",
            shortened(&positive.label)
        ));
    }
    for warning in &report.warnings {
        lines.push(format!("  warning: {warning}"));
    }
    lines.push(format!("predict with: svmq predict {model_id} DATA_FILE"));
    lines
}

/// What the kernel approximation was and how close it came, in one line.
pub(crate) fn approximation_line(approximation: &ApproximationReport) -> String {
    let mut line = format!(
        "kernel approximation: {} (--approximation none solves exactly)",
        approximation.description()
    );
    if let Some(check) = &approximation.check {
        line.push_str(&format!(
            "; on a sample of {} training rows, test {} {:.4} exact against {:.4} approximate",
            check.training_rows,
            check.metric.name(),
            check.exact,
            check.approximate
        ));
    }
    line
}
