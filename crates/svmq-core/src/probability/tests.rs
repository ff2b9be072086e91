//! Tests of the probability estimates: known values, the sigmoid fit against its
//! optimality conditions and sampled labels, pairwise coupling on consistent and
//! inconsistent input, and the Laplace scale with outliers. Seeded, deterministic.

use super::*;

/// A deterministic stand-in for random numbers: Knuth's MMIX linear congruential
/// generator, mapped to [0, 1).
struct Lcg(u64);

impl Lcg {
    fn next_unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn sigmoid_predict_known_values() {
    assert_eq!(sigmoid_predict(0.0, -3.0, 0.0), 0.5);
    let expected = 1.0 / (1.0 + (-1.0f64).exp());
    assert!((sigmoid_predict(1.0, -1.0, 0.0) - expected).abs() < 1e-15);
    assert!((sigmoid_predict(2.0, 0.5, -3.0) - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-15);
    for &value in &[-7.5, -0.3, 0.0, 0.9, 40.0] {
        let sum = sigmoid_predict(value, -1.3, 0.2) + sigmoid_predict(value, 1.3, -0.2);
        assert!((sum - 1.0).abs() < 1e-15, "p(z) + p(-z) = {sum}");
    }
}

#[test]
fn sigmoid_predict_is_finite_at_extremes() {
    for &value in &[-1e6, 1e6, -1e300, 1e300] {
        for &a in &[-5.0, 5.0] {
            let probability = sigmoid_predict(value, a, 1.0);
            assert!(probability.is_finite(), "f = {value}, a = {a}");
            assert!((0.0..=1.0).contains(&probability));
        }
    }
    assert_eq!(sigmoid_predict(1e6, -1.0, 0.0), 1.0);
    assert_eq!(sigmoid_predict(-1e6, -1.0, 0.0), 0.0);
}

#[test]
fn fit_sigmoid_orders_probabilities_on_separable_data() {
    let mut generator = Lcg(7);
    let mut decision_values = Vec::new();
    let mut positive = Vec::new();
    for index in 0..200 {
        let is_positive = index % 2 == 0;
        let centre = if is_positive { 1.0 } else { -1.0 };
        decision_values.push(centre + 1.5 * (generator.next_unit() - 0.5));
        positive.push(is_positive);
    }
    let (a, b) = fit_sigmoid(&decision_values, &positive);
    assert!(a < 0.0, "a = {a}");
    assert!(a.is_finite() && b.is_finite());
    let grid: Vec<f64> = (-30..=30).map(|step| step as f64 / 10.0).collect();
    for pair in grid.windows(2) {
        assert!(sigmoid_predict(pair[1], a, b) > sigmoid_predict(pair[0], a, b));
    }
    assert!(sigmoid_predict(1.0, a, b) > 0.9);
    assert!(sigmoid_predict(-1.0, a, b) < 0.1);
}

#[test]
fn fit_sigmoid_stays_finite_on_perfectly_separable_data() {
    let decision_values = [-3.0, -2.0, -1.0, 1.0, 2.0, 3.0];
    let positive = [false, false, false, true, true, true];
    let (a, b) = fit_sigmoid(&decision_values, &positive);
    assert!(a.is_finite() && b.is_finite());
    assert!(a < 0.0);
    // The smoothed targets (4/5 and 1/5) keep the fit from pushing the outermost
    // points to probability 1 and 0: this fit gives about 0.87 and 0.13.
    let probability = sigmoid_predict(3.0, a, b);
    assert!(probability < 0.95, "p = {probability}");
    assert!((sigmoid_predict(-3.0, a, b) - (1.0 - probability)).abs() < 1e-9);
}

#[test]
fn fit_sigmoid_stays_finite_on_huge_decision_values() {
    let decision_values = [-1e6, -2e5, -1.0, 3e5, 1e6, 5e5, -4e5];
    let positive = [false, false, true, true, true, false, true];
    let (a, b) = fit_sigmoid(&decision_values, &positive);
    assert!(a.is_finite() && b.is_finite(), "a = {a}, b = {b}");
    for &value in &decision_values {
        assert!(sigmoid_predict(value, a, b).is_finite());
    }
}

#[test]
fn fit_sigmoid_recovers_known_parameters() {
    // At each point of a grid, repeat the point and make positive the fraction of
    // copies that the known sigmoid predicts.
    let (true_a, true_b) = (-2.0, 0.5);
    let copies = 1000;
    let mut decision_values = Vec::new();
    let mut positive = Vec::new();
    for step in -30..=30 {
        let decision_value = step as f64 / 10.0;
        let probability = sigmoid_predict(decision_value, true_a, true_b);
        let positives = (probability * copies as f64).round() as usize;
        for copy in 0..copies {
            decision_values.push(decision_value);
            positive.push(copy < positives);
        }
    }
    let (a, b) = fit_sigmoid(&decision_values, &positive);
    assert!((a - true_a).abs() < 0.01, "a = {a}");
    assert!((b - true_b).abs() < 0.01, "b = {b}");
}

#[test]
fn fit_sigmoid_recovers_parameters_from_sampled_labels() {
    let (true_a, true_b) = (-1.5, -0.4);
    let mut generator = Lcg(2024);
    let mut decision_values = Vec::new();
    let mut positive = Vec::new();
    for _ in 0..20000 {
        let decision_value = 6.0 * generator.next_unit() - 3.0;
        let probability = sigmoid_predict(decision_value, true_a, true_b);
        decision_values.push(decision_value);
        positive.push(generator.next_unit() < probability);
    }
    let (a, b) = fit_sigmoid(&decision_values, &positive);
    assert!((a - true_a).abs() < 0.1, "a = {a}");
    assert!((b - true_b).abs() < 0.1, "b = {b}");
}

#[test]
fn fit_sigmoid_reaches_a_minimum() {
    let mut generator = Lcg(99);
    let decision_values: Vec<f64> = (0..300)
        .map(|_| 4.0 * generator.next_unit() - 2.0)
        .collect();
    let positive: Vec<bool> = decision_values
        .iter()
        .map(|&value| generator.next_unit() < sigmoid_predict(value, -1.0, 0.3))
        .collect();
    let (a, b) = fit_sigmoid(&decision_values, &positive);
    let targets = smoothed_targets(&positive);
    let (gradient, _) = sigmoid_derivatives(&decision_values, &targets, [a, b]);
    assert!(
        gradient[0].abs() < 1e-5 && gradient[1].abs() < 1e-5,
        "{gradient:?}"
    );
    let best = sigmoid_objective(&decision_values, &targets, [a, b]);
    for (delta_a, delta_b) in [(1e-3, 0.0), (-1e-3, 0.0), (0.0, 1e-3), (0.0, -1e-3)] {
        let nearby = sigmoid_objective(&decision_values, &targets, [a + delta_a, b + delta_b]);
        assert!(nearby > best);
    }
}

#[test]
fn sigmoid_derivatives_match_finite_differences() {
    let decision_values = [-2.0, -0.5, 0.1, 0.7, 1.9, 3.0];
    let targets = smoothed_targets(&[false, true, false, true, true, false]);
    let parameters = [-0.8, 0.3];
    let (gradient, hessian) = sigmoid_derivatives(&decision_values, &targets, parameters);
    let step = 1e-5;
    for coordinate in 0..2 {
        let mut forward = parameters;
        let mut backward = parameters;
        forward[coordinate] += step;
        backward[coordinate] -= step;
        let slope = (sigmoid_objective(&decision_values, &targets, forward)
            - sigmoid_objective(&decision_values, &targets, backward))
            / (2.0 * step);
        assert!(
            (slope - gradient[coordinate]).abs() < 1e-6,
            "gradient {coordinate}"
        );
        let (gradient_forward, _) = sigmoid_derivatives(&decision_values, &targets, forward);
        let (gradient_backward, _) = sigmoid_derivatives(&decision_values, &targets, backward);
        for other in 0..2 {
            let curvature = (gradient_forward[other] - gradient_backward[other]) / (2.0 * step);
            assert!(
                (curvature - hessian[other][coordinate]).abs() < 1e-6,
                "hessian {other} {coordinate}"
            );
        }
    }
}

#[test]
fn fit_sigmoid_with_one_class_predicts_the_smoothed_prior() {
    // With no negatives every target is (N+ + 1)/(N+ + 2), which the starting point
    // already predicts everywhere.
    let decision_values = [0.5, 1.0, 1.5, 2.0];
    let (a, b) = fit_sigmoid(&decision_values, &[true; 4]);
    assert_eq!(a, 0.0);
    assert!((b - (1.0f64 / 5.0).ln()).abs() < 1e-12);
    assert!((sigmoid_predict(1.0, a, b) - 5.0 / 6.0).abs() < 1e-12);
}

#[test]
fn fit_sigmoid_on_empty_input_is_neutral() {
    assert_eq!(fit_sigmoid(&[], &[]), (0.0, 0.0));
}

fn consistent_pairwise(probabilities: &[f64]) -> Vec<Vec<f64>> {
    let classes = probabilities.len();
    (0..classes)
        .map(|i| {
            (0..classes)
                .map(|j| probabilities[i] / (probabilities[i] + probabilities[j]))
                .collect()
        })
        .collect()
}

#[test]
fn couple_pairwise_recovers_consistent_probabilities() {
    let cases: [&[f64]; 4] = [
        &[0.5, 0.3, 0.2],
        &[0.1, 0.2, 0.3, 0.4],
        &[0.7, 0.05, 0.05, 0.1, 0.1],
        &[0.02, 0.03, 0.05, 0.1, 0.15, 0.2, 0.2, 0.25],
    ];
    for truth in cases {
        let coupled = couple_pairwise(&consistent_pairwise(truth));
        assert_eq!(coupled.len(), truth.len());
        for (estimate, expected) in coupled.iter().zip(truth) {
            assert!(
                (estimate - expected).abs() < 1e-3,
                "{coupled:?} vs {truth:?}"
            );
        }
    }
}

#[test]
fn couple_pairwise_of_two_classes_returns_the_pair() {
    let r = vec![vec![0.0, 0.8], vec![0.2, 0.0]];
    let coupled = couple_pairwise(&r);
    assert!((coupled[0] - 0.8).abs() < 1e-3, "{coupled:?}");
    assert!((coupled[1] - 0.2).abs() < 1e-3, "{coupled:?}");
}

#[test]
fn couple_pairwise_sums_to_one_on_inconsistent_input() {
    let mut generator = Lcg(5);
    for classes in 2..=12 {
        // Draw every entry, then keep the upper triangle and mirror it.
        let drawn: Vec<Vec<f64>> = (0..classes)
            .map(|_| {
                (0..classes)
                    .map(|_| 0.01 + 0.98 * generator.next_unit())
                    .collect()
            })
            .collect();
        let r: Vec<Vec<f64>> = (0..classes)
            .map(|i| {
                (0..classes)
                    .map(|j| match i.cmp(&j) {
                        std::cmp::Ordering::Less => drawn[i][j],
                        std::cmp::Ordering::Greater => 1.0 - drawn[j][i],
                        std::cmp::Ordering::Equal => 0.0,
                    })
                    .collect()
            })
            .collect();
        let coupled = couple_pairwise(&r);
        assert_eq!(coupled.len(), classes);
        let sum: f64 = coupled.iter().sum();
        assert!((sum - 1.0).abs() < 1e-12, "k = {classes}: sum {sum}");
        assert!(
            coupled.iter().all(|&p| p >= 0.0 && p.is_finite()),
            "{coupled:?}"
        );
    }
}

#[test]
fn couple_pairwise_edge_cases() {
    assert!(couple_pairwise(&[]).is_empty());
    assert_eq!(couple_pairwise(&[vec![0.0]]), vec![1.0]);
    // Class 1 beats both others with certainty.
    let r = vec![
        vec![0.0, 0.0, 0.6],
        vec![1.0, 0.0, 1.0],
        vec![0.4, 0.0, 0.0],
    ];
    assert_eq!(couple_pairwise(&r), vec![0.0, 1.0, 0.0]);
}

#[test]
fn laplace_sigma_of_known_residuals() {
    assert_eq!(laplace_sigma(&[]), 0.0);
    assert_eq!(laplace_sigma(&[0.0, 0.0]), 0.0);
    // Nothing beyond 5·√2·2.5 ≈ 17.7, so the plain mean absolute residual.
    assert!((laplace_sigma(&[1.0, -2.0, 3.0, -4.0]) - 2.5).abs() < 1e-15);
}

#[test]
fn laplace_sigma_drops_outliers() {
    // mean |residual| = (99 + 1000) / 100 = 10.99, limit 5·√2·10.99 ≈ 77.7:
    // the 1000 goes, leaving 99 residuals of size 1.
    let mut residuals: Vec<f64> = (0..99)
        .map(|index| if index % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    residuals.push(-1000.0);
    assert!((laplace_sigma(&residuals) - 1.0).abs() < 1e-15);
    // Nineteen residuals of 1 and one of x: x is dropped exactly when
    // x > 5·√2·(19 + x)/20, i.e. x > 95√2 / (20 − 5√2) ≈ 10.39.
    let mut residuals = vec![1.0; 19];
    residuals.push(10.2);
    assert!((laplace_sigma(&residuals) - (19.0 + 10.2) / 20.0).abs() < 1e-12);
    residuals[19] = -10.6;
    assert!((laplace_sigma(&residuals) - 1.0).abs() < 1e-15);
}
