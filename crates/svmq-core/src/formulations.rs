//! LIBSVM's five formulations as dual problems: each sets up the signs, linear term,
//! bounds and starting point for the solver and reads the solution back as one
//! coefficient per training row, an offset and a report. One subproblem at a time;
//! classes, pairs and models are `train`'s business.

use crate::control::{FitControl, Stopped};
use crate::fit_report::SubproblemReport;
use crate::kernel::{GramRows, KernelMatrix};
use crate::matrix::Matrix;
use crate::params::{SvmType, ValidParams};
use crate::solver::{self, DualProblem, DualSolution, SolverSettings};

/// The solver's settings for one subproblem with `variables` variables.
fn solver_settings(
    params: &ValidParams,
    cache_bytes: usize,
    variables: usize,
    nu: bool,
) -> SolverSettings {
    SolverSettings {
        tolerance: params.tolerance,
        shrinking: params.shrinking,
        cache_bytes,
        max_iterations: params
            .max_iterations
            .unwrap_or_else(|| (100 * variables as u64).max(10_000_000)),
        nu_variant: nu,
    }
}

/// A solved two-class problem: `coefficients[t] = yₜαₜ` and the offset.
pub(crate) struct BinarySolution {
    pub coefficients: Vec<f64>,
    pub rho: f64,
    pub report: SubproblemReport,
}

/// Solves C-SVC or ν-SVC on two classes (`positive[t]` tells yₜ = +1).
pub(crate) fn solve_binary(
    data: &Matrix,
    gram: Option<GramRows>,
    positive: &[bool],
    (cost_positive, cost_negative): (f64, f64),
    params: &ValidParams,
    cache_bytes: usize,
    control: &FitControl,
) -> Result<BinarySolution, Stopped> {
    let rows = data.rows();
    let kernel = KernelMatrix::with_gram(params.kernel, data, gram);
    let sign: Vec<f64> = positive
        .iter()
        .map(|&p| if p { 1.0 } else { -1.0 })
        .collect();
    let nu = params.svm_type == SvmType::NuSvc;
    let (linear, upper, alpha) = if nu {
        // ν-SVC: 0 ≤ α ≤ 1, eᵀα = ν·l split evenly between the classes, p = 0.
        let mut remaining = [params.nu * rows as f64 / 2.0; 2];
        let alpha = sign
            .iter()
            .map(|&y| {
                let side = usize::from(y < 0.0);
                let value = remaining[side].min(1.0);
                remaining[side] -= value;
                value
            })
            .collect();
        (vec![0.0; rows], vec![1.0; rows], alpha)
    } else {
        let upper = positive
            .iter()
            .map(|&p| if p { cost_positive } else { cost_negative })
            .collect();
        (vec![-1.0; rows], upper, vec![0.0; rows])
    };
    let bounds = upper.clone();
    let problem = DualProblem {
        kernel: &kernel,
        row_of: (0..rows).collect(),
        sign: sign.clone(),
        linear,
        upper,
        alpha,
    };
    let solution = solver::solve(
        problem,
        solver_settings(params, cache_bytes, rows, nu),
        control,
    )?;
    let DualSolution {
        alpha,
        rho,
        r,
        objective,
        iterations,
        converged,
    } = solution;
    // ν-SVC's solution is scaled by 1/r to the equivalent C-SVC form (C = 1/r).
    let scale = if nu { 1.0 / r } else { 1.0 };
    let coefficients: Vec<f64> = alpha
        .iter()
        .zip(&sign)
        .map(|(a, y)| a * y * scale)
        .collect();
    let report = SubproblemReport {
        classes: None,
        iterations,
        converged,
        objective: objective * scale * scale,
        rho: rho * scale,
        support_vectors: alpha.iter().filter(|&&a| a > 0.0).count(),
        bounded_support_vectors: alpha.iter().zip(&bounds).filter(|(a, c)| *a >= *c).count(),
        derived: nu.then_some(scale),
        nu: (!nu).then(|| alpha.iter().sum::<f64>() / (cost_positive * rows as f64)),
    };
    Ok(BinarySolution {
        coefficients,
        rho: rho * scale,
        report,
    })
}

/// Solves one-class, ε-SVR or ν-SVR; returns one coefficient per row and ρ.
pub(crate) fn solve_single(
    data: &Matrix,
    gram: Option<GramRows>,
    targets: &[f64],
    params: &ValidParams,
    cache_bytes: usize,
    control: &FitControl,
) -> Result<(Vec<f64>, f64, SubproblemReport), Stopped> {
    let rows = data.rows();
    let kernel = KernelMatrix::with_gram(params.kernel, data, gram);
    let c = params.c;
    let (problem, nu) = match params.svm_type {
        SvmType::OneClass => {
            // 0 ≤ α ≤ 1, eᵀα = ν·l, p = 0: start with the first ⌊ν·l⌋ at 1.
            let total = params.nu * rows as f64;
            let full = (total as usize).min(rows);
            let mut alpha = vec![0.0; rows];
            alpha[..full].fill(1.0);
            if full < rows {
                alpha[full] = total - full as f64;
            }
            let problem = DualProblem {
                kernel: &kernel,
                row_of: (0..rows).collect(),
                sign: vec![1.0; rows],
                linear: vec![0.0; rows],
                upper: vec![1.0; rows],
                alpha,
            };
            (problem, false)
        }
        SvmType::EpsilonSvr => {
            // Variables αₜ (y = +1) then αₜ* (y = −1), p = ε ∓ yₜ.
            let mut linear: Vec<f64> = targets.iter().map(|y| params.epsilon - y).collect();
            linear.extend(targets.iter().map(|y| params.epsilon + y));
            (
                regression_problem(&kernel, linear, vec![0.0; 2 * rows], c),
                false,
            )
        }
        _ => {
            // ν-SVR: p = ∓yₜ, eᵀ(α + α*) = C·ν·l, spread greedily.
            let mut linear: Vec<f64> = targets.iter().map(|y| -y).collect();
            linear.extend(targets.iter().copied());
            let mut remaining = c * params.nu * rows as f64 / 2.0;
            let mut alpha = vec![0.0; 2 * rows];
            for t in 0..rows {
                let value = remaining.min(c);
                alpha[t] = value;
                alpha[t + rows] = value;
                remaining -= value;
            }
            (regression_problem(&kernel, linear, alpha, c), true)
        }
    };
    let variables = problem.alpha.len();
    let upper = problem.upper.clone();
    let solution = solver::solve(
        problem,
        solver_settings(params, cache_bytes, variables, nu),
        control,
    )?;
    let coefficients: Vec<f64> = if params.svm_type == SvmType::OneClass {
        solution.alpha.clone()
    } else {
        (0..rows)
            .map(|t| solution.alpha[t] - solution.alpha[t + rows])
            .collect()
    };
    let report = SubproblemReport {
        classes: None,
        iterations: solution.iterations,
        converged: solution.converged,
        objective: solution.objective,
        rho: solution.rho,
        support_vectors: coefficients.iter().filter(|&&c| c != 0.0).count(),
        bounded_support_vectors: solution
            .alpha
            .iter()
            .zip(&upper)
            .filter(|(a, c)| *a >= *c)
            .count(),
        derived: nu.then_some(-solution.r),
        nu: (params.svm_type == SvmType::EpsilonSvr)
            .then(|| solution.alpha.iter().sum::<f64>() / (c * rows as f64)),
    };
    Ok((coefficients, solution.rho, report))
}

fn regression_problem<'a>(
    kernel: &'a KernelMatrix<'a>,
    linear: Vec<f64>,
    alpha: Vec<f64>,
    c: f64,
) -> DualProblem<'a> {
    let rows = kernel.len();
    let mut sign = vec![1.0; rows];
    sign.extend(std::iter::repeat_n(-1.0, rows));
    DualProblem {
        kernel,
        row_of: (0..rows).chain(0..rows).collect(),
        sign,
        linear,
        upper: vec![c; 2 * rows],
        alpha,
    }
}
