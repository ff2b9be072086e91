//! A model's random Fourier feature map as ONNX nodes, ahead of its SVM node:
//! `z = √(2/D)·cos(X·Wᵀ + b)` by `MatMul`, `Add`, `Cos` and `Mul` of the standard
//! domain, in `f32` as the rest of the graph. The frequency columns are put in the ONNX
//! feature order ([`crate::preprocessing::Preprocessing::engine_columns`]); the SVM node
//! after them takes the features in their own order.

use crate::builder::{GraphBuilder, ONNX_DOMAIN};
use svmq_core::fourier::FourierMap;

/// Adds the map's nodes on `features` (columns in ONNX order, `engine_columns` giving
/// the engine column of each); returns the name of the `[N, D]` feature tensor.
pub fn add_fourier_features(
    graph: &mut GraphBuilder,
    features: &str,
    map: &FourierMap,
    engine_columns: &[usize],
) -> String {
    let components = map.components();
    // Wᵀ: one row per ONNX column, one column per feature.
    let mut transposed = Vec::with_capacity(engine_columns.len() * components);
    for &column in engine_columns {
        transposed.extend((0..components).map(|row| map.frequencies.row(row)[column] as f32));
    }
    let frequencies = graph.float_constant(
        "fourier_frequencies",
        &[engine_columns.len() as i64, components as i64],
        transposed,
    );
    let phases = graph.float_constant(
        "fourier_phases",
        &[components as i64],
        map.phases.iter().map(|&phase| phase as f32).collect(),
    );
    let scale = graph.float_constant(
        "fourier_scale",
        &[],
        vec![(2.0 / components as f64).sqrt() as f32],
    );
    let product = graph.node1(
        ONNX_DOMAIN,
        "MatMul",
        &[features, &frequencies],
        "fourier_product",
        vec![],
    );
    let shifted = graph.node1(
        ONNX_DOMAIN,
        "Add",
        &[&product, &phases],
        "fourier_argument",
        vec![],
    );
    let cosine = graph.node1(ONNX_DOMAIN, "Cos", &[&shifted], "fourier_cosine", vec![]);
    graph.node1(
        ONNX_DOMAIN,
        "Mul",
        &[&cosine, &scale],
        "fourier_features",
        vec![],
    )
}
