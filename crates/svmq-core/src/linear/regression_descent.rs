//! Dual coordinate descent for L2-regularized L1- and L2-loss ε-insensitive linear
//! regression (Ho & Lin, "Large-scale Linear Support Vector Regression", JMLR 2012,
//! Section 3: the dual in one variable per row, with shrinking).
//!
//! With `βᵢ = αᵢ⁺ − αᵢ⁻` the dual is
//! `min f(β) = ½βᵀQ̄β − Σyᵢβᵢ + εΣ|βᵢ|` subject to `−U ≤ βᵢ ≤ U`, where
//! `Q̄ = Q + λI`, `Qᵢⱼ = x̃ᵢ·x̃ⱼ`, and `U = C, λ = 0` for the L1 loss, `U = ∞,
//! λ = 1/(2C)` for the L2 loss. With `w̃ = Σβᵢx̃ᵢ` the smooth part's derivative is
//! `Gᵢ = w̃·x̃ᵢ − yᵢ + λβᵢ`; the one-variable problem
//! `min_z Gᵢz + ½Q̄ᵢᵢz² + ε|βᵢ + z|` has the closed form
//! `z = −(Gᵢ + ε)/Q̄ᵢᵢ` if `Gᵢ + ε < Q̄ᵢᵢβᵢ`, `z = −(Gᵢ − ε)/Q̄ᵢᵢ` if `Gᵢ − ε > Q̄ᵢᵢβᵢ`,
//! else `z = −βᵢ`, then `βᵢ + z` is clipped to `[−U, U]`.
//!
//! The optimality measure of a row is its minimum-norm subgradient vᵢ (zero when βᵢ is
//! optimal given the others). The fit stops when `Σ|vᵢ|` over a pass is at most the
//! tolerance times the same sum over the first pass of a cold start (so that a
//! tolerance means what LIBLINEAR's `-e` means); a warm start keeps the scale of the fit
//! it started from, since its own first pass is already close to the optimum. A row at
//! a bound, or at 0 inside the ε-tube, whose derivative is past the bound by more than
//! the previous pass's largest |vᵢ| is shrunk; shrunk rows are brought back for a last
//! check before the fit ends.

use super::augmented_rows::{prefetch_bytes, AugmentedRows, Weights};
use super::descent::{ActiveSet, DescentSettings, PREFETCH_DISTANCE, STOP_CHECK_INTERVAL};
use super::report::LinearSubproblemReport;
use crate::control::{FitControl, Stopped};

/// One dual variable with everything its coordinate step reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Variable {
    /// βᵢ.
    pub(crate) beta: f64,
    /// yᵢ.
    pub(crate) target: f64,
    /// λ: 0 for the L1 loss, 1/(2C) for the L2 loss.
    pub(crate) diagonal: f64,
    /// Q̄ᵢᵢ = ‖x̃ᵢ‖² + λ.
    pub(crate) curvature: f64,
}

/// What the regression dual shares across rows: U and ε.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tube {
    /// U: C for the L1 loss, ∞ for the L2 loss.
    pub(crate) upper: f64,
    /// ε.
    pub(crate) epsilon: f64,
}

/// The solution of the regression problem.
pub(crate) struct RegressionSolution {
    pub(crate) betas: Vec<f64>,
    /// The scale of the stopping rule: `Σ|vᵢ|` over a cold start's first pass.
    pub(crate) violation_scale: f64,
    pub(crate) weights: Weights,
    pub(crate) report: LinearSubproblemReport,
}

struct PassSummary {
    /// Σ|vᵢ| over the pass.
    violation_sum: f64,
    /// max |vᵢ| over the pass.
    violation_max: f64,
    updates: u64,
}

/// Minimizes the dual from the β in `variables` (`weights` must be `Σβᵢx̃ᵢ` of them).
/// `violation_scale` is the stopping rule's scale from the fit a warm start comes from;
/// a cold start passes `None` and takes its first pass's.
pub(crate) fn solve(
    rows: &AugmentedRows,
    mut variables: Vec<Variable>,
    mut weights: Weights,
    tube: Tube,
    violation_scale: Option<f64>,
    settings: DescentSettings,
    control: &FitControl,
) -> Result<RegressionSolution, Stopped> {
    let mut reference = violation_scale;
    let mut active_set = ActiveSet::all(rows.rows());
    let mut random = settings.random();
    let mut shrink_margin = f64::INFINITY;
    let mut passes = 0;
    let mut updates = 0;
    let mut converged = false;
    let mut measure = f64::INFINITY;
    while passes < settings.max_passes {
        passes += 1;
        active_set.shuffle(&mut random);
        let visited = active_set.active as u64;
        let summary = run_pass(
            rows,
            &mut variables,
            &mut active_set,
            &mut weights,
            tube,
            shrink_margin,
            control,
        )?;
        control.report_iterations(visited);
        updates += summary.updates;
        let scale = *reference.get_or_insert(summary.violation_sum);
        measure = if scale > 0.0 {
            summary.violation_sum / scale
        } else {
            summary.violation_sum
        };
        if measure <= settings.tolerance || summary.violation_sum == 0.0 {
            if active_set.is_complete() {
                converged = true;
                break;
            }
            active_set.restore();
            shrink_margin = f64::INFINITY;
            continue;
        }
        if settings.shrinking {
            shrink_margin = summary.violation_max;
        }
    }
    let betas: Vec<f64> = variables.iter().map(|variable| variable.beta).collect();
    let dual_objective = 0.5 * weights.squared_norm()
        + variables
            .iter()
            .map(|variable| {
                0.5 * variable.diagonal * variable.beta * variable.beta
                    - variable.target * variable.beta
                    + tube.epsilon * variable.beta.abs()
            })
            .sum::<f64>();
    let report = LinearSubproblemReport {
        class: None,
        passes,
        updates,
        newton_iterations: 0,
        converged,
        stopping_measure: measure,
        dual_objective,
        support_vectors: betas.iter().filter(|&&beta| beta != 0.0).count(),
    };
    Ok(RegressionSolution {
        betas,
        violation_scale: reference.unwrap_or(0.0),
        weights,
        report,
    })
}

/// One pass, with AVX2 and FMA when the processor has them.
fn run_pass(
    rows: &AugmentedRows,
    variables: &mut [Variable],
    active_set: &mut ActiveSet,
    weights: &mut Weights,
    tube: Tube,
    shrink_margin: f64,
    control: &FitControl,
) -> Result<PassSummary, Stopped> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the processor supports the features the function is compiled for.
            return unsafe {
                pass_avx2(
                    rows,
                    variables,
                    active_set,
                    weights,
                    tube,
                    shrink_margin,
                    control,
                )
            };
        }
    }
    pass(
        rows,
        variables,
        active_set,
        weights,
        tube,
        shrink_margin,
        control,
    )
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn pass_avx2(
    rows: &AugmentedRows,
    variables: &mut [Variable],
    active_set: &mut ActiveSet,
    weights: &mut Weights,
    tube: Tube,
    shrink_margin: f64,
    control: &FitControl,
) -> Result<PassSummary, Stopped> {
    pass(
        rows,
        variables,
        active_set,
        weights,
        tube,
        shrink_margin,
        control,
    )
}

/// Visits the active rows in their order once, minimizing the dual along each.
#[inline(always)]
fn pass(
    rows: &AugmentedRows,
    variables: &mut [Variable],
    active_set: &mut ActiveSet,
    weights: &mut Weights,
    tube: Tube,
    shrink_margin: f64,
    control: &FitControl,
) -> Result<PassSummary, Stopped> {
    let mut summary = PassSummary {
        violation_sum: 0.0,
        violation_max: 0.0,
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
        let beta = variable.beta;
        let gradient = rows.decision(weights, row) - variable.target + variable.diagonal * beta;
        // The derivatives of the smooth part plus ε|β| on either side of 0.
        let rising = gradient + tube.epsilon;
        let falling = gradient - tube.epsilon;
        let violation = if beta == 0.0 {
            if rising < 0.0 {
                rising
            } else if falling > 0.0 {
                falling
            } else {
                if rising > shrink_margin && falling < -shrink_margin {
                    active_set.shrink(position);
                    continue;
                }
                0.0
            }
        } else if beta >= tube.upper {
            if rising < -shrink_margin {
                active_set.shrink(position);
                continue;
            }
            rising.max(0.0)
        } else if beta <= -tube.upper {
            if falling > shrink_margin {
                active_set.shrink(position);
                continue;
            }
            falling.min(0.0)
        } else if beta > 0.0 {
            rising
        } else {
            falling
        };
        summary.violation_sum += violation.abs();
        summary.violation_max = summary.violation_max.max(violation.abs());
        position += 1;
        if violation == 0.0 {
            continue;
        }
        let curvature = variable.curvature;
        let new = if curvature > 0.0 {
            let step = if rising < curvature * beta {
                -rising / curvature
            } else if falling > curvature * beta {
                -falling / curvature
            } else {
                -beta
            };
            (beta + step).clamp(-tube.upper, tube.upper)
        } else if rising < 0.0 {
            // A zero row without a bias (L1 loss): the dual is linear in βᵢ.
            tube.upper
        } else if falling > 0.0 {
            -tube.upper
        } else {
            0.0
        };
        if new != beta {
            variable.beta = new;
            rows.add_scaled(weights, row, new - beta);
            summary.updates += 1;
        }
    }
    Ok(summary)
}
