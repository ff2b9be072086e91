//! The registry's use cases on a [`Service`]: train and register a model now, list a
//! user's models, find one, load it,
//! read its report, delete it, and predict with it from rows or a file. Another
//! user's model is reported as not found, so that ids cannot be probed.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use serde::Serialize;
use serde_json::Value;
use svmq_queue::ModelRecord;

use crate::error::ServiceError;
use crate::export::{export_model, write_atomically, ExportFormat};
use crate::model_store::{find_model, load_model, load_report, save_and_register_model};
use crate::model_summary::ModelSummary;
use crate::prediction::{predict_file, rows_from_json};
use crate::request::TrainingRequest;
use crate::saved_model::{PredictedRow, SavedModel};
use crate::service::{Access, Service};
use crate::training::{train, TrainingObserver, TrainingOutcome};

/// A registered model as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ModelView {
    /// 32 hexadecimal characters.
    #[cfg_attr(feature = "schema", schemars(description = ""))]
    pub model_id: String,
    /// The task that trained it (none for `svmq train`).
    pub task_id: Option<String>,
    /// Whose model it is.
    #[cfg_attr(feature = "schema", schemars(description = ""))]
    pub user_id: String,
    /// Unix time, ms.
    pub created_at: i64,
    /// Task, metric, data file, classes, features, column roles, warnings, and per
    /// target the best parameters with CV and test metrics; none when the stored
    /// summary cannot be read.
    // Its schema says only "object": the tool list stays small, and the fields are
    // described here and in the README.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<serde_json::Map<String, Value>>")
    )]
    pub summary: Option<ModelSummary>,
}

impl ModelView {
    /// The view of a registry record.
    pub fn of(record: &ModelRecord) -> ModelView {
        ModelView {
            model_id: record.model_id.to_string(),
            task_id: record.task_id.as_ref().map(|id| id.to_string()),
            user_id: record.user_id.clone(),
            created_at: record.created_at,
            summary: ModelSummary::read(&record.metadata),
        }
    }
}

/// A model loaded to predict with.
pub struct LoadedModel {
    /// Its registry record.
    pub record: ModelRecord,
    /// The model itself.
    pub model: SavedModel,
}

impl LoadedModel {
    /// Whether predictions carry class probabilities: asked for and available.
    pub fn with_probability(&self, asked: bool) -> bool {
        asked && self.model.has_probability()
    }
}

impl Service {
    /// Trains now, outside the queue (`svmq train`), and registers the model for
    /// `user`; a stopped training saves nothing.
    pub fn train_and_register(
        &self,
        request: &TrainingRequest,
        user: &str,
        observer: &dyn TrainingObserver,
        stop: &AtomicBool,
    ) -> Result<(ModelRecord, TrainingOutcome), ServiceError> {
        let outcome = train(request, observer, stop)?;
        let record = save_and_register_model(self.store().as_ref(), self.home(), &outcome, user)?;
        Ok((record, outcome))
    }

    /// A registered model the caller may see.
    pub fn model(&self, access: &Access, model_id: &str) -> Result<ModelRecord, ServiceError> {
        find_model(self.store().as_ref(), model_id, access.restricted_to())
    }

    /// A user's models, newest first.
    pub fn models(&self, user: &str) -> Result<Vec<ModelView>, ServiceError> {
        Ok(self
            .store()
            .list_models(user)?
            .iter()
            .map(ModelView::of)
            .collect())
    }

    /// A model and its full training report.
    pub fn model_report(
        &self,
        access: &Access,
        model_id: &str,
    ) -> Result<(ModelRecord, Value), ServiceError> {
        let record = self.model(access, model_id)?;
        let report = self.report_of(&record)?;
        Ok((record, report))
    }

    /// The directory of a registered model's files.
    pub fn model_directory(&self, record: &ModelRecord) -> std::path::PathBuf {
        svmq_queue::model_dir(self.home(), &record.model_id)
    }

    /// The full training report saved beside a model found with [`Service::model`].
    pub fn report_of(&self, record: &ModelRecord) -> Result<Value, ServiceError> {
        load_report(self.home(), record)
    }

    /// Deletes a model: its registry entry and its directory.
    pub fn delete_model(
        &self,
        access: &Access,
        model_id: &str,
    ) -> Result<ModelRecord, ServiceError> {
        let record = self.model(access, model_id)?;
        svmq_queue::artifacts::delete_model(self.store().as_ref(), &record.model_id)?;
        Ok(record)
    }

    /// Loads a model to predict with.
    pub fn load_model(&self, access: &Access, model_id: &str) -> Result<LoadedModel, ServiceError> {
        let record = self.model(access, model_id)?;
        let model = load_model(self.home(), &record)?;
        Ok(LoadedModel { record, model })
    }

    /// Exports a model the caller may see in `format` and writes it to `output` (whole
    /// or not at all); returns what a user needs to know to use the file, with the
    /// model id and the output path. `target` picks one target of a multi-target
    /// regression for LIBSVM.
    pub fn export_model(
        &self,
        loaded: &LoadedModel,
        format: ExportFormat,
        target: Option<&str>,
        output: &Path,
    ) -> Result<Value, ServiceError> {
        let exported = export_model(
            &loaded.model,
            loaded.record.model_id.as_str(),
            format,
            target,
        )?;
        write_atomically(output, &exported.bytes)?;
        let mut summary = exported.summary;
        summary["model_id"] = Value::from(loaded.record.model_id.as_str());
        summary["output"] = Value::from(output.display().to_string());
        Ok(summary)
    }

    /// Predictions for rows given as JSON: one row or a list, each a list in feature
    /// order or an object keyed by feature name.
    pub fn predict_values(
        &self,
        loaded: &LoadedModel,
        rows: &Value,
        with_probability: bool,
    ) -> Result<Vec<PredictedRow>, ServiceError> {
        let matrix = rows_from_json(&loaded.model, rows)?;
        Ok(loaded
            .model
            .predict_matrix(&matrix, loaded.with_probability(with_probability)))
    }

    /// Predictions for every row of a data file (columns matched by name).
    pub fn predict_file(
        &self,
        loaded: &LoadedModel,
        path: &Path,
        with_probability: bool,
    ) -> Result<Vec<PredictedRow>, ServiceError> {
        predict_file(
            &loaded.model,
            path,
            &self.settings().limits.read,
            loaded.with_probability(with_probability),
        )
    }
}
