//! The queue's commands, all on the store in the home directory: `submit`, `status`,
//! `tasks`, `cancel`, `queue`, `logs`. Work happens in `svmq worker` processes.

use super::{print_json, print_lines};
use crate::config::Config;
use crate::progress_bar::ProgressBar;
use crate::settings::open_store;
use crate::training_args::TrainingArgs;
use crate::Failure;
use clap::Args;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;
use svmq_data::Task;
use svmq_queue::{NewTask, TaskFilter, TaskId, TaskState, DEFAULT_MAX_CONCURRENT};
use svmq_service::runner::{CLASSIFICATION_TASK, REGRESSION_TASK};
use svmq_service::task_view::task_json;

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
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=svmq_queue::MAX_TASK_TIMEOUT.as_secs()))]
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
    home: &Path,
    config: &Config,
    arguments: &SubmitArgs,
    user: &str,
    json_output: bool,
) -> Result<(), Failure> {
    let request = arguments
        .training
        .request(config.limits())
        .map_err(|error| Failure::Usage(error.to_string()))?;
    // The worker may run elsewhere: give it an absolute path.
    let mut request = request;
    if let Ok(absolute) = std::fs::canonicalize(&request.data_source) {
        request.data_source = absolute;
    }
    let kind = match request.task {
        Task::Classification => CLASSIFICATION_TASK,
        Task::Regression => REGRESSION_TASK,
    };
    let mut task = NewTask::new(
        kind,
        serde_json::to_value(&request).expect("requests serialize"),
        user,
    )
    .with_priority(arguments.priority);
    if let Some(key) = &arguments.idempotency_key {
        task = task.with_idempotency_key(key);
    }
    if let Some(seconds) = arguments.timeout {
        task = task.with_timeout(Duration::from_secs(seconds));
    }
    let store = open_store(home)?;
    let submission = store.submit(&task, &config.submit_limits())?;
    let record = store.get_task(&submission.task_id)?;
    if json_output {
        print_json(&task_json(store.as_ref(), &record, DEFAULT_MAX_CONCURRENT))?;
    } else {
        print_lines(&[submission.task_id.to_string()])?;
    }
    Ok(())
}

pub fn status(home: &Path, task_id: &str, watch: bool, json_output: bool) -> Result<(), Failure> {
    let id = parse_task_id(task_id)?;
    let store = open_store(home)?;
    // Watching on a terminal draws a bar; otherwise a line each time the status changes.
    let bar = ProgressBar::on_stderr(json_output);
    let mut last_line = String::new();
    loop {
        let record = store.get_task(&id)?;
        let value = task_json(store.as_ref(), &record, DEFAULT_MAX_CONCURRENT);
        let finished = !watch || record.state.is_terminal();
        if json_output {
            if finished {
                print_json(&value)?;
            }
        } else if watch && bar.is_enabled() && !finished {
            let message = format!(
                "{} {}",
                value["status"].as_str().unwrap_or(""),
                value["progress_message"].as_str().unwrap_or("")
            );
            bar.show(record.progress, &message);
        } else {
            let line = describe(&value);
            if line != last_line {
                bar.finish();
                print_lines(std::slice::from_ref(&line))?;
                last_line = line;
            }
        }
        if finished {
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// One line about a task.
fn describe(task: &Value) -> String {
    let mut line = format!(
        "{} {} {:.0}%",
        task["task_id"].as_str().unwrap_or(""),
        task["status"].as_str().unwrap_or(""),
        task["progress"].as_f64().unwrap_or(0.0)
    );
    if let Some(message) = task["progress_message"].as_str() {
        line.push_str(&format!(" {message}"));
    }
    if let Some(position) = task["queue_position"].as_u64() {
        line.push_str(&format!(" (position {position} in the queue)"));
    }
    if let Some(model) = task["model_id"].as_str() {
        line.push_str(&format!(" model {model}"));
    }
    if let Some(error) = task["error"].as_str() {
        line.push_str(&format!(" error: {error}"));
    }
    line
}

pub fn tasks(
    home: &Path,
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
    let store = open_store(home)?;
    let page = store.list_tasks(&TaskFilter {
        user_id: user.map(String::from),
        state,
        limit: Some(limit),
        before_sequence: None,
    })?;
    let tasks: Vec<Value> = page
        .tasks
        .iter()
        .map(|t| task_json(store.as_ref(), t, DEFAULT_MAX_CONCURRENT))
        .collect();
    if json_output {
        print_json(&json!({ "tasks": tasks, "next_cursor": page.next_cursor }))?;
    } else {
        print_lines(&tasks.iter().map(describe).collect::<Vec<_>>())?;
    }
    Ok(())
}

pub fn cancel(home: &Path, task_id: &str, json_output: bool) -> Result<(), Failure> {
    let id = parse_task_id(task_id)?;
    let store = open_store(home)?;
    let outcome = store.cancel_task(&id)?;
    if json_output {
        print_json(&json!({ "task_id": id.to_string(), "outcome": outcome }))?;
    } else {
        let text = match outcome {
            svmq_queue::CancelOutcome::Cancelled => "cancelled",
            svmq_queue::CancelOutcome::StopRequested => {
                "stop requested; the worker stops it within a second"
            }
        };
        print_lines(&[format!("{id} {text}")])?;
    }
    Ok(())
}

pub fn queue(home: &Path, config: &Config, json_output: bool) -> Result<(), Failure> {
    let store = open_store(home)?;
    let counts = store.queue_counts()?;
    let workers = store.live_workers(Duration::from_secs(60))?;
    // Each worker records the global limit it enforces; without workers, the configured one.
    let max_concurrent = workers
        .iter()
        .map(|worker| worker.max_concurrent)
        .max()
        .unwrap_or(config.max_concurrent());
    let value = json!({
        "total": counts.total(),
        "queued": counts.queued,
        "running": counts.running,
        "completed": counts.completed,
        "failed": counts.failed,
        "cancelled": counts.cancelled,
        "max_concurrent_tasks": max_concurrent,
        "workers_alive": workers.len(),
    });
    if json_output {
        print_json(&value)?;
    } else {
        print_lines(&[format!(
            "queued {}, running {}, completed {}, failed {}, cancelled {}; max concurrent {}; workers alive {}",
            counts.queued, counts.running, counts.completed, counts.failed, counts.cancelled, max_concurrent, workers.len()
        )])?;
    }
    Ok(())
}

pub fn logs(
    home: &Path,
    task_id: &str,
    tail: Option<u32>,
    json_output: bool,
) -> Result<(), Failure> {
    let id = parse_task_id(task_id)?;
    let store = open_store(home)?;
    let lines = store.task_logs(&id, tail)?;
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
fn format_timestamp(milliseconds: i64) -> String {
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
