//! The fitted preprocessing as ONNX nodes, so an exported model takes raw features.
//!
//! Inputs (what a user feeds):
//! - `features`: float `[N, n]`, the numeric feature columns in training order
//!   (absent when every feature is text). NaN is a missing value: `Imputer` replaces
//!   it by the training mean, then `Scaler` applies `(x − center) · (1 / scale)`.
//! - one string tensor `[N, 1]` per text column, named after the column. A
//!   `LabelEncoder` maps the empty string and the missing-value markers (`NA`, `n/a`,
//!   `NaN`, `null`, `?` in their usual cases) to the most frequent training category
//!   and leaves known categories as they are; `OneHotEncoder` then gives one 0/1
//!   column per training category, all zeros for a category never seen. Values are
//!   matched exactly: unlike svmq's file reader, no surrounding spaces are trimmed.
//!
//! The engine's feature order interleaves numeric and one-hot columns as the table
//! did; here they come numeric first, then each one-hot block. Rather than shuffle
//! columns in the graph, [`Preprocessing::engine_columns`] tells the SVM nodes how to
//! reorder the support vectors' columns, which leaves every kernel value unchanged.

use crate::builder::{Attribute, GraphBuilder, ML_DOMAIN, ONNX_DOMAIN};
use crate::error::ExportError;
use crate::proto::DataType;
use svmq_data::preprocess::FittedFeature;
use svmq_data::table::MISSING_MARKERS;
use svmq_data::FittedPreprocessor;

/// The name of the numeric input.
pub const NUMERIC_INPUT: &str = "features";

/// Names the graph's outputs use; no input may take them.
pub const RESERVED_NAMES: [&str; 5] = [NUMERIC_INPUT, "label", "probabilities", "scores", "values"];

/// One graph input.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// The input's name in the graph (a column name, or the numeric block's name).
    pub name: String,
    /// What it holds.
    pub kind: InputKind,
}

#[derive(Debug, Clone, PartialEq)]
/// What one graph input holds.
pub enum InputKind {
    /// Float `[N, columns.len()]`: these numeric columns, in this order.
    Numeric {
        /// The numeric columns, in input order.
        columns: Vec<String>,
    },
    /// String `[N, 1]`: one text column.
    Text,
}

/// The preprocessing part of a graph.
pub struct Preprocessing {
    /// The graph inputs the preprocessing reads, in order.
    pub inputs: Vec<Input>,
    /// The float `[N, width]` value holding the preprocessed features.
    pub output: String,
    /// For each column of `output`, the engine's column index.
    pub engine_columns: Vec<usize>,
}

/// Adds the preprocessing nodes and declares the inputs.
pub fn add_preprocessing(
    graph: &mut GraphBuilder,
    preprocessor: &FittedPreprocessor,
) -> Result<Preprocessing, ExportError> {
    let mut numeric = Vec::new(); // (name, fill, center, scale, engine column)
    let mut text = Vec::new(); // (feature, first engine column)
    let mut column = 0;
    for feature in preprocessor.features() {
        match feature {
            FittedFeature::Numeric {
                name,
                fill,
                scaling,
            } => {
                numeric.push((name.as_str(), *fill, scaling.center, scaling.scale, column));
                column += 1;
            }
            FittedFeature::Categorical { .. } => {
                text.push((feature, column));
                column += feature.width();
            }
            FittedFeature::Date(date) => {
                return Err(ExportError::Unsupported(format!(
                    "the date column {:?} cannot be exported: an ONNX graph has no operator to read dates from text; predict with svmq, or train again leaving the column out (--drop, or exclude_columns in MCP)",
                    date.name
                )))
            }
        }
    }
    for (feature, _) in &text {
        if RESERVED_NAMES.contains(&feature.name()) {
            return Err(ExportError::Unsupported(format!(
                "the text column {:?} has the name of one of the ONNX model's own inputs or outputs ({}); rename it and train again",
                feature.name(),
                RESERVED_NAMES.join(", ")
            )));
        }
    }

    let mut inputs = Vec::new();
    let mut blocks = Vec::new();
    let mut engine_columns = Vec::new();
    if !numeric.is_empty() {
        let columns: Vec<String> = numeric.iter().map(|n| n.0.to_string()).collect();
        graph.input(
            NUMERIC_INPUT,
            DataType::Float,
            vec![None, Some(numeric.len() as i64)],
            &format!(
                "numeric features, NaN for missing, in this order: {}",
                columns.join(", ")
            ),
        );
        inputs.push(Input {
            name: NUMERIC_INPUT.to_string(),
            kind: InputKind::Numeric { columns },
        });
        let imputed = graph.node1(
            ML_DOMAIN,
            "Imputer",
            &[NUMERIC_INPUT],
            "imputed",
            vec![
                (
                    "imputed_value_floats",
                    Attribute::floats(numeric.iter().map(|n| n.1)),
                ),
                ("replaced_value_float", Attribute::Float(f32::NAN)),
            ],
        );
        let scaled = graph.node1(
            ML_DOMAIN,
            "Scaler",
            &[&imputed],
            "scaled",
            vec![
                ("offset", Attribute::floats(numeric.iter().map(|n| n.2))),
                (
                    "scale",
                    Attribute::floats(numeric.iter().map(|n| 1.0 / n.3)),
                ),
            ],
        );
        blocks.push(scaled);
        engine_columns.extend(numeric.iter().map(|n| n.4));
    }
    for (feature, first_column) in text {
        let FittedFeature::Categorical {
            name,
            categories,
            fill,
            other,
        } = feature
        else {
            continue;
        };
        if categories.is_empty() {
            // No value was seen: the column adds no engine feature.
            continue;
        }
        graph.input(
            name,
            DataType::String,
            vec![None, Some(1)],
            "a text feature; empty or a missing-value marker for missing",
        );
        inputs.push(Input {
            name: name.clone(),
            kind: InputKind::Text,
        });
        let filled = add_missing_text_fill(graph, name, categories, *fill);
        // With an "other" column, the marker every unknown value becomes is one more
        // category, encoded last.
        let mut encoded_categories = categories.clone();
        if *other {
            encoded_categories.push(unknown_marker(categories));
        }
        let width = encoded_categories.len();
        let encoded = graph.node1(
            ML_DOMAIN,
            "OneHotEncoder",
            &[&filled],
            "one_hot",
            vec![
                ("cats_strings", Attribute::Texts(encoded_categories)),
                ("zeros", Attribute::Int(1)),
            ],
        );
        // [N, 1, categories] → [N, categories].
        let shape = graph.int64_constant("shape", &[2], vec![-1, width as i64]);
        let flat = graph.node1(ONNX_DOMAIN, "Reshape", &[&encoded, &shape], "block", vec![]);
        blocks.push(flat);
        engine_columns.extend(first_column..first_column + width);
    }
    if blocks.is_empty() {
        return Err(ExportError::Unsupported(
            "the model has no feature to take as input".into(),
        ));
    }
    let output = if blocks.len() == 1 {
        blocks.remove(0)
    } else {
        let refs: Vec<&str> = blocks.iter().map(String::as_str).collect();
        graph.node1(
            ONNX_DOMAIN,
            "Concat",
            &refs,
            "preprocessed",
            vec![("axis", Attribute::Int(1))],
        )
    };
    Ok(Preprocessing {
        inputs,
        output,
        engine_columns,
    })
}

/// A `LabelEncoder` that maps the ways of writing a missing value to the fill
/// category and keeps known categories; anything else becomes a value outside the
/// categories (all zeros after one-hot encoding).
fn add_missing_text_fill(
    graph: &mut GraphBuilder,
    input: &str,
    categories: &[String],
    fill: Option<usize>,
) -> String {
    let unknown = unknown_marker(categories);
    let fill_value = fill
        .and_then(|index| categories.get(index))
        .cloned()
        .unwrap_or_else(|| unknown.clone());
    let mut keys: Vec<String> = categories.to_vec();
    let mut values: Vec<String> = categories.to_vec();
    for marker in missing_spellings() {
        if !keys.contains(&marker) {
            keys.push(marker);
            values.push(fill_value.clone());
        }
    }
    graph.node1(
        ML_DOMAIN,
        "LabelEncoder",
        &[input],
        "filled",
        vec![
            ("keys_strings", Attribute::Texts(keys)),
            ("values_strings", Attribute::Texts(values)),
            ("default_string", Attribute::Text(unknown)),
        ],
    )
}

/// The empty string and each missing-value marker in lower, upper and title case
/// (the reader compares them ignoring case; LabelEncoder matches exactly).
fn missing_spellings() -> Vec<String> {
    let mut spellings = vec![String::new()];
    for marker in MISSING_MARKERS {
        let mut title = marker.to_string();
        if let Some(first) = title.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        for spelling in [marker.to_string(), marker.to_ascii_uppercase(), title] {
            if !spellings.contains(&spelling) {
                spellings.push(spelling);
            }
        }
    }
    // "NaN" as written by most tools.
    if !spellings.iter().any(|s| s == "NaN") {
        spellings.push("NaN".into());
    }
    spellings
}

/// A string that is not a category.
fn unknown_marker(categories: &[String]) -> String {
    let mut marker = String::from("\u{0}unknown");
    while categories.contains(&marker) {
        marker.push('\u{0}');
    }
    marker
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_spellings_cover_the_usual_cases_once() {
        let spellings = missing_spellings();
        for expected in [
            "", "NA", "na", "Na", "N/A", "n/a", "NaN", "nan", "NULL", "null", "?",
        ] {
            assert!(spellings.iter().any(|s| s == expected), "{expected:?}");
        }
        let mut sorted = spellings.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), spellings.len());
    }

    #[test]
    fn the_unknown_marker_is_never_a_category() {
        let categories = vec!["\u{0}unknown".to_string(), "a".to_string()];
        assert!(!categories.contains(&unknown_marker(&categories)));
    }
}
