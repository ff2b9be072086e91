//! Each column's role in training — feature, target, identifier, constant, free text,
//! or excluded on request — decided from the whole table's content, with the reason.
//!
//! The rules, in order: a target column is the target; a column the caller excludes
//! is excluded; a constant or empty column is constant; a column whose cells show an
//! identifier or free text (see [`content`] for those rules) is one; anything else is
//! a feature. Only features are inputs of the model. A caller may keep an identifier
//! or free-text column as a feature, never the target or a constant column.
//!
//! Why deciding on the whole table cannot leak: a role is a property of a column's
//! kind, like its type — whether its values name rows — not a statistic fitted to its
//! values and applied to other rows. It never looks at the target, and it only
//! chooses which columns are inputs; every statistic of the inputs is still fitted per
//! fold ([`crate::preprocess`]). Identifiers are left out precisely because they can
//! carry the row order (and with it the target, when the file is sorted) without
//! telling anything about new rows.
//!
//! A column of dates or times ([`crate::dates`] recognizes the formats) is a date,
//! decided before the identifier rules: a timestamp unique to each row is a date, not
//! an identifier. Its numeric features are fitted per fold like any other.
//!
//! What it does not do: read cells into types ([`crate::schema`]) or choose the target
//! ([`crate::dataset`]).

mod content;

use serde::{Deserialize, Serialize};

use content::{examine, Finding};
pub use content::{
    CODE_DIGITS, LONG_SEQUENCE_DENSITY, LONG_SEQUENCE_VALUES, MIN_VALUES, NEAR_UNIQUE,
    SEQUENCE_DENSITY, TEXT_WORDS,
};

use crate::dates::{detect, DateFormat};
use crate::error::DataError;
use crate::schema::{ColumnKind, Schema};
use crate::table::{find_column, Cell, RawTable};

/// Categories one-hot encoded per text column at most; the rest share one "other"
/// column ([`crate::preprocess`]). Twenty keeps a column of cities or products from
/// becoming hundreds of sparse inputs, each seen in a handful of rows, which an SVM's
/// distances weigh as much as any measured feature, while keeping every level of the
/// usual categorical columns (sizes, regions, weekdays, grades rarely exceed twenty).
pub const MAX_ONE_HOT_LEVELS: usize = 20;

/// What training does with a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    /// An input to the model.
    Feature,
    /// What the model predicts.
    Target,
    /// A value naming the row (a row number, a UUID, a code, a unique name): left out.
    Identifier,
    /// One value, or none: carries no information, left out.
    Constant,
    /// Free text: one-hot encoding cannot generalize from sentences, left out.
    Text,
    /// Dates or times: an input, as numbers (days since 1970, year, month, weekday).
    Date,
    /// Left out because the caller asked.
    Excluded,
}

impl ColumnRole {
    /// The role as outputs spell it: `feature`, `target`, `identifier`, ...
    pub fn name(self) -> &'static str {
        match self {
            ColumnRole::Feature => "feature",
            ColumnRole::Target => "target",
            ColumnRole::Identifier => "identifier",
            ColumnRole::Constant => "constant",
            ColumnRole::Text => "text",
            ColumnRole::Date => "date",
            ColumnRole::Excluded => "excluded",
        }
    }
}

/// One column's role and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnDecision {
    /// The column's name.
    pub name: String,
    /// What training does with it.
    pub role: ColumnRole,
    /// Why, in a few words; names counts and shapes, never cell contents.
    pub reason: String,
    /// Whether the caller's exclusion or inclusion decided the role.
    #[serde(default)]
    pub on_request: bool,
    /// A date column's format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_format: Option<DateFormat>,
}

impl ColumnRole {
    /// Whether a column of this role is an input of the model.
    pub fn is_input(self) -> bool {
        matches!(self, ColumnRole::Feature | ColumnRole::Date)
    }
}

/// The caller's corrections to the rules, by column name (exactly, or uniquely
/// ignoring case and surrounding spaces).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnOverrides {
    /// Columns left out of the features whatever the rules say.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Identifier or free-text columns used as features all the same.
    #[serde(default)]
    pub include: Vec<String>,
}

impl ColumnOverrides {
    /// Whether there is nothing to correct.
    pub fn is_empty(&self) -> bool {
        self.exclude.is_empty() && self.include.is_empty()
    }
}

/// Decides every column's role (see the module docs), in table order. `targets` are
/// the target columns' positions. Refuses an override naming an unknown column, the
/// target, a constant column (include), or one column both ways.
pub fn decide_roles(
    table: &RawTable,
    schema: &Schema,
    targets: &[usize],
    overrides: &ColumnOverrides,
) -> Result<Vec<ColumnDecision>, DataError> {
    let excluded = resolve(table, &overrides.exclude, "excluded")?;
    let included = resolve(table, &overrides.include, "kept as a feature")?;
    let refuse = |column: usize, action: &'static str, reason: &str| {
        Err(DataError::ColumnOverride {
            column: table.column_names[column].clone(),
            action,
            reason: reason.to_string(),
        })
    };
    if let Some(&column) = excluded.iter().find(|column| included.contains(column)) {
        return refuse(column, "both excluded and kept", "name it on one side only");
    }
    let mut decisions = Vec::with_capacity(table.columns());
    for (index, column) in schema.columns.iter().enumerate() {
        let decision = |role: ColumnRole, reason: String, on_request: bool| ColumnDecision {
            name: column.name.clone(),
            role,
            reason,
            on_request,
            date_format: None,
        };
        if targets.contains(&index) {
            if excluded.contains(&index) {
                return refuse(index, "excluded", "it is the target; choose another target");
            }
            if included.contains(&index) {
                return refuse(index, "kept as a feature", "it is the target");
            }
            decisions.push(decision(ColumnRole::Target, "the target".into(), false));
            continue;
        }
        if excluded.contains(&index) {
            decisions.push(decision(
                ColumnRole::Excluded,
                "excluded on request".into(),
                true,
            ));
            continue;
        }
        let cells: Vec<&Cell> = table.column(index).collect();
        if let Some((format, note)) = date_format(schema, index, &cells) {
            let note = note.map_or(String::new(), |note| format!(" ({note})"));
            let reason = format!(
                "dates, {}{note}: days since 1970, year, month and weekday as features",
                format.name()
            );
            decisions.push(ColumnDecision {
                date_format: Some(format),
                on_request: included.contains(&index),
                ..decision(ColumnRole::Date, reason, false)
            });
            continue;
        }
        let (role, reason) = content_role(table, schema, index);
        if !included.contains(&index) {
            decisions.push(decision(role, reason, false));
            continue;
        }
        match role {
            ColumnRole::Constant => {
                return refuse(index, "kept as a feature", &format!("it is {reason}"))
            }
            ColumnRole::Feature => decisions.push(decision(role, reason, true)),
            _ => decisions.push(decision(
                ColumnRole::Feature,
                format!(
                    "kept as a feature on request; the rules found {}: {reason}",
                    role.name()
                ),
                true,
            )),
        }
    }
    Ok(decisions)
}

/// The format of a date column (decided before the identifier rules: a date unique
/// to each row is still a date); a constant or empty column is not one.
fn date_format(
    schema: &Schema,
    index: usize,
    cells: &[&Cell],
) -> Option<(DateFormat, Option<&'static str>)> {
    let column = &schema.columns[index];
    match column.kind {
        ColumnKind::Numeric | ColumnKind::Categorical => detect(&column.name, cells),
        ColumnKind::Constant | ColumnKind::Empty => None,
    }
}

/// The role the content alone gives a non-target column, and why.
fn content_role(table: &RawTable, schema: &Schema, index: usize) -> (ColumnRole, String) {
    let column = &schema.columns[index];
    match column.kind {
        ColumnKind::Empty => (ColumnRole::Constant, "empty: every cell is missing".into()),
        ColumnKind::Constant => (ColumnRole::Constant, "constant: a single value".into()),
        ColumnKind::Numeric | ColumnKind::Categorical => {
            let cells: Vec<&Cell> = table.column(index).collect();
            match examine(column, &cells) {
                Some(Finding::Identifier(reason)) => (ColumnRole::Identifier, reason),
                Some(Finding::Text(reason)) => (ColumnRole::Text, reason),
                None if column.kind == ColumnKind::Numeric => {
                    (ColumnRole::Feature, "numeric".into())
                }
                None if column.distinct > MAX_ONE_HOT_LEVELS => (
                    ColumnRole::Feature,
                    format!(
                        "categorical, {} categories: the {MAX_ONE_HOT_LEVELS} most frequent one-hot encoded, the rest as one \"other\"",
                        column.distinct
                    ),
                ),
                None => (
                    ColumnRole::Feature,
                    format!("categorical, {} categories", column.distinct),
                ),
            }
        }
    }
}

/// The positions of the named columns; `action` completes "asked to be ...".
fn resolve(
    table: &RawTable,
    names: &[String],
    action: &'static str,
) -> Result<Vec<usize>, DataError> {
    names
        .iter()
        .map(|name| {
            find_column(table, name).ok_or_else(|| DataError::UnknownColumn {
                name: name.clone(),
                action,
                available: table.column_names.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(columns: &[&str], rows: &[Vec<String>]) -> RawTable {
        RawTable {
            column_names: columns.iter().map(|name| name.to_string()).collect(),
            cells: rows
                .iter()
                .map(|row| row.iter().map(|field| Cell::parse(field)).collect())
                .collect(),
            source_rows: (2..2 + rows.len()).collect(),
        }
    }

    fn roles(table: &RawTable, overrides: &ColumnOverrides) -> Vec<ColumnRole> {
        let schema = Schema::infer(table);
        let target = table.columns() - 1;
        decide_roles(table, &schema, &[target], overrides)
            .unwrap()
            .iter()
            .map(|decision| decision.role)
            .collect()
    }

    /// 20 rows: a shuffled row number, a float unique per row, a small integer
    /// measurement, a constant, and a label.
    fn small() -> RawTable {
        let rows: Vec<Vec<String>> = (0..20)
            .map(|row| {
                vec![
                    ((row * 7) % 20 + 1).to_string(),
                    format!("{:.3}", 1.0 + row as f64 * 0.137),
                    (row % 4).to_string(),
                    "k".into(),
                    (if row % 2 == 0 { "a" } else { "b" }).into(),
                ]
            })
            .collect();
        table(&["n", "weight", "visits", "flat", "label"], &rows)
    }

    #[test]
    fn each_role_is_decided_from_the_content() {
        assert_eq!(
            roles(&small(), &ColumnOverrides::default()),
            [
                ColumnRole::Identifier,
                ColumnRole::Feature,
                ColumnRole::Feature,
                ColumnRole::Constant,
                ColumnRole::Target
            ]
        );
    }

    #[test]
    fn overrides_exclude_and_keep_by_name_ignoring_case() {
        let overrides = ColumnOverrides {
            exclude: vec!["Weight".into()],
            include: vec!["n".into()],
        };
        assert_eq!(
            roles(&small(), &overrides),
            [
                ColumnRole::Feature,
                ColumnRole::Excluded,
                ColumnRole::Feature,
                ColumnRole::Constant,
                ColumnRole::Target
            ]
        );
    }

    #[test]
    fn impossible_overrides_are_refused_naming_the_column() {
        let table = small();
        let schema = Schema::infer(&table);
        let refused = |exclude: &[&str], include: &[&str]| {
            let overrides = ColumnOverrides {
                exclude: exclude.iter().map(|name| name.to_string()).collect(),
                include: include.iter().map(|name| name.to_string()).collect(),
            };
            decide_roles(&table, &schema, &[4], &overrides)
                .unwrap_err()
                .to_string()
        };
        let unknown = refused(&["nope"], &[]);
        assert!(
            unknown.contains("`nope`") && unknown.contains("`weight`"),
            "{unknown}"
        );
        assert!(refused(&["label"], &[]).contains("target"));
        assert!(refused(&[], &["label"]).contains("target"));
        assert!(refused(&[], &["flat"]).contains("constant"));
        assert!(refused(&["n"], &["n"]).contains("both"));
    }
}
