//! End to end with the MCP Inspector's command line (npm `@modelcontextprotocol/
//! inspector`, `--cli`), a client we did not write that sends every `--tool-arg` as a
//! string and checks every schema it is given. It is installed with npm under the
//! target directory, once. Without Node or network the test is skipped with the reason;
//! with `SVMQ_REQUIRE_ORACLES=1` it fails instead.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Inspector release the test is written for.
const INSPECTOR: &str = "@modelcontextprotocol/inspector@0.15.0";

/// The Inspector's command, installed under the target directory if needed.
fn inspector() -> Result<PathBuf, String> {
    let directory = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mcp-inspector");
    let command = directory.join("node_modules/.bin/mcp-inspector-cli");
    if command.exists() {
        return Ok(command);
    }
    std::fs::create_dir_all(&directory).map_err(|error| error.to_string())?;
    let installed = Command::new("npm")
        .args(["install", "--silent", "--no-audit", "--no-fund", INSPECTOR])
        .current_dir(&directory)
        .output()
        .map_err(|error| format!("npm cannot run: {error}"))?;
    if !installed.status.success() || !command.exists() {
        return Err(format!(
            "npm install {INSPECTOR} failed: {}",
            String::from_utf8_lossy(&installed.stderr)
        ));
    }
    Ok(command)
}

/// Runs the Inspector against `svmq serve` on stdio; returns its JSON output and its
/// stderr.
fn inspect(inspector: &Path, home: &Path, root: &Path, arguments: &[&str]) -> (Value, String) {
    let output = Command::new(inspector)
        .arg("--cli")
        .arg(env!("CARGO_BIN_EXE_svmq"))
        .arg("--home")
        .arg(home)
        .args(["serve", "--data-root"])
        .arg(root)
        .args(arguments)
        .output()
        .expect("the Inspector runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "the Inspector failed ({arguments:?}):\n{stdout}\n{stderr}"
    );
    let value = serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("the Inspector printed no JSON ({error}):\n{stdout}"));
    (value, stderr)
}

#[test]
fn the_inspector_lists_tools_without_warnings_and_trains_with_string_arguments() {
    let inspector = match inspector() {
        Ok(inspector) => inspector,
        Err(reason) => return support::python::skip_or_fail("the MCP Inspector", &reason),
    };
    let workspace = support::Workspace::new("mcp-inspector");
    let home = workspace.path("home");
    let root = workspace.path("data");
    std::fs::create_dir_all(&root).unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    std::fs::copy(examples.join("iris.csv"), root.join("iris.csv")).unwrap();

    // Regression: about 30 warnings `unknown format "uint64" ignored in schema`.
    let (listed, stderr) = inspect(&inspector, &home, &root, &["--method", "tools/list"]);
    let tools = listed["tools"].as_array().expect("a tool list");
    assert_eq!(tools.len(), 15, "{listed}");
    assert!(!stderr.contains("unknown format"), "{stderr}");

    // Regression: `n_trials=5` failed with `invalid type: string "5", expected i64`
    // and `use_async_queue=false` with `expected a boolean`.
    let (called, _) = inspect(
        &inspector,
        &home,
        &root,
        &[
            "--method",
            "tools/call",
            "--tool-name",
            "train_svm_classifier",
            "--tool-arg",
            "data_source=iris.csv",
            "--tool-arg",
            "target_column=species",
            "--tool-arg",
            "n_trials=5",
            "--tool-arg",
            "cv_folds=3",
            "--tool-arg",
            "use_async_queue=false",
        ],
    );
    assert_ne!(called["isError"], true, "{called}");
    let result = &called["structuredContent"];
    assert_eq!(result["success"], true, "{called}");
    assert_eq!(result["status"], "completed", "{called}");
    assert!(result["model_id"].is_string(), "{called}");
}
