//! What one hostile file may cost: decompressed bytes of a workbook, bytes of one
//! field or cell, classes of a target, magnitudes of values. Each cap is refused with
//! an error naming it, before the work it would bound.

use std::io::{Read, Write};

use svmq_data::{
    parse_table, read_table, DataError, Dataset, ReadLimits, TableOptions, TargetOptions, Task,
};
use zip::write::SimpleFileOptions;

use crate::common::{fixture, table};

fn options(limits: ReadLimits) -> TableOptions {
    TableOptions {
        limits,
        ..TableOptions::default()
    }
}

/// small.xlsx with its shared strings replaced by `strings` (each a cell's text; the
/// sheet refers to the first eight). When `declared` is given, the shared strings'
/// part declares that uncompressed size instead of its real one.
fn workbook_with_strings(strings: &[String], declared: Option<u32>) -> Vec<u8> {
    let mut original = zip::ZipArchive::new(std::fs::File::open(fixture("small.xlsx")).unwrap())
        .expect("the fixture is a zip archive");
    let mut output = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for index in 0..original.len() {
        let mut entry = original.by_index(index).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        if name == "xl/sharedStrings.xml" {
            let items: String = strings
                .iter()
                .map(|text| format!("<si><t>{text}</t></si>"))
                .collect();
            content = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">{items}</sst>"
            )
            .into_bytes();
        }
        output.start_file(name, deflated).unwrap();
        output.write_all(&content).unwrap();
    }
    let mut bytes = output.finish().unwrap().into_inner();
    if let Some(declared) = declared {
        lie_about_size(&mut bytes, b"xl/sharedStrings.xml", declared);
    }
    bytes
}

/// Rewrites the uncompressed size the local and the central header of one entry
/// declare (offsets 22 and 24 of their fixed parts, before the name at 30 and 46).
fn lie_about_size(bytes: &mut [u8], name: &[u8], declared: u32) {
    for (signature, size_offset, name_offset) in [(b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)]
    {
        let start = (0..bytes.len() - name_offset)
            .find(|&at| {
                &bytes[at..at + 4] == signature && bytes[at + name_offset..].starts_with(name)
            })
            .expect("the entry's header");
        bytes[start + size_offset..start + size_offset + 4]
            .copy_from_slice(&declared.to_le_bytes());
    }
}

fn eight_strings(first: String) -> Vec<String> {
    let mut strings = vec![first];
    strings.extend(["colour", "label", "red", "blue", "yes", "no", "NA"].map(String::from));
    strings
}

#[test]
fn xlsx_bomb_is_refused_by_its_declared_size_before_decompressing() {
    let bomb = workbook_with_strings(&eight_strings("a".repeat(4 << 20)), None);
    assert!(bomb.len() < 64 * 1024, "compressed to {} bytes", bomb.len());
    let limits = ReadLimits {
        max_decompressed_bytes: 1 << 20,
        ..ReadLimits::default()
    };
    let error = parse_table(&bomb, &options(limits)).unwrap_err();
    assert!(
        matches!(error, DataError::TooManyDecompressedBytes { limit, .. } if limit == 1 << 20),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("more than the limit of 1048576 bytes"),
        "{error}"
    );
    // The real fixture is far below any sensible cap, and is refused by a tiny one.
    let tiny = ReadLimits {
        max_decompressed_bytes: 100,
        ..ReadLimits::default()
    };
    assert!(read_table(&fixture("small.xlsx"), &options(tiny)).is_err());
    assert!(read_table(&fixture("small.xlsx"), &TableOptions::default()).is_ok());
}

#[test]
fn xlsx_part_lying_about_its_size_stops_at_the_declared_size() {
    let liar = workbook_with_strings(&eight_strings("a".repeat(4 << 20)), Some(1000));
    let limits = ReadLimits {
        max_decompressed_bytes: 1 << 20,
        ..ReadLimits::default()
    };
    let error = parse_table(&liar, &options(limits)).unwrap_err();
    assert!(matches!(error, DataError::Spreadsheet { .. }), "{error}");
}

#[test]
fn xlsx_cell_longer_than_the_field_cap_is_refused_naming_it() {
    let workbook = workbook_with_strings(&eight_strings("w".repeat(5000)), None);
    let limits = ReadLimits {
        max_field_bytes: 4096,
        ..ReadLimits::default()
    };
    let error = parse_table(&workbook, &options(limits)).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("line 1, column 1: a field of 5000 bytes, more than the limit of 4096"),
        "{error}"
    );
}

#[test]
fn csv_field_longer_than_the_field_cap_is_refused_naming_its_line() {
    let text = format!("a,b\n1,2\n3,{}\n", "x".repeat(3000));
    let limits = ReadLimits {
        max_field_bytes: 2048,
        ..ReadLimits::default()
    };
    let error = parse_table(text.as_bytes(), &options(limits)).unwrap_err();
    assert_eq!(error.line(), Some(3), "{error}");
    assert!(error.to_string().contains("column 2"), "{error}");
    // Within the cap it reads.
    assert!(parse_table(text.as_bytes(), &TableOptions::default()).is_ok());
}

#[test]
fn classes_beyond_the_cap_are_refused_before_any_per_class_work() {
    let mut text = String::from("x,label\n");
    for row in 0..50 {
        text.push_str(&format!("{},class{row}\n", row % 7));
    }
    let capped = TargetOptions {
        max_classes: 20,
        ..TargetOptions::default()
    };
    let error = Dataset::prepare(table(&text), Task::Classification, &capped).unwrap_err();
    assert!(
        matches!(&error, DataError::TooManyClasses { column, limit: 20 } if column == "label"),
        "{error}"
    );
    assert!(Dataset::prepare(
        table(&text),
        Task::Classification,
        &TargetOptions::default()
    )
    .is_ok());
}

#[test]
fn values_too_large_to_square_are_refused_naming_the_column() {
    let features = "x,big,y\n1,1e308,a\n2,2,b\n3,3,a\n4,4,b\n";
    let error = Dataset::prepare(
        table(features),
        Task::Classification,
        &TargetOptions::default(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("column `big`, row 2"), "{error}");
    let target = "x,y\n1,1\n2,-1e308\n3,3\n";
    let error =
        Dataset::prepare(table(target), Task::Regression, &TargetOptions::default()).unwrap_err();
    assert!(error.to_string().contains("column `y`, row 3"), "{error}");
    // A class label that is a huge number is only a name.
    let label = "x,y\n1,1e308\n2,1\n3,1e308\n4,1\n";
    assert!(Dataset::prepare(
        table(label),
        Task::Classification,
        &TargetOptions::default()
    )
    .is_ok());
}
