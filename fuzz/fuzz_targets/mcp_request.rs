//! MCP requests: any bytes, decoded as a JSON-RPC client message and, for a tool call,
//! into the tool's parameters with its range checks, end in a result or an error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = svmq_mcp::request_check::check_message(bytes);
});
