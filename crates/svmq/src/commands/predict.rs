//! `svmq predict`: predictions of a registered model for a data file or for rows
//! given as JSON, with labels as written in the training data.

use super::print_json;
use crate::Failure;
use anyhow::Context;
use clap::Args;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use svmq_service::prediction::predictions_csv;
use svmq_service::{Access, Service};

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

pub fn run(service: &Service, arguments: &PredictArgs, json_output: bool) -> Result<(), Failure> {
    let loaded = service.load_model(&Access::Everyone, &arguments.model_id)?;
    let with_probability = !arguments.no_probability;
    let rows = match (&arguments.data, &arguments.values) {
        (Some(path), _) => service.predict_file(&loaded, path, with_probability)?,
        (None, Some(values)) => {
            let input: serde_json::Value = serde_json::from_str(values)
                .map_err(|error| Failure::Usage(format!("--values is not valid JSON: {error}")))?;
            service.predict_values(&loaded, &input, with_probability)?
        }
        (None, None) => return Err(Failure::Usage("give a data file or --values".into())),
    };
    if json_output {
        print_json(&json!({ "model_id": loaded.record.model_id.as_str(), "predictions": rows }))?;
        return Ok(());
    }
    let csv = predictions_csv(&loaded.model, &rows);
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
