//! `svmq validate` through the real binary: the report of a good file (exit 0), of a
//! file training would refuse (exit 1, the blocking problem printed), of a missing
//! file (exit 1), and the warnings that do not block. Each run has a fresh home, so
//! no svmq.toml of the machine applies unless the test writes one.

mod support;

use support::{svmq, Run, Workspace};

fn example(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs `svmq --home <workspace>/home validate …`.
fn validate(workspace: &Workspace, arguments: &[&str]) -> Run {
    let home = workspace.path("home");
    let mut all = vec!["--home", home.to_str().unwrap(), "validate"];
    all.extend_from_slice(arguments);
    let run = svmq(&all);
    assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
    run
}

fn json_of(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout())
        .unwrap_or_else(|error| panic!("--json prints one JSON object ({error}): {}", run.stdout()))
}

/// Writes a CSV into the workspace and returns its path.
fn write_csv(workspace: &Workspace, name: &str, contents: &str) -> String {
    let path = workspace.path(name);
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn iris_is_trainable_with_its_class_balance() {
    let workspace = Workspace::new("validate-iris");
    let iris = example("iris.csv");

    let run = validate(&workspace, &[&iris, "--target", "species", "--json"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    let value = json_of(&run);
    assert_eq!(value["trainable"], true);
    let report = &value["report"];
    assert_eq!(report["rows"], 150);
    assert_eq!(report["columns"], 5);
    assert_eq!(report["target_columns"], serde_json::json!(["species"]));
    let balance = report["class_balance"].as_array().expect("a class balance");
    let classes: Vec<(&str, u64)> = balance
        .iter()
        .map(|class| {
            (
                class["label"].as_str().unwrap(),
                class["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        classes,
        [("setosa", 50), ("versicolor", 50), ("virginica", 50)]
    );
    assert_eq!(report["blocking_problems"], serde_json::json!([]));

    let text = validate(&workspace, &[&iris, "--target", "species"]);
    assert_eq!(text.code(), Some(0), "{}", text.stderr());
    let stdout = text.stdout();
    assert!(stdout.contains("150 rows × 5 columns"), "{stdout}");
    assert!(stdout.contains("class balance of species"), "{stdout}");
    assert!(stdout.contains("blocking problems: none"), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("trainable: yes"), "{stdout}");
}

#[test]
fn regression_targets_are_summarized() {
    let workspace = Workspace::new("validate-diabetes");
    let diabetes = example("diabetes.csv");
    let run = validate(
        &workspace,
        &[&diabetes, "--target", "progression", "--task", "regression"],
    );
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    assert!(
        run.stdout().contains("target progression: 442 values"),
        "{}",
        run.stdout()
    );
}

#[test]
fn a_single_class_target_is_a_blocking_problem() {
    let workspace = Workspace::new("validate-one-class");
    let rows: String = (1..=30)
        .map(|row| format!("{row},{},yes\n", row % 7))
        .collect();
    let data = write_csv(&workspace, "one-class.csv", &format!("a,b,label\n{rows}"));

    let run = validate(&workspace, &[&data, "--target", "label"]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    let stdout = run.stdout();
    assert!(stdout.contains("blocking problems (1):"), "{stdout}");
    assert!(
        stdout.contains("the target column `label` holds a single class"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .last()
            .unwrap_or("")
            .starts_with("trainable: no"),
        "{stdout}"
    );

    let json = validate(&workspace, &[&data, "--target", "label", "--json"]);
    assert_eq!(json.code(), Some(1), "{}", json.stderr());
    let value = json_of(&json);
    assert_eq!(value["trainable"], false);
    let problems = value["report"]["blocking_problems"].to_string();
    assert!(problems.contains("single class"), "{problems}");
    // The target is not also listed as an ignored constant column.
    assert_eq!(value["report"]["constant_columns"], serde_json::json!([]));
    assert!(!stdout.contains("constant or empty"), "{stdout}");
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let workspace = Workspace::new("validate-missing");
    let missing = workspace.path("no-such-data.csv");
    let run = validate(&workspace, &[missing.to_str().unwrap()]);
    assert_eq!(run.code(), Some(1));
    assert!(run.stdout().is_empty(), "{}", run.stdout());
    assert!(
        run.stderr().contains("cannot read data file") && run.stderr().contains("no-such-data.csv"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_constant_column_is_a_warning_not_a_problem() {
    let workspace = Workspace::new("validate-constant");
    let rows: String = (1..=40)
        .map(|row| {
            let label = if row % 2 == 0 { "even" } else { "odd" };
            format!("{row},{},7,{label}\n", (row * 3) % 11)
        })
        .collect();
    let data = write_csv(
        &workspace,
        "constant.csv",
        &format!("a,b,always_seven,label\n{rows}"),
    );

    let run = validate(&workspace, &[&data, "--target", "label"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    let stdout = run.stdout();
    let warning = stdout
        .lines()
        .find(|line| line.contains("constant or empty columns are ignored"))
        .unwrap_or_else(|| panic!("the constant column is warned about: {stdout}"));
    assert!(warning.contains("always_seven"), "{warning}");
    let column = stdout
        .lines()
        .find(|line| line.trim_start().starts_with("always_seven"))
        .unwrap_or_else(|| panic!("the column is listed: {stdout}"));
    // Its type and its role.
    assert_eq!(column.matches("constant").count(), 2, "{column}");

    let value = json_of(&validate(
        &workspace,
        &[&data, "--target", "label", "--json"],
    ));
    assert_eq!(value["trainable"], true);
    assert_eq!(
        value["report"]["constant_columns"],
        serde_json::json!(["always_seven"])
    );
}

#[test]
fn the_configured_read_limits_apply() {
    let workspace = Workspace::new("validate-limits");
    let home = workspace.path("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("svmq.toml"), "[limits]\nmax_rows = 100\n").unwrap();
    // iris has 150 rows: more than the configured 100.
    let run = validate(&workspace, &[&example("iris.csv"), "--target", "species"]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert!(
        run.stderr().contains("limit of 100 data rows"),
        "{}",
        run.stderr()
    );
}

/// Issue 14: values of ±1e308 passed validate and then failed training.
#[test]
fn values_too_large_to_square_are_a_blocking_problem_naming_the_column() {
    let workspace = Workspace::new("validate-huge");
    let mut text = String::from("x,big,label\n");
    for row in 0..30 {
        let big = if row == 4 {
            "1e308".to_string()
        } else {
            row.to_string()
        };
        text.push_str(&format!("{row},{big},{}\n", row % 2));
    }
    let data = write_csv(&workspace, "huge.csv", &text);
    let run = validate(&workspace, &[&data, "--target", "label"]);
    assert_eq!(run.code(), Some(1), "{}", run.stdout());
    assert!(
        run.stdout().contains("column `big`, row 6"),
        "{}",
        run.stdout()
    );
}

/// Found while measuring issue 14's xlsx bomb: a column name longer than 65 535
/// characters made the aligned report panic ("Formatting argument out of range").
#[test]
fn a_column_name_of_a_hundred_thousand_characters_is_shown_cut_without_panic() {
    let workspace = Workspace::new("validate-long-name");
    let name = "n".repeat(100_000);
    let mut text = format!("{name},label\n");
    for row in 0..30 {
        // Not the row number: that would be left out as an identifier.
        text.push_str(&format!("{},{}\n", row % 5, row % 2));
    }
    let data = write_csv(&workspace, "long.csv", &text);
    let run = validate(&workspace, &[&data, "--target", "label"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    assert!(
        run.stdout().contains(&format!("{}…", "n".repeat(59))),
        "{}",
        run.stdout()
    );
    assert!(!run.stdout().contains(&"n".repeat(61)));
}

/// The 20-row table: `athlete` and `test_date` are unique per row; the name
/// is an identifier, the date a date (issue 17), not an identifier.
#[test]
fn identifiers_of_a_twenty_row_table_are_named_with_their_reason() {
    let workspace = Workspace::new("validate-identifiers");
    let mut text = String::from("athlete,test_date,sprint_time,jump_cm,squad\n");
    let first = ["Anna", "Ben", "Cai", "Dora", "Eli"];
    let last = ["Berg", "Ode", "Lin", "Vex"];
    for row in 0..20 {
        text.push_str(&format!(
            "{} {},2024-03-{:02},{:.2},{},{}\n",
            first[row % 5],
            last[row / 5],
            row + 1,
            10.0 + (row * 7 % 20) as f64 * 0.13,
            30 + row * 3 % 11,
            if row % 2 == 0 { "A" } else { "B" }
        ));
    }
    let data = write_csv(&workspace, "athletes.csv", &text);
    let run = validate(&workspace, &[&data, "--target", "squad", "--folds", "3"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    let stdout = run.stdout();
    let date = stdout
        .lines()
        .find(|line| line.trim_start().starts_with("test_date"))
        .unwrap_or_else(|| panic!("test_date is listed: {stdout}"));
    assert!(
        date.contains("date") && !date.contains("identifier"),
        "{date}"
    );
    let row = stdout
        .lines()
        .find(|line| line.trim_start().starts_with("athlete"))
        .unwrap_or_else(|| panic!("athlete is listed: {stdout}"));
    assert!(row.contains("identifier"), "{row}");
    assert!(
        stdout.contains("column `athlete` is left out of the features as an identifier (text, different in each of the 20 rows)"),
        "{stdout}"
    );

    let value = json_of(&validate(
        &workspace,
        &[
            &data, "--target", "squad", "--json", "--keep", "athlete", "--drop", "jump_cm",
        ],
    ));
    let columns = &value["report"]["column_reports"];
    assert_eq!(columns[0]["role"], "feature", "{columns}");
    assert!(columns[0]["reason"]
        .as_str()
        .is_some_and(|reason| reason.starts_with("kept as a feature on request")));
    assert_eq!(columns[1]["role"], "date");
    assert_eq!(columns[2]["reason"], "numeric");
    assert_eq!(columns[3]["role"], "excluded");
}
