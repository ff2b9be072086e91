//! Prediction from raw inputs: one row or many, as lists in feature order or as
//! objects keyed by feature name, or a whole data file. Inputs go through the model's
//! own fitted preprocessing; labels come back as written in the training data.

use crate::error::ServiceError;
use crate::saved_model::{PredictedRow, SavedModel};
use serde_json::Value;
use std::path::Path;
use svmq_data::Cell;

/// Rows given as JSON: an object (one row by name), a list of scalars (one row in
/// feature order), or a list of either.
pub fn rows_from_json(
    model: &SavedModel,
    input: &Value,
) -> Result<svmq_core::Matrix, ServiceError> {
    let rows: Vec<&Value> = match input {
        Value::Array(items) if items.iter().all(|item| item.is_array() || item.is_object()) && !items.is_empty() => {
            items.iter().collect()
        }
        Value::Array(_) | Value::Object(_) => vec![input],
        _ => {
            return Err(ServiceError::InvalidRequest(
                "feature_values must be a row (a list of values or an object keyed by feature name) or a list of rows"
                    .into(),
            ))
        }
    };
    let preprocessor = &model.preprocessor;
    if rows.iter().all(|row| row.is_object()) {
        let records: Vec<Vec<(String, Cell)>> = rows
            .iter()
            .map(|row| {
                row.as_object()
                    .expect("checked")
                    .iter()
                    .map(|(name, value)| (name.clone(), cell(value)))
                    .collect()
            })
            .collect();
        let records: Vec<std::collections::BTreeMap<String, Cell>> = records
            .into_iter()
            .map(|pairs| pairs.into_iter().collect())
            .collect();
        Ok(preprocessor.transform_records(&records)?)
    } else if rows.iter().all(|row| row.is_array()) {
        let lists: Vec<Vec<Cell>> = rows
            .iter()
            .map(|row| row.as_array().expect("checked").iter().map(cell).collect())
            .collect();
        Ok(preprocessor.transform_lists(&lists)?)
    } else {
        Err(ServiceError::InvalidRequest(
            "mixing rows given as lists and as objects is not supported; use one form".into(),
        ))
    }
}

/// A JSON value as a table cell: numbers stay numbers, strings are parsed like CSV
/// fields, null is missing.
fn cell(value: &Value) -> Cell {
    match value {
        Value::Null => Cell::Missing,
        Value::Number(number) => number.as_f64().map_or(Cell::Missing, Cell::number),
        Value::String(text) => Cell::parse(text),
        Value::Bool(flag) => Cell::parse(if *flag { "true" } else { "false" }),
        other => Cell::parse(&other.to_string()),
    }
}

/// Predicts every row of a data file (columns matched by name; target columns, if
/// present, are ignored).
pub fn predict_file(
    model: &SavedModel,
    path: &Path,
    limits: &svmq_data::ReadLimits,
    with_probability: bool,
) -> Result<Vec<PredictedRow>, ServiceError> {
    let table = crate::training::read_data(path, limits)?;
    let matrix = model.preprocessor.transform_table(&table)?;
    Ok(model.predict_matrix(&matrix, with_probability && model.has_probability()))
}

/// Writes predictions as CSV: the label (or one column per target), then one
/// probability column per class when present.
pub fn predictions_csv(model: &SavedModel, rows: &[PredictedRow]) -> String {
    let mut text = String::new();
    let quote = |field: &str| {
        if field.contains([',', '"', '\n']) {
            format!("\"{}\"", field.replace('"', "\"\""))
        } else {
            field.to_string()
        }
    };
    let with_probabilities = rows.first().is_some_and(|row| row.probabilities.is_some());
    let mut header: Vec<String> = match model.task {
        svmq_data::Task::Classification => vec!["prediction".into()],
        svmq_data::Task::Regression => model
            .targets
            .iter()
            .map(|t| quote(&format!("predicted_{}", t.name)))
            .collect(),
    };
    if with_probabilities {
        header.extend(
            model
                .classes
                .iter()
                .map(|class| quote(&format!("probability_{class}"))),
        );
    }
    text.push_str(&header.join(","));
    text.push('\n');
    for row in rows {
        let mut fields: Vec<String> = match (&row.label, &row.values) {
            (Some(label), _) => vec![quote(label)],
            (None, Some(values)) => values.iter().map(|v| v.to_string()).collect(),
            _ => vec![String::new()],
        };
        if let Some(probabilities) = &row.probabilities {
            fields.extend(probabilities.iter().map(|(_, p)| p.to_string()));
        }
        text.push_str(&fields.join(","));
        text.push('\n');
    }
    text
}
