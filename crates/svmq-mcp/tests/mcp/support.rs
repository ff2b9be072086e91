//! The test harness: a scratch home and data root, a server on a duplex pipe, a
//! client that records progress notifications, and helpers to call tools.

use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientConfig, NumberOrString, ProgressNotificationParam,
    ProgressToken, RequestMetaObject,
};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use svmq_mcp::{LocalWorker, Settings, SvmqServer};
use svmq_queue::{SqliteOptions, SqliteStore, Store};

/// A fresh directory under the system's temporary directory, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "svmq-mcp-test-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(std::fs::canonicalize(&dir).unwrap())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Two well separated classes, "yes" and "no", 60 rows, deterministic.
pub fn classification_csv() -> String {
    let mut text = String::from("x1,x2,label\n");
    for i in 0..60 {
        let positive = i % 2 == 0;
        let x1 = if positive { 3.0 } else { -3.0 } + (i * 7 % 10) as f64 / 10.0;
        let x2 = (i * 3 % 10) as f64 / 5.0 - 1.0;
        let label = if positive { "yes" } else { "no" };
        text.push_str(&format!("{x1},{x2},{label}\n"));
    }
    text
}

/// y = 2·x1 − x2 + 1, 60 rows, deterministic.
pub fn regression_csv() -> String {
    let mut text = String::from("x1,x2,y\n");
    for i in 0..60 {
        let x1 = (i % 12) as f64 / 3.0;
        let x2 = (i * 5 % 7) as f64 / 2.0;
        text.push_str(&format!("{x1},{x2},{}\n", 2.0 * x1 - x2 + 1.0));
    }
    text
}

/// A client that records the progress notifications it receives.
#[derive(Clone, Default)]
pub struct RecordingClient {
    pub progress: Arc<Mutex<Vec<f64>>>,
}

impl ClientHandler for RecordingClient {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress.lock().unwrap().push(params.progress);
    }

    fn get_info(&self) -> ClientConfig {
        ClientConfig::default()
    }
}

pub struct Harness {
    pub client: RunningService<RoleClient, RecordingClient>,
    pub recorder: RecordingClient,
    /// The data root (also the output root).
    pub root: PathBuf,
    worker: Option<LocalWorker>,
    // Dropped last: the directories outlive the server.
    pub scratch: Scratch,
}

impl Harness {
    /// A server with `workers` local run slots (0: tasks stay queued).
    pub async fn start(name: &str, workers: u32) -> Harness {
        Harness::start_with(name, workers, |_| {}).await
    }

    /// A server whose settings `adjust` changes first.
    pub async fn start_with(
        name: &str,
        workers: u32,
        adjust: impl FnOnce(&mut Settings),
    ) -> Harness {
        let scratch = Scratch::new(name);
        let home = scratch.0.join("home");
        let root = scratch.0.join("data");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("classes.csv"), classification_csv()).unwrap();
        std::fs::write(root.join("regression.csv"), regression_csv()).unwrap();
        std::fs::write(scratch.0.join("outside.csv"), classification_csv()).unwrap();
        let mut settings = Settings::new(home.clone(), root.clone());
        settings.workers = workers;
        settings.poll_interval = Duration::from_millis(50);
        adjust(&mut settings);
        let store: Arc<dyn Store> =
            Arc::new(SqliteStore::open_home(&home, SqliteOptions::default()).unwrap());
        let server = SvmqServer::new(Arc::clone(&store), &settings).unwrap();
        let worker = LocalWorker::start(Arc::clone(&store), &settings).unwrap();
        let (server_io, client_io) = tokio::io::duplex(1 << 20);
        tokio::spawn(async move {
            match server.serve(server_io).await {
                Ok(running) => {
                    let _ = running.waiting().await;
                }
                Err(error) => panic!("the server did not start: {error}"),
            }
        });
        let recorder = RecordingClient::default();
        let client = recorder.clone().serve(client_io).await.unwrap();
        Harness {
            client,
            recorder,
            root,
            worker,
            scratch,
        }
    }

    /// Calls a tool; a protocol error fails the test.
    pub async fn call(&self, tool: &str, arguments: Value) -> CallToolResult {
        self.call_with(CallToolRequestParams::new(tool.to_string()), arguments)
            .await
    }

    /// Calls a tool with a progress token.
    pub async fn call_with_progress(&self, tool: &str, arguments: Value) -> CallToolResult {
        let mut meta = RequestMetaObject::default();
        meta.set_progress_token(ProgressToken(NumberOrString::Number(7)));
        let mut params = CallToolRequestParams::new(tool.to_string());
        params.meta = Some(meta);
        self.call_with(params, arguments).await
    }

    async fn call_with(&self, params: CallToolRequestParams, arguments: Value) -> CallToolResult {
        let arguments = match arguments {
            Value::Object(map) => map,
            Value::Null => Default::default(),
            other => panic!("arguments must be an object, got {other}"),
        };
        self.client
            .call_tool(params.with_arguments(arguments))
            .await
            .unwrap_or_else(|error| panic!("protocol error calling {}: {error}", "tool"))
    }

    /// Calls a tool that must succeed; returns its structured content, checked to
    /// equal the text content.
    pub async fn ok(&self, tool: &str, arguments: Value) -> Value {
        let result = self.call(tool, arguments).await;
        structured(tool, &result)
    }

    /// Calls a tool that must fail with a tool error; returns the message.
    pub async fn error(&self, tool: &str, arguments: Value) -> String {
        let result = self.call(tool, arguments).await;
        error_text(tool, &result)
    }

    /// Polls get_task_status until the task is finished.
    pub async fn wait_finished(&self, task_id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let task = self
                .ok("get_task_status", serde_json::json!({ "task_id": task_id }))
                .await;
            let status = task["status"].as_str().unwrap().to_string();
            if matches!(status.as_str(), "completed" | "failed" | "cancelled") {
                return task;
            }
            assert!(
                Instant::now() < deadline,
                "task {task_id} did not finish: {task}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn stop(self) {
        let _ = self.client.cancel().await;
        if let Some(worker) = self.worker {
            tokio::task::spawn_blocking(move || worker.stop())
                .await
                .unwrap();
        }
    }
}

pub fn structured(tool: &str, result: &CallToolResult) -> Value {
    assert_ne!(
        result.is_error,
        Some(true),
        "{tool} failed: {:?}",
        result.content
    );
    let value = result
        .structured_content
        .clone()
        .unwrap_or_else(|| panic!("{tool} returned no structured content"));
    let text = result.content[0]
        .as_text()
        .expect("a text block")
        .text
        .clone();
    let from_text: Value = serde_json::from_str(&text).expect("the text is JSON");
    assert_eq!(
        from_text, value,
        "{tool}: text and structured content differ"
    );
    // The user's document's contract: every result says whether it succeeded, and
    // what happened.
    assert!(value["success"].is_boolean(), "{tool}: no success: {value}");
    assert!(
        value["message"]
            .as_str()
            .is_some_and(|message| !message.is_empty()),
        "{tool}: no message: {value}"
    );
    value
}

pub fn error_text(tool: &str, result: &CallToolResult) -> String {
    assert_eq!(
        result.is_error,
        Some(true),
        "{tool} should have failed, got {:?}",
        result.structured_content
    );
    result.content[0]
        .as_text()
        .expect("a text block")
        .text
        .clone()
}

/// Two overlapping classes, `rows` × 12 noisy features: a search over it takes
/// seconds, long enough to cancel. Deterministic (a linear congruential generator).
pub fn slow_classification_csv(rows: usize) -> String {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut text: String = (0..12).map(|j| format!("f{j},")).collect();
    text.push_str("label\n");
    for i in 0..rows {
        let class = i % 2;
        for _ in 0..12 {
            let value = uniform() * 2.0 - 1.0 + class as f64 * 0.3;
            text.push_str(&format!("{value:.4},"));
        }
        text.push_str(if class == 1 { "a\n" } else { "b\n" });
    }
    text
}
