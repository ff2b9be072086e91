//! Dual coordinate descent for L2-regularized L1- and L2-loss linear classification
//! (Hsieh, Chang, Lin, Keerthi & Sundararajan, "A Dual Coordinate Descent Method for
//! Large-scale Linear SVM", ICML 2008, Algorithm 1 with the shrinking of Section 3.2).
//!
//! The dual is `min f(α) = ½αᵀQ̄α − Σαᵢ` subject to `0 ≤ αᵢ ≤ Uᵢ`, with
//! `Q̄ = Q + D`, `Qᵢⱼ = yᵢyⱼ x̃ᵢ·x̃ⱼ`, and for the L1 loss `Uᵢ = Cᵢ, Dᵢᵢ = 0`, for the L2
//! loss `Uᵢ = ∞, Dᵢᵢ = 1/(2Cᵢ)`. Keeping `w̃ = Σ yᵢαᵢx̃ᵢ` makes the partial derivative
//! `Gᵢ = yᵢ w̃·x̃ᵢ − 1 + Dᵢᵢαᵢ` cost one dot product, and each coordinate step is exact:
//! `αᵢ ← min(max(αᵢ − Gᵢ/Q̄ᵢᵢ, 0), Uᵢ)`.
//!
//! Each pass visits the active rows in a fresh random order. A row at a bound whose
//! derivative points out of the box by more than the previous pass's largest projected
//! gradient (M̄) or below its smallest (m̄) is shrunk; the fit stops when the projected
//! gradients of a pass span at most the tolerance, and, if rows were shrunk, only after
//! a pass over every row confirms it.
//!
//! This module solves one binary problem; one-vs-rest and the model are `training`'s.

use super::augmented_rows::{prefetch_bytes, AugmentedRows, Weights};
use super::descent::{ActiveSet, DescentSettings, PREFETCH_DISTANCE, STOP_CHECK_INTERVAL};
use super::report::LinearSubproblemReport;
use crate::control::{FitControl, Stopped};

/// One dual variable with everything its coordinate step reads, side by side so that a
/// step touches one cache line besides the row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Variable {
    /// αᵢ.
    pub(crate) alpha: f64,
    /// yᵢ, +1 or −1.
    pub(crate) sign: f64,
    /// Uᵢ: Cᵢ for the L1 loss, ∞ for the L2 loss.
    pub(crate) upper: f64,
    /// Dᵢᵢ: 0 for the L1 loss, 1/(2Cᵢ) for the L2 loss.
    pub(crate) diagonal: f64,
    /// Q̄ᵢᵢ = ‖x̃ᵢ‖² + Dᵢᵢ.
    pub(crate) curvature: f64,
}

/// The solution of one binary problem.
pub(crate) struct BinarySolution {
    pub(crate) alphas: Vec<f64>,
    pub(crate) weights: Weights,
    pub(crate) report: LinearSubproblemReport,
}

/// What one pass found: the largest and smallest projected gradient it saw, and how
/// many variables it changed.
struct PassSummary {
    largest: f64,
    smallest: f64,
    updates: u64,
}

/// Minimizes the dual from the α in `variables` (zero for a cold start; `weights` must
/// be `Σ yᵢαᵢx̃ᵢ` of them).
pub(crate) fn solve(
    rows: &AugmentedRows,
    mut variables: Vec<Variable>,
    mut weights: Weights,
    settings: DescentSettings,
    control: &FitControl,
) -> Result<BinarySolution, Stopped> {
    let mut active_set = ActiveSet::all(rows.rows());
    let mut random = settings.random();
    // M̄ and m̄ of the paper: shrink a row at 0 whose Gᵢ > M̄, at U whose Gᵢ < m̄.
    let (mut shrink_above, mut shrink_below) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut passes = 0;
    let mut updates = 0;
    let mut converged = false;
    let mut gap = f64::INFINITY;
    while passes < settings.max_passes {
        passes += 1;
        active_set.shuffle(&mut random);
        let visited = active_set.active as u64;
        let summary = run_pass(
            rows,
            &mut variables,
            &mut active_set,
            &mut weights,
            (shrink_above, shrink_below),
            control,
        )?;
        control.report_iterations(visited);
        updates += summary.updates;
        gap = summary.largest - summary.smallest;
        if gap <= settings.tolerance {
            if active_set.is_complete() {
                converged = true;
                break;
            }
            active_set.restore();
            (shrink_above, shrink_below) = (f64::INFINITY, f64::NEG_INFINITY);
            continue;
        }
        if settings.shrinking {
            shrink_above = if summary.largest <= 0.0 {
                f64::INFINITY
            } else {
                summary.largest
            };
            shrink_below = if summary.smallest >= 0.0 {
                f64::NEG_INFINITY
            } else {
                summary.smallest
            };
        }
    }
    let alphas: Vec<f64> = variables.iter().map(|variable| variable.alpha).collect();
    let dual_objective = 0.5 * weights.squared_norm()
        + variables
            .iter()
            .map(|variable| {
                0.5 * variable.diagonal * variable.alpha * variable.alpha - variable.alpha
            })
            .sum::<f64>();
    let report = LinearSubproblemReport {
        class: None,
        passes,
        updates,
        newton_iterations: 0,
        converged,
        stopping_measure: gap.max(0.0),
        dual_objective,
        support_vectors: alphas.iter().filter(|&&alpha| alpha != 0.0).count(),
    };
    Ok(BinarySolution {
        alphas,
        weights,
        report,
    })
}

/// One pass, with AVX2 and FMA when the processor has them (the dot products and the
/// weight updates are then four lanes wide).
fn run_pass(
    rows: &AugmentedRows,
    variables: &mut [Variable],
    active_set: &mut ActiveSet,
    weights: &mut Weights,
    shrink_bounds: (f64, f64),
    control: &FitControl,
) -> Result<PassSummary, Stopped> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the processor supports the features the function is compiled for.
            return unsafe {
                pass_avx2(rows, variables, active_set, weights, shrink_bounds, control)
            };
        }
    }
    pass(rows, variables, active_set, weights, shrink_bounds, control)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn pass_avx2(
    rows: &AugmentedRows,
    variables: &mut [Variable],
    active_set: &mut ActiveSet,
    weights: &mut Weights,
    shrink_bounds: (f64, f64),
    control: &FitControl,
) -> Result<PassSummary, Stopped> {
    pass(rows, variables, active_set, weights, shrink_bounds, control)
}

/// Visits the active rows in their order once, stepping each variable to the minimum
/// of the dual along its coordinate.
#[inline(always)]
fn pass(
    rows: &AugmentedRows,
    variables: &mut [Variable],
    active_set: &mut ActiveSet,
    weights: &mut Weights,
    (shrink_above, shrink_below): (f64, f64),
    control: &FitControl,
) -> Result<PassSummary, Stopped> {
    let mut summary = PassSummary {
        largest: f64::NEG_INFINITY,
        smallest: f64::INFINITY,
        updates: 0,
    };
    let mut position = 0;
    let mut steps = 0usize;
    while position < active_set.active {
        steps += 1;
        if steps.is_multiple_of(STOP_CHECK_INTERVAL) {
            control.check()?;
        }
        let row = active_set.order[position];
        if let Some(&ahead) =
            active_set.order[..active_set.active].get(position + PREFETCH_DISTANCE)
        {
            rows.prefetch(ahead);
            prefetch_bytes(std::slice::from_ref(&variables[ahead]));
        }
        let variable = &mut variables[row];
        let gradient =
            variable.sign * rows.decision(weights, row) - 1.0 + variable.diagonal * variable.alpha;
        let projected = if variable.alpha == 0.0 {
            if gradient > shrink_above {
                active_set.shrink(position);
                continue;
            }
            gradient.min(0.0)
        } else if variable.alpha == variable.upper {
            if gradient < shrink_below {
                active_set.shrink(position);
                continue;
            }
            gradient.max(0.0)
        } else {
            gradient
        };
        summary.largest = summary.largest.max(projected);
        summary.smallest = summary.smallest.min(projected);
        position += 1;
        if projected == 0.0 {
            continue;
        }
        let old = variable.alpha;
        let new = if variable.curvature > 0.0 {
            (old - gradient / variable.curvature).clamp(0.0, variable.upper)
        } else {
            // A zero row without a bias (L1 loss): the dual is linear in αᵢ, whose
            // derivative is −1, so αᵢ goes to its bound.
            variable.upper
        };
        if new != old {
            variable.alpha = new;
            rows.add_scaled(weights, row, (new - old) * variable.sign);
            summary.updates += 1;
        }
    }
    Ok(summary)
}
