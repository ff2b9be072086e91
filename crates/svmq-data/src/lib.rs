//! Reading svmq's input data and making it ready to train on.
//!
//! The path of a data set through this crate: [`table`] reads a file (CSV/TSV with
//! [`delimited`], `.xlsx` with [`spreadsheet`]) into a [`RawTable`] of cells;
//! [`schema`] types its columns; [`roles`] decides which are features, identifiers,
//! constant or free text; [`dataset`] picks the target(s) and features and
//! refuses data that cannot be trained on; [`split`] makes seeded, stratified
//! train/test splits and folds; [`preprocess`] fits imputation, one-hot encoding and
//! scaling on the training rows of a split or fold only and turns any rows into a
//! matrix; [`validate`] reports on data quality without training. The LIBSVM sparse
//! format has its own reader, [`libsvm`].
//!
//! This crate knows no SVM: it hands the engine plain matrices and labels.

#![warn(missing_docs)]

mod cell;
pub mod data_file;
pub mod dataset;
pub mod date_features;
pub mod dates;
pub mod delimited;
pub mod error;
pub mod labels;
pub mod libsvm;
pub mod positive_class;
pub mod preprocess;
pub mod roles;
pub mod scaling;
pub mod schema;
mod source;
pub mod split;
pub mod spreadsheet;
pub mod table;
pub mod task_choice;
pub mod validate;

pub use data_file::read_data_file;
pub use dataset::{Dataset, Target, TargetOptions, Task};
pub use error::DataError;
pub use labels::LabelEncoder;
pub use libsvm::{parse_libsvm, read_libsvm_file, write_libsvm, LibsvmData, ReadOptions};
pub use positive_class::{positive_class, PositiveClass};
pub use preprocess::{FittedPreprocessor, PreprocessOptions, Preprocessor};
pub use roles::{ColumnDecision, ColumnOverrides, ColumnRole};
pub use scaling::{ScalingMethod, TargetScaler};
pub use schema::{ColumnKind, ColumnSchema, Schema};
pub use split::{shuffled_folds, shuffled_split, stratified_folds, stratified_split, Folds, Split};
pub use table::{
    parse_table, read_table, read_table_until_stopped, Cell, HeaderMode, RawTable, ReadLimits,
    TableOptions,
};
pub use task_choice::{choose_task, infer_task, TaskChoice};
pub use validate::{validate, validate_owned, ValidationOptions, ValidationReport};
