//! Saved models on disk and in the registry: `<home>/models/<model_id>/` holds
//! `model.json` (the checksummed model) and `metadata.json` (the training report),
//! written in a staging directory and moved into place in one rename, then
//! registered in the store. A crash never leaves a half model under a model id.

use crate::error::ServiceError;
use crate::model_summary::ModelSummary;
use crate::saved_model::{SavedModel, METADATA_FILE_NAME, MODEL_FILE_NAME};
use crate::training::{TrainingOutcome, TrainingReport};
use serde_json::{json, Value};
use std::path::Path;
use svmq_queue::{
    create_staging_dir, discard_staging_dir, model_dir, move_model_into_place,
    remove_unregistered_model, ModelId, ModelRecord, NewModel, Store, TaskId,
};

/// The registry's summary of a model: what `list_models` shows.
pub fn summary(report: &TrainingReport) -> Value {
    serde_json::to_value(ModelSummary::of(report)).unwrap_or(Value::Null)
}

/// The headline of a training, the fields `svmq train --json` starts with: the task,
/// the metric and the time, and the first target's kernel, best parameters, best
/// cross-validation score, test metrics and trials (a multi-target regression lists
/// every target in `summary`), every column's role and the warnings.
pub fn headline(report: &TrainingReport) -> serde_json::Map<String, Value> {
    let first = report.targets.first();
    let mut fields = serde_json::Map::new();
    fields.insert("task_type".into(), json!(report.task));
    fields.insert("task_choice".into(), json!(report.task_choice));
    if let Some(positive) = &report.positive_class {
        fields.insert("positive_class".into(), json!(positive));
    }
    fields.insert("metric".into(), json!(report.metric));
    fields.insert(
        "kernel".into(),
        json!(first.map(|target| target.best_params.kernel)),
    );
    fields.insert(
        "best_params".into(),
        json!(first.map(|target| &target.best_params)),
    );
    fields.insert(
        "best_cv_score".into(),
        first.map_or(Value::Null, |target| finite(target.cv_mean)),
    );
    fields.insert(
        "test_metrics".into(),
        json!(first.map(|target| &target.test_metrics)),
    );
    fields.insert("columns".into(), column_roles(report));
    fields.insert("warnings".into(), json!(report.warnings));
    fields.insert("elapsed_seconds".into(), json!(report.seconds));
    fields.insert("trials".into(), json!(first.map(|target| &target.trials)));
    fields
}

/// Every column's role and reason, keyed by column name: `{"id": {"role":
/// "identifier", "reason": "..."}}`. Requests naming columns to exclude or include
/// add `"on_request": true` to those.
pub fn column_roles(report: &TrainingReport) -> Value {
    let roles: serde_json::Map<String, Value> = report
        .data
        .roles
        .iter()
        .map(|decision| {
            let mut entry = json!({ "role": decision.role, "reason": decision.reason });
            if decision.on_request {
                entry["on_request"] = json!(true);
            }
            (decision.name.clone(), entry)
        })
        .collect();
    Value::Object(roles)
}

/// NaN and infinities are not JSON: they become null.
fn finite(value: f64) -> Value {
    if value.is_finite() {
        json!(value)
    } else {
        Value::Null
    }
}

fn write(path: &Path, contents: &str) -> Result<(), ServiceError> {
    std::fs::write(path, contents).map_err(|source| ServiceError::Io {
        action: "cannot write",
        path: path.display().to_string(),
        source,
    })
}

/// Writes a trained model and moves it into place, unregistered; returns the record
/// to register with the task's completion (see [`svmq_queue::RunOutcome::Completed`]).
pub fn save_model(
    home: &Path,
    outcome: &TrainingOutcome,
    user_id: &str,
    task_id: Option<TaskId>,
) -> Result<ModelRecord, ServiceError> {
    let staging = create_staging_dir(home)?;
    let written = (|| {
        write(&staging.join(MODEL_FILE_NAME), &outcome.model.to_text())?;
        let report = serde_json::to_string_pretty(&outcome.report).map_err(|error| {
            ServiceError::Model(format!("the training report does not serialize: {error}"))
        })?;
        write(&staging.join(METADATA_FILE_NAME), &report)?;
        let model = NewModel {
            model_id: ModelId::generate(),
            task_id,
            user_id: user_id.to_string(),
            metadata: summary(&outcome.report),
        };
        Ok(move_model_into_place(home, &staging, model)?)
    })();
    if written.is_err() {
        let _ = discard_staging_dir(&staging);
    }
    written
}

/// Writes, moves into place and registers a model trained outside the queue (`svmq
/// train`); if the registration fails, the directory is removed again.
pub fn save_and_register_model(
    store: &dyn Store,
    home: &Path,
    outcome: &TrainingOutcome,
    user_id: &str,
) -> Result<ModelRecord, ServiceError> {
    let record = save_model(home, outcome, user_id, None)?;
    if let Err(error) = store.register_model(&record) {
        remove_unregistered_model(&record);
        return Err(error.into());
    }
    Ok(record)
}

/// A registered model, checking that `user_id` may see it. Another user's model is
/// reported as not found, so ids cannot be probed.
pub fn find_model(
    store: &dyn Store,
    model_id: &str,
    user_id: Option<&str>,
) -> Result<ModelRecord, ServiceError> {
    let id = ModelId::parse(model_id).map_err(|_| {
        ServiceError::InvalidRequest(format!(
            "{} is not a model id (32 hexadecimal characters)",
            shown_id(model_id)
        ))
    })?;
    let not_found =
        || ServiceError::Model(format!("no model {model_id}; list models to see the ids"));
    let record = store.get_model(&id).map_err(|_| not_found())?;
    if user_id.is_some_and(|user| user != record.user_id) {
        return Err(not_found());
    }
    Ok(record)
}

/// An id as an error shows it: quoted, and cut short past 40 characters so that a
/// huge argument is not echoed back whole.
fn shown_id(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{:?}… ({} bytes)", &text[..end], text.len()),
        None => format!("{text:?}"),
    }
}

/// Loads a registered model from its directory.
pub fn load_model(home: &Path, record: &ModelRecord) -> Result<SavedModel, ServiceError> {
    SavedModel::load(&model_dir(home, &record.model_id))
}

/// The full training report saved beside a model.
pub fn load_report(home: &Path, record: &ModelRecord) -> Result<Value, ServiceError> {
    let path = model_dir(home, &record.model_id).join(METADATA_FILE_NAME);
    let text = std::fs::read_to_string(&path).map_err(|source| ServiceError::Io {
        action: "cannot read",
        path: path.display().to_string(),
        source,
    })?;
    serde_json::from_str(&text)
        .map_err(|error| ServiceError::Model(format!("damaged metadata: {error}")))
}
