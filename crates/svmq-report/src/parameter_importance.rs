//! How strongly the cross-validation score varies with each hyperparameter across the
//! finished trials of a search.
//!
//! Method (stated on the report): for a numeric parameter, the absolute Spearman rank
//! correlation |ρ| between its value and the score over the trials where it is
//! defined (ranks make the log scale of C or gamma irrelevant); for a categorical one
//! (kernel, class weights, gamma rule), the correlation ratio η = √(between-group sum
//! of squares / total sum of squares) of the scores grouped by category. Both lie in
//! [0, 1]. This is a description of the sampled trials, not a causal estimate: a
//! sampler such as TPE concentrates trials where scores are good.

use svmq_tune::space::Gamma;
use svmq_tune::study::{TrialRecord, TrialState};

/// Trials a parameter needs (with at least two distinct values) to be estimated.
pub const MIN_TRIALS: usize = 4;

/// One parameter's estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterImportance {
    /// The parameter as shown in the report, e.g. `C` or `gamma`.
    pub parameter: &'static str,
    /// `|ρ|` or `η`, in [0, 1].
    pub importance: f64,
    /// "rank correlation" or "correlation ratio".
    pub method: &'static str,
    /// Trials the estimate is based on.
    pub trials: usize,
}

enum Value {
    Number(f64),
    Category(String),
}

/// Every parameter's value in a trial, where defined.
fn values(trial: &TrialRecord) -> Vec<(&'static str, Value)> {
    let params = &trial.params;
    let mut values = vec![
        ("kernel", Value::Category(params.kernel.name().to_string())),
        ("C", Value::Number(params.c)),
        (
            "class weights",
            Value::Category(if params.balanced_class_weights {
                "balanced".into()
            } else {
                "none".into()
            }),
        ),
    ];
    match params.gamma {
        Some(Gamma::Value(gamma)) => {
            values.push(("gamma", Value::Number(gamma)));
            values.push(("gamma rule", Value::Category("value".into())));
        }
        Some(Gamma::Scale) => values.push(("gamma rule", Value::Category("scale".into()))),
        Some(Gamma::Auto) => values.push(("gamma rule", Value::Category("auto".into()))),
        None => {}
    }
    if let Some(degree) = params.degree {
        values.push(("degree", Value::Number(degree as f64)));
    }
    if let Some(coef0) = params.coef0 {
        values.push(("coef0", Value::Number(coef0)));
    }
    if let Some(epsilon) = params.epsilon {
        values.push(("epsilon", Value::Number(epsilon)));
    }
    values
}

/// Estimates for every parameter with enough varied trials, most important first.
pub fn estimate(trials: &[TrialRecord]) -> Vec<ParameterImportance> {
    let finished: Vec<(&TrialRecord, f64)> = trials
        .iter()
        .filter(|trial| trial.state == TrialState::Complete)
        .filter_map(|trial| trial.value.filter(|v| v.is_finite()).map(|v| (trial, v)))
        .collect();
    let mut names: Vec<&'static str> = Vec::new();
    for (trial, _) in &finished {
        for (name, _) in values(trial) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let mut estimates: Vec<ParameterImportance> = names
        .into_iter()
        .filter_map(|name| {
            let mut numbers = Vec::new();
            let mut categories = Vec::new();
            for (trial, score) in &finished {
                for (parameter, value) in values(trial) {
                    if parameter != name {
                        continue;
                    }
                    match value {
                        Value::Number(number) => numbers.push((number, *score)),
                        Value::Category(category) => categories.push((category, *score)),
                    }
                }
            }
            let (importance, method, count) = if !numbers.is_empty() {
                (
                    spearman(&numbers).map(f64::abs),
                    "rank correlation",
                    numbers.len(),
                )
            } else {
                (
                    correlation_ratio(&categories),
                    "correlation ratio",
                    categories.len(),
                )
            };
            let importance = importance.filter(|_| count >= MIN_TRIALS)?;
            Some(ParameterImportance {
                parameter: name,
                importance,
                method,
                trials: count,
            })
        })
        .collect();
    estimates.sort_by(|a, b| b.importance.total_cmp(&a.importance));
    estimates
}

/// Ranks from 1, ties given their average rank.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start..end (0-based) share the mean of ranks start+1..=end.
        let average = (start + end + 1) as f64 / 2.0;
        for &index in &order[start..end] {
            ranks[index] = average;
        }
        start = end;
    }
    ranks
}

/// Pearson correlation of the ranks; `None` when either side is constant.
fn spearman(pairs: &[(f64, f64)]) -> Option<f64> {
    let x = ranks(&pairs.iter().map(|p| p.0).collect::<Vec<_>>());
    let y = ranks(&pairs.iter().map(|p| p.1).collect::<Vec<_>>());
    let n = x.len() as f64;
    let (mean_x, mean_y) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut covariance, mut var_x, mut var_y) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(&y) {
        covariance += (a - mean_x) * (b - mean_y);
        var_x += (a - mean_x) * (a - mean_x);
        var_y += (b - mean_y) * (b - mean_y);
    }
    (var_x > 0.0 && var_y > 0.0).then(|| covariance / (var_x * var_y).sqrt())
}

/// η of scores grouped by category; `None` with one category or constant scores.
fn correlation_ratio(pairs: &[(String, f64)]) -> Option<f64> {
    let n = pairs.len() as f64;
    let mean = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let total: f64 = pairs.iter().map(|p| (p.1 - mean) * (p.1 - mean)).sum();
    let mut groups: Vec<(&str, f64, usize)> = Vec::new();
    for (category, score) in pairs {
        match groups.iter_mut().find(|g| g.0 == category) {
            Some(group) => {
                group.1 += score;
                group.2 += 1;
            }
            None => groups.push((category, *score, 1)),
        }
    }
    if groups.len() < 2 || total <= 0.0 {
        return None;
    }
    let between: f64 = groups
        .iter()
        .map(|&(_, sum, count)| {
            let group_mean = sum / count as f64;
            count as f64 * (group_mean - mean) * (group_mean - mean)
        })
        .sum();
    Some((between / total).sqrt().min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use svmq_tune::space::{KernelName, TrialParams};

    fn trial(number: usize, kernel: KernelName, c: f64, value: f64) -> TrialRecord {
        TrialRecord {
            number,
            params: TrialParams {
                kernel,
                c,
                gamma: Some(Gamma::Scale),
                degree: None,
                coef0: None,
                epsilon: None,
                balanced_class_weights: false,
            },
            state: TrialState::Complete,
            value: Some(value),
            fold_scores: vec![value],
            sample_scores: Vec::new(),
            first_sample: 0,
            error: None,
            seconds: 0.0,
        }
    }

    #[test]
    fn a_score_monotone_in_c_gives_c_full_importance() {
        let trials: Vec<TrialRecord> = (0..6)
            .map(|k| {
                let c = 10f64.powi(k as i32 - 3);
                let kernel = if k % 2 == 0 {
                    KernelName::Rbf
                } else {
                    KernelName::Linear
                };
                trial(k, kernel, c, 0.5 + 0.05 * k as f64)
            })
            .collect();
        let estimates = estimate(&trials);
        let c = estimates.iter().find(|e| e.parameter == "C").unwrap();
        assert!((c.importance - 1.0).abs() < 1e-12);
        assert_eq!(c.method, "rank correlation");
        let kernel = estimates.iter().find(|e| e.parameter == "kernel").unwrap();
        assert!(kernel.importance < 1.0);
        assert_eq!(estimates[0].parameter, "C");
        // One value of the gamma rule: nothing to estimate.
        assert!(estimates.iter().all(|e| e.parameter != "gamma rule"));
    }

    #[test]
    fn scores_set_by_the_kernel_alone_give_the_kernel_full_importance() {
        let trials: Vec<TrialRecord> = (0..6)
            .map(|k| {
                let (kernel, value) = if k % 2 == 0 {
                    (KernelName::Rbf, 0.9)
                } else {
                    (KernelName::Linear, 0.6)
                };
                trial(k, kernel, 1.0 + k as f64, value)
            })
            .collect();
        let kernel = estimate(&trials)
            .into_iter()
            .find(|e| e.parameter == "kernel")
            .unwrap();
        assert!((kernel.importance - 1.0).abs() < 1e-12);
    }

    #[test]
    fn too_few_trials_give_no_estimate() {
        let trials: Vec<TrialRecord> = (0..3)
            .map(|k| trial(k, KernelName::Rbf, k as f64 + 1.0, k as f64))
            .collect();
        assert!(estimate(&trials).is_empty());
    }

    #[test]
    fn ties_share_their_average_rank() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), [3.5, 1.0, 3.5, 2.0]);
    }
}
