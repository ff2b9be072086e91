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
