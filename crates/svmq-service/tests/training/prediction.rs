//! Prediction in the original label space: labels come back as written in the data
//! (strings stay strings, `+1` stays `+1`), from rows given as lists in feature order
//! or as objects keyed by feature name; missing and unknown features are clear errors.

use crate::support::*;
use serde_json::json;
use svmq_core::random::Random;
use svmq_data::Task;
use svmq_service::prediction::{predict_file, rows_from_json};
use svmq_service::{KernelChoice, SavedModel, TrainingRequest};

/// Three animals in three clusters of (weight, height), and a colour that is noise.
fn animals_csv(rows: usize) -> String {
    let mut random = Random::new(9);
    let colours = ["red", "green", "blue"];
    let table: Vec<Vec<String>> = (0..rows)
        .map(|row| {
            let (animal, weight, height) =
                [("cat", 4.0, 30.0), ("dog", 30.0, 60.0), ("bird", 0.5, 10.0)][row % 3];
            vec![
                field(weight * (0.9 + 0.2 * random.unit())),
                field(height * (0.9 + 0.2 * random.unit())),
                colours[random.below(3)].to_string(),
                animal.to_string(),
            ]
        })
        .collect();
    csv(&["weight", "height", "colour", "animal"], &table)
}

fn animal_model(fixture: &Fixture) -> SavedModel {
    let path = fixture.write("animals.csv", &animals_csv(60));
    let outcome = train_ok(&TrainingRequest {
        optimize_hyperparameters: false,
        probability: true,
        ..request(&path, Task::Classification)
    });
    assert_eq!(outcome.report.classes, ["cat", "dog", "bird"]);
    assert_eq!(outcome.report.targets[0].test_metrics["accuracy"], 1.0);
    outcome.model
}

fn labels(model: &SavedModel, input: serde_json::Value) -> Vec<String> {
    let rows = rows_from_json(model, &input).expect("valid rows");
    model
        .predict_matrix(&rows, false)
        .into_iter()
        .map(|row| row.label.expect("a label"))
        .collect()
}

#[test]
fn string_labels_come_back_as_strings_from_lists_and_objects() {
    let fixture = Fixture::new("animals");
    let model = animal_model(&fixture);
    let expected = ["dog", "bird", "cat"];
    let as_lists = json!([
        [30.0, 60.0, "red"],
        [0.5, 10.0, "blue"],
        [4.0, 30.0, "green"]
    ]);
    assert_eq!(labels(&model, as_lists), expected);
    let as_objects = json!([
        {"weight": 30.0, "height": 60.0, "colour": "red"},
        {"height": 10.0, "colour": "blue", "weight": 0.5},
        {"colour": "green", "weight": "4", "height": 30.0, "animal": "dog"},
    ]);
    assert_eq!(labels(&model, as_objects), expected);
    // One row alone, either form.
    assert_eq!(labels(&model, json!([30.0, 60.0, "red"])), ["dog"]);
    assert_eq!(
        labels(
            &model,
            json!({"weight": 0.5, "height": 10.0, "colour": "red"})
        ),
        ["bird"]
    );
    // An unseen category is ignored, a missing value imputed.
    assert_eq!(
        labels(&model, json!([[30.0, 60.0, "purple"], [4.0, 30.0, null]])),
        ["dog", "cat"]
    );
}

#[test]
fn probabilities_are_keyed_by_label() {
    let fixture = Fixture::new("animal-probabilities");
    let model = animal_model(&fixture);
    assert!(model.has_probability());
    let rows = rows_from_json(&model, &json!([[30.0, 60.0, "red"]])).expect("row");
    let predicted = &model.predict_matrix(&rows, true)[0];
    let probabilities = predicted.probabilities.as_ref().expect("probabilities");
    let names: Vec<&str> = probabilities
        .iter()
        .map(|(label, _)| label.as_str())
        .collect();
    assert_eq!(names, ["cat", "dog", "bird"]);
    let total: f64 = probabilities.iter().map(|(_, p)| p).sum();
    assert!((total - 1.0).abs() < 1e-6, "probabilities sum to {total}");
    let (best, _) = probabilities
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .expect("three classes");
    assert_eq!(best, "dog");
}

#[test]
fn missing_extra_and_miscounted_features_are_clear_errors() {
    let fixture = Fixture::new("animal-errors");
    let model = animal_model(&fixture);
    let message = |input: serde_json::Value| {
        rows_from_json(&model, &input)
            .expect_err("refused")
            .to_string()
    };
    let missing = message(json!({"weight": 1.0, "colour": "red"}));
    assert!(
        missing.contains("missing feature(s): `height`"),
        "{missing}"
    );
    let extra = message(json!({"weight": 1.0, "height": 2.0, "colour": "red", "wings": 2}));
    assert!(extra.contains("unknown feature(s): `wings`"), "{extra}");
    assert!(
        extra.contains("`weight`, `height`, `colour`"),
        "lists the model's features: {extra}"
    );
    let short = message(json!([[1.0, 2.0]]));
    assert!(
        short.contains("2 feature values given, but the model takes 3 in this order: `weight`, `height`, `colour`"),
        "{short}"
    );
    let scalar = message(json!(3.0));
    assert!(scalar.contains("feature_values must be a row"), "{scalar}");
}

#[test]
fn a_saved_model_predicts_the_same_after_a_round_trip_and_from_a_file() {
    let fixture = Fixture::new("animal-file");
    let model = animal_model(&fixture);
    let restored = SavedModel::from_text(&model.to_text()).expect("round trip");
    assert_eq!(restored, model);
    let input = fixture.write(
        "new.csv",
        "colour,height,weight\nred,60,30\nblue,10,0.5\nteal,30,4\n",
    );
    let predicted = predict_file(&restored, &input, &svmq_data::ReadLimits::default(), true)
        .expect("predict the file");
    let labels: Vec<&str> = predicted
        .iter()
        .map(|row| row.label.as_deref().expect("label"))
        .collect();
    assert_eq!(labels, ["dog", "bird", "cat"]);
    let text = svmq_service::prediction::predictions_csv(&restored, &predicted);
    assert!(
        text.starts_with("prediction,probability_cat,probability_dog,probability_bird\ndog,"),
        "{text}"
    );
}

#[test]
fn numeric_labels_keep_their_spelling() {
    let fixture = Fixture::new("signed-labels");
    let rows: Vec<Vec<String>> = (0..40)
        .map(|row| {
            // Not whole numbers: a row number would be left out as an identifier.
            let (x, label) = if row % 2 == 0 {
                (row as f64 + 0.5, "+1")
            } else {
                (-(row as f64) - 0.5, "-1")
            };
            vec![field(x), label.to_string()]
        })
        .collect();
    let path = fixture.write("signed.csv", &csv(&["x", "class"], &rows));
    let outcome = train_ok(&TrainingRequest {
        kernel: KernelChoice::Linear,
        optimize_hyperparameters: false,
        ..request(&path, Task::Classification)
    });
    assert_eq!(outcome.report.classes, ["+1", "-1"]);
    assert_eq!(
        labels(&outcome.model, json!([[12.0], [-12.0]])),
        ["+1", "-1"]
    );
}

/// A saved model edited and re-sealed with a fresh checksum (anyone can compute it).
fn resealed(model: &SavedModel, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value = serde_json::to_value(model).unwrap();
    edit(&mut value);
    svmq_core::model_format::to_envelope(
        svmq_service::saved_model::SAVED_MODEL_FORMAT,
        svmq_service::saved_model::SAVED_MODEL_VERSION,
        &value,
    )
}

#[test]
fn a_resealed_saved_model_with_an_engine_label_out_of_range_is_refused_not_a_panic() {
    let fixture = Fixture::new("animal-resealed");
    let model = animal_model(&fixture);
    type Edit = fn(&mut serde_json::Value);
    let edits: [(&str, Edit); 10] = [
        // Predicting with probabilities indexed the classes by this label and panicked.
        ("label", |v| {
            v["targets"][0]["engine"]["labels"][0] = 9.0.into()
        }),
        ("label", |v| {
            v["targets"][0]["engine"]["labels"][0] = 0.5.into()
        }),
        // A matrix shorter than its shape panicked in Matrix::row.
        ("matrix", |v| {
            v["targets"][0]["engine"]["support_vectors"]["values"]
                .as_array_mut()
                .unwrap()
                .clear()
        }),
        ("features", |v| {
            v["preprocessor"]["features"]
                .as_array_mut()
                .unwrap()
                .remove(0);
        }),
        ("classes", |v| v["classes"] = serde_json::json!(["cat"])),
        ("distinct", |v| {
            v["classes"] = serde_json::json!(["cat", "cat", "dog"])
        }),
        ("no target", |v| v["targets"] = serde_json::json!([])),
        ("one target", |v| {
            let first = v["targets"][0].clone();
            v["targets"].as_array_mut().unwrap().push(first)
        }),
        ("C must", |v| v["targets"][0]["params"]["c"] = (-1.0).into()),
        ("regression", |v| v["task"] = "regression".into()),
    ];
    for (expected, edit) in edits {
        let error = SavedModel::from_text(&resealed(&model, edit))
            .expect_err(expected)
            .to_string();
        assert!(error.contains(expected), "{expected}: {error}");
    }
}
