//! An engine model as an `ai.onnx.ml` `SVMClassifier` or `SVMRegressor` node.
//!
//! Conventions that differ between svmq (LIBSVM's) and ONNX, and how they are met:
//! - Offsets: svmq's decision function is `Σ coef·k(sv, x) − ρ`; ONNX adds its `rho`
//!   attribute, so the node gets `−ρ`.
//! - Coefficients: both use LIBSVM's `sv_coef` layout, `classes − 1` rows of one
//!   coefficient per support vector, support vectors grouped by class
//!   (`vectors_per_class`); pairs `(i, j)` in the same order (0,1), (0,2), …, (1,2).
//! - Votes: ONNX Runtime, like svmq, gives pair `(i, j)` to `i` when its decision value
//!   is positive and breaks ties towards the class that comes first.
//! - Kernel parameters: `[gamma, coef0, degree]` with LIBSVM's meaning in both.
//! - Columns: the support vectors' columns follow the ONNX feature order
//!   ([`crate::preprocessing::Preprocessing::engine_columns`]).
//!
//! Numbers become `f32`, ONNX-ML's attribute type, and ONNX Runtime computes the
//! kernels in `f32`: rows whose decision value is within rounding of zero can vote
//! differently, which is why agreement is measured, not assumed.

use crate::builder::{Attribute, GraphBuilder, ML_DOMAIN};
use svmq_core::{Kernel, Model, ProbabilityModel};

/// The class labels of a classifier in the engine's class order.
pub enum ClassLabels {
    /// Integer labels (ONNX `classlabels_ints`).
    Integers(Vec<i64>),
    /// Text labels (ONNX `classlabels_strings`).
    Strings(Vec<String>),
}

/// The attributes the two SVM operators share.
fn common_attributes(model: &Model, engine_columns: &[usize]) -> Vec<(&'static str, Attribute)> {
    let (kernel_type, gamma, coef0, degree) = match model.kernel {
        Kernel::Linear => ("LINEAR", 0.0, 0.0, 0.0),
        Kernel::Polynomial {
            gamma,
            coef0,
            degree,
        } => ("POLY", gamma, coef0, f64::from(degree)),
        Kernel::Rbf { gamma } => ("RBF", gamma, 0.0, 0.0),
        Kernel::Sigmoid { gamma, coef0 } => ("SIGMOID", gamma, coef0, 0.0),
    };
    let vectors = &model.support_vectors;
    let mut support_vectors = Vec::with_capacity(vectors.rows() * engine_columns.len());
    for row in 0..vectors.rows() {
        let values = vectors.row(row);
        support_vectors.extend(engine_columns.iter().map(|&column| values[column] as f32));
    }
    vec![
        ("kernel_type", Attribute::Text(kernel_type.into())),
        ("kernel_params", Attribute::floats([gamma, coef0, degree])),
        ("support_vectors", Attribute::Floats(support_vectors)),
        (
            "coefficients",
            Attribute::floats(model.coefficients.iter().flatten().copied()),
        ),
        // ONNX adds rho where svmq subtracts it.
        ("rho", Attribute::floats(model.rho.iter().map(|rho| -rho))),
        ("post_transform", Attribute::Text("NONE".into())),
    ]
}

/// An `SVMClassifier` node; returns its `(label, scores)` outputs. With
/// `with_platt` and the model's Platt parameters, the scores are class probabilities
/// in engine class order (ONNX Runtime couples the pairwise ones as LIBSVM does for
/// three classes or more); else they are the pairwise decision values, `[−f, f]` for
/// two classes.
pub fn add_classifier(
    graph: &mut GraphBuilder,
    features: &str,
    model: &Model,
    engine_columns: &[usize],
    labels: ClassLabels,
    with_platt: bool,
) -> (String, String) {
    let mut attributes = common_attributes(model, engine_columns);
    attributes.push((
        "vectors_per_class",
        Attribute::Ints(
            model
                .support_vector_counts
                .iter()
                .map(|&count| count as i64)
                .collect(),
        ),
    ));
    match labels {
        ClassLabels::Integers(values) => {
            attributes.push(("classlabels_ints", Attribute::Ints(values)))
        }
        ClassLabels::Strings(values) => {
            attributes.push(("classlabels_strings", Attribute::Texts(values)))
        }
    }
    if let (true, Some(ProbabilityModel::Pairwise { a, b })) = (with_platt, &model.probability) {
        attributes.push(("prob_a", Attribute::floats(a.iter().copied())));
        attributes.push(("prob_b", Attribute::floats(b.iter().copied())));
    }
    let mut outputs = graph.node(
        ML_DOMAIN,
        "SVMClassifier",
        &[features],
        &["svm_label", "svm_scores"],
        attributes,
    );
    let scores = outputs.pop().unwrap_or_default();
    let label = outputs.pop().unwrap_or_default();
    (label, scores)
}

/// An `SVMRegressor` node; returns its `[N, 1]` output.
pub fn add_regressor(
    graph: &mut GraphBuilder,
    features: &str,
    model: &Model,
    engine_columns: &[usize],
) -> String {
    let mut attributes = common_attributes(model, engine_columns);
    attributes.push((
        "n_supports",
        Attribute::Int(model.support_vectors.rows() as i64),
    ));
    attributes.push(("one_class", Attribute::Int(0)));
    graph.node1(
        ML_DOMAIN,
        "SVMRegressor",
        &[features],
        "svm_value",
        attributes,
    )
}
