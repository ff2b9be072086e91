//! `svmq models`: the model registry — list, show one, delete one.

use super::{print_json, print_lines};
use crate::Failure;
use clap::Subcommand;
use serde_json::json;
use svmq_service::{Access, Service};

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
    service: &Service,
    command: Option<&ModelsCommand>,
    user: &str,
    json_output: bool,
) -> Result<(), Failure> {
    match command.unwrap_or(&ModelsCommand::List) {
        ModelsCommand::List => {
            let models = service.models(user)?;
            if json_output {
                print_json(&json!({ "models": models }))?;
            } else if models.is_empty() {
                print_lines(&[
                    "no models yet; train one with `svmq train DATA --target COLUMN`".into(),
                ])?;
            } else {
                let lines: Vec<String> = models
                    .iter()
                    .map(|m| {
                        let task = m.summary["task"].as_str().unwrap_or("?");
                        let targets = m.summary["targets"]
                            .as_array()
                            .map(|t| t.len())
                            .unwrap_or(0);
                        let score = &m.summary["targets"][0]["cv_mean"];
                        let metric = m.summary["metric"].as_str().unwrap_or("");
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
            let (record, report) = service.model_report(&Access::Everyone, model_id)?;
            print_json(
                &json!({ "model_id": record.model_id.as_str(), "created_at": record.created_at, "report": report }),
            )?;
        }
        ModelsCommand::Delete { model_id } => {
            let record = service.delete_model(&Access::Everyone, model_id)?;
            if json_output {
                print_json(&json!({ "deleted": record.model_id.as_str() }))?;
            } else {
                print_lines(&[format!("deleted model {}", record.model_id)])?;
            }
        }
    }
    Ok(())
}
