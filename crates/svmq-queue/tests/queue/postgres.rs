//! What only the PostgreSQL store has: migrations racing at start, models shared
//! between nodes with separate homes, wake-ups by LISTEN/NOTIFY, and workers that lose
//! their database (through a proxy the test cuts) and come back. Skipped with a printed
//! line when `SVMQ_TEST_POSTGRES_URL` is not set.

use std::io::{Read, Write};
use std::net::{Shutdown as SocketShutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use svmq_queue::{
    create_staging_dir, publish_model_dir, ModelId, NewModel, NewTask, PostgresOptions,
    PostgresStore, QueueError, Store, SubmitLimits, TaskId, TaskState,
};

use crate::support::{
    fast_config, wait_until, Backend, FakeRunner, RunningWorker, TempHome, TestStore,
};

const NO_LIMITS: SubmitLimits = SubmitLimits {
    max_open_tasks: None,
    max_open_tasks_per_user: None,
};
const PATIENCE: Duration = Duration::from_secs(20);

fn postgres(test_name: &str) -> Option<Backend> {
    Backend::postgres(test_name)
}

fn submit(store: &dyn Store, payload: serde_json::Value) -> TaskId {
    store
        .submit(&NewTask::new("fake", payload, "u"), &NO_LIMITS)
        .unwrap()
        .task_id
}

fn url_of(backend: &Backend) -> &str {
    match backend {
        Backend::Postgres(url) => url,
        Backend::Sqlite => unreachable!(),
    }
}

#[test]
fn processes_starting_together_on_a_new_schema_migrate_it_once() {
    let Some(backend) = postgres("migrations_race") else {
        return;
    };
    let test = TestStore::new(&backend, "migrations-race");
    // A schema nobody has opened yet, opened by eight "processes" at once.
    let schema = format!("svmq_test_{}", ModelId::generate());
    let opened: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let schema = schema.clone();
                let url = url_of(&backend).to_string();
                scope.spawn(move || {
                    PostgresStore::connect(
                        &url,
                        PostgresOptions {
                            schema,
                            ..PostgresOptions::default()
                        },
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    for store in &opened {
        assert!(store.is_ok(), "{:?}", store.as_ref().err());
    }
    let store = opened.into_iter().next().unwrap().unwrap();
    let id = submit(&store, json!({}));
    assert_eq!(store.get_task(&id).unwrap().state(), TaskState::Queued);
    test.execute_sql(&format!("DROP SCHEMA \"{schema}\" CASCADE"));
}

#[test]
fn a_model_published_on_one_node_is_readable_from_another() {
    let Some(backend) = postgres("model_shared") else {
        return;
    };
    let test = TestStore::new(&backend, "model-shared");
    let staging = create_staging_dir(test.home()).unwrap();
    std::fs::write(staging.join("model.json"), b"{\"weights\": [1, 2, 3]}").unwrap();
    std::fs::create_dir(staging.join("reports")).unwrap();
    // Larger than one stored chunk, and not text.
    let big: Vec<u8> = (0..(3 << 20) / 2)
        .map(|index| (index % 251) as u8)
        .collect();
    std::fs::write(staging.join("reports").join("big.bin"), &big).unwrap();
    std::fs::write(staging.join("empty"), b"").unwrap();
    let model_id = ModelId::generate();
    publish_model_dir(
        test.store.as_ref(),
        test.home(),
        &staging,
        NewModel {
            model_id: model_id.clone(),
            task_id: None,
            user_id: "alice".into(),
            metadata: json!({ "kernel": "rbf" }),
        },
    )
    .unwrap();

    let other_home = TempHome::new("model-shared-other-node");
    let other_node = test.open_node(&other_home.path);
    let record = other_node.get_model(&model_id).unwrap();
    let cached = other_home.path.join("models").join(model_id.as_str());
    assert_eq!(record.path, cached);
    assert_eq!(
        std::fs::read(cached.join("model.json")).unwrap(),
        b"{\"weights\": [1, 2, 3]}"
    );
    assert_eq!(
        std::fs::read(cached.join("reports").join("big.bin")).unwrap(),
        big
    );
    assert_eq!(std::fs::read(cached.join("empty")).unwrap(), b"");
    assert_eq!(record.metadata, json!({ "kernel": "rbf" }));
    // A second lookup uses the cache; a deleted model is gone for every node.
    assert_eq!(other_node.get_model(&model_id).unwrap(), record);
    svmq_queue::artifacts::delete_model(test.store.as_ref(), &model_id).unwrap();
    assert!(matches!(
        other_node.get_model(&model_id),
        Err(QueueError::ModelNotFound { .. })
    ));
}

#[test]
fn submits_and_cancels_wake_subscribers() {
    let Some(backend) = postgres("wake_ups") else {
        return;
    };
    let test = TestStore::new(&backend, "wake-ups");
    let listener_node = test.open_another();
    let (sender, receiver) = mpsc::channel();
    let sender = Mutex::new(sender);
    let subscription = listener_node
        .subscribe_wake_ups(Arc::new(move || {
            let _ = sender.lock().unwrap().send(Instant::now());
        }))
        .unwrap()
        .expect("PostgreSQL pushes wake-ups");
    // The subscription wakes once when it connects.
    receiver.recv_timeout(Duration::from_secs(5)).unwrap();
    while receiver.try_recv().is_ok() {}

    let submitted_at = Instant::now();
    let id = submit(test.store.as_ref(), json!({}));
    let woken_at = receiver.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(woken_at.duration_since(submitted_at) < Duration::from_secs(1));

    let worker = svmq_queue::WorkerId::generate();
    test.store
        .claim_next_task(&worker, Duration::from_secs(30), 1)
        .unwrap()
        .unwrap();
    while receiver.try_recv().is_ok() {}
    test.store.cancel_task(&id).unwrap();
    receiver.recv_timeout(Duration::from_secs(5)).unwrap();
    drop(subscription);
}

#[test]
fn an_idle_worker_is_woken_by_a_submit_before_its_next_poll() {
    let Some(backend) = postgres("worker_wake_up") else {
        return;
    };
    let test = TestStore::new(&backend, "worker-wake-up");
    let runner = FakeRunner::new();
    let mut config = fast_config(1);
    // Polling alone would start a task 250 ms after its submit on average.
    config.poll_interval = Duration::from_millis(500);
    let worker = RunningWorker::spawn(test.open_another(), runner.clone(), config);
    std::thread::sleep(Duration::from_millis(300));
    let mut delays = Vec::new();
    for _ in 0..9 {
        let id = submit(test.store.as_ref(), json!({ "steps": 1, "step_ms": 1 }));
        wait_until(PATIENCE, "the task completes", || {
            test.store.get_task(&id).unwrap().state() == TaskState::Completed
        });
        let record = test.store.get_task(&id).unwrap();
        delays.push(record.phase.started_at().unwrap() - record.created_at);
        // A pause that ends at a random point of the poll cycle.
        std::thread::sleep(Duration::from_millis(37 * delays.len() as u64 % 200));
    }
    worker.stop();
    delays.sort_unstable();
    let median = delays[delays.len() / 2];
    assert!(median < 150, "median start delay {median} ms: {delays:?}");
}

/// A TCP proxy to the database that the test can cut (every connection closed, new
/// ones refused) and restore: a database outage as the worker sees it.
struct CuttableProxy {
    port: u16,
    open: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<TcpStream>>>,
    stop: Arc<AtomicBool>,
}

impl CuttableProxy {
    fn start(target: &str) -> CuttableProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = Arc::new(AtomicBool::new(true));
        let connections: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (target, flag, all, stopped) = (
            target.to_string(),
            open.clone(),
            connections.clone(),
            stop.clone(),
        );
        std::thread::spawn(move || {
            while !stopped.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        if !flag.load(Ordering::SeqCst) {
                            drop(client);
                            continue;
                        }
                        client.set_nonblocking(false).unwrap();
                        let Ok(server) = TcpStream::connect(&target) else {
                            continue;
                        };
                        let mut registry = all.lock().unwrap();
                        registry.push(client.try_clone().unwrap());
                        registry.push(server.try_clone().unwrap());
                        pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                        pipe(server, client);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        CuttableProxy {
            port,
            open,
            connections,
            stop,
        }
    }

    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for stream in self.connections.lock().unwrap().drain(..) {
            let _ = stream.shutdown(SocketShutdown::Both);
        }
    }

    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.cut();
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buffer = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(read) => {
                    if to.write_all(&buffer[..read]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(SocketShutdown::Both);
    });
}

/// The test's server as `host:port`, and a URL to the same database through `port`.
fn through_proxy(url: &str, port: u16) -> (String, String) {
    let config: postgres::Config = url.parse().unwrap();
    let host = match &config.get_hosts()[0] {
        postgres::config::Host::Tcp(host) => host.clone(),
        #[allow(unreachable_patterns)]
        _ => "127.0.0.1".to_string(),
    };
    let target = format!(
        "{host}:{}",
        config.get_ports().first().copied().unwrap_or(5432)
    );
    let user = config.get_user().unwrap_or("postgres");
    let database = config.get_dbname().unwrap_or(user);
    (
        target,
        format!("postgres://{user}@127.0.0.1:{port}/{database}"),
    )
}

fn store_through(url: &str, schema: &str) -> Arc<dyn Store> {
    Arc::new(
        PostgresStore::connect(
            url,
            PostgresOptions {
                schema: schema.to_string(),
                ..PostgresOptions::default()
            },
        )
        .unwrap(),
    )
}

#[test]
fn a_worker_that_loses_its_database_finishes_its_task_once_when_it_returns() {
    let Some(backend) = postgres("outage_then_return") else {
        return;
    };
    let test = TestStore::new(&backend, "outage-then-return");
    let schema = test.schema.clone().unwrap();
    let (target, _) = through_proxy(url_of(&backend), 0);
    let proxy = CuttableProxy::start(&target);
    let (_, proxied_url) = through_proxy(url_of(&backend), proxy.port);
    let runner = FakeRunner::new();
    let worker = RunningWorker::spawn(
        store_through(&proxied_url, &schema),
        runner.clone(),
        fast_config(1),
    );
    let id = submit(test.store.as_ref(), json!({ "steps": 40, "step_ms": 10 }));
    wait_until(PATIENCE, "the task runs", || runner.running() == 1);

    // The database disappears while the task runs and until well after it ends: the
    // final write fails and must be retried, once, when the database is back.
    proxy.cut();
    wait_until(PATIENCE, "the runner returns", || runner.runs().len() == 1);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        test.store.get_task(&id).unwrap().state(),
        TaskState::Running
    );
    proxy.restore();
    wait_until(PATIENCE, "the task is completed", || {
        test.store.get_task(&id).unwrap().state() == TaskState::Completed
    });
    // The worker reconnected and goes on working.
    let next = submit(test.store.as_ref(), json!({ "steps": 1 }));
    wait_until(PATIENCE, "the next task is completed", || {
        test.store.get_task(&next).unwrap().state() == TaskState::Completed
    });
    let report = worker.stop();
    assert_eq!((report.completed, report.lost), (2, 0), "{report:?}");
    assert_eq!(runner.runs().len(), 2);
    assert_eq!(test.store.get_task(&id).unwrap().attempts, 1);
}

#[test]
fn a_worker_cut_off_past_its_lease_gives_up_its_task_to_another_and_writes_nothing() {
    let Some(backend) = postgres("outage_past_lease") else {
        return;
    };
    let test = TestStore::new(&backend, "outage-past-lease");
    let schema = test.schema.clone().unwrap();
    let (target, _) = through_proxy(url_of(&backend), 0);
    let proxy = CuttableProxy::start(&target);
    let (_, proxied_url) = through_proxy(url_of(&backend), proxy.port);
    let cut_off_runner = FakeRunner::new();
    let mut short_lease = fast_config(1);
    short_lease.lease_duration = Duration::from_millis(600);
    let cut_off = RunningWorker::spawn(
        store_through(&proxied_url, &schema),
        cut_off_runner.clone(),
        short_lease,
    );
    let id = submit(test.store.as_ref(), json!({ "steps": 150, "step_ms": 10 }));
    wait_until(PATIENCE, "the task runs", || cut_off_runner.running() == 1);
    proxy.cut();

    // Another machine's worker takes the task over once the lease (600 ms) expires.
    let rescuer_runner = FakeRunner::new();
    let rescuer = RunningWorker::spawn(test.open_another(), rescuer_runner.clone(), fast_config(1));
    wait_until(
        PATIENCE,
        "the task is completed by the other worker",
        || test.store.get_task(&id).unwrap().state() == TaskState::Completed,
    );
    proxy.restore();
    wait_until(PATIENCE, "the cut-off runner ends", || {
        cut_off_runner.runs().len() == 1
    });
    let cut_off_report = cut_off.stop();
    let rescuer_report = rescuer.stop();
    assert_eq!(rescuer_report.completed, 1);
    assert_eq!(cut_off_report.completed, 0, "{cut_off_report:?}");
    assert_eq!(cut_off_report.lost, 1, "{cut_off_report:?}");
    let record = test.store.get_task(&id).unwrap();
    assert_eq!(record.attempts, 2);
    assert_eq!(record.state(), TaskState::Completed);
}
