//! How many MCP sessions the HTTP server holds: at most `max_sessions` in all and
//! `max_sessions_per_user` for one user (a token's user; without tokens every client
//! is the server's one user), each closed after `idle_timeout` without a request.
//!
//! Each session costs memory (a task, channels, caches) until it is closed, and a
//! client may open them with `initialize` and never close them. rmcp's
//! `LocalSessionManager` closes a session idle for its `keep_alive`, which is set to
//! the idle timeout here; it has no cap, so this module admits an `initialize` only
//! while the caps hold, and refuses it otherwise with 503 (the server is full) or 429
//! (this user is), carrying a JSON-RPC error.
//!
//! The count is exact without hooking into rmcp's session life cycle: the owners of
//! the sessions admitted are remembered by session id, and before each admission the
//! ids rmcp no longer holds (closed by `DELETE`, expired, or ended) are forgotten.
//! Initializations in flight count as pending, so concurrent ones cannot overshoot.
//!
//! What it does not do: limit requests within a session (the body cap and the tools'
//! own limits do), or persist sessions across restarts.

use axum::http::StatusCode;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Caps on the sessions of the HTTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Open sessions of all users; an `initialize` beyond it gets 503.
    pub max_sessions: usize,
    /// Open sessions of one user; an `initialize` beyond it gets 429.
    pub max_sessions_per_user: usize,
    /// A session without a request for this long is closed.
    pub idle_timeout: Duration,
}

/// [`SessionLimits::max_sessions`] unless configured otherwise.
pub const DEFAULT_MAX_SESSIONS: usize = 1000;
/// [`SessionLimits::max_sessions_per_user`] unless configured otherwise.
pub const DEFAULT_MAX_SESSIONS_PER_USER: usize = 100;
/// [`SessionLimits::idle_timeout`] unless configured otherwise: 30 minutes.
pub const DEFAULT_SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            max_sessions: DEFAULT_MAX_SESSIONS,
            max_sessions_per_user: DEFAULT_MAX_SESSIONS_PER_USER,
            idle_timeout: DEFAULT_SESSION_IDLE_TIMEOUT,
        }
    }
}

/// Why an `initialize` is refused: a status and a message for the JSON-RPC error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 503 when the server is full, 429 when the user is.
    pub status: StatusCode,
    /// The limit reached, and how to free a place.
    pub message: String,
}

/// The sessions admitted, by owner.
pub struct SessionRegistry {
    limits: SessionLimits,
    manager: Arc<LocalSessionManager>,
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    /// Session id → its user, for sessions admitted and (maybe) still open.
    owners: HashMap<String, String>,
    /// Initializations admitted and not yet answered, per user.
    pending: HashMap<String, usize>,
}

impl Counts {
    fn of_user(&self, user: &str) -> usize {
        self.owners.values().filter(|owner| *owner == user).count()
            + self.pending.get(user).copied().unwrap_or(0)
    }

    fn total(&self) -> usize {
        self.owners.len() + self.pending.values().sum::<usize>()
    }
}

impl SessionRegistry {
    /// A registry over a session manager made here, whose sessions expire when idle.
    pub fn new(limits: SessionLimits) -> SessionRegistry {
        let mut manager = LocalSessionManager::default();
        manager.session_config.keep_alive = Some(limits.idle_timeout);
        SessionRegistry {
            limits,
            manager: Arc::new(manager),
            counts: Mutex::new(Counts::default()),
        }
    }

    /// The session manager to serve with.
    pub fn manager(&self) -> Arc<LocalSessionManager> {
        Arc::clone(&self.manager)
    }

    /// Sessions open now (admitted and not closed), for tests and logs.
    pub async fn open_sessions(&self) -> usize {
        let live = self.live_ids().await;
        let mut counts = self.lock();
        counts.owners.retain(|id, _| live.contains(id.as_str()));
        counts.owners.len()
    }

    async fn live_ids(&self) -> HashSet<String> {
        self.manager
            .sessions
            .read()
            .await
            .keys()
            .map(|id| id.to_string())
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        // The counts stay consistent even if a holder panicked: every update is one
        // insertion or removal.
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Admits one more session for `user`, or says why not. The ticket must be given
    /// the session id the answer carries ([`Ticket::opened`]); dropped without one,
    /// the place is freed.
    pub async fn admit(self: &Arc<Self>, user: &str) -> Result<Ticket, Refusal> {
        let live = self.live_ids().await;
        let mut counts = self.lock();
        counts.owners.retain(|id, _| live.contains(id.as_str()));
        if counts.total() >= self.limits.max_sessions {
            return Err(Refusal {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: format!(
                    "the server holds its limit of {} open MCP sessions; retry later (idle sessions close after {} s), and close sessions you no longer use with DELETE",
                    self.limits.max_sessions,
                    self.limits.idle_timeout.as_secs()
                ),
            });
        }
        if counts.of_user(user) >= self.limits.max_sessions_per_user {
            return Err(Refusal {
                status: StatusCode::TOO_MANY_REQUESTS,
                message: format!(
                    "you hold the limit of {} open MCP sessions per user; close sessions you no longer use (HTTP DELETE with their Mcp-Session-Id) or wait: idle sessions close after {} s",
                    self.limits.max_sessions_per_user,
                    self.limits.idle_timeout.as_secs()
                ),
            });
        }
        *counts.pending.entry(user.to_string()).or_default() += 1;
        Ok(Ticket {
            registry: Arc::clone(self),
            user: user.to_string(),
        })
    }
}

/// A place held for one initialization in flight.
pub struct Ticket {
    registry: Arc<SessionRegistry>,
    user: String,
}

impl Ticket {
    /// The initialization opened this session.
    pub fn opened(self, session_id: &str) {
        self.registry
            .lock()
            .owners
            .insert(session_id.to_string(), self.user.clone());
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut counts = self.registry.lock();
        if let Some(pending) = counts.pending.get_mut(&self.user) {
            *pending = pending.saturating_sub(1);
            if *pending == 0 {
                counts.pending.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(total: usize, per_user: usize) -> Arc<SessionRegistry> {
        Arc::new(SessionRegistry::new(SessionLimits {
            max_sessions: total,
            max_sessions_per_user: per_user,
            idle_timeout: Duration::from_secs(60),
        }))
    }

    #[tokio::test]
    async fn pending_initializations_count_against_both_caps() {
        let registry = registry(3, 2);
        let first = registry.admit("ann").await.unwrap();
        let _second = registry.admit("ann").await.unwrap();
        let refusal = registry.admit("ann").await.err().unwrap();
        assert_eq!(refusal.status, StatusCode::TOO_MANY_REQUESTS);
        let _third = registry.admit("bob").await.unwrap();
        let refusal = registry.admit("bob").await.err().unwrap();
        assert_eq!(refusal.status, StatusCode::SERVICE_UNAVAILABLE);
        // A ticket dropped without a session frees its place.
        drop(first);
        assert!(registry.admit("bob").await.is_ok());
    }

    #[tokio::test]
    async fn sessions_no_longer_held_by_rmcp_are_forgotten() {
        let registry = registry(1, 1);
        // rmcp holds no session of this id: it was closed, so its place is free.
        registry
            .admit("ann")
            .await
            .unwrap()
            .opened("closed-session");
        assert_eq!(registry.open_sessions().await, 0);
        assert!(registry.admit("ann").await.is_ok());
    }
}
