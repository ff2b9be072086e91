//! The report and the dashboard in a real headless Chromium (Debian's `chromium` and
//! `chromedriver`): pages render without console errors, the dashboard's progress
//! changes while a task runs without the page reloading, cancel works from the page,
//! and with a token the page asks for it. Screenshots are kept under the target's
//! temporary directory (`browser-screenshots/`) for people to look at.
//!
//! Without the browser the test prints why and passes; with `SVMQ_REQUIRE_ORACLES=1`
//! (CI) it fails instead.

mod webdriver;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use webdriver::Browser;

/// Long enough for a slow shared machine; a healthy run takes a fraction of it.
const TIMEOUT: Duration = Duration::from_secs(120);

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn artifacts() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    std::fs::create_dir_all(&path).expect("create the screenshot directory");
    path
}

/// A fresh home directory for this test.
struct Home {
    path: PathBuf,
}

impl Home {
    fn new(name: &str) -> Home {
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("browser-{name}"));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create the home");
        Home { path }
    }

    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_svmq"));
        command.arg("--home").arg(&self.path);
        command
    }

    fn run(&self, arguments: &[&str]) -> Output {
        self.command().args(arguments).output().expect("svmq runs")
    }

    /// Runs with `--json` and expects success.
    fn json(&self, arguments: &[&str]) -> Value {
        let output = self
            .command()
            .arg("--json")
            .args(arguments)
            .output()
            .expect("svmq runs");
        assert!(
            output.status.success(),
            "svmq {arguments:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("JSON output")
    }
}

/// `svmq serve --http` on a free port; stopped with SIGINT when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(home: &Home, extra: &[&str]) -> Server {
        let mut child = home
            .command()
            .args(["serve", "--http", "127.0.0.1:0", "--data-root"])
            .arg(examples())
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("svmq serve starts");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut line = String::new();
        stderr.read_line(&mut line).expect("the listening line");
        let url = line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim_end_matches(';');
        let base = url
            .trim_end_matches("/mcp")
            .trim_end_matches('/')
            .to_string();
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in stderr.lines() {});
        Server { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(started.elapsed() < TIMEOUT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Asserts that the console holds no error (level SEVERE) since the last look.
fn assert_clean_console(browser: &Browser, page: &str) {
    let entries = browser.console();
    let errors: Vec<String> = entries
        .iter()
        .filter(|entry| entry.level == "SEVERE")
        .map(|entry| entry.message.clone())
        .collect();
    assert!(errors.is_empty(), "console errors on {page}: {errors:#?}");
}

/// Resizes the window to the page's full height, then saves a screenshot.
fn full_page_screenshot(browser: &Browser, name: &str) -> PathBuf {
    let height = browser
        .script("return Math.ceil(document.documentElement.scrollHeight);")
        .as_u64()
        .unwrap_or(1000)
        .clamp(600, 12_000);
    browser.resize(1280, height + 120);
    let path = artifacts().join(name);
    browser.screenshot(&path);
    browser.resize(1280, 1000);
    eprintln!("screenshot: {}", path.display());
    path
}

fn browser_or_skip() -> Option<Browser> {
    match webdriver::installed() {
        Ok((chromium, driver)) => Some(Browser::start(&chromium, &driver)),
        Err(reason) => {
            if std::env::var("SVMQ_REQUIRE_ORACLES").as_deref() == Ok("1") {
                panic!("the browser tests need Chromium: {reason}");
            }
            eprintln!("skipping: {reason}");
            None
        }
    }
}

fn example(name: &str) -> String {
    examples().join(name).display().to_string()
}

#[test]
fn reports_and_the_dashboard_render_in_chromium_and_show_live_progress() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let home = Home::new("dashboard");
    let trained = home.json(&[
        "train",
        &example("iris.csv"),
        "--target",
        "species",
        "--trials",
        "12",
    ]);
    let classifier = trained["model_id"]
        .as_str()
        .expect("a model id")
        .to_string();
    let trained = home.json(&[
        "train",
        &example("diabetes.csv"),
        "--target",
        "progression",
        "--task",
        "regression",
        "--trials",
        "8",
    ]);
    let regressor = trained["model_id"]
        .as_str()
        .expect("a model id")
        .to_string();

    // The report files, opened from disk.
    for (model, name) in [(&classifier, "classification"), (&regressor, "regression")] {
        let written = home.json(&["report", model]);
        let path = written["path"].as_str().expect("the report's path");
        assert!(path.ends_with("report.html"), "{path}");
        browser.open(&format!("file://{path}"));
        let sections = browser.script("return document.querySelectorAll('section').length;");
        let charts = browser.script("return document.querySelectorAll('section svg').length;");
        assert!(
            sections.as_u64().unwrap_or(0) >= 9,
            "{name}: {sections} sections"
        );
        assert!(charts.as_u64().unwrap_or(0) >= 6, "{name}: {charts} charts");
        assert_clean_console(&browser, &format!("the {name} report"));
        full_page_screenshot(&browser, &format!("report-{name}.png"));
    }

    // A task slow enough to watch: a thousand trials on the digits.
    let server = Server::start(&home, &["--workers", "1"]);
    let submitted = home.json(&[
        "submit",
        &example("digits.csv"),
        "--target",
        "digit",
        "--trials",
        "1000",
    ]);
    let task = submitted["task_id"]
        .as_str()
        .expect("a task id")
        .to_string();
    wait_for("the task to run", || {
        let status = home.json(&["status", &task]);
        (status["status"] == "running" && status["progress"].as_f64() > Some(2.0)).then_some(())
    });

    browser.open(&format!("{}/", server.base));
    let row = format!("document.querySelector('tr[data-task=\"{task}\"]')");
    let shown = |browser: &Browser| -> Option<(f64, String, String)> {
        let value = browser.script(&format!(
            "const row = {row}; if (!row) return null; \
             return [Number(row.dataset.progress), row.dataset.status, \
                     row.querySelector('.percent').textContent + ' ' + row.querySelector('.message').textContent];"
        ));
        let values = value.as_array()?;
        Some((
            values[0].as_f64()?,
            values[1].as_str()?.to_string(),
            values[2].as_str()?.to_string(),
        ))
    };
    let (first_progress, status, first_text) =
        wait_for("the task on the dashboard", || shown(&browser));
    assert_eq!(status, "running");
    // A mark on this page: it must survive, proving the page refreshes in place.
    browser.script("window.svmqSamePage = true; return null;");
    let (later_progress, _, later_text) = wait_for("the shown progress to change", || {
        shown(&browser)
            .filter(|(progress, _, text)| *progress > first_progress && *text != first_text)
    });
    assert!(
        browser.script("return window.svmqSamePage === true;") == Value::Bool(true),
        "the page reloaded instead of refreshing in place"
    );
    eprintln!(
        "dashboard progress: {first_text:?} → {later_text:?} ({first_progress} → {later_progress})"
    );
    let counts = browser
        .script("return document.querySelector('[data-count=\"running\"] strong').textContent;");
    assert_eq!(counts, Value::String("1".into()), "one task running");
    let models = browser.script("return document.querySelectorAll('tr[data-model]').length;");
    assert_eq!(models.as_u64(), Some(2), "both models listed");
    assert_clean_console(&browser, "the dashboard");
    full_page_screenshot(&browser, "dashboard-running.png");

    // The report as the server serves it, from the models table's link.
    let link = browser.script(&format!(
        "return document.querySelector('tr[data-model=\"{classifier}\"] a').href;"
    ));
    let link = link.as_str().expect("a report link").to_string();
    assert!(
        link.ends_with(&format!("/models/{classifier}/report")),
        "{link}"
    );
    browser.open(&link);
    let sections = browser.script("return document.querySelectorAll('section').length;");
    assert!(sections.as_u64().unwrap_or(0) >= 9, "{sections} sections");
    assert_clean_console(&browser, "the served report");

    // Cancel from the page: the owner's button stops the running task.
    browser.open(&format!("{}/", server.base));
    wait_for("the cancel button", || {
        (browser.script(&format!(
            "return document.querySelector('button[data-cancel=\"{task}\"]') !== null;"
        )) == Value::Bool(true))
        .then_some(())
    });
    browser.script(&format!(
        "document.querySelector('button[data-cancel=\"{task}\"]').click(); return null;"
    ));
    wait_for("the task to show as cancelled", || {
        shown(&browser).filter(|(_, status, _)| status == "cancelled")
    });
    assert_clean_console(&browser, "the dashboard after cancelling");
    full_page_screenshot(&browser, "dashboard-cancelled.png");
    drop(server);

    // With a token, the page asks for it, and the data follows the token's user.
    let token = "browser-test-token-0123456789";
    let server = Server::start(
        &home,
        &[
            "--workers",
            "0",
            "--auth-token",
            token,
            "--user",
            "someone-else",
        ],
    );
    browser.open(&format!("{}/", server.base));
    wait_for("the sign-in form", || {
        (browser.script("return !document.getElementById('login').hidden;") == Value::Bool(true))
            .then_some(())
    });
    browser.script(&format!(
        "document.getElementById('token').value = '{token}'; \
         document.getElementById('login').requestSubmit(); return null;"
    ));
    let who = wait_for("signing in", || {
        let who = browser.script("return document.getElementById('who').textContent;");
        who.as_str()
            .filter(|text| text.starts_with("signed in"))
            .map(str::to_string)
    });
    assert!(who.contains("someone-else"), "{who}");
    let rows = browser.script("return document.querySelectorAll('tr[data-task]').length;");
    assert_eq!(rows.as_u64(), Some(0), "another user's tasks are not shown");
    // A few polls after signing in; the page never provoked a 401 to learn that it
    // needs a token (it asks /api/session), so the whole flow counts.
    std::thread::sleep(Duration::from_millis(1500));
    assert_clean_console(&browser, "the signed-in dashboard");
    full_page_screenshot(&browser, "dashboard-signed-in.png");
}

#[test]
fn an_unknown_model_gets_a_clear_error_and_exit_code_1() {
    let home = Home::new("unknown-model");
    let output = home.run(&["report", "0123456789abcdef0123456789abcdef"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no model"), "{stderr}");
    let output = home.run(&["report", "../../etc/passwd"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a model id"), "{stderr}");
}
