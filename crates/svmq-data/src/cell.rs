//! One field of a table, as read from a file: missing, a finite number, or text.
//!
//! What it does not do: know which column a cell is in or what type that column has;
//! that is [`crate::table`] and [`crate::schema`].

use std::fmt::Write as _;

/// One field of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Empty, or one of the missing-value markers (see [`Cell::parse`]).
    Missing,
    /// A finite number. `written` keeps the text as it stood in the file when printing
    /// `value` would not give it back (`1.0`, `+1`, `007`), so labels keep their
    /// original spelling; it is `None` whenever `value`'s shortest form is the text.
    Number {
        /// The number, always finite.
        value: f64,
        /// The text as written in the file, when it differs from `value`'s shortest form.
        written: Option<Box<str>>,
    },
    /// Anything else, trimmed of surrounding whitespace.
    Text(String),
}

/// The markers read as a missing value (compared ignoring ASCII case), besides an
/// empty field.
pub const MISSING_MARKERS: [&str; 5] = ["na", "n/a", "nan", "null", "?"];

impl Cell {
    /// Reads one field: surrounding whitespace is dropped; empty or a missing marker
    /// is [`Cell::Missing`]; a finite number is [`Cell::Number`]; anything else
    /// (including `inf`) is [`Cell::Text`].
    pub fn parse(field: &str) -> Cell {
        let text = field.trim();
        if text.is_empty()
            || MISSING_MARKERS
                .iter()
                .any(|marker| text.eq_ignore_ascii_case(marker))
        {
            return Cell::Missing;
        }
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => {
                let mut shortest = String::new();
                // Writing to a String cannot fail.
                let _ = write!(shortest, "{value}");
                let written = (shortest != text).then(|| Box::from(text));
                Cell::Number { value, written }
            }
            _ => Cell::Text(text.to_string()),
        }
    }

    /// A number cell (non-finite values become [`Cell::Missing`]).
    pub fn number(value: f64) -> Cell {
        if value.is_finite() {
            Cell::Number {
                value,
                written: None,
            }
        } else {
            Cell::Missing
        }
    }

    /// Whether this is [`Cell::Missing`].
    pub fn is_missing(&self) -> bool {
        matches!(self, Cell::Missing)
    }

    /// The value of a number cell.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Cell::Number { value, .. } => Some(*value),
            _ => None,
        }
    }

    /// The cell as text, spelled as in the file; `None` for a missing cell. This is how
    /// a number in a text column becomes a category, and how labels are named.
    pub fn text(&self) -> Option<String> {
        match self {
            Cell::Missing => None,
            Cell::Number {
                written: Some(written),
                ..
            } => Some(written.to_string()),
            Cell::Number { value, .. } => Some(value.to_string()),
            Cell::Text(text) => Some(text.clone()),
        }
    }
}
