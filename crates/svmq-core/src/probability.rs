//! Probability estimates on top of SVM decision values, as LIBSVM computes them.
//!
//! - Classification, two classes: Platt's sigmoid `P(positive | f) = 1 / (1 + exp(a·f + b))`
//!   fitted to decision values `f` by the Newton method of Lin, Lin & Weng (2007), and
//!   evaluated without overflow.
//! - Classification, more classes: the pairwise probabilities of every class pair are
//!   coupled into one distribution by the second method of Wu, Lin & Weng (2004).
//! - Regression: the scale of a Laplace distribution fitted to residuals, with outliers
//!   dropped.
//!
//! Everything here is pure arithmetic on slices. Producing the inputs — decision values
//! and residuals from cross-validation, shuffling folds, clamping pairwise probabilities
//! away from 0 and 1 — is the caller's job; nothing here trains an SVM, draws random
//! numbers or does I/O.

/// Platt's sigmoid 1/(1+exp(a·f+b)) evaluated stably (no overflow for large |a·f+b|).
pub fn sigmoid_predict(decision_value: f64, a: f64, b: f64) -> f64 {
    let exponent = a * decision_value + b;
    // exp of a large positive number overflows; rewrite so that we only ever take the
    // exp of a non-positive number.
    if exponent >= 0.0 {
        let small = (-exponent).exp();
        small / (1.0 + small)
    } else {
        1.0 / (1.0 + exponent.exp())
    }
}

/// Newton iterations before giving up.
const SIGMOID_MAX_ITERATIONS: usize = 100;
/// Line search gives up when the step shrinks below this.
const SIGMOID_MIN_STEP: f64 = 1e-10;
/// Added to the Hessian's diagonal so that it stays positive definite even when every
/// point sits where the sigmoid is flat.
const SIGMOID_HESSIAN_RIDGE: f64 = 1e-12;
/// Stop once both gradient components are below this.
const SIGMOID_GRADIENT_TOLERANCE: f64 = 1e-5;
/// Armijo constant: a step must achieve this fraction of the decrease its slope promises.
const SIGMOID_SUFFICIENT_DECREASE: f64 = 1e-4;

/// Fits (a, b) of Platt's sigmoid to decision values and their true classes (true = positive class),
/// by the Newton method with backtracking line search of Lin, Lin & Weng (2007),
/// "A note on Platt's probabilistic outputs for support vector machines":
/// targets smoothed as (N+ + 1)/(N+ + 2) and 1/(N- + 2), initial a = 0, b = ln((N- + 1)/(N+ + 1)),
/// max 100 iterations, min step 1e-10, Hessian ridge sigma = 1e-12, stop when |gradient| < 1e-5.
/// Numerically stable evaluation of the objective (log(1+exp(...)) split by sign).
///
/// Panics if the two slices differ in length.
pub fn fit_sigmoid(decision_values: &[f64], positive: &[bool]) -> (f64, f64) {
    assert_eq!(
        decision_values.len(),
        positive.len(),
        "one class per decision value"
    );
    let targets = smoothed_targets(positive);
    let positives = positive.iter().filter(|&&is_positive| is_positive).count() as f64;
    let negatives = positive.len() as f64 - positives;
    // a = 0 predicts the same probability everywhere; this b makes it the (smoothed)
    // fraction of positives.
    let mut parameters = [0.0, ((negatives + 1.0) / (positives + 1.0)).ln()];
    let mut value = sigmoid_objective(decision_values, &targets, parameters);
    for _ in 0..SIGMOID_MAX_ITERATIONS {
        let (gradient, hessian) = sigmoid_derivatives(decision_values, &targets, parameters);
        if gradient[0].abs() < SIGMOID_GRADIENT_TOLERANCE
            && gradient[1].abs() < SIGMOID_GRADIENT_TOLERANCE
        {
            break;
        }
        let direction = newton_direction(gradient, hessian);
        match line_search(
            decision_values,
            &targets,
            parameters,
            value,
            gradient,
            direction,
        ) {
            Some((accepted, accepted_value)) => {
                parameters = accepted;
                value = accepted_value;
            }
            // Even a step of 1e-10 along the Newton direction fails to decrease the
            // objective: rounding dominates, and further iterations would not move.
            None => break,
        }
    }
    (parameters[0], parameters[1])
}

/// Platt's targets: instead of 1 and 0, a positive aims at (N+ + 1)/(N+ + 2) and a
/// negative at 1/(N- + 2) — a Bayesian prior that keeps the fit from chasing the
/// probabilities 0 and 1 on separable data (which would send a to −∞).
fn smoothed_targets(positive: &[bool]) -> Vec<f64> {
    let positives = positive.iter().filter(|&&is_positive| is_positive).count() as f64;
    let negatives = positive.len() as f64 - positives;
    let positive_target = (positives + 1.0) / (positives + 2.0);
    let negative_target = 1.0 / (negatives + 2.0);
    positive
        .iter()
        .map(|&is_positive| {
            if is_positive {
                positive_target
            } else {
                negative_target
            }
        })
        .collect()
}

/// Cross-entropy of the sigmoid against the targets. With z = a·f + b and
/// p = 1/(1+exp(z)), the loss of one point is −t·ln p − (1−t)·ln(1−p)
/// = t·z + ln(1+exp(−z)) = (t−1)·z + ln(1+exp(z)); the first form is safe for z ≥ 0,
/// the second for z < 0.
fn sigmoid_objective(decision_values: &[f64], targets: &[f64], parameters: [f64; 2]) -> f64 {
    let [a, b] = parameters;
    decision_values
        .iter()
        .zip(targets)
        .map(|(&decision_value, &target)| {
            let z = a * decision_value + b;
            if z >= 0.0 {
                target * z + (-z).exp().ln_1p()
            } else {
                (target - 1.0) * z + z.exp().ln_1p()
            }
        })
        .sum()
}

/// Gradient and Hessian of the objective in (a, b). The loss of one point has
/// derivative t − p in z and second derivative p·(1−p), so by the chain rule through
/// z = a·f + b: gradient = Σ (t−p)·(f, 1), Hessian = Σ p(1−p)·[[f², f], [f, 1]], plus
/// the ridge on the diagonal.
fn sigmoid_derivatives(
    decision_values: &[f64],
    targets: &[f64],
    parameters: [f64; 2],
) -> ([f64; 2], [[f64; 2]; 2]) {
    let [a, b] = parameters;
    let mut gradient = [0.0; 2];
    let mut hessian = [[SIGMOID_HESSIAN_RIDGE, 0.0], [0.0, SIGMOID_HESSIAN_RIDGE]];
    for (&decision_value, &target) in decision_values.iter().zip(targets) {
        let probability = sigmoid_predict(decision_value, a, b);
        // 1 − p computed directly rather than by subtraction, so that p·(1−p) keeps
        // its precision when p is close to 1.
        let complement = sigmoid_predict(decision_value, -a, -b);
        let slope = target - probability;
        let curvature = probability * complement;
        gradient[0] += decision_value * slope;
        gradient[1] += slope;
        hessian[0][0] += decision_value * decision_value * curvature;
        hessian[0][1] += decision_value * curvature;
        hessian[1][1] += curvature;
    }
    hessian[1][0] = hessian[0][1];
    (gradient, hessian)
}

/// The Newton step −H⁻¹·g, solving the 2×2 system by Cramer's rule.
fn newton_direction(gradient: [f64; 2], hessian: [[f64; 2]; 2]) -> [f64; 2] {
    let determinant = hessian[0][0] * hessian[1][1] - hessian[0][1] * hessian[1][0];
    [
        -(hessian[1][1] * gradient[0] - hessian[0][1] * gradient[1]) / determinant,
        -(hessian[0][0] * gradient[1] - hessian[1][0] * gradient[0]) / determinant,
    ]
}

/// Backtracking from the full Newton step, halving until the objective decreases enough
/// (Armijo's condition). Returns the accepted parameters and objective, or `None` when
/// the step has shrunk below the minimum.
fn line_search(
    decision_values: &[f64],
    targets: &[f64],
    parameters: [f64; 2],
    value: f64,
    gradient: [f64; 2],
    direction: [f64; 2],
) -> Option<([f64; 2], f64)> {
    let slope = gradient[0] * direction[0] + gradient[1] * direction[1];
    let mut step = 1.0;
    while step >= SIGMOID_MIN_STEP {
        let candidate = [
            parameters[0] + step * direction[0],
            parameters[1] + step * direction[1],
        ];
        let candidate_value = sigmoid_objective(decision_values, targets, candidate);
        if candidate_value < value + SIGMOID_SUFFICIENT_DECREASE * step * slope {
            return Some((candidate, candidate_value));
        }
        step /= 2.0;
    }
    None
}

/// Multiclass probabilities from pairwise probabilities `r[i][j]` ≈ P(class i | class i or j)
/// (`r[j][i] = 1 - r[i][j]`; the diagonal is ignored), by the second method of
/// Wu, Lin & Weng (2004), "Probability estimates for multi-class classification by pairwise coupling"
/// (the fixed-point iteration solving min ½ pᵀQp s.t. Σp = 1, with Q_tt = Σ_{j≠t} r_jt², Q_tj = -r_jt r_tj),
/// starting from uniform p, at most max(100, k) iterations, stopping when max_t |(Qp)_t - pᵀQp| < 0.005/k.
/// Returns k probabilities summing to 1.
///
/// The objective is Σ_i Σ_{j≠i} (r_ji·p_i − r_ij·p_j)², which is zero exactly when
/// p_i / p_j = r_ij / r_ji for every pair. Callers should keep r strictly inside (0, 1),
/// as LIBSVM does; a class that beats every other with certainty gets probability 1.
pub fn couple_pairwise(r: &[Vec<f64>]) -> Vec<f64> {
    let classes = r.len();
    if classes == 0 {
        return Vec::new();
    }
    let q = coupling_matrix(r);
    // A zero diagonal means r_jt = 0 for every j: class t always wins, p = e_t is the
    // exact minimum, and the update below would divide by zero.
    if let Some(winner) = (0..classes).find(|&t| q[t][t] <= 0.0) {
        let mut probabilities = vec![0.0; classes];
        probabilities[winner] = 1.0;
        return probabilities;
    }
    fixed_point_iteration(&q)
}

/// Q of Wu, Lin & Weng's second method: Q_tt = Σ_{j≠t} r_jt², Q_tj = −r_jt·r_tj.
fn coupling_matrix(r: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let classes = r.len();
    let mut q = vec![vec![0.0; classes]; classes];
    for t in 0..classes {
        for j in 0..classes {
            if j != t {
                q[t][t] += r[j][t] * r[j][t];
                q[t][j] = -r[j][t] * r[t][j];
            }
        }
    }
    q
}

/// Solves min ½ pᵀQp s.t. Σp = 1 by the fixed point of its optimality condition
/// (Qp)_t = pᵀQp for all t: sweep over t setting
/// p_t ← p_t + ((pᵀQp) − (Qp)_t) / Q_tt, renormalising after each update.
fn fixed_point_iteration(q: &[Vec<f64>]) -> Vec<f64> {
    let classes = q.len();
    let max_iterations = classes.max(100);
    let tolerance = 0.005 / classes as f64;
    let mut probabilities = vec![1.0 / classes as f64; classes];
    let mut q_p: Vec<f64> = (0..classes).map(|t| dot(&q[t], &probabilities)).collect();
    let mut p_q_p = dot(&probabilities, &q_p);
    for _ in 0..max_iterations {
        let largest_violation = q_p
            .iter()
            .map(|&row| (row - p_q_p).abs())
            .fold(0.0, f64::max);
        if largest_violation < tolerance {
            break;
        }
        for t in 0..classes {
            let change = (p_q_p - q_p[t]) / q[t][t];
            update_coordinate(q, t, change, &mut probabilities, &mut q_p, &mut p_q_p);
        }
    }
    probabilities
}

/// Adds `change` to p_t and divides p by 1 + change so that it sums to 1 again,
/// keeping Qp and pᵀQp current in O(k) rather than recomputing them in O(k²):
/// with p' = (p + δ·e_t)/(1+δ),
/// Qp' = (Qp + δ·Q e_t)/(1+δ) and p'ᵀQp' = (pᵀQp + 2δ·(Qp)_t + δ²·Q_tt)/(1+δ)².
fn update_coordinate(
    q: &[Vec<f64>],
    t: usize,
    change: f64,
    probabilities: &mut [f64],
    q_p: &mut [f64],
    p_q_p: &mut f64,
) {
    let scale = 1.0 + change;
    *p_q_p = (*p_q_p + change * (2.0 * q_p[t] + change * q[t][t])) / (scale * scale);
    probabilities[t] += change;
    for j in 0..probabilities.len() {
        // Q is symmetric, so column t of Q is row t.
        q_p[j] = (q_p[j] + change * q[t][j]) / scale;
        probabilities[j] /= scale;
    }
}

fn dot(left: &[f64], right: &[f64]) -> f64 {
    left.iter().zip(right).map(|(x, y)| x * y).sum()
}

/// Residuals beyond this many standard deviations of the Laplace fit are outliers.
const LAPLACE_OUTLIER_DEVIATIONS: f64 = 5.0;

/// Scale of a Laplace distribution fitted to regression residuals (prediction − truth) from
/// cross-validation, as in LIBSVM's SVR probability model: mae = mean |residual|; then drop
/// residuals with |residual| > 5·sqrt(2)·mae (i.e. > 5 standard deviations of the Laplace fit) and
/// return the mean |residual| of the rest. Returns 0 for empty input.
///
/// The maximum-likelihood scale of a zero-mean Laplace distribution is the mean absolute
/// residual, and its standard deviation is √2 times the scale.
pub fn laplace_sigma(residuals: &[f64]) -> f64 {
    let scale = mean_absolute(residuals.iter().copied());
    let standard_deviation = std::f64::consts::SQRT_2 * scale;
    let limit = LAPLACE_OUTLIER_DEVIATIONS * standard_deviation;
    mean_absolute(
        residuals
            .iter()
            .copied()
            .filter(|residual| residual.abs() <= limit),
    )
}

/// Mean of the absolute values, or 0 when there are none.
fn mean_absolute(values: impl Iterator<Item = f64>) -> f64 {
    let (count, total) = values.fold((0usize, 0.0), |(count, total), value| {
        (count + 1, total + value.abs())
    });
    if count == 0 {
        0.0
    } else {
        total / count as f64
    }
}

#[cfg(test)]
mod tests;
