//! Streamable HTTP at `/mcp`: the same server as stdio behind an HTTP layer that
//! authenticates bearer tokens (each token is one user, who then sees and cancels
//! only their own tasks and models), while rmcp's transport validates `Host` and
//! `Origin` and caps request bodies. Beside it, the dashboard at `/` and the model
//! reports ([`crate::dashboard`]), under the same rules.
//!
//! Without tokens the server only listens on a loopback address. What it does not
//! do: TLS (put a reverse proxy in front) or token rotation while running.

use crate::error::ServeError;
use crate::server::{AuthenticatedUser, SvmqServer};
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Largest request body accepted, in bytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub address: SocketAddr,
    /// Bearer token → the user it authenticates. Empty: no authentication, which is
    /// allowed on loopback addresses only.
    pub tokens: HashMap<String, String>,
    /// Browser origins allowed to call (e.g. `http://localhost:*`); requests without
    /// an `Origin` header (non-browser clients) always pass. Any other origin gets 403.
    pub allowed_origins: Vec<String>,
    pub max_body_bytes: usize,
}

impl HttpSettings {
    pub fn new(address: SocketAddr) -> HttpSettings {
        HttpSettings {
            address,
            tokens: HashMap::new(),
            allowed_origins: Vec::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
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
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let tokens = Arc::new(settings.tokens.clone());
    let router = axum::Router::new()
        .nest_service("/mcp", service)
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
