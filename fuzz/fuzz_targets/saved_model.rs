//! svmq's saved model: any bytes, read as a whole file and as the `model` member of a
//! file re-sealed with its checksum (as an attacker can), either fail with an error or
//! give a model that predicts and exports without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;
use svmq_core::model_format::to_envelope;
use svmq_data::Cell;
use svmq_service::export::{export_model, ExportFormat};
use svmq_service::saved_model::{SavedModel, SAVED_MODEL_FORMAT, SAVED_MODEL_VERSION};

fn exercise(model: &SavedModel) {
    // Every feature missing: each is imputed with its fitted fill value.
    let row = vec![Cell::Missing; model.preprocessor.input_names().len()];
    let matrix = model
        .preprocessor
        .transform_lists(&[row])
        .expect("a validated model transforms a row of missing values");
    let predicted = model.predict_matrix(&matrix, model.has_probability());
    assert_eq!(predicted.len(), 1);
    for format in [ExportFormat::Onnx, ExportFormat::Libsvm] {
        let _ = export_model(model, "0123456789abcdef0123456789abcdef", format, None);
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(model) = SavedModel::from_text(text) {
        exercise(&model);
    }
    let Ok(member) = RawValue::from_string(text.to_string()) else {
        return;
    };
    let sealed = to_envelope(SAVED_MODEL_FORMAT, SAVED_MODEL_VERSION, &member);
    if let Ok(model) = SavedModel::from_text(&sealed) {
        exercise(&model);
    }
});
