//! Reading LIBSVM text into a dense matrix; the format and what the reader refuses
//! are described in [`super`].

use std::path::Path;

use crate::error::DataError;

/// Limits and shape requests for reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Make the matrix at least this wide, e.g. the training data's width when reading
    /// test data whose last features happen to be zero everywhere.
    pub minimum_columns: usize,
    /// Refuse data whose rows × columns is above this, since a single stray huge index
    /// would otherwise ask for an enormous dense matrix.
    pub max_cells: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        // 500 million cells is 4 GB of f64: beyond that, something is probably wrong.
        Self {
            minimum_columns: 0,
            max_cells: 500_000_000,
        }
    }
}

/// A data set read from a LIBSVM file, densified.
#[derive(Debug, Clone, PartialEq)]
pub struct LibsvmData {
    /// One label per example, in file order.
    pub labels: Vec<f64>,
    /// Number of columns = the largest feature index seen (or the `minimum_columns`
    /// asked for, whichever is larger).
    pub columns: usize,
    /// Row-major dense values, labels.len() * columns long.
    pub values: Vec<f64>,
}

/// Reads a LIBSVM file from disk; see [`parse_libsvm`].
pub fn read_libsvm_file(path: &Path, options: &ReadOptions) -> Result<LibsvmData, DataError> {
    let bytes = std::fs::read(path).map_err(|source| DataError::Unreadable {
        path: path.to_path_buf(),
        reason: source,
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|error| {
        // Point at the line holding the first bad byte, so the user can look there.
        let valid = &bytes[..error.valid_up_to()];
        let line = valid.iter().filter(|&&byte| byte == b'\n').count() + 1;
        DataError::NotUtf8 {
            path: path.to_path_buf(),
            line,
        }
    })?;
    parse_libsvm(text, options)
}

/// Parses LIBSVM text into dense rows.
pub fn parse_libsvm(text: &str, options: &ReadOptions) -> Result<LibsvmData, DataError> {
    let sparse = collect_sparse(text)?;
    densify(sparse, options)
}

/// What one pass over the text collects, before the dense size is known.
#[derive(Default)]
struct SparseRows {
    labels: Vec<f64>,
    /// `entries[row_ends[r - 1]..row_ends[r]]` are row r's pairs.
    row_ends: Vec<usize>,
    /// (1-based index, value) pairs of all rows, one after another.
    entries: Vec<(usize, f64)>,
    /// The largest index seen, and the first line it was seen on.
    widest: usize,
    widest_line: usize,
}

fn collect_sparse(text: &str) -> Result<SparseRows, DataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Whitespace at the very end (trailing newlines, blank last lines) is harmless;
    // trimming only the end keeps the line numbers of everything before it.
    let content = text.trim_ascii_end();
    if content.is_empty() {
        return Err(DataError::Empty);
    }
    let mut sparse = SparseRows::default();
    // `lines` splits on `\n` and drops a `\r` before it, so CRLF files work.
    for (position, line) in content.lines().enumerate() {
        parse_line(line, position + 1, &mut sparse)?;
    }
    Ok(sparse)
}

fn parse_line(line: &str, number: usize, sparse: &mut SparseRows) -> Result<(), DataError> {
    let mut tokens = line.split_ascii_whitespace();
    let Some(label_token) = tokens.next() else {
        return Err(DataError::BlankLine { line: number });
    };
    let label = parse_label(label_token, number)?;
    let mut previous = 0;
    for token in tokens {
        let (index, value) = parse_pair(token, number)?;
        check_order(index, previous, number)?;
        previous = index;
        sparse.entries.push((index, value));
    }
    // Indices ascend, so the last one is this row's widest.
    if previous > sparse.widest {
        sparse.widest = previous;
        sparse.widest_line = number;
    }
    sparse.labels.push(label);
    sparse.row_ends.push(sparse.entries.len());
    Ok(())
}

fn parse_label(token: &str, line: usize) -> Result<f64, DataError> {
    let Ok(label) = token.parse::<f64>() else {
        return Err(DataError::BadLabel {
            line,
            token: excerpt(token),
            hint: label_hint(token),
        });
    };
    if !label.is_finite() {
        return Err(DataError::NotFinite {
            line,
            token: excerpt(token),
            what: "label",
        });
    }
    Ok(label)
}

/// Guesses the two common reasons a label fails, to say more than "not a number".
fn label_hint(token: &str) -> &'static str {
    if token.contains(':') {
        " (the line starts with an index:value pair; every line must begin with its label)"
    } else if token.contains(',') || token.contains(';') {
        " (fields here are separated by spaces, not commas or semicolons: is this a CSV file?)"
    } else {
        ""
    }
}

fn parse_pair(token: &str, line: usize) -> Result<(usize, f64), DataError> {
    let bad_pair = || DataError::BadPair {
        line,
        token: excerpt(token),
    };
    let (index_text, value_text) = token.split_once(':').ok_or_else(bad_pair)?;
    if index_text.is_empty() || value_text.is_empty() {
        return Err(bad_pair());
    }
    let index = parse_index(index_text, token, line)?;
    let value = parse_value(value_text, token, line)?;
    Ok((index, value))
}

fn parse_index(index_text: &str, token: &str, line: usize) -> Result<usize, DataError> {
    let reason = match index_text.parse::<usize>() {
        Ok(0) => "is 0, but indices start at 1",
        Ok(index) => return Ok(index),
        Err(_) => index_failure_reason(index_text),
    };
    Err(DataError::BadIndex {
        line,
        token: excerpt(token),
        reason,
    })
}

/// Tells apart the ways an index can fail to be a positive `usize`.
fn index_failure_reason(index_text: &str) -> &'static str {
    let all_digits =
        |text: &str| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
    if let Some(magnitude) = index_text.strip_prefix('-') {
        if all_digits(magnitude) {
            return "is negative";
        }
    }
    let unsigned = index_text.strip_prefix('+').unwrap_or(index_text);
    if all_digits(unsigned) {
        "is too large"
    } else {
        "is not a whole number"
    }
}

fn parse_value(value_text: &str, token: &str, line: usize) -> Result<f64, DataError> {
    let Ok(value) = value_text.parse::<f64>() else {
        return Err(DataError::BadValue {
            line,
            token: excerpt(token),
        });
    };
    // Rust parses "nan", "inf" and overflowing numbers like "1e999" without error;
    // none of them can be trained on.
    if !value.is_finite() {
        return Err(DataError::NotFinite {
            line,
            token: excerpt(token),
            what: "value",
        });
    }
    Ok(value)
}

fn check_order(index: usize, previous: usize, line: usize) -> Result<(), DataError> {
    if index == previous {
        return Err(DataError::DuplicateIndex { line, index });
    }
    if index < previous {
        return Err(DataError::UnsortedIndex {
            line,
            index,
            previous,
        });
    }
    Ok(())
}

/// A token as shown in an error message: cut short, since a file without any spaces
/// would otherwise be quoted whole.
fn excerpt(token: &str) -> String {
    const LIMIT: usize = 40;
    match token.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &token[..cut]),
        None => token.to_string(),
    }
}

fn densify(sparse: SparseRows, options: &ReadOptions) -> Result<LibsvmData, DataError> {
    let rows = sparse.labels.len();
    let columns = sparse.widest.max(options.minimum_columns);
    let cells = dense_size(rows, columns, &sparse, options)?;
    let mut values = Vec::new();
    // Ask for the memory fallibly: an allocation failure should be an error, not an abort.
    values
        .try_reserve_exact(cells)
        .map_err(|_| DataError::OutOfMemory { cells })?;
    values.resize(cells, 0.0);
    if columns > 0 {
        let mut start = 0;
        for (row_values, &end) in values.chunks_exact_mut(columns).zip(&sparse.row_ends) {
            for &(index, value) in &sparse.entries[start..end] {
                // Every index is in 1..=widest, and widest <= columns.
                row_values[index - 1] = value;
            }
            start = end;
        }
    }
    Ok(LibsvmData {
        labels: sparse.labels,
        columns,
        values,
    })
}

/// rows × columns, refused when it overflows or passes the limit.
fn dense_size(
    rows: usize,
    columns: usize,
    sparse: &SparseRows,
    options: &ReadOptions,
) -> Result<usize, DataError> {
    match rows.checked_mul(columns) {
        Some(cells) if cells <= options.max_cells => Ok(cells),
        _ => Err(DataError::TooManyCells {
            rows,
            columns,
            max_cells: options.max_cells,
            widest_line: (sparse.widest >= options.minimum_columns).then_some(sparse.widest_line),
        }),
    }
}
