//! Bad input to `svm-train` / `svm-predict` (and a missing file to `train`) gets a
//! clear error naming the problem (and the line, for data files), the documented exit
//! code, and never a panic.

mod support;

use support::{svmq, Workspace};

/// Runs `svm-train` on a data file with `contents`; returns (exit code, stderr).
fn train_on(name: &str, contents: &str) -> (Option<i32>, String) {
    let workspace = Workspace::new(name);
    let data = workspace.path("data");
    std::fs::write(&data, contents).unwrap();
    let model = workspace.path("model");
    let run = svmq(&[
        "svm-train",
        "-q",
        data.to_str().unwrap(),
        model.to_str().unwrap(),
    ]);
    assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
    assert!(!model.exists(), "no model is written on failure");
    (run.code(), run.stderr())
}

#[test]
fn malformed_data_lines_are_named() {
    let cases = [
        ("malformed", "1 1:0.5 2:1\n-1 1:0.2 2:oops\n", "line 2"),
        ("unsorted", "1 1:0.5 2:1\n-1 2:0.2 1:0.3\n", "line 2"),
        ("duplicate", "1 1:0.5 1:1\n", "line 1"),
        ("nan", "1 1:0.5\n-1 1:nan\n", "line 2"),
        ("index-zero", "1 0:0.5\n", "line 1"),
        ("bad-label", "1 1:0.5\nabc 1:2\n", "line 2"),
    ];
    for (name, contents, expected) in cases {
        let (code, stderr) = train_on(name, contents);
        assert_eq!(code, Some(1), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
    }
}

#[test]
fn unsorted_and_duplicate_indices_say_so() {
    let (_, stderr) = train_on("unsorted-word", "1 2:0.5 1:1\n");
    assert!(
        stderr.contains("unsorted") || stderr.contains("ascending"),
        "{stderr}"
    );
    let (_, stderr) = train_on("duplicate-word", "1 2:0.5 2:1\n");
    assert!(stderr.contains("duplicate"), "{stderr}");
}

#[test]
fn empty_and_missing_files_are_clear_errors() {
    let (code, stderr) = train_on("empty", "");
    assert_eq!(code, Some(1));
    assert!(
        stderr.to_lowercase().contains("empty") || stderr.contains("no examples"),
        "{stderr}"
    );
    let run = svmq(&["svm-train", "/nonexistent/svmq/data"]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr().contains("/nonexistent/svmq/data"),
        "{}",
        run.stderr()
    );
    // The operating system's reason, once.
    let workspace = Workspace::new("missing-file");
    let home = workspace.path("home");
    let run = svmq(&[
        "--home",
        home.to_str().unwrap(),
        "train",
        "/nonexistent/svmq/data.csv",
    ]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(
        run.stderr().matches("os error").count(),
        1,
        "{}",
        run.stderr()
    );
}

#[test]
fn a_single_class_is_refused() {
    let (code, stderr) = train_on("one-class", "1 1:0.5\n1 1:0.7\n");
    assert_eq!(code, Some(1));
    assert!(stderr.contains("single class"), "{stderr}");
}

#[test]
fn values_whose_kernel_overflows_are_refused_with_the_remedy() {
    // Finite values, but ‖x‖² beyond f64 and products beyond the f32 row cache: the fit
    // is refused (no model of NaN written), saying to scale the data.
    let huge = "1 1:1e308 2:1\n-1 1:-1e308 2:3\n1 1:5e307 2:2\n";
    let (code, stderr) = train_on("kernel-overflow", huge);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("scale the data"), "{stderr}");
    // The same shape of data at a sane scale trains.
    let workspace = Workspace::new("kernel-sane");
    let (data, model) = (workspace.path("data"), workspace.path("model"));
    std::fs::write(&data, "1 1:1 2:1\n-1 1:-1 2:3\n1 1:0.5 2:2\n").unwrap();
    let run = svmq(&[
        "svm-train",
        "-q",
        data.to_str().unwrap(),
        model.to_str().unwrap(),
    ]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    assert!(model.exists());
}

#[test]
fn unknown_options_and_bad_values_are_usage_errors() {
    for arguments in [
        vec!["svm-train", "-z", "1", "data"],
        vec!["svm-train", "-c", "abc", "data"],
        vec!["svm-train", "-s", "9", "data"],
        vec!["svm-train", "-t", "4", "data"],
        vec!["svm-train", "-v", "1", "data"],
        vec!["svm-predict", "-b", "2", "a", "b", "c"],
        vec!["svm-predict", "a", "b"],
    ] {
        let run = svmq(&arguments);
        assert_eq!(run.code(), Some(2), "{arguments:?}: {}", run.stderr());
        assert!(
            run.stderr().contains("Usage"),
            "{arguments:?}: {}",
            run.stderr()
        );
    }
}

#[test]
fn invalid_parameter_values_are_explained() {
    let workspace = Workspace::new("bad-parameters");
    let data = workspace.path("data");
    std::fs::write(&data, "1 1:0.5\n-1 1:0.7\n").unwrap();
    let path = data.to_str().unwrap();
    for (arguments, expected) in [
        (vec!["svm-train", "-c", "-1", path], "C must be"),
        (vec!["svm-train", "-s", "1", "-n", "1.5", path], "nu"),
        (vec!["svm-train", "-g", "0", path], "gamma"),
        (vec!["svm-train", "-e", "0", path], "tolerance"),
    ] {
        let run = svmq(&arguments);
        assert_eq!(run.code(), Some(1), "{arguments:?}");
        assert!(
            run.stderr().contains(expected),
            "{arguments:?}: {}",
            run.stderr()
        );
    }
}

#[test]
fn damaged_model_files_are_refused() {
    let workspace = Workspace::new("bad-model");
    let data = workspace.path("data");
    std::fs::write(&data, "1 1:0.5\n-1 1:0.7\n").unwrap();
    let model = workspace.path("model");
    std::fs::write(&model, "svm_type c_svc\nkernel_type rbf\ngamma 1\nnr_class 2\ntotal_sv 3\nrho 0\nlabel 1 -1\nnr_sv 1 1\nSV\n1 1:0.5\n").unwrap();
    let output = workspace.path("out");
    let run = svmq(&[
        "svm-predict",
        data.to_str().unwrap(),
        model.to_str().unwrap(),
        output.to_str().unwrap(),
    ]);
    assert_eq!(run.code(), Some(1));
    assert!(run.stderr().contains("total_sv"), "{}", run.stderr());
    assert!(!run.stderr().contains("panicked"));
}

/// Issue 14: `--test-size 1e-300` held out one row and reported perfect metrics.
#[test]
fn test_size_outside_its_range_is_a_usage_error_naming_the_flag_and_range() {
    let iris = format!("{}/../../examples/iris.csv", env!("CARGO_MANIFEST_DIR"));
    let workspace = Workspace::new("test-size");
    let home = workspace.path("home");
    // One argument may hold at most 128 KiB on Linux.
    let huge = "1".repeat(100_000);
    for value in [
        "1e-300",
        "0",
        "-1",
        "0.95",
        "NaN",
        "inf",
        "",
        "abc",
        huge.as_str(),
    ] {
        let run = svmq(&[
            "--home",
            home.to_str().unwrap(),
            "train",
            &iris,
            "--target",
            "species",
            &format!("--test-size={value}"),
        ]);
        assert_eq!(run.code(), Some(2), "{value:.20}: {}", run.stderr());
        assert!(run.stderr().contains("--test-size"), "{}", run.stderr());
        assert!(
            run.stderr().contains("between 0.01 and 0.9"),
            "{value:.20}: {}",
            run.stderr()
        );
    }
}

/// Issue 14: a root containing the home let clients read models and overwrite the
/// store; a root inside the home would reach nothing but the home, so it is refused.
#[test]
fn serve_refuses_a_data_or_output_root_inside_its_home() {
    let workspace = Workspace::new("root-in-home");
    let home = workspace.path("home");
    std::fs::create_dir_all(home.join("models")).unwrap();
    for flag in ["--data-root", "--output-root"] {
        let run = svmq(&[
            "--home",
            home.to_str().unwrap(),
            "serve",
            "--workers",
            "0",
            flag,
            home.join("models").to_str().unwrap(),
        ]);
        assert_eq!(run.code(), Some(2), "{flag}: {}", run.stderr());
        assert!(
            run.stderr().contains("lies inside svmq's home directory"),
            "{flag}: {}",
            run.stderr()
        );
    }
}

/// `--scaling quantile` and `--scaling power`, which users of the original pass, are
/// usage errors naming the flag and the supported methods, for `train` and `submit`;
/// an unknown or huge value is refused the same way, shown cut short.
#[test]
fn unsupported_scaling_methods_are_usage_errors_naming_the_supported_ones() {
    let iris = format!("{}/../../examples/iris.csv", env!("CARGO_MANIFEST_DIR"));
    let workspace = Workspace::new("scaling");
    let home = workspace.path("home");
    let huge = "q".repeat(100_000);
    for (command, value, expected) in [
        (
            "train",
            "quantile",
            "--scaling: quantile scaling is not supported",
        ),
        (
            "train",
            "power",
            "--scaling: power scaling is not supported",
        ),
        (
            "submit",
            "quantile",
            "--scaling: quantile scaling is not supported",
        ),
        ("train", "zscore", "--scaling: unknown scaling method"),
        ("train", huge.as_str(), "bytes)"),
    ] {
        let run = svmq(&[
            "--home",
            home.to_str().unwrap(),
            command,
            &iris,
            "--target",
            "species",
            &format!("--scaling={value}"),
        ]);
        let stderr = run.stderr();
        assert_eq!(run.code(), Some(2), "{command} {value:.20}: {stderr}");
        assert!(stderr.contains(expected), "{command} {value:.20}: {stderr}");
        assert!(
            stderr.contains("standard, minmax, robust, none"),
            "{command} {value:.20}: {stderr}"
        );
        assert!(stderr.len() < 1000, "{} bytes", stderr.len());
    }
    let queue = svmq(&["--home", home.to_str().unwrap(), "--json", "queue"])
        .success()
        .stdout();
    assert!(
        queue.contains("\"total\": 0"),
        "nothing was queued: {queue}"
    );
    // The help still lists the supported methods.
    let help = svmq(&["train", "--help"]).success().stdout();
    assert!(
        help.contains("[possible values: standard, minmax, robust, none]"),
        "{help}"
    );
}

/// Issue 17: the command line's errors spoke the MCP's parameter names (`n_trials`,
/// `cv_folds`, `exclude_columns`) and advised fewer folds for a continuous target.
#[test]
fn training_errors_name_the_command_line_flags_and_the_fix() {
    let example = |name: &str| format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let workspace = Workspace::new("flag-names");
    let home = workspace.path("home");
    let train = |arguments: &[&str]| {
        let mut all = vec!["--home", home.to_str().unwrap(), "train"];
        all.extend_from_slice(arguments);
        svmq(&all)
    };
    let iris = example("iris.csv");
    for (arguments, expected, absent) in [
        (
            vec!["--trials", "0"],
            "--trials must be between 1 and",
            "n_trials",
        ),
        (
            vec!["--folds", "1"],
            "--folds must be between 2 and",
            "cv_folds",
        ),
        (vec!["--drop", ""], "--drop", "exclude_columns"),
        (
            vec!["--metric", "rmse", "--task", "classification"],
            "--task",
            "task_type",
        ),
    ] {
        let mut all = vec![iris.as_str()];
        all.extend(arguments.iter().copied());
        let run = train(&all);
        assert_eq!(run.code(), Some(2), "{arguments:?}: {}", run.stderr());
        assert!(
            run.stderr().contains(expected),
            "{arguments:?}: {}",
            run.stderr()
        );
        assert!(
            !run.stderr().contains(absent),
            "{arguments:?}: {}",
            run.stderr()
        );
    }
    let diabetes = example("diabetes.csv");
    let run = train(&[
        &diabetes,
        "--target",
        "progression",
        "--task",
        "classification",
    ]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    assert!(
        run.stderr().contains("--task regression") && !run.stderr().contains("fewer folds"),
        "{}",
        run.stderr()
    );
    let breast = example("breast_cancer.csv");
    let run = train(&[&breast, "--pos-label", "unknown", "--no-optimize"]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    assert!(
        run.stderr().contains("--pos-label") && run.stderr().contains("`benign`"),
        "{}",
        run.stderr()
    );
    // Empty and oversized labels, and a fidelity that is not one, are refused naming
    // the flag; the next training still works.
    let long = "x".repeat(2_000);
    for (flag, value) in [
        ("--pos-label", ""),
        ("--pos-label", long.as_str()),
        ("--fidelity", "NaN"),
        ("--fidelity", "-1"),
    ] {
        let joined = format!("{flag}={value}");
        let run = train(&[&breast, &joined, "--no-optimize"]);
        assert_eq!(run.code(), Some(2), "{flag} {value:.20}: {}", run.stderr());
        assert!(run.stderr().contains(flag), "{}", run.stderr());
        assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
    }
    let run = train(&[&breast, "--fidelity", "halving", "--no-optimize"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
}
