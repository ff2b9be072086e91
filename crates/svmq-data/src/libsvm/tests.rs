//! Tests of the LIBSVM reader and writer, including round trips and mutated inputs.

use super::*;
use crate::error::DataError;

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
