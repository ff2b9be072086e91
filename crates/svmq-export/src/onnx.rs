//! A saved model as one ONNX model: the preprocessing, the SVM, and the steps that
//! give labels and values as `svmq predict` does.
//!
//! Outputs:
//! - classification: `label` `[N]`, int64 when every class is written as an integer,
//!   else string; with Platt parameters, `probabilities` `[N, classes]` with columns
//!   in the model's class order (as `svmq predict` lists them), and `label` is the most
//!   probable class, as in `svmq predict` (ONNX Runtime's own label would be the
//!   one-vs-one vote); for two classes the graph applies Platt's sigmoid to the
//!   decision value itself, as svmq does; without them, `label` is the vote and `scores` the pairwise
//!   decision values as ONNX Runtime's `SVMClassifier` gives them (two columns
//!   `[−f, f]` for two classes).
//! - regression: `values` float `[N, targets]` in the targets' units.
//!
//! A model trained on random Fourier features gets the map's nodes between the
//! preprocessing and its SVM node (`fourier`).
//!
//! Operator sets: ONNX 17 and `ai.onnx.ml` 3; IR version 8. Everything is `f32`.

use crate::builder::{Attribute, GraphBuilder, ONNX_DOMAIN};
use crate::error::ExportError;
use crate::fourier::add_fourier_features;
use crate::preprocessing::{add_preprocessing, Input};
use crate::proto::{DataType, ModelProto, OperatorSetIdProto, StringStringEntryProto};
use crate::source::{engine_class_indices, in_target_units, integer_classes, ExportSource};
use crate::svm::{add_classifier, add_regressor, ClassLabels};
use prost::Message;
use svmq_core::{Model, ProbabilityModel};
use svmq_data::Task;

/// The ONNX IR version the model declares.
pub const IR_VERSION: i64 = 8;
/// The version of the default operator set (`""`) the graph uses.
pub const ONNX_OPSET: i64 = 17;
/// The version of the `ai.onnx.ml` operator set the graph uses.
pub const ML_OPSET: i64 = 3;

/// Who made the export, written into the model's metadata.
pub struct OnnxOptions {
    /// svmq's version, written as the model's `producer_version`.
    pub producer_version: String,
    /// Written as the `svmq_model_id` metadata entry.
    pub model_id: String,
}

/// An encoded ONNX model and a description of its interface.
pub struct OnnxExport {
    /// The serialized `ModelProto`.
    pub bytes: Vec<u8>,
    /// The graph inputs a caller feeds, in order.
    pub inputs: Vec<Input>,
    /// `(name, description)` of each output.
    pub outputs: Vec<(String, String)>,
}

/// Builds and encodes the ONNX model.
pub fn to_onnx(source: &ExportSource, options: &OnnxOptions) -> Result<OnnxExport, ExportError> {
    source.check()?;
    let mut graph = GraphBuilder::new("svmq");
    let preprocessing = add_preprocessing(&mut graph, source.preprocessor)?;
    let features = preprocessing.output.as_str();
    let columns = &preprocessing.engine_columns;
    let mut outputs = Vec::new();
    match source.task {
        Task::Classification => {
            let target = &source.targets[0];
            let engine = target.engine;
            let order = engine_class_indices(engine);
            let integers = integer_classes(source.classes);
            let label_type = if integers.is_some() {
                DataType::Int64
            } else {
                DataType::String
            };
            let engine_labels = match &integers {
                Some(values) => ClassLabels::Integers(order.iter().map(|&c| values[c]).collect()),
                None => {
                    ClassLabels::Strings(order.iter().map(|&c| source.classes[c].clone()).collect())
                }
            };
            let platt = match &engine.probability {
                Some(ProbabilityModel::Pairwise { a, b }) => Some((a[0], b[0])),
                _ => None,
            };
            // Two classes: ONNX Runtime would couple the one pairwise probability by
            // iterations that stop within 0.0025 of it; LIBSVM and svmq take it as it
            // is, so the graph computes it from the decision value instead.
            let binary = order.len() == 2;
            let (input, input_columns) = svm_input(&mut graph, features, engine, columns);
            let (vote, scores) = add_classifier(
                &mut graph,
                &input,
                engine,
                &input_columns,
                engine_labels,
                !binary,
            );
            let scores = match (binary, platt) {
                (true, Some((a, b))) => add_binary_probabilities(&mut graph, &scores, a, b),
                _ => scores,
            };
            let classes = source.classes.len() as i64;
            if matches!(engine.probability, Some(ProbabilityModel::Pairwise { .. })) {
                // Engine class order → the model's class order, by a 0/1 matrix so that
                // a class the engine never saw gets probability 0.
                let mut selection = vec![0.0f32; order.len() * source.classes.len()];
                for (position, &class) in order.iter().enumerate() {
                    selection[position * source.classes.len() + class] = 1.0;
                }
                let selection =
                    graph.float_constant("class_order", &[order.len() as i64, classes], selection);
                graph.node_with_outputs(
                    ONNX_DOMAIN,
                    "MatMul",
                    &[&scores, &selection],
                    vec!["probabilities".into()],
                    vec![],
                );
                let winner = graph.node1(
                    ONNX_DOMAIN,
                    "ArgMax",
                    &["probabilities"],
                    "winner",
                    vec![("axis", Attribute::Int(1)), ("keepdims", Attribute::Int(0))],
                );
                let labels = match &integers {
                    Some(values) => graph.int64_constant("classes", &[classes], values.clone()),
                    None => graph.string_constant("classes", &[classes], source.classes.to_vec()),
                };
                graph.node_with_outputs(
                    ONNX_DOMAIN,
                    "Gather",
                    &[&labels, &winner],
                    vec!["label".into()],
                    vec![("axis", Attribute::Int(0))],
                );
                graph.output("label", label_type, vec![None], "the most probable class");
                graph.output(
                    "probabilities",
                    DataType::Float,
                    vec![None, Some(classes)],
                    &format!("one column per class: {}", source.classes.join(", ")),
                );
                outputs.push(("label".into(), "the most probable class".into()));
                outputs.push((
                    "probabilities".into(),
                    format!("one column per class: {}", source.classes.join(", ")),
                ));
            } else {
                graph.node_with_outputs(
                    ONNX_DOMAIN,
                    "Identity",
                    &[&vote],
                    vec!["label".into()],
                    vec![],
                );
                graph.node_with_outputs(
                    ONNX_DOMAIN,
                    "Identity",
                    &[&scores],
                    vec!["scores".into()],
                    vec![],
                );
                let pairs = order.len() * (order.len() - 1) / 2;
                let width = if order.len() == 2 { 2 } else { pairs as i64 };
                graph.output("label", label_type, vec![None], "the one-vs-one vote");
                graph.output(
                    "scores",
                    DataType::Float,
                    vec![None, Some(width)],
                    "pairwise decision values",
                );
                outputs.push((
                    "label".into(),
                    "the class winning the one-vs-one vote".into(),
                ));
                outputs.push(("scores".into(), "pairwise decision values".into()));
            }
        }
        Task::Regression => {
            let mut values = Vec::new();
            for target in &source.targets {
                let engine = in_target_units(target.engine, target.mean, target.scale);
                let (input, input_columns) = svm_input(&mut graph, features, &engine, columns);
                values.push(add_regressor(&mut graph, &input, &engine, &input_columns));
            }
            let refs: Vec<&str> = values.iter().map(String::as_str).collect();
            graph.node_with_outputs(
                ONNX_DOMAIN,
                "Concat",
                &refs,
                vec!["values".into()],
                vec![("axis", Attribute::Int(1))],
            );
            let names: Vec<&str> = source.targets.iter().map(|target| target.name).collect();
            let description = format!("one column per target: {}", names.join(", "));
            graph.output(
                "values",
                DataType::Float,
                vec![None, Some(names.len() as i64)],
                &description,
            );
            outputs.push(("values".into(), description));
        }
    }
    let doc = describe(&preprocessing.inputs, &outputs);
    let model = ModelProto {
        ir_version: Some(IR_VERSION),
        opset_import: vec![
            OperatorSetIdProto {
                domain: Some(String::new()),
                version: Some(ONNX_OPSET),
            },
            OperatorSetIdProto {
                domain: Some(crate::builder::ML_DOMAIN.into()),
                version: Some(ML_OPSET),
            },
        ],
        producer_name: Some("svmq".into()),
        producer_version: Some(options.producer_version.clone()),
        domain: None,
        model_version: Some(1),
        doc_string: Some(doc.clone()),
        graph: Some(graph.finish(doc)),
        metadata_props: vec![StringStringEntryProto {
            key: Some("svmq_model_id".into()),
            value: Some(options.model_id.clone()),
        }],
    };
    Ok(OnnxExport {
        bytes: model.encode_to_vec(),
        inputs: preprocessing.inputs,
        outputs,
    })
}

/// The SVM node's input and the engine column of each of its columns: the
/// preprocessed features, or the engine's random Fourier features of them.
fn svm_input(
    graph: &mut GraphBuilder,
    features: &str,
    engine: &Model,
    columns: &[usize],
) -> (String, Vec<usize>) {
    match &engine.feature_map {
        Some(map) => (
            add_fourier_features(graph, features, map, columns),
            (0..map.components()).collect(),
        ),
        None => (features.to_string(), columns.to_vec()),
    }
}

/// Platt's sigmoid for two classes from SVMClassifier's scores `[−f, f]`:
/// `p₀ = 1 / (1 + exp(a·f + b)) = σ(a·(−f) − b)`, `p₁ = 1 − p₀ = σ(a·f + b)`, each
/// kept within `[1e-7, 1 − 1e-7]` as svmq and LIBSVM do.
fn add_binary_probabilities(graph: &mut GraphBuilder, scores: &str, a: f64, b: f64) -> String {
    let slope = graph.float_constant("platt_a", &[], vec![a as f32]);
    let offsets = graph.float_constant("platt_b", &[2], vec![-b as f32, b as f32]);
    let scaled = graph.node1(
        ONNX_DOMAIN,
        "Mul",
        &[scores, &slope],
        "platt_scaled",
        vec![],
    );
    let logits = graph.node1(
        ONNX_DOMAIN,
        "Add",
        &[&scaled, &offsets],
        "platt_logits",
        vec![],
    );
    let probabilities = graph.node1(ONNX_DOMAIN, "Sigmoid", &[&logits], "platt", vec![]);
    let low = graph.float_constant("min_probability", &[], vec![1e-7]);
    let high = graph.float_constant("max_probability", &[], vec![1.0 - 1e-7]);
    graph.node1(
        ONNX_DOMAIN,
        "Clip",
        &[&probabilities, &low, &high],
        "engine_probabilities",
        vec![],
    )
}

/// The model's interface in words (its `doc_string`).
fn describe(inputs: &[Input], outputs: &[(String, String)]) -> String {
    let mut text = String::from("Exported by svmq. Inputs: ");
    let inputs: Vec<String> = inputs
        .iter()
        .map(|input| match &input.kind {
            crate::preprocessing::InputKind::Numeric { columns } => format!(
                "{} float [N, {}] ({}; NaN is missing)",
                input.name,
                columns.len(),
                columns.join(", ")
            ),
            crate::preprocessing::InputKind::Text => format!("{} string [N, 1]", input.name),
        })
        .collect();
    text.push_str(&inputs.join("; "));
    text.push_str(". Outputs: ");
    let outputs: Vec<String> = outputs
        .iter()
        .map(|(name, description)| format!("{name} ({description})"))
        .collect();
    text.push_str(&outputs.join("; "));
    text.push('.');
    text
}
