//! The tool list: the names of the spec, input and output schemas, annotations.

use crate::support::Harness;

const TOOLS: [&str; 15] = [
    "cancel_training_task",
    "delete_model",
    "export_model",
    "get_model_info",
    "get_queue_status",
    "get_task_logs",
    "get_task_status",
    "list_models",
    "list_training_tasks",
    "predict_from_file",
    "predict_from_values",
    "submit_training_task",
    "train_svm_classifier",
    "train_svm_regressor",
    "validate_data",
];

#[tokio::test]
async fn every_tool_of_the_spec_is_listed_with_schemas_and_annotations() {
    let harness = Harness::start("list", 0).await;
    let tools = harness.client.list_all_tools().await.unwrap();
    let mut names: Vec<&str> = tools.iter().map(|tool| tool.name.as_ref()).collect();
    names.sort();
    assert_eq!(names, TOOLS);
    for tool in &tools {
        let description = tool.description.as_deref().unwrap_or("");
        assert!(description.len() > 60, "{} is barely described", tool.name);
        assert_eq!(
            tool.input_schema.get("type").and_then(|t| t.as_str()),
            Some("object"),
            "{}",
            tool.name
        );
        let output = tool
            .output_schema
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no output schema", tool.name));
        assert_eq!(output.get("type").and_then(|t| t.as_str()), Some("object"));
        let annotations = tool.annotations.as_ref().expect("annotations");
        let name = tool.name.as_ref();
        let read_only = name.starts_with("get_")
            || name.starts_with("list_")
            || name == "validate_data"
            || name == "predict_from_values";
        // A hint left out is MCP's default: not read-only.
        assert_eq!(
            annotations.read_only_hint.unwrap_or(false),
            read_only,
            "{name}"
        );
        let destructive = matches!(name, "delete_model" | "cancel_training_task");
        if !read_only {
            assert_eq!(annotations.destructive_hint, Some(destructive), "{name}");
        }
    }
    let train = tools
        .iter()
        .find(|tool| tool.name == "train_svm_classifier")
        .unwrap();
    let properties = train.input_schema["properties"].as_object().unwrap();
    for parameter in [
        "data_source",
        "target_column",
        "kernel",
        "optimize_hyperparameters",
        "n_trials",
        "cv_folds",
        "scoring_metric",
        "validate_data",
        "scaling_method",
        "test_size",
        "seed",
        "use_async_queue",
        "user_id",
    ] {
        assert!(properties.contains_key(parameter), "missing {parameter}");
    }
    let regressor = tools
        .iter()
        .find(|tool| tool.name == "train_svm_regressor")
        .unwrap();
    assert!(regressor.input_schema["properties"]
        .as_object()
        .unwrap()
        .contains_key("target_dimension"));
    harness.stop().await;
}

/// Every `format` left in a schema, with where it is.
fn numeric_formats(value: &serde_json::Value, path: &str, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(object) => {
            if let Some(format) = object.get("format").and_then(|format| format.as_str()) {
                if object.get("type").is_some_and(|kind| {
                    kind.to_string().contains("integer") || kind.to_string().contains("number")
                }) {
                    found.push(format!("{path}: {format}"));
                }
            }
            for (key, child) in object {
                numeric_formats(child, &format!("{path}/{key}"), found);
            }
        }
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                numeric_formats(item, &format!("{path}/{index}"), found);
            }
        }
        _ => {}
    }
}

/// Regression: `tools/list` carried schemars' `format: uint64` and the like, which
/// JSON Schema validators do not know (the MCP Inspector warned about each). Integer
/// schemas now say their range with `minimum`.
#[tokio::test]
async fn no_schema_carries_a_numeric_format_and_unsigned_counts_have_a_minimum() {
    let harness = Harness::start("formats", 0).await;
    let tools = harness.client.list_all_tools().await.unwrap();
    let mut found = Vec::new();
    for tool in &tools {
        let input = serde_json::Value::Object(tool.input_schema.as_ref().clone());
        numeric_formats(&input, &format!("{}/input", tool.name), &mut found);
        if let Some(output) = &tool.output_schema {
            let output = serde_json::Value::Object(output.as_ref().clone());
            numeric_formats(&output, &format!("{}/output", tool.name), &mut found);
        }
    }
    assert!(found.is_empty(), "numeric formats left: {found:#?}");
    let submit = tools
        .iter()
        .find(|tool| tool.name == "submit_training_task")
        .unwrap();
    assert_eq!(submit.input_schema["properties"]["seed"]["minimum"], 0);
    harness.stop().await;
}

/// The most `tools/list` may weigh, compact JSON: it is loaded into every
/// conversation of an agent before its first call. 20 KB, read strictly (20 000 bytes).
const TOOLS_LIST_BUDGET: usize = 20_000;

/// Issue: `tools/list` was 43 KB (about 11 000 tokens), and 52 KB once export_model
/// came. Its compact JSON stays under 20 KB; the sizes per tool and per part are
/// printed either way, and `SVMQ_TOOLS_LIST_DUMP=FILE` writes the list itself there
/// to see what weighs.
#[tokio::test]
async fn tools_list_stays_under_its_budget() {
    let harness = Harness::start("list-size", 0).await;
    let listed = harness.client.list_tools(None).await.unwrap();
    let total = serde_json::to_vec(&listed).unwrap().len();
    let mut table = String::from(
        "tool: whole = description + inputSchema + outputSchema (+ name, annotations)\n",
    );
    for tool in &listed.tools {
        let bytes = |value: serde_json::Value| serde_json::to_vec(&value).unwrap().len();
        let description = tool.description.as_deref().map_or(0, str::len);
        let input = bytes(serde_json::Value::Object(
            tool.input_schema.as_ref().clone(),
        ));
        let output = tool.output_schema.as_ref().map_or(0, |schema| {
            bytes(serde_json::Value::Object(schema.as_ref().clone()))
        });
        let whole = serde_json::to_vec(tool).unwrap().len();
        table.push_str(&format!(
            "{}: {whole} = {description} + {input} + {output}\n",
            tool.name
        ));
    }
    table.push_str(&format!(
        "tools/list: {total} bytes (budget {TOOLS_LIST_BUDGET})\n"
    ));
    eprintln!("{table}");
    if let Ok(path) = std::env::var("SVMQ_TOOLS_LIST_DUMP") {
        std::fs::write(path, serde_json::to_vec_pretty(&listed).unwrap()).unwrap();
    }
    assert!(
        total <= TOOLS_LIST_BUDGET,
        "tools/list is too large:\n{table}"
    );
    harness.stop().await;
}

/// The README's tool table: the cell of results of the row naming `tool`; "the same"
/// stands for train_svm_classifier's.
fn readme_result_fields(readme: &str, tool: &str) -> Option<String> {
    let cell = readme
        .lines()
        .filter(|line| line.starts_with("| `"))
        .find_map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            let named = cells
                .first()?
                .split(", ")
                .any(|name| name.trim_start_matches("| ") == format!("`{tool}`"));
            named.then(|| cells.last().unwrap().trim_end_matches(" |").to_string())
        })?;
    if cell == "the same" {
        return readme_result_fields(readme, "train_svm_classifier");
    }
    Some(cell)
}

/// The README shows each tool's result fields: every field of its output schema.
#[tokio::test]
async fn the_readme_table_shows_every_result_field() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let harness = Harness::start("readme", 0).await;
    for tool in harness.client.list_all_tools().await.unwrap() {
        let cell = readme_result_fields(&readme, &tool.name)
            .unwrap_or_else(|| panic!("README's tool table has no row for {}", tool.name));
        let output = tool.output_schema.as_ref().unwrap();
        for field in output["properties"].as_object().unwrap().keys() {
            if field == "success" || field == "message" {
                continue;
            }
            assert!(
                cell.contains(&format!("`{field}`")),
                "README: {} gives {field}: {cell}",
                tool.name
            );
        }
        assert_eq!(
            output.get("required").cloned().unwrap_or_default(),
            serde_json::json!(["success", "message"]),
            "{}",
            tool.name
        );
    }
    harness.stop().await;
}
