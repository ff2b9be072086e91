//! The part of the MCP request path that runs without a server: one JSON-RPC message
//! as a client sends it, decoded into rmcp's request types and, for `tools/call`, the
//! named tool's arguments decoded into its parameter struct (as rmcp's router does)
//! and range-checked by the same functions the tool runs before it touches the store
//! or a file. The fuzz target drives it; every input must end in `Ok` or an error,
//! never a panic.
//!
//! What it does not do: resolve paths against the roots (a placeholder stands for the
//! data file), read data, reach the store, or answer the request.

use crate::error::ToolError;
use crate::params::{
    ListModelsParams, ListTasksParams, ModelIdParams, PredictFileParams, PredictValuesParams,
    SubmitParams, TaskIdParams, TaskLogsParams, TrainClassifierParams, TrainRegressorParams,
    ValidateDataParams,
};
use crate::tools::models::validation_options;
use crate::tools::queue::{log_tail, task_page};
use crate::tools::training::{checked_queue_options, checked_training_request};
use rmcp::model::{ClientJsonRpcMessage, ClientRequest, JsonObject, JsonRpcMessage};
use serde::de::DeserializeOwned;
use std::path::PathBuf;
use svmq_data::Task;
use svmq_service::{ModelId, TaskId};

/// What a message turned out to be, when it passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckedMessage {
    /// A `tools/call` whose arguments passed the tool's stateless checks.
    ToolCall {
        /// The tool's name.
        tool: String,
    },
    /// Any other request, a notification, a response or an error.
    Other,
}

/// Decodes one JSON-RPC message and checks a tool call's arguments; see the module
/// documentation.
pub fn check_message(bytes: &[u8]) -> Result<CheckedMessage, ToolError> {
    let message: ClientJsonRpcMessage = serde_json::from_slice(bytes)
        .map_err(|error| ToolError::invalid(format!("not a JSON-RPC client message: {error}")))?;
    let JsonRpcMessage::Request(request) = message else {
        return Ok(CheckedMessage::Other);
    };
    let ClientRequest::CallToolRequest(call) = request.request else {
        return Ok(CheckedMessage::Other);
    };
    let arguments = call.params.arguments.unwrap_or_default();
    let tool = call.params.name.to_string();
    check_tool_arguments(&tool, arguments)?;
    Ok(CheckedMessage::ToolCall { tool })
}

/// The arguments as the tool's parameter struct, or the error rmcp would answer.
fn decode<T: DeserializeOwned>(arguments: JsonObject) -> Result<T, ToolError> {
    serde_json::from_value(serde_json::Value::Object(arguments))
        .map_err(|error| ToolError::invalid(format!("invalid arguments: {error}")))
}

fn check_model_id(model_id: &str) -> Result<(), ToolError> {
    ModelId::parse(model_id)
        .map(|_| ())
        .map_err(|_| ToolError::invalid("model_id is not a model id (32 hexadecimal characters)"))
}

/// Stands for the data file in checks that do not resolve it.
fn placeholder() -> PathBuf {
    PathBuf::from("data.csv")
}

fn check_tool_arguments(tool: &str, arguments: JsonObject) -> Result<(), ToolError> {
    let limits = svmq_service::Limits::default();
    match tool {
        "submit_training_task" => {
            let params: SubmitParams = decode(arguments)?;
            let task = params.task_type.map(Task::from);
            let target_dimension = params.target_dimension;
            checked_training_request(
                &params.training(),
                task,
                target_dimension,
                placeholder(),
                &limits,
            )?;
            checked_queue_options(&params.training)?;
        }
        "train_svm_classifier" => {
            let params: TrainClassifierParams = decode(arguments)?;
            checked_training_request(
                &params.training(),
                Some(Task::Classification),
                None,
                placeholder(),
                &limits,
            )?;
            checked_queue_options(&params.training)?;
        }
        "train_svm_regressor" => {
            let params: TrainRegressorParams = decode(arguments)?;
            checked_training_request(
                &params.training,
                Some(Task::Regression),
                params.target_dimension,
                placeholder(),
                &limits,
            )?;
            checked_queue_options(&params.training)?;
        }
        "get_task_status" | "cancel_training_task" => {
            let params: TaskIdParams = decode(arguments)?;
            TaskId::parse(&params.task_id)?;
        }
        "get_task_logs" => {
            let params: TaskLogsParams = decode(arguments)?;
            TaskId::parse(&params.task_id)?;
            log_tail(params.tail)?;
        }
        "list_training_tasks" => {
            let params: ListTasksParams = decode(arguments)?;
            task_page(&params)?;
        }
        "get_queue_status" => {}
        "list_models" => {
            decode::<ListModelsParams>(arguments)?;
        }
        "get_model_info" | "delete_model" => {
            let params: ModelIdParams = decode(arguments)?;
            check_model_id(&params.model_id)?;
        }
        "predict_from_values" => {
            let params: PredictValuesParams = decode(arguments)?;
            check_model_id(&params.model_id)?;
        }
        "predict_from_file" => {
            let params: PredictFileParams = decode(arguments)?;
            check_model_id(&params.model_id)?;
        }
        "validate_data" => {
            let params: ValidateDataParams = decode(arguments)?;
            validation_options(&params)?;
        }
        other => {
            return Err(ToolError::invalid(format!(
                "unknown tool {:?}",
                other.chars().take(40).collect::<String>()
            )))
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(tool: &str, arguments: serde_json::Value) -> Result<CheckedMessage, ToolError> {
        let message = serde_json::json!({
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": tool, "arguments": arguments},
        });
        check_message(message.to_string().as_bytes())
    }

    #[test]
    fn tool_calls_are_decoded_and_range_checked() {
        assert_eq!(
            call(
                "train_svm_classifier",
                serde_json::json!({"data_source": "x.csv"})
            )
            .unwrap(),
            CheckedMessage::ToolCall {
                tool: "train_svm_classifier".into()
            }
        );
        assert!(call(
            "train_svm_classifier",
            serde_json::json!({"data_source": "x.csv", "n_trials": -1})
        )
        .is_err());
        // The timeout that once stopped the queue for everyone.
        assert!(call(
            "submit_training_task",
            serde_json::json!({
                "task_type": "svm_classification",
                "data_source": "x.csv",
                "timeout_seconds": u64::MAX,
            })
        )
        .is_err());
        assert!(call("get_task_status", serde_json::json!({"task_id": "nope"})).is_err());
        assert!(call("list_training_tasks", serde_json::json!({"cursor": "x"})).is_err());
        assert!(call("no_such_tool", serde_json::json!({})).is_err());
    }

    #[test]
    fn other_messages_and_garbage() {
        let ping = br#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#;
        assert_eq!(check_message(ping).unwrap(), CheckedMessage::Other);
        assert!(check_message(b"{").is_err());
        assert!(check_message(&[0xff, 0x00]).is_err());
    }
}
