//! Model tools: prediction from values or a file, the registry (list, info,
//! delete), and data validation without training.

use crate::error::ToolError;
use crate::output::{
    DataReport, Deleted, ExportedModel, FilePredictions, ModelInfo, ModelList, PredictionView,
    Predictions, Reply,
};
use crate::params::{
    ExportModelParams, ListModelsParams, ModelIdParams, PredictFileParams, PredictValuesParams,
    ValidateDataParams,
};
use crate::server::{Caller, SvmqServer};
use crate::tools::training::bounded;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router, Json, RoleServer};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use svmq_data::{ColumnOverrides, TargetOptions, Task, ValidationOptions};
use svmq_service::data_check::validate_file;
use svmq_service::export::ExportFormat;
use svmq_service::prediction::predictions_csv;
use svmq_service::request::{DEFAULT_FOLDS, MAX_FOLDS, MAX_TARGET_DIMENSION};
use svmq_service::{ModelView, PredictedRow, SavedModel};

/// Rows returned inline as CSV at most; more need an output_path.
const MAX_INLINE_ROWS: usize = 10_000;

/// What `validate_data` checks the data for, its counts range-checked.
pub(crate) fn validation_options(
    params: &ValidateDataParams,
) -> Result<ValidationOptions, ToolError> {
    let task = params.task_type.map(Task::from);
    let target_dimension = bounded(
        "target_dimension",
        params.target_dimension,
        1,
        1,
        MAX_TARGET_DIMENSION,
        "target columns",
    )?;
    let folds = bounded(
        "cv_folds",
        params.cv_folds,
        DEFAULT_FOLDS,
        2,
        MAX_FOLDS,
        "cross-validation folds",
    )?;
    Ok(ValidationOptions {
        task,
        target: TargetOptions {
            target_column: params.target_column.clone(),
            target_dimension,
            // The server's own cap replaces it where the options are used.
            max_classes: svmq_data::dataset::DEFAULT_MAX_CLASSES,
        },
        columns: ColumnOverrides::default(),
        folds: Some(folds),
    })
}

fn task_name(task: Task) -> &'static str {
    match task {
        Task::Classification => "classification",
        Task::Regression => "regression",
    }
}

fn prediction_view(row: PredictedRow) -> PredictionView {
    PredictionView {
        label: row.label,
        values: row.values,
        probabilities: row
            .probabilities
            .map(|pairs| pairs.into_iter().collect::<BTreeMap<_, _>>()),
        decision_values: row.decision_values,
    }
}

/// Classification: rows per predicted class. Regression: per target, mean, min, max.
fn prediction_summary(model: &SavedModel, rows: &[PredictedRow]) -> Value {
    match model.task {
        Task::Classification => {
            let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
            for row in rows {
                *counts
                    .entry(row.label.as_deref().unwrap_or(""))
                    .or_default() += 1;
            }
            json!({ "predicted_classes": counts })
        }
        Task::Regression => {
            let targets: Vec<Value> = model
                .targets
                .iter()
                .enumerate()
                .map(|(index, target)| {
                    let values: Vec<f64> = rows
                        .iter()
                        .filter_map(|row| row.values.as_ref().and_then(|v| v.get(index)).copied())
                        .collect();
                    let count = values.len().max(1) as f64;
                    json!({
                        "target": target.name,
                        "mean": values.iter().sum::<f64>() / count,
                        "min": values.iter().copied().fold(f64::INFINITY, f64::min),
                        "max": values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    })
                })
                .collect();
            json!({ "targets": targets })
        }
    }
}

#[tool_router(router = model_tools, vis = "pub(crate)")]
impl SvmqServer {
    /// Predicts rows given in the call: classes, or values in the target's units,
    /// with probabilities or decision values.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn predict_from_values(
        &self,
        Parameters(params): Parameters<PredictValuesParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<Reply<Predictions>>, ToolError> {
        let caller = Caller::of(&context);
        self.blocking(move |state| {
            let loaded = state
                .service
                .load_model(&state.access(&caller), &params.model_id)?;
            let rows = state.service.predict_values(
                &loaded,
                &params.feature_values,
                params.include_probabilities.unwrap_or(true),
            )?;
            let model = &loaded.model;
            Ok(Reply::done(
                format!(
                    "{} predictions from model {}, in input order",
                    rows.len(),
                    loaded.record.model_id
                ),
                Predictions {
                    model_id: loaded.record.model_id.to_string(),
                    task: task_name(model.task).to_string(),
                    targets: model.targets.iter().map(|t| t.name.clone()).collect(),
                    predictions: rows.into_iter().map(prediction_view).collect(),
                },
            ))
        })
        .await
    }

    /// Predicts every row of a data file (columns matched by name): a CSV, written to
    /// output_path or returned, and a summary.
    #[tool(annotations(
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn predict_from_file(
        &self,
        Parameters(params): Parameters<PredictFileParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<Reply<FilePredictions>>, ToolError> {
        let caller = Caller::of(&context);
        self.reading_data(move |state| {
            let access = state.access(&caller);
            state.service.model(&access, &params.model_id)?;
            let path = state
                .data_roots
                .resolve_input("data_source", &params.data_source)?;
            let output_path = params
                .output_path
                .as_deref()
                .map(|text| state.output_roots.resolve_output("output_path", text))
                .transpose()?;
            let loaded = state.service.load_model(&access, &params.model_id)?;
            let rows = state.service.predict_file(
                &loaded,
                &path,
                params.include_probabilities.unwrap_or(true),
            )?;
            let model = &loaded.model;
            if output_path.is_none() && rows.len() > MAX_INLINE_ROWS {
                return Err(ToolError::invalid(format!(
                    "{} rows are too many to return inline (at most {MAX_INLINE_ROWS}); give output_path to write them to a file",
                    rows.len()
                )));
            }
            let csv = predictions_csv(model, &rows);
            let summary = prediction_summary(model, &rows);
            let (output_path, csv) = match output_path {
                Some(path) => {
                    std::fs::write(&path, csv).map_err(|error| {
                        ToolError::invalid(format!(
                            "cannot write output_path {}: {error}",
                            path.display()
                        ))
                    })?;
                    (Some(path.display().to_string()), None)
                }
                None => (None, Some(csv)),
            };
            let message = match &output_path {
                Some(path) => format!("{} rows predicted; the CSV is at {path}", rows.len()),
                None => format!("{} rows predicted; the CSV is in csv", rows.len()),
            };
            Ok(Reply::done(
                message,
                FilePredictions {
                    model_id: loaded.record.model_id.to_string(),
                    rows: rows.len() as u64,
                    summary,
                    output_path,
                    csv,
                },
            ))
        })
        .await
    }

    /// A user's models, newest first, each with a summary of its training and
    /// metrics.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn list_models(
        &self,
        Parameters(params): Parameters<ListModelsParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<Reply<ModelList>>, ToolError> {
        let caller = Caller::of(&context);
        self.blocking(move |state| {
            let user = state.user(&caller, params.user_id.as_deref())?;
            let models = state.service.models(&user)?;
            let message = match models.len() {
                0 => format!("{user} has no models yet; train one with train_svm_classifier or train_svm_regressor"),
                count => format!("{count} models of {user}, newest first"),
            };
            Ok(Reply::done(message, ModelList { models }))
        })
        .await
    }

    /// A model's entry and training report: parameters, metrics, trials, the features
    /// predict_from_values takes, timings.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn get_model_info(
        &self,
        Parameters(params): Parameters<ModelIdParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<Reply<ModelInfo>>, ToolError> {
        let caller = Caller::of(&context);
        self.blocking(move |state| {
            let (record, report) = state
                .service
                .model_report(&state.access(&caller), &params.model_id)?;
            Ok(Reply::done(
                format!(
                    "model {}: its registry entry and full training report",
                    record.model_id
                ),
                ModelInfo {
                    model: ModelView::of(&record),
                    report,
                },
            ))
        })
        .await
    }

    /// Writes a model to a file in the output roots, as ONNX or LIBSVM model text;
    /// details says what the file expects.
    #[tool(annotations(
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn export_model(
        &self,
        Parameters(params): Parameters<ExportModelParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<Reply<ExportedModel>>, ToolError> {
        let caller = Caller::of(&context);
        self.blocking(move |state| {
            let format = ExportFormat::from_name(&params.format).ok_or_else(|| {
                ToolError::invalid(format!(
                    "format must be one of: {}",
                    ExportFormat::NAMES.join(", ")
                ))
            })?;
            let loaded = state
                .service
                .load_model(&state.access(&caller), &params.model_id)?;
            let output_path = state
                .output_roots
                .resolve_output("output_path", &params.output_path)?;
            let mut details = state.service.export_model(
                &loaded,
                format,
                params.target.as_deref(),
                &output_path,
            )?;
            if let Some(fields) = details.as_object_mut() {
                // Said once, at the top level, and relative to its root there.
                fields.remove("model_id");
                fields.remove("output");
            }
            let shown = state.redact_text(&output_path.display().to_string());
            Ok(Reply::done(
                format!(
                    "model {} exported as {} to {shown}",
                    loaded.record.model_id,
                    format.name()
                ),
                ExportedModel {
                    model_id: loaded.record.model_id.to_string(),
                    format: format.name().to_string(),
                    output_path: shown,
                    details,
                },
            ))
        })
        .await
    }

    /// Deletes a model: its registry entry and its files. It cannot be undone.
    #[tool(annotations(destructive_hint = true, open_world_hint = false))]
    async fn delete_model(
        &self,
        Parameters(params): Parameters<ModelIdParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<Reply<Deleted>>, ToolError> {
        let caller = Caller::of(&context);
        self.blocking(move |state| {
            let record = state
                .service
                .delete_model(&state.access(&caller), &params.model_id)?;
            Ok(Reply::done(
                format!("model {} and its files are deleted", record.model_id),
                Deleted {
                    model_id: record.model_id.to_string(),
                    deleted: true,
                },
            ))
        })
        .await
    }

    /// A data-quality report, no training: columns, missing values, class balance or
    /// targets, leak candidates, blocking_problems.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn validate_data(
        &self,
        Parameters(params): Parameters<ValidateDataParams>,
    ) -> Result<Json<Reply<DataReport>>, ToolError> {
        self.reading_data(move |state| {
            let path = state
                .data_roots
                .resolve_input("data_source", &params.data_source)?;
            let options = validation_options(&params)?;
            let report = validate_file(&path, &state.service.settings().limits, &options)?;
            let message = if report.is_trainable() {
                format!(
                    "the data can be trained on ({} rows); {} warnings",
                    report.rows,
                    report.warnings.len()
                )
            } else {
                format!(
                    "the data cannot be trained on: {}",
                    report.blocking_problems.join("; ")
                )
            };
            Ok(Reply::done(
                message,
                DataReport {
                    trainable: report.is_trainable(),
                    report: serde_json::to_value(&report)
                        .map_err(|error| ToolError::internal("validation report", &error))?,
                },
            ))
        })
        .await
    }
}
