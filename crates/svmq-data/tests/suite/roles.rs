//! Column roles decided from generated tables: identifiers of every usual kind are
//! left out with their reason, at 20 rows as at 200; genuine features and dates are not; the
//! caller's overrides apply; xlsx and LIBSVM input get the same rules.

use svmq_core::random::Random;
use svmq_data::{
    parse_table, read_data_file, ColumnDecision, ColumnOverrides, ColumnRole, Dataset, ReadLimits,
    TableOptions, TargetOptions, Task,
};

use crate::common::{table, temporary, workbook};

const FIRST_NAMES: [&str; 20] = [
    "Anna", "Ben", "Chiara", "David", "Elif", "Femi", "Greta", "Hugo", "Ines", "Jonas", "Kaja",
    "Luis", "Mira", "Noah", "Olga", "Pavel", "Quinn", "Rosa", "Samir", "Tove",
];
const LAST_NAMES: [&str; 7] = [
    "Schmidt",
    "Okafor",
    "Rossi",
    "Nowak",
    "Garcia",
    "Lindqvist",
    "Yilmaz",
];

fn uuid(random: &mut Random) -> String {
    let hex = format!("{:016x}{:016x}", random.next_u64(), random.next_u64());
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// A classification table of `rows` rows, with a header and one field per column;
/// `columns` gives each column's name and a generator of its field for a row.
type Generator = Box<dyn FnMut(usize, &mut Random) -> String>;

fn generate(rows: usize, seed: u64, columns: Vec<(&str, Generator)>) -> Vec<Vec<String>> {
    let mut random = Random::new(seed);
    let names: Vec<String> = columns.iter().map(|(name, _)| name.to_string()).collect();
    let mut generators: Vec<Generator> = columns.into_iter().map(|(_, g)| g).collect();
    let mut order: Vec<usize> = (0..rows).collect();
    random.shuffle(&mut order);
    let mut table = vec![names];
    for &row in &order {
        table.push(
            generators
                .iter_mut()
                .map(|generate| generate(row, &mut random))
                .collect(),
        );
    }
    table
}

fn csv(rows: &[Vec<String>]) -> String {
    rows.iter().map(|row| row.join(",") + "\n").collect()
}

/// The roles of a table whose last column is a classification target.
fn decisions_of(text: &str, overrides: &ColumnOverrides) -> Vec<ColumnDecision> {
    Dataset::prepare_with(
        table(text),
        Task::Classification,
        &TargetOptions::default(),
        overrides,
    )
    .expect("the table prepares")
    .roles
}

fn role_of(decisions: &[ColumnDecision], name: &str) -> ColumnDecision {
    decisions
        .iter()
        .find(|decision| decision.name == name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .clone()
}

/// 20 rows, as in the issue: every usual kind of identifier, and features that must
/// stay features.
fn twenty_rows() -> Vec<Vec<String>> {
    let mut rows = generate(
        20,
        17,
        vec![
            ("id", Box::new(|row, _| (row + 1).to_string())),
            (
                "application_number",
                Box::new(|row, _| (1000 + (row * 7) % 20).to_string()),
            ),
            ("uuid_value", Box::new(|_, random| uuid(random))),
            (
                "sample_code",
                Box::new(|row, random| {
                    format!(
                        "S{}-{:03}",
                        (b'A' + (row % 26) as u8) as char,
                        random.below(1000)
                    )
                }),
            ),
            (
                "checksum",
                Box::new(|_, random| format!("{:016x}", random.next_u64() | 1 << 60)),
            ),
            (
                "athlete",
                Box::new(|row, _| format!("{} {}", FIRST_NAMES[row], LAST_NAMES[row % 7])),
            ),
            (
                "test_date",
                Box::new(|row, _| format!("2024-{:02}-{:02}", 1 + row / 28, 1 + row % 28)),
            ),
            (
                "weight",
                Box::new(|_, random| format!("{:.2}", 60.0 + 30.0 * random.unit())),
            ),
            (
                "age",
                Box::new(|_, random| (18 + random.below(60)).to_string()),
            ),
            (
                "income",
                Box::new(|_, random| (20_000 + random.below(130_000)).to_string()),
            ),
            (
                "team",
                Box::new(|row, _| ["red", "blue", "green"][row % 3].to_string()),
            ),
            (
                "label",
                Box::new(|row, _| (if row % 2 == 0 { "pass" } else { "fail" }).to_string()),
            ),
        ],
    );
    // The line number in file order, besides `id` in shuffled order.
    for (position, row) in rows.iter_mut().enumerate() {
        let line = if position == 0 {
            "line".to_string()
        } else {
            position.to_string()
        };
        row.insert(0, line);
    }
    rows
}

#[test]
fn identifiers_of_every_kind_are_left_out_of_a_twenty_row_table_with_their_reason() {
    let decisions = decisions_of(&csv(&twenty_rows()), &ColumnOverrides::default());
    for (name, shape) in [
        ("line", "row number or sequence"),
        ("id", "row number or sequence"),
        ("application_number", "row number or sequence"),
        ("uuid_value", "UUIDs"),
        ("sample_code", "codes mixing letters and digits"),
        ("checksum", "hexadecimal codes"),
        ("athlete", "text"),
    ] {
        let decision = role_of(&decisions, name);
        assert_eq!(decision.role, ColumnRole::Identifier, "{decision:?}");
        assert!(decision.reason.contains(shape), "{decision:?}");
    }
    for name in ["weight", "age", "income", "team"] {
        let decision = role_of(&decisions, name);
        assert_eq!(decision.role, ColumnRole::Feature, "{decision:?}");
    }
    // A date unique to each row is a date, not an identifier.
    let date = role_of(&decisions, "test_date");
    assert_eq!(date.role, ColumnRole::Date, "{date:?}");
    assert_eq!(role_of(&decisions, "label").role, ColumnRole::Target);
}

#[test]
fn identifiers_in_a_long_table_are_found_whatever_their_order_and_gaps() {
    let rows = generate(
        300,
        5,
        vec![
            // Row numbers with a third of the rows deleted.
            ("row", Box::new(|row, _| (row * 3 / 2).to_string())),
            // Random ids named as such.
            (
                "ApplicationId",
                Box::new(|row, random| (row * 100_000 + random.below(100_000)).to_string()),
            ),
            // Eight-digit account numbers under a neutral name.
            (
                "account",
                Box::new(|row, random| {
                    (10_000_000 + row * 300_000 + random.below(300_000)).to_string()
                }),
            ),
            // Codes with leading zeros.
            (
                "voucher",
                Box::new(|row, _| format!("{:06}", row * 37 + 11)),
            ),
            (
                "x",
                Box::new(|_, random| format!("{:.4}", random.unit() * 10.0)),
            ),
            ("count", Box::new(|_, random| random.below(40).to_string())),
            (
                "y",
                Box::new(|row, _| (if row % 3 == 0 { "a" } else { "b" }).to_string()),
            ),
        ],
    );
    let decisions = decisions_of(&csv(&rows), &ColumnOverrides::default());
    for name in ["row", "ApplicationId", "account", "voucher"] {
        assert_eq!(
            role_of(&decisions, name).role,
            ColumnRole::Identifier,
            "{:?}",
            role_of(&decisions, name)
        );
    }
    assert!(role_of(&decisions, "ApplicationId")
        .reason
        .contains("named like an identifier"));
    assert!(role_of(&decisions, "account").reason.contains("8 digits"));
    assert!(role_of(&decisions, "voucher")
        .reason
        .contains("leading zeros"));
    for name in ["x", "count"] {
        assert_eq!(role_of(&decisions, name).role, ColumnRole::Feature);
    }
}

#[test]
fn floats_unique_per_row_are_features() {
    let rows = generate(
        50,
        3,
        vec![
            (
                "reading",
                Box::new(|row, random| format!("{:.3}", row as f64 + random.unit())),
            ),
            ("y", Box::new(|row, _| (row % 2).to_string())),
        ],
    );
    let decisions = decisions_of(&csv(&rows), &ColumnOverrides::default());
    assert_eq!(decisions[0].role, ColumnRole::Feature, "{:?}", decisions[0]);
}

#[test]
fn free_text_is_left_out_as_text() {
    let openings = [
        "the parcel",
        "my order",
        "the invoice",
        "a refund",
        "the driver",
    ];
    let endings = [
        "arrived late again",
        "was never sent to me",
        "looks fine to me now",
    ];
    let times = ["on monday", "this week"];
    let rows = generate(
        40,
        9,
        vec![
            (
                "comment",
                // 25 different sentences in 40 rows.
                Box::new(move |row, _| {
                    let sentence = row % 25;
                    format!(
                        "{} {} {}",
                        openings[sentence % 5],
                        endings[(sentence / 5) % 3],
                        times[sentence / 15]
                    )
                }),
            ),
            ("score", Box::new(|_, random| random.below(5).to_string())),
            ("y", Box::new(|row, _| (row % 2).to_string())),
        ],
    );
    let decisions = decisions_of(&csv(&rows), &ColumnOverrides::default());
    assert_eq!(decisions[0].role, ColumnRole::Text, "{:?}", decisions[0]);
    assert!(decisions[0].reason.contains("free text"));
}

#[test]
fn overrides_drop_a_feature_and_keep_an_identifier() {
    let text = csv(&twenty_rows());
    let overrides = ColumnOverrides {
        exclude: vec!["weight".into()],
        include: vec!["ID".into()],
    };
    let dataset = Dataset::prepare_with(
        table(&text),
        Task::Classification,
        &TargetOptions::default(),
        &overrides,
    )
    .unwrap();
    let features = dataset.feature_names();
    assert!(features.contains(&"id".to_string()), "{features:?}");
    assert!(!features.contains(&"weight".to_string()), "{features:?}");
    let kept = role_of(&dataset.roles, "id");
    assert!(
        kept.on_request && kept.reason.contains("identifier"),
        "{kept:?}"
    );
    assert_eq!(role_of(&dataset.roles, "weight").role, ColumnRole::Excluded);
    // Columns left out stay acceptable in prediction inputs.
    let ignored: Vec<&str> = dataset
        .ignored_columns
        .iter()
        .map(|&column| dataset.table.column_names[column].as_str())
        .collect();
    assert!(ignored.contains(&"uuid_value") && ignored.contains(&"weight"));
}

#[test]
fn an_override_naming_no_column_lists_the_columns() {
    let overrides = ColumnOverrides {
        exclude: vec!["wieght".into()],
        include: Vec::new(),
    };
    let error = Dataset::prepare_with(
        table(&csv(&twenty_rows())),
        Task::Classification,
        &TargetOptions::default(),
        &overrides,
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("`wieght`") && error.contains("`weight`"),
        "{error}"
    );
}

#[test]
fn a_table_of_identifiers_only_is_refused_saying_why() {
    let rows = generate(
        30,
        1,
        vec![
            ("id", Box::new(|row, _| row.to_string())),
            ("y", Box::new(|row, _| (row % 2).to_string())),
        ],
    );
    let error = Dataset::prepare(
        table(&csv(&rows)),
        Task::Classification,
        &TargetOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("id (identifier)"), "{error}");
    assert!(error.contains("kept as a feature on request"), "{error}");
}

#[test]
fn an_xlsx_table_gets_the_roles_of_the_same_csv() {
    let rows = twenty_rows();
    let from_csv = decisions_of(&csv(&rows), &ColumnOverrides::default());
    let sheet =
        parse_table(&workbook(&rows), &TableOptions::default()).expect("the workbook reads");
    let from_xlsx = Dataset::prepare(sheet, Task::Classification, &TargetOptions::default())
        .unwrap()
        .roles;
    assert_eq!(from_xlsx, from_csv);
}

#[test]
fn a_libsvm_feature_holding_the_row_number_is_an_identifier() {
    let mut text = String::new();
    for row in 0..40 {
        text.push_str(&format!(
            "{} 1:{} 2:{}\n",
            row % 2,
            row + 1,
            (row * 7 % 5) as f64 + 0.5
        ));
    }
    let path = temporary("roles.libsvm");
    std::fs::write(&path, text).unwrap();
    let table = read_data_file(
        &path,
        &ReadLimits::default(),
        &std::sync::atomic::AtomicBool::new(false),
    );
    std::fs::remove_file(&path).unwrap();
    let dataset = Dataset::prepare(
        table.unwrap(),
        Task::Classification,
        &TargetOptions::default(),
    )
    .unwrap();
    assert_eq!(dataset.roles[0].role, ColumnRole::Identifier);
    assert_eq!(dataset.feature_names(), ["f2"]);
}
