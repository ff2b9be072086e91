//! The tools' JSON schemas as every client reads them, made small: `tools/list` is
//! loaded into an agent's context before its first call, so every byte of it is paid
//! in every conversation. From what schemars writes, [`compact`]:
//!
//! - removes the numeric `format`s (`uint64`, `double`, …) that JSON Schema
//!   validators do not know and warn about; an unsigned input becomes `minimum: 0`
//!   where no minimum is given, so the range still shows (in a result, a count's
//!   `minimum: 0` goes too);
//! - removes `$schema` (MCP's default dialect, 2020-12, is the one written), `title`
//!   and `default: null`;
//! - writes an enumeration as `enum` instead of one `oneOf` branch per value;
//! - puts a `$defs` entry used once in place of its `$ref`, and drops the
//!   description of a `$defs` entry (the field that refers to it has its own);
//! - in input schemas, writes an optional argument as its type alone: leaving it out
//!   is how it is not given (null is still read as not given);
//! - joins the lines of descriptions;
//! - leaves `success` and `message`, which every result has, undescribed: the
//!   server's instructions describe them once.
//!
//! Output schemas keep null where a result holds it, and list every field of the
//! result with its type; their `required` names only `success` and `message`, which
//! every result has (every other field listed is present too, null or not, but
//! saying so for each would cost about 1 KB of every agent's context).
//!
//! [`share_descriptions`] then takes off a tool's parameter and result descriptions
//! that another tool, which its own description names, already gives word for word.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{JsonObject, Tool};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Which schema of a tool: what the client sends, or what the tool returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Input,
    Output,
}

/// Rewrites a tool's description and its input and output schemas in place.
pub fn compact(tool: &mut Tool) {
    if let Some(description) = &tool.description {
        tool.description = Some(one_line(description).into());
    }
    tool.input_schema = Arc::new(compacted(&tool.input_schema, Side::Input));
    if let Some(output) = &tool.output_schema {
        tool.output_schema = Some(Arc::new(compacted(output, Side::Output)));
    }
}

/// The fields of every tool's result, described once in the server's instructions.
const ENVELOPE: [&str; 2] = ["success", "message"];

/// Takes off the parameter and result descriptions of each tool in `to` that
/// `from`'s schemas give word for word, so that an agent reads them once. Only a
/// tool whose own description names `from` loses them: it tells where they are.
pub fn share_descriptions<S>(router: &mut ToolRouter<S>, from: &str, to: &[&str]) {
    let Some(source) = router.map.get(from).map(|route| route.attr.clone()) else {
        return;
    };
    for name in to {
        let Some(route) = router.map.get_mut(*name) else {
            continue;
        };
        let tool = &mut route.attr;
        if !tool
            .description
            .as_deref()
            .is_some_and(|text| text.contains(from))
        {
            continue;
        }
        let mut input = tool.input_schema.as_ref().clone();
        drop_described(&mut input, &source.input_schema);
        tool.input_schema = Arc::new(input);
        if let (Some(output), Some(source)) = (&tool.output_schema, &source.output_schema) {
            let mut output = output.as_ref().clone();
            drop_described(&mut output, source);
            tool.output_schema = Some(Arc::new(output));
        }
    }
}

/// Removes the descriptions of `schema`'s properties that `source`'s same properties
/// have too.
fn drop_described(schema: &mut JsonObject, source: &JsonObject) {
    let Some(Value::Object(properties)) = schema.get_mut("properties") else {
        return;
    };
    let Some(Value::Object(described)) = source.get("properties") else {
        return;
    };
    for (name, property) in properties.iter_mut() {
        let Some(property) = property.as_object_mut() else {
            continue;
        };
        let same = described
            .get(name)
            .and_then(|source| source.get("description"))
            .is_some_and(|description| property.get("description") == Some(description));
        if same {
            property.remove("description");
        }
    }
}

/// A text's lines and runs of spaces joined into single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn compacted(schema: &JsonObject, side: Side) -> JsonObject {
    let mut root = Value::Object(schema.clone());
    inline_single_definitions(&mut root);
    compact_schema(&mut root, side);
    if let (Side::Output, Value::Object(object)) = (side, &mut root) {
        envelope(object);
    }
    match root {
        Value::Object(object) => object,
        _ => unreachable!("a schema object stays an object"),
    }
}

/// A result's schema with `success` and `message`: those two undescribed, and the
/// only ones `required`.
fn envelope(object: &mut Map<String, Value>) {
    let Some(Value::Object(properties)) = object.get_mut("properties") else {
        return;
    };
    if !ENVELOPE.iter().all(|field| properties.contains_key(*field)) {
        return;
    }
    for field in ENVELOPE {
        if let Some(Value::Object(field)) = properties.get_mut(field) {
            field.remove("description");
        }
    }
    object.insert("required".into(), Value::from(ENVELOPE.to_vec()));
}

/// The `$defs` entry a `$ref` names, if it names one of the root's.
fn definition_name(reference: &Value) -> Option<&str> {
    reference.as_str()?.strip_prefix("#/$defs/")
}

/// How often each `$defs` entry is referred to.
fn count_references(value: &Value, counts: &mut BTreeMap<String, usize>) {
    match value {
        Value::Object(object) => {
            if let Some(name) = object.get("$ref").and_then(definition_name) {
                *counts.entry(name.to_string()).or_default() += 1;
            }
            object
                .values()
                .for_each(|child| count_references(child, counts));
        }
        Value::Array(items) => items.iter().for_each(|item| count_references(item, counts)),
        _ => {}
    }
}

/// Replaces each `$ref` to one of `inlined` by the entry's keywords (the referring
/// schema's own keywords, its description among them, win).
fn replace_references(value: &mut Value, inlined: &Map<String, Value>) {
    match value {
        Value::Object(object) => {
            let definition = object
                .get("$ref")
                .and_then(definition_name)
                .and_then(|name| inlined.get(name))
                .cloned();
            if let Some(Value::Object(definition)) = definition {
                object.remove("$ref");
                for (key, keyword) in definition {
                    object.entry(key).or_insert(keyword);
                }
            }
            object
                .values_mut()
                .for_each(|child| replace_references(child, inlined));
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| replace_references(item, inlined)),
        _ => {}
    }
}

/// Puts every `$defs` entry referred to at most once in place of its reference, and
/// takes the description off the entries that stay.
fn inline_single_definitions(root: &mut Value) {
    let Some(Value::Object(mut definitions)) = root
        .as_object_mut()
        .and_then(|object| object.remove("$defs"))
    else {
        return;
    };
    for definition in definitions.values_mut() {
        if let Value::Object(definition) = definition {
            definition.remove("description");
        }
    }
    // A definition may refer to another: count and inline until none is left to do.
    loop {
        let mut counts = BTreeMap::new();
        count_references(root, &mut counts);
        count_references(&Value::Object(definitions.clone()), &mut counts);
        let single: Map<String, Value> = definitions
            .iter()
            .filter(|(name, _)| counts.get(*name).copied().unwrap_or(0) <= 1)
            .map(|(name, definition)| (name.clone(), definition.clone()))
            .collect();
        if single.is_empty() {
            break;
        }
        definitions.retain(|name, _| !single.contains_key(name));
        replace_references(root, &single);
        for definition in definitions.values_mut() {
            replace_references(definition, &single);
        }
    }
    if let (false, Some(object)) = (definitions.is_empty(), root.as_object_mut()) {
        object.insert("$defs".into(), Value::Object(definitions));
    }
}

/// Applies the module's rewrites to a schema and every schema inside it.
fn compact_schema(value: &mut Value, side: Side) {
    let Value::Object(object) = value else {
        return;
    };
    object.remove("$schema");
    object.remove("title");
    if object.get("default").is_some_and(Value::is_null) {
        object.remove("default");
    }
    if let Some(Value::String(description)) = object.get_mut("description") {
        *description = one_line(description);
    }
    strip_format_here(object, side);
    match side {
        Side::Input => not_nullable(object),
        Side::Output => {
            object.remove("required");
        }
    }
    enumeration(object);
    for (keyword, child) in object.iter_mut() {
        match (keyword.as_str(), child) {
            ("properties" | "$defs", Value::Object(schemas)) => schemas
                .values_mut()
                .for_each(|schema| compact_schema(schema, side)),
            ("anyOf" | "oneOf" | "allOf" | "prefixItems", Value::Array(schemas)) => schemas
                .iter_mut()
                .for_each(|schema| compact_schema(schema, side)),
            ("items" | "additionalProperties" | "not", schema) => compact_schema(schema, side),
            _ => {}
        }
    }
}

/// `oneOf` branches that are each one string constant become `enum`.
fn enumeration(object: &mut Map<String, Value>) {
    let Some(Value::Array(branches)) = object.get("oneOf") else {
        return;
    };
    let constants: Option<Vec<Value>> = branches
        .iter()
        .map(|branch| {
            let branch = branch.as_object()?;
            let constant = branch
                .get("const")
                .filter(|constant| constant.is_string())?;
            branch
                .keys()
                .all(|key| matches!(key.as_str(), "const" | "type" | "description"))
                .then(|| constant.clone())
        })
        .collect();
    if let Some(constants) = constants {
        object.remove("oneOf");
        object.insert("type".into(), Value::from("string"));
        object.insert("enum".into(), Value::Array(constants));
    }
}

/// An optional argument's schema as its type alone: `["integer", "null"]` becomes
/// `integer`, and `anyOf: [X, {type: null}]` becomes X.
fn not_nullable(object: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|kind| kind != "null");
        if types.len() == 1 {
            let kind = types.remove(0);
            object.insert("type".into(), kind);
        }
    }
    let Some(Value::Array(branches)) = object.get("anyOf") else {
        return;
    };
    let null = Value::from("null");
    let mut kept = branches
        .iter()
        .filter(|branch| branch.get("type") != Some(&null));
    let (Some(Value::Object(only)), None) = (kept.next().cloned(), kept.next()) else {
        return;
    };
    object.remove("anyOf");
    for (key, keyword) in only {
        object.entry(key).or_insert(keyword);
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

fn strip_format_here(object: &mut Map<String, Value>, side: Side) {
    let Some(unsigned) = object
        .get("format")
        .and_then(Value::as_str)
        .and_then(numeric_format)
    else {
        return;
    };
    object.remove("format");
    match side {
        Side::Input
            if unsigned
                && !object.contains_key("minimum")
                && !object.contains_key("exclusiveMinimum") =>
        {
            object.insert("minimum".into(), Value::from(0));
        }
        // A count in a result: its being unsigned is no news to the caller.
        Side::Output if unsigned && object.get("minimum") == Some(&Value::from(0)) => {
            object.remove("minimum");
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn compacted_value(schema: Value, side: Side) -> Value {
        let Value::Object(object) = schema else {
            panic!("not an object")
        };
        Value::Object(compacted(&object, side))
    }

    #[test]
    fn numeric_formats_go_and_unsigned_inputs_keep_a_minimum() {
        let schema = json!({
            "type": "object",
            "properties": {
                "seed": {"type": ["integer", "null"], "format": "uint64", "minimum": 0},
                "count": {"type": "integer", "format": "uint32"},
                "n_trials": {"type": ["integer", "null"], "format": "int64"},
                "test_size": {"type": "number", "format": "double"},
                "when": {"type": "string", "format": "date-time"},
                "format": {"type": "string"}
            }
        });
        assert_eq!(
            compacted_value(schema.clone(), Side::Input),
            json!({
                "type": "object",
                "properties": {
                    "seed": {"type": "integer", "minimum": 0},
                    "count": {"type": "integer", "minimum": 0},
                    "n_trials": {"type": "integer"},
                    "test_size": {"type": "number"},
                    "when": {"type": "string", "format": "date-time"},
                    "format": {"type": "string"}
                }
            })
        );
        // A result's schema keeps null where the result holds it.
        assert_eq!(
            compacted_value(schema, Side::Output)["properties"],
            json!({
                "seed": {"type": ["integer", "null"]},
                "count": {"type": "integer"},
                "n_trials": {"type": ["integer", "null"]},
                "test_size": {"type": "number"},
                "when": {"type": "string", "format": "date-time"},
                "format": {"type": "string"}
            })
        );
    }

    #[test]
    fn enumerations_and_definitions_used_once_are_written_in_place() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Params",
            "type": "object",
            "properties": {
                "kernel": {
                    "anyOf": [{"$ref": "#/$defs/Kernel"}, {"type": "null"}],
                    "default": null,
                    "description": "Kernel:\n  rbf or linear."
                },
                "a": {"$ref": "#/$defs/View", "description": "First."},
                "b": {"type": "array", "items": {"$ref": "#/$defs/View"}}
            },
            "$defs": {
                "Kernel": {
                    "description": "One kernel.",
                    "oneOf": [
                        {"const": "rbf", "type": "string", "description": "Gaussian."},
                        {"const": "linear", "type": "string"}
                    ]
                },
                "View": {
                    "description": "A view.",
                    "title": "View",
                    "type": "object",
                    "properties": {"id": {"type": "string"}}
                }
            }
        });
        assert_eq!(
            compacted_value(schema, Side::Input),
            json!({
                "type": "object",
                "properties": {
                    "kernel": {
                        "type": "string",
                        "enum": ["rbf", "linear"],
                        "description": "Kernel: rbf or linear."
                    },
                    "a": {"$ref": "#/$defs/View", "description": "First."},
                    "b": {"type": "array", "items": {"$ref": "#/$defs/View"}}
                },
                "$defs": {
                    "View": {"type": "object", "properties": {"id": {"type": "string"}}}
                }
            })
        );
    }

    #[test]
    fn a_result_requires_success_and_message_and_lists_the_rest() {
        let schema = json!({
            "type": "object",
            "properties": {
                "success": {"type": "boolean", "description": "Whether it worked."},
                "message": {"type": "string", "description": "What happened."},
                "rows": {"type": "integer", "format": "uint64", "minimum": 0},
                "lines": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"at": {"type": "integer"}},
                        "required": ["at"]
                    }
                }
            },
            "required": ["success", "message", "rows", "lines"]
        });
        assert_eq!(
            compacted_value(schema, Side::Output),
            json!({
                "type": "object",
                "properties": {
                    "success": {"type": "boolean"},
                    "message": {"type": "string"},
                    "rows": {"type": "integer"},
                    "lines": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"at": {"type": "integer"}}}
                    }
                },
                "required": ["success", "message"]
            })
        );
    }

    #[test]
    fn descriptions_another_schema_gives_word_for_word_go() {
        let source = json!({"properties": {
            "seed": {"type": "integer", "description": "Default: 42."},
            "kernel": {"type": "string", "description": "Default: rbf."}
        }});
        let mut schema = json!({"properties": {
            "seed": {"type": "integer", "description": "Default: 42."},
            "kernel": {"type": "string", "description": "Default: linear."},
            "task_type": {"type": "string", "description": "What to train."}
        }});
        drop_described(schema.as_object_mut().unwrap(), source.as_object().unwrap());
        assert_eq!(
            schema,
            json!({"properties": {
                "seed": {"type": "integer"},
                "kernel": {"type": "string", "description": "Default: linear."},
                "task_type": {"type": "string", "description": "What to train."}
            }})
        );
    }
}
