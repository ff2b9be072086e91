//! Column types inferred from a table's cells.
//!
//! A column is numeric when every non-missing cell is a number, categorical when at
//! least one is text (its numbers then count as categories, spelled as written),
//! constant when it holds one distinct value, and empty when every cell is missing.
//! Types are inferred once on the whole table: a type is not a statistic learned from
//! the data's values, so it cannot leak anything between folds.
//!
//! What it does not do: choose the target or drop columns ([`crate::dataset`]), or
//! judge data quality ([`crate::validate`]).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::table::{Cell, RawTable};

/// A column's inferred type; see the module docs for the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Every non-missing cell is a number, with at least two distinct values.
    Numeric,
    /// At least one cell is text, with at least two distinct values; numbers in it are
    /// categories spelled as written.
    Categorical,
    /// One distinct value (missing cells aside): carries no information.
    Constant,
    /// Every cell missing.
    Empty,
}

/// What inference found in one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSchema {
    /// The column's name.
    pub name: String,
    /// The inferred type.
    pub kind: ColumnKind,
    /// Cells that are missing.
    pub missing: usize,
    /// Cells that are numbers.
    pub numbers: usize,
    /// Cells that are text.
    pub texts: usize,
    /// Distinct non-missing values (numbers compared by value, text by spelling).
    pub distinct: usize,
}

/// The inferred type of every column of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// One entry per column, in table order.
    pub columns: Vec<ColumnSchema>,
}

impl Schema {
    /// Infers every column's type.
    pub fn infer(table: &RawTable) -> Schema {
        let columns = (0..table.columns())
            .map(|index| infer_column(table, index))
            .collect();
        Schema { columns }
    }

    /// The type of the column at this position; panics past the last column.
    pub fn kind(&self, column: usize) -> ColumnKind {
        self.columns[column].kind
    }
}

fn infer_column(table: &RawTable, index: usize) -> ColumnSchema {
    let mut missing = 0;
    let mut numbers = 0;
    let mut texts = 0;
    let mut distinct_numbers = HashSet::new();
    let mut distinct_texts = HashSet::new();
    for cell in table.column(index) {
        match cell {
            Cell::Missing => missing += 1,
            Cell::Number { value, .. } => {
                numbers += 1;
                // +0.0 and -0.0 are one value.
                distinct_numbers.insert((value + 0.0).to_bits());
            }
            Cell::Text(text) => {
                texts += 1;
                distinct_texts.insert(text.as_str());
            }
        }
    }
    let distinct = if texts > 0 {
        // In a text column numbers are categories by their spelling.
        let spelled: HashSet<String> = table
            .column(index)
            .filter(|cell| matches!(cell, Cell::Number { .. }))
            .filter_map(Cell::text)
            .collect();
        distinct_texts.len() + spelled.len()
    } else {
        distinct_numbers.len()
    };
    let kind = if numbers + texts == 0 {
        ColumnKind::Empty
    } else if distinct == 1 {
        ColumnKind::Constant
    } else if texts > 0 {
        ColumnKind::Categorical
    } else {
        ColumnKind::Numeric
    };
    ColumnSchema {
        name: table.column_names[index].clone(),
        kind,
        missing,
        numbers,
        texts,
        distinct,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(columns: &[&str], rows: &[&[&str]]) -> RawTable {
        RawTable {
            column_names: columns.iter().map(|name| name.to_string()).collect(),
            cells: rows
                .iter()
                .map(|row| row.iter().map(|field| Cell::parse(field)).collect())
                .collect(),
            source_rows: (2..2 + rows.len()).collect(),
        }
    }

    #[test]
    fn kinds_are_inferred() {
        let table = table(
            &["number", "text", "mixed", "constant", "empty", "zeros"],
            &[
                &["1", "a", "1", "k", "", "0"],
                &["2.5", "b", "x", "k", "NA", "-0"],
                &["", "a", "2", "", "?", "0.0"],
            ],
        );
        let schema = Schema::infer(&table);
        let kinds: Vec<ColumnKind> = schema.columns.iter().map(|column| column.kind).collect();
        assert_eq!(
            kinds,
            [
                ColumnKind::Numeric,
                ColumnKind::Categorical,
                ColumnKind::Categorical,
                ColumnKind::Constant,
                ColumnKind::Empty,
                ColumnKind::Constant,
            ]
        );
        assert_eq!(schema.columns[0].missing, 1);
        assert_eq!(schema.columns[2].distinct, 3);
        assert_eq!(schema.columns[4].missing, 3);
    }
}
