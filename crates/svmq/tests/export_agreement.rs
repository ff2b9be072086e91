//! `svmq export` checked by other programs: ONNX models run by ONNX Runtime, and
//! LIBSVM model files read by LIBSVM's own `svm-predict`, must predict what
//! `svmq predict` predicts on the same rows.
//!
//! ONNX: labels equal on at least 99.9 % of rows (ONNX Runtime computes in `f32`;
//! only rows within rounding of a tie may differ), probabilities and regression values
//! within a small tolerance. Covers a binary, two multiclass and two regression
//! models (one with two targets), every kernel, string and integer labels, with and
//! without probabilities, and a text column with missing values.
//!
//! ONNX Runtime is installed with pip into a virtual environment under the target
//! directory, once; LIBSVM is Debian's `libsvm-tools`. Without them the tests print
//! why and pass, unless `SVMQ_REQUIRE_ORACLES=1` (set by CI) makes that a failure.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{python, svmq, Workspace};

/// The share of rows whose labels must agree.
const MINIMUM_AGREEMENT: f64 = 0.999;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

fn json_of(arguments: &[&str]) -> Value {
    let run = svmq(arguments).success();
    serde_json::from_str(&run.stdout()).unwrap_or_else(|error| {
        panic!(
            "svmq {arguments:?} printed no JSON ({error}): {}",
            run.stdout()
        )
    })
}

/// Trains a model with a short seeded search; returns its id.
fn train(home: &Path, data: &Path, options: &[&str]) -> String {
    let mut arguments = vec![
        "--home",
        home.to_str().unwrap(),
        "--json",
        "train",
        data.to_str().unwrap(),
        "--trials",
        "6",
        "--folds",
        "3",
        "--seed",
        "7",
    ];
    arguments.extend_from_slice(options);
    json_of(&arguments)["model_id"]
        .as_str()
        .expect("a model id")
        .to_string()
}

/// `svmq predict --json` on a file: the predictions array.
fn svmq_predictions(home: &Path, model_id: &str, data: &Path, extra: &[&str]) -> Vec<Value> {
    let mut arguments = vec![
        "--home",
        home.to_str().unwrap(),
        "--json",
        "predict",
        model_id,
        data.to_str().unwrap(),
    ];
    arguments.extend_from_slice(extra);
    json_of(&arguments)["predictions"]
        .as_array()
        .expect("predictions")
        .clone()
}

/// Exports to ONNX and runs ONNX Runtime on `data`; returns its outputs by name.
fn onnx_outputs(
    python: &Path,
    workspace: &Workspace,
    home: &Path,
    model_id: &str,
    data: &Path,
) -> Value {
    let model = workspace.path(&format!("{model_id}.onnx"));
    let summary = json_of(&[
        "--home",
        home.to_str().unwrap(),
        "--json",
        "export",
        model_id,
        "--format",
        "onnx",
        "-o",
        model.to_str().unwrap(),
    ]);
    let summary_path = workspace.path(&format!("{model_id}.json"));
    std::fs::write(&summary_path, summary.to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/onnx_runner/run_onnx.py");
    let output = Command::new(python)
        .arg(script)
        .arg(&model)
        .arg(data)
        .arg(&summary_path)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "ONNX Runtime failed on the exported model: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the runner prints JSON")
}

/// A label as text, whether ONNX gave an int64 or a string.
fn label_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Compares classification outputs; returns the share of equal labels.
fn compare_labels(name: &str, ours: &[Value], onnx: &Value, with_probabilities: bool) -> f64 {
    let labels = onnx["label"].as_array().expect("a label output");
    assert_eq!(labels.len(), ours.len(), "{name}: one label per row");
    let equal = ours
        .iter()
        .zip(labels)
        .filter(|(ours, theirs)| ours["label"].as_str() == Some(label_text(theirs).as_str()))
        .count();
    let agreement = equal as f64 / ours.len() as f64;
    let mut largest_difference: f64 = 0.0;
    if with_probabilities {
        let probabilities = onnx["probabilities"]
            .as_array()
            .expect("a probabilities output");
        for (row, theirs) in ours.iter().zip(probabilities) {
            let ours = row["probabilities"].as_array().expect("probabilities");
            let theirs = theirs.as_array().unwrap();
            assert_eq!(ours.len(), theirs.len(), "{name}: one column per class");
            for (pair, value) in ours.iter().zip(theirs) {
                let difference = (pair[1].as_f64().unwrap() - value.as_f64().unwrap()).abs();
                largest_difference = largest_difference.max(difference);
            }
        }
    } else {
        assert!(onnx.get("probabilities").is_none(), "{name}");
        assert!(onnx["scores"].is_array(), "{name}: a scores output");
    }
    eprintln!(
        "{name}: {equal}/{} labels equal ({:.2} %), largest probability difference {largest_difference:.2e}",
        ours.len(),
        100.0 * agreement
    );
    assert!(
        agreement >= MINIMUM_AGREEMENT,
        "{name}: only {equal} of {} labels agree",
        ours.len()
    );
    // ONNX Runtime couples three or more classes' pairwise probabilities in `f32` with
    // the iterations LIBSVM uses, which stop at a tolerance of 0.005 / classes.
    assert!(
        largest_difference < 2e-3,
        "{name}: probabilities differ by up to {largest_difference}"
    );
    agreement
}

/// Trains, exports and compares a classifier.
fn check_classifier(name: &str, data: &Path, options: &[&str], with_probabilities: bool) {
    let python = match python::onnxruntime() {
        Ok(python) => python,
        Err(reason) => return python::skip_or_fail("ONNX Runtime", &reason),
    };
    let workspace = Workspace::new(&format!("export-{name}"));
    let home = workspace.path("home");
    let model_id = train(&home, data, options);
    let ours = svmq_predictions(&home, &model_id, data, &[]);
    assert_eq!(
        ours.iter().all(|row| row["probabilities"].is_array()),
        with_probabilities,
        "{name}: the model's probabilities are as expected"
    );
    let onnx = onnx_outputs(&python, &workspace, &home, &model_id, data);
    compare_labels(name, &ours, &onnx, with_probabilities);
}

/// Trains, exports and compares a regressor. ONNX Runtime's SVMRegressor computes
/// in `f32`: with a small gamma every RBF kernel value is within 1e-4 of 1 and the
/// large coefficients cancel, so its values carry relative errors near 1e-3; the
/// tolerance is that, measured against the predictions' range.
fn check_regressor(name: &str, data: &Path, options: &[&str]) {
    let python = match python::onnxruntime() {
        Ok(python) => python,
        Err(reason) => return python::skip_or_fail("ONNX Runtime", &reason),
    };
    let workspace = Workspace::new(&format!("export-{name}"));
    let home = workspace.path("home");
    let mut options = options.to_vec();
    options.extend_from_slice(&["--task", "regression"]);
    let model_id = train(&home, data, &options);
    let ours = svmq_predictions(&home, &model_id, data, &[]);
    let onnx = onnx_outputs(&python, &workspace, &home, &model_id, data);
    let theirs = onnx["values"].as_array().expect("a values output");
    assert_eq!(theirs.len(), ours.len(), "{name}: one row per row");
    let targets = ours[0]["values"].as_array().unwrap().len();
    for target in 0..targets {
        let column: Vec<f64> = ours
            .iter()
            .map(|row| row["values"][target].as_f64().unwrap())
            .collect();
        let spread = column.iter().cloned().fold(f64::MIN, f64::max)
            - column.iter().cloned().fold(f64::MAX, f64::min);
        let differences: Vec<f64> = column
            .iter()
            .zip(theirs)
            .map(|(ours, theirs)| (theirs[target].as_f64().unwrap() - ours).abs())
            .collect();
        let largest = differences.iter().cloned().fold(0.0, f64::max);
        let mean = differences.iter().sum::<f64>() / differences.len() as f64;
        eprintln!(
            "{name}, target {target}: {} rows, predictions' range {spread:.4}, difference largest {largest:.2e} ({:.2e} of the range), mean {mean:.2e}",
            ours.len(),
            largest / spread
        );
        assert!(
            largest <= 5e-3 * spread && mean <= 1e-3 * spread,
            "{name}, target {target}: ONNX values differ from svmq's by up to {largest} (mean {mean}) on a range of {spread}"
        );
    }
}

#[test]
fn onnx_binary_rbf_with_string_labels_and_probabilities_agrees() {
    check_classifier(
        "binary-rbf",
        &example("breast_cancer.csv"),
        &["--target", "diagnosis", "--kernel", "rbf"],
        true,
    );
}

#[test]
fn onnx_binary_linear_with_votes_agrees() {
    check_classifier(
        "binary-linear-votes",
        &example("breast_cancer.csv"),
        &[
            "--target",
            "diagnosis",
            "--kernel",
            "linear",
            "--no-probability",
        ],
        false,
    );
}

#[test]
fn onnx_multiclass_linear_with_probabilities_agrees() {
    check_classifier(
        "iris-linear",
        &example("iris.csv"),
        &["--target", "species", "--kernel", "linear"],
        true,
    );
}

#[test]
fn onnx_multiclass_poly_with_integer_labels_and_votes_agrees() {
    check_classifier(
        "digits-poly",
        &example("digits.csv"),
        &["--target", "digit", "--kernel", "poly", "--no-probability"],
        false,
    );
}

#[test]
fn onnx_regression_rbf_agrees() {
    check_regressor(
        "diabetes-rbf",
        &example("diabetes.csv"),
        &["--target", "progression", "--kernel", "rbf"],
    );
}

#[test]
fn onnx_two_target_regression_sigmoid_agrees() {
    // The last two columns, s6 and progression, are the targets.
    check_regressor(
        "diabetes-two-targets-sigmoid",
        &example("diabetes.csv"),
        &["--target-dimension", "2", "--kernel", "sigmoid"],
    );
}

#[test]
fn onnx_random_fourier_features_agree() {
    // The map's nodes (MatMul, Add, Cos, Mul) ahead of the SVM: binary with
    // probabilities, many classes with votes, and a regression.
    check_classifier(
        "binary-rff",
        &example("breast_cancer.csv"),
        &[
            "--target",
            "diagnosis",
            "--kernel",
            "rbf",
            "--approximation",
            "rff",
            "--landmarks",
            "300",
        ],
        true,
    );
    check_classifier(
        "iris-rff-votes",
        &example("iris.csv"),
        &[
            "--target",
            "species",
            "--approximation",
            "rff",
            "--landmarks",
            "200",
            "--no-probability",
        ],
        false,
    );
    check_regressor(
        "diabetes-rff",
        &example("diabetes.csv"),
        &[
            "--target",
            "progression",
            "--kernel",
            "rbf",
            "--approximation",
            "rff",
        ],
    );
}

/// Iris with a text column that carries signal, and missing numeric and text cells.
fn iris_with_text_and_gaps(path: &Path) {
    let text = std::fs::read_to_string(example("iris.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let mut out = format!("colour,{header}\n");
    for (index, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        let colour = match (fields[4], index % 4) {
            (_, 0) => "",
            ("setosa", _) => "blue",
            ("versicolor", 1) => "red",
            ("versicolor", _) => "NA",
            (_, 2) => "green",
            _ => "red",
        };
        let mut fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        if index % 7 == 3 {
            fields[1] = String::new();
        }
        if index % 11 == 5 {
            fields[2] = "NA".into();
        }
        out.push_str(&format!("{colour},{}\n", fields.join(",")));
    }
    std::fs::write(path, out).unwrap();
}

#[test]
fn onnx_text_columns_and_missing_values_agree() {
    let workspace = Workspace::new("export-text-data");
    let data = workspace.path("iris_text.csv");
    iris_with_text_and_gaps(&data);
    check_classifier(
        "iris-text-sigmoid",
        &data,
        &[
            "--target",
            "species",
            "--kernel",
            "sigmoid",
            "--scaling",
            "robust",
        ],
        true,
    );
}

/// Reads `svm-predict`'s output file: one label or value per line.
fn read_libsvm_predictions(path: &Path) -> Vec<f64> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| line.trim().parse().expect("a number per line"))
        .collect()
}

/// Exports to LIBSVM with the data preprocessed, predicts with svmq's reader and, when
/// installed, LIBSVM's `svm-predict`; both must give `svmq predict`'s answers.
fn check_libsvm(name: &str, data: &Path, options: &[&str], regression: bool) {
    let workspace = Workspace::new(&format!("export-libsvm-{name}"));
    let home = workspace.path("home");
    let model_id = train(&home, data, options);
    let model = workspace.path("model.txt");
    let scaled = workspace.path("data.libsvm");
    let summary = json_of(&[
        "--home",
        home.to_str().unwrap(),
        "--json",
        "export",
        &model_id,
        "--format",
        "libsvm",
        "-o",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--data-output",
        scaled.to_str().unwrap(),
    ]);
    // LIBSVM labels are numbers: the class of each label, by the summary's table or
    // as the integer class itself.
    let class_of = |label: f64| -> String {
        match summary["class_labels"].as_array() {
            Some(pairs) => pairs
                .iter()
                .find(|pair| pair["label"].as_f64() == Some(label))
                .and_then(|pair| pair["class"].as_str())
                .expect("a known label")
                .to_string(),
            None => format!("{label}"),
        }
    };
    // Without -b, LIBSVM predicts by votes: compare with svmq's votes.
    let ours = svmq_predictions(&home, &model_id, data, &["--no-probability"]);
    let mut predictors = vec![("svmq svm-predict", None)];
    if support::libsvm_available() {
        predictors.push(("svm-predict", Some("svm-predict")));
    }
    for (label, program) in predictors {
        let output = workspace.path("predictions.txt");
        let _ = std::fs::remove_file(&output);
        let files = [
            scaled.to_str().unwrap(),
            model.to_str().unwrap(),
            output.to_str().unwrap(),
        ];
        match program {
            Some(program) => support::run_libsvm(program, &files),
            None => {
                let mut arguments = vec!["svm-predict"];
                arguments.extend_from_slice(&files);
                svmq(&arguments).success();
            }
        }
        let predictions = read_libsvm_predictions(&output);
        assert_eq!(predictions.len(), ours.len(), "{name}, {label}");
        if regression {
            let largest = predictions
                .iter()
                .zip(&ours)
                .map(|(theirs, row)| (theirs - row["values"][0].as_f64().unwrap()).abs())
                .fold(0.0, f64::max);
            eprintln!("{name}, {label}: largest difference {largest:.2e}");
            assert!(
                largest < 1e-6,
                "{name}, {label}: values differ by {largest}"
            );
        } else {
            let equal = predictions
                .iter()
                .zip(&ours)
                .filter(|(theirs, row)| row["label"].as_str() == Some(class_of(**theirs).as_str()))
                .count();
            eprintln!("{name}, {label}: {equal}/{} labels equal", ours.len());
            assert!(
                equal as f64 / ours.len() as f64 >= MINIMUM_AGREEMENT,
                "{name}, {label}: only {equal} of {} labels agree",
                ours.len()
            );
        }
    }
}

#[test]
fn libsvm_export_with_integer_labels_is_read_by_svm_predict() {
    check_libsvm(
        "digits",
        &example("digits.csv"),
        &["--target", "digit", "--kernel", "rbf"],
        false,
    );
}

#[test]
fn libsvm_export_with_string_labels_is_read_by_svm_predict() {
    check_libsvm(
        "cancer",
        &example("breast_cancer.csv"),
        &["--target", "diagnosis", "--kernel", "linear"],
        false,
    );
}

#[test]
fn libsvm_export_of_a_regression_predicts_in_target_units() {
    check_libsvm(
        "diabetes",
        &example("diabetes.csv"),
        &[
            "--target",
            "progression",
            "--task",
            "regression",
            "--kernel",
            "poly",
        ],
        true,
    );
}

#[test]
fn export_mistakes_are_clear_errors() {
    let workspace = Workspace::new("export-errors");
    let home = workspace.path("home");
    let home = home.to_str().unwrap();
    let output = workspace.path("out.onnx");
    let output = output.to_str().unwrap();
    // Not an id, and an unknown id: failures (exit 1), no file written.
    for id in ["not-an-id", "0123456789abcdef0123456789abcdef"] {
        let run = svmq(&[
            "--home", home, "export", id, "--format", "onnx", "-o", output,
        ]);
        assert_eq!(run.code(), Some(1), "{}", run.stderr());
        assert!(run.stderr().contains("model"), "{}", run.stderr());
        assert!(!run.stderr().contains("panicked"));
    }
    // An unknown format is a usage error.
    let run = svmq(&[
        "--home", home, "export", "x", "--format", "pmml", "-o", output,
    ]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    let model_id = train(
        &workspace.path("home"),
        &example("diabetes.csv"),
        &[
            "--target-dimension",
            "2",
            "--task",
            "regression",
            "--kernel",
            "linear",
        ],
    );
    // One LIBSVM file holds one target: the error names them.
    let run = svmq(&[
        "--home", home, "export", &model_id, "--format", "libsvm", "-o", output,
    ]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert!(
        run.stderr().contains("--target") && run.stderr().contains("progression"),
        "{}",
        run.stderr()
    );
    let run = svmq(&[
        "--home", home, "export", &model_id, "--format", "libsvm", "--target", "s6", "-o", output,
    ]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    assert!(std::fs::read_to_string(output)
        .unwrap()
        .starts_with("svm_type epsilon_svr"));
    // An unwritable path.
    let run = svmq(&[
        "--home",
        home,
        "export",
        &model_id,
        "--format",
        "onnx",
        "-o",
        "/nonexistent-directory/model.onnx",
    ]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert!(run.stderr().contains("cannot write"), "{}", run.stderr());

    // A model on random Fourier features has no LIBSVM form: refused, naming ONNX.
    let model_id = train(
        &workspace.path("home"),
        &example("breast_cancer.csv"),
        &[
            "--target",
            "diagnosis",
            "--approximation",
            "rff",
            "--landmarks",
            "50",
        ],
    );
    let refused = workspace.path("refused.model");
    let run = svmq(&[
        "--home",
        home,
        "export",
        &model_id,
        "--format",
        "libsvm",
        "-o",
        refused.to_str().unwrap(),
    ]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert!(
        run.stderr().contains("random Fourier") && run.stderr().contains("onnx"),
        "{}",
        run.stderr()
    );
    assert!(!refused.exists());
}

/// Iris with a text column of 30 shops: one-hot on its 20 most frequent, the others
/// (and the rows of shops cut) in one "other" column, which the ONNX graph must
/// reproduce.
#[test]
fn onnx_a_text_column_of_many_levels_agrees() {
    let workspace = Workspace::new("export-capped-text");
    let data = workspace.path("iris_shops.csv");
    let text = std::fs::read_to_string(example("iris.csv")).unwrap();
    let mut lines = text.lines();
    let mut out = format!("shop,{}\n", lines.next().unwrap());
    for (index, line) in lines.enumerate() {
        // Shops 0–9 in most rows, 10–29 in a few each.
        let shop = if index % 3 == 0 {
            10 + index % 20
        } else {
            index % 10
        };
        out.push_str(&format!("s{shop},{line}\n"));
    }
    std::fs::write(&data, out).unwrap();
    check_classifier(
        "iris-shops",
        &data,
        &["--target", "species", "--kernel", "rbf"],
        true,
    );
}
