//! ROC and precision–recall curves of a ranking score, with their areas.
//!
//! Rows are ranked by score, highest first; each distinct score is one threshold, so
//! tied rows move the curve together (diagonally for ROC), which makes the ROC area
//! the Mann–Whitney probability that a positive outranks a negative, ties counting
//! one half. The precision–recall area is the average precision, Σ (Rₙ − Rₙ₋₁)·Pₙ
//! over thresholds n (a step function, not an interpolation). Multiclass problems
//! use one curve per class (that class against the rest).

/// A curve with its area.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// `(x, y)` from the first threshold to the last: `(false positive rate, true
    /// positive rate)` for ROC, `(recall, precision)` for precision–recall.
    pub points: Vec<(f64, f64)>,
    /// The area under the curve, in [0, 1].
    pub area: f64,
}

/// Counts of positives and negatives at or above each distinct score, best first.
fn cumulative_counts(scores: &[f64], positive: &[bool]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..scores.len().min(positive.len()))
        .filter(|&row| scores[row].is_finite())
        .collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut counts = Vec::new();
    let (mut true_positives, mut false_positives) = (0, 0);
    for (rank, &row) in order.iter().enumerate() {
        if positive[row] {
            true_positives += 1;
        } else {
            false_positives += 1;
        }
        let last_of_tie = order
            .get(rank + 1)
            .is_none_or(|&next| scores[next] != scores[row]);
        if last_of_tie {
            counts.push((true_positives, false_positives));
        }
    }
    counts
}

/// The ROC curve; `None` without both a positive and a negative row.
pub fn roc(scores: &[f64], positive: &[bool]) -> Option<Curve> {
    let counts = cumulative_counts(scores, positive);
    let &(positives, negatives) = counts.last()?;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut points = vec![(0.0, 0.0)];
    points.extend(
        counts
            .iter()
            .map(|&(tp, fp)| (fp as f64 / negatives as f64, tp as f64 / positives as f64)),
    );
    let area = points
        .windows(2)
        .map(|pair| (pair[1].0 - pair[0].0) * (pair[1].1 + pair[0].1) / 2.0)
        .sum();
    Some(Curve { points, area })
}

/// The precision–recall curve and average precision; `None` without a positive row.
pub fn precision_recall(scores: &[f64], positive: &[bool]) -> Option<Curve> {
    let counts = cumulative_counts(scores, positive);
    let &(positives, _) = counts.last()?;
    if positives == 0 {
        return None;
    }
    let mut points = Vec::with_capacity(counts.len() + 1);
    let mut area = 0.0;
    let mut previous_recall = 0.0;
    for &(tp, fp) in &counts {
        let recall = tp as f64 / positives as f64;
        let precision = tp as f64 / (tp + fp) as f64;
        if points.is_empty() {
            // The curve starts at recall 0 with the first threshold's precision.
            points.push((0.0, precision));
        }
        area += (recall - previous_recall) * precision;
        previous_recall = recall;
        points.push((recall, precision));
    }
    Some(Curve { points, area })
}

/// One-vs-rest scores of class `class`: the column of per-row class scores.
pub fn one_vs_rest(rows: &[Vec<f64>], truth: &[usize], class: usize) -> (Vec<f64>, Vec<bool>) {
    let scores = rows
        .iter()
        .map(|row| row.get(class).copied().unwrap_or(f64::NAN))
        .collect();
    let positive = truth.iter().map(|&t| t == class).collect();
    (scores, positive)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn a_perfect_ranking_has_area_one() {
        let scores = [0.9, 0.8, 0.3, 0.1];
        let positive = [true, true, false, false];
        assert!(close(roc(&scores, &positive).unwrap().area, 1.0));
        assert!(close(
            precision_recall(&scores, &positive).unwrap().area,
            1.0
        ));
    }

    #[test]
    fn a_reversed_ranking_has_roc_area_zero() {
        let scores = [0.1, 0.2, 0.8, 0.9];
        let positive = [true, true, false, false];
        assert!(close(roc(&scores, &positive).unwrap().area, 0.0));
    }

    #[test]
    fn known_case_matches_the_pairwise_count() {
        // Positives 0.8, 0.4, 0.35; negatives 0.7, 0.3, 0.1: of 9 pairs the positive
        // outranks the negative in 7 (0.4 and 0.35 lose to 0.7), so AUC = 7/9.
        let scores = [0.8, 0.7, 0.4, 0.35, 0.3, 0.1];
        let positive = [true, false, true, true, false, false];
        let curve = roc(&scores, &positive).unwrap();
        assert!(close(curve.area, 7.0 / 9.0));
        // Average precision: recall steps of 1/3 at precisions 1, 2/3, 3/4.
        let pr = precision_recall(&scores, &positive).unwrap();
        assert!(close(pr.area, (1.0 + 2.0 / 3.0 + 3.0 / 4.0) / 3.0));
    }

    #[test]
    fn tied_scores_count_one_half() {
        let scores = [0.5, 0.5];
        let positive = [true, false];
        assert!(close(roc(&scores, &positive).unwrap().area, 0.5));
    }

    #[test]
    fn one_class_only_has_no_roc_curve() {
        assert!(roc(&[0.1, 0.2], &[true, true]).is_none());
        assert!(precision_recall(&[0.1, 0.2], &[false, false]).is_none());
        assert!(roc(&[], &[]).is_none());
    }
}
