//! Shared helpers of the integration tests: deterministic data sets, temporary
//! workspaces, and running svmq and the LIBSVM oracle.

#![allow(dead_code)]

pub mod python;
pub mod queue_home;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use svmq_core::random::Random;

/// Whether LIBSVM's tools are on the PATH; prints why a test is skipped when not.
/// With `SVMQ_REQUIRE_ORACLES=1` a missing oracle fails the test instead.
pub fn libsvm_available() -> bool {
    let found = Command::new("svm-train").output().is_ok();
    if !found {
        if std::env::var("SVMQ_REQUIRE_ORACLES").as_deref() == Ok("1") {
            panic!("LIBSVM's svm-train is required (apt-get install libsvm-tools)");
        }
        eprintln!("skipping: LIBSVM's svm-train is not installed (apt-get install libsvm-tools)");
    }
    found
}

pub fn run_libsvm(tool: &str, arguments: &[&str]) {
    let output = Command::new(tool)
        .args(arguments)
        .output()
        .expect("LIBSVM runs");
    assert!(
        output.status.success(),
        "{tool} {arguments:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The result of running the svmq binary.
pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    /// Asserts success and returns itself.
    pub fn success(self) -> Run {
        assert!(
            self.output.status.success(),
            "svmq failed ({:?}): {}",
            self.code(),
            self.stderr()
        );
        self
    }

    /// Asserts failure (a non-zero exit, not a crash) and returns itself.
    pub fn failure(self) -> Run {
        assert!(
            self.code().is_some_and(|code| code != 0),
            "svmq should have failed with an error ({:?}): {}",
            self.code(),
            self.stderr()
        );
        self
    }
}

pub fn svmq(arguments: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_svmq"))
        .args(arguments)
        .output()
        .expect("the svmq binary runs");
    Run { output }
}

/// A temporary directory removed at the end of the test.
pub struct Workspace {
    root: PathBuf,
}

impl Workspace {
    pub fn new(name: &str) -> Workspace {
        let root = std::env::temp_dir().join(format!("svmq-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        Workspace { root }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// A deterministic train/test split of generated data (75 % / 25 %).
pub struct Dataset {
    pub train_rows: Vec<Vec<f64>>,
    pub train_targets: Vec<f64>,
    pub test_rows: Vec<Vec<f64>>,
    pub test_targets: Vec<f64>,
}

/// A standard normal sample (Box–Muller).
fn normal(random: &mut Random) -> f64 {
    let u = random.unit().max(1e-300);
    let v = random.unit();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// Rounds to 6 decimals, as data files usually hold, so both tools read the same values.
fn round(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

impl Dataset {
    fn split(rows: Vec<Vec<f64>>, targets: Vec<f64>) -> Dataset {
        let cut = rows.len() * 3 / 4;
        Dataset {
            train_rows: rows[..cut].to_vec(),
            train_targets: targets[..cut].to_vec(),
            test_rows: rows[cut..].to_vec(),
            test_targets: targets[cut..].to_vec(),
        }
    }

    /// ±1 labels from a nonlinear rule with label noise.
    pub fn binary(seed: u64, rows: usize, columns: usize) -> Dataset {
        let mut random = Random::new(seed);
        let mut data = Vec::new();
        let mut labels = Vec::new();
        for _ in 0..rows {
            let x: Vec<f64> = (0..columns).map(|_| round(normal(&mut random))).collect();
            let score = x[0] * x[1] + x[2].sin() + 0.5 * x[3] - 0.3 * x[4] * x[4]
                + 0.5 * normal(&mut random);
            labels.push(if score > 0.0 { 1.0 } else { -1.0 });
            data.push(x);
        }
        Dataset::split(data, labels)
    }

    /// Overlapping Gaussian blobs, one per class, labels 1..=classes.
    pub fn multiclass(seed: u64, rows: usize, columns: usize, classes: usize) -> Dataset {
        let mut random = Random::new(seed);
        let mut data = Vec::new();
        let mut labels = Vec::new();
        for _ in 0..rows {
            let class = random.below(classes);
            let x: Vec<f64> = (0..columns)
                .map(|i| round(normal(&mut random) + if i % classes == class { 1.5 } else { 0.0 }))
                .collect();
            labels.push(class as f64 + 1.0);
            data.push(x);
        }
        Dataset::split(data, labels)
    }

    /// A smooth nonlinear target with Gaussian noise.
    pub fn regression(seed: u64, rows: usize, columns: usize) -> Dataset {
        let mut random = Random::new(seed);
        let mut data = Vec::new();
        let mut targets = Vec::new();
        for _ in 0..rows {
            let x: Vec<f64> = (0..columns)
                .map(|_| round(2.0 * random.unit() - 1.0))
                .collect();
            let y = (3.0 * x[0]).sin() + x[1] * x[1] + 0.5 * x[2] + 0.1 * normal(&mut random);
            targets.push(round(y));
            data.push(x);
        }
        Dataset::split(data, targets)
    }
}

/// Writes rows in LIBSVM's format (zeros left out).
pub fn write_libsvm_file(path: &Path, targets: &[f64], rows: &[Vec<f64>]) {
    let mut text = String::new();
    for (target, row) in targets.iter().zip(rows) {
        text.push_str(&target.to_string());
        for (index, value) in row.iter().enumerate() {
            if *value != 0.0 {
                text.push_str(&format!(" {}:{}", index + 1, value));
            }
        }
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}
