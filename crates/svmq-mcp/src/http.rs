//! Streamable HTTP at `/mcp`: the same server as stdio behind an HTTP layer that
//! authenticates bearer tokens (each token is one user, who then sees and cancels
//! only their own tasks and models), while rmcp's transport validates `Host` and
//! `Origin` and caps request bodies. Beside it, the dashboard at `/` and the model
//! reports ([`crate::dashboard`]), under the same rules.
//!
//! Before rmcp sees a request to `/mcp`, [`check_mcp_request`] answers a body that is
//! not JSON with 400 and a JSON-RPC parse error (-32700) and one that is JSON but no
//! JSON-RPC message with 400 and -32600 (rmcp would say 415, as if the media type were
//! wrong); lets through an `Origin` that is the server's own (`http://` and the `Host`
//! the request came to, as the dashboard does); and admits an `initialize` only
//! within the session caps of [`crate::sessions`].
//!
//! Without tokens the server only listens on a loopback address. What it does not
//! do: TLS (put a reverse proxy in front) or token rotation while running.

use crate::error::ServeError;
use crate::server::{AuthenticatedUser, SvmqServer};
use crate::sessions::{SessionLimits, SessionRegistry};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::model::{ClientJsonRpcMessage, ClientRequest, JsonRpcMessage};
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Largest request body accepted, in bytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// How the streamable HTTP transport listens and whom it admits.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Where to listen; port 0 picks a free one.
    pub address: SocketAddr,
    /// Bearer token → the user it authenticates. Empty: no authentication, which is
    /// allowed on loopback addresses only.
    pub tokens: HashMap<String, String>,
    /// Browser origins allowed to call (e.g. `http://localhost:*`); requests without
    /// an `Origin` header (non-browser clients) always pass. Any other origin gets 403.
    pub allowed_origins: Vec<String>,
    /// Largest request body accepted, in bytes; a larger one gets 413.
    pub max_body_bytes: usize,
    /// Caps on open MCP sessions and their idle expiry.
    pub sessions: SessionLimits,
}

impl HttpSettings {
    /// Defaults for `address`: no tokens, no browser origins, the default body and
    /// session caps.
    pub fn new(address: SocketAddr) -> HttpSettings {
        HttpSettings {
            address,
            tokens: HashMap::new(),
            allowed_origins: Vec::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            sessions: SessionLimits::default(),
        }
    }

    /// Refuses to expose an unauthenticated server beyond this machine.
    pub fn check(&self) -> Result<(), ServeError> {
        if !self.address.ip().is_loopback() && self.tokens.is_empty() {
            return Err(ServeError::Config(format!(
                "refusing to listen on {} without authentication: give --auth-token or --auth-token-file, or listen on 127.0.0.1",
                self.address
            )));
        }
        Ok(())
    }
}

/// Serves `/mcp` and the dashboard on the listener until `shutdown` is cancelled.
pub async fn serve_http(
    listener: TcpListener,
    server: SvmqServer,
    settings: &HttpSettings,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let mut hosts = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    if !settings.address.ip().is_unspecified() {
        hosts.push(settings.address.ip().to_string());
    }
    let mut config = StreamableHttpServerConfig::default()
        .with_allowed_origins(settings.allowed_origins.clone())
        .enforce_origin_validation()
        .with_max_request_body_bytes(settings.max_body_bytes)
        .with_cancellation_token(shutdown.child_token());
    config = if settings.address.ip().is_unspecified() {
        // Listening everywhere: any Host may reach it; tokens are required then.
        config.disable_allowed_hosts()
    } else {
        config.with_allowed_hosts(hosts)
    };
    let dashboard = crate::dashboard::Dashboard {
        state: Arc::clone(&server.state),
        guard: Arc::new(crate::dashboard::guard::Guard::new(
            settings.address,
            settings.tokens.clone(),
            settings.allowed_origins.clone(),
            server.state.default_user.clone(),
        )),
    };
    let sessions = Arc::new(SessionRegistry::new(settings.sessions));
    let service =
        StreamableHttpService::new(move || Ok(server.clone()), sessions.manager(), config);
    let tokens = Arc::new(settings.tokens.clone());
    let max_body_bytes = settings.max_body_bytes;
    // Layers run outside in: authentication first, then the request checks.
    let router = axum::Router::new()
        .nest_service("/mcp", service)
        .route_layer(axum::middleware::from_fn(move |request, next| {
            check_mcp_request(Arc::clone(&sessions), max_body_bytes, request, next)
        }))
        .route_layer(axum::middleware::from_fn(move |request, next| {
            authenticate(Arc::clone(&tokens), request, next)
        }))
        .merge(crate::dashboard::router(dashboard));
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
}

/// With tokens configured: a request without a known bearer token gets 401; a known
/// one is marked with its user for the tools to see.
async fn authenticate(
    tokens: Arc<HashMap<String, String>>,
    mut request: Request,
    next: Next,
) -> Response {
    if tokens.is_empty() {
        return next.run(request).await;
    }
    let user = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .and_then(|token| tokens.get(token.trim()))
        .cloned();
    match user {
        Some(user) => {
            request.extensions_mut().insert(AuthenticatedUser(user));
            next.run(request).await
        }
        None => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a valid bearer token is required: send Authorization: Bearer TOKEN",
        )
            .into_response(),
    }
}

/// The user sessions are counted for when no token names one.
const UNAUTHENTICATED: &str = "";

/// Checks a request to `/mcp` before rmcp handles it (see the module's header).
async fn check_mcp_request(
    sessions: Arc<SessionRegistry>,
    max_body_bytes: usize,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let own_origin = parts
        .headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(|host| format!("http://{host}"));
    if let (Some(origin), Some(own)) = (parts.headers.get(header::ORIGIN), own_origin) {
        if origin.as_bytes() == own.as_bytes() {
            // rmcp validates the Host against the allowed hosts; an Origin equal to it
            // is this server's own page, like a request without Origin.
            parts.headers.remove(header::ORIGIN);
        }
    }
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .split(';')
                .next()
                .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
        });
    if parts.method != Method::POST || !is_json {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let Ok(bytes) = axum::body::to_bytes(body, max_body_bytes).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Payload Too Large: request body exceeds {max_body_bytes} bytes"),
        )
            .into_response();
    };
    let message = match parse_message(&bytes) {
        Ok(message) => message,
        Err(refusal) => return *refusal,
    };
    let opens_session = !parts.headers.contains_key("mcp-session-id")
        && matches!(
            &message,
            JsonRpcMessage::Request(request)
                if matches!(request.request, ClientRequest::InitializeRequest(_))
        );
    if !opens_session {
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    }
    let user = parts
        .extensions
        .get::<AuthenticatedUser>()
        .map_or(UNAUTHENTICATED, |user| user.0.as_str())
        .to_string();
    let id = match &message {
        JsonRpcMessage::Request(request) => serde_json::to_value(&request.id).ok(),
        _ => None,
    };
    let ticket = match sessions.admit(&user).await {
        Ok(ticket) => ticket,
        Err(refusal) => {
            tracing::warn!(user, status = %refusal.status, "MCP session refused");
            return json_rpc_error(refusal.status, id, -32000, &refusal.message);
        }
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if let Some(session) = response
        .headers()
        .get("mcp-session-id")
        .and_then(|value| value.to_str().ok())
    {
        ticket.opened(session);
    }
    response
}

/// The body as a client's JSON-RPC message, or the 400 answer saying why not.
fn parse_message(bytes: &[u8]) -> Result<ClientJsonRpcMessage, Box<Response>> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|error| {
        Box::new(json_rpc_error(
            StatusCode::BAD_REQUEST,
            None,
            -32700,
            &format!("Parse error: the request body is not valid JSON ({error})"),
        ))
    })?;
    let id = value.get("id").cloned();
    serde_json::from_value(value).map_err(|error| {
        Box::new(json_rpc_error(
            StatusCode::BAD_REQUEST,
            id,
            -32600,
            &format!("Invalid Request: the body is JSON but not a JSON-RPC request, notification or response of MCP ({error})"),
        ))
    })
}

/// An HTTP answer carrying a JSON-RPC error object.
fn json_rpc_error(
    status: StatusCode,
    id: Option<serde_json::Value>,
    code: i64,
    message: &str,
) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id.unwrap_or(serde_json::Value::Null),
        "error": { "code": code, "message": message },
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}
