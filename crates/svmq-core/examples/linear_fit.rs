//! One linear fit, timed, for `bench/linear.sh`: reads a training and a test set in a
//! small binary format, fits svmq's linear SVM once, and prints one JSON line on
//! stdout with the fit's wall time (the `fit_linear` call alone, not the reading), the
//! solver's passes and Newton iterations, and the accuracy on the test set.
//!
//! Usage: linear_fit TRAIN TEST [--loss l1|l2] [--c C] [--tolerance E] [--seed S]
//!
//! The format (little-endian): the 8 bytes `SVMQF64\n`, the number of rows and of
//! columns as u64, the row-major f64 features, then one f64 target per row.

use std::io::{Read, Write};
use std::time::Instant;
use svmq_core::linear::{fit_linear, LinearLoss, LinearOutcome, LinearParams};
use svmq_core::{FitControl, Matrix};

const MAGIC: &[u8; 8] = b"SVMQF64\n";

fn read_set(path: &str) -> Result<(Matrix, Vec<f64>), String> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut file| file.read_to_end(&mut bytes))
        .map_err(|error| format!("{path}: {error}"))?;
    if bytes.len() < 24 || &bytes[..8] != MAGIC {
        return Err(format!("{path}: not a SVMQF64 file"));
    }
    let number = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    let (rows, columns) = (number(8) as usize, number(16) as usize);
    let values = rows
        .checked_mul(columns)
        .filter(|values| values.checked_add(rows).is_some())
        .ok_or_else(|| format!("{path}: {rows} × {columns} overflows"))?;
    // The file must hold what the header says: its size proves the shape.
    if (bytes.len() - 24) % 8 != 0 || (bytes.len() - 24) / 8 != values + rows {
        return Err(format!(
            "{path}: the size does not match {rows} × {columns}"
        ));
    }
    let mut floats = bytes[24..]
        .chunks_exact(8)
        .map(|chunk| f64::from_le_bytes(chunk.try_into().unwrap()));
    let features: Vec<f64> = floats.by_ref().take(values).collect();
    let targets: Vec<f64> = floats.collect();
    let matrix = Matrix::new(rows, columns, features).map_err(|error| error.to_string())?;
    Ok((matrix, targets))
}

fn main() -> Result<(), String> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    if arguments.len() < 2 {
        return Err(
            "usage: linear_fit TRAIN TEST [--loss l1|l2] [--c C] [--tolerance E] [--seed S]".into(),
        );
    }
    let mut params = LinearParams::default();
    let mut options = arguments[2..].chunks(2);
    for pair in options.by_ref() {
        let [flag, value] = pair else {
            return Err(format!("{} needs a value", pair[0]));
        };
        let number = || {
            value
                .parse::<f64>()
                .map_err(|error| format!("{flag}: {error}"))
        };
        match flag.as_str() {
            "--loss" => {
                params.loss = match value.as_str() {
                    "l1" => LinearLoss::L1,
                    "l2" => LinearLoss::L2,
                    other => return Err(format!("--loss takes l1 or l2, not {other}")),
                }
            }
            "--c" => params.c = number()?,
            "--tolerance" => params.tolerance = number()?,
            "--seed" => params.seed = value.parse().map_err(|error| format!("--seed: {error}"))?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    let params = params.validate().map_err(|error| error.to_string())?;
    let (train, train_targets) = read_set(&arguments[0])?;
    let (test, test_targets) = read_set(&arguments[1])?;
    let start = Instant::now();
    let outcome = fit_linear(&train, &train_targets, &params, None, &FitControl::new())
        .map_err(|error| error.to_string())?;
    let seconds = start.elapsed().as_secs_f64();
    let LinearOutcome::Trained(trained) = outcome else {
        return Err("the fit was stopped".into());
    };
    let predictions = trained.model.predict_rows(&test);
    let right = predictions
        .iter()
        .zip(&test_targets)
        .filter(|(prediction, target)| prediction == target)
        .count();
    let accuracy = 100.0 * right as f64 / test_targets.len().max(1) as f64;
    let line = serde_json::json!({
        "fit_seconds": seconds,
        "accuracy": accuracy,
        "passes": trained.report.passes(),
        "converged": trained.report.converged(),
        "newton_iterations": trained
            .report
            .subproblems
            .iter()
            .map(|report| report.newton_iterations)
            .sum::<usize>(),
    });
    writeln!(std::io::stdout(), "{line}").map_err(|error| error.to_string())
}
