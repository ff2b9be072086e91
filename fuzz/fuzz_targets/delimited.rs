//! CSV/TSV text: reading any bytes as a table either fails with an error or gives a
//! table that schema inference and data validation take without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use svmq_data::{parse_table, validate, ReadLimits, TableOptions, Task, ValidationOptions};

fuzz_target!(|bytes: &[u8]| {
    // A zip archive goes to the xlsx reader, which has its own target.
    if bytes.starts_with(b"PK\x03\x04") {
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
    // Each task, and the task chosen from the target.
    for task in [Some(Task::Classification), Some(Task::Regression), None] {
        let _ = validate(
            &table,
            &ValidationOptions {
                task,
                target: Default::default(),
                columns: Default::default(),
                folds: Some(5),
            },
        );
    }
});
