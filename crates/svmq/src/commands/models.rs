//! `svmq models`: the model registry — list, show one, delete one.

use super::{print_json, print_lines};
use crate::settings::open_store;
use crate::Failure;
use clap::Subcommand;
use serde_json::json;
use std::path::Path;
use svmq_queue::model_dir;
use svmq_service::model_store::{find_model, load_report};

#[derive(Subcommand, Debug)]
pub enum ModelsCommand {
    /// List the models (newest first).
    List,
    /// Show one model's training report.
    Show { model_id: String },
    /// Delete a model and its files.
    Delete { model_id: String },
}

pub fn run(
    home: &Path,
    command: Option<&ModelsCommand>,
    user: &str,
    json_output: bool,
) -> Result<(), Failure> {
    let store = open_store(home)?;
    match command.unwrap_or(&ModelsCommand::List) {
        ModelsCommand::List => {
            let models = store.list_models(user)?;
            if json_output {
                let list: Vec<_> = models
                    .iter()
                    .map(|m| json!({"model_id": m.model_id.as_str(), "created_at": m.created_at, "task_id": m.task_id.as_ref().map(|t| t.to_string()), "summary": m.metadata}))
                    .collect();
                print_json(&json!({ "models": list }))?;
            } else if models.is_empty() {
                print_lines(&[
                    "no models yet; train one with `svmq train DATA --target COLUMN`".into(),
                ])?;
            } else {
                let lines: Vec<String> = models
                    .iter()
                    .map(|m| {
                        let task = m.metadata["task"].as_str().unwrap_or("?");
                        let targets = m.metadata["targets"]
                            .as_array()
                            .map(|t| t.len())
                            .unwrap_or(0);
                        let score = &m.metadata["targets"][0]["cv_mean"];
                        let metric = m.metadata["metric"].as_str().unwrap_or("");
                        format!(
                            "{}  {task:<14} {targets} target(s)  cv {metric} {score}",
                            m.model_id
                        )
                    })
                    .collect();
                print_lines(&lines)?;
            }
        }
        ModelsCommand::Show { model_id } => {
            let record = find_model(store.as_ref(), model_id, None)?;
            let report = load_report(home, &record)?;
            print_json(
                &json!({ "model_id": record.model_id.as_str(), "created_at": record.created_at, "report": report }),
            )?;
        }
        ModelsCommand::Delete { model_id } => {
            let record = find_model(store.as_ref(), model_id, None)?;
            store.delete_model(&record.model_id)?;
            let directory = model_dir(home, &record.model_id);
            if directory.exists() {
                std::fs::remove_dir_all(&directory)?;
            }
            if json_output {
                print_json(&json!({ "deleted": record.model_id.as_str() }))?;
            } else {
                print_lines(&[format!("deleted model {}", record.model_id)])?;
            }
        }
    }
    Ok(())
}
