//! Class labels ↔ class indices, so that models train on `0..k` and answer in the
//! labels the user wrote.
//!
//! Classes are numbered in order of first appearance. Labels are strings exactly as
//! written in the data: `"1"`, `"-1"` and `"3"` stay those strings (not `1.0`), and
//! `"yes"` stays `"yes"`. Serializable, so a model carries its encoder.
//!
//! What it does not do: read labels from a table ([`crate::dataset`] does), or treat
//! `"1"` and `"1.0"` as one class (they are spelled differently, so they are two).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Class labels numbered `0..k` in order of first appearance; serialized as the list of
/// labels in index order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(from = "Classes", into = "Classes")]
pub struct LabelEncoder {
    classes: Vec<String>,
    /// The inverse of `classes`, rebuilt on deserializing.
    indices: HashMap<String, usize>,
}

/// The serialized form: the class names in index order.
#[derive(Serialize, Deserialize)]
struct Classes {
    classes: Vec<String>,
}

impl From<Classes> for LabelEncoder {
    fn from(serialized: Classes) -> Self {
        let mut encoder = LabelEncoder::default();
        for class in serialized.classes {
            encoder.encode_or_add(&class);
        }
        encoder
    }
}

impl From<LabelEncoder> for Classes {
    fn from(encoder: LabelEncoder) -> Self {
        Classes {
            classes: encoder.classes,
        }
    }
}

impl LabelEncoder {
    /// An encoder for these labels, in order of first appearance.
    pub fn fit<'a>(labels: impl IntoIterator<Item = &'a str>) -> LabelEncoder {
        let mut encoder = LabelEncoder::default();
        for label in labels {
            encoder.encode_or_add(label);
        }
        encoder
    }

    /// The label's index, adding it as a new class if unseen.
    pub fn encode_or_add(&mut self, label: &str) -> usize {
        if let Some(&index) = self.indices.get(label) {
            return index;
        }
        let index = self.classes.len();
        self.classes.push(label.to_string());
        self.indices.insert(label.to_string(), index);
        index
    }

    /// The label's class index; `None` for a label not seen.
    pub fn encode(&self, label: &str) -> Option<usize> {
        self.indices.get(label).copied()
    }

    /// The label of a class index; `None` past the last class.
    pub fn decode(&self, index: usize) -> Option<&str> {
        self.classes.get(index).map(String::as_str)
    }

    /// Class names, by index.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// The number of classes.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    /// Whether no class has been seen.
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_appearance_order_and_round_trip() {
        let encoder = LabelEncoder::fit(["spam", "ham", "spam", "eggs"]);
        assert_eq!(encoder.classes(), ["spam", "ham", "eggs"]);
        assert_eq!(encoder.encode("ham"), Some(1));
        assert_eq!(encoder.decode(2), Some("eggs"));
        assert_eq!(encoder.encode("bacon"), None);
        assert_eq!(encoder.decode(3), None);
    }

    #[test]
    fn numeric_looking_labels_keep_their_spelling() {
        let encoder = LabelEncoder::fit(["1", "-1", "3", "1.0"]);
        assert_eq!(encoder.classes(), ["1", "-1", "3", "1.0"]);
    }

    #[test]
    fn serde_round_trip_restores_lookup() {
        let encoder = LabelEncoder::fit(["b", "a"]);
        let json = serde_json::to_string(&encoder).unwrap();
        assert_eq!(json, r#"{"classes":["b","a"]}"#);
        let back: LabelEncoder = serde_json::from_str(&json).unwrap();
        assert_eq!(back, encoder);
        assert_eq!(back.encode("a"), Some(1));
    }
}
