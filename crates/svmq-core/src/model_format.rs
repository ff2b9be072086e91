//! svmq's own model file: JSON data in a versioned envelope with a SHA-256 checksum.
//!
//! A model file is data only, never code: reading one can fail, but it cannot execute
//! anything. The checksum covers the exact bytes of the `model` member, so a truncated
//! or edited file is refused instead of predicting nonsense.

use crate::error::EngineError;
use crate::model::Model;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

/// The `format` member every svmq model file carries.
pub const FORMAT_NAME: &str = "svmq-model";
/// The format version of a model without a feature map.
pub const FORMAT_VERSION: u32 = 1;
/// The format version of a model with a random Fourier feature map: builds from before
/// maps refuse it instead of predicting without the map.
pub const FEATURE_MAP_VERSION: u32 = 2;

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

/// Any serializable value in a checksummed, versioned envelope named `format`.
pub fn to_envelope<T: Serialize>(format: &str, version: u32, value: &T) -> String {
    let body = serde_json::to_string(value).expect("model data always serializes");
    format!(
        "{{\"format\":\"{format}\",\"version\":{version},\"checksum\":\"sha256:{}\",\"model\":{body}}}\n",
        checksum(body.as_bytes())
    )
}

/// Reads a value written by `to_envelope`, checking format, version (one of
/// `versions`) and checksum.
pub fn from_envelope<T: DeserializeOwned>(
    text: &str,
    format: &str,
    versions: std::ops::RangeInclusive<u32>,
) -> Result<T, EngineError> {
    let envelope: Envelope = serde_json::from_str(text)
        .map_err(|error| EngineError::InvalidModel(format!("not a {format} file: {error}")))?;
    if envelope.format != format {
        return Err(EngineError::InvalidModel(format!(
            "format is {:?}, expected {format:?}",
            envelope.format
        )));
    }
    if !versions.contains(&envelope.version) {
        return Err(EngineError::InvalidModel(format!(
            "{format} version {} is not supported by this svmq (it reads versions {} to {})",
            envelope.version,
            versions.start(),
            versions.end()
        )));
    }
    let expected = format!("sha256:{}", checksum(envelope.model.get().as_bytes()));
    if envelope.checksum != expected {
        return Err(EngineError::InvalidModel(
            "checksum mismatch: the model file is damaged or was edited".into(),
        ));
    }
    serde_json::from_str(envelope.model.get())
        .map_err(|error| EngineError::InvalidModel(format!("malformed model: {error}")))
}

/// The model as the text of an svmq model file.
pub fn to_model_file(model: &Model) -> String {
    to_envelope(FORMAT_NAME, model_version([model]), model)
}

/// The format version a file holding `models` is written as: [`FEATURE_MAP_VERSION`]
/// when any has a feature map, else [`FORMAT_VERSION`].
pub fn model_version<'a>(models: impl IntoIterator<Item = &'a Model>) -> u32 {
    if models.into_iter().any(|model| model.feature_map.is_some()) {
        FEATURE_MAP_VERSION
    } else {
        FORMAT_VERSION
    }
}

/// Reads an svmq model file, checking format, version, checksum and consistency.
pub fn from_model_file(text: &str) -> Result<Model, EngineError> {
    let model: Model = from_envelope(text, FORMAT_NAME, FORMAT_VERSION..=FEATURE_MAP_VERSION)?;
    model.validate()?;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{fit, FitControl, FitOutcome, Matrix, SvmParams};

    fn small_model(probability: bool) -> Model {
        let data = Matrix::from_rows(&[
            vec![0.0, 1.0],
            vec![1.0, 0.5],
            vec![0.2, 0.1],
            vec![2.0, 2.0],
            vec![1.8, 2.4],
            vec![2.2, 1.6],
        ])
        .unwrap();
        let labels = [1.0, 1.0, 1.0, 2.0, 2.0, 2.0];
        let params = SvmParams {
            probability,
            ..SvmParams::default()
        }
        .validate()
        .unwrap();
        match fit(&data, &labels, &params, &FitControl::new()).unwrap() {
            FitOutcome::Trained(trained) => trained.model,
            FitOutcome::Stopped => unreachable!(),
        }
    }

    #[test]
    fn round_trip_keeps_every_number() {
        let model = small_model(true);
        let text = to_model_file(&model);
        assert_eq!(from_model_file(&text).unwrap(), model);
    }

    #[test]
    fn a_changed_digit_is_detected() {
        let text = to_model_file(&small_model(false));
        let position = text.find("\"rho\":[").unwrap() + 8;
        let mut bytes = text.into_bytes();
        bytes[position] = if bytes[position] == b'1' { b'2' } else { b'1' };
        let error = from_model_file(std::str::from_utf8(&bytes).unwrap()).unwrap_err();
        assert!(error.to_string().contains("checksum"), "{error}");
    }

    #[test]
    fn other_formats_and_versions_are_refused() {
        let text = to_model_file(&small_model(false));
        let newer = text.replace("\"version\":1", "\"version\":99");
        assert!(from_model_file(&newer)
            .unwrap_err()
            .to_string()
            .contains("version 99"));
        assert!(from_model_file("{\"pickle\": true}").is_err());
        assert!(from_model_file("garbage").is_err());
        assert!(from_model_file(&text[..text.len() / 2]).is_err());
    }
}
