//! Paths and small builders shared by the test modules.

use std::path::PathBuf;

use svmq_data::{parse_table, RawTable, TableOptions};

/// A fixture under `tests/data/`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A data set of the repository's `examples/` folder.
pub fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

/// A path in the temporary directory unique to this test process.
pub fn temporary(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("svmq-data-suite-{}-{name}", std::process::id()))
}

/// A table parsed from text with default options.
pub fn table(text: &str) -> RawTable {
    parse_table(text.as_bytes(), &TableOptions::default()).expect("test table parses")
}

/// An xlsx workbook (the structure of `small.xlsx`) whose first sheet holds `rows`:
/// fields that parse as numbers become number cells, the others inline strings.
pub fn workbook(rows: &[Vec<String>]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut sheet = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
    );
    for (row, fields) in rows.iter().enumerate() {
        sheet.push_str(&format!("<row r=\"{}\">", row + 1));
        for (column, field) in fields.iter().enumerate() {
            assert!(column < 26, "the helper names columns A to Z");
            let reference = format!("{}{}", (b'A' + column as u8) as char, row + 1);
            if field.parse::<f64>().is_ok() {
                sheet.push_str(&format!("<c r=\"{reference}\"><v>{field}</v></c>"));
            } else {
                let escaped = field
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;");
                sheet.push_str(&format!(
                    "<c r=\"{reference}\" t=\"inlineStr\"><is><t>{escaped}</t></is></c>"
                ));
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let mut original = zip::ZipArchive::new(std::fs::File::open(fixture("small.xlsx")).unwrap())
        .expect("the fixture is a zip archive");
    let mut output = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for index in 0..original.len() {
        let mut entry = original.by_index(index).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            content = sheet.clone().into_bytes();
        }
        output.start_file(name, options).unwrap();
        output.write_all(&content).unwrap();
    }
    output.finish().unwrap().into_inner()
}
