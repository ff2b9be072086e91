//! `svmq report`: writes a model's self-contained HTML report (inline SVG charts, no
//! network) and prints where; `--open` hands it to the desktop's browser.

use super::{print_json, print_lines};
use crate::Failure;
use anyhow::Context;
use clap::Args;
use serde_json::json;
use std::path::{Path, PathBuf};
use svmq_service::{Access, Service};

/// The report's file name inside the model's directory.
pub const REPORT_FILE_NAME: &str = "report.html";

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The model (see `svmq models`).
    pub model_id: String,
    /// Where to write the HTML (default: report.html in the model's directory).
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Open it with xdg-open afterwards (when available).
    #[arg(long)]
    pub open: bool,
}

pub fn run(service: &Service, arguments: &ReportArgs, json_output: bool) -> Result<(), Failure> {
    let (record, saved) = service.model_report(&Access::Everyone, &arguments.model_id)?;
    let html = svmq_report::render_saved(record.model_id.as_str(), saved)?;
    let path = arguments
        .output
        .clone()
        .unwrap_or_else(|| service.model_directory(&record).join(REPORT_FILE_NAME));
    write_atomically(&path, &html)?;
    let opened = arguments.open && open_in_browser(&path);
    if json_output {
        print_json(&json!({
            "model_id": record.model_id.as_str(),
            "path": path.display().to_string(),
            "opened": opened,
        }))?;
    } else {
        let mut lines = vec![path.display().to_string()];
        if arguments.open && !opened {
            lines.push("xdg-open is not available: open the file above in a browser".into());
        }
        print_lines(&lines)?;
    }
    Ok(())
}

/// Writes beside the destination, then renames: a reader never sees half a page.
fn write_atomically(path: &Path, contents: &str) -> anyhow::Result<()> {
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let mut partial = file_name.to_os_string();
    partial.push(format!(".partial-{}", std::process::id()));
    let partial = path.with_file_name(partial);
    std::fs::write(&partial, contents)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| {
        let _ = std::fs::remove_file(&partial);
        format!("cannot write {}", path.display())
    })
}

/// Starts xdg-open on the file; false when it cannot be started.
fn open_in_browser(path: &Path) -> bool {
    match std::process::Command::new("xdg-open").arg(path).status() {
        Ok(status) => status.success(),
        Err(error) => {
            tracing::debug!(%error, "xdg-open could not be started");
            false
        }
    }
}
