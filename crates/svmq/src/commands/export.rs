//! `svmq export`: a registered model as an ONNX model (raw features in) or a LIBSVM
//! model file (preprocessed features in), optionally with a data file preprocessed
//! for the LIBSVM model; or a LIBSVM model file as an ONNX model (`--libsvm-model`).

use super::print_json;
use crate::Failure;
use clap::Args;
use serde_json::json;
use std::path::{Path, PathBuf};
use svmq_service::export::{
    export_libsvm_model_file, preprocessed_libsvm_data, write_atomically, ExportFormat,
};
use svmq_service::{Access, Service};

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("model").required(true).args(["model_id", "libsvm_model"])))]
pub struct ExportArgs {
    /// The model id (see `svmq models`).
    pub model_id: Option<String>,
    /// Instead of a model id: a model file in LIBSVM's text format (from `svm-train` or
    /// `svmq svm-train`, one-class included), exported to ONNX taking LIBSVM's
    /// feature indices 1..F as a dense float [N, F] (a missing feature is 0).
    #[arg(long, value_name = "MODEL_FILE", conflicts_with_all = ["target", "data", "data_output"])]
    pub libsvm_model: Option<PathBuf>,
    /// `onnx` (takes raw features, runs in ONNX Runtime) or `libsvm` (LIBSVM's model
    /// text format; takes preprocessed features).
    #[arg(long, value_parser = ExportFormat::NAMES)]
    pub format: String,
    /// The file to write.
    #[arg(short, long)]
    pub output: PathBuf,
    /// LIBSVM, multi-target regression: the target to export (one model per file).
    #[arg(long)]
    pub target: Option<String>,
    /// LIBSVM: also write this data file's rows preprocessed as the model expects…
    #[arg(long, requires = "data_output")]
    pub data: Option<PathBuf>,
    /// …in LIBSVM's sparse format to this file.
    #[arg(long, requires = "data")]
    pub data_output: Option<PathBuf>,
}

fn format_of(arguments: &ExportArgs) -> Result<ExportFormat, Failure> {
    ExportFormat::from_name(&arguments.format)
        .ok_or_else(|| Failure::Usage(format!("unknown format {:?}", arguments.format)))
}

pub fn run(service: &Service, arguments: &ExportArgs, json_output: bool) -> Result<(), Failure> {
    let format = format_of(arguments)?;
    if arguments.data.is_some() && format != ExportFormat::Libsvm {
        return Err(Failure::Usage(
            "--data is for --format libsvm; an ONNX model preprocesses raw features itself".into(),
        ));
    }
    let model_id = arguments
        .model_id
        .as_deref()
        .ok_or_else(|| Failure::Usage("a model id or --libsvm-model is needed".into()))?;
    let loaded = service.load_model(&Access::Everyone, model_id)?;
    let mut summary = service.export_model(
        &loaded,
        format,
        arguments.target.as_deref(),
        &arguments.output,
    )?;
    if let (Some(data), Some(data_output)) = (&arguments.data, &arguments.data_output) {
        let bytes = preprocessed_libsvm_data(&loaded.model, data, arguments.target.as_deref())?;
        write_atomically(data_output, &bytes)?;
        summary["data_output"] = json!(data_output.display().to_string());
    }
    if json_output {
        print_json(&summary)?;
    } else {
        // Human output goes to stderr like `svmq predict -o`: stdout stays clean.
        eprint!("{}", describe(format, &summary));
    }
    Ok(())
}

/// `svmq export --libsvm-model FILE`: needs no svmq home.
pub fn run_libsvm_model(
    input: &Path,
    arguments: &ExportArgs,
    json_output: bool,
) -> Result<(), Failure> {
    let summary = export_libsvm_model_file(input, format_of(arguments)?, &arguments.output)?;
    if json_output {
        print_json(&summary)?;
    } else {
        eprint!("{}", describe_libsvm_model(&summary));
    }
    Ok(())
}

/// The summary of a LIBSVM model file's export in words.
fn describe_libsvm_model(summary: &serde_json::Value) -> String {
    let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_string();
    let input = &summary["inputs"][0];
    let mut lines = vec![
        format!(
            "onnx model of the LIBSVM {} model ({} kernel) written to {}",
            text(&summary["svm_type"]),
            text(&summary["kernel"]),
            text(&summary["output"])
        ),
        format!(
            "input: {} float [N, {}]: {}; missing as {}",
            text(&input["name"]),
            input["shape"][1],
            text(&input["features"]),
            text(&input["missing"])
        ),
        "outputs:".to_string(),
    ];
    for output in summary["outputs"].as_array().into_iter().flatten() {
        lines.push(format!(
            "  {}: {}",
            text(&output["name"]),
            text(&output["description"])
        ));
    }
    for key in ["note", "probability"] {
        if summary[key].is_string() {
            lines.push(format!("{key}: {}", text(&summary[key])));
        }
    }
    lines.join("\n") + "\n"
}

/// The summary in words.
fn describe(format: ExportFormat, summary: &serde_json::Value) -> String {
    let mut text = format!(
        "{} model written to {}\n",
        format.name(),
        summary["output"].as_str().unwrap_or_default()
    );
    match format {
        ExportFormat::Onnx => {
            text.push_str("inputs:\n");
            for input in summary["inputs"].as_array().into_iter().flatten() {
                let columns = input["columns"]
                    .as_array()
                    .map(|columns| {
                        let names: Vec<&str> = columns.iter().filter_map(|c| c.as_str()).collect();
                        format!(" — columns {}", names.join(", "))
                    })
                    .unwrap_or_default();
                text.push_str(&format!(
                    "  {} {} {}, missing as {}{columns}\n",
                    input["name"].as_str().unwrap_or_default(),
                    input["type"].as_str().unwrap_or_default(),
                    input["shape"],
                    input["missing"].as_str().unwrap_or_default(),
                ));
            }
            text.push_str("outputs:\n");
            for output in summary["outputs"].as_array().into_iter().flatten() {
                text.push_str(&format!(
                    "  {}: {}\n",
                    output["name"].as_str().unwrap_or_default(),
                    output["description"].as_str().unwrap_or_default()
                ));
            }
        }
        ExportFormat::Libsvm => {
            text.push_str(
                "This LIBSVM model takes preprocessed features (imputed, one-hot encoded and \
                 scaled as svmq does), not the raw columns; use --data FILE --data-output FILE \
                 to write data that way.\n",
            );
            if let Some(labels) = summary["class_labels"].as_array() {
                let pairs: Vec<String> = labels
                    .iter()
                    .map(|pair| {
                        format!(
                            "{}={}",
                            pair["label"],
                            pair["class"].as_str().unwrap_or_default()
                        )
                    })
                    .collect();
                text.push_str(&format!("labels: {}\n", pairs.join(", ")));
            }
            if let Some(path) = summary["data_output"].as_str() {
                text.push_str(&format!("preprocessed data written to {path}\n"));
            }
        }
    }
    text
}
