//! The data readers' one error type.

use std::path::PathBuf;

/// Everything that can go wrong while reading a data file.
///
/// Each message names the 1-based line and, where one is to blame, the offending
/// token (shortened if long), so a user can find and fix it; whole lines are never
/// copied into messages because a single line can be megabytes long.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read data file {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("data file {} is not UTF-8 text (first bad byte on line {line})", path.display())]
    NotUtf8 { path: PathBuf, line: usize },
    #[error("no examples found: the data is empty")]
    Empty,
    #[error("line {line}: the line is empty; every line must hold one example (blank lines are allowed only at the end)")]
    BlankLine { line: usize },
    #[error("line {line}: the label `{token}` is not a number{hint}")]
    BadLabel {
        line: usize,
        token: String,
        hint: &'static str,
    },
    #[error("line {line}: `{token}` is not an `index:value` pair such as `3:0.5`")]
    BadPair { line: usize, token: String },
    #[error("line {line}: in `{token}` the feature index {reason}; indices are whole numbers 1, 2, 3, ...")]
    BadIndex {
        line: usize,
        token: String,
        reason: &'static str,
    },
    #[error("line {line}: in `{token}` the value is not a number")]
    BadValue { line: usize, token: String },
    #[error("line {line}: the {what} in `{token}` is NaN, infinite or beyond ±1.8e308; only finite numbers are allowed")]
    NotFinite {
        line: usize,
        token: String,
        what: &'static str,
    },
    #[error(
        "line {line}: feature index {index} is a duplicate; each index may appear once per line"
    )]
    DuplicateIndex { line: usize, index: usize },
    #[error("line {line}: feature indices are unsorted ({index} comes after {previous}); they must be strictly ascending")]
    UnsortedIndex {
        line: usize,
        index: usize,
        previous: usize,
    },
    #[error("the data is too large: {rows} rows × {columns} columns is more than the limit of {max_cells} cells{}", width_origin(*.widest_line))]
    TooManyCells {
        rows: usize,
        columns: usize,
        max_cells: usize,
        /// The line holding the largest feature index, when that index set the width.
        widest_line: Option<usize>,
    },
    #[error("not enough memory for {cells} cells of dense data")]
    OutOfMemory { cells: usize },
}

impl DataError {
    /// The 1-based line the error is about, when it is about one line.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::NotUtf8 { line, .. }
            | Self::BlankLine { line }
            | Self::BadLabel { line, .. }
            | Self::BadPair { line, .. }
            | Self::BadIndex { line, .. }
            | Self::BadValue { line, .. }
            | Self::NotFinite { line, .. }
            | Self::DuplicateIndex { line, .. }
            | Self::UnsortedIndex { line, .. } => Some(*line),
            Self::TooManyCells { widest_line, .. } => *widest_line,
            Self::Unreadable { .. } | Self::Empty | Self::OutOfMemory { .. } => None,
        }
    }
}

/// Points at the line whose index made the data so wide: usually a typo there.
fn width_origin(widest_line: Option<usize>) -> String {
    match widest_line {
        Some(line) => format!(" (the largest feature index is on line {line})"),
        None => " (the width comes from the requested minimum number of columns)".to_string(),
    }
}
