//! LIBSVM data text: parsing any bytes either fails with an error or gives labels and
//! a dense matrix of the stated shape, within the cell limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use svmq_data::{parse_libsvm, ReadOptions};

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let options = ReadOptions {
        minimum_columns: 0,
        max_cells: 1 << 20,
    };
    if let Ok(data) = parse_libsvm(text, &options) {
        assert_eq!(data.values.len(), data.labels.len() * data.columns);
        assert!(data.values.iter().all(|value| value.is_finite()));
        svmq_core::Matrix::new(data.labels.len(), data.columns, data.values)
            .expect("parsed data is a valid matrix");
    }
});
