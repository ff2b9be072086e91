//! The dashboard at `/` of the HTTP server: queue counts, tasks with live progress,
//! models with links to their reports, and cancel buttons for the tasks' owners.
//!
//! One HTML page and one script, embedded in the binary (no build step), read small
//! JSON endpoints that the page polls every second:
//!
//! | route | what |
//! |---|---|
//! | `GET /` , `GET /dashboard.js` | the page and its script (no data in them) |
//! | `GET /api/session` | whether a token is needed (asked before any data) |
//! | `GET /api/queue` | counts per state, the concurrency limit, live workers, who you are |
//! | `GET /api/tasks` | the newest tasks with progress and message |
//! | `GET /api/models` | the models with their metric |
//! | `POST /api/tasks/{task_id}/cancel` | cancel one of your tasks |
//! | `GET /models/{model_id}/report` | a model's HTML report |
//!
//! Access follows the `/mcp` rules; [`guard`] says how. Store and file work runs on
//! tokio's blocking pool.

mod api;
pub mod guard;

use crate::server::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use guard::Guard;
use std::sync::Arc;

const PAGE: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/dashboard.js");

/// What the dashboard's handlers reach.
#[derive(Clone)]
pub(crate) struct Dashboard {
    pub state: Arc<State>,
    pub guard: Arc<Guard>,
}

/// The dashboard's routes.
pub(crate) fn router(dashboard: Dashboard) -> axum::Router {
    axum::Router::new()
        .route("/", get(page))
        .route("/dashboard.js", get(script))
        .route("/favicon.ico", get(no_icon))
        .route("/api/session", get(api::session))
        .route("/api/queue", get(api::queue))
        .route("/api/tasks", get(api::tasks))
        .route("/api/models", get(api::models))
        .route("/api/tasks/{task_id}/cancel", post(api::cancel))
        .route("/models/{model_id}/report", get(api::report))
        .with_state(dashboard)
}

/// What the page may do: its own script and styles, requests to this server only,
/// never be framed (so no other site can trick a click on a cancel button).
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; \
    connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'none'";

async fn page(
    axum::extract::State(dashboard): axum::extract::State<Dashboard>,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = dashboard.guard.check_page(&headers) {
        return error(refusal);
    }
    respond(
        StatusCode::OK,
        "text/html; charset=utf-8",
        PAGE_POLICY,
        PAGE.to_string(),
    )
}

async fn script(
    axum::extract::State(dashboard): axum::extract::State<Dashboard>,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = dashboard.guard.check_page(&headers) {
        return error(refusal);
    }
    respond(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        PAGE_POLICY,
        SCRIPT.to_string(),
    )
}

/// Browsers ask for an icon; there is none, and saying so with 204 keeps their
/// consoles free of 404 errors.
async fn no_icon() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// A response with the headers every dashboard answer carries.
pub(crate) fn respond(
    status: StatusCode,
    content_type: &str,
    policy: &str,
    body: String,
) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(header::CONTENT_TYPE, content_type);
    set(header::CONTENT_SECURITY_POLICY, policy);
    set(header::CACHE_CONTROL, "no-store");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    response
}

/// A JSON answer.
pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    respond(
        status,
        "application/json",
        "default-src 'none'",
        value.to_string(),
    )
}

/// A refusal or failure as JSON `{"error": message}`.
pub(crate) fn error((status, message): guard::Refusal) -> Response {
    let mut response = json(status, &serde_json::json!({ "error": message }));
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}
