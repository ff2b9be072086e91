//! What a column's cells say about it: whether it is an identifier (a value that names
//! a row rather than measures it) or free text, and why.
//!
//! The rules, each needing at least [`MIN_VALUES`] non-missing values and a column
//! nearly unique per row (at least [`NEAR_UNIQUE`] of its values distinct):
//! - whole numbers filling their range with few gaps (distinct values over
//!   `max − min + 1` at least [`SEQUENCE_DENSITY`], or [`LONG_SEQUENCE_DENSITY`] from
//!   [`LONG_SEQUENCE_VALUES`] values on): a row number or a sequence, in any order;
//! - whole numbers in a column whose name says identifier (`id`, `key`, `code`,
//!   `uuid`, `ref`, `serial`, `order_no`, `customerID`, ...), whatever their range;
//! - whole numbers written with leading zeros, or of one width of at least
//!   [`CODE_DIGITS`] digits (for nine values in ten) and rarely round: codes;
//! - text (UUIDs, hexadecimal strings, codes mixing letters and digits, names or
//!   sentences): a text column nearly unique per row.
//!
//! Numbers that are not whole are never identifiers: a measurement in floating point
//! is unique per row by nature. A whole-number measurement is rarely both nearly
//! unique and dense in its range (n values drawn from a range of n/0.8 collide almost
//! surely), which is what the sequence rule relies on; in small tables the looser
//! density needs [`LONG_SEQUENCE_VALUES`] values for the same reason.
//!
//! Free text: a text column that is not nearly unique but has at least half its values
//! distinct, averaging at least [`TEXT_WORDS`] words: one-hot encoding it gives a
//! column per sentence, which cannot generalize.
//!
//! What it does not do: decide the role or apply overrides ([`super`]), or recognize
//! dates (a date role, when it comes, is decided before these rules: a date unique per
//! row is a time, not a code). Reasons name counts and shapes, never cell contents.

use std::collections::HashMap;

use crate::schema::{ColumnKind, ColumnSchema};
use crate::table::Cell;

/// Non-missing values a column needs before any rule judges it.
pub const MIN_VALUES: usize = 10;
/// The share of distinct values among the non-missing ones from which a column is
/// nearly unique per row.
pub const NEAR_UNIQUE: f64 = 0.95;
/// Distinct values over `max − min + 1` from which whole numbers are a sequence.
pub const SEQUENCE_DENSITY: f64 = 0.8;
/// The looser density for sequences of many values (ids with gaps left by deleted
/// rows).
pub const LONG_SEQUENCE_DENSITY: f64 = 0.5;
/// Values from which [`LONG_SEQUENCE_DENSITY`] applies.
pub const LONG_SEQUENCE_VALUES: usize = 30;
/// Digits from which whole numbers of one width are codes.
pub const CODE_DIGITS: usize = 6;
/// Average words per value from which a text column is free text.
pub const TEXT_WORDS: f64 = 4.0;

/// What the content rules found in a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Finding {
    /// A value naming the row, not measuring it; the reason says which rule.
    Identifier(String),
    /// Sentences rather than categories.
    Text(String),
}

/// Applies the rules of the module docs to one column (`cells` top to bottom).
pub(super) fn examine(column: &ColumnSchema, cells: &[&Cell]) -> Option<Finding> {
    let present = column.numbers + column.texts;
    if present < MIN_VALUES {
        return None;
    }
    match column.kind {
        ColumnKind::Numeric => whole_number_identifier(column, cells).map(Finding::Identifier),
        ColumnKind::Categorical => text_finding(column, cells),
        ColumnKind::Constant | ColumnKind::Empty => None,
    }
}

/// Whether at least [`NEAR_UNIQUE`] of `present` values are distinct.
fn near_unique(distinct: usize, present: usize) -> bool {
    distinct as f64 >= NEAR_UNIQUE * present as f64
}

/// "different in each of the 20 rows", or "19 different values in 20 rows".
fn uniqueness(column: &ColumnSchema) -> String {
    let present = column.numbers + column.texts;
    match (column.distinct == present, column.missing) {
        (true, 0) => format!("different in each of the {present} rows"),
        (true, _) => format!("different in each of the {present} rows that have one"),
        (false, _) => format!("{} different values in {present} rows", column.distinct),
    }
}

/// The largest magnitude at which every whole number is exact in an `f64`.
const EXACT_WHOLE: f64 = 9_007_199_254_740_992.0;

fn whole_number_identifier(column: &ColumnSchema, cells: &[&Cell]) -> Option<String> {
    let present = column.numbers;
    if !near_unique(column.distinct, present) {
        return None;
    }
    let mut minimum = f64::INFINITY;
    let mut maximum = f64::NEG_INFINITY;
    let mut leading_zeros = 0;
    let mut round = 0;
    let mut widths: HashMap<usize, usize> = HashMap::new();
    for cell in cells {
        let Cell::Number { value, written } = *cell else {
            continue;
        };
        if value.fract() != 0.0 || value.abs() > EXACT_WHOLE {
            return None;
        }
        minimum = minimum.min(*value);
        maximum = maximum.max(*value);
        let digits = match written.as_deref() {
            Some(text) if text.len() > 1 && text.starts_with('0') && is_digits(text) => {
                leading_zeros += 1;
                text.len()
            }
            _ => digit_count(value.abs() as u64),
        };
        *widths.entry(digits).or_insert(0) += 1;
        if *value != 0.0 && value % 100.0 == 0.0 {
            round += 1;
        }
    }
    let unique = uniqueness(column);
    let density = column.distinct as f64 / (maximum - minimum + 1.0);
    if density >= SEQUENCE_DENSITY
        || (density >= LONG_SEQUENCE_DENSITY && present >= LONG_SEQUENCE_VALUES)
    {
        return Some(format!(
            "whole numbers {unique}, filling their range with few gaps: a row number or sequence, in any order"
        ));
    }
    if name_says_identifier(&column.name) {
        return Some(format!(
            "named like an identifier, with whole numbers {unique}"
        ));
    }
    let (&width, &count) = widths
        .iter()
        .max_by_key(|&(width, count)| (*count, *width))?;
    let one_width = count * 10 >= present * 9;
    if one_width && leading_zeros > 0 && width >= 3 {
        return Some(format!(
            "numbers of {width} digits written with leading zeros, {unique}: codes, not measurements"
        ));
    }
    if one_width && width >= CODE_DIGITS && round * 5 <= present && minimum >= 0.0 {
        return Some(format!(
            "whole numbers of {width} digits, {unique}: codes, not measurements"
        ));
    }
    None
}

/// Decimal digits of a whole number (1 for 0).
fn digit_count(mut value: u64) -> usize {
    let mut digits = 1;
    while value >= 10 {
        value /= 10;
        digits += 1;
    }
    digits
}

fn is_digits(text: &str) -> bool {
    text.bytes().all(|byte| byte.is_ascii_digit())
}

fn text_finding(column: &ColumnSchema, cells: &[&Cell]) -> Option<Finding> {
    let present = column.numbers + column.texts;
    if near_unique(column.distinct, present) {
        // Mostly fractional numbers with some stray text: a measurement, not a code.
        let fractional = cells
            .iter()
            .filter(|cell| cell.as_number().is_some_and(|value| value.fract() != 0.0))
            .count();
        if fractional * 2 >= present {
            return None;
        }
        let shape = text_shape(cells.iter().filter_map(|cell| cell.text()), present);
        return Some(Finding::Identifier(format!(
            "{shape}, {}",
            uniqueness(column)
        )));
    }
    if column.distinct * 2 < present || column.texts == 0 {
        return None;
    }
    let words: usize = cells
        .iter()
        .filter_map(|cell| match cell {
            Cell::Text(text) => Some(text.split_whitespace().count()),
            _ => None,
        })
        .sum();
    let average = words as f64 / column.texts as f64;
    (average >= TEXT_WORDS).then(|| {
        Finding::Text(format!(
            "free text of about {average:.0} words a value, {}",
            uniqueness(column)
        ))
    })
}

/// The shape most values share (nine in ten), for the reason: `UUIDs`, `hexadecimal
/// codes`, `codes mixing letters and digits`, or `text`.
fn text_shape(values: impl Iterator<Item = String>, present: usize) -> &'static str {
    let (mut uuids, mut hexadecimal, mut codes) = (0, 0, 0);
    for value in values {
        if is_uuid(&value) {
            uuids += 1;
        } else if is_hexadecimal(&value) {
            hexadecimal += 1;
        } else if is_code(&value) {
            codes += 1;
        }
    }
    let most = |count: usize| count * 10 >= present * 9;
    if most(uuids) {
        "UUIDs"
    } else if most(uuids + hexadecimal) {
        "hexadecimal codes"
    } else if most(uuids + hexadecimal + codes) {
        "codes mixing letters and digits"
    } else {
        "text"
    }
}

/// `8-4-4-4-12` hexadecimal digits, optionally in braces, or 32 hexadecimal digits.
fn is_uuid(value: &str) -> bool {
    let inner = value
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
        .unwrap_or(value);
    let bytes = inner.as_bytes();
    match bytes.len() {
        32 => bytes.iter().all(u8::is_ascii_hexdigit),
        36 => bytes.iter().enumerate().all(|(index, byte)| match index {
            8 | 13 | 18 | 23 => *byte == b'-',
            _ => byte.is_ascii_hexdigit(),
        }),
        _ => false,
    }
}

/// At least 8 hexadecimal digits (after an optional `0x`), with a digit and a letter.
fn is_hexadecimal(value: &str) -> bool {
    let digits = value
        .strip_prefix("0x")
        .or_else(|| value.strip_prefix("0X"))
        .unwrap_or(value);
    digits.len() >= 8
        && digits.bytes().all(|byte| byte.is_ascii_hexdigit())
        && digits.bytes().any(|byte| byte.is_ascii_digit())
        && digits.bytes().any(|byte| byte.is_ascii_alphabetic())
}

/// One token of letters and digits (and `-_/.#:` separators), with both a letter and a
/// digit: `A-1042`, `INV2023-0007`, `x9f3k2`.
fn is_code(value: &str) -> bool {
    value.chars().all(|character| {
        character.is_alphanumeric() || matches!(character, '-' | '_' | '/' | '.' | '#' | ':')
    }) && value.chars().any(char::is_alphabetic)
        && value.chars().any(|character| character.is_ascii_digit())
}

/// Words that name an identifier when they are a whole word of a column name.
const IDENTIFIER_WORDS: [&str; 14] = [
    "id",
    "ids",
    "uuid",
    "guid",
    "key",
    "pk",
    "code",
    "ref",
    "reference",
    "serial",
    "sku",
    "idx",
    "index",
    "identifier",
];

/// Words that name an identifier at the end of a longer name: `order_no`,
/// `account_number`, `case_nr`.
const NUMBER_WORDS: [&str; 5] = ["no", "nr", "num", "number", "#"];

/// Things a table numbers, for names written without a separator (`customerid`).
const NUMBERED_THINGS: [&str; 24] = [
    "user",
    "customer",
    "client",
    "order",
    "account",
    "patient",
    "employee",
    "member",
    "product",
    "item",
    "record",
    "row",
    "transaction",
    "session",
    "person",
    "student",
    "subject",
    "sample",
    "case",
    "application",
    "invoice",
    "ticket",
    "device",
    "participant",
];

/// Whether a column's name says it holds identifiers: one of its words (split at
/// separators and lower-to-upper case changes) is an identifier word, it ends in a
/// number word after another word (`order_no`, not `number_of_rooms`), or it is a
/// numbered thing followed by `id` without a separator (`customerid`).
pub(super) fn name_says_identifier(name: &str) -> bool {
    let words = name_words(name);
    if words
        .iter()
        .any(|word| IDENTIFIER_WORDS.contains(&word.as_str()))
    {
        return true;
    }
    let ends_in_number = words.len() >= 2
        && NUMBER_WORDS.contains(&words[words.len() - 1].as_str())
        && !matches!(words[0].as_str(), "n" | "no" | "num" | "number");
    ends_in_number
        || words.iter().any(|word| {
            word.strip_suffix("id")
                .is_some_and(|thing| NUMBERED_THINGS.contains(&thing))
        })
        || name.trim() == "#"
}

/// A name's words, lowercase: split at anything not a letter or digit and where a
/// lowercase letter or digit is followed by an uppercase one (`applicationId`).
fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for character in name.chars() {
        if !character.is_alphanumeric() && character != '#' {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = false;
            continue;
        }
        if character.is_uppercase() && previous_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = character.is_lowercase() || character.is_ascii_digit();
        word.extend(character.to_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_say_identifier() {
        for name in [
            "id",
            "ID",
            "application_id",
            "applicationId",
            "CustomerID",
            "customerid",
            "sample_code",
            "order_no",
            "Account Number",
            "uuid",
            "row_index",
            "#",
        ] {
            assert!(name_says_identifier(name), "{name}");
        }
        for name in [
            "width",
            "paid",
            "valid",
            "number_of_rooms",
            "num_visits",
            "humidity",
            "acid",
            "keyboard_hours",
            "idea_score",
        ] {
            assert!(!name_says_identifier(name), "{name}");
        }
    }

    #[test]
    fn text_shapes() {
        assert!(is_uuid("3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b"));
        assert!(is_uuid("{3F2B8C1E-9A4D-4E6F-8B2A-1C3D5E7F9A0B}"));
        assert!(!is_uuid("3f2b8c1e-9a4d-4e6f-8b2a"));
        assert!(is_hexadecimal("9f86d081884c7d65"));
        assert!(!is_hexadecimal("deadbeefcafe"), "no digit");
        assert!(!is_hexadecimal("12345678"), "no letter");
        assert!(is_code("INV2023-0007"));
        assert!(is_code("x9f3k2"));
        assert!(!is_code("Anna Schmidt"));
        assert!(!is_code("2023-05-01"));
    }
}
