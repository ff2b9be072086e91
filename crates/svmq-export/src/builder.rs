//! A small builder for ONNX graphs: nodes with typed attributes, constant tensors and
//! tensor-typed inputs and outputs, with fresh value names.
//!
//! It knows no operator's meaning; [`crate::preprocessing`] and [`crate::svm`] decide
//! which nodes to add. Numbers go into attributes as `f32`, ONNX-ML's attribute type.

use crate::proto::{
    AttributeProto, AttributeType, DataType, Dimension, GraphProto, NodeProto, TensorProto,
    TensorShapeProto, TensorTypeProto, TypeProto, ValueInfoProto,
};

/// ONNX's own operator domain.
pub const ONNX_DOMAIN: &str = "";
/// The traditional machine learning operators (Imputer, Scaler, SVMClassifier, …).
pub const ML_DOMAIN: &str = "ai.onnx.ml";

/// A named attribute value.
pub enum Attribute {
    /// One float (`f`).
    Float(f32),
    /// One integer (`i`).
    Int(i64),
    /// One string (`s`), written as UTF-8 bytes.
    Text(String),
    /// A list of floats (`floats`).
    Floats(Vec<f32>),
    /// A list of integers (`ints`).
    Ints(Vec<i64>),
    /// A list of strings (`strings`), written as UTF-8 bytes.
    Texts(Vec<String>),
}

impl Attribute {
    /// `f64` values as ONNX-ML's `f32` attribute list.
    pub fn floats(values: impl IntoIterator<Item = f64>) -> Attribute {
        Attribute::Floats(values.into_iter().map(|value| value as f32).collect())
    }

    fn into_proto(self, name: &str) -> AttributeProto {
        let mut proto = AttributeProto {
            name: Some(name.to_string()),
            ..Default::default()
        };
        let kind = match self {
            Attribute::Float(value) => {
                proto.f = Some(value);
                AttributeType::Float
            }
            Attribute::Int(value) => {
                proto.i = Some(value);
                AttributeType::Int
            }
            Attribute::Text(value) => {
                proto.s = Some(value.into_bytes());
                AttributeType::String
            }
            Attribute::Floats(values) => {
                proto.floats = values;
                AttributeType::Floats
            }
            Attribute::Ints(values) => {
                proto.ints = values;
                AttributeType::Ints
            }
            Attribute::Texts(values) => {
                proto.strings = values.into_iter().map(String::into_bytes).collect();
                AttributeType::Strings
            }
        };
        proto.r#type = Some(kind as i32);
        proto
    }
}

/// A tensor's shape: fixed sizes, or `None` for the batch dimension.
pub type Shape = Vec<Option<i64>>;

/// The name of the variable batch dimension in input and output types.
pub const BATCH: &str = "N";

/// A graph under construction.
#[derive(Default)]
pub struct GraphBuilder {
    graph: GraphProto,
    next_name: usize,
}

impl GraphBuilder {
    /// An empty graph named `name`.
    pub fn new(name: &str) -> GraphBuilder {
        GraphBuilder {
            graph: GraphProto {
                name: Some(name.to_string()),
                ..Default::default()
            },
            next_name: 0,
        }
    }

    /// A value name not used before, starting with `stem`. The `svmq:` prefix keeps
    /// internal names apart from inputs named after data columns.
    pub fn fresh(&mut self, stem: &str) -> String {
        self.next_name += 1;
        format!("svmq:{stem}:{}", self.next_name)
    }

    /// Adds a node whose outputs get fresh names from the `outputs` stems; returns them.
    pub fn node(
        &mut self,
        domain: &str,
        op_type: &str,
        inputs: &[&str],
        outputs: &[&str],
        attributes: Vec<(&str, Attribute)>,
    ) -> Vec<String> {
        let outputs: Vec<String> = outputs.iter().map(|stem| self.fresh(stem)).collect();
        self.node_with_outputs(domain, op_type, inputs, outputs.clone(), attributes);
        outputs
    }

    /// Adds a node with one output named fresh from `output`; returns its name.
    pub fn node1(
        &mut self,
        domain: &str,
        op_type: &str,
        inputs: &[&str],
        output: &str,
        attributes: Vec<(&str, Attribute)>,
    ) -> String {
        self.node(domain, op_type, inputs, &[output], attributes)
            .remove(0)
    }

    /// Adds a node whose outputs have exactly these names (graph outputs).
    pub fn node_with_outputs(
        &mut self,
        domain: &str,
        op_type: &str,
        inputs: &[&str],
        outputs: Vec<String>,
        attributes: Vec<(&str, Attribute)>,
    ) {
        let name = self.fresh(op_type);
        self.graph.node.push(NodeProto {
            input: inputs.iter().map(|input| input.to_string()).collect(),
            output: outputs,
            name: Some(name),
            op_type: Some(op_type.to_string()),
            domain: Some(domain.to_string()),
            attribute: attributes
                .into_iter()
                .map(|(name, value)| value.into_proto(name))
                .collect(),
            doc_string: None,
        });
    }

    /// A constant int64 tensor.
    pub fn int64_constant(&mut self, stem: &str, dims: &[i64], values: Vec<i64>) -> String {
        let name = self.fresh(stem);
        self.graph.initializer.push(TensorProto {
            dims: dims.to_vec(),
            data_type: Some(DataType::Int64 as i32),
            int64_data: values,
            name: Some(name.clone()),
            ..Default::default()
        });
        name
    }

    /// A constant string tensor.
    pub fn string_constant(&mut self, stem: &str, dims: &[i64], values: Vec<String>) -> String {
        let name = self.fresh(stem);
        self.graph.initializer.push(TensorProto {
            dims: dims.to_vec(),
            data_type: Some(DataType::String as i32),
            string_data: values.into_iter().map(String::into_bytes).collect(),
            name: Some(name.clone()),
            ..Default::default()
        });
        name
    }

    /// A constant float tensor.
    pub fn float_constant(&mut self, stem: &str, dims: &[i64], values: Vec<f32>) -> String {
        let name = self.fresh(stem);
        self.graph.initializer.push(TensorProto {
            dims: dims.to_vec(),
            data_type: Some(DataType::Float as i32),
            float_data: values,
            name: Some(name.clone()),
            ..Default::default()
        });
        name
    }

    /// A constant double tensor.
    pub fn double_constant(&mut self, stem: &str, dims: &[i64], values: Vec<f64>) -> String {
        let name = self.fresh(stem);
        self.graph.initializer.push(TensorProto {
            dims: dims.to_vec(),
            data_type: Some(DataType::Double as i32),
            double_data: values,
            name: Some(name.clone()),
            ..Default::default()
        });
        name
    }

    /// Declares a graph input: its element type, shape and description.
    pub fn input(&mut self, name: &str, element: DataType, shape: Shape, doc: &str) {
        self.graph.input.push(value_info(name, element, shape, doc));
    }

    /// Declares a graph output: its element type, shape and description.
    pub fn output(&mut self, name: &str, element: DataType, shape: Shape, doc: &str) {
        self.graph
            .output
            .push(value_info(name, element, shape, doc));
    }

    /// The finished graph, with `doc` as its description.
    pub fn finish(self, doc: String) -> GraphProto {
        GraphProto {
            doc_string: Some(doc),
            ..self.graph
        }
    }
}

fn value_info(name: &str, element: DataType, shape: Shape, doc: &str) -> ValueInfoProto {
    let dim = shape
        .into_iter()
        .map(|size| match size {
            Some(size) => Dimension {
                dim_value: Some(size),
                dim_param: None,
            },
            None => Dimension {
                dim_value: None,
                dim_param: Some(BATCH.to_string()),
            },
        })
        .collect();
    ValueInfoProto {
        name: Some(name.to_string()),
        r#type: Some(TypeProto {
            tensor_type: Some(TensorTypeProto {
                elem_type: Some(element as i32),
                shape: Some(TensorShapeProto { dim }),
            }),
        }),
        doc_string: (!doc.is_empty()).then(|| doc.to_string()),
    }
}
