//! A temporary svmq home for the queue's end-to-end tests: the queue commands run as
//! separate processes against it, and `svmq worker` as a child process whose log is
//! kept in a file and shown when a test fails.

use super::{svmq, Run, Workspace};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The lease the tests' workers take: a killed worker's tasks run again this soon.
pub const TEST_LEASE_SECONDS: &str = "3";

/// The longest any test waits for the queue to reach a state.
pub const QUEUE_TIMEOUT: Duration = Duration::from_secs(300);

/// How long `cancel` of a running task may take to show as `cancelled` (the issue asks
/// for one second to stop; the rest is process start-up and polling).
pub const CANCEL_TIMEOUT: Duration = Duration::from_secs(2);

pub fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .to_str()
        .expect("the example path is UTF-8")
        .to_string()
}

/// A temporary svmq home and the commands run against it.
pub struct Home {
    pub workspace: Workspace,
    pub directory: PathBuf,
}

impl Home {
    pub fn new(name: &str) -> Home {
        let workspace = Workspace::new(name);
        let directory = workspace.path("home");
        Home {
            workspace,
            directory,
        }
    }

    pub fn path(&self) -> &str {
        self.directory.to_str().expect("the home path is UTF-8")
    }

    /// Runs `svmq --home HOME arguments…`.
    pub fn run(&self, arguments: &[&str]) -> Run {
        let mut all = vec!["--home", self.path()];
        all.extend_from_slice(arguments);
        let run = svmq(&all);
        assert!(
            !run.stderr().contains("panicked"),
            "svmq {arguments:?} panicked: {}",
            run.stderr()
        );
        run
    }

    /// Runs `svmq --home HOME --json arguments…`, asserts success, parses the output.
    pub fn json(&self, arguments: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(arguments);
        let run = self.run(&all).success();
        serde_json::from_str(&run.stdout())
            .unwrap_or_else(|error| panic!("svmq {arguments:?} printed no JSON ({error})"))
    }

    /// Submits a training task; returns its id.
    pub fn submit(&self, arguments: &[&str]) -> String {
        let mut all = vec!["submit"];
        all.extend_from_slice(arguments);
        let task = self.json(&all);
        assert_eq!(task["status"], "queued", "{task}");
        task["task_id"].as_str().expect("a task id").to_string()
    }

    pub fn status(&self, task_id: &str) -> Value {
        self.json(&["status", task_id])
    }

    /// Every task, by id.
    pub fn tasks(&self) -> BTreeMap<String, Value> {
        let listing = self.json(&["tasks", "--limit", "1000"]);
        listing["tasks"]
            .as_array()
            .expect("a task list")
            .iter()
            .map(|task| (task["task_id"].as_str().unwrap().to_string(), task.clone()))
            .collect()
    }

    pub fn models(&self) -> Vec<Value> {
        self.json(&["models", "list"])["models"]
            .as_array()
            .expect("a model list")
            .clone()
    }

    /// Starts `svmq worker` with the tests' short lease; its log goes to a file.
    pub fn start_worker(&self, name: &str) -> WorkerProcess {
        self.start_worker_with(
            name,
            &[
                "--max-concurrent",
                "3",
                "--lease-seconds",
                TEST_LEASE_SECONDS,
            ],
        )
    }

    /// Starts `svmq --home HOME worker ARGUMENTS…`; its log goes to a file.
    pub fn start_worker_with(&self, name: &str, arguments: &[&str]) -> WorkerProcess {
        let log_path = self.workspace.path(&format!("{name}.log"));
        let log = std::fs::File::create(&log_path).expect("the worker log can be created");
        let child = Command::new(env!("CARGO_BIN_EXE_svmq"))
            .args(["--home", self.path(), "worker"])
            .args(arguments)
            .env("SVMQ_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("the worker starts");
        WorkerProcess { child, log_path }
    }
}

/// A running `svmq worker`; killed when dropped, so a failing test leaves no process.
pub struct WorkerProcess {
    pub child: Child,
    log_path: PathBuf,
}

impl WorkerProcess {
    /// SIGKILL: the worker gets no chance to release its tasks.
    pub fn kill_hard(&mut self) {
        self.child.kill().expect("the worker can be killed");
        self.child.wait().expect("the killed worker is reaped");
    }

    /// SIGTERM, then waits (bounded) for a clean exit; returns whether it exited 0.
    #[cfg(unix)]
    pub fn terminate(&mut self) -> bool {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM could not be sent");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("the worker can be waited on") {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the worker did not stop within 30 s of SIGTERM: {}",
            self.log()
        );
    }

    /// Panics, with the worker's log, if the worker has exited.
    pub fn assert_alive(&mut self) {
        if let Some(status) = self.child.try_wait().expect("the worker can be waited on") {
            panic!("the worker exited ({status}):\n{}", self.log());
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Polls `probe` every 50 ms until it returns `Some`, or panics after `timeout` saying
/// what was awaited.
pub fn wait_for<T>(timeout: Duration, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn is_terminal(status: &str) -> bool {
    matches!(status, "completed" | "failed" | "cancelled")
}
