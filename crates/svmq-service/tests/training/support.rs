//! Fixtures and helpers shared by the test modules: temporary data files, seeded data
//! generators, requests sized for fast tests.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use svmq_core::random::Random;
use svmq_data::Task;
use svmq_service::training::Silent;
use svmq_service::{train, ServiceError, TrainingOutcome, TrainingRequest};

/// A temporary directory for one test's data files, removed when dropped.
pub struct Fixture {
    directory: PathBuf,
}

impl Fixture {
    /// A fresh directory named after the test (unique per test process).
    pub fn new(test: &str) -> Fixture {
        let directory = std::env::temp_dir().join(format!(
            "svmq-service-training-{}-{test}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&directory);
        std::fs::create_dir_all(&directory).expect("create the fixture directory");
        Fixture { directory }
    }

    /// Writes `text` to `name` in the fixture directory.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.directory.join(name);
        std::fs::write(&path, text).expect("write a fixture file");
        path
    }

    /// A path in the fixture directory that is not written.
    pub fn path(&self, name: &str) -> PathBuf {
        self.directory.join(name)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}

/// A CSV text from a header and rows of fields (no quoting needed by the tests).
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut text = header.join(",");
    text.push('\n');
    for row in rows {
        text.push_str(&row.join(","));
        text.push('\n');
    }
    text
}

/// A number as a CSV field.
pub fn field(value: f64) -> String {
    format!("{value}")
}

/// A small fast request: few trials and folds, the given task and file.
pub fn request(path: &Path, task: Task) -> TrainingRequest {
    TrainingRequest {
        data_source: path.to_path_buf(),
        task: Some(task),
        n_trials: 6,
        cv_folds: 3,
        seed: 7,
        parallel_trials: 2,
        probability: false,
        ..TrainingRequest::default()
    }
}

pub fn train_quietly(request: &TrainingRequest) -> Result<TrainingOutcome, ServiceError> {
    train(request, &Silent, &AtomicBool::new(false))
}

/// Trains and fails the test with the error's message when training fails.
pub fn train_ok(request: &TrainingRequest) -> TrainingOutcome {
    train_quietly(request).unwrap_or_else(|error| panic!("training failed: {error}"))
}

/// Two clusters far apart in `x` (labels `left` and `right`, alternating rows) and a
/// feature `noise` that carries no information.
pub fn separable_csv(rows: usize, seed: u64) -> String {
    let mut random = Random::new(seed);
    let table: Vec<Vec<String>> = (0..rows)
        .map(|row| {
            let (center, label) = if row % 2 == 0 {
                (0.0, "left")
            } else {
                (10.0, "right")
            };
            vec![
                field(center + random.unit()),
                field(random.unit()),
                label.to_string(),
            ]
        })
        .collect();
    csv(&["x", "noise", "label"], &table)
}

/// Two overlapping Gaussian-ish clusters in three features: hyperparameters matter,
/// and no trial is perfect.
pub fn noisy_classes_csv(rows: usize, seed: u64) -> String {
    let mut random = Random::new(seed);
    let mut normal = move || -> f64 { (0..12).map(|_| random.unit()).sum::<f64>() - 6.0 };
    let table: Vec<Vec<String>> = (0..rows)
        .map(|row| {
            let positive = row % 2 == 1;
            let shift = if positive { 1.0 } else { 0.0 };
            vec![
                field(shift + normal()),
                field(0.5 * shift + normal()),
                field(normal()),
                (if positive { "yes" } else { "no" }).to_string(),
            ]
        })
        .collect();
    csv(&["a", "b", "c", "outcome"], &table)
}

/// `x` evenly over [0, 10], a noise feature, and `y = intercept + slope · x`.
pub fn line_csv(rows: usize, intercept: f64, slope: f64) -> String {
    let mut random = Random::new(11);
    let table: Vec<Vec<String>> = (0..rows)
        .map(|row| {
            let x = 10.0 * row as f64 / (rows - 1) as f64;
            vec![field(x), field(random.unit()), field(intercept + slope * x)]
        })
        .collect();
    csv(&["x", "noise", "y"], &table)
}

/// A smooth nonlinear regression target with a little noise, so trials differ.
pub fn wavy_csv(rows: usize, seed: u64) -> String {
    let mut random = Random::new(seed);
    let table: Vec<Vec<String>> = (0..rows)
        .map(|_| {
            let a = 4.0 * random.unit() - 2.0;
            let b = 4.0 * random.unit() - 2.0;
            let y = 50.0 + 10.0 * a.sin() + 3.0 * b * b + (random.unit() - 0.5);
            vec![field(a), field(b), field(y)]
        })
        .collect();
    csv(&["a", "b", "y"], &table)
}

/// The root mean squared error of `(truth, prediction)` pairs.
pub fn rmse(pairs: &[(f64, f64)]) -> f64 {
    (pairs.iter().map(|(t, p)| (t - p) * (t - p)).sum::<f64>() / pairs.len() as f64).sqrt()
}

/// Whether `a` and `b` agree to a relative tolerance.
pub fn close(a: f64, b: f64, relative: f64) -> bool {
    (a - b).abs() <= relative * a.abs().max(b.abs()).max(1e-12)
}
