//! The durable queue end to end, through the real binary: one store in a temporary home,
//! `svmq worker` as a child process, the queue commands as separate processes.
//!
//! What belongs here: what needs the real binary and a worker process — recovery after
//! `kill -9`, cancel reaching a running training, the queue commands' answers to bad
//! input and to a damaged store. The queue's own rules (limits, FIFO, leases, retries)
//! are tested with a fake runner in the queue crate; bad input of the LIBSVM tools is in
//! `cli_errors`.
//!
//! Every wait is bounded and polls the store through the CLI, so a slow machine makes
//! the tests slower, never flaky in their verdicts.

mod support;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use support::queue_home::{example, is_terminal, wait_for, Home, CANCEL_TIMEOUT, QUEUE_TIMEOUT};

/// How many rows of data a prediction of `data` answers.
fn prediction_count(home: &Home, model_id: &str, data: &str) -> usize {
    let predictions = home.json(&["predict", model_id, data]);
    assert_eq!(predictions["model_id"], model_id);
    predictions["predictions"]
        .as_array()
        .expect("a prediction list")
        .len()
}

#[test]
fn killed_worker_tasks_run_again_and_each_completes_with_one_model() {
    let home = Home::new("queue-kill-9");
    let iris = example("iris.csv");
    let breast_cancer = example("breast_cancer.csv");
    let mut first_worker = home.start_worker("first-worker");

    // A dozen tasks, most of them long enough (a noticeable fraction of a second, three
    // sharing the cores) that the kill below lands while some train. Seeds differ so the
    // models do.
    let mut data_of_task = BTreeMap::new();
    for index in 0..12 {
        let seed = index.to_string();
        let (data, target, trials) = if index % 3 == 2 {
            (&iris, "species", "60")
        } else {
            (&breast_cancer, "diagnosis", "100")
        };
        let task_id = home.submit(&[
            data, "--target", target, "--trials", trials, "--seed", &seed,
        ]);
        data_of_task.insert(task_id, data.clone());
    }

    // Kill -9 while tasks run. The tasks still `running` just after the kill are the
    // ones the dead worker was training: their leases stay in the store until they expire.
    wait_for(QUEUE_TIMEOUT, "a running task", || {
        let tasks = home.tasks();
        tasks
            .values()
            .any(|task| task["status"] == "running")
            .then_some(())
    });
    first_worker.kill_hard();
    let interrupted: BTreeSet<String> = home
        .tasks()
        .into_iter()
        .filter(|(_, task)| task["status"] == "running")
        .map(|(id, _)| id)
        .collect();
    assert!(
        !interrupted.is_empty(),
        "the kill interrupted a task: {}",
        first_worker.log()
    );

    let mut second_worker = home.start_worker("second-worker");
    let tasks = wait_for(QUEUE_TIMEOUT, "every task to finish", || {
        let tasks = home.tasks();
        tasks
            .values()
            .all(|task| is_terminal(task["status"].as_str().unwrap_or("")))
            .then_some(tasks)
    });
    let logs = || format!("{}\n{}", first_worker.log(), second_worker.log());

    // Every task completed, once: one distinct model each, registered for that task.
    assert_eq!(tasks.len(), 12);
    let mut model_of_task = BTreeMap::new();
    for (task_id, task) in &tasks {
        assert_eq!(task["status"], "completed", "{task}\n{}", logs());
        let model_id = task["model_id"].as_str().expect("a completed task's model");
        model_of_task.insert(task_id.clone(), model_id.to_string());
    }
    let distinct: BTreeSet<&String> = model_of_task.values().collect();
    assert_eq!(
        distinct.len(),
        12,
        "model ids are distinct: {model_of_task:?}"
    );
    let models = home.models();
    assert_eq!(models.len(), 12, "exactly one model per task: {models:?}");
    for model in &models {
        let task_id = model["task_id"]
            .as_str()
            .expect("a model trained by a task");
        assert_eq!(
            model_of_task.get(task_id).map(String::as_str),
            model["model_id"].as_str(),
            "the registry and the task agree on the model of {task_id}"
        );
    }

    // Each interrupted task was claimed a second time, after its lease expired.
    for task_id in &interrupted {
        assert_eq!(tasks[task_id]["attempts"], 2, "{}", tasks[task_id]);
        let log = home.json(&["logs", task_id]);
        assert!(
            log.to_string().contains("queued again"),
            "the log of a recovered task says so: {log}"
        );
    }

    // Nothing is left running, and every model loads and predicts.
    let queue = home.json(&["queue"]);
    assert_eq!(queue["running"], 0, "{queue}");
    assert_eq!(queue["queued"], 0, "{queue}");
    assert_eq!(queue["completed"], 12, "{queue}");
    for (task_id, model_id) in &model_of_task {
        let expected_rows = if data_of_task[task_id] == iris {
            150
        } else {
            569
        };
        assert_eq!(
            prediction_count(&home, model_id, &data_of_task[task_id]),
            expected_rows
        );
    }

    // A finished task cannot be cancelled.
    let (task_id, _) = model_of_task.iter().next().unwrap();
    let refused = home.run(&["cancel", task_id]);
    assert_eq!(refused.code(), Some(1), "{}", refused.stderr());
    assert!(
        refused.stderr().contains("already finished"),
        "{}",
        refused.stderr()
    );
    assert_eq!(home.status(task_id)["status"], "completed");

    #[cfg(unix)]
    assert!(
        second_worker.terminate(),
        "the worker exits cleanly on SIGTERM: {}",
        second_worker.log()
    );
}

#[test]
fn cancel_of_a_queued_task_is_immediate() {
    let home = Home::new("queue-cancel-queued");
    let task_id = home.submit(&[&example("iris.csv"), "--target", "species"]);
    let cancel = home.run(&["cancel", &task_id]).success();
    assert!(cancel.stdout().contains("cancelled"), "{}", cancel.stdout());
    let task = home.status(&task_id);
    assert_eq!(task["status"], "cancelled", "{task}");
    assert_eq!(task["model_id"], Value::Null);

    // Cancelled is final: a second cancel is refused and changes nothing.
    let again = home.run(&["cancel", &task_id]);
    assert_eq!(again.code(), Some(1), "{}", again.stderr());
    assert!(
        again.stderr().contains("already finished"),
        "{}",
        again.stderr()
    );
    assert_eq!(home.status(&task_id)["status"], "cancelled");
    assert_eq!(home.json(&["queue"])["cancelled"], 1);

    // A script waiting on the task learns that it did not complete; asking once is no
    // failure.
    let watched = home.run(&["status", &task_id, "--watch"]);
    assert_eq!(watched.code(), Some(1), "{}", watched.stderr());
    assert!(
        watched.stdout().contains("cancelled"),
        "{}",
        watched.stdout()
    );
    assert_eq!(home.run(&["status", &task_id]).code(), Some(0));
}

/// The model directories under `<home>/models`, counting unfinished (staging) ones.
fn model_directories(home: &Home) -> Vec<PathBuf> {
    let models = home.directory.join("models");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&models).into_iter().flatten().flatten() {
        if entry.file_name() == ".staging" {
            found.extend(
                std::fs::read_dir(entry.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|staged| staged.path()),
            );
        } else {
            found.push(entry.path());
        }
    }
    found
}

/// Regression: `svmq worker` and the first `svmq submit` started together on a new home
/// both created the store, and the one that lost SQLite's race to switch the new file to
/// WAL mode exited with "database is locked"; when that was the worker, its task stayed
/// queued until the test gave up. Here a worker and four submits start at once on a
/// new home, five times: all of them open the store, and the worker runs a task.
#[test]
fn a_worker_and_submits_starting_together_on_a_new_home_all_open_it() {
    for round in 0..5 {
        let home = Home::new(&format!("queue-new-home-{round}"));
        let mut worker = home.start_worker("worker");
        let iris = example("iris.csv");
        let submits: Vec<std::process::Child> = (0..4)
            .map(|_| {
                std::process::Command::new(env!("CARGO_BIN_EXE_svmq"))
                    .args(["--home", home.path(), "--json", "submit", &iris])
                    .args(["--target", "species", "--trials", "2", "--folds", "2"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("svmq submit starts")
            })
            .collect();
        for submit in submits {
            let output = submit.wait_with_output().expect("svmq submit runs");
            assert!(
                output.status.success(),
                "round {round}: svmq submit failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        wait_for(QUEUE_TIMEOUT, "the worker to run a task", || {
            worker.assert_alive();
            let tasks = home.tasks();
            tasks
                .values()
                .any(|task| task["status"] != "queued")
                .then_some(())
        });
    }
}

#[test]
fn cancel_of_a_running_task_stops_it_and_leaves_no_model() {
    let home = Home::new("queue-cancel-running");
    let worker = home.start_worker("worker");
    // A thousand trials on the digits: this one trains far longer than the test waits.
    let task_id = home.submit(&[
        &example("digits.csv"),
        "--target",
        "digit",
        "--trials",
        "1000",
    ]);
    let mut worker = worker;
    let started = Instant::now();
    loop {
        let task = home.status(&task_id);
        assert!(!is_terminal(task["status"].as_str().unwrap()), "{task}");
        if task["status"] == "running" {
            break;
        }
        worker.assert_alive();
        assert!(
            started.elapsed() < QUEUE_TIMEOUT,
            "timed out after {QUEUE_TIMEOUT:?} waiting for the task to train: {task}\nworker log:\n{}",
            worker.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let asked = Instant::now();
    let cancel = home.run(&["cancel", &task_id]).success();
    assert!(
        cancel.stdout().contains("stop requested"),
        "{}",
        cancel.stdout()
    );
    let task = wait_for(QUEUE_TIMEOUT, "the task to stop", || {
        let task = home.status(&task_id);
        is_terminal(task["status"].as_str().unwrap()).then_some(task)
    });
    let took = asked.elapsed();
    assert_eq!(task["status"], "cancelled", "{task}\n{}", worker.log());
    // It looks finished: no message about a run that no longer runs ("… s left").
    assert_eq!(task["progress_message"], Value::Null, "{task}");
    assert_eq!(task["eta_seconds"], Value::Null, "{task}");
    let line = home.run(&["status", &task_id]).success().stdout();
    assert!(!line.contains("left"), "{line}");
    // Its log on a pipe has no terminal colour codes.
    assert!(!worker.log().contains('\u{1b}'), "{}", worker.log());
    assert!(
        took <= CANCEL_TIMEOUT,
        "cancelled after {took:?}, more than {CANCEL_TIMEOUT:?}"
    );
    assert_eq!(task["model_id"], Value::Null, "{task}");
    assert!(
        home.models().is_empty(),
        "a cancelled task registers no model"
    );
    assert_eq!(model_directories(&home), Vec::<PathBuf>::new());

    // Its slot is free again: the next task runs and completes.
    let next = home.submit(&[
        &example("iris.csv"),
        "--target",
        "species",
        "--trials",
        "10",
    ]);
    let finished = wait_for(QUEUE_TIMEOUT, "the next task to finish", || {
        let task = home.status(&next);
        is_terminal(task["status"].as_str().unwrap()).then_some(task)
    });
    assert_eq!(
        finished["status"],
        "completed",
        "{finished}\n{}",
        worker.log()
    );
    assert_eq!(home.models().len(), 1);
}

#[test]
fn bad_ids_and_arguments_get_clear_errors_and_exit_codes() {
    let home = Home::new("queue-bad-ids");
    // Create the store, so "unknown" is about the id and not a missing database.
    home.run(&["queue"]).success();
    let unknown = "0123456789abcdef0123456789abcdef";
    for command in ["status", "cancel", "logs"] {
        let run = home.run(&[command, unknown]);
        assert_eq!(run.code(), Some(1), "{command}: {}", run.stderr());
        assert!(
            run.stderr().contains("unknown task id"),
            "{command}: {}",
            run.stderr()
        );
    }
    for malformed in ["not-a-task", "0123", "0123456789ABCDEF0123456789abcdeg", ""] {
        for command in ["status", "cancel", "logs"] {
            let run = home.run(&[command, malformed]);
            assert_eq!(
                run.code(),
                Some(2),
                "{command} {malformed:?}: {}",
                run.stderr()
            );
            assert!(
                run.stderr().contains("is not a task id"),
                "{command} {malformed:?}: {}",
                run.stderr()
            );
        }
    }
    let unknown_status = home.run(&["tasks", "--status", "sleeping"]);
    assert_eq!(
        unknown_status.code(),
        Some(2),
        "{}",
        unknown_status.stderr()
    );
    assert!(unknown_status.stderr().contains("unknown status"));
    for arguments in [
        ["worker", "--max-concurrent", "0"],
        ["worker", "--lease-seconds", "0"],
    ] {
        let run = home.run(&arguments);
        assert_eq!(run.code(), Some(2), "{arguments:?}: {}", run.stderr());
        assert!(
            run.stderr().contains("--"),
            "{arguments:?}: {}",
            run.stderr()
        );
    }
    // None of it wrote a task.
    assert_eq!(home.json(&["queue"])["total"], 0);
}

#[test]
fn a_corrupted_store_file_is_reported_and_left_unchanged() {
    let home = Home::new("queue-corrupt");
    std::fs::create_dir_all(&home.directory).unwrap();
    let database = home.directory.join("queue.sqlite3");
    // Deterministic garbage (a linear congruential sequence), larger than a page.
    let mut state: u32 = 12_345;
    let garbage: Vec<u8> = (0..16_384)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 16) as u8
        })
        .collect();
    std::fs::write(&database, &garbage).unwrap();

    let iris = example("iris.csv");
    let commands: [&[&str]; 4] = [
        &["queue"],
        &["tasks"],
        &["status", "0123456789abcdef0123456789abcdef"],
        &["submit", &iris, "--target", "species"],
    ];
    for arguments in commands {
        let run = home.run(arguments);
        assert_eq!(run.code(), Some(1), "{arguments:?}: {}", run.stderr());
        assert!(
            run.stderr().contains("not a valid svmq database"),
            "{arguments:?}: {}",
            run.stderr()
        );
        assert!(
            std::fs::read(&database).unwrap() == garbage,
            "{arguments:?} changed the damaged store file"
        );
    }
}

/// `svmq submit --drop/--keep`: the overrides travel in the queued request, and the
/// task's result names every column's role.
#[test]
fn submitted_column_overrides_reach_the_worker() {
    let home = Home::new("queue-column-overrides");
    let data = home.workspace.path("orders.csv");
    let mut text = String::from("id,width,height,label\n");
    for row in 0..60 {
        let label = if row % 2 == 0 { "a" } else { "b" };
        text.push_str(&format!(
            "{},{}.5,{}.25,{label}\n",
            row + 1,
            row % 2 * 10 + row % 3,
            row % 5
        ));
    }
    std::fs::write(&data, text).unwrap();
    let task_id = home.submit(&[
        data.to_str().unwrap(),
        "--no-optimize",
        "--drop",
        "height",
        "--keep",
        "id",
    ]);
    let mut worker = home.start_worker("overrides-worker");
    let task = wait_for(QUEUE_TIMEOUT, "the task to finish", || {
        let task = home.status(&task_id);
        is_terminal(task["status"].as_str().unwrap_or("")).then_some(task)
    });
    assert_eq!(task["status"], "completed", "{task}");
    let columns = &task["result"]["summary"]["columns"];
    assert_eq!(columns["id"]["role"], "feature", "{task}");
    assert_eq!(columns["id"]["on_request"], true);
    assert_eq!(columns["height"]["role"], "excluded");
    assert_eq!(columns["width"]["role"], "feature");
    #[cfg(unix)]
    assert!(worker.terminate(), "{}", worker.log());
    #[cfg(not(unix))]
    worker.kill_hard();
}

#[test]
fn a_worker_asked_for_json_logs_writes_only_json_lines() {
    let home = Home::new("queue-json-logs");
    let mut worker = home.start_worker_with("json", &["--log-format", "json"]);
    let started = wait_for(QUEUE_TIMEOUT, "the worker's first log line", || {
        let log = worker.log();
        log.contains("started").then_some(log)
    });
    assert!(worker.terminate(), "{}", worker.log());
    let log = worker.log();
    assert!(log.contains("stopped"), "{log}");
    for line in log.lines() {
        let event: Value = serde_json::from_str(line)
            .unwrap_or_else(|error| panic!("not a JSON line ({error}): {line}\n{log}"));
        assert!(event["level"].is_string(), "{line}");
        assert!(event["fields"]["message"].is_string(), "{line}");
    }
    assert!(started.contains("\"level\":\"INFO\""), "{started}");
}
