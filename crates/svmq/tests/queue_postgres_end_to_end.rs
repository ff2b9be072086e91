//! Many machines on one PostgreSQL, through the real binary: three `svmq worker`
//! processes, each with its own home (as on three machines), share a database made for
//! the test; thirty small trainings are submitted from a fourth home; one worker is
//! killed with `kill -9` while it trains. Every task must end `completed` exactly once,
//! with one model each, predictable from a node that trained none of them, and the
//! global limit must hold across the three workers.
//!
//! Needs `SVMQ_TEST_POSTGRES_URL` (a role that may create databases); skipped with a
//! printed line without it, failed instead when `SVMQ_REQUIRE_ORACLES=1`.

mod support;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{svmq, Workspace};

const TASKS: usize = 30;
/// The global limit every worker is started with.
const GLOBAL_LIMIT: usize = 2;
const LEASE_SECONDS: &str = "3";
const QUEUE_TIMEOUT: Duration = Duration::from_secs(240);

fn server_url() -> Option<String> {
    match std::env::var("SVMQ_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("SVMQ_REQUIRE_ORACLES").as_deref() != Ok("1"),
                "SVMQ_TEST_POSTGRES_URL is not set and SVMQ_REQUIRE_ORACLES=1"
            );
            eprintln!(
                "skipping: the PostgreSQL end-to-end test (SVMQ_TEST_POSTGRES_URL is not set)"
            );
            None
        }
    }
}

/// A database of its own on the test server, dropped at the end.
struct TestDatabase {
    server_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    fn create(server_url: &str) -> TestDatabase {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos();
        let name = format!("svmq_e2e_{}_{nanos}", std::process::id());
        let mut client = postgres::Client::connect(server_url, postgres::NoTls)
            .expect("the test server is reachable");
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("the test role may create databases");
        let mut config: postgres::Config = server_url.parse().unwrap();
        config.dbname(&name);
        let host = match &config.get_hosts()[0] {
            postgres::config::Host::Tcp(host) => host.clone(),
            #[allow(unreachable_patterns)]
            _ => "127.0.0.1".to_string(),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let user = config.get_user().unwrap_or("postgres").to_string();
        let url = format!("postgres://{user}@{host}:{port}/{name}");
        TestDatabase {
            server_url: server_url.to_string(),
            name,
            url,
        }
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.server_url, postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// One node: a home of its own, on the shared database.
struct Node {
    home: PathBuf,
    database: String,
}

impl Node {
    fn json(&self, arguments: &[&str]) -> Value {
        let mut all = vec![
            "--home",
            self.home.to_str().unwrap(),
            "--database",
            &self.database,
            "--json",
        ];
        all.extend_from_slice(arguments);
        let run = svmq(&all);
        assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
        let run = run.success();
        serde_json::from_str(&run.stdout())
            .unwrap_or_else(|error| panic!("svmq {arguments:?} printed no JSON ({error})"))
    }

    fn tasks(&self) -> BTreeMap<String, Value> {
        self.json(&["tasks", "--limit", "1000"])["tasks"]
            .as_array()
            .expect("a task list")
            .iter()
            .map(|task| (task["task_id"].as_str().unwrap().to_string(), task.clone()))
            .collect()
    }

    fn start_worker(&self, log: &Path) -> Child {
        Command::new(env!("CARGO_BIN_EXE_svmq"))
            .args(["--home", self.home.to_str().unwrap()])
            .args(["--database", &self.database, "worker"])
            .args(["--max-concurrent", &GLOBAL_LIMIT.to_string()])
            .args(["--lease-seconds", LEASE_SECONDS])
            .env("SVMQ_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .expect("the worker starts")
    }
}

/// Kills the workers left when the test ends, whatever happened.
struct Workers(Vec<Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + QUEUE_TIMEOUT;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Most intervals `[start, end)` open at one instant (an end at t frees its slot before
/// a start at t).
fn max_overlap(intervals: &[(i64, i64)]) -> usize {
    let mut events: Vec<(i64, i32)> = intervals
        .iter()
        .flat_map(|&(start, end)| [(start, 1), (end, -1)])
        .collect();
    events.sort();
    let (mut open, mut most) = (0i32, 0i32);
    for (_, change) in events {
        open += change;
        most = most.max(open);
    }
    most as usize
}

#[test]
fn overlap_counts_touching_intervals_as_sequential() {
    assert_eq!(max_overlap(&[(0, 10), (10, 20)]), 1);
    assert_eq!(max_overlap(&[(0, 10), (5, 20), (6, 7)]), 3);
    assert_eq!(max_overlap(&[]), 0);
}

#[test]
fn three_workers_on_one_database_complete_every_task_once_despite_a_kill() {
    let Some(server) = server_url() else {
        return;
    };
    let database = TestDatabase::create(&server);
    let workspace = Workspace::new("queue-postgres");
    let node = |name: &str| Node {
        home: workspace.path(name),
        database: database.url.clone(),
    };
    let nodes: Vec<Node> = (0..3).map(|index| node(&format!("node-{index}"))).collect();
    let submitter = node("submitter");
    let reader = node("reader");
    let iris = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/iris.csv")
        .canonicalize()
        .unwrap();
    let iris = iris.to_str().unwrap();

    let mut workers = Workers(
        nodes
            .iter()
            .enumerate()
            .map(|(index, node)| node.start_worker(&workspace.path(&format!("worker-{index}.log"))))
            .collect(),
    );
    let mut task_ids = Vec::new();
    for index in 0..TASKS {
        let seed = index.to_string();
        let task = submitter.json(&[
            "submit", iris, "--target", "species", "--trials", "8", "--seed", &seed,
        ]);
        task_ids.push(task["task_id"].as_str().unwrap().to_string());
    }

    // Kill -9 a worker process while it trains: find it by its pid in the workers
    // table, through the lease owner of a running task.
    let mut client = database.client();
    let (victim_pid, interrupted) = wait_for("a task running under a worker", || {
        let row = client
            .query_opt(
                "SELECT w.pid, t.id FROM svmq.tasks t JOIN svmq.workers w ON w.id = t.lease_owner
                 WHERE t.state = 'running' LIMIT 1",
                &[],
            )
            .unwrap()?;
        Some((row.get::<_, i64>(0) as u32, row.get::<_, String>(1)))
    });
    let victim = workers
        .0
        .iter_mut()
        .find(|child| child.id() == victim_pid)
        .expect("the lease owner is one of the test's workers");
    victim.kill().unwrap();
    victim.wait().unwrap();
    let still_running: BTreeSet<String> = client
        .query(
            "SELECT id FROM svmq.tasks WHERE state = 'running' AND lease_owner IN
                 (SELECT id FROM svmq.workers WHERE pid = $1)",
            &[&i64::from(victim_pid)],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(
        still_running.contains(&interrupted),
        "the kill landed while the task ran"
    );

    let tasks = wait_for("every task to finish", || {
        let tasks = submitter.tasks();
        tasks
            .values()
            .all(|task| {
                matches!(
                    task["status"].as_str(),
                    Some("completed" | "failed" | "cancelled")
                )
            })
            .then_some(tasks)
    });
    assert_eq!(
        tasks.keys().cloned().collect::<BTreeSet<_>>(),
        task_ids.iter().cloned().collect::<BTreeSet<_>>()
    );
    for (id, task) in &tasks {
        assert_eq!(task["status"], "completed", "task {id}: {task}");
    }
    for id in &still_running {
        assert_eq!(
            tasks[id]["attempts"], 2,
            "the killed worker's task ran again"
        );
    }

    // One model per task, each predictable from a node that trained none.
    let models = reader.json(&["models", "list"])["models"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(models.len(), TASKS, "exactly one model per task");
    let model_ids: BTreeSet<String> = tasks
        .values()
        .map(|task| task["model_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(model_ids.len(), TASKS);
    for model_id in &model_ids {
        let predictions = reader.json(&["predict", model_id, "--values", "[5.1, 3.5, 1.4, 0.2]"]);
        assert_eq!(predictions["model_id"], model_id.as_str(), "{predictions}");
        assert!(reader.home.join("models").join(model_id).is_dir());
    }

    // The global limit, from the database's own start and end times of each task's
    // final attempt.
    let intervals: Vec<(i64, i64)> = tasks
        .values()
        .map(|task| {
            (
                task["started_at"].as_i64().unwrap(),
                task["finished_at"].as_i64().unwrap(),
            )
        })
        .collect();
    let most = max_overlap(&intervals);
    eprintln!("observed max concurrency: {most} (global limit {GLOBAL_LIMIT}, 3 workers)");
    assert!(most <= GLOBAL_LIMIT, "{most} tasks ran at once");
    assert!(
        most >= 2,
        "tasks never overlapped; the limit was not exercised"
    );

    drop(client);
    drop(workers);
}
