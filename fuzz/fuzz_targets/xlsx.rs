//! xlsx workbooks: reading any zip-looking bytes either fails with an error or gives a
//! table that data validation takes without panicking, within the read limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use svmq_data::{parse_table, validate, ReadLimits, TableOptions, Task, ValidationOptions};

fuzz_target!(|bytes: &[u8]| {
    // Only a zip archive is read as a workbook; anything else is delimited text.
    if !bytes.starts_with(b"PK\x03\x04") {
        return;
    }
    let options = TableOptions {
        limits: ReadLimits {
            max_bytes: 1 << 20,
            max_rows: 10_000,
            max_columns: 1_000,
            ..ReadLimits::default()
        },
        ..TableOptions::default()
    };
    let Ok(table) = parse_table(bytes, &options) else {
        return;
    };
    let _ = validate(
        &table,
        &ValidationOptions {
            task: Some(Task::Classification),
            target: Default::default(),
            columns: Default::default(),
            folds: Some(5),
        },
    );
});
