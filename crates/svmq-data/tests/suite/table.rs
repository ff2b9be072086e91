//! Reading tables: formats, detection, caps, and every reader error with its message.

use svmq_data::{
    parse_table, read_table, Cell, DataError, HeaderMode, RawTable, ReadLimits, TableOptions,
};

use crate::common::{fixture, table, temporary};

fn read(name: &str) -> Result<RawTable, DataError> {
    read_table(&fixture(name), &TableOptions::default())
}

fn parse_error(bytes: &[u8]) -> DataError {
    parse_table(bytes, &TableOptions::default()).unwrap_err()
}

fn limits(max_bytes: u64, max_rows: usize, max_columns: usize) -> TableOptions {
    TableOptions {
        limits: ReadLimits {
            max_bytes,
            max_rows,
            max_columns,
            ..ReadLimits::default()
        },
        ..TableOptions::default()
    }
}

#[test]
fn bom_and_crlf_are_handled() {
    let table = read("bom_crlf.csv").unwrap();
    assert_eq!(table.column_names, ["height", "weight", "size"]);
    assert_eq!(table.rows(), 3);
    assert_eq!(table.cells[1][1], Cell::number(85.0));
    assert_eq!(table.cells[2][1], Cell::Missing);
    // No stray carriage return on the last field.
    assert_eq!(table.cells[2][2], Cell::Text("medium".into()));
    assert_eq!(table.source_rows, [2, 3, 4]);
}

#[test]
fn semicolon_file_with_quoted_semicolons() {
    let table = read("semicolon.csv").unwrap();
    assert_eq!(table.column_names, ["city", "temperature", "label"]);
    assert_eq!(table.cells[0][0], Cell::Text("Paris; FR".into()));
    assert_eq!(table.cells[1][1], Cell::number(-3.0));
}

#[test]
fn tab_separated_file() {
    let table = read("tab.tsv").unwrap();
    assert_eq!(table.column_names, ["a", "b", "label"]);
    assert_eq!(table.cells[2][1], Cell::Missing);
    assert_eq!(table.cells[1][0], Cell::number(3.0));
}

#[test]
fn pipe_separated_text() {
    let table = table("x|y\n1|a\n2|b\n");
    assert_eq!(table.column_names, ["x", "y"]);
    assert_eq!(table.cells[1][1], Cell::Text("b".into()));
}

#[test]
fn quoted_fields_keep_delimiters_quotes_and_line_breaks() {
    let table = read("quoted.csv").unwrap();
    assert_eq!(table.column_names, ["id", "comment", "score"]);
    assert_eq!(table.cells[0][1], Cell::Text("fine, really".into()));
    assert_eq!(table.cells[1][1], Cell::Text("said \"hi\"".into()));
    assert_eq!(table.cells[2][1], Cell::Text("two\nlines".into()));
    // The row after a two-line field starts two lines further down.
    assert_eq!(table.source_rows, [2, 3, 4, 6]);
}

#[test]
fn headerless_numeric_file_gets_generated_names() {
    let table = read("headerless.csv").unwrap();
    assert_eq!(table.column_names, ["column_1", "column_2", "column_3"]);
    assert_eq!(table.rows(), 4);
    assert_eq!(table.cells[0][0], Cell::number(5.1));
}

#[test]
fn header_mode_can_be_forced() {
    let forced = TableOptions {
        header: HeaderMode::Present,
        ..TableOptions::default()
    };
    let table = read_table(&fixture("headerless.csv"), &forced).unwrap();
    assert_eq!(table.column_names, ["5.1", "3.5", "0"]);
    assert_eq!(table.rows(), 3);
    let absent = TableOptions {
        header: HeaderMode::Absent,
        ..TableOptions::default()
    };
    let table = read_table(&fixture("semicolon.csv"), &absent).unwrap();
    assert_eq!(table.rows(), 4);
    assert_eq!(table.column_names[0], "column_1");
}

#[test]
fn missing_markers_become_missing_cells() {
    let table = table("a,b,c,d,e,f,g\n1,,NA,N/A,NaN,null,?\n2,x,y,z,w,v,u\n");
    assert_eq!(table.cells[0][0], Cell::number(1.0));
    assert!(table.cells[0][1..].iter().all(Cell::is_missing));
}

#[test]
fn xlsx_first_sheet_is_read() {
    let table = read("small.xlsx").unwrap();
    assert_eq!(table.column_names, ["width", "colour", "label"]);
    assert_eq!(table.rows(), 4);
    assert_eq!(table.cells[0][0], Cell::number(1.5));
    assert_eq!(table.cells[1][0], Cell::number(2.0));
    // An error value (#DIV/0!) and the text NA are missing.
    assert_eq!(table.cells[2][0], Cell::Missing);
    assert_eq!(table.cells[2][1], Cell::Missing);
    assert_eq!(table.cells[3][2], Cell::Text("TRUE".into()));
    assert_eq!(table.source_rows, [2, 3, 4, 5]);
}

#[test]
fn xlsx_is_recognized_by_content_whatever_the_extension() {
    let bytes = std::fs::read(fixture("small.xlsx")).unwrap();
    let table = parse_table(&bytes, &TableOptions::default()).unwrap();
    assert_eq!(table.columns(), 3);
}

#[test]
fn xlsx_caps_apply() {
    let error = read_table(&fixture("small.xlsx"), &limits(1 << 20, 3, 10)).unwrap_err();
    assert!(
        matches!(error, DataError::TooManyRows { limit: 3 }),
        "{error}"
    );
    let error = read_table(&fixture("small.xlsx"), &limits(1 << 20, 10, 2)).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("3 columns, more than the limit of 2"),
        "{error}"
    );
}

#[test]
fn broken_zip_is_a_spreadsheet_error() {
    let error = parse_error(b"PK\x03\x04 this is not really a zip archive");
    assert!(matches!(error, DataError::Spreadsheet { .. }), "{error}");
    assert!(error.to_string().contains("not a valid .xlsx"), "{error}");
}

#[test]
fn missing_file_names_its_path() {
    let error = read_table(&fixture("no-such-file.csv"), &TableOptions::default()).unwrap_err();
    assert!(matches!(error, DataError::Unreadable { .. }), "{error}");
    assert!(error.to_string().contains("no-such-file.csv"), "{error}");
}

#[test]
fn empty_inputs_are_refused() {
    for bytes in [&b""[..], b"\n\n", b"  \r\n\t", b"\xEF\xBB\xBF"] {
        let error = parse_error(bytes);
        assert!(matches!(error, DataError::Empty), "{bytes:?}: {error}");
        assert!(error.to_string().contains("empty"), "{error}");
    }
    let path = temporary("empty.csv");
    std::fs::write(&path, "").unwrap();
    let error = read_table(&path, &TableOptions::default()).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(error, DataError::Empty), "{error}");
}

#[test]
fn header_without_rows_is_refused() {
    let error = parse_error(b"a,b,c\n");
    assert!(matches!(error, DataError::NoDataRows), "{error}");
    assert!(error.to_string().contains("no data rows"), "{error}");
}

#[test]
fn ragged_row_names_its_line_and_counts() {
    let error = read("ragged.csv").unwrap_err();
    // Line 5, because the quoted field of the row before spans lines 3 and 4.
    assert!(
        matches!(
            error,
            DataError::RaggedRow {
                line: 5,
                found: 2,
                expected: 3
            }
        ),
        "{error}"
    );
    assert!(error.to_string().starts_with("line 5: 2 fields"), "{error}");
    assert_eq!(error.line(), Some(5));
}

#[test]
fn ragged_row_line_is_right_after_crlf_line_ends() {
    let error = parse_error(b"a,b\r\n1,2\r\n\r\n3\r\n");
    assert!(
        matches!(error, DataError::RaggedRow { line: 4, .. }),
        "{error}"
    );
}

#[test]
fn binary_and_foreign_encodings_are_refused() {
    let error = parse_error(b"a,b\n1,\x002\n");
    assert!(error.to_string().contains("NUL bytes"), "{error}");
    let error = parse_error(b"\xFF\xFEa\x00,\x00b\x00");
    assert!(error.to_string().contains("UTF-16"), "{error}");
    let error = parse_error(b"a,b\n1,2\n3,\xE9t\xE9\n");
    assert!(
        matches!(error, DataError::NotUtf8 { line: 3, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("not UTF-8"), "{error}");
}

#[test]
fn byte_cap_is_refused_before_reading() {
    let error = read_table(&fixture("semicolon.csv"), &limits(10, 100, 100)).unwrap_err();
    assert!(
        matches!(error, DataError::TooManyBytes { limit: 10, .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("more than the limit of 10 bytes"),
        "{error}"
    );
    let error = parse_table(b"a,b\n1,2\n", &limits(4, 100, 100)).unwrap_err();
    assert!(matches!(error, DataError::TooManyBytes { .. }), "{error}");
}

#[test]
fn row_cap_counts_data_rows_only() {
    let text = b"a,b\n1,2\n3,4\n";
    assert!(parse_table(text, &limits(1000, 2, 10)).is_ok());
    let error = parse_table(text, &limits(1000, 1, 10)).unwrap_err();
    assert!(
        matches!(error, DataError::TooManyRows { limit: 1 }),
        "{error}"
    );
    assert!(
        error.to_string().contains("limit of 1 data rows"),
        "{error}"
    );
    // A long file is stopped while reading, not after.
    let long = "x\n".repeat(100_000);
    let error = parse_table(long.as_bytes(), &limits(1 << 30, 10, 10)).unwrap_err();
    assert!(matches!(error, DataError::TooManyRows { .. }), "{error}");
}

#[test]
fn column_cap_is_refused() {
    let error = parse_table(b"a,b,c\n1,2,3\n", &limits(1000, 10, 2)).unwrap_err();
    assert!(
        matches!(
            error,
            DataError::TooManyColumns {
                columns: 3,
                limit: 2
            }
        ),
        "{error}"
    );
}

#[test]
fn duplicate_column_names_are_refused() {
    let error = parse_error(b"a,b,a\n1,2,3\n");
    assert!(
        error.to_string().contains("`a` is used by columns 1 and 3"),
        "{error}"
    );
}

#[test]
fn older_spreadsheet_formats_are_refused_by_name() {
    let error = read_table(&fixture("legacy.xls"), &TableOptions::default()).unwrap_err();
    assert!(
        matches!(error, DataError::UnsupportedFormat { .. }),
        "{error}"
    );
    assert!(error.to_string().contains(".xls"), "{error}");
}

#[test]
fn reader_errors_do_not_quote_cells() {
    let secret = "hunter2-secret";
    let inputs = [
        format!("a,b\n1,2\n{secret},3,4\n"),
        format!("a,b\n1,2\n{secret}\u{0}\n"),
    ];
    for input in inputs {
        let error = parse_error(input.as_bytes());
        assert!(!error.to_string().contains(secret), "{error}");
    }
}

/// A tiny deterministic generator (SplitMix64), so the fuzz loop is reproducible.
struct Generator(u64);

impl Generator {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

#[test]
fn random_and_mutated_bytes_never_panic() {
    const PIECES: [&[u8]; 16] = [
        b",",
        b";",
        b"\t",
        b"|",
        b"\"",
        b"\n",
        b"\r\n",
        b"NA",
        b"1.5",
        b"-3",
        b"x",
        b" ",
        b"\xEF\xBB\xBF",
        b"\xE9",
        b"\x00",
        b"PK\x03\x04",
    ];
    let seeds: [&[u8]; 3] = [
        b"a,b,label\n1,2,x\n3,,y\n",
        b"\"q\";n\n\"a;b\";1\n",
        b"1\t2\n3\t4\n",
    ];
    let options = limits(1 << 20, 1000, 100);
    let mut generator = Generator(42);
    let mut accepted = 0;
    for round in 0..5_000 {
        let bytes: Vec<u8> = if round % 4 == 0 {
            // Pure random bytes.
            (0..generator.below(200))
                .map(|_| generator.next() as u8)
                .collect()
        } else {
            let mut bytes = seeds[round % seeds.len()].to_vec();
            for _ in 0..=generator.below(5) {
                let position = generator.below(bytes.len() + 1);
                let piece = PIECES[generator.below(PIECES.len())];
                bytes.splice(position..position, piece.iter().copied());
            }
            bytes
        };
        if let Ok(table) = parse_table(&bytes, &options) {
            accepted += 1;
            assert!(table.rows() > 0);
            assert_eq!(table.source_rows.len(), table.rows());
            assert!(table.cells.iter().all(|row| row.len() == table.columns()));
        }
    }
    assert!(accepted > 100, "only {accepted} inputs were accepted");
}
