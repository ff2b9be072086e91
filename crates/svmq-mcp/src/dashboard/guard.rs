//! Who may use the dashboard, decided per request.
//!
//! - **Host**: the `Host` header must name the address the server listens on (or
//!   localhost), as for `/mcp`, so a DNS-rebinding page cannot reach a loopback server
//!   under a foreign name. A server listening on every address accepts any host; it
//!   has tokens then.
//! - **Origin**: a browser request from another site (its `Origin` differs from the
//!   server's own and is not in `--allowed-origin`) gets 403, so no page elsewhere can
//!   make a visitor's browser cancel tasks. Requests without `Origin` (curl, scripts)
//!   pass, as on `/mcp`.
//! - **Token**: with tokens configured, data and actions need `Authorization: Bearer
//!   TOKEN` (401 otherwise) and show only that token's user's tasks and models. The
//!   page keeps the token the user typed in `sessionStorage` (this tab only, gone when
//!   it closes) and sends it with every `fetch`. Without tokens the server listens on
//!   loopback only (`HttpSettings::check`) and the dashboard is open, like the
//!   command line on the same machine: every task is shown and can be cancelled.

use axum::http::{header, HeaderMap, StatusCode};
use std::collections::HashMap;
use std::net::SocketAddr;

/// Who a request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// No tokens configured: sees everything, acts as the server's user.
    Open { user: String },
    /// Authenticated by a token: sees and cancels only this user's work.
    User(String),
}

impl Viewer {
    /// The only user whose tasks and models this viewer may see, if restricted.
    pub fn restricted_to(&self) -> Option<&str> {
        match self {
            Viewer::Open { .. } => None,
            Viewer::User(user) => Some(user),
        }
    }

    /// The user whose models are listed.
    pub fn user(&self) -> &str {
        match self {
            Viewer::Open { user } | Viewer::User(user) => user,
        }
    }

    /// What this viewer may see and change.
    pub fn access(&self) -> svmq_service::Access {
        match self.restricted_to() {
            Some(user) => svmq_service::Access::User(user.to_string()),
            None => svmq_service::Access::Everyone,
        }
    }
}

/// A refusal: status and a message for the page.
pub type Refusal = (StatusCode, String);

/// The dashboard's access rules, built once from the HTTP settings.
#[derive(Debug, Clone)]
pub struct Guard {
    tokens: HashMap<String, String>,
    default_user: String,
    /// Host names accepted in `Host`; `None`: any (listening on every address).
    allowed_hosts: Option<Vec<String>>,
    allowed_origins: Vec<String>,
}

impl Guard {
    pub fn new(
        address: SocketAddr,
        tokens: HashMap<String, String>,
        allowed_origins: Vec<String>,
        default_user: String,
    ) -> Guard {
        let allowed_hosts = (!address.ip().is_unspecified()).then(|| {
            let mut hosts = vec![
                "localhost".to_string(),
                "127.0.0.1".to_string(),
                "::1".to_string(),
            ];
            hosts.push(address.ip().to_string());
            hosts
        });
        Guard {
            tokens,
            default_user,
            allowed_hosts,
            allowed_origins,
        }
    }

    /// Whether data and actions need a bearer token.
    pub fn requires_token(&self) -> bool {
        !self.tokens.is_empty()
    }

    /// Whether the page itself may be served (Host and Origin rules, no token).
    pub fn check_page(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        self.check_host(headers)?;
        self.check_origin(headers)
    }

    /// Who an API request acts as, or why it is refused.
    pub fn viewer(&self, headers: &HeaderMap) -> Result<Viewer, Refusal> {
        self.check_page(headers)?;
        if self.tokens.is_empty() {
            return Ok(Viewer::Open {
                user: self.default_user.clone(),
            });
        }
        headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .and_then(|token| self.tokens.get(token.trim()))
            .map(|user| Viewer::User(user.clone()))
            .ok_or_else(|| {
                (
                    StatusCode::UNAUTHORIZED,
                    "a valid token is required: sign in with your bearer token".to_string(),
                )
            })
    }

    fn check_host(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let Some(allowed) = &self.allowed_hosts else {
            return Ok(());
        };
        let host = headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .map(host_name)
            .unwrap_or_default();
        if allowed.iter().any(|name| name.eq_ignore_ascii_case(host)) {
            Ok(())
        } else {
            Err((StatusCode::FORBIDDEN, "this Host is not served".to_string()))
        }
    }

    fn check_origin(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return Ok(());
        };
        let origin = origin.to_str().unwrap_or_default();
        let own = headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .map(|host| format!("http://{host}"));
        let allowed = own.as_deref() == Some(origin)
            || self
                .allowed_origins
                .iter()
                .any(|pattern| origin_matches(pattern, origin));
        if allowed {
            Ok(())
        } else {
            Err((
                StatusCode::FORBIDDEN,
                "requests from another site are refused".to_string(),
            ))
        }
    }
}

/// The host name of a `Host` header value: without port, IPv6 without brackets.
fn host_name(value: &str) -> &str {
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    value.split(':').next().unwrap_or_default()
}

/// An allowed origin pattern: exact, or ending in `:*` for any port.
fn origin_matches(pattern: &str, origin: &str) -> bool {
    match pattern.strip_suffix(":*") {
        Some(prefix) => origin
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(':')),
        None => pattern == origin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn guard(tokens: &[(&str, &str)]) -> Guard {
        Guard::new(
            "127.0.0.1:8765".parse().unwrap(),
            tokens
                .iter()
                .map(|(t, u)| (t.to_string(), u.to_string()))
                .collect(),
            vec!["http://localhost:*".into()],
            "local".into(),
        )
    }

    #[test]
    fn without_tokens_a_loopback_request_is_open() {
        let viewer = guard(&[]).viewer(&headers(&[(header::HOST, "127.0.0.1:8765")]));
        assert_eq!(
            viewer,
            Ok(Viewer::Open {
                user: "local".into()
            })
        );
    }

    #[test]
    fn with_tokens_the_token_decides_the_user() {
        let guard = guard(&[("secret", "alice")]);
        let host = (header::HOST, "127.0.0.1:8765");
        assert_eq!(
            guard
                .viewer(&headers(std::slice::from_ref(&host)))
                .unwrap_err()
                .0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            guard
                .viewer(&headers(&[
                    host.clone(),
                    (header::AUTHORIZATION, "Bearer wrong")
                ]))
                .unwrap_err()
                .0,
            StatusCode::UNAUTHORIZED
        );
        let viewer = guard
            .viewer(&headers(&[host, (header::AUTHORIZATION, "Bearer secret")]))
            .unwrap();
        assert_eq!(viewer, Viewer::User("alice".into()));
        assert!(viewer.access().sees("alice"));
        assert!(!viewer.access().sees("bob"));
    }

    #[test]
    fn a_foreign_host_or_origin_is_refused() {
        let guard = guard(&[]);
        let refused = guard.viewer(&headers(&[(header::HOST, "evil.example:8765")]));
        assert_eq!(refused.unwrap_err().0, StatusCode::FORBIDDEN);
        let refused = guard.viewer(&headers(&[
            (header::HOST, "127.0.0.1:8765"),
            (header::ORIGIN, "http://evil.example"),
        ]));
        assert_eq!(refused.unwrap_err().0, StatusCode::FORBIDDEN);
        for origin in ["http://127.0.0.1:8765", "http://localhost:3000"] {
            let allowed = guard.viewer(&headers(&[
                (header::HOST, "127.0.0.1:8765"),
                (header::ORIGIN, origin),
            ]));
            assert!(allowed.is_ok(), "{origin}");
        }
    }

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(host_name("127.0.0.1:80"), "127.0.0.1");
        assert_eq!(host_name("[::1]:80"), "::1");
        assert_eq!(host_name("localhost"), "localhost");
    }
}
