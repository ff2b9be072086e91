//! A date column as fitted preprocessing: each cell read in the column's format
//! ([`crate::dates`]) becomes four numbers — days since 1970, year, month, day of the
//! week — each imputed with its mean over the fitting rows and scaled like a numeric
//! feature, its statistics learned from the fitting rows only.
//!
//! What it does not do: recognize the format (that is decided once per column, with
//! its role, in [`crate::roles`]).

use serde::{Deserialize, Serialize};

use crate::dates::{derived, DateFormat, DERIVED_NAMES};
use crate::error::DataError;
use crate::scaling::{mean, Affine, ScalingMethod};
use crate::table::Cell;

/// What was learned for one of a date's derived numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatePart {
    /// The value a missing date gives (the fitting rows' mean).
    pub fill: f64,
    /// The scaler fitted on the imputed values.
    pub scaling: Affine,
}

/// A fitted date column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedDate {
    /// The column's name.
    pub name: String,
    /// How its cells are written.
    pub format: DateFormat,
    /// One per name of [`DERIVED_NAMES`], in that order.
    pub parts: Vec<DatePart>,
}

impl FittedDate {
    /// Learns the fills and scalers from the cells of the fitting rows (`(cell, row as
    /// the file numbers it)`); a cell that is not a date in `format` is refused.
    pub fn fit<'a>(
        name: &str,
        format: DateFormat,
        cells: impl Iterator<Item = (&'a Cell, usize)>,
        scaling: ScalingMethod,
    ) -> Result<FittedDate, DataError> {
        let mut present: [Vec<f64>; 4] = Default::default();
        let mut missing = 0;
        for (cell, row) in cells {
            match read(name, format, cell, row)? {
                Some(values) => {
                    for (column, value) in present.iter_mut().zip(values) {
                        column.push(value);
                    }
                }
                None => missing += 1,
            }
        }
        let parts = present
            .into_iter()
            .map(|mut values| {
                let fill = if values.is_empty() {
                    0.0
                } else {
                    mean(&values)
                };
                values.extend(std::iter::repeat_n(fill, missing));
                DatePart {
                    fill,
                    scaling: Affine::fit(scaling, &values),
                }
            })
            .collect();
        Ok(FittedDate {
            name: name.to_string(),
            format,
            parts,
        })
    }

    /// The output columns' names: `name:days`, `name:year`, `name:month`,
    /// `name:weekday`.
    pub fn output_names(&self) -> impl Iterator<Item = String> + '_ {
        DERIVED_NAMES
            .iter()
            .map(move |part| format!("{}:{part}", self.name))
    }

    /// Appends the four scaled numbers of one cell (`row` numbers it in errors).
    pub fn encode(&self, cell: &Cell, row: usize, output: &mut Vec<f64>) -> Result<(), DataError> {
        let values = read(&self.name, self.format, cell, row)?;
        for (index, part) in self.parts.iter().enumerate() {
            let value = values.map_or(part.fill, |values| values[index]);
            let scaled = part.scaling.apply(value);
            if !scaled.is_finite() {
                return Err(not_a_date(&self.name, self.format, row));
            }
            output.push(scaled);
        }
        Ok(())
    }

    /// Whether the fitted state read from a file can be used: four parts, finite,
    /// with non-zero scales.
    pub fn is_valid(&self) -> bool {
        self.parts.len() == DERIVED_NAMES.len()
            && self.parts.iter().all(|part| {
                part.fill.is_finite()
                    && part.scaling.center.is_finite()
                    && part.scaling.scale.is_finite()
                    && part.scaling.scale != 0.0
            })
    }
}

/// The derived numbers of a cell; `None` for a missing one.
fn read(
    name: &str,
    format: DateFormat,
    cell: &Cell,
    row: usize,
) -> Result<Option<[f64; 4]>, DataError> {
    if cell.is_missing() {
        return Ok(None);
    }
    match format.days(cell) {
        Some(days) => Ok(Some(derived(days))),
        None => Err(not_a_date(name, format, row)),
    }
}

fn not_a_date(name: &str, format: DateFormat, row: usize) -> DataError {
    DataError::NotADate {
        feature: name.to_string(),
        format: format.name(),
        row,
    }
}
