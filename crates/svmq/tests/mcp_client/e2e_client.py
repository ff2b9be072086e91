"""End-to-end check of `svmq serve` with the official Python MCP SDK.

Run by the Rust test `mcp_python_client.rs`:
    python e2e_client.py SVMQ_BINARY HOME DATA_ROOT OUTSIDE_FILE
Drives the server over stdio: lists the tools, trains through the queue while
watching progress, predicts, manages the registry, cancels, sends bad inputs, and
checks the server keeps serving after each. Exits non-zero on the first failure.
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters, stdio_client

EXPECTED_TOOLS = {
    "train_svm_classifier", "train_svm_regressor", "submit_training_task",
    "get_task_status", "list_training_tasks", "cancel_training_task",
    "get_queue_status", "get_task_logs", "predict_from_values", "predict_from_file",
    "list_models", "get_model_info", "delete_model", "validate_data", "export_model",
}
UNKNOWN_ID = "0123456789abcdef0123456789abcdef"


def check(condition, message):
    if not condition:
        raise AssertionError(message)


class Client:
    def __init__(self, session):
        self.session = session

    async def call(self, name, arguments, **options):
        result = await self.session.call_tool(name, arguments, **options)
        return result.model_dump(by_alias=True, mode="json")

    async def ok(self, name, arguments, **options):
        result = await self.call(name, arguments, **options)
        check(not result.get("isError"), f"{name} {arguments} failed: {result.get('content')}")
        structured = result.get("structuredContent")
        check(isinstance(structured, dict), f"{name} returned no structured content")
        text = json.loads(result["content"][0]["text"])
        check(text == structured, f"{name}: text and structured content differ")
        # The original tool's contract: every result says whether it succeeded, and what happened.
        check(isinstance(structured.get("success"), bool), f"{name}: no success: {structured}")
        check(isinstance(structured.get("message"), str) and structured["message"], f"{name}: no message")
        return structured

    async def error(self, name, arguments, expected):
        result = await self.call(name, arguments)
        check(result.get("isError") is True, f"{name} {arguments} should fail, got {result}")
        message = result["content"][0]["text"]
        check(expected in message, f"{name}: {message!r} does not mention {expected!r}")
        # The server keeps serving after a bad input.
        queue = await self.ok("get_queue_status", {})
        check(queue["total"] >= 0, "queue status after an error")
        print(f"  refused as expected: {name}: {message}", flush=True)

    async def wait(self, task_id, seen, stall_seconds=120):
        """Polls until the task ends. It fails only when nothing about the task changes
        for `stall_seconds` (a stuck task), not after a fixed time: a loaded machine
        trains slower, and that is no failure."""
        loop = asyncio.get_running_loop()
        last, changed_at = None, loop.time()
        while True:
            task = await self.ok("get_task_status", {"task_id": task_id})
            seen.append(task["progress"])
            if task["status"] in ("completed", "failed", "cancelled"):
                return task
            state = (task["status"], task["progress"], task.get("progress_message"))
            if state != last:
                last, changed_at = state, loop.time()
            elif loop.time() - changed_at > stall_seconds:
                raise AssertionError(f"task {task_id} made no progress for {stall_seconds} s: {task}")
            await asyncio.sleep(0.05)


async def main(svmq, home, root, outside):
    parameters = StdioServerParameters(
        command=svmq,
        args=["--home", home, "serve", "--data-root", root, "--workers", "2"],
        cwd=root,
        env={"SVMQ_LOG": "warn"},
    )
    async with stdio_client(parameters) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            client = Client(session)

            tools = (await session.list_tools()).model_dump(by_alias=True, mode="json")["tools"]
            names = {tool["name"] for tool in tools}
            check(names == EXPECTED_TOOLS, f"tools: {sorted(names)}")
            for tool in tools:
                check(tool.get("outputSchema"), f"{tool['name']} has no outputSchema")
                check(len(tool.get("description") or "") > 60, f"{tool['name']} is barely described")
            print(f"  {len(tools)} tools listed", flush=True)

            report = await client.ok("validate_data", {"data_source": "iris.csv", "target_column": "species"})
            check(report["trainable"] is True, f"iris is trainable: {report}")

            # Through the queue: a task id at once, then progress rising to 100
            # (progress is persisted about once a second, so a longer search).
            submitted = await client.ok("train_svm_classifier", {
                "data_source": "digits.csv", "target_column": "digit",
                "n_trials": 40, "cv_folds": 5, "kernel": "auto", "seed": 3,
            })
            digits_task = submitted["task"]["task_id"]
            check(submitted["task"]["status"] in ("queued", "running"), f"{submitted}")
            seen = []
            task = await client.wait(digits_task, seen)
            check(task["status"] == "completed", f"training failed: {task}")
            check(all(0 <= p <= 100 for p in seen), f"progress out of range: {seen}")
            check(all(a <= b for a, b in zip(seen, seen[1:])), f"progress went down: {seen}")
            check(seen[-1] == 100, f"progress did not reach 100: {seen}")
            check(any(0 < p < 100 for p in seen), f"no progress between 0 and 100: {sorted(set(seen))}")
            print(f"  trained {task['model_id']} via the queue; progress seen {sorted(set(seen))}", flush=True)

            # Waiting through the same queue, with progress notifications.
            notified = []

            async def on_progress(progress, total, message):
                notified.append(progress)

            waited = await client.ok("train_svm_classifier", {
                "data_source": "iris.csv", "target_column": "species",
                "n_trials": 6, "cv_folds": 3, "use_async_queue": False,
            }, progress_callback=on_progress)
            check(waited["waited"] is True and waited["model_id"], f"{waited}")
            check(notified and notified[-1] == 100, f"progress notifications: {notified}")
            check(all(a < b for a, b in zip(notified, notified[1:])), f"notifications: {notified}")
            model_id = waited["model_id"]
            task_id = waited["task"]["task_id"]
            print(f"  waited training {model_id} sent progress {notified}", flush=True)

            logs = await client.ok("get_task_logs", {"task_id": task_id, "tail": 3})
            check(len(logs["lines"]) == 3, f"logs: {logs}")

            predictions = await client.ok("predict_from_values", {
                "model_id": model_id,
                "feature_values": [
                    {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2},
                    {"sepal_length": 6.7, "sepal_width": 3.0, "petal_length": 5.2, "petal_width": 2.3},
                ],
            })
            labels = [row["label"] for row in predictions["predictions"]]
            check(labels == ["setosa", "virginica"], f"labels: {labels}")
            check(predictions["predictions"][0]["probabilities"], "probabilities")
            from_file = await client.ok("predict_from_file", {
                "model_id": model_id, "data_source": "iris.csv", "output_path": "predictions.csv",
            })
            check(from_file["rows"] == 150, f"{from_file}")
            check(os.path.exists(os.path.join(root, "predictions.csv")), "predictions.csv written")

            completed = await client.ok("list_training_tasks", {"status": "completed", "user_id": "local"})
            check(len(completed["tasks"]) == 2, f"completed tasks: {completed}")
            models = await client.ok("list_models", {})
            check(len(models["models"]) == 2, f"models: {models}")
            info = await client.ok("get_model_info", {"model_id": model_id})
            check(info["model"]["task_id"] == task_id, f"{info['model']}")

            # Cancel a long search while it runs (or before it starts).
            long_task = await client.ok("submit_training_task", {
                "task_type": "svm_classification", "data_source": "iris.csv",
                "n_trials": 1000, "cv_folds": 10, "kernel": "auto",
            })
            long_id = long_task["task"]["task_id"]
            await asyncio.sleep(0.5)
            cancelled = await client.ok("cancel_training_task", {"task_id": long_id})
            check(cancelled["outcome"] in ("cancelled", "stop_requested"), f"{cancelled}")
            final = await client.wait(long_id, [])
            check(final["status"] == "cancelled", f"cancelled task: {final}")
            print(f"  cancelled {long_id} ({cancelled['outcome']})", flush=True)

            queue = await client.ok("get_queue_status", {})
            check(queue["completed"] == 2 and queue["cancelled"] == 1, f"queue: {queue}")
            check(queue["workers_alive"] >= 1, f"queue: {queue}")

            # The user's document, as its users wrote it: ids and states at the top level,
            # `success` on cancel, the original queue status keys, and arguments as strings.
            result = await client.ok("submit_training_task", {
                "task_type": "svm_classification", "data_source": "iris.csv",
                "target_column": "species", "kernel": "rbf", "optimize_hyperparameters": "true",
                "n_trials": "4", "cv_folds": "3", "user_id": "user123",
            })
            task_id = result['task_id']
            while True:
                status = await client.ok("get_task_status", {"task_id": task_id})
                check(0 <= status['progress'] <= 100, f"{status}")
                if status['status'] in ['completed', 'failed', 'cancelled']:
                    break
                await asyncio.sleep(0.2)
            check(status['status'] == 'completed', f"{status}")
            result = await client.ok("cancel_training_task", {"task_id": task_id})
            check(result['success'] is False and "already finished" in result['message'], f"{result}")
            status = await client.ok("get_queue_status", {})
            check(status['total_tasks'] == 4 and status['running_tasks'] == 0, f"{status}")
            check(status['queued_tasks'] == 0 and status['status_counts']['completed'] == 3, f"{status}")
            user_tasks = await client.ok("list_training_tasks", {"user_id": "user123"})
            check(user_tasks['total_count'] == 1 and user_tasks['tasks'][0]['task_id'] == task_id, f"{user_tasks}")
            completed_tasks = await client.ok("list_training_tasks", {"status": "completed"})
            check(completed_tasks['total_count'] == 3, f"{completed_tasks}")
            print(f"  the document's flow ran as written ({task_id})", flush=True)

            # Bad inputs: each a tool error, and the server keeps serving.
            await client.error("train_svm_classifier", {"data_source": "../../etc/passwd"}, "outside the allowed directories")
            await client.error("train_svm_classifier", {"data_source": outside}, "outside the allowed directories")
            await client.error("train_svm_classifier", {"data_source": "iris.csv", "target_column": "nope"}, "nope")
            await client.error("train_svm_classifier", {"data_source": "empty.csv"}, "empty")
            await client.error("train_svm_classifier", {"data_source": "garbage.csv"}, "not a text table")
            await client.error("train_svm_classifier", {"data_source": "iris.csv", "n_trials": -5}, "n_trials must be between 1 and 1000")
            # Once stored, then panicking every reader of the queue and the worker thread.
            for hostile in (18446744073709551615, 9223372036854775807):
                await client.error("submit_training_task", {
                    "task_type": "svm_classification", "data_source": "iris.csv", "timeout_seconds": hostile,
                }, "timeout_seconds must be between 1 and 2592000")
            await client.error("get_model_info", {"model_id": UNKNOWN_ID}, "no model")
            await client.error("predict_from_values", {"model_id": "../../etc/passwd", "feature_values": [1]}, "not a model id")
            await client.error("get_task_status", {"task_id": UNKNOWN_ID}, "unknown task id")
            await client.error("train_svm_classifier", {"data_source": "iris.csv", "scaling_method": "quantile"},
                               "scaling_method: quantile scaling is not supported")

            # The tools not called above, so that the SDK checks their results against
            # their output schemas too.
            regressor = await client.ok("train_svm_regressor", {
                "data_source": "iris.csv", "target_column": "petal_width",
                "n_trials": 3, "cv_folds": 3, "use_async_queue": False,
            })
            check(regressor["status"] == "completed" and regressor["model_id"], f"{regressor}")
            exported = await client.ok("export_model", {
                "model_id": regressor["model_id"], "format": "onnx", "output_path": "regressor.onnx",
            })
            check(exported["format"] == "onnx" and exported["details"], f"{exported}")
            print(f"  regressor {regressor['model_id']} trained and exported", flush=True)

            deleted = await client.ok("delete_model", {"model_id": model_id})
            check(deleted["deleted"] is True, f"{deleted}")
            await client.error("predict_from_values", {"model_id": model_id, "feature_values": [1, 2, 3, 4]}, "no model")
    print("OK", flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
