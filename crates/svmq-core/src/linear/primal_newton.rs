//! Newton's method on the primal problem of the L2 losses, for when the dual descent
//! reaches its pass limit: large C makes the dual badly conditioned, while the primal
//! Newton step does not slow down with it. LIBLINEAR 2.50 switches the same way (to its
//! `-s 2` and `-s 11`).
//!
//! The problem is `min f(w̃) = ½‖w̃‖² + Σᵢ ℓᵢ(w̃·x̃ᵢ)` with the squared hinge
//! `ℓᵢ(z) = Cᵢ·max(0, 1 − yᵢz)²` or the squared tube `ℓᵢ(z) = C·max(0, |z − yᵢ| − ε)²`:
//! once differentiable, with the generalized Hessian `H = I + Σᵢ ℓᵢ''·x̃ᵢx̃ᵢᵀ` whose sum
//! runs over the rows with a non-zero loss. Each iteration solves `H d = −∇f`
//! approximately by conjugate gradients (stopping at a tenth of the gradient's norm)
//! and moves to the exact minimum of f along d: f is a convex piecewise quadratic on
//! the line, whose derivative is found to vanish by safeguarded Newton steps inside a
//! bracket (Keerthi & DeCoste, "A Modified Finite Newton Method for Fast Solution of
//! Large Scale Linear SVMs", JMLR 2005, with an inexact inner solve).
//!
//! The stopping rules are LIBLINEAR's documented ones for its primal solvers:
//! `‖∇f(w̃)‖ ≤ 0.01·min(positives, negatives)/rows·‖∇f(0)‖` for classification,
//! `‖∇f(w̃)‖ ≤ 0.0001·‖∇f(0)‖` for regression. The dual variables follow from w̃
//! (`αᵢ = −yᵢℓᵢ'`, `βᵢ = −ℓᵢ'`), so a warm start works as after the dual descent.

use super::augmented_rows::{AugmentedRows, Weights};
use crate::control::{FitControl, Stopped};
use crate::matrix::dot;
use rayon::prelude::*;

/// The most Newton iterations; each costs a few passes over the rows.
const MAX_ITERATIONS: usize = 1000;
/// Conjugate gradients stop at this fraction of the gradient's norm.
const CONJUGATE_GRADIENT_TOLERANCE: f64 = 0.1;

/// The loss of every row as a function of its decision value.
pub(crate) enum SquaredLoss<'a> {
    /// `Cᵢ·max(0, 1 − yᵢz)²`, yᵢ = ±1.
    Hinge { signs: &'a [f64], costs: &'a [f64] },
    /// `C·max(0, |z − yᵢ| − ε)²`.
    Tube {
        targets: &'a [f64],
        epsilon: f64,
        cost: f64,
    },
}

impl SquaredLoss<'_> {
    /// `(ℓᵢ(z), ℓᵢ'(z), ℓᵢ''(z))`.
    #[inline(always)]
    fn at(&self, row: usize, z: f64) -> (f64, f64, f64) {
        match *self {
            SquaredLoss::Hinge { signs, costs } => {
                let excess = 1.0 - signs[row] * z;
                if excess > 0.0 {
                    let cost = costs[row];
                    (
                        cost * excess * excess,
                        -2.0 * cost * signs[row] * excess,
                        2.0 * cost,
                    )
                } else {
                    (0.0, 0.0, 0.0)
                }
            }
            SquaredLoss::Tube {
                targets,
                epsilon,
                cost,
            } => {
                let residual = z - targets[row];
                let excess = residual.abs() - epsilon;
                if excess > 0.0 {
                    (
                        cost * excess * excess,
                        2.0 * cost * excess * residual.signum(),
                        2.0 * cost,
                    )
                } else {
                    (0.0, 0.0, 0.0)
                }
            }
        }
    }

    /// `‖∇f(0)‖·factor`, the stopping threshold, where f's gradient at 0 is `Σᵢ ℓᵢ'(0)·x̃ᵢ`.
    fn threshold(&self, rows: &AugmentedRows) -> f64 {
        let gradient = weighted_sum(rows, &Weights::zero(rows.columns()), |row| {
            self.at(row, 0.0).1
        });
        let factor = match self {
            SquaredLoss::Hinge { signs, .. } => {
                let positives = signs.iter().filter(|&&sign| sign > 0.0).count();
                let smaller = positives.min(signs.len() - positives).max(1);
                0.01 * smaller as f64 / signs.len() as f64
            }
            SquaredLoss::Tube { .. } => 1e-4,
        };
        factor * norm(&gradient)
    }
}

/// What the Newton iterations ended with.
pub(crate) struct PrimalSolution {
    pub(crate) weights: Weights,
    /// The dual variables w̃ implies: `−ℓᵢ'(w̃·x̃ᵢ)`, times yᵢ for classification.
    pub(crate) dual: Vec<f64>,
    pub(crate) iterations: usize,
    pub(crate) converged: bool,
}

fn inner(left: &Weights, right: &Weights) -> f64 {
    dot(&left.features, &right.features) + left.bias * right.bias
}

fn norm(vector: &Weights) -> f64 {
    inner(vector, vector).sqrt()
}

/// `target ← target + scale·vector`.
fn add_scaled(target: &mut Weights, vector: &Weights, scale: f64) {
    for (value, &other) in target.features.iter_mut().zip(&vector.features) {
        *value += scale * other;
    }
    target.bias += scale * vector.bias;
}

/// Minimizes the primal from `weights` (the dual descent's last iterate).
pub(crate) fn solve(
    rows: &AugmentedRows,
    loss: &SquaredLoss,
    mut weights: Weights,
    control: &FitControl,
) -> Result<PrimalSolution, Stopped> {
    let threshold = loss.threshold(rows);
    let mut decisions = decisions_of(rows, &weights);
    let mut curvatures = vec![0.0; rows.rows()];
    let mut iterations = 0;
    let mut converged = false;
    while iterations < MAX_ITERATIONS {
        control.check()?;
        // ∇f = w̃ + Σ ℓᵢ'·x̃ᵢ; the rows with ℓᵢ'' > 0 make up the Hessian.
        for (row, (&decision, curvature)) in decisions.iter().zip(&mut curvatures).enumerate() {
            *curvature = loss.at(row, decision).2;
        }
        let gradient = weighted_sum(rows, &weights, |row| loss.at(row, decisions[row]).1);
        if norm(&gradient) <= threshold {
            converged = true;
            break;
        }
        iterations += 1;
        let direction = conjugate_gradient(rows, &curvatures, &gradient, control)?;
        let steps = decisions_of(rows, &direction);
        let length = line_minimum(loss, &weights, &direction, &decisions, &steps);
        add_scaled(&mut weights, &direction, length);
        for (decision, step) in decisions.iter_mut().zip(&steps) {
            *decision += length * step;
        }
        control.report_iterations(1);
    }
    let dual = decisions
        .iter()
        .enumerate()
        .map(|(row, &decision)| {
            let (_, slope, _) = loss.at(row, decision);
            match loss {
                SquaredLoss::Hinge { signs, .. } => -slope * signs[row],
                SquaredLoss::Tube { .. } => -slope,
            }
        })
        .collect();
    Ok(PrimalSolution {
        weights,
        dual,
        iterations,
        converged,
    })
}

/// `H v = v + Σᵢ ℓᵢ''·(x̃ᵢ·v)·x̃ᵢ`.
fn hessian_times(rows: &AugmentedRows, curvatures: &[f64], vector: &Weights) -> Weights {
    weighted_sum(rows, vector, |row| match curvatures[row] {
        0.0 => 0.0,
        curvature => curvature * rows.decision(vector, row),
    })
}

/// Rows per parallel task of a pass.
const CHUNK_ROWS: usize = 4096;

/// `w̃·x̃ᵢ` for every row, in parallel.
fn decisions_of(rows: &AugmentedRows, weights: &Weights) -> Vec<f64> {
    (0..rows.rows())
        .into_par_iter()
        .with_min_len(CHUNK_ROWS)
        .map(|row| rows.decision(weights, row))
        .collect()
}

/// `start + Σᵢ coefficient(i)·x̃ᵢ` over the rows with a non-zero coefficient: summed by
/// chunks of rows in parallel, the chunks' sums then added in row order, so that the
/// result is the same whatever the threads.
fn weighted_sum(
    rows: &AugmentedRows,
    start: &Weights,
    coefficient: impl Fn(usize) -> f64 + Sync,
) -> Weights {
    let chunks = rows.rows().div_ceil(CHUNK_ROWS);
    let partial: Vec<Option<Weights>> = (0..chunks)
        .into_par_iter()
        .map(|chunk| {
            let mut sum: Option<Weights> = None;
            for row in chunk * CHUNK_ROWS..((chunk + 1) * CHUNK_ROWS).min(rows.rows()) {
                let scale = coefficient(row);
                if scale != 0.0 {
                    let sum = sum.get_or_insert_with(|| Weights::zero(rows.columns()));
                    rows.add_scaled(sum, row, scale);
                }
            }
            sum
        })
        .collect();
    let mut total = start.clone();
    for sum in partial.iter().flatten() {
        add_scaled(&mut total, sum, 1.0);
    }
    total
}

/// Approximately solves `H d = −g` from d = 0 (so d is a descent direction whatever
/// the number of steps).
fn conjugate_gradient(
    rows: &AugmentedRows,
    curvatures: &[f64],
    gradient: &Weights,
    control: &FitControl,
) -> Result<Weights, Stopped> {
    let mut solution = Weights::zero(rows.columns());
    let mut residual = gradient.clone();
    for value in residual.features.iter_mut() {
        *value = -*value;
    }
    residual.bias = -residual.bias;
    let mut search = residual.clone();
    let mut residual_squared = inner(&residual, &residual);
    let goal = CONJUGATE_GRADIENT_TOLERANCE * norm(gradient);
    // H is I plus a positive semidefinite matrix, so CG ends in at most dimension
    // steps in exact arithmetic; the bound guards against rounding.
    for _ in 0..=rows.columns() + 1 {
        if residual_squared.sqrt() <= goal {
            break;
        }
        control.check()?;
        let product = hessian_times(rows, curvatures, &search);
        let step = residual_squared / inner(&search, &product);
        add_scaled(&mut solution, &search, step);
        add_scaled(&mut residual, &product, -step);
        let next_squared = inner(&residual, &residual);
        let ratio = next_squared / residual_squared;
        residual_squared = next_squared;
        let mut next = residual.clone();
        add_scaled(&mut next, &search, ratio);
        search = next;
    }
    Ok(solution)
}

/// The t ≥ 0 minimizing `φ(t) = f(w̃ + t·d)`, given `decisions = X̃w̃` and `steps = X̃d`.
/// φ' is increasing and piecewise linear; it is negative at 0 (d descends), so a
/// bracket [0, hi] with φ'(hi) ≥ 0 is found by doubling, then Newton steps on φ' that
/// leave the bracket are replaced by bisection.
fn line_minimum(
    loss: &SquaredLoss,
    weights: &Weights,
    direction: &Weights,
    decisions: &[f64],
    steps: &[f64],
) -> f64 {
    let (weights_dot_direction, direction_squared) =
        (inner(weights, direction), inner(direction, direction));
    // (φ'(t), φ''(t)).
    let derivatives = |t: f64| -> (f64, f64) {
        let mut slope = weights_dot_direction + t * direction_squared;
        let mut curvature = direction_squared;
        for (row, (&decision, &step)) in decisions.iter().zip(steps).enumerate() {
            if step != 0.0 {
                let (_, row_slope, row_curvature) = loss.at(row, decision + t * step);
                slope += row_slope * step;
                curvature += row_curvature * step * step;
            }
        }
        (slope, curvature)
    };
    let (start_slope, _) = derivatives(0.0);
    if start_slope >= 0.0 {
        return 0.0;
    }
    let tolerance = 1e-12 * start_slope.abs();
    let (mut low, mut high) = (0.0, 1.0);
    while derivatives(high).0 < 0.0 && high < 1e12 {
        low = high;
        high *= 2.0;
    }
    let mut t = high.min(1.0);
    for _ in 0..100 {
        let (slope, curvature) = derivatives(t);
        if slope.abs() <= tolerance {
            break;
        }
        if slope < 0.0 {
            low = t;
        } else {
            high = t;
        }
        let newton = t - slope / curvature;
        t = if newton > low && newton < high {
            newton
        } else {
            0.5 * (low + high)
        };
        if high - low <= 1e-15 * high {
            break;
        }
    }
    t
}
