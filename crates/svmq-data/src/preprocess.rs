//! Preprocessing fitted on some rows and applied to any: imputation, one-hot encoding
//! and scaling, turning table rows into the engine's [`Matrix`].
//!
//! The no-leakage rule lives here: [`Preprocessor::fit`] takes the rows to learn from
//! (a fold's training part, or the training split) and every statistic — means for
//! imputation, the most frequent category, the categories themselves, scaler centers
//! and scales — comes from those rows only. [`FittedPreprocessor::transform`] then
//! applies them unchanged to other rows.
//!
//! Per feature column, in table order:
//! - numeric: a missing value becomes the fitting rows' mean; then the scaler
//!   ([`ScalingMethod`]) is applied, its statistics computed on the imputed column, as
//!   an imputer followed by a scaler in a pipeline would;
//! - date ([`crate::date_features`]): four numbers, each imputed and scaled like a
//!   numeric feature;
//! - categorical: a missing value becomes the most frequent category (ties: the first
//!   in sorted order); then one 0/1 column per category seen in the fitting rows,
//!   in sorted order, left unscaled. A category not seen when fitting gives all
//!   zeros, not an error. A column of more than [`MAX_ONE_HOT_LEVELS`] categories
//!   keeps its most frequent ones and marks every other value in one more column.
//!
//! The fitted state is serde-serializable and matches inputs by column name, so it
//! also turns a prediction file or single rows (values keyed by name, or listed in
//! feature order) into a matrix, refusing missing, unknown or non-numeric features.
//! Target columns and the columns left out of the features (identifiers, free text,
//! constant, empty or excluded columns) may be present in inputs and are ignored.
//!
//! What it does not do: choose feature columns ([`crate::dataset`]) or scale targets
//! ([`crate::scaling::TargetScaler`]).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use svmq_core::Matrix;

use crate::dataset::Dataset;
use crate::date_features::FittedDate;
use crate::dates::DateFormat;
use crate::error::DataError;
use crate::scaling::{mean, Affine, ScalingMethod};
use crate::schema::ColumnKind;
use crate::table::{Cell, RawTable};

/// Choices for fitting a [`Preprocessor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PreprocessOptions {
    /// The scaler of numeric features; categorical (one-hot) columns are not scaled.
    pub scaling: ScalingMethod,
}

/// Which columns to preprocess and how; not yet fitted.
#[derive(Debug, Clone, PartialEq)]
pub struct Preprocessor {
    features: Vec<(String, FeatureKind)>,
    ignored: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FeatureKind {
    Numeric,
    Categorical,
    Date(DateFormat),
}

impl Preprocessor {
    /// A preprocessor for the dataset's feature columns.
    pub fn from_dataset(dataset: &Dataset) -> Preprocessor {
        let features = dataset
            .feature_columns
            .iter()
            .map(|&column| {
                let kind = match (
                    dataset.roles[column].date_format,
                    dataset.schema.kind(column),
                ) {
                    (Some(format), _) => FeatureKind::Date(format),
                    (None, ColumnKind::Categorical) => FeatureKind::Categorical,
                    (None, _) => FeatureKind::Numeric,
                };
                (dataset.table.column_names[column].clone(), kind)
            })
            .collect();
        let ignored = dataset
            .target_columns
            .iter()
            .chain(&dataset.ignored_columns)
            .map(|&column| dataset.table.column_names[column].clone())
            .collect();
        Preprocessor { features, ignored }
    }

    /// Learns every statistic from `rows` of `table` (indices into `table.cells`).
    pub fn fit(
        &self,
        table: &RawTable,
        rows: &[usize],
        options: &PreprocessOptions,
    ) -> Result<FittedPreprocessor, DataError> {
        if let Some(&row) = rows.iter().find(|&&row| row >= table.rows()) {
            return Err(DataError::InvalidSplit {
                reason: format!(
                    "row index {row} is outside the table of {} rows",
                    table.rows()
                ),
            });
        }
        let columns = locate(table, self.features.iter().map(|(name, _)| name.as_str()))?;
        let mut features = Vec::with_capacity(self.features.len());
        for ((name, kind), column) in self.features.iter().zip(columns) {
            let cells = rows.iter().map(|&row| (&table.cells[row][column], row));
            let fitted = match kind {
                FeatureKind::Numeric => fit_numeric(name, cells, table, options.scaling)?,
                FeatureKind::Categorical => fit_categorical(name, cells.map(|(cell, _)| cell)),
                FeatureKind::Date(format) => FittedFeature::Date(FittedDate::fit(
                    name,
                    *format,
                    cells.map(|(cell, row)| (cell, table.source_row(row))),
                    options.scaling,
                )?),
            };
            features.push(fitted);
        }
        Ok(FittedPreprocessor {
            scaling: options.scaling,
            features,
            ignored: self.ignored.clone(),
        })
    }
}

fn fit_numeric<'a>(
    name: &str,
    cells: impl Iterator<Item = (&'a Cell, usize)>,
    table: &RawTable,
    scaling: ScalingMethod,
) -> Result<FittedFeature, DataError> {
    let mut present = Vec::new();
    let mut missing = 0;
    for (cell, row) in cells {
        match cell {
            Cell::Number { value, .. } => present.push(*value),
            Cell::Missing => missing += 1,
            Cell::Text(_) => {
                return Err(DataError::FeatureNotNumeric {
                    feature: name.to_string(),
                    row: table.source_row(row),
                })
            }
        }
    }
    // With no value to learn from, impute 0 (and the scaler is the identity).
    let fill = if present.is_empty() {
        0.0
    } else {
        mean(&present)
    };
    present.extend(std::iter::repeat_n(fill, missing));
    Ok(FittedFeature::Numeric {
        name: name.to_string(),
        fill,
        scaling: Affine::fit(scaling, &present),
    })
}

pub use crate::roles::MAX_ONE_HOT_LEVELS;

fn fit_categorical<'a>(name: &str, cells: impl Iterator<Item = &'a Cell>) -> FittedFeature {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for text in cells.filter_map(Cell::text) {
        *counts.entry(text).or_insert(0) += 1;
    }
    // The BTreeMap iterates in sorted order; max_by_key keeps the last maximum, so
    // iterate in reverse to keep the first in sorted order on ties.
    let most_frequent = counts
        .iter()
        .rev()
        .max_by_key(|&(_, &count)| count)
        .map(|(category, _)| category.clone());
    let other = counts.len() > MAX_ONE_HOT_LEVELS;
    let mut categories: Vec<String> = if other {
        // The most frequent levels, ties broken by sorted order (a stable sort of
        // the sorted categories).
        let mut by_count: Vec<(String, usize)> = counts.into_iter().collect();
        by_count.sort_by_key(|entry| std::cmp::Reverse(entry.1));
        by_count.truncate(MAX_ONE_HOT_LEVELS);
        by_count.into_iter().map(|(category, _)| category).collect()
    } else {
        counts.into_keys().collect()
    };
    categories.sort();
    let fill = most_frequent.and_then(|category| categories.binary_search(&category).ok());
    FittedFeature::Categorical {
        name: name.to_string(),
        categories,
        fill,
        other,
    }
}

/// The position in `table` of each named column, or the error naming those absent.
fn locate<'a>(
    table: &RawTable,
    names: impl Iterator<Item = &'a str>,
) -> Result<Vec<usize>, DataError> {
    let mut columns = Vec::new();
    let mut absent = Vec::new();
    for name in names {
        match table.column_index(name) {
            Some(column) => columns.push(column),
            None => absent.push(name.to_string()),
        }
    }
    if absent.is_empty() {
        Ok(columns)
    } else {
        Err(DataError::MissingFeatures { names: absent })
    }
}

/// What was learned for one feature column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FittedFeature {
    /// A numeric column: imputed, then scaled into one output column.
    Numeric {
        /// The column's name.
        name: String,
        /// The value a missing cell becomes (the fitting rows' mean).
        fill: f64,
        /// The scaler fitted on the imputed fitting rows.
        scaling: Affine,
    },
    /// A categorical column: imputed, then one-hot encoded, unscaled.
    Categorical {
        /// The column's name.
        name: String,
        /// The categories seen when fitting, sorted: one output column each.
        categories: Vec<String>,
        /// The index in `categories` a missing cell becomes (the most frequent).
        fill: Option<usize>,
        /// Whether the column had more than [`MAX_ONE_HOT_LEVELS`] categories: then
        /// `categories` are the most frequent ones and one more output column, last,
        /// marks every other value (else an unseen value gives all zeros).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        other: bool,
    },
    /// A date column: four numbers (days since 1970, year, month, weekday), each
    /// imputed and scaled.
    Date(FittedDate),
}

impl FittedFeature {
    /// The column's name.
    pub fn name(&self) -> &str {
        match self {
            Self::Numeric { name, .. } | Self::Categorical { name, .. } => name,
            Self::Date(date) => &date.name,
        }
    }

    /// The number of matrix columns this feature becomes.
    pub fn width(&self) -> usize {
        match self {
            Self::Numeric { .. } => 1,
            Self::Categorical {
                categories, other, ..
            } => categories.len() + usize::from(*other),
            Self::Date(date) => date.parts.len(),
        }
    }

    /// Appends this feature's output values for one cell.
    fn encode(&self, cell: &Cell, row: usize, output: &mut Vec<f64>) -> Result<(), DataError> {
        match self {
            Self::Numeric {
                name,
                fill,
                scaling,
            } => {
                let value = match cell {
                    Cell::Number { value, .. } => *value,
                    Cell::Missing => *fill,
                    Cell::Text(_) => return Err(not_numeric(name, row)),
                };
                let scaled = scaling.apply(value);
                if !scaled.is_finite() {
                    return Err(not_numeric(name, row));
                }
                output.push(scaled);
            }
            Self::Categorical {
                categories,
                fill,
                other,
                ..
            } => {
                let start = output.len();
                output.resize(start + self.width(), 0.0);
                let index = match cell.text() {
                    // A value beyond the kept categories is "other" when there is one.
                    Some(text) => categories
                        .binary_search(&text)
                        .ok()
                        .or(other.then_some(categories.len())),
                    None => *fill,
                };
                if let Some(index) = index {
                    output[start + index] = 1.0;
                }
            }
            Self::Date(date) => date.encode(cell, row, output)?,
        }
        Ok(())
    }
}

/// A name as quoted in an error: whole when short, else its start.
fn short(name: &str) -> String {
    const SHOWN: usize = 40;
    match name.char_indices().nth(SHOWN) {
        None => name.to_string(),
        Some((end, _)) => format!("{}…", &name[..end]),
    }
}

fn not_numeric(name: &str, row: usize) -> DataError {
    DataError::FeatureNotNumeric {
        feature: name.to_string(),
        row,
    }
}

/// The fitted preprocessing: serializable, stored with a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedPreprocessor {
    scaling: ScalingMethod,
    features: Vec<FittedFeature>,
    /// Column names inputs may carry that are not features (targets and the columns
    /// left out): ignored rather than refused.
    ignored: Vec<String>,
}

impl FittedPreprocessor {
    /// The scaling method the numeric features were fitted with.
    pub fn scaling(&self) -> ScalingMethod {
        self.scaling
    }

    /// The fitted features, in input order.
    pub fn features(&self) -> &[FittedFeature] {
        &self.features
    }

    /// The input feature names, in the order a list of values must follow.
    pub fn input_names(&self) -> Vec<String> {
        self.features
            .iter()
            .map(|feature| feature.name().to_string())
            .collect()
    }

    /// One name per output column: the feature's name, or `name=category` for a
    /// one-hot column.
    pub fn output_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.output_width());
        for feature in &self.features {
            match feature {
                FittedFeature::Numeric { name, .. } => names.push(name.clone()),
                FittedFeature::Categorical {
                    name,
                    categories,
                    other,
                    ..
                } => {
                    names.extend(
                        categories
                            .iter()
                            .map(|category| format!("{name}={category}")),
                    );
                    if *other {
                        names.push(format!("{name}=(other)"));
                    }
                }
                FittedFeature::Date(date) => names.extend(date.output_names()),
            }
        }
        names
    }

    /// The number of matrix columns a row becomes: one per numeric feature, one per
    /// category of each categorical feature.
    pub fn output_width(&self) -> usize {
        self.features.iter().map(FittedFeature::width).sum()
    }

    /// Checks fitted state read from a file, so that transforming can neither index
    /// out of bounds nor compute with non-finite statistics: feature names distinct,
    /// numeric fills and scalers finite with a non-zero scale, categories sorted and
    /// distinct (they are looked up by binary search), a category fill in range.
    pub fn validate(&self) -> Result<(), DataError> {
        let invalid = |reason: String| Err(DataError::InvalidPreprocessing { reason });
        let mut names = HashSet::new();
        for feature in &self.features {
            if !names.insert(feature.name()) {
                return invalid(format!("feature {:?} appears twice", short(feature.name())));
            }
            match feature {
                FittedFeature::Numeric {
                    name,
                    fill,
                    scaling,
                } => {
                    let finite = fill.is_finite()
                        && scaling.center.is_finite()
                        && scaling.scale.is_finite()
                        && scaling.scale != 0.0;
                    if !finite {
                        return invalid(format!(
                            "feature {:?}: the fill value, center and scale must be finite and the scale non-zero",
                            short(name)
                        ));
                    }
                }
                FittedFeature::Categorical {
                    name,
                    categories,
                    fill,
                    ..
                } => {
                    if categories.windows(2).any(|pair| pair[0] >= pair[1]) {
                        return invalid(format!(
                            "feature {:?}: the categories are not sorted and distinct",
                            short(name)
                        ));
                    }
                    if fill.is_some_and(|index| index >= categories.len()) {
                        return invalid(format!(
                            "feature {:?}: the fill category is not one of its {} categories",
                            short(name),
                            categories.len()
                        ));
                    }
                }
                FittedFeature::Date(date) => {
                    if !date.is_valid() {
                        return invalid(format!(
                            "date feature {:?}: four parts with finite fill values, centers and non-zero scales are needed",
                            short(&date.name)
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Transforms `rows` of a table whose columns are matched by name: the training
    /// table itself, or a new table to predict on.
    pub fn transform(&self, table: &RawTable, rows: &[usize]) -> Result<Matrix, DataError> {
        self.check_names(&self.known_names(), table.column_names.iter())?;
        let columns = locate(table, self.features.iter().map(FittedFeature::name))?;
        let mut values = Vec::with_capacity(rows.len() * self.output_width());
        for &row in rows {
            let cells = table
                .cells
                .get(row)
                .ok_or_else(|| DataError::InvalidSplit {
                    reason: format!(
                        "row index {row} is outside the table of {} rows",
                        table.rows()
                    ),
                })?;
            for (feature, &column) in self.features.iter().zip(&columns) {
                feature.encode(&cells[column], table.source_row(row), &mut values)?;
            }
        }
        self.matrix(rows.len(), values)
    }

    /// Transforms every row of a table.
    pub fn transform_table(&self, table: &RawTable) -> Result<Matrix, DataError> {
        let rows: Vec<usize> = (0..table.rows()).collect();
        self.transform(table, &rows)
    }

    /// Transforms rows given as values keyed by column name (e.g. JSON objects).
    /// A [`Cell::Missing`] value is imputed; an absent feature is an error.
    pub fn transform_records<'a, R>(&self, records: &'a [R]) -> Result<Matrix, DataError>
    where
        &'a R: IntoIterator<Item = (&'a String, &'a Cell)>,
    {
        let mut values = Vec::with_capacity(records.len() * self.output_width());
        let positions: std::collections::HashMap<&str, usize> = self
            .features
            .iter()
            .enumerate()
            .map(|(position, feature)| (feature.name(), position))
            .collect();
        let known = self.known_names();
        let mut cells: Vec<Option<&Cell>> = vec![None; self.features.len()];
        for (index, record) in records.iter().enumerate() {
            cells.fill(None);
            self.check_names(&known, record.into_iter().map(|(name, _)| name))?;
            for (name, cell) in record {
                if let Some(&position) = positions.get(name.as_str()) {
                    cells[position] = Some(cell);
                }
            }
            let absent: Vec<String> = self
                .features
                .iter()
                .zip(&cells)
                .filter(|(_, cell)| cell.is_none())
                .map(|(feature, _)| feature.name().to_string())
                .collect();
            if !absent.is_empty() {
                return Err(DataError::MissingFeatures { names: absent });
            }
            for (feature, cell) in self.features.iter().zip(&cells) {
                let cell = cell.unwrap_or(&Cell::Missing);
                feature.encode(cell, index + 1, &mut values)?;
            }
        }
        self.matrix(records.len(), values)
    }

    /// Transforms rows given as lists of values in [`input_names`] order.
    ///
    /// [`input_names`]: FittedPreprocessor::input_names
    pub fn transform_lists(&self, rows: &[Vec<Cell>]) -> Result<Matrix, DataError> {
        let mut values = Vec::with_capacity(rows.len() * self.output_width());
        for (index, row) in rows.iter().enumerate() {
            if row.len() != self.features.len() {
                return Err(DataError::FeatureCount {
                    row: index + 1,
                    found: row.len(),
                    expected: self.input_names(),
                });
            }
            for (feature, cell) in self.features.iter().zip(row) {
                feature.encode(cell, index + 1, &mut values)?;
            }
        }
        self.matrix(rows.len(), values)
    }

    /// Every name an input may carry: the features and the ignored columns.
    fn known_names(&self) -> HashSet<&str> {
        self.features
            .iter()
            .map(FittedFeature::name)
            .chain(self.ignored.iter().map(String::as_str))
            .collect()
    }

    /// Refuses names that are neither features nor known non-feature columns.
    fn check_names<'a>(
        &self,
        known: &HashSet<&str>,
        names: impl Iterator<Item = &'a String>,
    ) -> Result<(), DataError> {
        let unknown: Vec<String> = names
            .filter(|name| !known.contains(name.as_str()))
            .cloned()
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(DataError::UnknownFeatures {
                names: unknown,
                expected: self.input_names(),
            })
        }
    }

    fn matrix(&self, rows: usize, values: Vec<f64>) -> Result<Matrix, DataError> {
        // Every value pushed is finite and each row is output_width long, so the engine
        // accepts it; its error is reported as invalid input all the same.
        Matrix::new(rows, self.output_width(), values).map_err(|error| DataError::Internal {
            reason: error.to_string(),
        })
    }
}
