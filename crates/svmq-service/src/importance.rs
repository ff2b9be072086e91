//! What a fitted model says about its features: permutation importance on the test
//! split, and the primal weights of a linear model.

use crate::training_report::{FeatureImportance, LinearWeights};
use rayon::prelude::*;
use svmq_core::random::Random;
use svmq_core::{FitControl, Kernel, Matrix, Model};
use svmq_data::FittedPreprocessor;
use svmq_tune::evaluation::{
    interpret, needs_probability, predict, score, Task as TuneTask, TrainingStatistics,
};
use svmq_tune::metrics::{Direction, Metric};

/// Test rows permutation importance is measured on at most, a random sample of a larger
/// split: its dot products with the support vectors are held at once, which for 200,000
/// test rows and 1,200 support vectors would be 1.9 GB; at this size, under 100 MB.
pub(crate) const MAX_IMPORTANCE_ROWS: usize = 10_000;

/// Permutations per feature for permutation importance.
const IMPORTANCE_REPEATS: usize = 5;

/// Permutation importance on the test split (a sample of [`MAX_IMPORTANCE_ROWS`] of a
/// larger one): for each input feature, shuffle its (preprocessed) columns across rows
/// and measure how much the score worsens.
///
/// Shuffling one feature changes each row's dot product with a support vector (or with
/// a random Fourier frequency) only by that feature's terms, so the dot products are
/// computed once and then corrected ([`PredictionBase`]): the cost per permutation is
/// rows × support vectors × the feature's columns, not × every column.
#[allow(clippy::too_many_arguments)]
pub(crate) fn permutation_importance(
    model: &Model,
    fitted: &FittedPreprocessor,
    test: &Matrix,
    truth: &[f64],
    task: TuneTask,
    statistics: &TrainingStatistics,
    metric: Metric,
    seed: u64,
    control: &FitControl,
) -> Option<Vec<FeatureImportance>> {
    let sample;
    let (test, truth) = if test.rows() > MAX_IMPORTANCE_ROWS {
        let mut rows: Vec<usize> = (0..test.rows()).collect();
        Random::for_stream(seed, 0x696d70).shuffle(&mut rows);
        rows.truncate(MAX_IMPORTANCE_ROWS);
        rows.sort_unstable();
        sample = (
            test.select_rows(&rows),
            rows.iter().map(|&row| truth[row]).collect::<Vec<f64>>(),
        );
        (&sample.0, sample.1.as_slice())
    } else {
        (test, truth)
    };
    let probability = needs_probability(metric, task) && model.probability.is_some();
    let metric = if needs_probability(metric, task) && !probability {
        Metric::Accuracy
    } else {
        metric
    };
    let baseline = score(
        metric,
        task,
        truth,
        &predict(model, test, task, statistics, probability),
    );
    let sign = match metric.direction() {
        Direction::Maximize => 1.0,
        Direction::Minimize => -1.0,
    };
    let base = PredictionBase::new(model, test);
    let rows = test.rows();
    let width = base.width;
    let row_norms: Vec<f64> = test.squared_norms();
    let predictor = model.predictor();
    feature_columns(fitted)
        .into_par_iter()
        .enumerate()
        .map(|(index, (name, columns))| {
            // Each feature's repeats take a predict pass over the test split: a stop
            // is seen between features.
            if control.is_stopped() {
                return None;
            }
            // The feature's columns, one contiguous vector per column, so that the
            // correction below vectorizes.
            let base_columns: Vec<Vec<f64>> =
                columns.clone().map(|c| base.column(model, c)).collect();
            let mut random = Random::for_stream(seed, index as u64);
            let drops: Vec<f64> = (0..IMPORTANCE_REPEATS)
                .map(|_| {
                    let mut order: Vec<usize> = (0..rows).collect();
                    random.shuffle(&mut order);
                    let predictions: Vec<svmq_core::Prediction> = (0..rows)
                        .map(|r| {
                            let (own, moved) = (test.row(r), test.row(order[r]));
                            let norm = row_norms[r]
                                + columns
                                    .clone()
                                    .map(|c| moved[c] * moved[c] - own[c] * own[c])
                                    .sum::<f64>();
                            let mut values = base.values[r * width..(r + 1) * width].to_vec();
                            for (c, column) in columns.clone().zip(&base_columns) {
                                let change = moved[c] - own[c];
                                if change != 0.0 {
                                    for (value, &x) in values.iter_mut().zip(column) {
                                        *value += change * x;
                                    }
                                }
                            }
                            let kernel_values = base.kernel_values(model, values, norm);
                            predictor.predict_from_kernel(&kernel_values, probability)
                        })
                        .collect();
                    let permuted = score(
                        metric,
                        task,
                        truth,
                        &interpret(model, predictions, task, statistics, probability),
                    );
                    sign * (baseline - permuted)
                })
                .collect();
            let mean = drops.iter().sum::<f64>() / drops.len() as f64;
            let variance =
                drops.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / drops.len() as f64;
            Some(FeatureImportance {
                feature: name,
                importance: mean,
                standard_deviation: variance.sqrt(),
            })
        })
        .collect()
}

/// What a row's kernel values are computed from, linear in the row: its dot products
/// with the support vectors, or (random Fourier features) the map's arguments
/// `W·x + b`. Permuting a feature moves them by its change times one column, so they
/// are computed once.
struct PredictionBase {
    /// `width` values per test row.
    values: Vec<f64>,
    width: usize,
    /// The support vectors' squared norms (exact models).
    vector_norms: Vec<f64>,
}

impl PredictionBase {
    fn new(model: &Model, test: &Matrix) -> PredictionBase {
        let rows = test.rows();
        match &model.feature_map {
            Some(map) => {
                let width = map.components();
                let mut values = vec![0.0; rows * width];
                values
                    .par_chunks_mut(width)
                    .enumerate()
                    .for_each(|(r, out)| {
                        svmq_core::kernel::kernel_values_against(
                            &Kernel::Linear,
                            test.row(r),
                            &map.frequencies,
                            &[],
                            out,
                        );
                        for (value, phase) in out.iter_mut().zip(&map.phases) {
                            *value += phase;
                        }
                    });
                PredictionBase {
                    values,
                    width,
                    vector_norms: Vec::new(),
                }
            }
            None => {
                let support = &model.support_vectors;
                let width = support.rows();
                let mut values = vec![0.0; rows * width];
                values
                    .par_chunks_mut(width.max(1))
                    .enumerate()
                    .for_each(|(r, out)| {
                        svmq_core::kernel::kernel_values_against(
                            &Kernel::Linear,
                            test.row(r),
                            support,
                            &[],
                            out,
                        )
                    });
                PredictionBase {
                    values,
                    width,
                    vector_norms: support.squared_norms(),
                }
            }
        }
    }

    /// What one unit of input column `column` adds to a row's values.
    fn column(&self, model: &Model, column: usize) -> Vec<f64> {
        let rows = match &model.feature_map {
            Some(map) => &map.frequencies,
            None => &model.support_vectors,
        };
        (0..rows.rows()).map(|row| rows.row(row)[column]).collect()
    }

    /// The kernel values of a row from its (corrected) `values`; `norm` is the row's
    /// squared norm.
    fn kernel_values(&self, model: &Model, mut values: Vec<f64>, norm: f64) -> Vec<f64> {
        match &model.feature_map {
            Some(map) => {
                let scale = (2.0 / map.components() as f64).sqrt();
                for value in &mut values {
                    *value = scale * value.cos();
                }
                let support = &model.support_vectors;
                (0..support.rows())
                    .map(|s| svmq_core::matrix::dot(support.row(s), &values))
                    .collect()
            }
            None => {
                model
                    .kernel
                    .from_dots(&mut values, &self.vector_norms, norm);
                values
            }
        }
    }
}

/// Each input feature's name and its output columns (one, or one per category).
fn feature_columns(fitted: &FittedPreprocessor) -> Vec<(String, std::ops::Range<usize>)> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for feature in fitted.features() {
        let width = feature.width();
        ranges.push((feature.name().to_string(), start..start + width));
        start += width;
    }
    ranges
}

/// The primal weights w = Σ coef·sv of each decision function of a linear model.
pub(crate) fn linear_weights(
    model: &Model,
    fitted: &FittedPreprocessor,
    classes: &[String],
) -> Vec<LinearWeights> {
    let names = fitted.output_names();
    let features = model.support_vectors.columns();
    let weights_of = |coefficients: &dyn Fn(usize) -> f64| -> Vec<(String, f64)> {
        let mut weights = vec![0.0; features];
        for s in 0..model.support_vectors.rows() {
            let coefficient = coefficients(s);
            for (weight, value) in weights.iter_mut().zip(model.support_vectors.row(s)) {
                *weight += coefficient * value;
            }
        }
        names.iter().cloned().zip(weights).collect()
    };
    if !model.svm_type.is_classification() {
        return vec![LinearWeights {
            classes: None,
            weights: weights_of(&|s| model.coefficients[0][s]),
            rho: model.rho[0],
        }];
    }
    // Support vectors are grouped by class; class i's block holds the pair (i, j)
    // coefficient in row j − 1, class j's block in row i.
    let mut starts = Vec::new();
    let mut start = 0;
    for &count in &model.support_vector_counts {
        starts.push(start..start + count);
        start += count;
    }
    let label = |engine_label: f64| {
        classes
            .get(engine_label as usize)
            .cloned()
            .unwrap_or_default()
    };
    let mut result = Vec::new();
    let mut pair = 0;
    for i in 0..model.labels.len() {
        for j in i + 1..model.labels.len() {
            let coefficient = |s: usize| {
                if starts[i].contains(&s) {
                    model.coefficients[j - 1][s]
                } else if starts[j].contains(&s) {
                    model.coefficients[i][s]
                } else {
                    0.0
                }
            };
            result.push(LinearWeights {
                classes: Some((label(model.labels[i]), label(model.labels[j]))),
                weights: weights_of(&coefficient),
                rho: model.rho[pair],
            });
            pair += 1;
        }
    }
    result
}
