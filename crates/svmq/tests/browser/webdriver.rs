//! A small WebDriver client for the browser tests: Debian's `chromedriver` driving
//! headless `chromium`, spoken to over plain HTTP/1.1 with JSON bodies. Just what the
//! tests need: open a page, run a script, read the console, take a screenshot.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs the browser and its driver.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The browser and driver, when both are installed; otherwise why not.
pub fn installed() -> Result<(PathBuf, PathBuf), String> {
    let find = |fixed: &str, name: &str| -> Option<PathBuf> {
        if Path::new(fixed).exists() {
            return Some(PathBuf::from(fixed));
        }
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|path| path.exists())
        })
    };
    let chromium = find(CHROMIUM, "chromium")
        .ok_or("chromium is not installed (apt-get install chromium chromium-driver)")?;
    let driver = find(CHROMEDRIVER, "chromedriver")
        .ok_or("chromedriver is not installed (apt-get install chromium-driver)")?;
    Ok((chromium, driver))
}

/// A running chromedriver with one headless browser session.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

/// One entry of the browser's console log.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub level: String,
    pub message: String,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless session.
    pub fn start(chromium: &Path, driver: &Path) -> Browser {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let mut browser = Browser {
            driver: child,
            port,
            session: String::new(),
        };
        let started = Instant::now();
        while request(port, "GET", "/status", None).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not answer"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.display().to_string(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,1000",
                         "--hide-scrollbars", "--no-first-run"],
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let answer = browser.call("POST", "/session", Some(capabilities));
        browser.session = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session in {answer}"))
            .to_string();
        browser
    }

    /// A WebDriver command; returns its `value`, panicking on a WebDriver error.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let answer = request(self.port, method, path, body.as_ref())
            .unwrap_or_else(|error| panic!("WebDriver {method} {path}: {error}"));
        let value = answer.get("value").cloned().unwrap_or(Value::Null);
        if let Some(error) = value.get("error") {
            panic!("WebDriver {method} {path}: {error}: {}", value["message"]);
        }
        value
    }

    fn session_path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    /// Opens a URL and waits for the page to load.
    pub fn open(&self, url: &str) {
        self.call(
            "POST",
            &self.session_path("/url"),
            Some(json!({ "url": url })),
        );
    }

    /// Runs a script (a function body; `return` gives the result).
    pub fn script(&self, body: &str) -> Value {
        self.call(
            "POST",
            &self.session_path("/execute/sync"),
            Some(json!({ "script": body, "args": [] })),
        )
    }

    /// The console entries since the last call.
    pub fn console(&self) -> Vec<LogEntry> {
        let value = self.call(
            "POST",
            &self.session_path("/se/log"),
            Some(json!({ "type": "browser" })),
        );
        value
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|entry| LogEntry {
                        level: entry["level"].as_str().unwrap_or_default().to_string(),
                        message: entry["message"].as_str().unwrap_or_default().to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Resizes the window (a full-page screenshot needs the page's height).
    pub fn resize(&self, width: u64, height: u64) {
        self.call(
            "POST",
            &self.session_path("/window/rect"),
            Some(json!({ "width": width, "height": height })),
        );
    }

    /// Saves a PNG screenshot of the window.
    pub fn screenshot(&self, path: &Path) {
        let encoded = self.call("GET", &self.session_path("/screenshot"), None);
        let bytes = base64_decode(encoded.as_str().expect("a base64 screenshot"));
        assert!(bytes.starts_with(b"\x89PNG"), "the screenshot is a PNG");
        std::fs::write(path, bytes).expect("write the screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = request(self.port, "DELETE", &self.session_path(""), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// One HTTP/1.1 request to the driver on 127.0.0.1 (the connection closes after it).
fn request(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .map_err(|e| e.to_string())?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|_| stream.write_all(body.as_bytes()))
        .map_err(|e| e.to_string())?;
    // The driver may keep the connection open: read the head, then exactly the body
    // its Content-Length announces.
    let mut response = Vec::new();
    let mut buffer = [0u8; 8192];
    let (head_end, length) = loop {
        let read = stream.read(&mut buffer).map_err(|e| e.to_string())?;
        if read == 0 {
            return Err("the driver closed the connection early".into());
        }
        response.extend_from_slice(&buffer[..read]);
        if let Some(end) = response.windows(4).position(|window| window == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&response[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse::<usize>().ok())
                .ok_or_else(|| format!("no Content-Length in {head}"))?;
            break (end + 4, length);
        }
    };
    while response.len() < head_end + length {
        let read = stream.read(&mut buffer).map_err(|e| e.to_string())?;
        if read == 0 {
            return Err("the driver closed the connection early".into());
        }
        response.extend_from_slice(&buffer[..read]);
    }
    serde_json::from_slice(&response[head_end..head_end + length]).map_err(|e| e.to_string())
}

/// Standard base64 (screenshots).
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let digits: Vec<u32> = text.bytes().filter_map(value).collect();
    let mut bytes = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut buffer = 0u32;
        for (index, digit) in chunk.iter().enumerate() {
            buffer |= digit << (18 - 6 * index);
        }
        let produced = chunk.len().saturating_sub(1);
        for index in 0..produced {
            bytes.push((buffer >> (16 - 8 * index)) as u8);
        }
    }
    bytes
}

#[test]
fn base64_decodes_with_and_without_padding() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGk="), b"hi");
    assert_eq!(base64_decode("YWJj"), b"abc");
}
