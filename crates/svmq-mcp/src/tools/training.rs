//! Training tools: `submit_training_task`, `train_svm_classifier` and
//! `train_svm_regressor`. All three build a validated `TrainingRequest` and submit it
//! to the queue; with `use_async_queue = false` the call then waits for the task
//! through the same queue and concurrency limit, reporting progress when the client
//! gave a progress token and cancelling the task when the client cancels the call.

use crate::error::ToolError;
use crate::output::{Reply, TaskView, TrainingTask};
use crate::params::{SubmitParams, TrainClassifierParams, TrainRegressorParams, TrainingParams};
use crate::server::{Caller, State, SvmqServer};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::ProgressNotificationParam;
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router, Json, RoleServer};
use std::time::Duration;
use svmq_data::{DataError, Task};
use svmq_service::data_check::check_training_data;
use svmq_service::request::{
    DEFAULT_LANDMARKS, MAX_FOLDS, MAX_LANDMARKS, MAX_TARGET_DIMENSION, MAX_TRIALS,
};
use svmq_service::{Access, KernelChoice, ServiceError, SubmitOptions, Submitted, TrainingRequest};
use svmq_service::{TaskId, TaskState};
use svmq_tune::approximation::Approximation;
use svmq_tune::metrics::Metric;

/// An optional count in `min..=max`, refused with its meaning and range.
pub(crate) fn bounded(
    name: &str,
    value: Option<i64>,
    default: usize,
    min: usize,
    max: usize,
    meaning: &str,
) -> Result<usize, ToolError> {
    let Some(value) = value else {
        return Ok(default);
    };
    match usize::try_from(value) {
        Ok(count) if (min..=max).contains(&count) => Ok(count),
        _ => Err(ToolError::invalid(format!(
            "{name} must be between {min} and {max} ({meaning}), got {value}"
        ))),
    }
}

fn metric_names(task: Task) -> String {
    let metrics: &[Metric] = match task {
        Task::Classification => &Metric::CLASSIFICATION,
        Task::Regression => &Metric::REGRESSION,
    };
    metrics
        .iter()
        .map(|metric| metric.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The request these parameters describe, every value range-checked, for a data
/// file already resolved inside the roots; the part of a training tool's checks that
/// needs no server state (see [`crate::request_check`]).
pub(crate) fn checked_training_request(
    params: &TrainingParams,
    task: Option<Task>,
    target_dimension: Option<i64>,
    data_source: std::path::PathBuf,
    limits: &svmq_service::Limits,
) -> Result<TrainingRequest, ToolError> {
    let defaults = TrainingRequest::default();
    let n_trials = bounded(
        "n_trials",
        params.n_trials,
        defaults.n_trials,
        1,
        limits.max_trials.min(MAX_TRIALS),
        "hyperparameter combinations tried",
    )?;
    let cv_folds = bounded(
        "cv_folds",
        params.cv_folds,
        defaults.cv_folds,
        2,
        MAX_FOLDS,
        "cross-validation folds",
    )?;
    let target_dimension = bounded(
        "target_dimension",
        target_dimension,
        1,
        1,
        MAX_TARGET_DIMENSION,
        "target columns, one model each",
    )?;
    let scoring_metric = match params.scoring_metric.as_deref() {
        None => None,
        Some(name) => Some(Metric::from_name(name).ok_or_else(|| {
            ToolError::invalid(format!(
                "unknown scoring_metric {name:?}; use one of: {}",
                metric_names(task.unwrap_or(Task::Classification))
            ))
        })?),
    };
    // A landmark count alone asks for Nyström, 0 for the exact solver; with
    // `approximation` it sizes that approximation.
    let landmarks = match params.landmarks {
        None | Some(0) => None,
        Some(_) => Some(bounded(
            "landmarks",
            params.landmarks,
            DEFAULT_LANDMARKS,
            0,
            MAX_LANDMARKS,
            "landmark rows (or random features) of the kernel approximation; 0 for the exact \
             solver",
        )?),
    };
    let approximation =
        match (params.approximation, params.landmarks) {
            (Some(Approximation::None), Some(size)) if size > 0 => return Err(ToolError::invalid(
                "approximation none solves exactly and takes no landmarks; leave landmarks out \
                 or choose nystroem or rff",
            )),
            (Some(approximation), Some(0)) if approximation.is_forced() => {
                return Err(ToolError::invalid(format!(
                "landmarks 0 asks for the exact solver, approximation {} for an approximation; \
                 give landmarks from 1 to {MAX_LANDMARKS}",
                approximation.name()
            )))
            }
            (Some(approximation), _) => approximation,
            (None, Some(0)) => Approximation::None,
            (None, Some(_)) => Approximation::Nystroem,
            (None, None) => defaults.approximation,
        };
    let kernel = params.kernel.unwrap_or(defaults.kernel);
    if approximation.is_forced() && !matches!(kernel, KernelChoice::Rbf | KernelChoice::Auto) {
        return Err(ToolError::invalid(
            "landmarks and the nystroem and rff approximations approximate the rbf kernel; \
             choose kernel rbf or auto, or leave them out",
        ));
    }
    let request = TrainingRequest {
        data_source,
        task,
        target_column: params.target_column.clone(),
        target_dimension,
        kernel,
        optimize_hyperparameters: params
            .optimize_hyperparameters
            .unwrap_or(defaults.optimize_hyperparameters),
        n_trials,
        cv_folds,
        scoring_metric,
        scaling_method: params.scaling_method.unwrap_or(defaults.scaling_method),
        test_size: params.test_size.unwrap_or(defaults.test_size),
        seed: params.seed.unwrap_or(defaults.seed),
        sampler: params.sampler.unwrap_or(defaults.sampler),
        exclude_columns: params.exclude_columns.clone().unwrap_or_default(),
        include_columns: params.include_columns.clone().unwrap_or_default(),
        positive_label: params.positive_label.clone(),
        approximation,
        landmarks,
        limits: limits.clone(),
        ..defaults
    };
    request.validate()?;
    Ok(request)
}

/// The queue options of a training call, range-checked: its idempotency key and the
/// timeout of each attempt.
pub(crate) fn checked_queue_options(
    params: &TrainingParams,
) -> Result<(Option<&str>, Option<Duration>), ToolError> {
    let key = match params.idempotency_key.as_deref() {
        Some(key) if key.is_empty() || key.len() > 256 => return Err(ToolError::invalid(
            "idempotency_key must be 1 to 256 characters; leave it out to always create a new task",
        )),
        key => key,
    };
    let timeout = match params.timeout_seconds {
        None => None,
        Some(seconds) => {
            let most = svmq_service::MAX_TASK_TIMEOUT.as_secs();
            if !(1..=most).contains(&seconds) {
                return Err(ToolError::invalid(format!(
                    "timeout_seconds must be between 1 and {most} (30 days); leave it out for no limit"
                )));
            }
            Some(Duration::from_secs(seconds))
        }
    };
    Ok((key, timeout))
}

impl State {
    /// The request these parameters describe, checked: the data file inside a root,
    /// every value in range, and (unless `validate_data` is false) the data itself.
    pub fn training_request(
        &self,
        params: &TrainingParams,
        task: Option<Task>,
        target_dimension: Option<i64>,
    ) -> Result<TrainingRequest, ToolError> {
        let data_source = self
            .data_roots
            .resolve_input("data_source", &params.data_source)?;
        let request = checked_training_request(
            params,
            task,
            target_dimension,
            data_source,
            &self.service.settings().limits,
        )?;
        if params.validate_data.unwrap_or(true) {
            check_training_data(&request).map_err(|error| match error {
                ServiceError::InvalidRequest(message) => ToolError::invalid(
                    message.replace("validating the file gives", "validate_data gives"),
                ),
                ServiceError::Data(label @ DataError::PositiveLabel { .. }) => {
                    ToolError::invalid(format!("positive_label: {label}"))
                }
                ServiceError::Data(continuous @ DataError::ContinuousTarget { .. }) => {
                    ToolError::invalid(format!(
                        "{continuous}: call train_svm_regressor (or submit_training_task with task_type svm_regression)"
                    ))
                }
                other => other.into(),
            })?;
        }
        Ok(request)
    }

    /// Queues a request; returns the task as submitted.
    pub fn submit_training(
        &self,
        caller: &Caller,
        request: &TrainingRequest,
        params: &TrainingParams,
    ) -> Result<Submitted, ToolError> {
        let (idempotency_key, timeout) = checked_queue_options(params)?;
        let options = SubmitOptions {
            user: self.user(caller, params.user_id.as_deref())?,
            priority: params.priority.unwrap_or(0),
            idempotency_key: idempotency_key.map(str::to_string),
            timeout_seconds: timeout.map(|timeout| timeout.as_secs()),
        };
        let mut submitted = self.service.submit_training(request, &options)?;
        submitted.task = self.redacted(submitted.task);
        Ok(submitted)
    }

    /// Refuses to wait when nothing would ever run the task.
    fn check_workers_alive(&self) -> Result<(), ToolError> {
        if self.local_workers == 0 && self.service.workers_alive()? == 0 {
            return Err(ToolError::invalid(
                "no worker is running, so a waiting call would never return; start `svmq worker` or call again with use_async_queue = true",
            ));
        }
        Ok(())
    }
}

/// The result of a training call: the task at the top level, as the user's document
/// reads it, and whole under `task`.
fn training_task(created: bool, waited: bool, next_step: String, task: TaskView) -> TrainingTask {
    TrainingTask {
        task_id: task.task_id.clone(),
        status: task.status,
        task_type: task.task_type.clone(),
        created,
        waited,
        model_id: task.model_id.clone(),
        next_step,
        task,
    }
}

/// A training just queued (or found again by its idempotency key).
fn submitted(created: bool, task: TaskView) -> Json<Reply<TrainingTask>> {
    let next_step = format!(
        "poll get_task_status with task_id {} every few seconds until status is completed (the result then holds the model_id), failed or cancelled",
        task.task_id
    );
    let message = match (created, task.queue_position) {
        (true, Some(position)) => {
            format!(
                "task {} queued at position {position}; {next_step}",
                task.task_id
            )
        }
        (true, None) => format!("task {} queued; {next_step}", task.task_id),
        (false, _) => format!(
            "the idempotency key matched task {}, returned instead of a new one ({}); {next_step}",
            task.task_id,
            task.status.as_str()
        ),
    };
    Reply::done(message, training_task(created, false, next_step, task))
}

#[tool_router(router = training_tools, vis = "pub(crate)")]
impl SvmqServer {
    /// Queues a training: task_type and the parameters of train_svm_classifier or
    /// train_svm_regressor. Returns train_svm_classifier's result at once.
    #[tool(annotations(destructive_hint = false, open_world_hint = false))]
    async fn submit_training_task(
        &self,
        Parameters(params): Parameters<SubmitParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<Reply<TrainingTask>>, ToolError> {
        let caller = Caller::of(&context);
        let task = params.task_type.map(Task::from);
        self.reading_data(move |state| {
            let training = params.training();
            let request = state.training_request(&training, task, params.target_dimension)?;
            let submission = state.submit_training(&caller, &request, &training)?;
            Ok(submitted(submission.created, submission.task))
        })
        .await
    }

    /// Trains an SVM classifier from a data file (test split, cross-validated
    /// search, refit, test metrics). Returns a task_id at once (poll get_task_status) or, waiting, the
    /// model_id.
    #[tool(annotations(destructive_hint = false, open_world_hint = false))]
    async fn train_svm_classifier(
        &self,
        Parameters(params): Parameters<TrainClassifierParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<Reply<TrainingTask>>, ToolError> {
        self.train(
            Some(Task::Classification),
            params.training(),
            None,
            params.use_async_queue.unwrap_or(true),
            context,
        )
        .await
    }

    /// Trains SVM regressors (epsilon-SVR), with train_svm_classifier's parameters and
    /// result; target_dimension k > 1 trains a model per target column.
    #[tool(annotations(destructive_hint = false, open_world_hint = false))]
    async fn train_svm_regressor(
        &self,
        Parameters(params): Parameters<TrainRegressorParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<Reply<TrainingTask>>, ToolError> {
        self.train(
            Some(Task::Regression),
            params.training,
            params.target_dimension,
            params.use_async_queue.unwrap_or(true),
            context,
        )
        .await
    }
}

impl SvmqServer {
    async fn train(
        &self,
        task: Option<Task>,
        params: TrainingParams,
        target_dimension: Option<i64>,
        use_async_queue: bool,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<Reply<TrainingTask>>, ToolError> {
        let caller = Caller::of(&context);
        let (created, view) = self
            .reading_data(move |state| {
                let request = state.training_request(&params, task, target_dimension)?;
                if !use_async_queue {
                    state.check_workers_alive()?;
                }
                let submission = state.submit_training(&caller, &request, &params)?;
                Ok((submission.created, submission.task))
            })
            .await?;
        if use_async_queue {
            return Ok(submitted(created, view));
        }
        let id = TaskId::parse(&view.task_id)?;
        let task = self.wait_for_task(id, &context).await?;
        let next_step = "predict with predict_from_values or predict_from_file and this model_id; get_model_info shows its report".to_string();
        let message = format!(
            "training completed: model {}; {next_step}",
            task.model_id.as_deref().unwrap_or("(none recorded)")
        );
        Ok(Reply::done(
            message,
            training_task(created, true, next_step, task),
        ))
    }

    /// Polls the store until the task is finished; sends increasing progress when
    /// the client asked for it; cancels the task when the client cancels the call.
    async fn wait_for_task(
        &self,
        id: TaskId,
        context: &RequestContext<RoleServer>,
    ) -> Result<TaskView, ToolError> {
        let progress_token = context.meta.get_progress_token();
        let mut last_progress = f64::NEG_INFINITY;
        loop {
            let task_id = id.clone();
            let view = self
                .blocking(move |state| {
                    let view = state.service.task(&Access::Everyone, &task_id)?;
                    Ok(state.redacted(view))
                })
                .await?;
            if let Some(token) = &progress_token {
                // Progress must increase from one notification to the next.
                if view.progress > last_progress {
                    last_progress = view.progress;
                    let mut notification =
                        ProgressNotificationParam::new(token.clone(), view.progress)
                            .with_total(100.0);
                    if let Some(message) = &view.progress_message {
                        notification = notification.with_message(message.clone());
                    }
                    if let Err(error) = context.peer.notify_progress(notification).await {
                        tracing::debug!(%error, "could not send a progress notification");
                    }
                }
            }
            match view.status {
                TaskState::Completed => return Ok(view),
                TaskState::Failed => {
                    return Err(ToolError::invalid(format!(
                        "training task {id} failed: {}",
                        view.error.as_deref().unwrap_or("no reason recorded")
                    )))
                }
                TaskState::Cancelled => {
                    return Err(ToolError::invalid(format!(
                        "training task {id} was cancelled"
                    )))
                }
                TaskState::Queued | TaskState::Running => {}
            }
            tokio::select! {
                _ = context.ct.cancelled() => {
                    let task_id = id.clone();
                    let cancelled = self
                        .blocking(move |state| Ok(state.service.cancel(&Access::Everyone, &task_id)?))
                        .await;
                    tracing::info!(task_id = %id, ?cancelled, "client cancelled a waiting training call");
                    return Err(ToolError::invalid(format!(
                        "the call was cancelled by the client; training task {id} is cancelled too"
                    )));
                }
                _ = tokio::time::sleep(self.state.poll_interval) => {}
            }
        }
    }
}
