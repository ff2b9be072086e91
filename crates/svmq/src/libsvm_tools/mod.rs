//! Drop-in replacements for LIBSVM's `svm-train` and `svm-predict`: the same options,
//! model files and printed lines, on svmq's engine.

pub mod options;
pub mod predict;
pub mod train;

use anyhow::Context;
use std::path::Path;
use svmq_core::{libsvm_format, model_format, Matrix, Model};
use svmq_data::{read_libsvm_file, ReadOptions};

/// A LIBSVM data file as a matrix and its labels.
pub fn read_data(path: &Path) -> anyhow::Result<(Matrix, Vec<f64>)> {
    let data = read_libsvm_file(path, &ReadOptions::default())?;
    let rows = data.labels.len();
    let matrix = Matrix::new(rows, data.columns, data.values)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok((matrix, data.labels))
}

/// Reads a model file in LIBSVM's text format or svmq's own format.
pub fn read_model(path: &Path) -> anyhow::Result<Model> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read model file {}", path.display()))?;
    let model = if text.trim_start().starts_with('{') {
        model_format::from_model_file(&text)
    } else {
        libsvm_format::from_libsvm_text(&text)
    };
    model.with_context(|| format!("cannot load model file {}", path.display()))
}

/// Writes a file through a temporary sibling and a rename, so that a crash never
/// leaves a half-written file under the final name.
pub fn write_atomically(path: &Path, contents: &str) -> anyhow::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".tmp{}", std::process::id()));
    let temporary = std::path::PathBuf::from(temporary);
    std::fs::write(&temporary, contents)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("cannot write {}", path.display()))
}
