//! Fitting preprocessing on some rows and applying it to others.

use std::collections::BTreeMap;

use svmq_data::preprocess::FittedFeature;
use svmq_data::scaling::Affine;
use svmq_data::{
    Cell, DataError, Dataset, FittedPreprocessor, PreprocessOptions, Preprocessor, ScalingMethod,
    TargetOptions, Task,
};

use crate::common::table;

fn dataset(text: &str) -> Dataset {
    Dataset::prepare(table(text), Task::Classification, &TargetOptions::default()).unwrap()
}

fn fit(dataset: &Dataset, rows: &[usize], scaling: ScalingMethod) -> FittedPreprocessor {
    Preprocessor::from_dataset(dataset)
        .fit(&dataset.table, rows, &PreprocessOptions { scaling })
        .unwrap()
}

fn numeric(fitted: &FittedPreprocessor, index: usize) -> (f64, Affine) {
    match &fitted.features()[index] {
        FittedFeature::Numeric { fill, scaling, .. } => (*fill, *scaling),
        other => panic!("not numeric: {other:?}"),
    }
}

fn close(left: f64, right: f64) -> bool {
    (left - right).abs() < 1e-9
}

/// Rows 0–3 (set A) are small numbers; rows 4–5 (set B) are huge and carry a
/// category A never has.
const SPLIT_DATA: &str = "size,colour,label\n\
    1,red,x\n\
    2,blue,y\n\
    ,red,x\n\
    3,,y\n\
    1000,green,x\n\
    5000,green,y\n";

#[test]
fn statistics_come_only_from_the_fitting_rows() {
    let dataset = dataset(SPLIT_DATA);
    let fitted = fit(&dataset, &[0, 1, 2, 3], ScalingMethod::Standard);
    let (fill, scaling) = numeric(&fitted, 0);
    // Mean of 1, 2, 3 (row 2 is missing); rows 4 and 5 are not seen.
    assert!(close(fill, 2.0), "{fill}");
    assert!(close(scaling.center, 2.0), "{scaling:?}");
    // Standard deviation of the imputed column 1, 2, 2, 3.
    assert!(close(scaling.scale, 0.5f64.sqrt()), "{scaling:?}");
    let FittedFeature::Categorical { categories, .. } = &fitted.features()[1] else {
        panic!("colour is categorical");
    };
    assert_eq!(categories, &["blue", "red"]);
    // Changing the rows not fitted on changes nothing; fitting on everything does.
    let mut changed = dataset.clone();
    changed.table.cells[4][0] = Cell::number(-7.0);
    changed.table.cells[5][1] = Cell::Text("purple".into());
    assert_eq!(
        fit(&changed, &[0, 1, 2, 3], ScalingMethod::Standard),
        fitted
    );
    assert_ne!(
        fit(&dataset, &[0, 1, 2, 3, 4, 5], ScalingMethod::Standard),
        fitted
    );
}

#[test]
fn transform_applies_fitted_statistics_to_other_rows() {
    let dataset = dataset(SPLIT_DATA);
    let fitted = fit(&dataset, &[0, 1, 2, 3], ScalingMethod::MinMax);
    assert_eq!(fitted.output_names(), ["size", "colour=blue", "colour=red"]);
    let matrix = fitted.transform(&dataset.table, &[4, 2, 3]).unwrap();
    assert_eq!(matrix.rows(), 3);
    // 1000 with min 1 and range 2: far outside [0, 1], as it must be without leakage.
    assert!(close(matrix.row(0)[0], 999.0 / 2.0));
    // An unseen category is all zeros, not an error.
    assert_eq!(&matrix.row(0)[1..], [0.0, 0.0]);
    // A missing size becomes the mean 2, then (2 - 1) / 2.
    assert!(close(matrix.row(1)[0], 0.5));
    // A missing colour becomes the most frequent, red.
    assert_eq!(&matrix.row(2)[1..], [0.0, 1.0]);
}

#[test]
fn robust_scaler_numbers() {
    let dataset = dataset("v,label\n1,a\n2,b\n3,a\n4,b\n5,a\n100,b\n");
    let fitted = fit(&dataset, &[0, 1, 2, 3, 4, 5], ScalingMethod::Robust);
    let (_, scaling) = numeric(&fitted, 0);
    assert!(close(scaling.center, 3.5), "{scaling:?}");
    assert!(close(scaling.scale, 2.5), "{scaling:?}");
    let matrix = fitted.transform(&dataset.table, &[5, 0]).unwrap();
    assert!(close(matrix.row(0)[0], 38.6));
    assert!(close(matrix.row(1)[0], -1.0));
}

#[test]
fn no_scaling_keeps_values() {
    let dataset = dataset("v,label\n1.5,a\n,b\n4.5,a\n");
    let fitted = fit(&dataset, &[0, 1, 2], ScalingMethod::None);
    let matrix = fitted.transform(&dataset.table, &[0, 1, 2]).unwrap();
    assert_eq!(matrix.values(), [1.5, 3.0, 4.5]);
}

#[test]
fn a_column_constant_in_the_fitting_rows_maps_to_zero() {
    let dataset = dataset("v,w,label\n5,1,a\n5,2,b\n7,3,a\n");
    for scaling in [
        ScalingMethod::Standard,
        ScalingMethod::MinMax,
        ScalingMethod::Robust,
    ] {
        let fitted = fit(&dataset, &[0, 1], scaling);
        let matrix = fitted.transform(&dataset.table, &[0, 1, 2]).unwrap();
        assert_eq!(matrix.row(0)[0], 0.0, "{scaling:?}");
        assert_eq!(matrix.row(2)[0], 2.0, "{scaling:?}");
        assert!(matrix.values().iter().all(|value| value.is_finite()));
    }
}

#[test]
fn fitted_state_survives_serialization() {
    let dataset = dataset(SPLIT_DATA);
    let fitted = fit(&dataset, &[0, 1, 2, 3], ScalingMethod::Robust);
    let json = serde_json::to_string(&fitted).unwrap();
    let back: FittedPreprocessor = serde_json::from_str(&json).unwrap();
    assert_eq!(back, fitted);
    let rows = [0, 1, 2, 3, 4, 5];
    assert_eq!(
        back.transform(&dataset.table, &rows).unwrap(),
        fitted.transform(&dataset.table, &rows).unwrap()
    );
}

fn record(pairs: &[(&str, Cell)]) -> BTreeMap<String, Cell> {
    pairs
        .iter()
        .map(|(name, cell)| (name.to_string(), cell.clone()))
        .collect()
}

#[test]
fn single_rows_by_name_or_in_order() {
    let dataset = dataset(SPLIT_DATA);
    let fitted = fit(&dataset, &[0, 1, 2, 3], ScalingMethod::Standard);
    assert_eq!(fitted.input_names(), ["size", "colour"]);
    let by_name = record(&[
        ("colour", Cell::parse("blue")),
        ("size", Cell::number(2.0)),
        // The target may come along; it is ignored.
        ("label", Cell::parse("x")),
    ]);
    let in_order = vec![Cell::number(2.0), Cell::parse("blue")];
    let from_records = fitted.transform_records(&[by_name]).unwrap();
    let from_lists = fitted.transform_lists(&[in_order]).unwrap();
    assert_eq!(from_records, from_lists);
    assert_eq!(from_records.values(), [0.0, 1.0, 0.0]);
    // null (missing) is imputed.
    let imputed = fitted
        .transform_records(&[record(&[
            ("size", Cell::Missing),
            ("colour", Cell::Missing),
        ])])
        .unwrap();
    assert_eq!(imputed.values(), [0.0, 0.0, 1.0]);
}

#[test]
fn missing_extra_and_wrong_features_are_clear_errors() {
    let dataset = dataset(SPLIT_DATA);
    let fitted = fit(&dataset, &[0, 1, 2, 3], ScalingMethod::Standard);
    let error = fitted
        .transform_records(&[record(&[("size", Cell::number(1.0))])])
        .unwrap_err();
    assert!(
        matches!(error, DataError::MissingFeatures { .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .starts_with("missing feature(s): `colour`"),
        "{error}"
    );
    let error = fitted
        .transform_records(&[record(&[
            ("size", Cell::number(1.0)),
            ("colour", Cell::parse("red")),
            ("weight", Cell::number(3.0)),
        ])])
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown feature(s): `weight`; the model's features are: `size`, `colour`"
    );
    let error = fitted
        .transform_lists(&[vec![Cell::number(1.0)]])
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "row 1: 1 feature values given, but the model takes 2 in this order: `size`, `colour`"
    );
    let error = fitted
        .transform_lists(&[
            vec![Cell::number(1.0), Cell::parse("red")],
            vec![Cell::parse("tall-secret"), Cell::parse("red")],
        ])
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "row 2: the feature `size` must be a finite number"
    );
}

#[test]
fn a_prediction_table_is_matched_by_column_name() {
    let dataset = dataset(SPLIT_DATA);
    let fitted = fit(&dataset, &[0, 1, 2, 3], ScalingMethod::None);
    let new_data = table("colour,size\nred,4\nblue,NA\n");
    let matrix = fitted.transform_table(&new_data).unwrap();
    assert_eq!(matrix.values(), [4.0, 0.0, 1.0, 2.0, 1.0, 0.0]);
    let missing = table("colour,height\nred,4\nblue,5\n");
    let error = fitted.transform_table(&missing).unwrap_err();
    assert!(error.to_string().contains("`height`"), "{error}");
    let text_in_numbers = table("colour,size\nred,4\nblue,big\n");
    let error = fitted.transform_table(&text_in_numbers).unwrap_err();
    assert_eq!(
        error.to_string(),
        "row 3: the feature `size` must be a finite number"
    );
}

#[test]
fn fitting_refuses_rows_outside_the_table() {
    let dataset = dataset(SPLIT_DATA);
    let error = Preprocessor::from_dataset(&dataset)
        .fit(&dataset.table, &[0, 99], &PreprocessOptions::default())
        .unwrap_err();
    assert!(error.to_string().contains("row index 99"), "{error}");
}

/// Fitted preprocessing read back from a file, edited: each edit is refused.
#[test]
fn edited_fitted_preprocessing_is_refused_instead_of_panicking_later() {
    let data = dataset("size,colour,label\n1,red,x\n2,blue,y\n3,red,x\n4,green,y\n");
    let fitted = fit(&data, &[0, 1, 2, 3], ScalingMethod::Standard);
    fitted.validate().expect("fitted preprocessing is valid");
    let value = serde_json::to_value(&fitted).unwrap();
    type Edit = fn(&mut serde_json::Value);
    let edits: [(&str, Edit); 6] = [
        // A fill index past the categories made transforming index out of bounds.
        ("fill", |v| v["features"][1]["fill"] = 99.into()),
        ("sorted", |v| {
            v["features"][1]["categories"] = serde_json::json!(["red", "blue"])
        }),
        ("scale", |v| {
            v["features"][0]["scaling"]["scale"] = 0.0.into()
        }),
        ("finite", |v| {
            v["features"][0]["fill"] = serde_json::json!(1e308_f64 * 10.0)
        }),
        ("twice", |v| {
            let first = v["features"][0].clone();
            v["features"].as_array_mut().unwrap().push(first)
        }),
        ("sorted", |v| {
            v["features"][1]["categories"] = serde_json::json!(["a", "a"])
        }),
    ];
    for (expected, edit) in edits {
        let mut edited = value.clone();
        edit(&mut edited);
        // Some edits do not even deserialize (JSON has no infinity); the rest must
        // fail validation.
        if let Ok(read) = serde_json::from_value::<FittedPreprocessor>(edited) {
            let error = read.validate().expect_err(expected).to_string();
            assert!(error.contains(expected), "{expected}: {error}");
        }
    }
}
