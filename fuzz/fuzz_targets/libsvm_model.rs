//! LIBSVM model text: reading any bytes either fails with an error or gives a model
//! that predicts without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use svmq_core::libsvm_format::{dense_cell_limit, from_libsvm_text, to_libsvm_text};

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(model) = from_libsvm_text(text) else {
        return;
    };
    let row = vec![0.5; model.feature_count()];
    let prediction = model.predictor().predict(&row, true);
    assert_eq!(
        prediction.decision_values.len(),
        model.decision_value_count()
    );
    // What was read writes back and reads again (within the cells any file may ask
    // for: a rewritten file can be shorter than the one read, and larger limits
    // depend on the length).
    let cells = model.support_vectors.rows() * model.feature_count();
    if cells <= dense_cell_limit(0) {
        from_libsvm_text(&to_libsvm_text(&model)).expect("a model read is written readable");
    }
});
