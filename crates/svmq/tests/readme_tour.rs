//! Follows README.md's quick tour as a newcomer would: every `svmq` line of the tour's
//! `sh` blocks runs in order, in a fresh home and a fresh working directory, with
//! MODEL_ID and TASK_ID replaced by the ids the lines before printed; each step's
//! output is checked. `svmq` is found on PATH, installed there as `cargo install`
//! does (the binary copied into a bin directory), as the README's Install section
//! says to before the tour. A line this test does not know fails it, so the README and the
//! test cannot drift apart. The "Many machines" part needs a PostgreSQL database and is
//! covered by the PostgreSQL end-to-end test instead.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::Workspace;

/// The sections of the tour this test skips, with the reason it prints.
const SKIPPED_SECTIONS: [(&str, &str); 1] = [(
    "### Many machines",
    "needs a PostgreSQL database; see the PostgreSQL end-to-end test",
)];

/// The `sh` lines of the quick tour, each with the heading it is under.
fn tour_lines(readme: &str) -> Vec<(String, String)> {
    let start = readme
        .find("## A quick tour")
        .expect("README has a quick tour");
    let rest = &readme[start + 3..];
    let end = rest.find("\n## ").map_or(rest.len(), |end| end + 1);
    let mut lines = Vec::new();
    let mut heading = String::from("## A quick tour");
    let mut in_shell_block = false;
    for line in rest[..end].lines() {
        if line.starts_with("```") {
            in_shell_block = !in_shell_block && line.trim() == "```sh";
            continue;
        }
        if !in_shell_block && line.starts_with('#') {
            heading = line.trim().to_string();
        }
        let command = strip_comment(line);
        if in_shell_block && !command.is_empty() && !command.starts_with('#') {
            lines.push((heading.clone(), command));
        }
    }
    lines
}

/// The line without its trailing `# comment` (a `#` after blanks, outside quotes).
fn strip_comment(line: &str) -> String {
    let mut quote = None;
    let mut previous_blank = true;
    for (index, character) in line.char_indices() {
        match (quote, character) {
            (None, '\'' | '"') => quote = Some(character),
            (Some(open), c) if c == open => quote = None,
            (None, '#') if previous_blank => return line[..index].trim().to_string(),
            _ => {}
        }
        previous_blank = character.is_whitespace();
    }
    line.trim().to_string()
}

/// Splits a shell line into words, honouring single and double quotes.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote = None;
    let mut in_word = false;
    for character in line.chars() {
        match (quote, character) {
            (None, '\'' | '"') => {
                quote = Some(character);
                in_word = true;
            }
            (Some(open), c) if c == open => quote = None,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (_, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

struct Tour {
    /// The PATH the commands run with: the installed binary's directory first.
    path: std::ffi::OsString,
    directory: PathBuf,
    home: PathBuf,
    model_id: Option<String>,
    task_id: Option<String>,
    background: Vec<Child>,
}

/// What a finished command printed.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Tour {
    fn command(&self, arguments: &[String]) -> Command {
        // With PATH set on the command, the program is looked up in that PATH.
        let mut command = Command::new("svmq");
        command
            .env("PATH", &self.path)
            .args(arguments)
            .current_dir(&self.directory)
            .env("SVMQ_HOME", &self.home)
            .env_remove("SVMQ_DATABASE_URL");
        command
    }

    fn run(&self, line: &str, arguments: &[String]) -> Outcome {
        let mut child = self
            .command(arguments)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("svmq starts");
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            if child.try_wait().expect("wait").is_some() {
                break;
            }
            assert!(Instant::now() < deadline, "`{line}` did not finish");
            std::thread::sleep(Duration::from_millis(50));
        }
        let output = child.wait_with_output().expect("output");
        let outcome = Outcome {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert!(
            !outcome.stderr.contains("panicked"),
            "`{line}`: {}",
            outcome.stderr
        );
        outcome
    }

    /// Runs a line that must succeed.
    fn succeed(&self, line: &str, arguments: &[String]) -> Outcome {
        let outcome = self.run(line, arguments);
        assert_eq!(
            outcome.code,
            Some(0),
            "`{line}` failed:\n{}\n{}",
            outcome.stdout,
            outcome.stderr
        );
        outcome
    }

    fn substitute(&self, word: &str) -> String {
        let mut word = word.to_string();
        if word.contains("MODEL_ID") {
            let id = self
                .model_id
                .as_deref()
                .expect("a model was trained before");
            word = word.replace("MODEL_ID", id);
        }
        if word.contains("TASK_ID") {
            let id = self
                .task_id
                .as_deref()
                .expect("a task was submitted before");
            word = word.replace("TASK_ID", id);
        }
        word
    }

    fn step(&mut self, line: &str) {
        let mut arguments: Vec<String> = words(line).iter().map(|w| self.substitute(w)).collect();
        let background = arguments.last().is_some_and(|word| word == "&");
        if background {
            arguments.pop();
        }
        assert_eq!(arguments[0], "svmq", "the tour runs svmq only: `{line}`");
        let arguments = arguments[1..].to_vec();
        let subcommand = arguments.first().map(String::as_str).unwrap_or("");
        let option = |name: &str| {
            arguments
                .iter()
                .position(|word| word == name)
                .map(|at| arguments[at + 1].clone())
        };
        eprintln!("tour: {line}");
        match (subcommand, background) {
            ("worker", true) => {
                let child = self
                    .command(&arguments)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("worker starts");
                self.background.push(child);
            }
            ("train", false) => {
                let outcome = self.succeed(line, &arguments);
                let id = outcome
                    .stdout
                    .split_whitespace()
                    .skip_while(|word| *word != "model")
                    .nth(1)
                    .unwrap_or_else(|| panic!("`{line}` names its model: {}", outcome.stdout));
                assert!(
                    outcome.stdout.contains("cross-validation"),
                    "{}",
                    outcome.stdout
                );
                assert!(outcome.stdout.contains("test:"), "{}", outcome.stdout);
                self.model_id = Some(id.to_string());
            }
            ("validate", false) => {
                let outcome = self.succeed(line, &arguments);
                let trainable = if arguments.iter().any(|word| word == "--json") {
                    let value: serde_json::Value = serde_json::from_str(&outcome.stdout)
                        .unwrap_or_else(|_| panic!("`{line}` prints JSON: {}", outcome.stdout));
                    value["trainable"] == true
                } else {
                    outcome.stdout.lines().last() == Some("trainable: yes")
                };
                assert!(trainable, "`{line}`: {}", outcome.stdout);
                if let Some(target) = option("--target") {
                    assert!(
                        outcome.stdout.contains(&target),
                        "`{line}` names its target: {}",
                        outcome.stdout
                    );
                }
            }
            ("models", false) => {
                let outcome = self.succeed(line, &arguments);
                let model = self.model_id.clone().unwrap_or_default();
                assert!(
                    outcome.stdout.contains(&model),
                    "`{line}`: {}",
                    outcome.stdout
                );
            }
            ("predict", false) => {
                let outcome = self.succeed(line, &arguments);
                match option("-o") {
                    Some(file) => {
                        let text = std::fs::read_to_string(self.directory.join(&file))
                            .unwrap_or_else(|_| panic!("`{line}` wrote {file}"));
                        assert!(text.lines().count() > 1, "{file}: {text}");
                    }
                    None => assert!(!outcome.stdout.trim().is_empty(), "`{line}` printed"),
                }
            }
            ("report", false) => {
                let outcome = self.succeed(line, &arguments);
                let path = match option("-o") {
                    Some(file) => self.directory.join(file),
                    None => PathBuf::from(
                        outcome
                            .stdout
                            .lines()
                            .find(|line| line.trim().ends_with(".html"))
                            .unwrap_or("")
                            .trim(),
                    ),
                };
                let html = std::fs::read_to_string(&path)
                    .unwrap_or_else(|_| panic!("`{line}` wrote its report: {}", outcome.stdout));
                assert!(html.contains("<svg"), "the report has charts");
            }
            ("export", false) => {
                self.succeed(line, &arguments);
                for flag in ["-o", "--data-output"] {
                    if let Some(file) = option(flag) {
                        let size = std::fs::metadata(self.directory.join(&file))
                            .map(|m| m.len())
                            .unwrap_or(0);
                        assert!(size > 0, "`{line}` wrote {file}");
                    }
                }
            }
            ("submit", false) => {
                let outcome = self.succeed(line, &arguments);
                let id = outcome.stdout.trim().to_string();
                assert!(
                    id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
                    "`{line}` prints a task id: {id}"
                );
                self.task_id = Some(id);
            }
            ("status", false) => {
                let outcome = self.succeed(line, &arguments);
                let task = self.task_id.clone().unwrap_or_default();
                assert!(outcome.stdout.contains(&task), "{}", outcome.stdout);
                if arguments.iter().any(|word| word == "--watch") {
                    assert!(outcome.stdout.contains("completed"), "{}", outcome.stdout);
                    assert!(outcome.stdout.contains("model"), "{}", outcome.stdout);
                }
            }
            ("tasks", false) => {
                let outcome = self.succeed(line, &arguments);
                let task = self.task_id.clone().unwrap_or_default();
                assert!(
                    outcome.stdout.contains(&task),
                    "`{line}`: {}",
                    outcome.stdout
                );
            }
            ("logs", false) => {
                let outcome = self.succeed(line, &arguments);
                assert!(
                    outcome.stdout.contains("trial"),
                    "`{line}`: {}",
                    outcome.stdout
                );
            }
            ("cancel", false) => {
                // A task still queued is cancelled at once; one a worker has already
                // claimed gets a stop request.
                let outcome = self.succeed(line, &arguments);
                assert!(
                    outcome.stdout.contains("cancel") || outcome.stdout.contains("stop requested"),
                    "`{line}`: {}",
                    outcome.stdout
                );
            }
            ("queue", false) => {
                let outcome = self.succeed(line, &arguments);
                assert!(
                    outcome.stdout.contains("1 worker(s) alive"),
                    "{}",
                    outcome.stdout
                );
            }
            ("serve", false) if option("--http").is_some() => self.serve_http(line, arguments),
            ("serve", false) => self.serve_stdio(line, &arguments),
            ("svm-train", false) => {
                let outcome = self.succeed(line, &arguments);
                if arguments.iter().any(|word| word == "-v") {
                    assert!(
                        outcome.stdout.contains("Cross Validation"),
                        "{}",
                        outcome.stdout
                    );
                } else {
                    let model = arguments.last().expect("a model file");
                    assert!(
                        self.directory.join(model).exists(),
                        "`{line}` wrote {model}"
                    );
                }
            }
            ("svm-predict", false) => {
                let outcome = self.succeed(line, &arguments);
                assert!(
                    outcome.stdout.contains("Accuracy =")
                        || outcome.stdout.contains("Mean squared error ="),
                    "{}",
                    outcome.stdout
                );
            }
            _ => panic!("the tour has a line this test does not know: `{line}`"),
        }
    }

    /// Starts the HTTP server on a free port (the README's port may be taken), with
    /// the token file it names, and checks the dashboard and the MCP endpoint answer.
    fn serve_http(&mut self, line: &str, mut arguments: Vec<String>) {
        let at = arguments.iter().position(|word| word == "--http").unwrap() + 1;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        arguments[at] = format!("127.0.0.1:{port}");
        let token = "tour-token-0123456789abcdef";
        if let Some(at) = arguments.iter().position(|w| w == "--auth-token-file") {
            let file = self.directory.join(&arguments[at + 1]);
            std::fs::write(file, format!("{token} tourist\n")).unwrap();
        }
        let mut child = self
            .command(&arguments)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        stderr.read_line(&mut first).unwrap();
        assert!(first.contains("listening"), "`{line}`: {first}");
        let dashboard = http_get(port, "/", None);
        assert!(
            dashboard.starts_with("HTTP/1.1 200"),
            "dashboard: {dashboard}"
        );
        assert!(dashboard.contains("<html"), "dashboard: {dashboard}");
        let anonymous = http_post_mcp(port, None);
        assert!(
            anonymous.starts_with("HTTP/1.1 401"),
            "no token: {anonymous}"
        );
        let authenticated = http_post_mcp(port, Some(token));
        assert!(authenticated.starts_with("HTTP/1.1 200"), "{authenticated}");
        assert!(authenticated.contains("svmq"), "{authenticated}");
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Starts the stdio server and lists its tools as an MCP client would.
    fn serve_stdio(&mut self, line: &str, arguments: &[String]) {
        let mut child = self
            .command(arguments)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let mut stdin = child.stdin.take().unwrap();
        let messages = [
            initialize_request(),
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_string(),
            r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#.to_string(),
        ];
        for message in messages {
            writeln!(stdin, "{message}").unwrap();
        }
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut tools = String::new();
        for _ in 0..10 {
            let mut reply = String::new();
            if stdout.read_line(&mut reply).unwrap_or(0) == 0 {
                break;
            }
            if reply.contains("\"id\":2") {
                tools = reply;
                break;
            }
        }
        for tool in [
            "train_svm_classifier",
            "submit_training_task",
            "get_task_status",
        ] {
            assert!(tools.contains(tool), "`{line}` lists {tool}: {tools}");
        }
        drop(stdin);
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Tour {
    fn drop(&mut self) {
        for child in &mut self.background {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn initialize_request() -> String {
    r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"readme-tour","version":"1"}}}"#.to_string()
}

fn http_request(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response).into_owned()
}

fn http_get(port: u16, path: &str, token: Option<&str>) -> String {
    let authorization = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    http_request(
        port,
        &format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{authorization}Connection: close\r\n\r\n"
        ),
    )
}

fn http_post_mcp(port: u16, token: Option<&str>) -> String {
    let body = initialize_request();
    let authorization = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    http_request(
        port,
        &format!(
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{authorization}\
             Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

#[test]
fn the_quick_tour_works_in_a_fresh_home() {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(repository.join("README.md")).expect("README.md");
    let workspace = Workspace::new("readme-tour");
    let directory = workspace.path("work");
    std::fs::create_dir_all(&directory).unwrap();
    // The tour's paths start in a checkout: give the fresh directory its examples.
    std::os::unix::fs::symlink(
        repository.join("examples").canonicalize().unwrap(),
        directory.join("examples"),
    )
    .unwrap();
    // Installed as `cargo install` does: the binary copied into a directory on PATH.
    let bin = workspace.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_svmq"), bin.join("svmq")).expect("install svmq");
    let mut path = vec![bin];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let mut tour = Tour {
        path: std::env::join_paths(path).expect("a PATH"),
        home: workspace.path("home"),
        directory,
        model_id: None,
        task_id: None,
        background: Vec::new(),
    };
    let lines = tour_lines(&readme);
    assert!(lines.len() >= 10, "the tour has its commands: {lines:?}");
    for (heading, line) in lines {
        if let Some((_, reason)) = SKIPPED_SECTIONS.iter().find(|(h, _)| *h == heading) {
            eprintln!("tour: skipping `{line}` ({reason})");
            continue;
        }
        tour.step(&line);
    }
}

#[test]
fn comments_and_quotes_are_read_as_a_shell_would() {
    assert_eq!(
        strip_comment("svmq train a.csv   # the # is a comment"),
        "svmq train a.csv"
    );
    assert_eq!(
        strip_comment("svmq predict M --values '[\"#1\", 2]' # c"),
        "svmq predict M --values '[\"#1\", 2]'"
    );
    assert_eq!(
        words("svmq predict M --values '{\"a b\": 1}' &"),
        ["svmq", "predict", "M", "--values", "{\"a b\": 1}", "&"]
    );
}
