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
use svmq_service::ServiceError;
use svmq_service::{CancelOutcome, ModelSummary, QueueError, TaskFilter, TaskId};

/// Tasks the dashboard lists, newest first.
const TASKS_SHOWN: u32 = 50;

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
        let status = state.service.queue_status().map_err(internal)?;
        let mut body = serde_json::to_value(status).map_err(internal)?;
        body["user"] = json!(viewer.user());
        body["signed_in"] = json!(viewer.restricted_to().is_some());
        Ok(json(StatusCode::OK, &body))
    })
    .await
}

pub(super) async fn tasks(Extract(dashboard): Extract<Dashboard>, headers: HeaderMap) -> Response {
    with_viewer(dashboard, headers, |state, viewer| {
        let access = viewer.access();
        let listing = state
            .service
            .tasks(
                &access,
                &TaskFilter {
                    limit: Some(TASKS_SHOWN),
                    ..TaskFilter::default()
                },
            )
            .map_err(internal)?;
        let tasks = listing
            .tasks
            .into_iter()
            .map(|task| {
                let can_cancel = !task.status.is_terminal() && access.sees(&task.user_id);
                let mut view = serde_json::to_value(task).map_err(internal)?;
                if let Some(fields) = view.as_object_mut() {
                    // The full result (metrics, parameters) is for get_task_status.
                    fields.remove("result");
                    fields.insert("can_cancel".into(), json!(can_cancel));
                }
                Ok(view)
            })
            .collect::<Result<Vec<Value>, Refusal>>()?;
        Ok(json(StatusCode::OK, &json!({ "tasks": tasks })))
    })
    .await
}

pub(super) async fn models(Extract(dashboard): Extract<Dashboard>, headers: HeaderMap) -> Response {
    with_viewer(dashboard, headers, |state, viewer| {
        let models = state.service.models(viewer.user()).map_err(internal)?;
        let models: Vec<Value> = models
            .iter()
            .map(|model| {
                let summary = model.summary.as_ref();
                let target = summary.and_then(ModelSummary::first_target);
                json!({
                    "model_id": model.model_id,
                    "created_at": model.created_at,
                    "task": summary.map(|summary| summary.task),
                    "metric": summary.map(|summary| summary.metric),
                    "cv_score": target.and_then(|target| target.cv_mean),
                    "kernel": target.map(|target| target.kernel),
                    "targets": summary.map_or(0, |summary| summary.targets.len()),
                    "report": format!("/models/{}/report", model.model_id),
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
        // Another user's task is reported as unknown, so ids cannot be probed.
        let outcome = match state.service.cancel(&viewer.access(), &id) {
            Ok(CancelOutcome::Cancelled) => "cancelled",
            Ok(CancelOutcome::StopRequested) => "stop_requested",
            Err(ServiceError::Queue(QueueError::TaskNotFound { .. })) => return Err(not_found()),
            Err(ServiceError::Queue(QueueError::AlreadyFinished { .. })) => {
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
        let record = state
            .service
            .model(&viewer.access(), &model_id)
            .map_err(|_| (StatusCode::NOT_FOUND, "no such model".to_string()))?;
        let saved = state.service.report_of(&record).map_err(internal)?;
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
