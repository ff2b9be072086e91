//! The LIBSVM sparse text format: reading it into dense rows, and writing it back.
//!
//! Each line holds one example: a label, then `index:value` pairs separated by ASCII
//! whitespace (spaces or tabs), e.g. `-1 3:0.5 7:2`. Labels are real numbers (class
//! labels are numbers too: `+1`, `-1`, `3`). Indices are 1-based, whole and strictly
//! ascending; features not listed are zero. Lines may end in `\n` or `\r\n`.
//!
//! What the reader does:
//! - densifies: the result is a row-major matrix whose width is the largest index seen
//!   (or [`ReadOptions::minimum_columns`], whichever is larger), so a test file can be
//!   read as wide as its training file;
//! - refuses, with the line number and token, anything malformed: bad labels or pairs,
//!   index 0, negative or fractional indices, duplicate or unsorted indices, NaN and
//!   infinities, blank lines before the end of the file, and an empty file;
//! - refuses data whose dense size passes [`ReadOptions::max_cells`], before allocating;
//! - skips a leading UTF-8 byte-order mark, which Windows editors like to add.
//!
//! What it does not do: comments (`# ...`) are not allowed, nor are the `0:n` serial
//! numbers of LIBSVM's precomputed-kernel files (index 0 is an error), nor sparse
//! output. It never panics, whatever the input.

use std::io::{BufWriter, Write};
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

/// Writes rows in LIBSVM format (zeros omitted, values printed with Rust's shortest
/// round-trip f64 Display).
///
/// Refuses, as `InvalidInput`, a `values` whose length is not `labels.len() * columns`
/// and NaN or infinite numbers, which the reader would not take back.
pub fn write_libsvm(
    labels: &[f64],
    columns: usize,
    values: &[f64],
    out: &mut impl Write,
) -> std::io::Result<()> {
    if labels.len().checked_mul(columns) != Some(values.len()) {
        return Err(invalid_input(format!(
            "{} values cannot be {} rows of {columns} columns",
            values.len(),
            labels.len()
        )));
    }
    // Many small writes: buffer them here so callers need not remember to.
    let mut buffered = BufWriter::new(out);
    for (row, &label) in labels.iter().enumerate() {
        let row_values = &values[row * columns..(row + 1) * columns];
        write_row(&mut buffered, row, label, row_values)?;
    }
    buffered.flush()
}

fn write_row(
    out: &mut impl Write,
    row: usize,
    label: f64,
    row_values: &[f64],
) -> std::io::Result<()> {
    if !label.is_finite() {
        return Err(invalid_input(format!(
            "the label of row {} is {label}",
            row + 1
        )));
    }
    write!(out, "{label}")?;
    for (column, &value) in row_values.iter().enumerate() {
        // NaN != 0.0, so NaN goes on to the check below rather than being dropped.
        if value == 0.0 {
            continue;
        }
        if !value.is_finite() {
            return Err(invalid_input(format!(
                "row {}, column {} is {value}",
                row + 1,
                column + 1
            )));
        }
        write!(out, " {}:{value}", column + 1)?;
    }
    out.write_all(b"\n")
}

fn invalid_input(message: String) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("cannot write LIBSVM data: {message}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<LibsvmData, DataError> {
        parse_libsvm(text, &ReadOptions::default())
    }

    /// Parses text that must fail, and checks the error names `line`.
    fn error_on_line(text: &str, line: usize) -> String {
        let error = parse(text).expect_err("the text should be refused");
        let message = error.to_string();
        assert_eq!(error.line(), Some(line), "{message}");
        assert!(message.starts_with(&format!("line {line}:")), "{message}");
        message
    }

    fn write_to_string(labels: &[f64], columns: usize, values: &[f64]) -> String {
        let mut bytes = Vec::new();
        write_libsvm(labels, columns, values, &mut bytes).expect("writing to memory works");
        String::from_utf8(bytes).expect("output is UTF-8")
    }

    #[test]
    fn reads_a_small_file() {
        let data = parse("+1 1:0.5 3:2\n-1 2:-1\n3\n").unwrap();
        assert_eq!(data.labels, [1.0, -1.0, 3.0]);
        assert_eq!(data.columns, 3);
        assert_eq!(data.values, [0.5, 0.0, 2.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn round_trip_write_then_parse() {
        let labels = [1.0, -1.0, 2.5, 0.0];
        let values = [
            0.1,
            0.0,
            -3.0,
            1e300, //
            0.0,
            0.0,
            0.0,
            0.0, //
            5e-324,
            f64::MAX,
            -f64::MAX,
            1.0 / 3.0, //
            -0.0,
            123456789.125,
            0.0,
            -1e-7,
        ];
        let text = write_to_string(&labels, 4, &values);
        let data = parse(&text).unwrap();
        assert_eq!(data.labels, labels);
        assert_eq!(data.columns, 4);
        // Bit-exact apart from -0.0, which is omitted as a zero and comes back as 0.0.
        assert_eq!(data.values, values);
    }

    #[test]
    fn write_omits_zeros_and_prints_shortest_form() {
        let text = write_to_string(&[1.0, -1.0], 3, &[0.0, 0.5, 0.1, 0.0, 0.0, 0.0]);
        assert_eq!(text, "1 2:0.5 3:0.1\n-1\n");
    }

    #[test]
    fn write_refuses_wrong_shape_and_non_finite_numbers() {
        let mut sink = Vec::new();
        assert!(write_libsvm(&[1.0], 2, &[1.0], &mut sink).is_err());
        assert!(write_libsvm(&[1.0, 2.0], usize::MAX, &[], &mut sink).is_err());
        assert!(write_libsvm(&[f64::NAN], 1, &[1.0], &mut sink).is_err());
        let error = write_libsvm(&[1.0], 2, &[0.0, f64::INFINITY], &mut sink).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("column 2"), "{error}");
    }

    #[test]
    fn write_with_zero_columns_writes_labels_only() {
        assert_eq!(write_to_string(&[1.0, 2.0], 0, &[]), "1\n2\n");
    }

    #[test]
    fn crlf_line_endings_work() {
        let data = parse("1 1:1\r\n-1 2:2\r\n\r\n").unwrap();
        assert_eq!(data.labels, [1.0, -1.0]);
        assert_eq!(data.values, [1.0, 0.0, 0.0, 2.0]);
    }

    #[test]
    fn crlf_blank_line_mid_file_is_refused() {
        error_on_line("1 1:1\r\n\r\n-1 2:2\r\n", 2);
    }

    #[test]
    fn tabs_and_repeated_spaces_separate_tokens() {
        let data = parse("  1\t1:1  \t 2:2 \n\t-1   2:3\t\n").unwrap();
        assert_eq!(data.values, [1.0, 2.0, 0.0, 3.0]);
    }

    #[test]
    fn trailing_blank_lines_are_allowed() {
        let data = parse("1 1:1\n\n   \n\t\r\n").unwrap();
        assert_eq!(data.labels, [1.0]);
    }

    #[test]
    fn missing_final_newline_is_fine() {
        assert_eq!(parse("1 1:1\n2 1:2").unwrap().labels, [1.0, 2.0]);
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        assert_eq!(parse("\u{feff}1 1:1\n").unwrap().labels, [1.0]);
    }

    #[test]
    fn label_forms() {
        let data = parse("+1\n-1\n3\n2.5e0\n-0.25\n.5\n").unwrap();
        assert_eq!(data.labels, [1.0, -1.0, 3.0, 2.5, -0.25, 0.5]);
        assert_eq!(data.columns, 0);
        assert!(data.values.is_empty());
    }

    #[test]
    fn columns_are_the_largest_index_seen() {
        let data = parse("1 2:1\n1 7:1\n1 1:1 3:1\n").unwrap();
        assert_eq!(data.columns, 7);
        assert_eq!(data.values.len(), 21);
        assert_eq!(data.values[7 + 6], 1.0);
    }

    #[test]
    fn minimum_columns_widens_but_never_narrows() {
        let wide = ReadOptions {
            minimum_columns: 5,
            ..ReadOptions::default()
        };
        let data = parse_libsvm("1 2:1\n", &wide).unwrap();
        assert_eq!(data.columns, 5);
        assert_eq!(data.values, [0.0, 1.0, 0.0, 0.0, 0.0]);
        let narrow = ReadOptions {
            minimum_columns: 1,
            ..ReadOptions::default()
        };
        assert_eq!(parse_libsvm("1 2:1\n", &narrow).unwrap().columns, 2);
    }

    #[test]
    fn explicit_zero_values_are_kept_as_zero() {
        assert_eq!(parse("1 1:0 2:-0\n").unwrap().values, [0.0, 0.0]);
    }

    #[test]
    fn empty_text_is_refused() {
        for text in ["", "\n\n", "  \t\r\n ", "\u{feff}"] {
            assert!(matches!(parse(text), Err(DataError::Empty)), "{text:?}");
        }
    }

    #[test]
    fn blank_line_mid_file_names_its_line() {
        let message = error_on_line("1 1:1\n2 1:2\n   \n3 1:3\n", 3);
        assert!(message.contains("empty"), "{message}");
        error_on_line("\n1 1:1\n", 1);
    }

    #[test]
    fn malformed_label_names_line_and_token() {
        let message = error_on_line("1 1:1\nyes 1:1\n", 2);
        assert!(message.contains("`yes`"), "{message}");
    }

    #[test]
    fn missing_label_gets_a_hint() {
        let message = error_on_line("1 1:1\n1:1 2:2\n", 2);
        assert!(message.contains("must begin with its label"), "{message}");
    }

    #[test]
    fn csv_input_gets_a_hint() {
        let message = error_on_line("1,0.5,0.25\n", 1);
        assert!(message.contains("CSV"), "{message}");
    }

    #[test]
    fn malformed_pairs_name_line_and_token() {
        for token in ["2", "2:", ":2", "#comment", "2;1"] {
            let message = error_on_line(&format!("1 1:1\n1 {token}\n"), 2);
            assert!(message.contains(&format!("`{token}`")), "{message}");
            assert!(message.contains("index:value"), "{message}");
        }
    }

    #[test]
    fn malformed_values_name_line_and_token() {
        let message = error_on_line("1 1:1\n1 1:abc\n", 2);
        assert!(message.contains("`1:abc`"), "{message}");
        error_on_line("1 1:2:3\n", 1);
    }

    #[test]
    fn index_zero_is_refused() {
        let message = error_on_line("1 1:1\n1 0:1\n", 2);
        assert!(message.contains("start at 1"), "{message}");
    }

    #[test]
    fn negative_index_is_refused() {
        let message = error_on_line("1 -3:1\n", 1);
        assert!(message.contains("negative"), "{message}");
    }

    #[test]
    fn non_integer_index_is_refused() {
        for token in ["1.5:1", "x:1", "1e2:1", "0x1:1"] {
            let message = error_on_line(&format!("1 {token}\n"), 1);
            assert!(message.contains("index"), "{message}");
        }
        let message = error_on_line("1 2.0:1\n", 1);
        assert!(message.contains("not a whole number"), "{message}");
    }

    #[test]
    fn oversized_index_is_refused() {
        let message = error_on_line("1 99999999999999999999999:1\n", 1);
        assert!(message.contains("too large"), "{message}");
    }

    #[test]
    fn duplicate_index_says_duplicate() {
        let message = error_on_line("1 1:1\n1 1:1 2:1 2:5\n", 2);
        assert!(
            message.contains("duplicate") && message.contains(" 2 "),
            "{message}"
        );
    }

    #[test]
    fn descending_index_says_unsorted() {
        let message = error_on_line("1 1:1\n1 1:1\n1 3:1 2:1\n", 3);
        assert!(message.contains("unsorted"), "{message}");
        assert!(message.contains("2 comes after 3"), "{message}");
    }

    #[test]
    fn nan_and_infinite_labels_are_refused() {
        for label in ["nan", "NaN", "inf", "-infinity", "1e400"] {
            let message = error_on_line(&format!("1 1:1\n{label} 1:1\n"), 2);
            assert!(
                message.contains("label") && message.contains("NaN"),
                "{message}"
            );
        }
    }

    #[test]
    fn nan_and_infinite_values_are_refused() {
        for value in ["nan", "inf", "-inf", "1e309", "-1e999"] {
            let message = error_on_line(&format!("1 1:1\n1 1:1\n1 2:{value}\n"), 3);
            assert!(
                message.contains("value") && message.contains(&format!("`2:{value}`")),
                "{message}"
            );
        }
    }

    #[test]
    fn long_tokens_are_shortened_in_messages() {
        let token = "é".repeat(10_000);
        let message = error_on_line(&format!("{token} 1:1\n"), 1);
        assert!(message.len() < 300, "{message}");
        assert!(message.contains('…'), "{message}");
    }

    #[test]
    fn too_many_cells_is_refused_naming_the_widest_line() {
        let options = ReadOptions {
            max_cells: 10,
            ..ReadOptions::default()
        };
        let error = parse_libsvm("1 1:1\n1 6:1\n", &options).unwrap_err();
        assert!(matches!(
            error,
            DataError::TooManyCells {
                rows: 2,
                columns: 6,
                ..
            }
        ));
        assert_eq!(error.line(), Some(2));
        assert!(error.to_string().contains("too large"), "{error}");
        assert!(parse_libsvm("1 1:1\n1 5:1\n", &options).is_ok());
    }

    #[test]
    fn huge_sizes_do_not_overflow() {
        let text = format!("1 {}:1\n1 1:1\n", usize::MAX);
        assert!(matches!(parse(&text), Err(DataError::TooManyCells { .. })));
        let options = ReadOptions {
            minimum_columns: usize::MAX,
            max_cells: usize::MAX,
        };
        let error = parse_libsvm("1\n1\n", &options).unwrap_err();
        assert_eq!(error.line(), None);
        assert!(
            error.to_string().contains("minimum number of columns"),
            "{error}"
        );
    }

    #[test]
    fn one_row_of_maximum_width_is_refused_by_allocation_not_abort() {
        let options = ReadOptions {
            max_cells: usize::MAX,
            ..ReadOptions::default()
        };
        let text = format!("1 {}:1\n", usize::MAX);
        assert!(matches!(
            parse_libsvm(&text, &options),
            Err(DataError::OutOfMemory { .. })
        ));
    }

    fn temporary_path(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("svmq-data-test-{}-{name}", std::process::id()))
    }

    #[test]
    fn reads_a_file_from_disk() {
        let path = temporary_path("good.libsvm");
        std::fs::write(&path, "1 1:1\r\n-1 2:1\r\n").unwrap();
        let result = read_libsvm_file(&path, &ReadOptions::default());
        std::fs::remove_file(&path).unwrap();
        assert_eq!(result.unwrap().labels, [1.0, -1.0]);
    }

    #[test]
    fn missing_file_names_its_path() {
        let path = temporary_path("does-not-exist.libsvm");
        let error = read_libsvm_file(&path, &ReadOptions::default()).unwrap_err();
        assert!(matches!(error, DataError::Unreadable { .. }));
        assert!(
            error.to_string().contains("does-not-exist.libsvm"),
            "{error}"
        );
    }

    #[test]
    fn non_utf8_file_names_the_line() {
        let path = temporary_path("latin1.libsvm");
        std::fs::write(&path, b"1 1:1\n2 1:1\n3 1:\xe9\n").unwrap();
        let error = read_libsvm_file(&path, &ReadOptions::default()).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(
            matches!(error, DataError::NotUtf8 { line: 3, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("latin1.libsvm"), "{error}");
    }

    #[test]
    fn a_million_nonzeros() {
        let mut text = String::new();
        for row in 0..20_000 {
            text.push_str(if row % 2 == 0 { "+1" } else { "-1" });
            for column in 1..=50 {
                text.push_str(&format!(
                    " {}:{}",
                    column * 2,
                    (row * column) as f64 * 0.001
                ));
            }
            text.push('\n');
        }
        let data = parse(&text).unwrap();
        assert_eq!(data.labels.len(), 20_000);
        assert_eq!(data.columns, 100);
        assert_eq!(data.values[100 * 3 + 9], 0.015);
    }

    /// A tiny deterministic generator: reproducible without a random-number crate.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, bound: usize) -> usize {
            // Knuth's MMIX constants; the high bits are the well-mixed ones.
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % bound
        }
    }

    fn mutate(seed: &str, generator: &mut Lcg) -> String {
        const PIECES: [&str; 24] = [
            "0",
            "1",
            "9",
            ":",
            " ",
            "\t",
            "\n",
            "\r",
            "\r\n",
            "-",
            "+",
            ".",
            "e",
            "nan",
            "inf",
            "é",
            "\u{feff}",
            "#",
            ",",
            "18446744073709551615",
            "99999999999999999999",
            "1e999",
            "0:",
            "\u{a0}",
        ];
        let mut characters: Vec<char> = seed.chars().collect();
        for _ in 0..=generator.below(6) {
            let position = generator.below(characters.len() + 1);
            match generator.below(3) {
                0 if position < characters.len() => {
                    characters.remove(position);
                }
                1 if position < characters.len() => {
                    let copy = characters[position];
                    characters.insert(position, copy);
                }
                _ => {
                    let piece = PIECES[generator.below(PIECES.len())];
                    characters.splice(position..position, piece.chars());
                }
            }
        }
        characters.into_iter().collect()
    }

    #[test]
    fn mutated_inputs_never_panic() {
        let seeds = [
            "+1 1:0.5 3:2\n-1 2:-1\n3\n",
            "1 1:1\r\n-1 2:1e-3\r\n",
            "2 10:1 20:2 30:3\n\n",
            "",
        ];
        let options = ReadOptions {
            minimum_columns: 2,
            max_cells: 1_000_000,
        };
        let mut generator = Lcg(0x5eed);
        let mut accepted = 0;
        for round in 0..20_000 {
            let text = mutate(seeds[round % seeds.len()], &mut generator);
            if let Ok(data) = parse_libsvm(&text, &options) {
                accepted += 1;
                assert_eq!(data.values.len(), data.labels.len() * data.columns);
                assert!(data
                    .values
                    .iter()
                    .chain(&data.labels)
                    .all(|number| number.is_finite()));
                // Whatever was accepted must survive a round trip.
                let written = write_to_string(&data.labels, data.columns, &data.values);
                let same_width = ReadOptions {
                    minimum_columns: data.columns,
                    ..options.clone()
                };
                assert_eq!(
                    parse_libsvm(&written, &same_width).unwrap(),
                    data,
                    "{text:?}"
                );
            }
        }
        // The mutations must leave some inputs valid, or the accept path goes untested.
        assert!(
            accepted > 100,
            "only {accepted} mutated inputs were accepted"
        );
    }
}
