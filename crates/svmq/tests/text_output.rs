//! Snapshots (insta) of the text a person reads — `train`, `models`, `models show`,
//! `tasks`, `queue`, `status` — on a fixed seed, with what changes from run to run
//! (ids, clock times, durations, the home directory) replaced by placeholders. A change of wording or layout shows here
//! as a diff to review, not as a silent drift.
//!
//! To accept an intended change: `cargo insta review` (or run with INSTA_UPDATE=always
//! and check the diff of the `.snap` files).

mod support;

use support::queue_home::{example, Home};

/// `text` with 32-hex-digit ids as `<id>` and `YYYY-MM-DDTHH:MM…` times as `<time>`.
fn redacted(text: &str) -> String {
    let characters: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut index = 0;
    while index < characters.len() {
        let hex = characters[index..]
            .iter()
            .take_while(|character| {
                character.is_ascii_hexdigit() && !character.is_ascii_uppercase()
            })
            .count();
        let starts_word = index == 0 || !characters[index - 1].is_ascii_alphanumeric();
        if hex == 32 && starts_word {
            out.push_str("<id>");
            index += 32;
            continue;
        }
        if let Some(length) = timestamp_length(&characters[index..]) {
            out.push_str("<time>");
            index += length;
            continue;
        }
        out.push(characters[index]);
        index += 1;
    }
    out
}

/// The length of an ISO 8601 time at the start of `text` (`2026-12-03T19:05`, with
/// optional seconds, fraction and `Z`), if there is one.
fn timestamp_length(text: &[char]) -> Option<usize> {
    let pattern = "dddd-dd-ddTdd:dd";
    if text.len() < pattern.len() {
        return None;
    }
    let matches = pattern
        .chars()
        .zip(text)
        .all(|(expected, &actual)| match expected {
            'd' => actual.is_ascii_digit(),
            other => other == actual,
        });
    if !matches {
        return None;
    }
    let rest = text[pattern.len()..]
        .iter()
        .take_while(|character| character.is_ascii_digit() || matches!(character, ':' | '.' | 'Z'))
        .count();
    Some(pattern.len() + rest)
}

/// `text` with the seconds of `trained in 0.53 s` as `<seconds>`: the one duration
/// `train` prints.
fn without_duration(text: &str) -> String {
    text.lines()
        .map(|line| match line.split_once(" trained in ") {
            Some((head, tail)) if tail.ends_with(" s") => {
                format!("{head} trained in <seconds> s")
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn the_redaction_replaces_ids_and_times_only() {
    assert_eq!(
        redacted("0123456789abcdef0123456789abcdef queued 2026-12-03T19:05:01.123Z x"),
        "<id> queued <time> x"
    );
    assert_eq!(redacted("accuracy 0.9819 in 2 s"), "accuracy 0.9819 in 2 s");
    assert_eq!(
        without_duration("model x trained in 0.53 s\n  data: 150 rows in 2 s\n"),
        "model x trained in <seconds> s\n  data: 150 rows in 2 s\n"
    );
}

#[test]
fn training_and_models_read_as_summaries() {
    let home = Home::new("text-output-models");
    assert_eq!(
        home.run(&["models"]).success().stdout(),
        "no models yet; train one with `svmq train DATA --target COLUMN`\n"
    );
    let iris = example("iris.csv");
    let trained = home
        .run(&[
            "train", &iris, "--target", "species", "--trials", "4", "--folds", "3", "--seed", "7",
        ])
        .success()
        .stdout();
    let diabetes = example("diabetes.csv");
    let regression = home
        .run(&[
            "train",
            &diabetes,
            "--target",
            "progression",
            "--task",
            "regression",
            "--trials",
            "3",
            "--folds",
            "3",
            "--seed",
            "7",
        ])
        .success()
        .stdout();
    insta::assert_snapshot!(
        "train_classification",
        redacted(&without_duration(&trained))
    );
    insta::assert_snapshot!("train_regression", redacted(&without_duration(&regression)));

    // Newest first: the regression, then iris. The data file is named as given,
    // so the examples' directory is replaced too.
    let examples = iris.trim_end_matches("iris.csv");
    let models = home.run(&["models"]).success().stdout();
    insta::assert_snapshot!("models", redacted(&models.replace(examples, "<examples>/")));

    let model_id = trained
        .split_whitespace()
        .nth(1)
        .expect("train's first line names the model")
        .to_string();
    let shown = home.run(&["models", "show", &model_id]).success().stdout();
    insta::assert_snapshot!(
        "models_show",
        redacted(
            &shown
                .replace(home.path(), "<home>")
                .replace(examples, "<examples>/")
        )
    );
}

#[test]
fn queue_commands_read_as_tables() {
    let home = Home::new("text-output-queue");
    assert_eq!(
        home.run(&["tasks"]).success().stdout(),
        "no tasks; queue one with `svmq submit DATA --target COLUMN`\n"
    );
    let iris = example("iris.csv");
    let first = home.submit(&[&iris, "--target", "species", "--seed", "7"]);
    let second = home.submit(&[&iris, "--target", "species", "--trials", "5"]);
    home.run(&["cancel", &first]).success();

    insta::assert_snapshot!("tasks", redacted(&home.run(&["tasks"]).success().stdout()));
    insta::assert_snapshot!("queue", redacted(&home.run(&["queue"]).success().stdout()));
    insta::assert_snapshot!(
        "status_queued",
        redacted(&home.run(&["status", &second]).success().stdout())
    );
    insta::assert_snapshot!(
        "status_cancelled",
        redacted(&home.run(&["status", &first]).success().stdout())
    );
}
