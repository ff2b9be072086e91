//! `svmq predict`: predictions of a registered model for a data file or for rows
//! given as JSON, with labels as written in the training data.

use super::print_json;
use crate::settings::open_store;
use crate::Failure;
use anyhow::Context;
use clap::Args;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use svmq_service::model_store::{find_model, load_model};
use svmq_service::prediction::{predict_file, predictions_csv, rows_from_json};

#[derive(Args, Debug)]
pub struct PredictArgs {
    /// The model id (see `svmq models`).
    pub model_id: String,
    /// A data file with the model's feature columns (extra target columns are ignored).
    pub data: Option<PathBuf>,
    /// Rows as JSON instead of a file: `[5.1, 3.5, 1.4, 0.2]`, `{"sepal_length": 5.1, …}` or a list of rows.
    #[arg(long, conflicts_with = "data")]
    pub values: Option<String>,
    /// Write the predictions as CSV to this file instead of stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Leave out class probabilities.
    #[arg(long)]
    pub no_probability: bool,
}

pub fn run(home: &Path, arguments: &PredictArgs, json_output: bool) -> Result<(), Failure> {
    let store = open_store(home)?;
    let record = find_model(store.as_ref(), &arguments.model_id, None)?;
    let model = load_model(home, &record)?;
    let with_probability = !arguments.no_probability && model.has_probability();
    let rows = match (&arguments.data, &arguments.values) {
        (Some(path), _) => predict_file(&model, path, with_probability)?,
        (None, Some(values)) => {
            let input: serde_json::Value = serde_json::from_str(values)
                .map_err(|error| Failure::Usage(format!("--values is not valid JSON: {error}")))?;
            let matrix = rows_from_json(&model, &input)?;
            model.predict_matrix(&matrix, with_probability)
        }
        (None, None) => return Err(Failure::Usage("give a data file or --values".into())),
    };
    if json_output {
        print_json(&json!({ "model_id": record.model_id.as_str(), "predictions": rows }))?;
        return Ok(());
    }
    let csv = predictions_csv(&model, &rows);
    match &arguments.output {
        Some(path) => {
            std::fs::write(path, csv)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("{} predictions written to {}", rows.len(), path.display());
        }
        None => std::io::stdout().lock().write_all(csv.as_bytes())?,
    }
    Ok(())
}
