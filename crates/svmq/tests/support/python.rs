//! Python oracles (ONNX Runtime, the MCP SDK): a virtual environment under the target
//! directory with the packages a test needs, installed with pip the first time.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// A missing oracle skips the test with the reason, or fails it when
/// `SVMQ_REQUIRE_ORACLES=1` (set by CI).
pub fn skip_or_fail(oracle: &str, reason: &str) {
    if std::env::var("SVMQ_REQUIRE_ORACLES").as_deref() == Ok("1") {
        panic!("{oracle} is required: {reason}");
    }
    eprintln!("skipping: {reason}");
}

fn succeeds(command: &mut Command) -> bool {
    command.output().is_ok_and(|output| output.status.success())
}

/// The Python of the virtual environment `name` once `import IMPORTS` works there,
/// creating it and installing `requirements` if needed; why not, otherwise.
pub fn virtual_environment(
    name: &str,
    requirements: &[&str],
    imports: &str,
) -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let python = venv.join("bin").join("python");
    let check = format!("import {imports}");
    if succeeds(Command::new(&python).args(["-c", &check])) {
        return Ok(python);
    }
    if !succeeds(Command::new("python3").arg("--version")) {
        return Err("python3 is not installed".into());
    }
    let created = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .map_err(|error| format!("python3 -m venv: {error}"))?;
    if !created.status.success() {
        return Err(format!(
            "python3 -m venv failed: {}",
            String::from_utf8_lossy(&created.stderr)
        ));
    }
    let installed = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet"])
        .args(requirements)
        .output()
        .map_err(|error| format!("pip: {error}"))?;
    if !installed.status.success() {
        return Err(format!(
            "pip install {} failed (offline?): {}",
            requirements.join(" "),
            String::from_utf8_lossy(&installed.stderr)
        ));
    }
    Ok(python)
}

/// What the ONNX tests install: ONNX Runtime and numpy.
const ONNXRUNTIME_REQUIREMENTS: [&str; 2] = ["onnxruntime>=1.17,<2", "numpy>=1.24"];

/// A Python with ONNX Runtime, set up once per process under the target directory.
pub fn onnxruntime() -> Result<PathBuf, String> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            virtual_environment(
                "onnx-python-venv",
                &ONNXRUNTIME_REQUIREMENTS,
                "onnxruntime, numpy",
            )
        })
        .clone()
}
