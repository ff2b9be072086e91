//! The MCP server value: what every tool call can reach (the store, the home
//! directory, the roots, the defaults) and the `ServerHandler` that routes tool calls
//! to the tool modules. Store and file work runs on tokio's blocking pool, never on
//! the async runtime's threads; calls reading a data file (validate, train, predict
//! from a file) run at most [`DATA_READS_AT_ONCE`] at a time.

use crate::error::{ServeError, ToolError};
use crate::roots::Roots;
use crate::settings::Settings;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::service::RequestContext;
use rmcp::{tool_handler, RoleServer, ServerHandler};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use svmq_queue::Store;
use svmq_service::{Access, Service, ServiceSettings};

/// What every tool call can reach.
pub(crate) struct State {
    /// The use cases: queue and models.
    pub service: Service,
    pub data_roots: Roots,
    pub output_roots: Roots,
    pub default_user: String,
    /// Run slots of this process's own worker (0: separate worker processes).
    pub local_workers: u32,
    /// How often a waiting training call reads its task's progress.
    pub poll_interval: Duration,
    /// Tool calls reading a data file at once (each may hold a file of up to the
    /// byte cap, parsed), so that many calls together stay within memory.
    pub data_reads: tokio::sync::Semaphore,
}

/// Tool calls that read a data file at once; more wait their turn.
pub const DATA_READS_AT_ONCE: usize = 4;

/// The user an HTTP request authenticated as with its bearer token; put in the
/// request's extensions by the HTTP layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedUser(pub String);

/// Who makes a tool call. A caller authenticated by a token acts as its own user only
/// and sees only its own tasks and models; an unauthenticated caller (stdio, HTTP
/// without tokens) acts as the user it names, or the server's.
#[derive(Debug, Clone, Default)]
pub(crate) struct Caller {
    authenticated: Option<String>,
}

impl Caller {
    pub fn of(context: &RequestContext<RoleServer>) -> Caller {
        let authenticated = context
            .extensions
            .get::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<AuthenticatedUser>())
            .map(|user| user.0.clone());
        Caller { authenticated }
    }

    /// The only user whose tasks and models this caller may see, if restricted.
    pub fn restricted_to(&self) -> Option<&str> {
        self.authenticated.as_deref()
    }
}

impl State {
    /// The user a call acts as: an authenticated caller's own; else the one it names,
    /// else the server's.
    pub fn user(&self, caller: &Caller, requested: Option<&str>) -> Result<String, ToolError> {
        if let Some(user) = caller.restricted_to() {
            return Ok(user.to_string());
        }
        let Some(user) = requested else {
            return Ok(self.default_user.clone());
        };
        let user = user.trim();
        if user.is_empty() || user.chars().count() > 128 || user.chars().any(char::is_control) {
            return Err(ToolError::invalid(
                "user_id must be 1 to 128 printable characters; leave it out to act as the server's user",
            ));
        }
        Ok(user.to_string())
    }

    /// The error with the server's absolute paths shown relative to their root.
    pub fn redact(&self, error: ToolError) -> ToolError {
        match error {
            ToolError::Invalid(message) => ToolError::Invalid(self.redact_text(&message)),
            other => other,
        }
    }

    /// A text with the server's absolute paths shown relative to their root.
    pub fn redact_text(&self, text: &str) -> String {
        self.output_roots.redact(&self.data_roots.redact(text))
    }

    /// What this caller may see and change.
    pub fn access(&self, caller: &Caller) -> Access {
        match caller.restricted_to() {
            Some(user) => Access::User(user.to_string()),
            None => Access::Everyone,
        }
    }
}

/// svmq's MCP server: one value per session, cheap to clone.
#[derive(Clone)]
pub struct SvmqServer {
    pub(crate) state: Arc<State>,
    tool_router: ToolRouter<SvmqServer>,
}

impl SvmqServer {
    /// A server on this store with these settings; the roots must exist.
    pub fn new(store: Arc<dyn Store>, settings: &Settings) -> Result<SvmqServer, ServeError> {
        // svmq's home (store, models, configuration) and the token file are out of
        // every root's reach.
        let roots = |dirs: &[PathBuf]| {
            let roots = Roots::new(dirs, &settings.current_dir)
                .and_then(|roots| roots.excluding(&settings.home, &settings.current_dir))
                .map_err(ServeError::Roots)?;
            Ok::<Roots, ServeError>(settings.private_files.iter().fold(roots, |roots, file| {
                roots.excluding_file(file, &settings.current_dir)
            }))
        };
        let data_roots = roots(&settings.data_roots)?;
        let output_roots = roots(&settings.output_roots)?;
        let service = Service::new(
            store,
            settings.home.clone(),
            ServiceSettings {
                limits: settings.limits.clone(),
                submit_limits: settings.submit_limits,
                max_concurrent_tasks: settings.max_concurrent_tasks,
            },
        );
        let state = State {
            service,
            data_roots,
            output_roots,
            default_user: settings.default_user.clone(),
            local_workers: settings.workers,
            poll_interval: settings.poll_interval,
            data_reads: tokio::sync::Semaphore::new(DATA_READS_AT_ONCE),
        };
        let mut tool_router = Self::queue_tools() + Self::training_tools() + Self::model_tools();
        for route in tool_router.map.values_mut() {
            crate::schemas::compact(&mut route.attr);
        }
        crate::schemas::share_descriptions(
            &mut tool_router,
            "train_svm_classifier",
            &["train_svm_regressor", "submit_training_task"],
        );
        Ok(SvmqServer {
            state: Arc::new(state),
            tool_router,
        })
    }

    /// Runs work that reads a data file on the blocking pool, at most
    /// [`DATA_READS_AT_ONCE`] at a time.
    pub(crate) async fn reading_data<T, F>(&self, work: F) -> Result<T, ToolError>
    where
        T: Send + 'static,
        F: FnOnce(&State) -> Result<T, ToolError> + Send + 'static,
    {
        let _permit = self
            .state
            .data_reads
            .acquire()
            .await
            .map_err(|error| ToolError::internal("data read permit", &error))?;
        self.blocking(work).await
    }

    /// Runs store and file work on the blocking pool.
    pub(crate) async fn blocking<T, F>(&self, work: F) -> Result<T, ToolError>
    where
        T: Send + 'static,
        F: FnOnce(&State) -> Result<T, ToolError> + Send + 'static,
    {
        let state = Arc::clone(&self.state);
        let result = tokio::task::spawn_blocking(move || work(&state))
            .await
            .unwrap_or_else(|error| Err(ToolError::internal("blocking tool work", &error)));
        result.map_err(|error| self.state.redact(error))
    }
}

const INSTRUCTIONS: &str = "svmq trains support vector machines on tabular data files \
(CSV/TSV, xlsx) with hyperparameter search, through a durable training queue. Typical flow: \
validate_data → train_svm_classifier or train_svm_regressor (returns a task_id at once) → \
get_task_status until status is completed (its model_id is in the result) → \
predict_from_values or predict_from_file. Data paths must lie inside the server's data roots. \
Ids are 32 lowercase hexadecimal characters. Every result has success (false: the call was \
understood but did not do what it asked, e.g. cancelling a finished task) and message (what \
happened and what to do next) beside its own fields.";

#[tool_handler(router = self.tool_router)]
impl ServerHandler for SvmqServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("svmq", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }
}
