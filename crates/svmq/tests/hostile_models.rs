//! Model files are untrusted input, through the built binary: `svm-predict` on a
//! LIBSVM model that claims huge counts or holds nonsense, and `predict` / `export` on
//! a saved model edited and re-sealed with a recomputed checksum, each fail with exit
//! code 1 and an error naming what is wrong, never a panic or an allocation abort.

mod support;

use serde_json::Value;
use std::path::Path;
use support::{svmq, Run, Workspace};
use svmq_core::model_format::to_envelope;

/// A valid two-class LIBSVM model over two features, its header replaceable by key.
const MODEL: &str = "svm_type c_svc\nkernel_type rbf\ngamma 0.5\nnr_class 2\ntotal_sv 2\n\
rho 0.1\nlabel 1 -1\nnr_sv 1 1\nSV\n1 1:0.5 2:1\n-1 1:-0.5 2:-1\n";

fn with_line(key: &str, line: &str) -> String {
    MODEL
        .lines()
        .map(|original| {
            if original.split_whitespace().next() == Some(key) {
                line.to_string()
            } else {
                original.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn assert_refused(run: &Run, expected: &str) {
    let stderr = run.stderr();
    assert_eq!(run.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("memory allocation"), "{stderr}");
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in: {stderr}"
    );
    assert!(
        stderr.len() < 2000,
        "the error is short: {} bytes",
        stderr.len()
    );
}

#[test]
fn svm_predict_refuses_hostile_libsvm_models_without_aborting() {
    let workspace = Workspace::new("hostile-libsvm-models");
    let data = workspace.path("data");
    std::fs::write(&data, "1 1:0.3 2:0.7\n-1 1:-0.2 2:-0.9\n").unwrap();
    let output = workspace.path("output");
    let cases = [
        ("total_sv", "total_sv 1000000000000", "total_sv"),
        ("nr_class", "nr_class 100000000", "nr_class"),
        ("gamma", "gamma nan", "gamma"),
        ("gamma", "gamma -1", "gamma"),
        ("rho", "rho 1e999", "rho"),
        ("nr_sv", "nr_sv 1 18446744073709551615", "nr_sv"),
    ];
    // The untouched model predicts, so each failure below is the edit's.
    let model = workspace.path("model");
    std::fs::write(&model, MODEL).unwrap();
    let arguments = [
        data.to_str().unwrap(),
        model.to_str().unwrap(),
        output.to_str().unwrap(),
    ];
    let mut command = vec!["svm-predict"];
    command.extend_from_slice(&arguments);
    svmq(&command).success();
    for (key, line, expected) in cases {
        std::fs::write(&model, with_line(key, line)).unwrap();
        assert_refused(&svmq(&command), expected);
    }
    let huge_index = MODEL.replace("2:1\n", "4000000000:1\n");
    std::fs::write(&model, huge_index).unwrap();
    assert_refused(&svmq(&command), "dense cells");
}

/// Trains a small iris model in `home`; returns its id.
fn train(home: &Path) -> String {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/iris.csv");
    let run = svmq(&[
        "--home",
        home.to_str().unwrap(),
        "--json",
        "train",
        data.to_str().unwrap(),
        "--target",
        "species",
        "--trials",
        "3",
        "--folds",
        "3",
        "--seed",
        "7",
    ])
    .success();
    let summary: Value = serde_json::from_str(&run.stdout()).expect("train prints JSON");
    summary["model_id"]
        .as_str()
        .expect("a model id")
        .to_string()
}

/// Edits the saved model's `model` member and re-seals the file with a fresh
/// checksum, as anyone can: the checksum is a plain SHA-256 of that member.
fn tamper(model_file: &Path, original: &str, edit: impl FnOnce(&mut Value)) {
    let envelope: Value = serde_json::from_str(original).unwrap();
    let mut member = envelope["model"].clone();
    edit(&mut member);
    let format = envelope["format"].as_str().unwrap();
    let version = envelope["version"].as_u64().unwrap() as u32;
    std::fs::write(model_file, to_envelope(format, version, &member)).unwrap();
}

#[test]
fn predict_and_export_refuse_a_tampered_and_resealed_saved_model() {
    let workspace = Workspace::new("hostile-saved-model");
    let home = workspace.path("home");
    let model_id = train(&home);
    let model_file = home.join("models").join(&model_id).join("model.json");
    let original = std::fs::read_to_string(&model_file).expect("the model file");
    let values =
        r#"{"sepal_length": 6.5, "sepal_width": 3.0, "petal_length": 5.5, "petal_width": 2.0}"#;
    let home_argument = home.to_str().unwrap();
    let predict = || {
        svmq(&[
            "--home",
            home_argument,
            "predict",
            &model_id,
            "--values",
            values,
        ])
    };
    let exported = workspace.path("model.onnx");
    let export = || {
        svmq(&[
            "--home",
            home_argument,
            "export",
            &model_id,
            "--format",
            "onnx",
            "-o",
            exported.to_str().unwrap(),
        ])
    };
    predict().success();
    export().success();

    type Edit = fn(&mut Value);
    let edits: [(&str, Edit, &str); 6] = [
        // The panic in matrix.rs: a support vector matrix shorter than its shape.
        (
            "short matrix",
            |model| {
                model["targets"][0]["engine"]["support_vectors"]["values"]
                    .as_array_mut()
                    .unwrap()
                    .truncate(1)
            },
            "matrix",
        ),
        // The panic in saved_model.rs: an engine label that is no class index.
        (
            "label out of range",
            |model| model["targets"][0]["engine"]["labels"][0] = 7.0.into(),
            "label",
        ),
        (
            "negative gamma",
            |model| {
                model["targets"][0]["engine"]["kernel"] =
                    serde_json::json!({"kind": "rbf", "gamma": -1.0})
            },
            "gamma",
        ),
        (
            "degree 1e9",
            |model| {
                model["targets"][0]["engine"]["kernel"] = serde_json::json!(
                    {"kind": "polynomial", "gamma": 0.5, "coef0": 0.0, "degree": 1_000_000_000u32}
                )
            },
            "degree",
        ),
        (
            "no classes",
            |model| model["classes"] = serde_json::json!([]),
            "classes",
        ),
        (
            "scaler with a zero scale",
            |model| model["preprocessor"]["features"][0]["scaling"]["scale"] = 0.0.into(),
            "scale",
        ),
    ];
    for (name, edit, expected) in edits {
        tamper(&model_file, &original, edit);
        let run = predict();
        assert_refused(&run, expected);
        assert!(!run.stderr().is_empty(), "{name}");
        assert_refused(&export(), expected);
    }
}
