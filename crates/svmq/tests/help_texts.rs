//! Every subcommand's `--help` ends with examples a newcomer can copy; usage mistakes
//! exit with code 2.

mod support;

use support::svmq;

const SUBCOMMANDS: [&str; 16] = [
    "train",
    "validate",
    "predict",
    "export",
    "report",
    "models",
    "submit",
    "status",
    "tasks",
    "cancel",
    "queue",
    "logs",
    "worker",
    "serve",
    "completions",
    "man",
];

#[test]
fn every_subcommand_help_has_examples() {
    for subcommand in SUBCOMMANDS {
        let run = svmq(&[subcommand, "--help"]).success();
        let help = run.stdout();
        let examples = help
            .split("Example")
            .nth(1)
            .unwrap_or_else(|| panic!("`svmq {subcommand} --help` has no examples:\n{help}"));
        assert!(
            examples.contains(&format!("svmq {subcommand}")) || examples.contains("svmq --"),
            "`svmq {subcommand} --help` examples do not show the command:\n{help}"
        );
    }
}

#[test]
fn usage_mistakes_exit_with_two() {
    for arguments in [
        vec!["train"],
        vec!["validate"],
        vec!["validate", "data.csv", "--folds", "1"],
        vec!["status"],
        vec!["no-such-command"],
        vec!["tasks", "--limit", "many"],
    ] {
        let run = svmq(&arguments);
        assert_eq!(run.code(), Some(2), "svmq {arguments:?}: {}", run.stderr());
    }
}

#[test]
fn completions_exist_for_every_shell_and_know_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = svmq(&["completions", shell]).success().stdout();
        for word in ["svmq", "train", "target", "log-format"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    assert_eq!(svmq(&["completions", "tcsh"]).code(), Some(2));
}

#[test]
fn the_manual_page_covers_every_subcommand() {
    let page = svmq(&["man"]).success().stdout();
    assert!(page.starts_with(".ie") || page.starts_with(".TH"), "{page}");
    assert!(page.contains(".TH svmq 1"), "not a section 1 page");
    for subcommand in SUBCOMMANDS {
        let heading = format!(".SH \"SVMQ {}\"", subcommand.to_uppercase());
        assert!(page.contains(&heading), "no {heading}");
    }
}
