//! End to end with a client we did not write: the official Python MCP SDK drives the
//! built `svmq serve` over stdio and over HTTP (the scripts are in `mcp_client/`).
//! The SDK is installed with pip into a virtual environment under the target
//! directory, once. Without Python or network the test is skipped with the reason;
//! with `SVMQ_REQUIRE_ORACLES=1` it fails instead.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The SDK's major version the script is written for.
const MCP_REQUIREMENT: &str = "mcp>=2,<3";

/// A Python with the MCP SDK, set up once under the target directory (once per
/// process: the tests of this file run in parallel).
fn python_with_mcp() -> Result<PathBuf, String> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            support::python::virtual_environment("mcp-python-venv", &[MCP_REQUIREMENT], "mcp")
        })
        .clone()
}

#[test]
fn the_python_sdk_trains_predicts_and_is_refused_bad_inputs_over_stdio() {
    let python = match python_with_mcp() {
        Ok(python) => python,
        Err(reason) => return support::python::skip_or_fail("the Python MCP SDK", &reason),
    };
    let workspace = support::Workspace::new("mcp-python");
    let home = workspace.path("home");
    let root = workspace.path("data");
    std::fs::create_dir_all(&root).unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for example in ["iris.csv", "digits.csv"] {
        std::fs::copy(examples.join(example), root.join(example)).unwrap();
    }
    std::fs::write(root.join("empty.csv"), "").unwrap();
    std::fs::write(
        root.join("garbage.csv"),
        b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\x00garbage",
    )
    .unwrap();
    let outside = workspace.path("outside.csv");
    std::fs::copy(examples.join("iris.csv"), &outside).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp_client/e2e_client.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_svmq"))
        .arg(&home)
        .arg(&root)
        .arg(&outside)
        .output()
        .expect("the client script runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stdout}");
    assert!(
        output.status.success() && stdout.trim_end().ends_with("OK"),
        "the Python client failed:\n{stdout}\n{stderr}"
    );
}

#[test]
fn the_python_sdk_over_http_meets_tokens_origins_and_per_user_isolation() {
    let python = match python_with_mcp() {
        Ok(python) => python,
        Err(reason) => return support::python::skip_or_fail("the Python MCP SDK", &reason),
    };
    let workspace = support::Workspace::new("mcp-python-http");
    let root = workspace.path("data");
    std::fs::create_dir_all(&root).unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    std::fs::copy(examples.join("iris.csv"), root.join("iris.csv")).unwrap();
    let alice = "alice-token-0123456789abcdef";
    let bob = "bob-token-0123456789abcdef";
    let token_file = workspace.path("tokens");
    std::fs::write(
        &token_file,
        format!("# token user\n{alice} alice\n{bob} bob\n"),
    )
    .unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_svmq"))
        .arg("--home")
        .arg(workspace.path("home"))
        .args([
            "serve",
            "--http",
            "127.0.0.1:0",
            "--workers",
            "1",
            "--data-root",
        ])
        .arg(&root)
        .arg("--auth-token-file")
        .arg(&token_file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("svmq serve starts");
    let mut stderr = BufReader::new(server.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches(';')
        .to_string();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp_client/e2e_http_client.py");
    let output = Command::new(&python)
        .arg(&script)
        .args([&url, alice, bob])
        .output()
        .expect("the client script runs");
    // SIGINT: the server stops its worker and exits cleanly.
    let _ = Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status();
    let status = server.wait().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprintln!("{stdout}");
    assert!(
        output.status.success() && stdout.trim_end().ends_with("OK"),
        "the Python client failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(status.success(), "svmq serve --http exited with {status}");
}
