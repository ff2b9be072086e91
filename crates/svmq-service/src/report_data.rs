//! What the training report keeps for plots beyond its metrics: a bounded sample of
//! the test split (truth, prediction and scores, for the confusion matrix, ROC and
//! precision–recall curves), and a summary of each feature column.
//!
//! Bounded on purpose: the report travels to MCP clients (`get_model_info`), so at most
//! [`MAX_STORED_TEST_ROWS`] test rows are stored. The test split is already shuffled,
//! so its first rows are a random sample; the metrics are always computed on every
//! test row. This module computes no curves: rendering them is the report's job.

use serde::{Deserialize, Deserializer, Serialize};
use svmq_data::{ColumnKind, Dataset};
use svmq_tune::evaluation::Predictions;

/// Test rows stored in a training report, at most.
pub const MAX_STORED_TEST_ROWS: usize = 1000;

/// Test rows of a classifier: truth, prediction and scores, in test-split order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationSample {
    /// Rows in the test split; `truth` holds the first `MAX_STORED_TEST_ROWS` of them.
    pub total_rows: usize,
    /// Class indices (into the report's `classes`).
    pub truth: Vec<usize>,
    /// Predicted class indices, for the same rows as `truth`.
    pub predicted: Vec<usize>,
    /// Binary classifiers: the decision value for the second class (higher means the
    /// second class), the score ROC and precision–recall curves rank by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scores: Option<Vec<f64>>,
    /// Multiclass classifiers with probabilities: one probability per class, per row,
    /// rounded to 6 decimals (one-vs-rest curves rank by them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probabilities: Option<Vec<Vec<f64>>>,
}

impl ClassificationSample {
    /// The stored sample of a classifier's test predictions (`truth` as class indices).
    pub fn new(truth: &[f64], predictions: &Predictions, classes: usize) -> ClassificationSample {
        let stored = truth.len().min(MAX_STORED_TEST_ROWS);
        let class_of = |value: f64| value.max(0.0) as usize;
        ClassificationSample {
            total_rows: truth.len(),
            truth: truth[..stored].iter().map(|&t| class_of(t)).collect(),
            predicted: predictions.values[..stored.min(predictions.values.len())]
                .iter()
                .map(|&p| class_of(p))
                .collect(),
            scores: if classes == 2 {
                predictions
                    .scores
                    .as_ref()
                    .map(|scores| scores.iter().take(stored).copied().collect())
            } else {
                None
            },
            probabilities: if classes > 2 {
                predictions.probabilities.as_ref().map(|rows| {
                    rows.iter()
                        .take(stored)
                        .map(|row| row.iter().map(|&p| (p * 1e6).round() / 1e6).collect())
                        .collect()
                })
            } else {
                None
            },
        }
    }
}

/// One feature column as the data summary shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSummary {
    /// The column's name.
    pub name: String,
    /// Its inferred type, numeric or categorical.
    pub kind: ColumnKind,
    /// Missing cells in the whole file (imputed when fitting).
    pub missing: usize,
    /// Distinct non-missing values.
    pub distinct: usize,
}

/// The feature columns of a dataset with their inferred types.
pub fn column_summaries(dataset: &Dataset) -> Vec<ColumnSummary> {
    dataset
        .feature_columns
        .iter()
        .map(|&column| {
            let schema = &dataset.schema.columns[column];
            ColumnSummary {
                name: schema.name.clone(),
                kind: schema.kind,
                missing: schema.missing,
                distinct: schema.distinct,
            }
        })
        .collect()
}

/// A number that may have been written as `null` (serde_json writes NaN that way).
pub(crate) fn number_or_nan<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

/// Numbers that may have been written as `null`.
pub(crate) fn numbers_or_nan<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<f64>, D::Error> {
    Ok(Vec::<Option<f64>>::deserialize(deserializer)?
        .into_iter()
        .map(|value| value.unwrap_or(f64::NAN))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn predictions(values: Vec<f64>, scores: Option<Vec<f64>>) -> Predictions {
        Predictions {
            values,
            probabilities: None,
            scores,
        }
    }

    #[test]
    fn a_large_test_split_is_stored_up_to_the_cap() {
        let rows = MAX_STORED_TEST_ROWS + 25;
        let truth: Vec<f64> = (0..rows).map(|r| (r % 2) as f64).collect();
        let scores: Vec<f64> = (0..rows).map(|r| r as f64).collect();
        let sample =
            ClassificationSample::new(&truth, &predictions(truth.clone(), Some(scores)), 2);
        assert_eq!(sample.total_rows, rows);
        assert_eq!(sample.truth.len(), MAX_STORED_TEST_ROWS);
        assert_eq!(sample.predicted.len(), MAX_STORED_TEST_ROWS);
        assert_eq!(sample.scores.map(|s| s.len()), Some(MAX_STORED_TEST_ROWS));
    }

    #[test]
    fn nan_written_as_null_reads_back_as_nan() {
        #[derive(Deserialize)]
        struct Holder {
            #[serde(deserialize_with = "number_or_nan")]
            value: f64,
            #[serde(deserialize_with = "numbers_or_nan")]
            values: Vec<f64>,
        }
        let holder: Holder =
            serde_json::from_str(r#"{"value": null, "values": [1.5, null]}"#).expect("parse");
        assert!(holder.value.is_nan());
        assert_eq!(holder.values[0], 1.5);
        assert!(holder.values[1].is_nan());
    }
}
