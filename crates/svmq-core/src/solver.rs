//! The SMO solver for the dual problems of every formulation.
//!
//! It minimizes `f(α) = ½ αᵀQα + pᵀα` subject to `yᵀα = Δ` and `0 ≤ αₜ ≤ Cₜ`, where
//! `Qₛₜ = yₛ yₜ k(x_{r(s)}, x_{r(t)})`: each variable `t` has a sign `yₜ = ±1` and a
//! training row `r(t)` (regression has two variables per row). The ν formulations add
//! a second equality constraint, which splits the variables by sign (`nu_variant`).
//!
//! Method, from Fan, Chen & Lin (JMLR 2005) and Chang & Lin's LIBSVM paper:
//! - each iteration changes two variables `i, j` along the feasible direction;
//! - `i` maximizes `−yₜ∇fₜ` over `I_up`, `j` minimizes the second-order estimate
//!   `−b²/a` of the objective decrease over `I_low` (second-order working set);
//! - stop when `m(α) − M(α) < tolerance` (the maximal KKT violation);
//! - shrinking drops bounded variables unlikely to move from the active set, and the
//!   full gradient is rebuilt before the final check.
//!
//! It knows nothing of labels, classes or models: see `train` for the formulations.
//!
//! The pieces: the problem and solution types (`problem`); where each variable sits in
//! its box (`bounds`); the solver's state and start (`state`); passes split across
//! threads (`sweep`); working-set selection (`working_set`); the two-variable step
//! (`pair_update`); shrinking (`shrinking`) and gradient reconstruction
//! (`reconstruction`). This file holds the main loop and reads the solution off.

mod bounds;
mod pair_update;
mod problem;
mod reconstruction;
mod shrinking;
mod state;
mod sweep;
mod working_set;

pub(crate) use problem::{DualProblem, DualSolution, SolverSettings};

use crate::control::{FitControl, Stopped};
use bounds::{side_of, Bound};
use state::Solver;

/// How often, in iterations, progress is reported.
const PROGRESS_INTERVAL: u64 = 1000;

/// Solves the dual problem, or stops when the control's stop flag is raised.
pub(crate) fn solve(
    problem: DualProblem,
    settings: SolverSettings,
    control: &FitControl,
) -> Result<DualSolution, Stopped> {
    let mut solver = Solver::new(problem, settings, control)?;
    let (iterations, converged) = solver.run(control)?;
    let (rho, r) = if solver.settings.nu_variant {
        solver.offsets_nu()
    } else {
        (solver.offset(), 0.0)
    };
    let objective = solver
        .alpha
        .iter()
        .zip(solver.gradient.iter().zip(&solver.linear))
        .map(|(a, (g, p))| a * (g + p))
        .sum::<f64>()
        / 2.0;
    let mut alpha = vec![0.0; solver.alpha.len()];
    for (position, &variable) in solver.original.iter().enumerate() {
        alpha[variable] = solver.alpha[position];
    }
    Ok(DualSolution {
        alpha,
        rho,
        r,
        objective,
        iterations,
        converged,
    })
}

impl<'a> Solver<'a> {
    /// The main SMO loop; returns the iteration count and whether it converged.
    fn run(&mut self, control: &FitControl) -> Result<(u64, bool), Stopped> {
        let variables = self.alpha.len();
        let shrink_interval = variables.min(1000) as u64;
        let mut countdown = shrink_interval + 1;
        let mut iterations = 0u64;
        loop {
            if iterations >= self.settings.max_iterations {
                self.reconstruct_gradient(control)?;
                self.activate_all();
                return Ok((iterations, false));
            }
            control.check()?;
            if self.settings.shrinking {
                countdown -= 1;
                if countdown == 0 {
                    countdown = shrink_interval;
                    self.shrink(control)?;
                }
            }
            let pair = match self.select_working_set() {
                Some(pair) => pair,
                None => {
                    if self.active_size == variables {
                        return Ok((iterations, true));
                    }
                    // Optimal on the active set: check again on every variable.
                    self.reconstruct_gradient(control)?;
                    self.activate_all();
                    match self.select_working_set() {
                        Some(pair) => {
                            countdown = 1;
                            pair
                        }
                        None => return Ok((iterations, true)),
                    }
                }
            };
            iterations += 1;
            self.update_pair(pair.0, pair.1);
            if iterations.is_multiple_of(PROGRESS_INTERVAL) {
                control.report_iterations(PROGRESS_INTERVAL);
            }
        }
    }

    /// ρ from the KKT conditions: the mean of `yₜ∇fₜ` over free variables, or the
    /// middle of the interval the bounded ones allow.
    fn offset(&self) -> f64 {
        let mut upper_limit = f64::INFINITY;
        let mut lower_limit = f64::NEG_INFINITY;
        let mut free_sum = 0.0;
        let mut free_count = 0usize;
        for t in 0..self.alpha.len() {
            let value = self.sign[t] * self.gradient[t];
            match (self.bound[t], self.sign[t] > 0.0) {
                (Bound::Free, _) => {
                    free_sum += value;
                    free_count += 1;
                }
                (Bound::Upper, false) | (Bound::Lower, true) => {
                    upper_limit = upper_limit.min(value)
                }
                (Bound::Upper, true) | (Bound::Lower, false) => {
                    lower_limit = lower_limit.max(value)
                }
            }
        }
        if free_count > 0 {
            free_sum / free_count as f64
        } else {
            (upper_limit + lower_limit) / 2.0
        }
    }

    /// The ν solver's two offsets, one per sign, combined into (ρ, r).
    fn offsets_nu(&self) -> (f64, f64) {
        let mut upper_limit = [f64::INFINITY; 2];
        let mut lower_limit = [f64::NEG_INFINITY; 2];
        let mut free_sum = [0.0; 2];
        let mut free_count = [0usize; 2];
        for t in 0..self.alpha.len() {
            let side = side_of(self.sign[t]);
            let value = self.gradient[t];
            match self.bound[t] {
                Bound::Free => {
                    free_sum[side] += value;
                    free_count[side] += 1;
                }
                Bound::Lower => upper_limit[side] = upper_limit[side].min(value),
                Bound::Upper => lower_limit[side] = lower_limit[side].max(value),
            }
        }
        let offset = |side: usize| {
            if free_count[side] > 0 {
                free_sum[side] / free_count[side] as f64
            } else {
                (upper_limit[side] + lower_limit[side]) / 2.0
            }
        };
        let (positive, negative) = (offset(0), offset(1));
        ((positive - negative) / 2.0, (positive + negative) / 2.0)
    }
}
