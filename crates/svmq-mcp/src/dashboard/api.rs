//! The dashboard's JSON endpoints and the report route. Each checks the request with
//! the guard first, then does its store and file work on the blocking pool.

use super::guard::{Refusal, Viewer};
use super::{error, json, respond, Dashboard};
use crate::server::State;
use axum::extract::{Path, State as Extract};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use svmq_queue::{QueueError, TaskFilter, TaskId};
use svmq_service::model_store::{find_model, load_report};
use svmq_service::task_view::task_json;

/// Tasks the dashboard lists, newest first.
const TASKS_SHOWN: u32 = 50;
/// Workers count as alive with a heartbeat this recent.
const WORKER_ALIVE_WITHIN: Duration = Duration::from_secs(60);

/// Checks the request, then runs `work` on the blocking pool with the viewer.
async fn with_viewer<F>(dashboard: Dashboard, headers: HeaderMap, work: F) -> Response
where
    F: FnOnce(&State, &Viewer) -> Result<Response, Refusal> + Send + 'static,
{
    let viewer = match dashboard.guard.viewer(&headers) {
        Ok(viewer) => viewer,
        Err(refusal) => return error(refusal),
    };
    let state = Arc::clone(&dashboard.state);
    match tokio::task::spawn_blocking(move || work(&state, &viewer)).await {
        Ok(Ok(response)) => response,
        Ok(Err(refusal)) => error(refusal),
        Err(join_error) => {
            tracing::error!(%join_error, "dashboard work failed");
            error((StatusCode::INTERNAL_SERVER_ERROR, "internal error".into()))
        }
    }
}

/// A store failure: logged in full, answered without internals.
fn internal(error: impl std::fmt::Display) -> Refusal {
    tracing::error!(%error, "dashboard store access failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error; see the server log".into(),
    )
}

/// Whether the page must ask for a token: answered to anyone who may load the page,
/// so that the page never has to provoke a 401 to find out.
pub(super) async fn session(
    Extract(dashboard): Extract<Dashboard>,
    headers: HeaderMap,
) -> Response {
    match dashboard.guard.check_page(&headers) {
        Ok(()) => json(
            StatusCode::OK,
            &json!({ "token_required": dashboard.guard.requires_token() }),
        ),
        Err(refusal) => error(refusal),
    }
}

pub(super) async fn queue(Extract(dashboard): Extract<Dashboard>, headers: HeaderMap) -> Response {
    with_viewer(dashboard, headers, |state, viewer| {
        let counts = state.store.queue_counts().map_err(internal)?;
        let workers = state
            .store
            .live_workers(WORKER_ALIVE_WITHIN)
            .map_err(internal)?;
        Ok(json(
            StatusCode::OK,
            &json!({
                "user": viewer.user(),
                "signed_in": viewer.restricted_to().is_some(),
                "total": counts.total(),
                "queued": counts.queued,
                "running": counts.running,
                "completed": counts.completed,
                "failed": counts.failed,
                "cancelled": counts.cancelled,
                "max_concurrent_tasks": state.max_concurrent_tasks,
                "workers_alive": workers.len(),
            }),
        ))
    })
    .await
}

pub(super) async fn tasks(Extract(dashboard): Extract<Dashboard>, headers: HeaderMap) -> Response {
    with_viewer(dashboard, headers, |state, viewer| {
        let page = state
            .store
            .list_tasks(&TaskFilter {
                user_id: viewer.restricted_to().map(str::to_string),
                limit: Some(TASKS_SHOWN),
                ..TaskFilter::default()
            })
            .map_err(internal)?;
        let tasks: Vec<Value> = page
            .tasks
            .iter()
            .map(|record| {
                let mut view = task_json(state.store.as_ref(), record, state.max_concurrent_tasks);
                if let Some(fields) = view.as_object_mut() {
                    // The full result (metrics, parameters) is for get_task_status.
                    fields.remove("result");
                    fields.insert(
                        "can_cancel".into(),
                        json!(!record.state.is_terminal() && viewer.may_cancel(&record.user_id)),
                    );
                }
                view
            })
            .collect();
        Ok(json(StatusCode::OK, &json!({ "tasks": tasks })))
    })
    .await
}

pub(super) async fn models(Extract(dashboard): Extract<Dashboard>, headers: HeaderMap) -> Response {
    with_viewer(dashboard, headers, |state, viewer| {
        let models = state.store.list_models(viewer.user()).map_err(internal)?;
        let models: Vec<Value> = models
            .iter()
            .map(|model| {
                let metadata = &model.metadata;
                let target = &metadata["targets"][0];
                json!({
                    "model_id": model.model_id.as_str(),
                    "created_at": model.created_at,
                    "task": metadata["task"],
                    "metric": metadata["metric"],
                    "cv_score": target["cv_mean"],
                    "kernel": target["kernel"],
                    "targets": metadata["targets"].as_array().map_or(0, Vec::len),
                    "report": format!("/models/{}/report", model.model_id.as_str()),
                })
            })
            .collect();
        Ok(json(StatusCode::OK, &json!({ "models": models })))
    })
    .await
}

pub(super) async fn cancel(
    Extract(dashboard): Extract<Dashboard>,
    Path(task_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    with_viewer(dashboard, headers, move |state, viewer| {
        let not_found = || (StatusCode::NOT_FOUND, "no such task".to_string());
        let id = TaskId::parse(&task_id).map_err(|_| not_found())?;
        let record = match state.store.get_task(&id) {
            Ok(record) => record,
            Err(QueueError::TaskNotFound { .. }) => return Err(not_found()),
            Err(other) => return Err(internal(other)),
        };
        // Another user's task is reported as unknown, so ids cannot be probed.
        if !viewer.may_cancel(&record.user_id) {
            return Err(not_found());
        }
        let outcome = match state.store.cancel_task(&id) {
            Ok(svmq_queue::CancelOutcome::Cancelled) => "cancelled",
            Ok(svmq_queue::CancelOutcome::StopRequested) => "stop_requested",
            Err(QueueError::AlreadyFinished { .. }) => {
                return Err((StatusCode::CONFLICT, "the task has already finished".into()))
            }
            Err(other) => return Err(internal(other)),
        };
        Ok(json(
            StatusCode::OK,
            &json!({ "task_id": id.to_string(), "outcome": outcome }),
        ))
    })
    .await
}

pub(super) async fn report(
    Extract(dashboard): Extract<Dashboard>,
    Path(model_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    with_viewer(dashboard, headers, move |state, viewer| {
        let record = find_model(state.store.as_ref(), &model_id, viewer.restricted_to())
            .map_err(|_| (StatusCode::NOT_FOUND, "no such model".to_string()))?;
        let saved = load_report(&state.home, &record).map_err(internal)?;
        let html = svmq_report::render_saved(record.model_id.as_str(), saved).map_err(internal)?;
        Ok(respond(
            StatusCode::OK,
            "text/html; charset=utf-8",
            svmq_report::CONTENT_SECURITY_POLICY,
            html,
        ))
    })
    .await
}
