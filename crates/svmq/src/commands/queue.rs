//! The queue's commands, all on the store in the home directory: `submit`, `status`,
//! `tasks`, `cancel`, `queue`, `logs`. Work happens in `svmq worker` processes.

use super::{print_json, print_lines};
use crate::progress_bar::ProgressBar;
use crate::table::Table;
use crate::training_args::{in_flags, TrainingArgs};
use crate::Failure;
use clap::Args;
use serde_json::json;
use std::time::Duration;
use svmq_service::{
    Access, CancelOutcome, Service, ServiceError, SubmitOptions, TaskFilter, TaskId, TaskState,
    TaskView,
};

#[derive(Args, Debug)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub training: TrainingArgs,
    /// Higher runs first; equal priorities run in submission order.
    #[arg(long, default_value_t = 0)]
    pub priority: i32,
    /// Submitting again with the same key returns the same task.
    #[arg(long)]
    pub idempotency_key: Option<String>,
    /// Fail the task if it runs longer than this many seconds (1 to 2592000, 30 days).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=svmq_service::MAX_TASK_TIMEOUT.as_secs()))]
    pub timeout: Option<u64>,
}

fn parse_task_id(text: &str) -> Result<TaskId, Failure> {
    TaskId::parse(text).map_err(|_| {
        Failure::Usage(format!(
            "{text:?} is not a task id (32 hexadecimal characters)"
        ))
    })
}

pub fn submit(
    service: &Service,
    arguments: &SubmitArgs,
    user: &str,
    json_output: bool,
) -> Result<(), Failure> {
    let request = arguments
        .training
        .request(service.settings().limits.clone())
        .map_err(|error| Failure::Usage(error.to_string()))?;
    let submitted = service
        .submit_training(
            &request,
            &SubmitOptions {
                user: user.to_string(),
                priority: arguments.priority,
                idempotency_key: arguments.idempotency_key.clone(),
                timeout_seconds: arguments.timeout,
            },
        )
        .map_err(|error| match error {
            error @ ServiceError::InvalidParameter(_) => Failure::Usage(in_flags(error)),
            other => other.into(),
        })?;
    if json_output {
        print_json(&submitted.task)?;
    } else {
        print_lines(&[submitted.task.task_id])?;
    }
    Ok(())
}

pub fn status(
    service: &Service,
    task_id: &str,
    watch: bool,
    json_output: bool,
) -> Result<(), Failure> {
    let id = parse_task_id(task_id)?;
    // Watching on a terminal draws a bar; otherwise a line each time the status changes.
    let bar = ProgressBar::on_stderr(json_output);
    let mut last_line = String::new();
    loop {
        let task = service.task(&Access::Everyone, &id)?;
        let finished = !watch || task.status.is_terminal();
        if json_output {
            if finished {
                print_json(&task)?;
            }
        } else if watch && bar.is_enabled() && !finished {
            let message = format!(
                "{} {}",
                task.status.as_str(),
                task.progress_message.as_deref().unwrap_or("")
            );
            bar.show(task.progress, &message);
        } else {
            let line = describe(&task);
            if line != last_line {
                bar.finish();
                print_lines(std::slice::from_ref(&line))?;
                last_line = line;
            }
        }
        if finished {
            // A watcher (a script waiting on the task) learns how it ended.
            let unsuccessful = matches!(task.status, TaskState::Failed | TaskState::Cancelled);
            return if watch && unsuccessful {
                Err(Failure::Reported)
            } else {
                Ok(())
            };
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// One line about a task.
fn describe(task: &TaskView) -> String {
    let mut line = format!(
        "{} {} {:.0}%",
        task.task_id,
        task.status.as_str(),
        task.progress
    );
    if let Some(message) = &task.progress_message {
        line.push_str(&format!(" {message}"));
    }
    if let Some(position) = task.queue_position {
        line.push_str(&format!(" (position {position} in the queue)"));
    }
    if let Some(model) = &task.model_id {
        line.push_str(&format!(" model {model}"));
    }
    if let Some(error) = &task.error {
        line.push_str(&format!(" error: {error}"));
    }
    line
}

pub fn tasks(
    service: &Service,
    user: Option<&str>,
    state: Option<&str>,
    limit: u32,
    json_output: bool,
) -> Result<(), Failure> {
    let state = match state {
        Some(name) => Some(TaskState::parse(name).map_err(|_| {
            Failure::Usage(format!(
                "unknown status {name:?}; use queued, running, completed, failed or cancelled"
            ))
        })?),
        None => None,
    };
    let listing = service.tasks(
        &Access::Everyone,
        &TaskFilter {
            user_id: user.map(String::from),
            state,
            limit: Some(limit),
            before_sequence: None,
        },
    )?;
    if json_output {
        print_json(&json!({ "tasks": listing.tasks, "next_cursor": listing.next_cursor }))?;
    } else {
        print_lines(&task_table(&listing.tasks))?;
    }
    Ok(())
}

/// Tasks as an aligned table, newest first as listed.
fn task_table(tasks: &[TaskView]) -> Vec<String> {
    if tasks.is_empty() {
        return vec!["no tasks; queue one with `svmq submit DATA --target COLUMN`".into()];
    }
    let mut table = Table::new(&["TASK", "STATUS", "PROGRESS", "USER", "CREATED", "DETAIL"]);
    for task in tasks {
        let detail = match (&task.queue_position, &task.model_id, &task.error) {
            (Some(position), _, _) => format!("position {position} in the queue"),
            (_, Some(model), _) => format!("model {model}"),
            (_, _, Some(error)) => error.clone(),
            _ => task.progress_message.clone().unwrap_or_default(),
        };
        table.row(vec![
            task.task_id.clone(),
            task.status.as_str().to_string(),
            format!("{:.0}%", task.progress),
            task.user_id.clone(),
            format_timestamp(task.created_at).chars().take(16).collect(),
            detail,
        ]);
    }
    table.lines()
}

pub fn cancel(service: &Service, task_id: &str, json_output: bool) -> Result<(), Failure> {
    let id = parse_task_id(task_id)?;
    let outcome = service.cancel(&Access::Everyone, &id)?;
    if json_output {
        print_json(&json!({ "task_id": id.to_string(), "outcome": outcome }))?;
    } else {
        let text = match outcome {
            CancelOutcome::Cancelled => "cancelled",
            CancelOutcome::StopRequested => "stop requested; the worker stops it within a second",
        };
        print_lines(&[format!("{id} {text}")])?;
    }
    Ok(())
}

pub fn queue(service: &Service, json_output: bool) -> Result<(), Failure> {
    let status = service.queue_status()?;
    if json_output {
        print_json(&status)?;
    } else {
        let mut table = Table::new(&["STATUS", "TASKS"]);
        for (state, count) in [
            ("queued", status.queued),
            ("running", status.running),
            ("completed", status.completed),
            ("failed", status.failed),
            ("cancelled", status.cancelled),
        ] {
            table.row(vec![state.to_string(), count.to_string()]);
        }
        let mut lines = table.lines();
        lines.push(format!(
            "{} at once at most; {} worker(s) alive",
            status.max_concurrent_tasks, status.workers_alive
        ));
        print_lines(&lines)?;
    }
    Ok(())
}

pub fn logs(
    service: &Service,
    task_id: &str,
    tail: Option<u32>,
    json_output: bool,
) -> Result<(), Failure> {
    let id = parse_task_id(task_id)?;
    let lines = service.logs(&Access::Everyone, &id, tail)?;
    if json_output {
        print_json(&json!({ "task_id": id.to_string(), "lines": lines }))?;
    } else {
        print_lines(
            &lines
                .iter()
                .map(|line| {
                    format!(
                        "{} {:?} {}",
                        format_timestamp(line.at),
                        line.level,
                        line.message
                    )
                })
                .collect::<Vec<_>>(),
        )?;
    }
    Ok(())
}

/// Unix milliseconds as an ISO 8601 UTC time, e.g. `2026-11-28T19:20:01.123Z`, by the
/// proleptic Gregorian calendar (days counted in 400-year eras from 0000-03-01).
pub(crate) fn format_timestamp(milliseconds: i64) -> String {
    let (days, millisecond_of_day) = (
        milliseconds.div_euclid(86_400_000),
        milliseconds.rem_euclid(86_400_000),
    );
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let seconds = millisecond_of_day / 1000;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        millisecond_of_day % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::format_timestamp;

    #[test]
    fn timestamps_read_as_utc_dates() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_timestamp(951_782_400_000),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            format_timestamp(1_795_889_647_684),
            "2026-11-28T18:14:07.684Z"
        );
        assert_eq!(format_timestamp(-1), "1969-12-31T23:59:59.999Z");
    }
}
