//! A bare SVM, as LIBSVM's model text holds it (any of the five formulations, any
//! kernel but a precomputed one), as one ONNX model that gives what LIBSVM's
//! `svm-predict` prints.
//!
//! Input: `features`, float `[N, F]`, F the largest feature index in the model:
//! column `j` holds LIBSVM's feature index `j + 1`, and a feature a LIBSVM data line
//! leaves out is 0. With the linear, polynomial and sigmoid kernels a feature above F
//! changes nothing (every support vector has 0 there); with the RBF kernel LIBSVM
//! counts it in `‖x − sv‖²`, so rows that have one must not be fed to this model
//! cut short.
//!
//! Outputs:
//! - `label` `[N]`, what `svm-predict` prints without `-b 1`:
//!   - C-SVC and ν-SVC: the one-vs-one vote, as LIBSVM counts it: pair `(i, j)` votes
//!     for `i` when its decision value is above 0, else for `j`, and the class first in
//!     the model's `label` line wins a tie of votes. Int64 when every label is an
//!     integer (as LIBSVM's own models have), else double.
//!   - one-class: int64 `+1` when the decision value is above 0, else `−1` (0 gives
//!     `−1`, as in LIBSVM's `svm_predict_values`).
//!   - ε-SVR and ν-SVR: float, the predicted value (the decision value itself).
//! - `decision_values` float `[N, D]`: `f(x) = Σ coef·k(sv, x) − ρ` as LIBSVM's
//!   `svm_predict_values` gives it: the pairs' values in LIBSVM's order (0,1), (0,2),
//!   …, (1,2), … for classifiers (D = k(k−1)/2; positive favours the pair's first
//!   class), one value for one-class and regression.
//!
//! The decision values come from `ai.onnx.ml`'s `SVMClassifier` (classifiers) or
//! `SVMRegressor` with `one_class = 0` (the others); labels are computed from them with
//! standard operators, so that LIBSVM's rules hold rather than the runtime's own label
//! logic. The SVM operators compute in `f32`: a row whose decision value is within
//! rounding of 0 can get the other label.
//!
//! Probability information (`-b 1` models' `probA`/`probB`) is not exported: the
//! outputs are those of `svm-predict`'s default `-b 0`, and
//! [`LibsvmOnnxExport::probability_left_out`] says when a model had some.

use crate::builder::{Attribute, GraphBuilder, ML_DOMAIN, ONNX_DOMAIN};
use crate::error::ExportError;
use crate::onnx::{IR_VERSION, ML_OPSET, ONNX_OPSET};
use crate::proto::{DataType, ModelProto, OperatorSetIdProto};
use crate::svm::{add_classifier, add_regressor, ClassLabels};
use prost::Message;
use svmq_core::{Kernel, Matrix, Model, SvmType};

/// The name of the graph's input.
pub const INPUT: &str = "features";

/// An encoded ONNX model and what a caller needs to know to feed and read it.
pub struct LibsvmOnnxExport {
    /// The serialized `ModelProto`.
    pub bytes: Vec<u8>,
    /// F: the input's width, the largest feature index in the model.
    pub input_width: usize,
    /// The element type of the `label` output: `"int64"`, `"double"` or `"float"`.
    pub label_type: &'static str,
    /// D: the width of the `decision_values` output.
    pub decision_values: usize,
    /// Classifiers: the class labels in the model's order (the pairs' order follows
    /// it); empty otherwise.
    pub classes: Vec<f64>,
    /// `(name, description)` of each output.
    pub outputs: Vec<(String, String)>,
    /// Whether the model carried probability information that the export leaves out.
    pub probability_left_out: bool,
}

/// Largest integer every smaller one of which `f64` holds exactly.
const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;

/// The labels as int64 when every one is an integer `f64` holds exactly.
fn integer_labels(labels: &[f64]) -> Option<Vec<i64>> {
    labels
        .iter()
        .map(|&label| {
            (label.fract() == 0.0 && label.abs() <= EXACT_INTEGERS).then_some(label as i64)
        })
        .collect()
}

/// Refuses numbers that `f32`, ONNX-ML's attribute type, cannot hold.
fn check_single_precision(model: &Model) -> Result<(), ExportError> {
    let (gamma, coef0) = match model.kernel {
        Kernel::Linear => (0.0, 0.0),
        Kernel::Polynomial { gamma, coef0, .. } | Kernel::Sigmoid { gamma, coef0 } => {
            (gamma, coef0)
        }
        Kernel::Rbf { gamma } => (gamma, 0.0),
    };
    let parts: [(&str, Box<dyn Iterator<Item = f64> + '_>); 4] = [
        ("kernel parameter", Box::new([gamma, coef0].into_iter())),
        (
            "support vector value",
            Box::new(model.support_vectors.values().iter().copied()),
        ),
        (
            "coefficient",
            Box::new(model.coefficients.iter().flatten().copied()),
        ),
        ("rho", Box::new(model.rho.iter().copied())),
    ];
    for (what, mut values) in parts {
        if let Some(value) = values.find(|value| !(*value as f32).is_finite()) {
            return Err(ExportError::Unsupported(format!(
                "a {what} ({value:e}) is beyond single precision, which ONNX's SVM operators compute in"
            )));
        }
    }
    Ok(())
}

/// Builds and encodes the ONNX model of `model`; `producer_version` is written as the
/// model's `producer_version`.
pub fn libsvm_model_to_onnx(
    model: &Model,
    producer_version: &str,
) -> Result<LibsvmOnnxExport, ExportError> {
    model
        .validate()
        .map_err(|error| ExportError::Inconsistent(error.to_string()))?;
    if model.support_vectors.rows() == 0 {
        return Err(ExportError::Unsupported(
            "the model has no support vector".into(),
        ));
    }
    let width = model.feature_count();
    if width == 0 {
        return Err(ExportError::Unsupported(
            "the model's support vectors have no feature (every value is 0), so there is no input to take"
                .into(),
        ));
    }
    check_single_precision(model)?;
    let mut graph = GraphBuilder::new("svmq_libsvm");
    let columns: Vec<usize> = (0..width).collect();
    let folded;
    let model = if matches!(model.kernel, Kernel::Linear) {
        folded = fold_linear(model);
        &folded
    } else {
        model
    };
    let classes = if model.svm_type.is_classification() {
        model.labels.clone()
    } else {
        Vec::new()
    };
    let (label_type, label_element, decision_values) = match model.svm_type {
        SvmType::CSvc | SvmType::NuSvc => {
            let count = classes.len();
            let pairs = count * (count - 1) / 2;
            let indices = ClassLabels::Integers((0..count as i64).collect());
            let (_, scores) = add_classifier(&mut graph, INPUT, model, &columns, indices, false);
            let decisions = if count == 2 {
                binary_decision_value(&mut graph, &scores)
            } else {
                scores
            };
            graph.node_with_outputs(
                ONNX_DOMAIN,
                "Identity",
                &[&decisions],
                vec!["decision_values".into()],
                vec![],
            );
            let winner = add_vote(&mut graph, &decisions, count);
            let (label_type, element, labels) = match integer_labels(&classes) {
                Some(values) => (
                    "int64",
                    DataType::Int64,
                    graph.int64_constant("labels", &[count as i64], values),
                ),
                None => (
                    "double",
                    DataType::Double,
                    graph.double_constant("labels", &[count as i64], classes.clone()),
                ),
            };
            graph.node_with_outputs(
                ONNX_DOMAIN,
                "Gather",
                &[&labels, &winner],
                vec!["label".into()],
                vec![("axis", Attribute::Int(0))],
            );
            (label_type, element, pairs)
        }
        SvmType::OneClass => {
            let value = add_regressor(&mut graph, INPUT, model, &columns);
            graph.node_with_outputs(
                ONNX_DOMAIN,
                "Identity",
                &[&value],
                vec!["decision_values".into()],
                vec![],
            );
            let zero = graph.float_constant("zero", &[], vec![0.0]);
            let flat = graph.int64_constant("flat", &[1], vec![-1]);
            let inside = graph.node1(ONNX_DOMAIN, "Greater", &[&value, &zero], "inside", vec![]);
            let plus = graph.int64_constant("plus_one", &[], vec![1]);
            let minus = graph.int64_constant("minus_one", &[], vec![-1]);
            let signs = graph.node1(
                ONNX_DOMAIN,
                "Where",
                &[&inside, &plus, &minus],
                "signs",
                vec![],
            );
            graph.node_with_outputs(
                ONNX_DOMAIN,
                "Reshape",
                &[&signs, &flat],
                vec!["label".into()],
                vec![],
            );
            ("int64", DataType::Int64, 1)
        }
        SvmType::EpsilonSvr | SvmType::NuSvr => {
            let value = add_regressor(&mut graph, INPUT, model, &columns);
            graph.node_with_outputs(
                ONNX_DOMAIN,
                "Identity",
                &[&value],
                vec!["decision_values".into()],
                vec![],
            );
            let flat = graph.int64_constant("flat", &[1], vec![-1]);
            graph.node_with_outputs(
                ONNX_DOMAIN,
                "Reshape",
                &[&value, &flat],
                vec!["label".into()],
                vec![],
            );
            ("float", DataType::Float, 1)
        }
    };
    let label_description = match model.svm_type {
        SvmType::CSvc | SvmType::NuSvc => {
            "the class winning the one-vs-one vote, as svm-predict prints it"
        }
        SvmType::OneClass => {
            "+1 when the decision value is above 0, else -1, as svm-predict prints it"
        }
        SvmType::EpsilonSvr | SvmType::NuSvr => "the predicted value, as svm-predict prints it",
    };
    let decision_description = if model.svm_type.is_classification() {
        let pairs: Vec<String> = (0..classes.len())
            .flat_map(|i| (i + 1..classes.len()).map(move |j| (i, j)))
            .map(|(i, j)| format!("{} vs {}", classes[i], classes[j]))
            .collect();
        format!(
            "the pairwise decision values, positive for the first class of each pair: {}",
            pairs.join(", ")
        )
    } else {
        "the decision value sum(coef * k(sv, x)) - rho".to_string()
    };
    graph.input(
        INPUT,
        DataType::Float,
        vec![None, Some(width as i64)],
        &format!(
            "LIBSVM feature indices 1..{width} in columns 0..{}; a missing feature is 0",
            width - 1
        ),
    );
    graph.output("label", label_element, vec![None], label_description);
    graph.output(
        "decision_values",
        DataType::Float,
        vec![None, Some(decision_values as i64)],
        &decision_description,
    );
    let outputs = vec![
        ("label".to_string(), label_description.to_string()),
        ("decision_values".to_string(), decision_description),
    ];
    let doc = format!(
        "A LIBSVM {} model ({} kernel) exported by svmq. Input: {INPUT} float [N, {width}], \
         LIBSVM feature indices 1..{width}, a missing feature as 0. Outputs: label {label_type} [N] \
         ({}); decision_values float [N, {decision_values}] ({}).",
        model.svm_type.libsvm_name(),
        model.kernel.libsvm_name(),
        outputs[0].1,
        outputs[1].1,
    );
    let encoded = ModelProto {
        ir_version: Some(IR_VERSION),
        opset_import: vec![
            OperatorSetIdProto {
                domain: Some(String::new()),
                version: Some(ONNX_OPSET),
            },
            OperatorSetIdProto {
                domain: Some(ML_DOMAIN.into()),
                version: Some(ML_OPSET),
            },
        ],
        producer_name: Some("svmq".into()),
        producer_version: Some(producer_version.to_string()),
        domain: None,
        model_version: Some(1),
        doc_string: Some(doc.clone()),
        graph: Some(graph.finish(doc)),
        metadata_props: Vec::new(),
    };
    Ok(LibsvmOnnxExport {
        bytes: encoded.encode_to_vec(),
        input_width: width,
        label_type,
        decision_values,
        classes,
        outputs,
        probability_left_out: model.probability.is_some(),
    })
}

/// A linear-kernel model with its support vectors summed, in `f64`, into the weight
/// vectors of its decision functions; it predicts the same, with one vector (one-class,
/// regression) or `k − 1` per class (classifiers).
///
/// `Σ coef·(sv · x)` over hundreds of support vectors can cancel to a value many
/// orders of magnitude below its terms (a linear one-class SVM on data around the
/// origin does); in the SVM operators' `f32` that sum would lose the sign. Summed here,
/// only `w · x − ρ` is left to `f32`.
///
/// For a classifier, class `i`'s vector `r` is `Σ_{s ∈ i} coef[r][s]·svₛ`, its part of
/// the pair with the class of row `r` (class `r` when `r < i`, else `r + 1`), with
/// coefficient 1 in row `r` and 0 in the others: pair `(i, j)` then sums class `i`'s
/// vector `j − 1` and class `j`'s vector `i`, as LIBSVM's layout asks.
pub fn fold_linear(model: &Model) -> Model {
    let width = model.feature_count();
    let vectors = &model.support_vectors;
    let weighted = |coefficients: &[f64], rows: std::ops::Range<usize>| -> Vec<f64> {
        let mut sum = vec![0.0; width];
        for row in rows {
            for (total, value) in sum.iter_mut().zip(vectors.row(row)) {
                *total += coefficients[row] * value;
            }
        }
        sum
    };
    let mut folded = model.clone();
    folded.support_vector_indices = Vec::new();
    if !model.svm_type.is_classification() {
        let weights = weighted(&model.coefficients[0], 0..vectors.rows());
        folded.support_vectors =
            Matrix::new(1, width, weights).expect("one row of the model's width");
        folded.coefficients = vec![vec![1.0]];
        return folded;
    }
    let classes = model.labels.len();
    let rows = classes - 1;
    let mut values = Vec::with_capacity(classes * rows * width);
    let mut coefficients = vec![Vec::with_capacity(classes * rows); rows];
    let mut start = 0;
    for &count in &model.support_vector_counts {
        for r in 0..rows {
            values.extend(weighted(&model.coefficients[r], start..start + count));
            for (row, column) in coefficients.iter_mut().enumerate() {
                column.push(if row == r { 1.0 } else { 0.0 });
            }
        }
        start += count;
    }
    folded.support_vectors =
        Matrix::new(classes * rows, width, values).expect("k(k − 1) rows of the model's width");
    folded.support_vector_counts = vec![rows; classes];
    folded.coefficients = coefficients;
    folded
}

/// The one decision value of a two-class `SVMClassifier` as `[N, 1]`: its scores are
/// `[−f, f]`, so the second column.
fn binary_decision_value(graph: &mut GraphBuilder, scores: &str) -> String {
    let starts = graph.int64_constant("second_column", &[1], vec![1]);
    let ends = graph.int64_constant("second_column_end", &[1], vec![2]);
    let axes = graph.int64_constant("columns", &[1], vec![1]);
    graph.node1(
        ONNX_DOMAIN,
        "Slice",
        &[scores, &starts, &ends, &axes],
        "decision_value",
        vec![],
    )
}

/// LIBSVM's one-vs-one vote from the pairwise decision values `[N, pairs]`: the class
/// index `[N]` (int64) with the most votes, the first one on a tie.
///
/// The votes of class `c` are `Σ_p positive_p·([c = i_p] − [c = j_p]) + Σ_p [c = j_p]`,
/// one MatMul of the 0/1 matrix of positive values; sums of small integers are exact
/// in `f32`, and `ArgMax` takes the first of equal values.
fn add_vote(graph: &mut GraphBuilder, decisions: &str, classes: usize) -> String {
    let pairs = classes * (classes - 1) / 2;
    let mut signs = vec![0.0f32; pairs * classes];
    let mut base = vec![0.0f32; classes];
    let mut pair = 0;
    for i in 0..classes {
        for j in i + 1..classes {
            signs[pair * classes + i] = 1.0;
            signs[pair * classes + j] = -1.0;
            base[j] += 1.0;
            pair += 1;
        }
    }
    let zero = graph.float_constant("zero", &[], vec![0.0]);
    let positive = graph.node1(
        ONNX_DOMAIN,
        "Greater",
        &[decisions, &zero],
        "positive",
        vec![],
    );
    let positive = graph.node1(
        ONNX_DOMAIN,
        "Cast",
        &[&positive],
        "positive_float",
        vec![("to", Attribute::Int(DataType::Float as i64))],
    );
    let signs = graph.float_constant("vote_signs", &[pairs as i64, classes as i64], signs);
    let base = graph.float_constant("vote_base", &[classes as i64], base);
    let shifted = graph.node1(
        ONNX_DOMAIN,
        "MatMul",
        &[&positive, &signs],
        "votes_shifted",
        vec![],
    );
    let votes = graph.node1(ONNX_DOMAIN, "Add", &[&shifted, &base], "votes", vec![]);
    graph.node1(
        ONNX_DOMAIN,
        "ArgMax",
        &[&votes],
        "winner",
        vec![
            ("axis", Attribute::Int(1)),
            ("keepdims", Attribute::Int(0)),
            ("select_last_index", Attribute::Int(0)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use svmq_core::libsvm_format::from_libsvm_text;

    const ONE_CLASS: &str = "svm_type one_class\nkernel_type linear\nnr_class 2\ntotal_sv 2\n\
rho 0.5\nSV\n1 1:1 3:0.25\n-0.5 2:2\n";

    #[test]
    fn a_one_class_model_takes_its_largest_index_as_input_width() {
        let model = from_libsvm_text(ONE_CLASS).unwrap();
        let export = libsvm_model_to_onnx(&model, "test").unwrap();
        assert_eq!(export.input_width, 3);
        assert_eq!(export.label_type, "int64");
        assert_eq!(export.decision_values, 1);
        assert!(export.classes.is_empty());
        assert!(!export.probability_left_out);
        let decoded = ModelProto::decode(export.bytes.as_slice()).unwrap();
        let graph = decoded.graph.unwrap();
        let regressor = graph
            .node
            .iter()
            .find(|node| node.op_type.as_deref() == Some("SVMRegressor"))
            .unwrap();
        let attribute = |name: &str| {
            regressor
                .attribute
                .iter()
                .find(|attribute| attribute.name.as_deref() == Some(name))
                .unwrap()
        };
        assert_eq!(attribute("one_class").i, Some(0));
        assert_eq!(attribute("rho").floats, vec![-0.5]);
        // A linear kernel's support vectors are folded into w = 1·sv₁ − 0.5·sv₂.
        assert_eq!(attribute("support_vectors").floats, vec![1.0, -1.0, 0.25]);
        assert_eq!(attribute("coefficients").floats, vec![1.0]);
        let outputs: Vec<_> = graph
            .output
            .iter()
            .map(|o| o.name.clone().unwrap())
            .collect();
        assert_eq!(outputs, ["label", "decision_values"]);
    }

    /// A model over `width` features with seeded values; `labels` empty for one-class.
    fn linear_model(svm_type: SvmType, counts: &[usize], width: usize) -> Model {
        let mut random = svmq_core::random::Random::new(11);
        let total: usize = counts
            .iter()
            .sum::<usize>()
            .max(if counts.is_empty() { 9 } else { 0 });
        let classes = counts.len();
        let rows = classes.max(2) - 1;
        let values = (0..total * width)
            .map(|_| random.unit() * 4.0 - 2.0)
            .collect();
        Model {
            svm_type,
            kernel: Kernel::Linear,
            labels: (0..classes).map(|c| (c as f64) * 2.0 - 1.0).collect(),
            support_vectors: Matrix::new(total, width, values).unwrap(),
            support_vector_counts: counts.to_vec(),
            coefficients: (0..rows)
                .map(|_| (0..total).map(|_| random.unit() * 2.0 - 1.0).collect())
                .collect(),
            rho: (0..(classes * classes.saturating_sub(1) / 2).max(1))
                .map(|_| random.unit() - 0.5)
                .collect(),
            probability: None,
            support_vector_indices: Vec::new(),
            feature_map: None,
        }
    }

    #[test]
    fn folded_linear_models_have_the_same_decision_values() {
        for model in [
            linear_model(SvmType::OneClass, &[], 5),
            linear_model(SvmType::EpsilonSvr, &[], 3),
            linear_model(SvmType::CSvc, &[4, 3], 5),
            linear_model(SvmType::NuSvc, &[3, 1, 5, 2], 4),
        ] {
            model.validate().unwrap();
            let folded = fold_linear(&model);
            folded.validate().unwrap();
            let mut random = svmq_core::random::Random::new(3);
            for _ in 0..20 {
                let x: Vec<f64> = (0..model.feature_count())
                    .map(|_| random.unit() * 6.0 - 3.0)
                    .collect();
                let expected = model.predictor().predict(&x, false);
                let got = folded.predictor().predict(&x, false);
                assert!(
                    (expected.value - got.value).abs() < 1e-12,
                    "{:?}",
                    model.svm_type
                );
                for (a, b) in expected.decision_values.iter().zip(&got.decision_values) {
                    assert!((a - b).abs() < 1e-12, "{:?}: {a} vs {b}", model.svm_type);
                }
            }
        }
    }

    #[test]
    fn classifier_labels_are_integers_when_they_can_be() {
        assert_eq!(integer_labels(&[1.0, -1.0, 7.0]), Some(vec![1, -1, 7]));
        assert_eq!(integer_labels(&[1.0, 0.5]), None);
        assert_eq!(integer_labels(&[1e300]), None);
    }

    #[test]
    fn numbers_beyond_single_precision_are_refused() {
        let model = from_libsvm_text(&ONE_CLASS.replace("rho 0.5", "rho 1e300")).unwrap();
        let error = libsvm_model_to_onnx(&model, "test")
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("rho") && error.contains("single precision"),
            "{error}"
        );
    }

    #[test]
    fn a_model_without_features_is_refused() {
        let text = "svm_type epsilon_svr\nkernel_type rbf\ngamma 0.5\ntotal_sv 1\nrho 0\nSV\n1\n";
        let model = from_libsvm_text(text).unwrap();
        let error = libsvm_model_to_onnx(&model, "test")
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("no feature"), "{error}");
    }
}
