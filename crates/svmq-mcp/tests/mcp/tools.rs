//! The tool list: the names of the spec, input and output schemas, annotations.

use crate::support::Harness;

const TOOLS: [&str; 14] = [
    "cancel_training_task",
    "delete_model",
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
        assert_eq!(annotations.read_only_hint, Some(read_only), "{name}");
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
