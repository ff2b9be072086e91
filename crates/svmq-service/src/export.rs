//! Exporting a saved model for use outside svmq: ONNX (raw features in, labels and
//! values out, as `svmq predict`) or LIBSVM's model text format (preprocessed
//! features in), plus a data file preprocessed the way the LIBSVM model expects.
//! Also a LIBSVM model file (from `svm-train` or `svmq svm-train`, one-class models
//! included) as ONNX: [`export_libsvm_model_file`].
//!
//! Shared by the command line and, later, the MCP server: it returns bytes and a
//! JSON summary; where they may be written is the caller's decision (the MCP server
//! confines output paths), and [`write_atomically`] writes them.

use crate::error::ServiceError;
use crate::saved_model::SavedModel;
use serde_json::{json, Value};
use std::io::Read;
use std::path::Path;
use svmq_data::{read_table, Cell, TableOptions, Task};
use svmq_export::libsvm::libsvm_labels;
use svmq_export::preprocessing::InputKind;
use svmq_export::{
    libsvm_model_to_onnx, to_libsvm, to_onnx, ExportError, ExportSource, OnnxOptions, TargetSource,
};

/// The formats `svmq export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// An ONNX graph taking raw feature columns, preprocessing included.
    Onnx,
    /// LIBSVM's model text, taking preprocessed features; one target at a time.
    Libsvm,
}

impl ExportFormat {
    /// Every format's name, as the command line spells it.
    pub const NAMES: [&'static str; 2] = ["onnx", "libsvm"];

    /// The format named `onnx` or `libsvm`.
    pub fn from_name(name: &str) -> Option<ExportFormat> {
        match name {
            "onnx" => Some(ExportFormat::Onnx),
            "libsvm" => Some(ExportFormat::Libsvm),
            _ => None,
        }
    }

    /// The format's name: the inverse of [`ExportFormat::from_name`].
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Onnx => "onnx",
            ExportFormat::Libsvm => "libsvm",
        }
    }
}

/// An exported model: the file's bytes and what a user needs to know to use it.
pub struct Exported {
    /// The file's contents: an ONNX protobuf, or LIBSVM model text.
    pub bytes: Vec<u8>,
    /// JSON for the user: the format and, for ONNX, the opsets, inputs and outputs;
    /// for LIBSVM, the target, the preprocessed feature names in input order, and the
    /// LIBSVM label of each class.
    pub summary: Value,
}

impl From<ExportError> for ServiceError {
    fn from(error: ExportError) -> ServiceError {
        match error {
            ExportError::Unsupported(message) => ServiceError::InvalidRequest(message),
            ExportError::Inconsistent(message) => ServiceError::Model(message),
        }
    }
}

fn source(model: &SavedModel) -> ExportSource<'_> {
    ExportSource {
        task: model.task,
        classes: &model.classes,
        preprocessor: &model.preprocessor,
        targets: model
            .targets
            .iter()
            .map(|target| TargetSource {
                name: &target.name,
                engine: &target.engine,
                mean: target.target_mean,
                scale: target.target_scale,
            })
            .collect(),
    }
}

/// The index of the target named `name`, or the error listing the names.
fn target_index(model: &SavedModel, name: Option<&str>) -> Result<Option<usize>, ServiceError> {
    let Some(name) = name else {
        return Ok(None);
    };
    model
        .targets
        .iter()
        .position(|target| target.name == name)
        .map(Some)
        .ok_or_else(|| {
            let names: Vec<&str> = model.targets.iter().map(|t| t.name.as_str()).collect();
            ServiceError::InvalidRequest(format!(
                "the model has no target {name:?}; its targets: {}",
                names.join(", ")
            ))
        })
}

/// Exports `model` in `format`. `target` picks one target of a multi-target
/// regression for LIBSVM (ONNX holds every target in one model).
pub fn export_model(
    model: &SavedModel,
    model_id: &str,
    format: ExportFormat,
    target: Option<&str>,
) -> Result<Exported, ServiceError> {
    let source = source(model);
    match format {
        ExportFormat::Onnx => {
            if target.is_some() {
                return Err(ServiceError::InvalidRequest(
                    "--target is for the LIBSVM format; an ONNX export holds every target".into(),
                ));
            }
            let export = to_onnx(
                &source,
                &OnnxOptions {
                    producer_version: env!("CARGO_PKG_VERSION").to_string(),
                    model_id: model_id.to_string(),
                },
            )?;
            let inputs: Vec<Value> = export
                .inputs
                .iter()
                .map(|input| match &input.kind {
                    InputKind::Numeric { columns } => json!({
                        "name": input.name,
                        "type": "float",
                        "shape": ["N", columns.len()],
                        "columns": columns,
                        "missing": "NaN",
                    }),
                    InputKind::Text => json!({
                        "name": input.name,
                        "type": "string",
                        "shape": ["N", 1],
                        "missing": "empty string",
                    }),
                })
                .collect();
            let outputs: Vec<Value> = export
                .outputs
                .iter()
                .map(|(name, description)| json!({ "name": name, "description": description }))
                .collect();
            Ok(Exported {
                bytes: export.bytes,
                summary: json!({
                    "format": "onnx",
                    "opsets": { "ai.onnx": svmq_export::onnx::ONNX_OPSET, "ai.onnx.ml": svmq_export::onnx::ML_OPSET },
                    "inputs": inputs,
                    "outputs": outputs,
                }),
            })
        }
        ExportFormat::Libsvm => {
            let export = to_libsvm(&source, target_index(model, target)?)?;
            let labels = export.class_indices.as_ref().map(|indices| {
                indices
                    .iter()
                    .map(|(index, class)| json!({ "label": index, "class": class }))
                    .collect::<Vec<_>>()
            });
            Ok(Exported {
                bytes: export.text.into_bytes(),
                summary: json!({
                    "format": "libsvm",
                    "target": export.target,
                    "features": model.preprocessor.output_names(),
                    "input": "preprocessed features (imputed, one-hot encoded, scaled as svmq does), in the order of `features`, 1-based",
                    "class_labels": labels,
                }),
            })
        }
    }
}

/// The largest LIBSVM model file read: 4 GiB.
pub const MAX_MODEL_FILE_BYTES: u64 = 1 << 32;

/// Exports the LIBSVM model file `input` in `format` to `output`; returns the summary.
///
/// The file is untrusted: it is read by the engine's validating reader, and a file
/// that is not a LIBSVM model, or is damaged, is refused with the reader's reason.
/// Only ONNX is written: the file already is in LIBSVM's format, so `Libsvm` is
/// refused saying so. Probability information (`-b 1`) is left out of the graph and
/// the summary says so; its outputs are `svm-predict`'s without `-b 1`.
pub fn export_libsvm_model_file(
    input: &Path,
    format: ExportFormat,
    output: &Path,
) -> Result<Value, ServiceError> {
    if format == ExportFormat::Libsvm {
        return Err(ServiceError::InvalidRequest(format!(
            "{} already is a LIBSVM model file: there is nothing to convert (copy it as it is, or export it with --format onnx)",
            input.display()
        )));
    }
    let io_error = |source| ServiceError::Io {
        action: "cannot read the LIBSVM model file",
        path: input.display().to_string(),
        source,
    };
    // A file, not a stream: whatever it holds, reading stops past the largest model
    // the reader could accept.
    let mut text = Vec::new();
    std::fs::File::open(input)
        .and_then(|file| file.take(MAX_MODEL_FILE_BYTES + 1).read_to_end(&mut text))
        .map_err(io_error)?;
    if text.len() as u64 > MAX_MODEL_FILE_BYTES {
        return Err(ServiceError::Model(format!(
            "{} is larger than the {} GiB a LIBSVM model file may have here",
            input.display(),
            MAX_MODEL_FILE_BYTES >> 30
        )));
    }
    let text = String::from_utf8(text).map_err(|_| {
        ServiceError::Model(format!(
            "{} is not a LIBSVM model file: it is not text (UTF-8)",
            input.display()
        ))
    })?;
    let model = svmq_core::libsvm_format::from_libsvm_text(&text).map_err(|error| {
        ServiceError::Model(format!(
            "{} is not a valid LIBSVM model file: {error}",
            input.display()
        ))
    })?;
    let export = libsvm_model_to_onnx(&model, env!("CARGO_PKG_VERSION"))?;
    write_atomically(output, &export.bytes)?;
    let width = export.input_width;
    let outputs: Vec<Value> = export
        .outputs
        .iter()
        .map(|(name, description)| json!({ "name": name, "description": description }))
        .collect();
    let mut summary = json!({
        "format": "onnx",
        "libsvm_model": input.display().to_string(),
        "output": output.display().to_string(),
        "svm_type": model.svm_type.libsvm_name(),
        "kernel": model.kernel.libsvm_name(),
        "opsets": { "ai.onnx": svmq_export::onnx::ONNX_OPSET, "ai.onnx.ml": svmq_export::onnx::ML_OPSET },
        "inputs": [{
            "name": svmq_export::libsvm_onnx::INPUT,
            "type": "float",
            "shape": ["N", width],
            "features": format!("LIBSVM feature indices 1..{width}, index j in column j-1 (dense)"),
            "missing": "0: a feature a LIBSVM data line leaves out is 0",
        }],
        "outputs": outputs,
        "label_type": export.label_type,
        "decision_values": export.decision_values,
    });
    if model.svm_type.is_classification() {
        summary["labels"] = json!(export.classes);
    }
    if matches!(model.kernel, svmq_core::Kernel::Rbf { .. }) {
        summary["note"] = json!(format!(
            "with the rbf kernel a feature above index {width} counts in LIBSVM's ||x - sv||^2: rows that have one are not predicted as svm-predict does"
        ));
    }
    if export.probability_left_out {
        summary["probability"] = json!(
            "not exported: the model's probability information (-b 1) is left out; the outputs are svm-predict's without -b 1"
        );
    }
    Ok(summary)
}

/// The rows of a data file preprocessed as the model's LIBSVM export expects, in
/// LIBSVM's sparse format. Each line's label is the target column's value when the
/// file has it (a class as its LIBSVM label), else 0.
pub fn preprocessed_libsvm_data(
    model: &SavedModel,
    path: &Path,
    target: Option<&str>,
) -> Result<Vec<u8>, ServiceError> {
    let table = read_table(path, &TableOptions::default())?;
    let matrix = model.preprocessor.transform_table(&table)?;
    let index = target_index(model, target)?.unwrap_or(0);
    let target_name = &model.targets[index].name;
    let mut labels = vec![0.0; table.rows()];
    if let Some(column) = table.column_index(target_name) {
        let libsvm = libsvm_labels(&model.classes);
        for (row, label) in labels.iter_mut().enumerate() {
            let cell = &table.cells[row][column];
            *label = match (model.task, cell) {
                (_, Cell::Missing) => 0.0,
                (Task::Regression, cell) => cell.as_number().unwrap_or(0.0),
                (Task::Classification, cell) => {
                    let text = cell.text().unwrap_or_default();
                    let class = model.classes.iter().position(|class| *class == text);
                    class.map_or(0.0, |class| libsvm[class])
                }
            };
        }
    }
    let mut bytes = Vec::new();
    svmq_data::write_libsvm(&labels, matrix.columns(), matrix.values(), &mut bytes)
        .map_err(|error| ServiceError::Model(format!("cannot write the data: {error}")))?;
    Ok(bytes)
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a
/// rename, so a reader never sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ServiceError> {
    let io_error = |action: &'static str, source: std::io::Error| ServiceError::Io {
        action,
        path: path.display().to_string(),
        source,
    };
    let name = path.file_name().ok_or_else(|| {
        ServiceError::InvalidRequest(format!("{} is not a file name", path.display()))
    })?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(".{}.tmp", std::process::id()));
    let temporary = path.with_file_name(temporary_name);
    std::fs::write(&temporary, bytes).map_err(|source| io_error("cannot write", source))?;
    std::fs::rename(&temporary, path).map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        io_error("cannot write", source)
    })
}
