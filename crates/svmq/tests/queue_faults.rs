//! Faults of the queue through the real binary: a worker frozen past its lease, and
//! requests that once broke the queue for every user.
//!
//! What belongs here: a worker process under SIGSTOP / SIGCONT and hostile numbers at
//! the CLI. Damaged rows read back from the store are tested on both stores in the
//! queue crate (`hostile_rows`); the ordinary lifecycle is in `queue_end_to_end`.

mod support;

use std::process::Command;
use std::time::Duration;
use support::queue_home::{example, wait_for, Home, QUEUE_TIMEOUT};

/// The lease of the workers here: a frozen worker loses its task this soon.
const LEASE_SECONDS: &str = "2";

fn signal(pid: u32, name: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "SIG{name} could not be sent");
}

fn running_count(home: &Home) -> u64 {
    home.json(&["queue"])["running"].as_u64().expect("a count")
}

/// A worker frozen with SIGSTOP past its lease and thawed stops its training and
/// records nothing; the other worker's run is the one that counts, the concurrency
/// limit (1 here, across both workers) is never exceeded, and the task ends with
/// exactly one model.
#[cfg(unix)]
#[test]
fn a_worker_frozen_past_its_lease_stops_and_records_nothing() {
    let home = Home::new("queue-frozen-worker");
    std::fs::create_dir_all(&home.directory).unwrap();
    std::fs::write(
        home.directory.join("svmq.toml"),
        "[queue]\nmax_concurrent = 1\n",
    )
    .unwrap();
    let worker_arguments = ["--max-concurrent", "1", "--lease-seconds", LEASE_SECONDS];
    let mut frozen = home.start_worker_with("frozen", &worker_arguments);
    let task_id = home.submit(&[
        &example("digits.csv"),
        "--target",
        "digit",
        "--trials",
        "40",
    ]);
    wait_for(QUEUE_TIMEOUT, "the task to run on the first worker", || {
        frozen.assert_alive();
        (home.status(&task_id)["status"] == "running").then_some(())
    });
    signal(frozen.child.id(), "STOP");
    let mut other = home.start_worker_with("other", &worker_arguments);
    // The other worker takes the task over once the frozen worker's lease expires.
    wait_for(QUEUE_TIMEOUT, "the second attempt to start", || {
        other.assert_alive();
        assert!(
            running_count(&home) <= 1,
            "the concurrency limit was exceeded"
        );
        let task = home.status(&task_id);
        (task["status"] == "running" && task["attempts"] == 2).then_some(())
    });
    signal(frozen.child.id(), "CONT");
    let finished = wait_for(QUEUE_TIMEOUT, "the task to finish", || {
        assert!(
            running_count(&home) <= 1,
            "the concurrency limit was exceeded"
        );
        let task = home.status(&task_id);
        support::queue_home::is_terminal(task["status"].as_str().unwrap()).then_some(task)
    });
    assert_eq!(
        finished["status"],
        "completed",
        "{finished}\n{}",
        other.log()
    );
    wait_for(
        Duration::from_secs(30),
        "the thawed worker to give up",
        || {
            frozen.assert_alive();
            frozen.log().contains("lost the lease").then_some(())
        },
    );
    let models: Vec<_> = home
        .models()
        .into_iter()
        .filter(|model| model["task_id"] == task_id.as_str())
        .collect();
    assert_eq!(models.len(), 1, "one model for the task: {models:?}");
    assert_eq!(models[0]["model_id"], finished["model_id"]);
    let directories = std::fs::read_dir(home.directory.join("models"))
        .unwrap()
        .filter(|entry| {
            !entry
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.')
        })
        .count();
    assert_eq!(directories, 1, "only the completed run's model is on disk");
}

/// Regression: `svmq submit … --timeout 18446744073709551615` stored the task and then
/// panicked every reader of the queue, for every user, across restarts.
#[test]
fn a_timeout_beyond_thirty_days_is_refused_and_the_queue_goes_on() {
    let home = Home::new("queue-hostile-timeout");
    for hostile in [
        "18446744073709551615",
        "9223372036854775807",
        "2592001",
        "0",
        "-1",
    ] {
        let refused = home
            .run(&[
                "submit",
                &example("iris.csv"),
                "--target",
                "species",
                &format!("--timeout={hostile}"),
            ])
            .failure();
        assert!(
            refused.stderr().contains("--timeout"),
            "{hostile}: {}",
            refused.stderr()
        );
    }
    let accepted = home.submit(&[
        &example("iris.csv"),
        "--target",
        "species",
        "--timeout",
        "2592000",
    ]);
    let tasks = home.tasks();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[&accepted]["status"], "queued");
}
