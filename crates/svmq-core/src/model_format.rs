//! svmq's own model file: JSON data in a versioned envelope with a SHA-256 checksum.
//!
//! A model file is data only, never code: reading one can fail, but it cannot execute
//! anything. The checksum covers the exact bytes of the `model` member, so a truncated
//! or edited file is refused instead of predicting nonsense.

use crate::error::EngineError;
use crate::model::Model;
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

/// The `format` member every svmq model file carries.
pub const FORMAT_NAME: &str = "svmq-model";
/// The newest format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Deserialize)]
struct Envelope<'a> {
    format: String,
    version: u32,
    checksum: String,
    #[serde(borrow)]
    model: &'a RawValue,
}

fn checksum(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The model as the text of an svmq model file.
pub fn to_model_file(model: &Model) -> String {
    let body = serde_json::to_string(model).expect("a model always serializes");
    format!(
        "{{\"format\":\"{FORMAT_NAME}\",\"version\":{FORMAT_VERSION},\"checksum\":\"sha256:{}\",\"model\":{body}}}\n",
        checksum(body.as_bytes())
    )
}

/// Reads an svmq model file, checking format, version, checksum and consistency.
pub fn from_model_file(text: &str) -> Result<Model, EngineError> {
    let envelope: Envelope = serde_json::from_str(text)
        .map_err(|error| EngineError::InvalidModel(format!("not an svmq model file: {error}")))?;
    if envelope.format != FORMAT_NAME {
        return Err(EngineError::InvalidModel(format!(
            "format is {:?}, expected {FORMAT_NAME:?}",
            envelope.format
        )));
    }
    if envelope.version != FORMAT_VERSION {
        return Err(EngineError::InvalidModel(format!(
            "model format version {} is not supported by this svmq (it reads version {FORMAT_VERSION})",
            envelope.version
        )));
    }
    let expected = format!("sha256:{}", checksum(envelope.model.get().as_bytes()));
    if envelope.checksum != expected {
        return Err(EngineError::InvalidModel(
            "checksum mismatch: the model file is damaged or was edited".into(),
        ));
    }
    let model: Model = serde_json::from_str(envelope.model.get())
        .map_err(|error| EngineError::InvalidModel(format!("malformed model: {error}")))?;
    model.check_consistency()?;
    Ok(model)
}
