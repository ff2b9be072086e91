//! The integration tests of svmq-data, one module per area:
//! - `table`: reading files (CSV/TSV/xlsx), caps and every reader error;
//! - `bounds`: what a hostile file may cost (decompressed bytes, field bytes, classes,
//!   magnitudes);
//! - `dataset`: targets, labels and the guards that refuse untrainable data;
//! - `preprocess`: fitting on some rows and transforming others, no leakage;
//! - `roles`: each column's role decided from generated tables, and the overrides;
//! - `real_tables`: the task chosen from the target, dates, leaks on training rows;
//! - `validate`: the data-quality report;
//! - `examples`: the repository's example data sets end to end through split and folds.

mod bounds;
mod common;
mod dataset;
mod examples;
mod preprocess;
mod real_tables;
mod roles;
mod table;
mod validate;
