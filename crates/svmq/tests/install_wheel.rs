//! The Python wheel route (`pipx install svmq`, `uvx svmq serve`): maturin builds the
//! wheel from crates/svmq/pyproject.toml, a fresh virtual environment installs it
//! without an index, and the installed entry point answers `--version` and an MCP
//! `tools/list` over stdio, as an MCP client configured with `svmq serve` would ask.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::python::{skip_or_fail, virtual_environment};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the workspace root")
        .to_path_buf()
}

/// Builds the wheel into `output` with the dev profile (whose dependencies the test
/// build has already compiled); its path, or why not.
fn build_wheel(python: &Path, output: &Path) -> Result<PathBuf, String> {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .to_path_buf();
    let built = Command::new(python)
        .args([
            "-m",
            "maturin",
            "build",
            "--profile",
            "dev",
            "--manifest-path",
        ])
        .arg(workspace_root().join("crates/svmq/Cargo.toml"))
        .arg("--out")
        .arg(output)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .map_err(|error| format!("maturin: {error}"))?;
    if !built.status.success() {
        return Err(format!(
            "maturin build failed: {}",
            String::from_utf8_lossy(&built.stderr)
        ));
    }
    std::fs::read_dir(output)
        .map_err(|error| error.to_string())?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|extension| extension == "whl"))
        .ok_or_else(|| "maturin wrote no wheel".to_string())
}

fn run(command: &mut Command) -> String {
    let output = command.output().expect("the command starts");
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Sends initialize and tools/list to `svmq serve` on stdio, in `directory` (its data
/// root) with its home below; the tools/list result.
fn list_tools(svmq: &Path, directory: &Path) -> Value {
    let log = directory.join("serve.log");
    let mut server = Command::new(svmq)
        .args(["--home", "home", "serve", "--workers", "0"])
        .current_dir(directory)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("a log file"))
        .spawn()
        .expect("the installed svmq starts");
    let mut input = server.stdin.take().expect("stdin");
    for message in [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "install-test", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    ] {
        writeln!(input, "{message}").expect("the server reads stdin");
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut lines = BufReader::new(server.stdout.take().expect("stdout")).lines();
    let mut answer = None;
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        let message: Value = serde_json::from_str(&line).expect("a JSON-RPC line");
        if message["id"] == 2 {
            answer = Some(message["result"].clone());
            break;
        }
    }
    drop(input);
    let _ = server.kill();
    let _ = server.wait();
    answer.unwrap_or_else(|| {
        panic!(
            "no answer to tools/list: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        )
    })
}

#[test]
fn the_wheel_installs_an_svmq_that_serves_mcp() {
    let python = match virtual_environment("maturin-venv", &["maturin>=1.5,<2"], "maturin") {
        Ok(python) => python,
        Err(reason) => return skip_or_fail("maturin", &reason),
    };
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("install-wheel");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let wheel = match build_wheel(&python, &scratch.join("wheels")) {
        Ok(wheel) => wheel,
        Err(reason) => panic!("{reason}"),
    };

    let environment = scratch.join("venv");
    run(Command::new("python3")
        .args(["-m", "venv"])
        .arg(&environment));
    run(Command::new(environment.join("bin/pip"))
        .args(["install", "--quiet", "--no-index"])
        .arg(&wheel));
    let installed = environment.join("bin/svmq");

    let version = run(Command::new(&installed).arg("--version"));
    assert_eq!(
        version.trim(),
        format!("svmq {}", env!("CARGO_PKG_VERSION")),
        "{version}"
    );

    let directory = scratch.join("work");
    std::fs::create_dir_all(&directory).unwrap();
    let tools = list_tools(&installed, &directory);
    let names: Vec<&str> = tools["tools"]
        .as_array()
        .expect("a tool list")
        .iter()
        .filter_map(|tool| tool["name"].as_str())
        .collect();
    for expected in [
        "submit_training_task",
        "get_task_status",
        "train_svm_classifier",
    ] {
        assert!(names.contains(&expected), "{expected} missing: {names:?}");
    }
}

/// The README's `cargo install --path crates/svmq`, with the dev profile and the test
/// build's target directory so that it compiles little, into a private root.
#[test]
fn cargo_install_from_the_checkout_gives_a_working_svmq() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cargo-install");
    let _ = std::fs::remove_dir_all(&scratch);
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .to_path_buf();
    run(Command::new(env!("CARGO"))
        .args(["install", "--locked", "--debug", "--path"])
        .arg(workspace_root().join("crates/svmq"))
        .arg("--root")
        .arg(&scratch)
        .env("CARGO_TARGET_DIR", &target));
    let version = run(Command::new(scratch.join("bin/svmq")).arg("--version"));
    assert_eq!(
        version.trim(),
        format!("svmq {}", env!("CARGO_PKG_VERSION"))
    );
}
