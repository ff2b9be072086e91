//! The HTTP layer's guards, checked with raw HTTP/1.1 requests: a request without a
//! valid bearer token gets 401, a foreign Origin 403, a known token with no Origin
//! reaches the MCP server. (Per-user isolation over HTTP is driven by the Python SDK
//! in the binary's end-to-end tests.)

use crate::support::Scratch;
use std::collections::HashMap;
use std::sync::Arc;
use svmq_mcp::{HttpSettings, Settings, SvmqServer};
use svmq_queue::{SqliteOptions, SqliteStore, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "alice-token-0123456789";

async fn status_of(address: std::net::SocketAddr, headers: &str) -> u16 {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"probe","version":"1"}}}"#;
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: {}\r\n{headers}Connection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = vec![0u8; 12];
    stream.read_exact(&mut response).await.unwrap();
    let status_line = String::from_utf8_lossy(&response).to_string();
    status_line[9..12].parse().unwrap()
}

#[tokio::test]
async fn tokens_and_origins_are_enforced() {
    let scratch = Scratch::new("http");
    let home = scratch.0.join("home");
    let settings = Settings::new(home.clone(), scratch.0.clone());
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open_home(&home, SqliteOptions::default()).unwrap());
    let server = SvmqServer::new(store, &settings).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let mut http = HttpSettings::new(address);
    http.tokens = HashMap::from([(TOKEN.to_string(), "alice".to_string())]);
    let shutdown = tokio_util::sync::CancellationToken::new();
    let serving = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { svmq_mcp::http::serve_http(listener, server, &http, shutdown).await }
    });
    assert_eq!(status_of(address, "").await, 401);
    assert_eq!(
        status_of(address, "Authorization: Bearer not-the-token-at-all\r\n").await,
        401
    );
    let authorized = format!("Authorization: Bearer {TOKEN}\r\n");
    assert_eq!(
        status_of(
            address,
            &format!("{authorized}Origin: http://evil.example\r\n")
        )
        .await,
        403
    );
    assert_eq!(status_of(address, &authorized).await, 200);
    shutdown.cancel();
    serving.await.unwrap().unwrap();
}

#[test]
fn unauthenticated_listeners_beyond_loopback_are_refused() {
    let open = HttpSettings::new("0.0.0.0:8765".parse().unwrap());
    assert!(open
        .check()
        .unwrap_err()
        .to_string()
        .contains("without authentication"));
    let mut with_token = open.clone();
    with_token
        .tokens
        .insert(TOKEN.to_string(), "alice".to_string());
    assert!(with_token.check().is_ok());
    assert!(HttpSettings::new("127.0.0.1:8765".parse().unwrap())
        .check()
        .is_ok());
}
