//! The crate's one error type: reading, choosing targets, preprocessing, splitting.

use std::path::PathBuf;

/// Everything that can go wrong between a data file and a matrix to train on.
///
/// Each message names the 1-based line and, where one is to blame, the offending
/// token (shortened if long), so a user can find and fix it; whole lines are never
/// copied into messages because a single line can be megabytes long.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The caller's stop flag was raised while reading (a cancelled training).
    #[error("reading was stopped")]
    Stopped,

    /// The reason is part of the message, so it is not also a `source`: printing the
    /// error with its causes would say it twice.
    #[error("cannot read data file {}: {reason}", path.display())]
    Unreadable {
        path: PathBuf,
        reason: std::io::Error,
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

    // Tables (CSV/TSV, xlsx). These messages never quote cell contents: a table may
    // hold private data, and an error message may travel further than the data may.
    #[error("data file {} is {bytes} bytes, more than the limit of {limit} bytes", path.display())]
    TooManyBytes {
        path: PathBuf,
        bytes: u64,
        limit: u64,
    },
    #[error("the table has more than the limit of {limit} data rows")]
    TooManyRows { limit: usize },
    #[error("the table has {columns} columns, more than the limit of {limit}")]
    TooManyColumns { columns: usize, limit: usize },
    #[error("the data is not a text table: {reason}")]
    NotATable { reason: &'static str },
    #[error("line {line}: {found} fields, but the table has {expected} columns; every row needs the same number of fields (is a quote left open, or a field holding the delimiter unquoted?)")]
    RaggedRow {
        line: usize,
        found: usize,
        expected: usize,
    },
    #[error("line {line}: the row cannot be read as delimited text: {reason}")]
    MalformedRow { line: usize, reason: String },
    #[error("the table has a header but no data rows")]
    NoDataRows,
    #[error(
        "column name `{name}` is used by columns {first} and {second}; column names must be unique"
    )]
    DuplicateColumnName {
        name: String,
        first: usize,
        second: usize,
    },
    #[error("line {line}, column {column}: a field of {bytes} bytes, more than the limit of {limit} bytes for one field")]
    FieldTooLong {
        line: usize,
        column: usize,
        bytes: usize,
        limit: usize,
    },
    #[error("the workbook expands to {bytes} bytes when decompressed, more than the limit of {limit} bytes (a zip bomb, or a workbook to save as CSV)")]
    TooManyDecompressedBytes { bytes: u128, limit: u64 },
    #[error("the sheet is too large: more than {limit} cells")]
    SheetTooLarge { limit: usize },
    #[error("cannot read spreadsheet {}: {reason}", path.display())]
    Spreadsheet { path: PathBuf, reason: String },
    #[error("data file {} has the unsupported format `.{extension}`; use CSV/TSV, .xlsx or LIBSVM text", path.display())]
    UnsupportedFormat { path: PathBuf, extension: String },

    // Choosing targets and features.
    #[error(
        "target column `{name}` not found; the columns are: {}",
        list_names(available)
    )]
    TargetNotFound {
        name: String,
        available: Vec<String>,
    },
    #[error("target_dimension {dimension} is not possible with {columns} columns: it must be at least 1 and leave at least one feature column")]
    BadTargetDimension { dimension: usize, columns: usize },
    #[error("target_dimension {dimension} asks for several target columns, which only regression supports; classification has one target column")]
    TargetDimensionForClassification { dimension: usize },
    #[error("no row has a value in the target column `{column}`")]
    NoLabeledRows { column: String },
    #[error(
        "the target column `{column}` holds a single class; classification needs at least two"
    )]
    SingleClass { column: String },
    #[error("the target column `{column}` holds more than {limit} classes, the limit; is it an identifier or a continuous value (then train a regression)?")]
    TooManyClasses { column: String, limit: usize },
    #[error("column `{column}`, row {row} of the file: a value beyond ±{limit:e}; svmq squares and sums values, which would overflow, so rescale the column (e.g. to other units)")]
    ValueTooLarge {
        column: String,
        row: usize,
        limit: f64,
    },
    #[error("no usable feature column: {reason}")]
    NoFeatures { reason: String },
    #[error("the regression target column `{column}` must be numeric, but row {row} of the file is not a number")]
    NonNumericTarget { column: String, row: usize },
    #[error("a class of the target column `{column}` has only {members} member(s) (first at row {row} of the file), fewer than the {folds} cross-validation folds; lower cv_folds or add examples")]
    ClassTooSmall {
        column: String,
        members: usize,
        folds: usize,
        row: usize,
    },

    // Preprocessing and prediction inputs.
    #[error("missing feature(s): {}; every feature the model was trained on must be given (null marks a missing value)", list_names(names))]
    MissingFeatures { names: Vec<String> },
    #[error(
        "unknown feature(s): {}; the model's features are: {}",
        list_names(names),
        list_names(expected)
    )]
    UnknownFeatures {
        names: Vec<String>,
        expected: Vec<String>,
    },
    #[error("row {row}: {found} feature values given, but the model takes {} in this order: {}", expected.len(), list_names(expected))]
    FeatureCount {
        row: usize,
        found: usize,
        expected: Vec<String>,
    },
    #[error("row {row}: the feature `{feature}` must be a finite number")]
    FeatureNotNumeric { feature: String, row: usize },

    #[error("internal error: {reason}")]
    Internal { reason: String },

    /// Fitted preprocessing read from a file does not hold together.
    #[error("invalid preprocessing: {reason}")]
    InvalidPreprocessing { reason: String },

    // Splitting.
    #[error("invalid split: {reason}")]
    InvalidSplit { reason: String },
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
            Self::RaggedRow { line, .. }
            | Self::MalformedRow { line, .. }
            | Self::FieldTooLong { line, .. } => Some(*line),
            Self::TooManyCells { widest_line, .. } => *widest_line,
            _ => None,
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

/// Names for a message, quoted, comma-separated, and cut after a few dozen so that a
/// table with thousands of columns does not produce a message of thousands of names.
fn list_names(names: &[String]) -> String {
    const SHOWN: usize = 40;
    let mut listed: Vec<String> = names
        .iter()
        .take(SHOWN)
        .map(|name| format!("`{name}`"))
        .collect();
    if names.len() > SHOWN {
        listed.push(format!("and {} more", names.len() - SHOWN));
    }
    listed.join(", ")
}
