//! Scores of predictions against the truth, each with the direction in which it
//! improves, so that a study always optimizes the right way (the Python original
//! minimized some metrics that should be maximized).
//!
//! Classification metrics take class indices (0..classes) and, for `roc_auc` and
//! `log_loss`, class probabilities; regression metrics take values in the target's
//! original units.

use serde::{Deserialize, Serialize};

/// Every metric svmq reports or optimizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Share of rows predicted right.
    Accuracy,
    /// Mean of the per-class recalls.
    BalancedAccuracy,
    /// Unweighted mean of the per-class F1 scores.
    F1Macro,
    /// Mean of the per-class F1 scores weighted by class size.
    F1Weighted,
    /// F1 from the counts pooled over all classes.
    F1Micro,
    /// Per-class precision, weighted by class size.
    PrecisionWeighted,
    /// Per-class recall, weighted by class size.
    RecallWeighted,
    /// Area under the ROC curve.
    RocAuc,
    /// Cross-entropy of the predicted probabilities.
    LogLoss,
    /// Coefficient of determination.
    R2,
    /// Root mean squared error.
    Rmse,
    /// Mean absolute error.
    Mae,
    /// Mean absolute percentage error.
    Mape,
    /// Share of the target variance the predictions explain.
    ExplainedVariance,
    /// Largest absolute error.
    MaxError,
    /// Median absolute error.
    MedianAbsoluteError,
}

/// Whether larger or smaller values are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Larger is better.
    Maximize,
    /// Smaller is better.
    Minimize,
}

impl Metric {
    /// The metrics of classification.
    pub const CLASSIFICATION: [Metric; 9] = [
        Metric::Accuracy,
        Metric::BalancedAccuracy,
        Metric::F1Macro,
        Metric::F1Weighted,
        Metric::F1Micro,
        Metric::PrecisionWeighted,
        Metric::RecallWeighted,
        Metric::RocAuc,
        Metric::LogLoss,
    ];
    /// The metrics of regression.
    pub const REGRESSION: [Metric; 7] = [
        Metric::R2,
        Metric::Rmse,
        Metric::Mae,
        Metric::Mape,
        Metric::ExplainedVariance,
        Metric::MaxError,
        Metric::MedianAbsoluteError,
    ];

    /// Whether the metric is to be maximized or minimized.
    pub fn direction(self) -> Direction {
        match self {
            Metric::LogLoss
            | Metric::Rmse
            | Metric::Mae
            | Metric::Mape
            | Metric::MaxError
            | Metric::MedianAbsoluteError => Direction::Minimize,
            _ => Direction::Maximize,
        }
    }

    /// True for the metrics in [`Metric::CLASSIFICATION`].
    pub fn is_classification(self) -> bool {
        Metric::CLASSIFICATION.contains(&self)
    }

    /// Whether the metric needs class probabilities.
    pub fn needs_probabilities(self) -> bool {
        matches!(self, Metric::RocAuc | Metric::LogLoss)
    }

    /// The snake_case name used in parameters and reports.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::BalancedAccuracy => "balanced_accuracy",
            Metric::F1Macro => "f1_macro",
            Metric::F1Weighted => "f1_weighted",
            Metric::F1Micro => "f1_micro",
            Metric::PrecisionWeighted => "precision_weighted",
            Metric::RecallWeighted => "recall_weighted",
            Metric::RocAuc => "roc_auc",
            Metric::LogLoss => "log_loss",
            Metric::R2 => "r2",
            Metric::Rmse => "rmse",
            Metric::Mae => "mae",
            Metric::Mape => "mape",
            Metric::ExplainedVariance => "explained_variance",
            Metric::MaxError => "max_error",
            Metric::MedianAbsoluteError => "median_absolute_error",
        }
    }

    /// The metric named `name` as written by [`Metric::name`], if any.
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::CLASSIFICATION
            .into_iter()
            .chain(Metric::REGRESSION)
            .find(|metric| metric.name() == name)
    }

    /// `true` when `candidate` is strictly better than `incumbent`.
    pub fn is_better(self, candidate: f64, incumbent: f64) -> bool {
        match self.direction() {
            Direction::Maximize => candidate > incumbent,
            Direction::Minimize => candidate < incumbent,
        }
    }
}

/// Per-class counts of a classification: the confusion matrix `[truth][predicted]`.
pub fn confusion_matrix(truth: &[usize], predicted: &[usize], classes: usize) -> Vec<Vec<usize>> {
    let mut matrix = vec![vec![0; classes]; classes];
    for (&t, &p) in truth.iter().zip(predicted) {
        matrix[t][p] += 1;
    }
    matrix
}

/// Precision, recall and support of each class.
fn per_class(matrix: &[Vec<usize>]) -> Vec<(f64, f64, usize)> {
    let classes = matrix.len();
    (0..classes)
        .map(|c| {
            let true_positive = matrix[c][c] as f64;
            let predicted: usize = (0..classes).map(|t| matrix[t][c]).sum();
            let support: usize = matrix[c].iter().sum();
            let precision = if predicted > 0 {
                true_positive / predicted as f64
            } else {
                0.0
            };
            let recall = if support > 0 {
                true_positive / support as f64
            } else {
                0.0
            };
            (precision, recall, support)
        })
        .collect()
}

fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    }
}

/// A classification metric. `probabilities[row][class]` is needed for `roc_auc` and
/// `log_loss` (`None` makes those metrics `NaN`).
pub fn classification_score(
    metric: Metric,
    truth: &[usize],
    predicted: &[usize],
    probabilities: Option<&[Vec<f64>]>,
    classes: usize,
) -> f64 {
    let total = truth.len() as f64;
    if truth.is_empty() {
        return f64::NAN;
    }
    let matrix = confusion_matrix(truth, predicted, classes);
    let stats = per_class(&matrix);
    let present: Vec<&(f64, f64, usize)> = stats
        .iter()
        .filter(|(_, _, support)| *support > 0)
        .collect();
    let weighted = |value: &dyn Fn(&(f64, f64, usize)) -> f64| {
        stats.iter().map(|s| value(s) * s.2 as f64).sum::<f64>() / total
    };
    match metric {
        Metric::Accuracy | Metric::F1Micro => {
            (0..classes).map(|c| matrix[c][c]).sum::<usize>() as f64 / total
        }
        Metric::BalancedAccuracy => present.iter().map(|s| s.1).sum::<f64>() / present.len() as f64,
        Metric::F1Macro => {
            // Over classes present in the truth or the predictions, as scikit-learn does.
            let used: Vec<usize> = (0..classes)
                .filter(|&c| stats[c].2 > 0 || (0..classes).any(|t| matrix[t][c] > 0))
                .collect();
            used.iter()
                .map(|&c| f1(stats[c].0, stats[c].1))
                .sum::<f64>()
                / used.len() as f64
        }
        Metric::F1Weighted => weighted(&|s| f1(s.0, s.1)),
        Metric::PrecisionWeighted => weighted(&|s| s.0),
        Metric::RecallWeighted => weighted(&|s| s.1),
        Metric::RocAuc => match probabilities {
            Some(probabilities) => roc_auc(truth, probabilities, classes),
            None => f64::NAN,
        },
        Metric::LogLoss => match probabilities {
            Some(probabilities) => log_loss(truth, probabilities),
            None => f64::NAN,
        },
        _ => f64::NAN,
    }
}

/// Area under the ROC curve of scores for the positive rows, by the rank statistic
/// (Mann–Whitney U) with ties counted as one half.
pub fn binary_auc(scores: &[f64], positive: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let positives = positive.iter().filter(|&&p| p).count() as f64;
    let negatives = scores.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return f64::NAN;
    }
    // Average ranks over tied groups.
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && scores[order[end + 1]] == scores[order[start]] {
            end += 1;
        }
        let average_rank = (start + end) as f64 / 2.0 + 1.0;
        for &row in &order[start..=end] {
            if positive[row] {
                rank_sum += average_rank;
            }
        }
        start = end + 1;
    }
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

/// Binary: AUC of the second class's probability; multiclass: the mean one-vs-rest AUC
/// weighted by class support (scikit-learn's `roc_auc_ovr_weighted`).
fn roc_auc(truth: &[usize], probabilities: &[Vec<f64>], classes: usize) -> f64 {
    if classes == 2 {
        let scores: Vec<f64> = probabilities.iter().map(|p| p[1]).collect();
        let positive: Vec<bool> = truth.iter().map(|&t| t == 1).collect();
        return binary_auc(&scores, &positive);
    }
    let mut total = 0.0;
    let mut weight = 0.0;
    for class in 0..classes {
        let support = truth.iter().filter(|&&t| t == class).count() as f64;
        if support == 0.0 {
            continue;
        }
        let scores: Vec<f64> = probabilities.iter().map(|p| p[class]).collect();
        let positive: Vec<bool> = truth.iter().map(|&t| t == class).collect();
        let auc = binary_auc(&scores, &positive);
        if auc.is_finite() {
            total += auc * support;
            weight += support;
        }
    }
    total / weight
}

/// Mean negative log-likelihood of the true classes, probabilities clipped to
/// [1e-15, 1 − 1e-15].
fn log_loss(truth: &[usize], probabilities: &[Vec<f64>]) -> f64 {
    let sum: f64 = truth
        .iter()
        .zip(probabilities)
        .map(|(&t, p)| -p[t].clamp(1e-15, 1.0 - 1e-15).ln())
        .sum();
    sum / truth.len() as f64
}

/// A regression metric, in the target's units.
pub fn regression_score(metric: Metric, truth: &[f64], predicted: &[f64]) -> f64 {
    let count = truth.len() as f64;
    if truth.is_empty() {
        return f64::NAN;
    }
    let errors: Vec<f64> = truth.iter().zip(predicted).map(|(t, p)| t - p).collect();
    let mean_truth = truth.iter().sum::<f64>() / count;
    let total_variance: f64 = truth
        .iter()
        .map(|t| (t - mean_truth) * (t - mean_truth))
        .sum();
    match metric {
        Metric::R2 => {
            let residual: f64 = errors.iter().map(|e| e * e).sum();
            if total_variance == 0.0 {
                if residual == 0.0 {
                    1.0
                } else {
                    0.0
                }
            } else {
                1.0 - residual / total_variance
            }
        }
        Metric::Rmse => (errors.iter().map(|e| e * e).sum::<f64>() / count).sqrt(),
        Metric::Mae => errors.iter().map(|e| e.abs()).sum::<f64>() / count,
        Metric::Mape => {
            // scikit-learn's definition: |error| / max(|truth|, ε).
            errors
                .iter()
                .zip(truth)
                .map(|(e, t)| e.abs() / t.abs().max(f64::EPSILON))
                .sum::<f64>()
                / count
        }
        Metric::ExplainedVariance => {
            let mean_error = errors.iter().sum::<f64>() / count;
            let error_variance: f64 = errors
                .iter()
                .map(|e| (e - mean_error) * (e - mean_error))
                .sum();
            if total_variance == 0.0 {
                if error_variance == 0.0 {
                    1.0
                } else {
                    0.0
                }
            } else {
                1.0 - error_variance / total_variance
            }
        }
        Metric::MaxError => errors
            .iter()
            .fold(0.0, |maximum: f64, e| maximum.max(e.abs())),
        Metric::MedianAbsoluteError => {
            let mut absolute: Vec<f64> = errors.iter().map(|e| e.abs()).collect();
            absolute.sort_by(f64::total_cmp);
            let middle = absolute.len() / 2;
            if absolute.len() % 2 == 1 {
                absolute[middle]
            } else {
                (absolute[middle - 1] + absolute[middle]) / 2.0
            }
        }
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn directions_are_right() {
        for metric in Metric::CLASSIFICATION.into_iter().chain(Metric::REGRESSION) {
            let expected = matches!(
                metric.name(),
                "log_loss" | "rmse" | "mae" | "mape" | "max_error" | "median_absolute_error"
            );
            assert_eq!(
                metric.direction() == Direction::Minimize,
                expected,
                "{}",
                metric.name()
            );
            assert_eq!(Metric::from_name(metric.name()), Some(metric));
        }
        assert!(Metric::Accuracy.is_better(0.9, 0.8));
        assert!(Metric::Rmse.is_better(0.8, 0.9));
    }

    // Expected values computed by hand (and agreeing with scikit-learn's definitions).
    #[test]
    fn classification_scores_on_a_known_example() {
        let truth = [0, 0, 0, 1, 1, 2];
        let predicted = [0, 0, 1, 1, 2, 2];
        let score = |metric| classification_score(metric, &truth, &predicted, None, 3);
        assert!(close(score(Metric::Accuracy), 4.0 / 6.0));
        // Recalls: 2/3, 1/2, 1.
        assert!(close(
            score(Metric::BalancedAccuracy),
            (2.0 / 3.0 + 0.5 + 1.0) / 3.0
        ));
        // Precisions: 1, 1/2, 1/2; F1: 0.8, 0.5, 2/3.
        assert!(close(score(Metric::F1Macro), (0.8 + 0.5 + 2.0 / 3.0) / 3.0));
        assert!(close(
            score(Metric::F1Weighted),
            (0.8 * 3.0 + 0.5 * 2.0 + 2.0 / 3.0) / 6.0
        ));
        assert!(close(
            score(Metric::PrecisionWeighted),
            (3.0 + 1.0 + 0.5) / 6.0
        ));
        assert!(close(score(Metric::RecallWeighted), 4.0 / 6.0));
    }

    #[test]
    fn auc_and_log_loss() {
        assert!(close(
            binary_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]),
            0.75
        ));
        assert!(close(binary_auc(&[0.5, 0.5], &[false, true]), 0.5));
        let truth = [0, 1];
        let probabilities = vec![vec![0.8, 0.2], vec![0.4, 0.6]];
        let loss = classification_score(Metric::LogLoss, &truth, &[0, 1], Some(&probabilities), 2);
        assert!(close(loss, -(0.8f64.ln() + 0.6f64.ln()) / 2.0));
        let auc = classification_score(Metric::RocAuc, &truth, &[0, 1], Some(&probabilities), 2);
        assert!(close(auc, 1.0));
    }

    #[test]
    fn regression_scores_on_a_known_example() {
        let truth = [3.0, -0.5, 2.0, 7.0];
        let predicted = [2.5, 0.0, 2.0, 8.0];
        let score = |metric| regression_score(metric, &truth, &predicted);
        assert!(close(score(Metric::Mae), 0.5));
        assert!(close(score(Metric::Rmse), 0.375f64.sqrt()));
        assert!((score(Metric::R2) - 0.948_608_137_044_967_9).abs() < 1e-12);
        assert!((score(Metric::ExplainedVariance) - 0.957_173_447_537_473_2).abs() < 1e-12);
        assert!(close(score(Metric::MaxError), 1.0));
        assert!(close(score(Metric::MedianAbsoluteError), 0.5));
        assert!(
            (score(Metric::Mape) - (0.5 / 3.0 + 0.5 / 0.5 + 0.0 + 1.0 / 7.0) / 4.0).abs() < 1e-12
        );
    }
}
