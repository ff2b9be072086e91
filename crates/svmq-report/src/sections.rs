//! The report's sections, built from a training report: one function per section.
//! Each section is always present for its kind of model; when its data is missing
//! (an older report, a multiclass model without probabilities) it says why instead of
//! drawing, so a reader never wonders whether a section was forgotten.

use crate::charts::bars::{self, Bar};
use crate::charts::{confusion, curves as curve_charts, history, scatter};
use crate::curves::{one_vs_rest, precision_recall, roc, Curve};
use crate::escape::text;
use crate::number::format;
use crate::page::{note, table, Cell, Page};
use crate::parameter_importance;
use svmq_data::{ColumnDecision, ColumnRole};
use svmq_service::training::{DataSummary, TargetReport, TrainingReport};
use svmq_tune::space::{Gamma, TrialParams};
use svmq_tune::study::TrialState;

/// Feature columns listed in the data summary, at most.
const MAX_COLUMNS_LISTED: usize = 200;
/// Features drawn in the feature importance chart, at most (the most important).
const MAX_FEATURES_DRAWN: usize = 30;
/// Linear weights listed, at most (the largest in magnitude).
const MAX_WEIGHTS_LISTED: usize = 20;

/// The data summary: rows, split, targets, classes, feature columns.
pub fn data(page: &mut Page, report: &TrainingReport) {
    let summary: &DataSummary = &report.data;
    let count =
        |label: &str, value: usize| vec![Cell::Text(label.into()), Cell::Number(value.to_string())];
    let mut rows = vec![
        count("rows in the file", summary.source_rows),
        count("usable rows", summary.usable_rows),
        count("rows without a target (left out)", summary.unlabeled_rows),
        count("training split", summary.train_rows),
        count("test split", summary.test_rows),
        count("features", summary.features.len()),
    ];
    rows.push(vec![
        Cell::Text("target".into()),
        Cell::Text(list(&summary.targets)),
    ]);
    // Reports older than column roles name their left-out columns only.
    if !summary.ignored_columns.is_empty() && summary.roles.is_empty() {
        rows.push(vec![
            Cell::Text("ignored (constant or empty)".into()),
            Cell::Text(list(&summary.ignored_columns)),
        ]);
    }
    let mut html = table(&["", ""], &rows);
    html.push_str(&column_roles(summary));
    if let Some(classes) = &summary.class_counts {
        html.push_str("<p>Rows per class:</p>\n");
        let bars: Vec<Bar> = classes
            .iter()
            .map(|(label, rows)| Bar {
                label: label.clone(),
                value: *rows as f64,
                spread: None,
            })
            .collect();
        html.push_str(&bars::chart(&bars, "rows", "Rows per class"));
    }
    if !summary.columns.is_empty() {
        let rows: Vec<Vec<Cell>> = summary
            .columns
            .iter()
            .take(MAX_COLUMNS_LISTED)
            .map(|column| {
                vec![
                    Cell::Text(text(&column.name)),
                    Cell::Text(
                        serde_json::to_value(column.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                    ),
                    Cell::Number(column.missing.to_string()),
                    Cell::Number(column.distinct.to_string()),
                ]
            })
            .collect();
        html.push_str(&table(&["feature", "type", "missing", "distinct"], &rows));
        if summary.columns.len() > MAX_COLUMNS_LISTED {
            html.push_str(&note(&format!(
                "The first {MAX_COLUMNS_LISTED} of {} feature columns.",
                summary.columns.len()
            )));
        }
    }
    page.section("data", "Data", &html);
}

/// The columns left out of the features, those kept against the rules, and the
/// dates, with their role and reason; nothing when every other column is a plain
/// feature.
fn column_roles(summary: &DataSummary) -> String {
    let notable: Vec<&ColumnDecision> = summary
        .roles
        .iter()
        .filter(|decision| match decision.role {
            ColumnRole::Target => false,
            ColumnRole::Feature => decision.on_request,
            _ => true,
        })
        .collect();
    if notable.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<Cell>> = notable
        .iter()
        .take(MAX_COLUMNS_LISTED)
        .map(|decision| {
            vec![
                Cell::Text(text(&decision.name)),
                Cell::Text(decision.role.name().into()),
                Cell::Text(text(&decision.reason)),
            ]
        })
        .collect();
    let mut html = String::from(
        "<p>Columns left out of the features, kept on request, or read as dates (each an input of four numbers):</p>\n",
    );
    html.push_str(&table(&["column", "role", "why"], &rows));
    if notable.len() > MAX_COLUMNS_LISTED {
        html.push_str(&note(&format!(
            "The first {MAX_COLUMNS_LISTED} of {} such columns.",
            notable.len()
        )));
    }
    html
}

fn list(names: &[String]) -> String {
    names.iter().map(|n| text(n)).collect::<Vec<_>>().join(", ")
}

/// Every section of one target; `index` makes section ids unique.
pub fn target(page: &mut Page, report: &TrainingReport, target: &TargetReport, index: usize) {
    let id = |name: &str| format!("{name}-{index}");
    let metric = report.metric.name();
    page.section(&id("parameters"), "Chosen parameters", &parameters(target));
    page.section(
        &id("metrics"),
        "Cross-validation and test metrics",
        &metrics(target, metric),
    );
    page.section(
        &id("cv-folds"),
        "Cross-validation fold scores",
        &folds(target, metric),
    );
    if report.classes.is_empty() {
        let unit = text(&target.target);
        let pairs = target.test_predictions.as_deref().unwrap_or(&[]);
        let missing = note("No test predictions are stored with this model.");
        page.section(
            &id("predicted-vs-actual"),
            "Predicted against actual (test split)",
            &scatter::predicted_vs_actual(pairs, &unit).unwrap_or_else(|| missing.clone()),
        );
        page.section(
            &id("residuals"),
            "Residuals (test split)",
            &scatter::residuals(pairs, &unit).unwrap_or(missing),
        );
    } else {
        page.section(
            &id("confusion-matrix"),
            "Confusion matrix (test split)",
            &confusion_matrix(report, target),
        );
        let (roc_html, pr_html) = ranking_curves(report, target);
        page.section(&id("roc"), "ROC curve (test split)", &roc_html);
        page.section(
            &id("precision-recall"),
            "Precision–recall curve (test split)",
            &pr_html,
        );
    }
    page.section(
        &id("history"),
        "Optimization history",
        &optimization_history(report, target),
    );
    page.section(
        &id("parameter-importance"),
        "Parameter importance",
        &parameter_importance(target),
    );
    page.section(
        &id("feature-importance"),
        "Feature importance",
        &feature_importance(target, metric),
    );
    if let Some(weights) = &target.linear_weights {
        page.section(
            &id("linear-weights"),
            "Linear weights",
            &linear_weights(weights),
        );
    }
}

fn parameters(target: &TargetReport) -> String {
    let params: &TrialParams = &target.best_params;
    let mut rows = vec![
        vec![
            Cell::Text("kernel".into()),
            Cell::Text(params.kernel.name().into()),
        ],
        vec![Cell::Text("C".into()), Cell::Number(format(params.c))],
    ];
    if let Some(gamma) = params.gamma {
        let value = match gamma {
            Gamma::Scale => "scale (1 / (features · variance))".to_string(),
            Gamma::Auto => "auto (1 / features)".to_string(),
            Gamma::Value(value) => format(value),
        };
        rows.push(vec![Cell::Text("gamma".into()), Cell::Text(value)]);
    }
    if let Some(degree) = params.degree {
        rows.push(vec![
            Cell::Text("degree".into()),
            Cell::Number(degree.to_string()),
        ]);
    }
    if let Some(coef0) = params.coef0 {
        rows.push(vec![
            Cell::Text("coef0".into()),
            Cell::Number(format(coef0)),
        ]);
    }
    if let Some(epsilon) = params.epsilon {
        rows.push(vec![
            Cell::Text("epsilon (standardized target units)".into()),
            Cell::Number(format(epsilon)),
        ]);
    }
    rows.push(vec![
        Cell::Text("class weights".into()),
        Cell::Text(
            if params.balanced_class_weights {
                "balanced"
            } else {
                "none"
            }
            .into(),
        ),
    ]);
    rows.push(vec![
        Cell::Text("support vectors".into()),
        Cell::Number(target.support_vectors.to_string()),
    ]);
    if let Some(approximation) = &target.approximation {
        let check = approximation.check.as_ref().map_or(String::new(), |check| {
            format!(
                "; on a sample of {} training rows, test {} {} exact against {} approximate",
                check.training_rows,
                check.metric.name(),
                format(check.exact),
                format(check.approximate)
            )
        });
        rows.push(vec![
            Cell::Text("kernel approximation".into()),
            Cell::Text(format!("{}{check}", approximation.description())),
        ]);
    }
    table(&["parameter", "value"], &rows)
}

fn metrics(target: &TargetReport, metric: &str) -> String {
    let mut html = format!(
        "<p>Cross-validation {metric}: <strong>{}</strong> ± {} over {} folds (the search's objective, on the training split).</p>\n",
        format(target.cv_mean),
        format(target.cv_std),
        target.cv_fold_scores.len()
    );
    let rows: Vec<Vec<Cell>> = target
        .test_metrics
        .iter()
        .map(|(name, value)| vec![Cell::Text(text(name)), Cell::Number(format(*value))])
        .collect();
    html.push_str(&table(&["test metric", "value"], &rows));
    html.push_str(&note(
        "Test metrics are computed on every row of the held-out test split, which no fitted step saw; regression errors are in the target's own units.",
    ));
    html
}

fn folds(target: &TargetReport, metric: &str) -> String {
    if target.cv_fold_scores.is_empty() {
        return note("No fold scores are stored with this model.");
    }
    let bars: Vec<Bar> = target
        .cv_fold_scores
        .iter()
        .enumerate()
        .map(|(fold, &score)| Bar {
            label: format!("fold {}", fold + 1),
            value: score,
            spread: None,
        })
        .collect();
    let mut html = bars::chart(
        &bars,
        &format!("{metric} (best parameters)"),
        "Cross-validation fold scores",
    );
    html.push_str(&note(&format!(
        "Each fold's {metric} for the chosen parameters; mean {}, standard deviation {}.",
        format(target.cv_mean),
        format(target.cv_std)
    )));
    html
}

fn confusion_matrix(report: &TrainingReport, target: &TargetReport) -> String {
    match &target.confusion_matrix {
        Some(counts) => {
            let mut html = confusion::chart(counts, &report.classes);
            html.push_str(&note("Rows are true classes, columns predicted ones; shading is the share of the row, numbers are counts over every test row."));
            html
        }
        None => note("No confusion matrix is stored with this model."),
    }
}

/// The ROC and precision–recall sections' HTML.
fn ranking_curves(report: &TrainingReport, target: &TargetReport) -> (String, String) {
    let Some(sample) = &target.test_sample else {
        let missing = note("This model's report stores no test scores (it was trained by an older svmq); retrain to get the curves.");
        return (missing.clone(), missing);
    };
    let classes = &report.classes;
    let label = |index: usize| {
        classes
            .get(index)
            .cloned()
            .unwrap_or_else(|| index.to_string())
    };
    let mut roc_curves: Vec<(String, Curve)> = Vec::new();
    let mut pr_curves: Vec<(String, Curve)> = Vec::new();
    let explanation;
    if let Some(scores) = &sample.scores {
        // The scores rank toward class 1; a positive class 0 ranks by their negation.
        let (class, why) = match &report.positive_class {
            Some(positive) if positive.index < 2 => (
                positive.index,
                if positive.given {
                    " (chosen when training)".to_string()
                } else {
                    format!(" ({})", text(&positive.reason))
                },
            ),
            _ => (1, String::new()),
        };
        let ranked: Vec<f64> = if class == 1 {
            scores.clone()
        } else {
            scores.iter().map(|score| -score).collect()
        };
        let positive: Vec<bool> = sample.truth.iter().map(|&t| t == class).collect();
        if let (Some(r), Some(p)) = (
            roc(&ranked, &positive),
            precision_recall(&ranked, &positive),
        ) {
            roc_curves.push((label(class), r));
            pr_curves.push((label(class), p));
        }
        explanation = format!(
            "Positive class: {}{why}; rows ranked by the decision value.",
            text(&label(class))
        );
    } else if let Some(probabilities) = &sample.probabilities {
        for class in 0..classes.len() {
            let (scores, positive) = one_vs_rest(probabilities, &sample.truth, class);
            if let (Some(r), Some(p)) = (
                roc(&scores, &positive),
                precision_recall(&scores, &positive),
            ) {
                roc_curves.push((label(class), r));
                pr_curves.push((label(class), p));
            }
        }
        explanation =
            "One curve per class against the rest, rows ranked by the class's Platt probability."
                .to_string();
    } else {
        let missing = note("Not available: this multiclass model was trained without probabilities, so there is no per-class score to rank by.");
        return (missing.clone(), missing);
    }
    if roc_curves.is_empty() {
        let missing = note("Not available: the stored test rows do not hold both a positive and a negative row of any class.");
        return (missing.clone(), missing);
    }
    let sampled = if sample.total_rows > sample.truth.len() {
        format!(
            " Drawn from the first {} of {} test rows (a random sample: the split is shuffled).",
            sample.truth.len(),
            sample.total_rows
        )
    } else {
        String::new()
    };
    let more = if roc_curves.len() > curve_charts::MAX_CURVES {
        format!(
            " The first {} of {} classes are drawn.",
            curve_charts::MAX_CURVES,
            roc_curves.len()
        )
    } else {
        String::new()
    };
    let macro_average = |curves: &[(String, Curve)]| {
        curves.iter().map(|(_, c)| c.area).sum::<f64>() / curves.len() as f64
    };
    let averages = |name: &str, curves: &[(String, Curve)]| {
        if curves.len() > 1 {
            format!(" Macro-average {name}: {}.", format(macro_average(curves)))
        } else {
            String::new()
        }
    };
    let mut roc_html = curve_charts::roc_chart(&roc_curves);
    roc_html.push_str(&note(&format!(
        "{explanation}{}{sampled}{more} AUC is the area under the curve.",
        averages("AUC", &roc_curves)
    )));
    let mut pr_html = curve_charts::precision_recall_chart(&pr_curves);
    pr_html.push_str(&note(&format!(
        "{explanation}{}{sampled}{more} AP is the average precision (step-wise area).",
        averages("AP", &pr_curves)
    )));
    (roc_html, pr_html)
}

fn optimization_history(report: &TrainingReport, target: &TargetReport) -> String {
    let count = |state: TrialState| target.trials.iter().filter(|t| t.state == state).count();
    let caption = note(&format!(
        "{} trials: {} complete, {} pruned (stopped early after poor folds), {} failed. Scores are cross-validation {} on the training split.",
        target.trials.len(),
        count(TrialState::Complete),
        count(TrialState::Pruned),
        count(TrialState::Failed),
        report.metric.name()
    ));
    match history::chart(&target.trials, report.metric) {
        Some(svg) => svg + &caption,
        None => note("No trial finished.") + &caption,
    }
}

fn parameter_importance(target: &TargetReport) -> String {
    let estimates = parameter_importance::estimate(&target.trials);
    let method = note(&format!(
        "Method: for numeric parameters, |Spearman rank correlation| between the parameter and the trial's score; for categorical ones (kernel, class weights, gamma rule), the correlation ratio η of the scores grouped by category. Both lie in [0, 1]. Computed over complete trials, for parameters with at least {} trials and two distinct values. It describes the sampled trials, not causes: the sampler concentrates trials where scores are good.",
        parameter_importance::MIN_TRIALS
    ));
    if estimates.is_empty() {
        return note("Not enough varied trials to estimate (for example, a search without optimization runs one trial).") + &method;
    }
    let bars: Vec<Bar> = estimates
        .iter()
        .map(|e| Bar {
            label: format!("{} ({} trials)", e.parameter, e.trials),
            value: e.importance,
            spread: None,
        })
        .collect();
    bars::chart(&bars, "importance (|ρ| or η)", "Parameter importance") + &method
}

fn feature_importance(target: &TargetReport, metric: &str) -> String {
    if target.feature_importance.is_empty() {
        return note("No feature importance is stored with this model.");
    }
    let mut features = target.feature_importance.clone();
    features.sort_by(|a, b| b.importance.total_cmp(&a.importance));
    let bars: Vec<Bar> = features
        .iter()
        .take(MAX_FEATURES_DRAWN)
        .map(|f| Bar {
            label: f.feature.clone(),
            value: f.importance,
            spread: Some(f.standard_deviation),
        })
        .collect();
    let mut html = bars::chart(
        &bars,
        &format!("drop of test {metric} when shuffled"),
        "Feature importance",
    );
    let shown = if features.len() > MAX_FEATURES_DRAWN {
        format!(
            " The {MAX_FEATURES_DRAWN} most important of {} features are drawn.",
            features.len()
        )
    } else {
        String::new()
    };
    html.push_str(&note(&format!(
        "Permutation importance on the test split: how much the score worsens when one feature's values are shuffled across rows (mean ± standard deviation over repeats).{shown}"
    )));
    html
}

fn linear_weights(weights: &[svmq_service::training::LinearWeights]) -> String {
    let mut html = String::new();
    for function in weights.iter().take(10) {
        if let Some((positive, negative)) = &function.classes {
            html.push_str(&format!(
                "<p>{} against {} (positive values favour {}):</p>\n",
                text(positive),
                text(negative),
                text(positive)
            ));
        }
        let mut sorted = function.weights.clone();
        sorted.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        let rows: Vec<Vec<Cell>> = sorted
            .iter()
            .take(MAX_WEIGHTS_LISTED)
            .map(|(name, weight)| vec![Cell::Text(text(name)), Cell::Number(format(*weight))])
            .collect();
        html.push_str(&table(&["preprocessed feature", "weight"], &rows));
        html.push_str(&note(&format!("Decision value = Σ weight · x − rho, rho = {}; the {MAX_WEIGHTS_LISTED} largest weights in magnitude.", format(function.rho))));
    }
    if weights.len() > 10 {
        html.push_str(&note(&format!(
            "The first 10 of {} class pairs.",
            weights.len()
        )));
    }
    html
}
