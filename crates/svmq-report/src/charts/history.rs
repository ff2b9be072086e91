//! The optimization history: each finished trial's cross-validation score by trial
//! number, with the best score so far as a step line (best in the metric's direction).
//! Pruned and failed trials have no full score; they are counted in the caption.

use super::{HEIGHT, WIDTH};
use crate::number::format;
use crate::svg::{extent, Plot};
use svmq_tune::metrics::{Direction, Metric};
use svmq_tune::study::{TrialRecord, TrialState};

/// The chart, or `None` when no trial finished.
pub fn chart(trials: &[TrialRecord], metric: Metric) -> Option<String> {
    let finished: Vec<(f64, f64)> = trials
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .filter_map(|t| {
            t.value
                .filter(|v| v.is_finite())
                .map(|v| (t.number as f64, v))
        })
        .collect();
    if finished.is_empty() {
        return None;
    }
    let better = |a: f64, b: f64| match metric.direction() {
        Direction::Maximize => a > b,
        Direction::Minimize => a < b,
    };
    let mut best_so_far: Vec<(f64, f64)> = Vec::new();
    let mut best = f64::NAN;
    for &(number, value) in &finished {
        if best.is_nan() || better(value, best) {
            if !best.is_nan() {
                best_so_far.push((number, best));
            }
            best = value;
        }
        best_so_far.push((number, best));
    }
    let last = trials.iter().map(|t| t.number).max().unwrap_or(0) as f64;
    best_so_far.push((last, best));
    let (low, high) = extent(finished.iter().map(|p| p.1));
    let pad = ((high - low) * 0.05).max(1e-9);
    let mut plot = Plot::new(
        WIDTH,
        HEIGHT,
        (0.0, last.max(1.0)),
        (low - pad, high + pad),
        "trial",
        &format!("CV {}", metric.name()),
        "Optimization history",
    );
    for &(number, value) in &finished {
        plot.point(
            number,
            value,
            3.0,
            "#1f77b4",
            false,
            &format!("trial {number}: {}", format(value)),
        );
    }
    plot.line(&best_so_far, "#d62728", 2.0, false);
    plot.legend("trial score", "#1f77b4");
    plot.legend("best so far", "#d62728");
    Some(plot.finish())
}
