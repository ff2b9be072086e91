//! `<home>/svmq.toml` gives defaults below the flags; a mistake in it is refused with
//! its line, never half-read. Without `--home` or `SVMQ_HOME`, the home is `svmq-data`
//! in the working directory.

mod support;

use support::{svmq, Workspace};

fn examples(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn home_with(workspace: &Workspace, config: &str) -> String {
    let home = workspace.path("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("svmq.toml"), config).unwrap();
    home.to_str().unwrap().to_string()
}

#[test]
fn configured_limits_refuse_trials_and_rows() {
    let workspace = Workspace::new("config-limits");
    let home = home_with(&workspace, "[limits]\nmax_trials = 10\nmax_rows = 100\n");
    let iris = examples("iris.csv");
    let too_many_trials = svmq(&[
        "--home", &home, "train", &iris, "--target", "species", "--trials", "20",
    ]);
    assert_eq!(
        too_many_trials.code(),
        Some(2),
        "{}",
        too_many_trials.stderr()
    );
    assert!(too_many_trials.stderr().contains("between 1 and 10"));

    // iris has 150 rows: more than the configured 100.
    let too_many_rows = svmq(&[
        "--home", &home, "train", &iris, "--target", "species", "--trials", "2",
    ]);
    assert_eq!(too_many_rows.code(), Some(1), "{}", too_many_rows.stderr());
    assert!(
        too_many_rows.stderr().contains("limit of 100 data rows"),
        "{}",
        too_many_rows.stderr()
    );
}

/// Issue 14: a 1.5 MB .xlsx expanding to 1.5 GiB took 25 s and 4.8 GB to validate,
/// and a target of 10 000 classes ran out of memory while "reading data".
#[test]
fn configured_read_limits_refuse_xlsx_bombs_long_fields_and_too_many_classes() {
    let workspace = Workspace::new("config-read-limits");
    let workbook = format!(
        "{}/../svmq-data/tests/data/small.xlsx",
        env!("CARGO_MANIFEST_DIR")
    );
    let home = home_with(&workspace, "[limits]\nmax_decompressed_bytes = 1000\n");
    let run = svmq(&["--home", &home, "validate", &workbook]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert!(
        run.stderr().contains("more than the limit of 1000 bytes"),
        "{}",
        run.stderr()
    );
    let run = svmq(&["--home", &home, "train", &workbook, "--trials", "2"]);
    assert!(
        run.stderr().contains("more than the limit of 1000 bytes"),
        "{}",
        run.stderr()
    );

    let home = home_with(&workspace, "[limits]\nmax_field_bytes = 3\n");
    let run = svmq(&["--home", &home, "validate", &examples("iris.csv")]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert!(
        run.stderr().contains("line 1, column 1"),
        "{}",
        run.stderr()
    );

    let home = home_with(&workspace, "[limits]\nmax_classes = 2\n");
    let iris = examples("iris.csv");
    let run = svmq(&["--home", &home, "validate", &iris, "--target", "species"]);
    assert_eq!(run.code(), Some(1), "{}", run.stdout());
    assert!(
        run.stdout().contains("more than 2 classes"),
        "{}",
        run.stdout()
    );
    let run = svmq(&[
        "--home", &home, "train", &iris, "--target", "species", "--trials", "2",
    ]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert!(
        run.stderr().contains("more than 2 classes"),
        "{}",
        run.stderr()
    );
}

#[test]
fn configured_concurrency_is_what_the_queue_reports() {
    let workspace = Workspace::new("config-queue");
    let home = home_with(&workspace, "[queue]\nmax_concurrent = 5\n");
    let run = svmq(&["--home", &home, "--json", "queue"]).success();
    let value: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(value["max_concurrent_tasks"], 5);
}

#[test]
fn configured_open_task_cap_refuses_submissions() {
    let workspace = Workspace::new("config-submit");
    let home = home_with(&workspace, "[queue]\nmax_open_tasks = 1\n");
    let iris = examples("iris.csv");
    let submit = || svmq(&["--home", &home, "submit", &iris, "--target", "species"]);
    submit().success();
    let refused = submit();
    assert_eq!(refused.code(), Some(1), "{}", refused.stderr());
    assert!(refused.stderr().contains('1'), "{}", refused.stderr());
}

#[test]
fn mistakes_are_refused_with_their_line() {
    let workspace = Workspace::new("config-mistakes");
    let cases = [
        ("[queue]\nmax_concurent = 3\n", "max_concurent"),
        ("[queue]\nmax_concurrent = \"three\"\n", "line 2"),
        ("[limits]\nmax_trials = 0\n", "limits.max_trials"),
        ("[queue]\nmax_concurrent = 0\n", "queue.max_concurrent"),
        ("[limits]\nmax_classes = 1\n", "limits.max_classes"),
        ("[limits]\nmax_classes = -1\n", "line 2"),
        ("[limits]\nmax_field_bytes = 0\n", "limits.max_field_bytes"),
        (
            "[limits]\nmax_decompressed_bytes = 0\n",
            "limits.max_decompressed_bytes",
        ),
        (
            "[limits]\nmax_decompressed_bytes = 18446744073709551616\n",
            "line 2",
        ),
        ("[serve]\nmax_sessions = 0\n", "serve.max_sessions"),
        (
            "[serve]\nmax_sessions_per_user = 0\n",
            "serve.max_sessions_per_user",
        ),
        (
            "[serve]\nsession_idle_seconds = 0\n",
            "serve.session_idle_seconds",
        ),
        (
            "[serve]\nsession_idle_seconds = 9223372036854775807\n",
            "between 1 and 604800",
        ),
        ("[serve]\nsession_idle_seconds = nan\n", "line 2"),
    ];
    for (config, expected) in cases {
        let home = home_with(&workspace, config);
        let run = svmq(&["--home", &home, "queue"]);
        assert_eq!(run.code(), Some(2), "{config}: {}", run.stderr());
        assert!(run.stderr().contains("svmq.toml"), "{}", run.stderr());
        assert!(
            run.stderr().contains(expected),
            "{config}: {}",
            run.stderr()
        );
    }
}

#[test]
fn without_home_or_svmq_home_the_home_is_svmq_data_in_the_working_directory() {
    let workspace = Workspace::new("default-home");
    let working = workspace.path("project");
    std::fs::create_dir_all(&working).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_svmq"))
        .args([
            "--json",
            "train",
            &examples("iris.csv"),
            "--target",
            "species",
        ])
        .args(["--trials", "3"])
        .env_remove("SVMQ_HOME")
        .current_dir(&working)
        .output()
        .expect("the svmq binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let model_id = printed["model_id"].as_str().expect("a model id");
    let model = working.join("svmq-data").join("models").join(model_id);
    assert!(model.is_dir(), "{} holds the model", model.display());
}
