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

use crate::cache::KernelCache;
use crate::control::{FitControl, Stopped};
use crate::kernel::KernelMatrix;
use rayon::prelude::*;

/// The curvature used when `a ≤ 0` (non-positive-definite kernels such as sigmoid).
const TAU: f64 = 1e-12;
/// How often, in iterations, progress is reported.
const PROGRESS_INTERVAL: u64 = 1000;

/// A dual problem, ready to solve.
pub(crate) struct DualProblem<'a> {
    pub kernel: &'a KernelMatrix<'a>,
    /// The training row of each variable.
    pub row_of: Vec<usize>,
    /// yₜ = ±1.
    pub sign: Vec<f64>,
    /// The linear term p.
    pub linear: Vec<f64>,
    /// The upper bound Cₜ.
    pub upper: Vec<f64>,
    /// A feasible starting point.
    pub alpha: Vec<f64>,
}

pub(crate) struct SolverSettings {
    pub tolerance: f64,
    pub shrinking: bool,
    pub cache_bytes: usize,
    pub max_iterations: u64,
    /// Use the ν solver (two equality constraints, one per sign).
    pub nu_variant: bool,
}

pub(crate) struct DualSolution {
    pub alpha: Vec<f64>,
    pub rho: f64,
    /// The ν solver's second offset (ε of ν-SVR is −r; ν-SVC scales by r).
    pub r: f64,
    pub objective: f64,
    pub iterations: u64,
    pub converged: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Bound {
    Lower,
    Upper,
    Free,
}

struct Solver<'a> {
    kernel: &'a KernelMatrix<'a>,
    cache: KernelCache,
    row_of: Vec<usize>,
    sign: Vec<f64>,
    linear: Vec<f64>,
    upper: Vec<f64>,
    alpha: Vec<f64>,
    bound: Vec<Bound>,
    /// ∇f(α) = Qα + p, kept exact on the active set.
    gradient: Vec<f64>,
    /// Σ over variables at their upper bound of Cₛ Qₜₛ: the part of the gradient that
    /// lets an inactive variable's gradient be rebuilt from the free variables alone.
    gradient_bar: Vec<f64>,
    /// k(x_{r(t)}, x_{r(t)}).
    diagonal: Vec<f64>,
    /// Active variables, in increasing order.
    active: Vec<usize>,
    /// Training rows the active variables use: the columns a kernel row needs.
    active_rows: Vec<usize>,
    /// Bumped whenever the active set grows, which invalidates partial cached rows.
    epoch: u64,
    unshrunk: bool,
    settings: SolverSettings,
}

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
    Ok(DualSolution {
        alpha: solver.alpha,
        rho,
        r,
        objective,
        iterations,
        converged,
    })
}

impl<'a> Solver<'a> {
    fn new(
        problem: DualProblem<'a>,
        settings: SolverSettings,
        control: &FitControl,
    ) -> Result<Solver<'a>, Stopped> {
        let variables = problem.alpha.len();
        let rows = problem.kernel.len();
        let bound = (0..variables)
            .map(|t| bound_of(problem.alpha[t], problem.upper[t]))
            .collect();
        let diagonal = problem
            .row_of
            .iter()
            .map(|&row| problem.kernel.value(row, row))
            .collect();
        let mut solver = Solver {
            kernel: problem.kernel,
            cache: KernelCache::new(rows, settings.cache_bytes),
            active: (0..variables).collect(),
            active_rows: (0..rows).collect(),
            gradient: problem.linear.clone(),
            gradient_bar: vec![0.0; variables],
            row_of: problem.row_of,
            sign: problem.sign,
            linear: problem.linear,
            upper: problem.upper,
            alpha: problem.alpha,
            bound,
            diagonal,
            epoch: 0,
            unshrunk: false,
            settings,
        };
        solver.initialize_gradient(control)?;
        Ok(solver)
    }

    /// ∇f(α) = Qα + p and the upper-bound part, from the non-zero starting α.
    fn initialize_gradient(&mut self, control: &FitControl) -> Result<(), Stopped> {
        for s in 0..self.alpha.len() {
            if self.bound[s] == Bound::Lower {
                continue;
            }
            control.check()?;
            let row = self.row_of[s];
            self.cache.ensure(self.kernel, row, None, self.epoch);
            let values = self.cache.row(row);
            let weight = self.alpha[s] * self.sign[s];
            for t in 0..self.gradient.len() {
                self.gradient[t] += weight * self.sign[t] * values[self.row_of[t]] as f64;
            }
            if self.bound[s] == Bound::Upper {
                let weight = self.upper[s] * self.sign[s];
                for t in 0..self.gradient_bar.len() {
                    self.gradient_bar[t] += weight * self.sign[t] * values[self.row_of[t]] as f64;
                }
            }
        }
        Ok(())
    }

    /// The main SMO loop; returns the iteration count and whether it converged.
    fn run(&mut self, control: &FitControl) -> Result<(u64, bool), Stopped> {
        let variables = self.alpha.len();
        let shrink_interval = variables.min(1000) as u64;
        let mut countdown = shrink_interval + 1;
        let mut iterations = 0u64;
        loop {
            if iterations >= self.settings.max_iterations {
                if self.active.len() < variables {
                    self.reconstruct_gradient(control)?;
                    self.activate_all();
                }
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
                    if self.active.len() == variables {
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
            if iterations % PROGRESS_INTERVAL == 0 {
                control.report_iterations(PROGRESS_INTERVAL);
            }
        }
    }

    /// The most violating pair, or `None` when the KKT conditions hold within the
    /// tolerance.
    fn select_working_set(&mut self) -> Option<(usize, usize)> {
        if self.settings.nu_variant {
            self.select_working_set_nu()
        } else {
            self.select_working_set_standard()
        }
    }

    /// In `I_up`: α can move in the direction that increases `yₜαₜ`.
    #[inline]
    fn in_up(&self, t: usize) -> bool {
        if self.sign[t] > 0.0 {
            self.bound[t] != Bound::Upper
        } else {
            self.bound[t] != Bound::Lower
        }
    }

    /// In `I_low`: α can move in the direction that decreases `yₜαₜ`.
    #[inline]
    fn in_low(&self, t: usize) -> bool {
        if self.sign[t] > 0.0 {
            self.bound[t] != Bound::Lower
        } else {
            self.bound[t] != Bound::Upper
        }
    }

    fn select_working_set_standard(&mut self) -> Option<(usize, usize)> {
        // i = argmax over I_up of −yₜ∇fₜ; ties go to the later variable.
        let mut maximum_up = f64::NEG_INFINITY;
        let mut chosen_i = None;
        for &t in &self.active {
            if self.in_up(t) {
                let score = -self.sign[t] * self.gradient[t];
                if score >= maximum_up {
                    maximum_up = score;
                    chosen_i = Some(t);
                }
            }
        }
        let i = chosen_i?;
        let row_i = self.row_of[i];
        self.cache
            .ensure(self.kernel, row_i, Some(&self.active_rows), self.epoch);
        let kernel_i = self.cache.row(row_i);
        // j minimizes −b²/a over I_low with b = m(α) − (−yⱼ∇fⱼ) > 0 and
        // a = Kᵢᵢ + Kⱼⱼ − 2Kᵢⱼ; max_low tracks −M(α) for the stopping test.
        let mut max_low = f64::NEG_INFINITY;
        let mut best_decrease = f64::INFINITY;
        let mut chosen_j = None;
        for &t in &self.active {
            if !self.in_low(t) {
                continue;
            }
            let score = self.sign[t] * self.gradient[t];
            max_low = max_low.max(score);
            let b = maximum_up + score;
            if b > 0.0 {
                let k_it = kernel_i[self.row_of[t]] as f64;
                let a = self.diagonal[i] + self.diagonal[t] - 2.0 * k_it;
                let decrease = -(b * b) / if a > 0.0 { a } else { TAU };
                if decrease <= best_decrease {
                    best_decrease = decrease;
                    chosen_j = Some(t);
                }
            }
        }
        if maximum_up + max_low < self.settings.tolerance {
            return None;
        }
        chosen_j.map(|j| (i, j))
    }

    /// The ν solver's selection: `i` and `j` share their sign, so both equality
    /// constraints keep holding.
    fn select_working_set_nu(&mut self) -> Option<(usize, usize)> {
        let mut maximum_up = [f64::NEG_INFINITY; 2];
        let mut chosen_i = [None; 2];
        for &t in &self.active {
            if self.in_up(t) {
                let side = side_of(self.sign[t]);
                let score = -self.sign[t] * self.gradient[t];
                if score >= maximum_up[side] {
                    maximum_up[side] = score;
                    chosen_i[side] = Some(t);
                }
            }
        }
        let rows_i = chosen_i.map(|i| i.map(|i| self.row_of[i]));
        for row in rows_i.iter().flatten() {
            self.cache
                .ensure(self.kernel, *row, Some(&self.active_rows), self.epoch);
        }
        let mut max_low = [f64::NEG_INFINITY; 2];
        let mut best_decrease = f64::INFINITY;
        let mut chosen = None;
        for &t in &self.active {
            if !self.in_low(t) {
                continue;
            }
            let side = side_of(self.sign[t]);
            let score = self.sign[t] * self.gradient[t];
            max_low[side] = max_low[side].max(score);
            let (Some(i), Some(row_i)) = (chosen_i[side], rows_i[side]) else {
                continue;
            };
            let b = maximum_up[side] + score;
            if b > 0.0 {
                let k_it = self.cache.row(row_i)[self.row_of[t]] as f64;
                let a = self.diagonal[i] + self.diagonal[t] - 2.0 * k_it;
                let decrease = -(b * b) / if a > 0.0 { a } else { TAU };
                if decrease <= best_decrease {
                    best_decrease = decrease;
                    chosen = Some((i, t));
                }
            }
        }
        let gap = (maximum_up[0] + max_low[0]).max(maximum_up[1] + max_low[1]);
        if gap < self.settings.tolerance {
            return None;
        }
        chosen
    }

    /// Minimizes f along the feasible direction of the pair, clipped to the box, and
    /// updates the gradients.
    fn update_pair(&mut self, i: usize, j: usize) {
        let (row_i, row_j) = (self.row_of[i], self.row_of[j]);
        self.cache
            .ensure(self.kernel, row_i, Some(&self.active_rows), self.epoch);
        self.cache
            .ensure(self.kernel, row_j, Some(&self.active_rows), self.epoch);
        let k_ij = self.cache.row(row_i)[row_j] as f64;
        let curvature = self.diagonal[i] + self.diagonal[j] - 2.0 * k_ij;
        let curvature = if curvature > 0.0 { curvature } else { TAU };
        let (old_i, old_j) = (self.alpha[i], self.alpha[j]);
        let (upper_i, upper_j) = (self.upper[i], self.upper[j]);
        let (new_i, new_j) = if self.sign[i] != self.sign[j] {
            // yᵢαᵢ + yⱼαⱼ constant: both move by the same δ.
            let step = -(self.gradient[i] + self.gradient[j]) / curvature;
            let step = step
                .min(upper_i - old_i)
                .min(upper_j - old_j)
                .max(-old_i)
                .max(-old_j);
            (
                snap(
                    old_i + step,
                    step <= -old_i,
                    step >= upper_i - old_i,
                    upper_i,
                ),
                snap(
                    old_j + step,
                    step <= -old_j,
                    step >= upper_j - old_j,
                    upper_j,
                ),
            )
        } else {
            // αᵢ + αⱼ constant: αᵢ moves by δ, αⱼ by −δ.
            let step = -(self.gradient[i] - self.gradient[j]) / curvature;
            let step = step
                .min(upper_i - old_i)
                .min(old_j)
                .max(-old_i)
                .max(old_j - upper_j);
            (
                snap(
                    old_i + step,
                    step <= -old_i,
                    step >= upper_i - old_i,
                    upper_i,
                ),
                snap(
                    old_j - step,
                    step >= old_j,
                    step <= old_j - upper_j,
                    upper_j,
                ),
            )
        };
        self.alpha[i] = new_i;
        self.alpha[j] = new_j;
        let weight_i = self.sign[i] * (new_i - old_i);
        let weight_j = self.sign[j] * (new_j - old_j);
        {
            let kernel_i = self.cache.row(row_i);
            let kernel_j = self.cache.row(row_j);
            for &t in &self.active {
                let row = self.row_of[t];
                self.gradient[t] += self.sign[t]
                    * (weight_i * kernel_i[row] as f64 + weight_j * kernel_j[row] as f64);
            }
        }
        for variable in [i, j] {
            let was_upper = self.bound[variable] == Bound::Upper;
            self.bound[variable] = bound_of(self.alpha[variable], self.upper[variable]);
            let is_upper = self.bound[variable] == Bound::Upper;
            if was_upper != is_upper {
                self.update_gradient_bar(variable, if is_upper { 1.0 } else { -1.0 });
            }
        }
    }

    /// Adds (`direction` = 1) or removes (−1) variable `s`'s upper-bound contribution
    /// `Cₛ Qₜₛ` to every variable's `gradient_bar`: needs the full kernel row.
    fn update_gradient_bar(&mut self, s: usize, direction: f64) {
        let row = self.row_of[s];
        self.cache.ensure(self.kernel, row, None, self.epoch);
        let values = self.cache.row(row);
        let weight = direction * self.upper[s] * self.sign[s];
        for t in 0..self.gradient_bar.len() {
            self.gradient_bar[t] += weight * self.sign[t] * values[self.row_of[t]] as f64;
        }
    }

    /// Drops from the active set the bounded variables whose gradient says they will
    /// stay at their bound; the first time the gap falls under ten times the
    /// tolerance, first restores every variable (shrinking may have been premature).
    fn shrink(&mut self, control: &FitControl) -> Result<(), Stopped> {
        // For each side (sign), the largest −yₜ∇fₜ over I_up and yₜ∇fₜ over I_low.
        // The standard solver pools both signs.
        let mut maximum_up = [f64::NEG_INFINITY; 2];
        let mut maximum_low = [f64::NEG_INFINITY; 2];
        let nu = self.settings.nu_variant;
        for &t in &self.active {
            let side = if nu { side_of(self.sign[t]) } else { 0 };
            if self.in_up(t) {
                maximum_up[side] = maximum_up[side].max(-self.sign[t] * self.gradient[t]);
            }
            if self.in_low(t) {
                maximum_low[side] = maximum_low[side].max(self.sign[t] * self.gradient[t]);
            }
        }
        let gap = if nu {
            (maximum_up[0] + maximum_low[0]).max(maximum_up[1] + maximum_low[1])
        } else {
            maximum_up[0] + maximum_low[0]
        };
        if !self.unshrunk && gap <= self.settings.tolerance * 10.0 {
            self.unshrunk = true;
            self.reconstruct_gradient(control)?;
            self.activate_all();
        }
        let keep: Vec<usize> = self
            .active
            .iter()
            .copied()
            .filter(|&t| {
                let side = if nu { side_of(self.sign[t]) } else { 0 };
                !self.can_shrink(t, maximum_up[side], maximum_low[side])
            })
            .collect();
        if keep.len() < self.active.len() {
            self.active = keep;
            self.refresh_active_rows();
        }
        Ok(())
    }

    /// A bounded variable is shrunk when it is in only one of `I_up`, `I_low` and its
    /// score lies beyond the extreme of the other set, so no pair can include it.
    fn can_shrink(&self, t: usize, maximum_up: f64, maximum_low: f64) -> bool {
        let score = -self.sign[t] * self.gradient[t];
        match (self.in_up(t), self.in_low(t)) {
            // Only in I_up: useful as i only if its score can reach M(α) = −maximum_low.
            (true, false) => score < -maximum_low,
            // Only in I_low: useful as j only if its score is below m(α) = maximum_up.
            (false, true) => score > maximum_up,
            _ => false,
        }
    }

    fn activate_all(&mut self) {
        if self.active.len() < self.alpha.len() {
            self.active = (0..self.alpha.len()).collect();
            self.refresh_active_rows();
            self.epoch += 1;
        }
    }

    fn refresh_active_rows(&mut self) {
        let rows = self.kernel.len();
        if self.active.len() == self.alpha.len() {
            self.active_rows = (0..rows).collect();
            return;
        }
        let mut used = vec![false; rows];
        for &t in &self.active {
            used[self.row_of[t]] = true;
        }
        self.active_rows = (0..rows).filter(|&row| used[row]).collect();
    }

    /// Rebuilds the gradient of inactive variables:
    /// `∇fₜ = gradient_barₜ + pₜ + Σ_{s free} αₛ Qₜₛ`.
    fn reconstruct_gradient(&mut self, control: &FitControl) -> Result<(), Stopped> {
        let variables = self.alpha.len();
        if self.active.len() == variables {
            return Ok(());
        }
        let mut is_active = vec![false; variables];
        for &t in &self.active {
            is_active[t] = true;
        }
        let inactive: Vec<usize> = (0..variables).filter(|&t| !is_active[t]).collect();
        let free: Vec<usize> = (0..variables)
            .filter(|&s| self.bound[s] == Bound::Free)
            .collect();
        let free_rows: Vec<usize> = free.iter().map(|&s| self.row_of[s]).collect();
        let free_weights: Vec<f64> = free.iter().map(|&s| self.alpha[s] * self.sign[s]).collect();
        let kernel = self.kernel;
        let row_of = &self.row_of;
        // Kernel values are rounded to f32 like every cached value, so that rebuilt and
        // updated gradients agree.
        let rebuilt: Vec<Option<f64>> = inactive
            .par_iter()
            .with_min_len(16)
            .map_init(
                || vec![0f32; free_rows.len()],
                |values, &t| {
                    if control.is_stopped() {
                        return None;
                    }
                    kernel.fill_values(row_of[t], &free_rows, values);
                    Some(
                        free_weights
                            .iter()
                            .zip(values.iter())
                            .map(|(weight, &value)| weight * value as f64)
                            .sum(),
                    )
                },
            )
            .collect();
        control.check()?;
        for (&t, sum) in inactive.iter().zip(rebuilt) {
            let sum = sum.ok_or(Stopped)?;
            self.gradient[t] = self.gradient_bar[t] + self.linear[t] + self.sign[t] * sum;
        }
        Ok(())
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

/// Index 0 for y = +1, 1 for y = −1.
#[inline]
fn side_of(sign: f64) -> usize {
    usize::from(sign < 0.0)
}

fn bound_of(alpha: f64, upper: f64) -> Bound {
    if alpha >= upper {
        Bound::Upper
    } else if alpha <= 0.0 {
        Bound::Lower
    } else {
        Bound::Free
    }
}

/// Sets a clipped variable exactly on the bound it hit, so rounding cannot leave it a
/// hair inside the box.
#[inline]
fn snap(value: f64, hit_lower: bool, hit_upper: bool, upper: f64) -> f64 {
    if hit_lower {
        0.0
    } else if hit_upper {
        upper
    } else {
        value
    }
}
