//! The queue's tools: task status, listing, cancelling, queue counts and task logs.
//! (Submitting lives with training, which shares its parameters.)

use crate::error::ToolError;
use crate::output::{Cancelled, LogLineView, Reply, TaskList, TaskLogs};
use crate::params::{ListTasksParams, TaskIdParams, TaskLogsParams};
use crate::server::{Caller, State, SvmqServer};
use crate::tools::training::bounded;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router, Json, RoleServer};
use svmq_service::{CancelOutcome, QueueError, ServiceError, TaskFilter, TaskId, TaskState};
use svmq_service::{QueueStatus, TaskView};

/// The page size and the cursor (the sequence to list before) of a task listing.
pub(crate) fn task_page(params: &ListTasksParams) -> Result<(usize, Option<i64>), ToolError> {
    let limit = bounded("limit", params.limit, 50, 1, 1000, "tasks per page")?;
    let before_sequence = match params.cursor.as_deref() {
        None | Some("") => None,
        Some(cursor) => Some(cursor.parse::<i64>().map_err(|_| {
            ToolError::invalid(
                "cursor must be the next_cursor of a previous list_training_tasks page",
            )
        })?),
    };
    Ok((limit, before_sequence))
}

/// How many of a task's last log lines to return (`None`: all).
pub(crate) fn log_tail(tail: Option<i64>) -> Result<Option<u32>, ToolError> {
    match tail {
        None => Ok(None),
        tail => Ok(Some(
            bounded("tail", tail, 0, 1, 10_000, "log lines")? as u32
        )),
    }
}

/// One sentence on where a task stands and what to do next.
pub(crate) fn status_message(task: &TaskView) -> String {
    let id = &task.task_id;
    match task.status {
        TaskState::Queued => match (task.queue_position, task.eta_seconds) {
            (Some(position), Some(eta)) => format!(
                "task {id} is queued at position {position}, starting in about {eta:.0} s; poll get_task_status again in a few seconds"
            ),
            (Some(position), None) => format!(
                "task {id} is queued at position {position}; poll get_task_status again in a few seconds"
            ),
            _ => format!("task {id} is queued; poll get_task_status again in a few seconds"),
        },
        TaskState::Running => format!(
            "task {id} is running, {:.0}% done{}; poll get_task_status again in a few seconds",
            task.progress,
            task.progress_message
                .as_deref()
                .map(|message| format!(" ({message})"))
                .unwrap_or_default()
        ),
        TaskState::Completed => match &task.model_id {
            Some(model) => format!(
                "task {id} completed: model {model} is ready for predict_from_values, predict_from_file and get_model_info"
            ),
            None => format!("task {id} completed"),
        },
        TaskState::Failed => format!(
            "task {id} failed: {}",
            task.error.as_deref().unwrap_or("no reason recorded")
        ),
        TaskState::Cancelled => format!("task {id} was cancelled; it left no model"),
    }
}

impl State {
    /// A task's view as clients see it: the error and progress message show paths
    /// relative to their root, as tool errors do.
    pub fn redacted(&self, mut view: TaskView) -> TaskView {
        view.error = view.error.map(|error| self.redact_text(&error));
        view.progress_message = view
            .progress_message
            .map(|message| self.redact_text(&message));
        view
    }
}

#[tool_router(router = queue_tools, vis = "pub(crate)")]
impl SvmqServer {
    /// A task's status, progress, queue position and ETA; its model_id and metrics
    /// once completed, its error once failed. Poll every few seconds.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn get_task_status(
        &self,
        Parameters(params): Parameters<TaskIdParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<Reply<TaskView>>, ToolError> {
        let caller = Caller::of(&context);
        self.blocking(move |state| {
            let id = TaskId::parse(&params.task_id)?;
            let view = state.redacted(state.service.task(&state.access(&caller), &id)?);
            Ok(Reply::done(status_message(&view), view))
        })
        .await
    }

    /// Training tasks, newest first, of one user or status if asked; page with limit
    /// and cursor.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn list_training_tasks(
        &self,
        Parameters(params): Parameters<ListTasksParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<Reply<TaskList>>, ToolError> {
        let caller = Caller::of(&context);
        self.blocking(move |state| {
            let (limit, before_sequence) = task_page(&params)?;
            let user_id = match (caller.restricted_to(), params.user_id.as_deref()) {
                (Some(user), _) => Some(user.to_string()),
                (None, Some(user)) => Some(state.user(&caller, Some(user))?),
                (None, None) => None,
            };
            let listing = state.service.tasks(
                &state.access(&caller),
                &TaskFilter {
                    user_id,
                    state: params.status,
                    limit: Some(limit as u32),
                    before_sequence,
                },
            )?;
            let count = listing.tasks.len();
            let message = match listing.next_cursor {
                Some(_) => format!(
                    "{count} tasks, newest first; pass next_cursor as cursor for older ones"
                ),
                None => format!("{count} tasks, newest first"),
            };
            Ok(Reply::done(
                message,
                TaskList {
                    tasks: listing
                        .tasks
                        .into_iter()
                        .map(|view| state.redacted(view))
                        .collect(),
                    total_count: count as u64,
                    next_cursor: listing.next_cursor.map(|cursor| cursor.to_string()),
                },
            ))
        })
        .await
    }

    /// Cancels a queued task, or stops a running one within a second (no model is
    /// kept); not a finished one.
    #[tool(annotations(
        destructive_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn cancel_training_task(
        &self,
        Parameters(params): Parameters<TaskIdParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<Reply<Cancelled>>, ToolError> {
        let caller = Caller::of(&context);
        self.blocking(move |state| {
            let id = TaskId::parse(&params.task_id)?;
            let cancelled = |outcome: &str| Cancelled {
                task_id: id.to_string(),
                outcome: outcome.to_string(),
            };
            match state.service.cancel(&state.access(&caller), &id) {
                Ok(CancelOutcome::Cancelled) => Ok(Reply::done(
                    format!("task {id} was queued and is now cancelled"),
                    cancelled("cancelled"),
                )),
                Ok(CancelOutcome::StopRequested) => Ok(Reply::done(
                    format!(
                        "task {id} is running and stops within about a second; its status then becomes cancelled, and it leaves no model"
                    ),
                    cancelled("stop_requested"),
                )),
                Err(ServiceError::Queue(QueueError::AlreadyFinished { state: finished, .. })) => {
                    Ok(Reply::refused(
                        format!(
                            "task {id} already finished ({}); there is nothing to cancel",
                            finished.as_str()
                        ),
                        cancelled("already_finished"),
                    ))
                }
                Err(error) => Err(error.into()),
            }
        })
        .await
    }

    /// The queue at a glance: task counts per status, the concurrency limit, live
    /// workers.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn get_queue_status(&self) -> Result<Json<Reply<QueueStatus>>, ToolError> {
        self.blocking(|state| {
            let status = state.service.queue_status()?;
            let mut message = format!(
                "{} queued, {} running (at most {} at once), {} completed, {} failed, {} cancelled; {} workers alive",
                status.queued,
                status.running,
                status.max_concurrent_tasks,
                status.completed,
                status.failed,
                status.cancelled,
                status.workers_alive
            );
            if status.workers_alive == 0 && status.queued > 0 {
                message.push_str("; no worker is running, so queued tasks will not start until one does");
            }
            Ok(Reply::done(message, status))
        })
        .await
    }

    /// A task's log, oldest first: data summary, each trial's parameters and score,
    /// warnings.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn get_task_logs(
        &self,
        Parameters(params): Parameters<TaskLogsParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<Reply<TaskLogs>>, ToolError> {
        let caller = Caller::of(&context);
        self.blocking(move |state| {
            let id = TaskId::parse(&params.task_id)?;
            let tail = log_tail(params.tail)?;
            let lines = state
                .service
                .logs(&state.access(&caller), &id, tail)?
                .into_iter()
                .map(|line| LogLineView {
                    sequence: line.sequence,
                    at: line.at,
                    level: line.level.as_str().to_string(),
                    message: state.redact_text(&line.message),
                })
                .collect();
            let lines: Vec<LogLineView> = lines;
            Ok(Reply::done(
                format!("{} log lines of task {id}, oldest first", lines.len()),
                TaskLogs {
                    task_id: id.to_string(),
                    lines,
                },
            ))
        })
        .await
    }
}
