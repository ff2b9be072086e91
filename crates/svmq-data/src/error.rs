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

    /// A data file could not be opened or read.
    ///
    /// The reason is part of the message, so it is not also a `source`: printing the
    /// error with its causes would say it twice.
    #[error("cannot read data file {}: {reason}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error from opening or reading it.
        reason: std::io::Error,
    },
    /// A text data file holds bytes that are not valid UTF-8.
    #[error("data file {} is not UTF-8 text (first bad byte on line {line})", path.display())]
    NotUtf8 {
        /// The file, or `(in-memory data)`.
        path: PathBuf,
        /// The 1-based line holding the first invalid byte.
        line: usize,
    },
    /// The data holds nothing: empty or all-blank text, or a sheet without a
    /// non-empty cell.
    #[error("no examples found: the data is empty")]
    Empty,
    /// LIBSVM: a blank line before the last non-blank one.
    #[error("line {line}: the line is empty; every line must hold one example (blank lines are allowed only at the end)")]
    BlankLine {
        /// The 1-based line that is blank.
        line: usize,
    },
    /// LIBSVM: a line's first token, its label, is not a number.
    #[error("line {line}: the label `{token}` is not a number{hint}")]
    BadLabel {
        /// The 1-based line.
        line: usize,
        /// The label token, shortened to 40 characters.
        token: String,
        /// A guess at the cause (a leading pair, or CSV separators), starting with a
        /// space and in parentheses; empty when there is no guess.
        hint: &'static str,
    },
    /// LIBSVM: a token after the label is not `index:value`, or one side is empty.
    #[error("line {line}: `{token}` is not an `index:value` pair such as `3:0.5`")]
    BadPair {
        /// The 1-based line.
        line: usize,
        /// The token, shortened to 40 characters.
        token: String,
    },
    /// LIBSVM: the index of a pair is not a whole number from 1 up.
    #[error("line {line}: in `{token}` the feature index {reason}; indices are whole numbers 1, 2, 3, ...")]
    BadIndex {
        /// The 1-based line.
        line: usize,
        /// The `index:value` token, shortened to 40 characters.
        token: String,
        /// What is wrong, completing "the feature index ...": `is 0, but indices start
        /// at 1`, `is negative`, `is too large` or `is not a whole number`.
        reason: &'static str,
    },
    /// LIBSVM: the value of a pair is not a number.
    #[error("line {line}: in `{token}` the value is not a number")]
    BadValue {
        /// The 1-based line.
        line: usize,
        /// The `index:value` token, shortened to 40 characters.
        token: String,
    },
    /// LIBSVM: a label or value parses as NaN or an infinity (`1e999` included).
    #[error("line {line}: the {what} in `{token}` is NaN, infinite or beyond ±1.8e308; only finite numbers are allowed")]
    NotFinite {
        /// The 1-based line.
        line: usize,
        /// The offending token, shortened to 40 characters.
        token: String,
        /// Which number it is: `label` or `value`.
        what: &'static str,
    },
    /// LIBSVM: a feature index repeats the one just before it on its line.
    #[error(
        "line {line}: feature index {index} is a duplicate; each index may appear once per line"
    )]
    DuplicateIndex {
        /// The 1-based line.
        line: usize,
        /// The repeated feature index (1-based).
        index: usize,
    },
    /// LIBSVM: a feature index is smaller than the one before it on its line.
    #[error("line {line}: feature indices are unsorted ({index} comes after {previous}); they must be strictly ascending")]
    UnsortedIndex {
        /// The 1-based line.
        line: usize,
        /// The index out of order.
        index: usize,
        /// The larger index just before it.
        previous: usize,
    },
    /// LIBSVM: the dense matrix would have more than [`ReadOptions::max_cells`] cells
    /// (or rows × columns overflows).
    ///
    /// [`ReadOptions::max_cells`]: crate::libsvm::ReadOptions::max_cells
    #[error("the data is too large: {rows} rows × {columns} columns is more than the limit of {max_cells} cells{}", width_origin(*.widest_line))]
    TooManyCells {
        /// Examples read.
        rows: usize,
        /// The width: the largest index seen, or the minimum asked for.
        columns: usize,
        /// The limit that was passed.
        max_cells: usize,
        /// The line holding the largest feature index, when that index set the width.
        widest_line: Option<usize>,
    },
    /// LIBSVM: the allocator refused the dense matrix.
    #[error("not enough memory for {cells} cells of dense data")]
    OutOfMemory {
        /// The number of `f64` cells asked for.
        cells: usize,
    },

    // Tables (CSV/TSV, xlsx). These messages never quote cell contents: a table may
    // hold private data, and an error message may travel further than the data may.
    /// A table file (or in-memory table) is larger than [`ReadLimits::max_bytes`].
    ///
    /// [`ReadLimits::max_bytes`]: crate::table::ReadLimits::max_bytes
    #[error("data file {} is {bytes} bytes, more than the limit of {limit} bytes", path.display())]
    TooManyBytes {
        /// The file, or `(in-memory data)`.
        path: PathBuf,
        /// Its size in bytes.
        bytes: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The table has more data rows than [`ReadLimits::max_rows`].
    ///
    /// [`ReadLimits::max_rows`]: crate::table::ReadLimits::max_rows
    #[error("the table has more than the limit of {limit} data rows")]
    TooManyRows {
        /// The limit on data rows.
        limit: usize,
    },
    /// The table is wider than [`ReadLimits::max_columns`].
    ///
    /// [`ReadLimits::max_columns`]: crate::table::ReadLimits::max_columns
    #[error("the table has {columns} columns, more than the limit of {limit}")]
    TooManyColumns {
        /// The columns found (for a sheet, the span of its non-empty cells so far).
        columns: usize,
        /// The limit on columns.
        limit: usize,
    },
    /// The bytes are not delimited text at all (UTF-16, or binary with NUL bytes).
    #[error("the data is not a text table: {reason}")]
    NotATable {
        /// What was found and, where there is one, the fix.
        reason: &'static str,
    },
    /// Delimited text: a row's field count differs from the first row's.
    #[error("line {line}: {found} fields, but the table has {expected} columns; every row needs the same number of fields (is a quote left open, or a field holding the delimiter unquoted?)")]
    RaggedRow {
        /// The 1-based line the row starts on.
        line: usize,
        /// Fields in this row.
        found: usize,
        /// Fields in the first row.
        expected: usize,
    },
    /// Delimited text: the CSV reader failed on a row.
    #[error("line {line}: the row cannot be read as delimited text: {reason}")]
    MalformedRow {
        /// The 1-based line of the row.
        line: usize,
        /// The reader's reason, never quoting the data.
        reason: String,
    },
    /// The table has a header row and nothing below it.
    #[error("the table has a header but no data rows")]
    NoDataRows,
    /// Two header cells give the same column name.
    #[error(
        "column name `{name}` is used by columns {first} and {second}; column names must be unique"
    )]
    DuplicateColumnName {
        /// The repeated name.
        name: String,
        /// The 1-based position of the first column with that name.
        first: usize,
        /// The 1-based position of the second.
        second: usize,
    },
    /// A field or sheet cell is longer than [`ReadLimits::max_field_bytes`].
    ///
    /// [`ReadLimits::max_field_bytes`]: crate::table::ReadLimits::max_field_bytes
    #[error("line {line}, column {column}: a field of {bytes} bytes, more than the limit of {limit} bytes for one field")]
    FieldTooLong {
        /// The 1-based line (delimited text) or sheet row (xlsx).
        line: usize,
        /// The 1-based column.
        column: usize,
        /// The field's length in bytes.
        bytes: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// An xlsx archive declares more decompressed bytes, summed over its parts, than
    /// [`ReadLimits::max_decompressed_bytes`].
    ///
    /// [`ReadLimits::max_decompressed_bytes`]: crate::table::ReadLimits::max_decompressed_bytes
    #[error("the workbook expands to {bytes} bytes when decompressed, more than the limit of {limit} bytes (a zip bomb, or a workbook to save as CSV)")]
    TooManyDecompressedBytes {
        /// The declared total over all parts, in bytes.
        bytes: u128,
        /// The limit in bytes.
        limit: u64,
    },
    /// A sheet holds more non-empty cells, or its non-empty rows × their width more
    /// cells, than half [`ReadLimits::max_bytes`]: as many as the densest delimited file
    /// within the byte cap could.
    ///
    /// [`ReadLimits::max_bytes`]: crate::table::ReadLimits::max_bytes
    #[error("the sheet is too large: more than {limit} cells")]
    SheetTooLarge {
        /// The limit on cells, half of `max_bytes`.
        limit: usize,
    },
    /// An xlsx workbook could not be opened or its first sheet read.
    #[error("cannot read spreadsheet {}: {reason}", path.display())]
    Spreadsheet {
        /// The file, or `(in-memory data)`.
        path: PathBuf,
        /// What failed, with the reader's error shortened.
        reason: String,
    },
    /// The file's extension is a spreadsheet format svmq does not read (`xls`, `xlsb`,
    /// `ods`, `numbers`).
    #[error("data file {} has the unsupported format `.{extension}`; use CSV/TSV, .xlsx or LIBSVM text", path.display())]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
        /// Its extension, lowercased, without the dot.
        extension: String,
    },

    // Choosing targets and features.
    /// No column has the requested target name, exactly or (uniquely) ignoring case
    /// and surrounding spaces.
    #[error(
        "target column `{name}` not found; the columns are: {}",
        list_names(available)
    )]
    TargetNotFound {
        /// The name asked for.
        name: String,
        /// Every column name of the table.
        available: Vec<String>,
    },
    /// A column named to exclude from or keep among the features is not in the table,
    /// exactly or (uniquely) ignoring case and surrounding spaces.
    #[error(
        "column `{name}` asked to be {action} is not in the data; the columns are: {}",
        list_names(available)
    )]
    UnknownColumn {
        /// The name asked for.
        name: String,
        /// What was asked: `excluded` or `kept as a feature`.
        action: &'static str,
        /// Every column name of the table.
        available: Vec<String>,
    },
    /// A column cannot be excluded or kept as asked (the target, a constant column, or
    /// a column named both ways).
    #[error("column `{column}` cannot be {action}: {reason}")]
    ColumnOverride {
        /// The column.
        column: String,
        /// What was asked.
        action: &'static str,
        /// Why not, and what to do instead.
        reason: String,
    },
    /// `target_dimension` is 0, reaches before the first column, or leaves no feature
    /// column.
    #[error("target_dimension {dimension} is not possible with {columns} columns: it must be at least 1 and leave at least one feature column")]
    BadTargetDimension {
        /// The target dimension asked for.
        dimension: usize,
        /// Columns in the table.
        columns: usize,
    },
    /// A classification asked for a `target_dimension` other than 1.
    #[error("target_dimension {dimension} asks for several target columns, which only regression supports; classification has one target column")]
    TargetDimensionForClassification {
        /// The target dimension asked for.
        dimension: usize,
    },
    /// Every row's target is missing (for several targets: no row has them all).
    #[error("no row has a value in the target column `{column}`")]
    NoLabeledRows {
        /// The (first) target column.
        column: String,
    },
    /// A classification target with fewer than two classes among the usable rows.
    #[error(
        "the target column `{column}` holds a single class; classification needs at least two"
    )]
    SingleClass {
        /// The target column.
        column: String,
    },
    /// A classification target with more classes than
    /// [`TargetOptions::max_classes`](crate::dataset::TargetOptions::max_classes).
    #[error("the target column `{column}` holds more than {limit} classes, the limit; is it an identifier or a continuous value (then train a regression)?")]
    TooManyClasses {
        /// The target column.
        column: String,
        /// The limit on classes.
        limit: usize,
    },
    /// A classification asked for a target that is continuous (see
    /// [`crate::task_choice`]).
    #[error("the target column `{column}` is continuous: {reason}; such values are not classes (a class of one row cannot be learned), so train a regression")]
    ContinuousTarget {
        /// The target column.
        column: String,
        /// What makes it continuous, with counts.
        reason: String,
    },
    /// A numeric feature or regression target value beyond
    /// ±[`MAX_ABS_VALUE`](crate::dataset::MAX_ABS_VALUE), in a usable row.
    #[error("column `{column}`, row {row} of the file: a value beyond ±{limit:e}; svmq squares and sums values, which would overflow, so rescale the column (e.g. to other units)")]
    ValueTooLarge {
        /// The column.
        column: String,
        /// The first such row, as the file numbers it (line or sheet row).
        row: usize,
        /// The largest magnitude allowed.
        limit: f64,
    },
    /// No column besides the targets is a feature.
    #[error("no usable feature column: {reason}")]
    NoFeatures {
        /// Whether there is no other column, or which ones are left out and as what
        /// (at most 20 named).
        reason: String,
    },
    /// A regression target cell that is text.
    #[error("the regression target column `{column}` must be numeric, but row {row} of the file is not a number")]
    NonNumericTarget {
        /// The target column.
        column: String,
        /// The first such row, as the file numbers it (line or sheet row).
        row: usize,
    },
    /// A class has fewer members than the cross-validation folds, so stratified folds
    /// cannot all hold it.
    #[error("a class of the target column `{column}` has only {members} member(s) (first at row {row} of the file), fewer than the {folds} cross-validation folds; use fewer folds or add examples")]
    ClassTooSmall {
        /// The target column.
        column: String,
        /// Members of the smallest such class.
        members: usize,
        /// The folds asked for.
        folds: usize,
        /// The class's first row, as the file numbers it (line or sheet row).
        row: usize,
    },

    // Preprocessing and prediction inputs.
    /// A table or record given to a preprocessor lacks some of its feature columns.
    #[error("missing feature(s): {}; every feature the model was trained on must be given (null marks a missing value)", list_names(names))]
    MissingFeatures {
        /// The absent features.
        names: Vec<String>,
    },
    /// Input to a fitted preprocessor names columns that are neither its features
    /// nor the targets or ignored columns of its training data.
    #[error(
        "unknown feature(s): {}; the model's features are: {}",
        list_names(names),
        list_names(expected)
    )]
    UnknownFeatures {
        /// The unknown names.
        names: Vec<String>,
        /// The features, in input order.
        expected: Vec<String>,
    },
    /// A row given as a list of values is not as long as the list of features.
    #[error("row {row}: {found} feature values given, but the model takes {} in this order: {}", expected.len(), list_names(expected))]
    FeatureCount {
        /// The 1-based position of the row in the input.
        row: usize,
        /// Values given in that row.
        found: usize,
        /// The features, in the order the values must follow.
        expected: Vec<String>,
    },
    /// A numeric feature got text, or a value that scaling made non-finite.
    #[error("row {row}: the feature `{feature}` must be a finite number")]
    FeatureNotNumeric {
        /// The feature.
        feature: String,
        /// For a table, the row as the file numbers it (line or sheet row); for
        /// records or lists, the 1-based position of the row in the input.
        row: usize,
    },

    /// A positive label that names no class, or one given for a target that does not
    /// have two classes.
    #[error("{reason}")]
    PositiveLabel {
        /// What is wrong, with the classes when the label names none.
        reason: String,
    },

    /// A cell of a date feature that is not a date in the column's format.
    #[error(
        "row {row}: the date feature `{feature}` must be a date written as {format} (or missing)"
    )]
    NotADate {
        /// The feature.
        feature: String,
        /// The column's format, as messages spell it.
        format: &'static str,
        /// For a table, the row as the file numbers it; for records or lists, the
        /// 1-based position of the row in the input.
        row: usize,
    },

    /// A bug: an invariant of this crate did not hold.
    #[error("internal error: {reason}")]
    Internal {
        /// What went wrong.
        reason: String,
    },

    /// Fitted preprocessing read from a file does not hold together.
    #[error("invalid preprocessing: {reason}")]
    InvalidPreprocessing {
        /// Which feature and what is wrong with it.
        reason: String,
    },

    // Splitting.
    /// A test fraction, fold count or row index that cannot split these examples.
    #[error("invalid split: {reason}")]
    InvalidSplit {
        /// What was asked for and what would be valid.
        reason: String,
    },
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
