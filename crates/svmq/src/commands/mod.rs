//! One module per subcommand (the LIBSVM drop-in tools live in `libsvm_tools`).

pub mod export;
pub mod models;
pub mod predict;
pub mod queue;
pub mod report;
pub mod serve;
pub mod train;
pub mod validate;
pub mod worker;

use std::io::Write;

/// Prints one JSON value on stdout (the `--json` output of every command).
pub fn print_json(value: &impl serde::Serialize) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    )
}

/// Prints lines on stdout.
pub fn print_lines(lines: &[String]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}")?;
    }
    Ok(())
}
