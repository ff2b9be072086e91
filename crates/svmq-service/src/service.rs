//! The one handle the front ends ask for queue work: the store, the home directory and
//! the settings every use case needs. The command line, the MCP tools and the dashboard
//! build one [`Service`], call its methods (in [`crate::tasks`]) and only format the
//! typed answers.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use svmq_queue::{Store, SubmitLimits};

use crate::request::Limits;

/// Workers count as alive with a heartbeat this recent (a worker beats every third of
/// its lease, 30 s by default).
pub const WORKER_ALIVE_WITHIN: Duration = Duration::from_secs(60);

/// What every use case may need besides the store.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// Caps on data files, trials and classes.
    pub limits: Limits,
    /// Caps on open tasks, in all and per user.
    pub submit_limits: SubmitLimits,
    /// The run slots configured for this deployment; the queue status and the ETAs use
    /// the live workers' own figure when one is running.
    pub max_concurrent_tasks: u32,
}

/// Who asks. A caller authenticated as one user (an HTTP bearer token) sees and
/// changes only that user's tasks and models; anyone else (the command line, stdio)
/// sees all of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Access {
    /// Every user's tasks and models.
    #[default]
    Everyone,
    /// Only this user's.
    User(String),
}

impl Access {
    /// The only user whose tasks and models are visible, if restricted.
    pub fn restricted_to(&self) -> Option<&str> {
        match self {
            Access::Everyone => None,
            Access::User(user) => Some(user),
        }
    }

    /// Whether a task or model of `owner` is visible.
    pub fn sees(&self, owner: &str) -> bool {
        self.restricted_to().is_none_or(|user| user == owner)
    }
}

/// The handle: cheap to clone, shared by every request of a server.
#[derive(Clone)]
pub struct Service {
    store: Arc<dyn Store>,
    home: PathBuf,
    settings: ServiceSettings,
}

impl Service {
    /// A handle on `store`, whose models live under `home`.
    pub fn new(store: Arc<dyn Store>, home: PathBuf, settings: ServiceSettings) -> Service {
        Service {
            store,
            home,
            settings,
        }
    }

    /// The store, for the wiring of workers and shutdown (not for use cases).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The home directory: the embedded store and the models.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The settings this handle was made with.
    pub fn settings(&self) -> &ServiceSettings {
        &self.settings
    }
}
