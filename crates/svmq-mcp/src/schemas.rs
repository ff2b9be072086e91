//! The tools' JSON schemas as every client reads them. schemars marks integer and
//! number types with a `format` (`uint64`, `int64`, `uint32`, `double`, …) that JSON
//! Schema validators do not know and warn about (the MCP Inspector prints one warning
//! per field). Here each such `format` is removed; an unsigned one becomes
//! `minimum: 0` where the schema gives no minimum, so the range still shows.

use rmcp::model::Tool;
use serde_json::{Map, Value};
use std::sync::Arc;

/// Rewrites a tool's input and output schemas in place.
pub fn plain_numbers(tool: &mut Tool) {
    let mut input = Value::Object(tool.input_schema.as_ref().clone());
    strip_formats(&mut input);
    if let Value::Object(object) = input {
        tool.input_schema = Arc::new(object);
    }
    if let Some(output_schema) = &tool.output_schema {
        let mut output = Value::Object(output_schema.as_ref().clone());
        strip_formats(&mut output);
        if let Value::Object(object) = output {
            tool.output_schema = Some(Arc::new(object));
        }
    }
}

/// The numeric formats schemars writes, and whether each is unsigned.
fn numeric_format(format: &str) -> Option<bool> {
    match format {
        "uint" | "uint8" | "uint16" | "uint32" | "uint64" | "uint128" => Some(true),
        "int" | "int8" | "int16" | "int32" | "int64" | "int128" | "float" | "double" => Some(false),
        _ => None,
    }
}

fn strip_formats(value: &mut Value) {
    match value {
        Value::Object(object) => {
            strip_format_here(object);
            for child in object.values_mut() {
                strip_formats(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_formats),
        _ => {}
    }
}

fn strip_format_here(object: &mut Map<String, Value>) {
    let Some(unsigned) = object
        .get("format")
        .and_then(Value::as_str)
        .and_then(numeric_format)
    else {
        return;
    };
    object.remove("format");
    if unsigned && !object.contains_key("minimum") && !object.contains_key("exclusiveMinimum") {
        object.insert("minimum".into(), Value::from(0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numeric_formats_go_and_unsigned_ones_keep_a_minimum() {
        let mut schema = json!({
            "type": "object",
            "properties": {
                "seed": {"type": ["integer", "null"], "format": "uint64", "minimum": 0},
                "count": {"type": "integer", "format": "uint32"},
                "n_trials": {"type": ["integer", "null"], "format": "int64"},
                "test_size": {"type": "number", "format": "double"},
                "when": {"type": "string", "format": "date-time"}
            },
            "$defs": {"Nested": {"type": "integer", "format": "uint64"}}
        });
        strip_formats(&mut schema);
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "properties": {
                    "seed": {"type": ["integer", "null"], "minimum": 0},
                    "count": {"type": "integer", "minimum": 0},
                    "n_trials": {"type": ["integer", "null"]},
                    "test_size": {"type": "number"},
                    "when": {"type": "string", "format": "date-time"}
                },
                "$defs": {"Nested": {"type": "integer", "minimum": 0}}
            })
        );
    }
}
