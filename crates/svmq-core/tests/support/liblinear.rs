//! LIBLINEAR as an oracle: the `liblinear-official` package in a virtual environment
//! under the target directory, installed with pip the first time, driven by
//! `tests/oracles/liblinear_fit.py`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use svmq_core::linear::LinearModel;
use svmq_core::Matrix;

/// What the oracle's environment installs.
const REQUIREMENTS: [&str; 3] = ["liblinear-official>=2.47,<3", "numpy>=1.24", "scipy>=1.10"];

/// A missing oracle skips the test with the reason, or fails it when
/// `SVMQ_REQUIRE_ORACLES=1` (set by CI).
pub fn skip_or_fail(reason: &str) {
    if std::env::var("SVMQ_REQUIRE_ORACLES").as_deref() == Ok("1") {
        panic!("LIBLINEAR is required: {reason}");
    }
    eprintln!("skipping: {reason}");
}

fn succeeds(command: &mut Command) -> bool {
    command.output().is_ok_and(|output| output.status.success())
}

/// The Python of a virtual environment with LIBLINEAR, set up once per process.
pub fn python() -> Result<PathBuf, String> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON.get_or_init(create_environment).clone()
}

fn create_environment() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("liblinear-python-venv");
    let python = venv.join("bin").join("python");
    let check = "import liblinear.liblinearutil, numpy, scipy";
    if succeeds(Command::new(&python).args(["-c", check])) {
        return Ok(python);
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
        .args(REQUIREMENTS)
        .output()
        .map_err(|error| format!("pip: {error}"))?;
    if !installed.status.success() {
        return Err(format!(
            "pip install {} failed (offline?): {}",
            REQUIREMENTS.join(" "),
            String::from_utf8_lossy(&installed.stderr)
        ));
    }
    Ok(python)
}

/// A model LIBLINEAR trained.
pub struct Fitted {
    /// Its decision functions.
    pub model: LinearModel,
    /// Whether LIBLINEAR's dual solver stopped at its iteration limit (300 passes in
    /// 2.50) before its tolerance, and LIBLINEAR did not go on with its primal solver.
    pub reached_iteration_limit: bool,
}

/// LIBLINEAR's model for `data` and `targets` trained with `options` (its command-line
/// syntax, e.g. `-s 1 -c 1 -B 1`), as a `LinearModel` with bias feature `bias`.
pub fn train(
    python: &Path,
    data: &Matrix,
    targets: &[f64],
    options: &str,
    bias: Option<f64>,
) -> Fitted {
    let directory = std::env::temp_dir().join(format!(
        "svmq-liblinear-{}-{}",
        std::process::id(),
        unique()
    ));
    std::fs::create_dir_all(&directory).unwrap();
    let path = directory.join("data.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for (row, target) in targets.iter().enumerate() {
        write!(file, "{target:?}").unwrap();
        for value in data.row(row) {
            write!(file, ",{value:?}").unwrap();
        }
        writeln!(file).unwrap();
    }
    file.flush().unwrap();
    drop(file);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/liblinear_fit.py");
    let output = Command::new(python)
        .arg(&script)
        .arg(&path)
        .arg(options)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&directory).ok();
    assert!(
        output.status.success(),
        "LIBLINEAR failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let numbers = |value: &serde_json::Value| -> Vec<f64> {
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|number| number.as_f64().unwrap())
            .collect()
    };
    let weights = answer["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(numbers)
        .collect();
    let model = LinearModel::new(
        numbers(&answer["labels"]),
        weights,
        numbers(&answer["intercepts"]),
        bias,
    )
    .unwrap();
    Fitted {
        model,
        reached_iteration_limit: answer["reached_iteration_limit"].as_bool().unwrap()
            && !answer["switched_to_primal"].as_bool().unwrap(),
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}
