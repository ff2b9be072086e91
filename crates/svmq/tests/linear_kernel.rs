//! `svmq train --kernel linear`, which the linear solver trains: on a generated
//! two-class set its held-out accuracy is within 0.5 points of the kernel SMO's linear
//! model at the same C (`svmq svm-train -t 0` on the same rows, standardized as `train`
//! standardizes them), and the saved model predicts and exports as any other.

mod support;

use serde_json::Value;
use std::fmt::Write as _;
use support::{svmq, Workspace};

/// A seeded two-class set: standard normal features (Box–Muller on a linear
/// congruential generator), labels from the sign of a fixed hyperplane plus an offset,
/// a tenth of them flipped.
fn generated_rows(seed: u64, rows: usize, columns: usize) -> Vec<(Vec<f64>, i32)> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut unit = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut gaussian = move || {
        let radius = (-2.0 * unit().ln()).sqrt();
        radius * (std::f64::consts::TAU * unit()).cos()
    };
    let plane: Vec<f64> = (0..columns).map(|k| 1.0 - 0.3 * k as f64).collect();
    (0..rows)
        .map(|_| {
            let x: Vec<f64> = (0..columns).map(|_| gaussian()).collect();
            let score: f64 = x.iter().zip(&plane).map(|(a, w)| a * w).sum::<f64>() + 0.3;
            let flip = gaussian().abs() > 1.645; // about a tenth
            let label = if (score > 0.0) != flip { 1 } else { -1 };
            (x, label)
        })
        .collect()
}

fn csv(rows: &[(Vec<f64>, i32)]) -> String {
    let columns = rows[0].0.len();
    let mut text: String = (1..=columns).map(|k| format!("x{k},")).collect();
    text.push_str("label\n");
    for (x, label) in rows {
        for value in x {
            write!(text, "{value},").unwrap();
        }
        writeln!(text, "{label}").unwrap();
    }
    text
}

/// LIBLINEAR's sparse format, each feature standardized with `means` and `scales`.
fn libsvm_text(rows: &[(Vec<f64>, i32)], means: &[f64], scales: &[f64]) -> String {
    let mut text = String::new();
    for (x, label) in rows {
        write!(text, "{label}").unwrap();
        for (k, value) in x.iter().enumerate() {
            write!(text, " {}:{}", k + 1, (value - means[k]) / scales[k]).unwrap();
        }
        text.push('\n');
    }
    text
}

fn accuracy(predicted: &[i32], rows: &[(Vec<f64>, i32)]) -> f64 {
    assert_eq!(predicted.len(), rows.len());
    let right = predicted
        .iter()
        .zip(rows)
        .filter(|(p, (_, label))| *p == label)
        .count();
    100.0 * right as f64 / rows.len() as f64
}

#[test]
fn a_linear_search_scores_as_the_kernel_solver_and_its_model_predicts_and_exports() {
    let workspace = Workspace::new("linear-kernel");
    let home = workspace.path("home");
    let home = home.to_str().unwrap();
    let train = generated_rows(1, 3000, 6);
    let held_out = generated_rows(2, 3000, 6);
    let train_path = workspace.path("train.csv");
    let held_out_path = workspace.path("held_out.csv");
    std::fs::write(&train_path, csv(&train)).unwrap();
    std::fs::write(&held_out_path, csv(&held_out)).unwrap();

    // --test-size 0.01: nearly every row trains, as for the reference below.
    let run = svmq(&[
        "--home",
        home,
        "--json",
        "train",
        train_path.to_str().unwrap(),
        "--target",
        "label",
        "--kernel",
        "linear",
        "--trials",
        "6",
        "--folds",
        "3",
        "--test-size",
        "0.01",
        "--seed",
        "3",
    ])
    .success();
    let printed: Value = serde_json::from_str(&run.stdout()).expect("one JSON object");
    let model_id = printed["model_id"]
        .as_str()
        .expect("a model id")
        .to_string();
    assert_eq!(printed["kernel"], "linear");
    let c = printed["best_params"]["c"].as_f64().expect("the best C");
    let balanced = printed["best_params"]["balanced_class_weights"] == Value::Bool(true);

    let predictions = workspace.path("predictions.csv");
    svmq(&[
        "--home",
        home,
        "predict",
        &model_id,
        held_out_path.to_str().unwrap(),
        "--output",
        predictions.to_str().unwrap(),
    ])
    .success();
    let text = std::fs::read_to_string(&predictions).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("prediction,probability_"));
    let ours: Vec<i32> = lines
        .map(|line| line.split(',').next().unwrap().parse::<i32>().unwrap())
        .collect();
    let ours = accuracy(&ours, &held_out);

    // The kernel SMO at the same C on the same rows, standardized with the training
    // rows' mean and (population) standard deviation.
    let columns = train[0].0.len();
    let count = train.len() as f64;
    let means: Vec<f64> = (0..columns)
        .map(|k| train.iter().map(|(x, _)| x[k]).sum::<f64>() / count)
        .collect();
    let scales: Vec<f64> = (0..columns)
        .map(|k| {
            let variance = train
                .iter()
                .map(|(x, _)| (x[k] - means[k]).powi(2))
                .sum::<f64>()
                / count;
            variance.sqrt()
        })
        .collect();
    let (train_file, held_out_file, model_file, output_file) = (
        workspace.path("train.libsvm"),
        workspace.path("held_out.libsvm"),
        workspace.path("smo.model"),
        workspace.path("smo.out"),
    );
    std::fs::write(&train_file, libsvm_text(&train, &means, &scales)).unwrap();
    std::fs::write(&held_out_file, libsvm_text(&held_out, &means, &scales)).unwrap();
    let c_text = c.to_string();
    let mut arguments = vec!["svm-train", "-q", "-t", "0", "-c", &c_text];
    let (positives, negatives) = (
        train.iter().filter(|(_, label)| *label == 1).count() as f64,
        train.iter().filter(|(_, label)| *label == -1).count() as f64,
    );
    let weights = (
        (count / (2.0 * positives)).to_string(),
        (count / (2.0 * negatives)).to_string(),
    );
    if balanced {
        arguments.extend(["-w1", &weights.0, "-w-1", &weights.1]);
    }
    arguments.extend([train_file.to_str().unwrap(), model_file.to_str().unwrap()]);
    svmq(&arguments).success();
    svmq(&[
        "svm-predict",
        "-q",
        held_out_file.to_str().unwrap(),
        model_file.to_str().unwrap(),
        output_file.to_str().unwrap(),
    ])
    .success();
    let reference: Vec<i32> = std::fs::read_to_string(&output_file)
        .unwrap()
        .lines()
        .map(|line| line.trim().parse::<f64>().unwrap() as i32)
        .collect();
    let reference = accuracy(&reference, &held_out);
    assert!(
        (ours - reference).abs() <= 0.5,
        "C = {c}: svmq train {ours:.2} %, the kernel SMO {reference:.2} %"
    );
    assert!(ours > 80.0, "{ours}");

    for (format, file) in [("onnx", "model.onnx"), ("libsvm", "model.libsvm")] {
        let path = workspace.path(file);
        svmq(&[
            "--home",
            home,
            "export",
            &model_id,
            "--format",
            format,
            "--output",
            path.to_str().unwrap(),
        ])
        .success();
        assert!(std::fs::metadata(&path).unwrap().len() > 0, "{format}");
    }
}
