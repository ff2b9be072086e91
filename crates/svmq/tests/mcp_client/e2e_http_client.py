"""End-to-end check of `svmq serve --http` with the official Python MCP SDK.

Run by the Rust test `mcp_python_client.rs`:
    python e2e_http_client.py URL TOKEN_OF_ALICE TOKEN_OF_BOB
Checks the HTTP guards (401 without a token, 403 for a foreign Origin, 413 for an
oversized body), then trains as alice and checks bob can neither see nor cancel
alice's task nor use her model, and cannot act as her through user_id.
"""

import asyncio
import json
import sys

import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

INITIALIZE = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "probe", "version": "1"}},
}
HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def guards(url, token):
    with httpx2.Client(timeout=10) as http:
        status = http.post(url, json=INITIALIZE, headers=HEADERS).status_code
        check(status == 401, f"no token: {status}")
        status = http.post(url, json=INITIALIZE, headers={**HEADERS, "Authorization": "Bearer wrong-token-0123456789"}).status_code
        check(status == 401, f"wrong token: {status}")
        status = http.post(url, json=INITIALIZE, headers={
            **HEADERS, "Authorization": f"Bearer {token}", "Origin": "http://evil.example"}).status_code
        check(status == 403, f"foreign origin: {status}")
        big = {"jsonrpc": "2.0", "id": 2, "method": "ping", "params": {"pad": "x" * (5 * 1024 * 1024)}}
        status = http.post(url, content=json.dumps(big), headers={**HEADERS, "Authorization": f"Bearer {token}"}).status_code
        check(status == 413, f"oversized body: {status}")
    print("  401 / 403 / 413 as expected", flush=True)


async def session_as(url, token, work):
    async with create_mcp_http_client(headers={"Authorization": f"Bearer {token}"}) as http:
        async with streamable_http_client(url, http_client=http) as (read, write, *_):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await work(session)


async def call(session, name, arguments):
    result = (await session.call_tool(name, arguments)).model_dump(by_alias=True, mode="json")
    return result


async def ok(session, name, arguments):
    result = await call(session, name, arguments)
    check(not result.get("isError"), f"{name} failed: {result.get('content')}")
    return result["structuredContent"]


async def refused(session, name, arguments, expected):
    result = await call(session, name, arguments)
    check(result.get("isError") is True, f"{name} {arguments} should fail: {result}")
    message = result["content"][0]["text"]
    check(expected in message, f"{name}: {message!r} lacks {expected!r}")


async def main(url, alice_token, bob_token):
    guards(url, alice_token)

    async def as_alice(session):
        tools = (await session.list_tools()).tools
        check(len(tools) == 15, f"{len(tools)} tools")
        submitted = await ok(session, "train_svm_classifier", {
            "data_source": "iris.csv", "target_column": "species", "n_trials": 5, "cv_folds": 3,
        })
        task = submitted["task"]
        check(task["user_id"] == "alice", f"{task}")
        for _ in range(600):
            task = await ok(session, "get_task_status", {"task_id": task["task_id"]})
            if task["status"] in ("completed", "failed", "cancelled"):
                break
            await asyncio.sleep(0.05)
        check(task["status"] == "completed", f"{task}")
        predictions = await ok(session, "predict_from_values", {
            "model_id": task["model_id"], "feature_values": [5.1, 3.5, 1.4, 0.2]})
        check(predictions["predictions"][0]["label"] == "setosa", f"{predictions}")
        queued = await ok(session, "submit_training_task", {
            "task_type": "svm_classification", "data_source": "iris.csv",
            "n_trials": 1000, "cv_folds": 10, "kernel": "auto",
        })
        return task, queued["task"]["task_id"]

    task, open_task = await session_as(url, alice_token, as_alice)
    print(f"  alice trained {task['model_id']}", flush=True)

    async def as_bob(session):
        await refused(session, "get_task_status", {"task_id": task["task_id"]}, "unknown task id")
        await refused(session, "cancel_training_task", {"task_id": open_task}, "unknown task id")
        await refused(session, "get_task_logs", {"task_id": task["task_id"]}, "unknown task id")
        await refused(session, "get_model_info", {"model_id": task["model_id"]}, "no model")
        await refused(session, "predict_from_values", {"model_id": task["model_id"], "feature_values": [1, 2, 3, 4]}, "no model")
        await refused(session, "delete_model", {"model_id": task["model_id"]}, "no model")
        listed = await ok(session, "list_training_tasks", {"user_id": "alice"})
        check(listed["tasks"] == [], f"bob listed {listed}")
        models = await ok(session, "list_models", {"user_id": "alice"})
        check(models["models"] == [], f"bob listed models {models}")
        await refused(session, "submit_training_task", {
            "task_type": "svm_classification", "data_source": "iris.csv",
            "timeout_seconds": 18446744073709551615}, "timeout_seconds must be between 1 and 2592000")
        impostor = await ok(session, "submit_training_task", {
            "task_type": "svm_classification", "data_source": "iris.csv", "user_id": "alice", "n_trials": 2, "cv_folds": 2})
        check(impostor["task"]["user_id"] == "bob", f"user_id impersonated: {impostor}")

    await session_as(url, bob_token, as_bob)
    print("  bob cannot see, cancel or use alice's tasks and models", flush=True)

    async def as_alice_again(session):
        cancelled = await ok(session, "cancel_training_task", {"task_id": open_task})
        check(cancelled["outcome"] in ("cancelled", "stop_requested"), f"{cancelled}")
        mine = await ok(session, "list_training_tasks", {})
        check(all(t["user_id"] == "alice" for t in mine["tasks"]) and len(mine["tasks"]) == 2, f"{mine}")

    await session_as(url, alice_token, as_alice_again)
    print("OK", flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
