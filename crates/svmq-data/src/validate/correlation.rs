//! Relations between columns: Pearson correlation, highly correlated feature pairs,
//! and features that alone predict the target (leak candidates).
//!
//! What it does not do: decide what is a warning; [`super::validate`] does.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::schema::ColumnKind;
use crate::table::RawTable;

/// Correlation (|r|, 0 to 1) above which two features are reported as a highly
/// correlated pair.
pub const PAIR_CORRELATION: f64 = 0.95;
/// Correlations are computed on at most this many numeric features and rows (rows
/// sampled evenly), to keep the report fast on wide or long tables.
const CORRELATION_MAX_FEATURES: usize = 300;
const CORRELATION_MAX_ROWS: usize = 10_000;
/// Reported pairs are cut at this many, strongest first.
const MAX_PAIRS: usize = 100;

/// Two numeric features whose values correlate beyond [`PAIR_CORRELATION`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrelatedPair {
    /// The feature that comes first in the table.
    pub first: String,
    /// The other feature.
    pub second: String,
    /// Pearson's r between them, in −1 to 1, over rows where both are present (at
    /// most 10 000 rows, sampled evenly).
    pub correlation: f64,
}

/// Share of rows a one-feature rule may get wrong and still be reported as a leak:
/// a feature that alone predicts 99 % of the classes is almost always recorded after
/// the outcome, or derived from it.
pub const LEAK_ERROR_SHARE: f64 = 0.01;

/// A cell's value as a map key: a number by its value (so `1` and `1.0` are one
/// value), text as written; `None` for a missing cell.
#[derive(Debug, PartialEq, Eq, Hash)]
enum ValueKey<'a> {
    Number(u64),
    Text(&'a str),
}

impl<'a> ValueKey<'a> {
    fn of(cell: &'a crate::cell::Cell) -> Option<ValueKey<'a>> {
        match cell {
            crate::cell::Cell::Missing => None,
            // `+ 0.0` makes -0 and 0 one value.
            crate::cell::Cell::Number { value, .. } => {
                Some(ValueKey::Number((value + 0.0).to_bits()))
            }
            crate::cell::Cell::Text(text) => Some(ValueKey::Text(text)),
        }
    }
}

/// Why a feature alone determines the class almost perfectly on `rows` (table rows,
/// with their class indices `classes`), if it does: each of its values belongs to one
/// class but for [`LEAK_ERROR_SHARE`] of the rows (when values repeat, so it is not
/// merely an identifier), or, numeric, thresholds on it separate the classes but for
/// that share (on enough rows to mean something).
pub(super) fn predicts_classes(
    dataset: &Dataset,
    column: usize,
    rows: &[usize],
    classes: &[usize],
) -> Option<String> {
    let table = &dataset.table;
    let allowed = (LEAK_ERROR_SHARE * rows.len() as f64).floor() as usize;
    let present = rows
        .iter()
        .filter(|&&row| !table.cells[row][column].is_missing())
        .count();
    // A mostly missing column agreeing with the target on its few values proves
    // little; so does one whose values are nearly all distinct (counting stops as
    // soon as more than half the rows have values of their own).
    let covers = present * 2 >= rows.len();
    let mut counts: HashMap<ValueKey, HashMap<usize, usize>> = HashMap::new();
    let mut repeating = covers;
    for (&row, &class) in rows.iter().zip(classes) {
        if !repeating {
            break;
        }
        if let Some(key) = ValueKey::of(&table.cells[row][column]) {
            *counts.entry(key).or_default().entry(class).or_insert(0) += 1;
            repeating = counts.len() * 2 <= rows.len();
        }
    }
    if repeating {
        // Rows a value-to-majority-class rule gets wrong.
        let wrong: usize = counts
            .values()
            .map(|by_class| {
                by_class.values().sum::<usize>() - by_class.values().max().unwrap_or(&0)
            })
            .sum();
        if wrong <= allowed {
            return Some(if wrong == 0 {
                "each of its values occurs with one class only".to_string()
            } else {
                format!("its values give the class of all but {wrong} of {present} rows")
            });
        }
    }
    if dataset.schema.kind(column) != ColumnKind::Numeric || rows.len() < 30 || !covers {
        return None;
    }
    // Sorted by value, a feature that thresholds separate changes class k − 1 times;
    // each row out of place adds at most two changes. Rows sharing a value count as
    // one step of their majority class, the others in it as out of place.
    let mut sorted: Vec<(f64, usize)> = rows
        .iter()
        .zip(classes)
        .filter_map(|(&row, &class)| Some((table.cells[row][column].as_number()?, class)))
        .collect();
    sorted.sort_by(|left, right| left.0.total_cmp(&right.0).then(left.1.cmp(&right.1)));
    let mut steps: Vec<usize> = Vec::new();
    let mut tied_out_of_place = 0;
    for group in sorted.chunk_by(|left, right| left.0 == right.0) {
        let mut by_class: HashMap<usize, usize> = HashMap::new();
        for &(_, class) in group {
            *by_class.entry(class).or_insert(0) += 1;
        }
        let (&majority, &count) = by_class
            .iter()
            .max_by_key(|&(class, count)| (*count, std::cmp::Reverse(*class)))?;
        tied_out_of_place += group.len() - count;
        steps.push(majority);
    }
    let changes = steps.windows(2).filter(|pair| pair[0] != pair[1]).count();
    let mut seen = steps.clone();
    seen.sort_unstable();
    seen.dedup();
    let out_of_place = tied_out_of_place + (changes + 1).saturating_sub(seen.len()).div_ceil(2);
    let separated = seen.len() >= 2 && out_of_place <= allowed;
    separated.then(|| {
        if out_of_place == 0 {
            "its value ranges per class do not overlap".to_string()
        } else {
            format!(
                "thresholds on it give the class of all but about {out_of_place} of {} rows",
                sorted.len()
            )
        }
    })
}

/// A numeric column's values at `rows`, NaN where missing.
pub(super) fn numeric_values(table: &RawTable, column: usize, rows: &[usize]) -> Vec<f64> {
    rows.iter()
        .map(|&row| table.cells[row][column].as_number().unwrap_or(f64::NAN))
        .collect()
}

/// Pearson's r over the positions where both values are present; `None` when fewer
/// than three pairs remain or either side is constant there.
pub fn correlation(left: &[f64], right: &[f64]) -> Option<f64> {
    let pairs: Vec<(f64, f64)> = left
        .iter()
        .zip(right)
        .filter(|(x, y)| !x.is_nan() && !y.is_nan())
        .map(|(&x, &y)| (x, y))
        .collect();
    if pairs.len() < 3 {
        return None;
    }
    let count = pairs.len() as f64;
    let mean_x = pairs.iter().map(|pair| pair.0).sum::<f64>() / count;
    let mean_y = pairs.iter().map(|pair| pair.1).sum::<f64>() / count;
    let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        xy += (x - mean_x) * (y - mean_y);
        xx += (x - mean_x).powi(2);
        yy += (y - mean_y).powi(2);
    }
    (xx > 0.0 && yy > 0.0).then(|| (xy / (xx * yy).sqrt()).clamp(-1.0, 1.0))
}

/// Numeric feature pairs with |r| > [`PAIR_CORRELATION`], strongest first.
pub(super) fn correlated_pairs(
    dataset: &Dataset,
    warnings: &mut Vec<String>,
) -> Vec<CorrelatedPair> {
    let table = &dataset.table;
    let numeric: Vec<usize> = dataset
        .feature_columns
        .iter()
        .copied()
        .filter(|&column| dataset.schema.kind(column) == ColumnKind::Numeric)
        .collect();
    if numeric.len() > CORRELATION_MAX_FEATURES {
        warnings.push(format!(
            "{} numeric features: correlated pairs were not searched (limit {CORRELATION_MAX_FEATURES})",
            numeric.len()
        ));
        return Vec::new();
    }
    let step = dataset.rows.len().div_ceil(CORRELATION_MAX_ROWS).max(1);
    let rows: Vec<usize> = dataset.rows.iter().step_by(step).copied().collect();
    let columns: Vec<Vec<f64>> = numeric
        .iter()
        .map(|&column| numeric_values(table, column, &rows))
        .collect();
    let mut pairs = Vec::new();
    for first in 0..columns.len() {
        for second in first + 1..columns.len() {
            if let Some(r) = correlation(&columns[first], &columns[second]) {
                if r.abs() > PAIR_CORRELATION {
                    pairs.push(CorrelatedPair {
                        first: table.column_names[numeric[first]].clone(),
                        second: table.column_names[numeric[second]].clone(),
                        correlation: r,
                    });
                }
            }
        }
    }
    pairs.sort_by(|left, right| right.correlation.abs().total_cmp(&left.correlation.abs()));
    if !pairs.is_empty() {
        let (count, noun, verb) = match pairs.len() {
            1 => (1, "pair", "correlates"),
            count => (count, "pairs", "correlate"),
        };
        warnings.push(format!(
            "{count} feature {noun} {verb} beyond |r| > {PAIR_CORRELATION}; they carry nearly the same information"
        ));
    }
    pairs.truncate(MAX_PAIRS);
    pairs
}
