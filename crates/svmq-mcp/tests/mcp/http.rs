//! The HTTP layer's guards, checked with raw HTTP/1.1 requests: a request without a
//! valid bearer token gets 401, a foreign Origin 403, a known token with no Origin
//! (or the server's own) reaches the MCP server; a malformed body gets 400 with a
//! JSON-RPC error; sessions are capped in all and per user and expire when idle. (Per-user isolation over HTTP is driven by the Python SDK
//! in the binary's end-to-end tests.)

use crate::support::Scratch;
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
    let (address, shutdown, serving) = serve(
        &scratch,
        &[(TOKEN, "alice")],
        svmq_mcp::sessions::SessionLimits::default(),
    )
    .await;
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

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"probe","version":"1"}}}"#;

/// One raw request; the status, the headers (lowercased) and the body.
async fn exchange(
    address: std::net::SocketAddr,
    method: &str,
    headers: &str,
    body: &str,
) -> (u16, String, String) {
    let request = format!(
        "{method} /mcp HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: {}\r\n{headers}Connection: close\r\n\r\n{body}",
        address.port(),
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(20),
        stream.read_to_end(&mut response),
    )
    .await
    .expect("the server answers and closes")
    .unwrap();
    let text = String::from_utf8_lossy(&response).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (
        head[9..12].parse().unwrap(),
        head.to_ascii_lowercase(),
        body.to_string(),
    )
}

fn session_id(headers: &str) -> String {
    headers
        .lines()
        .find_map(|line| line.strip_prefix("mcp-session-id: "))
        .expect("a session id")
        .trim()
        .to_string()
}

/// Serves `/mcp` with these tokens and session limits; the address and a stop.
async fn serve(
    scratch: &Scratch,
    tokens: &[(&str, &str)],
    sessions: svmq_mcp::sessions::SessionLimits,
) -> (
    std::net::SocketAddr,
    tokio_util::sync::CancellationToken,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let home = scratch.0.join("home");
    let settings = Settings::new(home.clone(), scratch.0.clone());
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open_home(&home, SqliteOptions::default()).unwrap());
    let server = SvmqServer::new(store, &settings).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let mut http = HttpSettings::new(address);
    http.tokens = tokens
        .iter()
        .map(|(token, user)| (token.to_string(), user.to_string()))
        .collect();
    http.sessions = sessions;
    let shutdown = tokio_util::sync::CancellationToken::new();
    let serving = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { svmq_mcp::http::serve_http(listener, server, &http, shutdown).await }
    });
    (address, shutdown, serving)
}

#[tokio::test]
async fn malformed_body_is_a_400_with_a_json_rpc_parse_error_and_own_origin_passes() {
    let scratch = Scratch::new("http-parse");
    let (address, shutdown, serving) =
        serve(&scratch, &[], svmq_mcp::sessions::SessionLimits::default()).await;
    for (body, code) in [
        ("{not json", -32700),
        ("", -32700),
        (&"[".repeat(100_000), -32700),
        (r#"{"hello":"world"}"#, -32600),
        (r#"{"jsonrpc":"2.0","id":5,"method":42}"#, -32600),
    ] {
        let (status, headers, text) = exchange(address, "POST", "", body).await;
        assert_eq!(status, 400, "{body:.40}: {text}");
        assert!(
            headers.contains("content-type: application/json"),
            "{headers}"
        );
        let error: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(error["error"]["code"], code, "{body:.40}: {text}");
        assert_eq!(error["jsonrpc"], "2.0");
    }
    // A body over the cap is refused before parsing; the next request is served.
    let (status, _, _) = exchange(address, "POST", "", &"x".repeat(5 << 20)).await;
    assert_eq!(status, 413);
    // The server's own address as Origin is its own page; another still gets 403.
    let own = format!("Origin: http://127.0.0.1:{}\r\n", address.port());
    let (status, _, text) = exchange(address, "POST", &own, INITIALIZE).await;
    assert_eq!(status, 200, "{text}");
    let (status, _, _) = exchange(
        address,
        "POST",
        "Origin: http://evil.example\r\n",
        INITIALIZE,
    )
    .await;
    assert_eq!(status, 403);
    let port_only = format!("Origin: http://evil.example:{}\r\n", address.port());
    assert_eq!(
        exchange(address, "POST", &port_only, INITIALIZE).await.0,
        403
    );
    for origin in [
        "null".to_string(),
        format!("https://127.0.0.1:{}", address.port()),
        format!("http://127.0.0.1:{}.evil.example", address.port()),
    ] {
        let header = format!("Origin: {origin}\r\n");
        assert_eq!(
            exchange(address, "POST", &header, INITIALIZE).await.0,
            403,
            "{origin}"
        );
    }
    shutdown.cancel();
    serving.await.unwrap().unwrap();
}

#[tokio::test]
async fn sessions_are_capped_per_user_and_in_all_and_expire_when_idle() {
    let scratch = Scratch::new("http-sessions");
    let limits = svmq_mcp::sessions::SessionLimits {
        max_sessions: 3,
        max_sessions_per_user: 2,
        idle_timeout: std::time::Duration::from_secs(2),
    };
    let alice = "alice-token-0123456789";
    let bob = "bob-token-0123456789ab";
    let (address, shutdown, serving) =
        serve(&scratch, &[(alice, "alice"), (bob, "bob")], limits).await;
    let as_alice = format!("Authorization: Bearer {alice}\r\n");
    let as_bob = format!("Authorization: Bearer {bob}\r\n");
    let (status, headers, _) = exchange(address, "POST", &as_alice, INITIALIZE).await;
    assert_eq!(status, 200);
    let first = session_id(&headers);
    assert_eq!(
        exchange(address, "POST", &as_alice, INITIALIZE).await.0,
        200
    );
    let (status, headers, text) = exchange(address, "POST", &as_alice, INITIALIZE).await;
    assert_eq!(status, 429, "{text}");
    assert!(headers.contains("content-type: application/json"));
    let error: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(error["id"], 1);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("limit of 2 open MCP sessions per user"),
        "{text}"
    );
    assert_eq!(exchange(address, "POST", &as_bob, INITIALIZE).await.0, 200);
    let (status, _, text) = exchange(address, "POST", &as_bob, INITIALIZE).await;
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("limit of 3 open MCP sessions"), "{text}");
    // Closing a session frees its place.
    let close = format!("{as_alice}Mcp-Session-Id: {first}\r\n");
    let (status, _, _) = exchange(address, "DELETE", &close, "").await;
    assert!((200..300).contains(&status), "{status}");
    assert_eq!(exchange(address, "POST", &as_bob, INITIALIZE).await.0, 200);
    // Idle sessions expire and free theirs.
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    assert_eq!(
        exchange(address, "POST", &as_alice, INITIALIZE).await.0,
        200
    );
    assert_eq!(
        exchange(address, "POST", &as_alice, INITIALIZE).await.0,
        200
    );
    assert_eq!(exchange(address, "POST", &as_bob, INITIALIZE).await.0, 200);
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
