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
use crate::kernel::{ColumnSet, KernelMatrix};
use crate::passes::{self, Candidate, SecondChoice, Variables};
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

/// Passes over at least this many variables are split across the rayon pool.
const PARALLEL_VARIABLES: usize = 8192;
/// Variables per parallel piece of a pass. Fixed (not per thread) so that results do
/// not depend on the number of threads.
const PIECE: usize = 4096;

/// The solver's state. Variables live at *positions*: the active ones first
/// (`0..active_size`), so that every pass over the active set is a contiguous sweep
/// that splits across threads; `original[p]` is the variable at position `p`.
struct Solver<'a> {
    kernel: &'a KernelMatrix<'a>,
    cache: KernelCache,
    original: Vec<usize>,
    row_of: Vec<usize>,
    sign: Vec<f64>,
    linear: Vec<f64>,
    upper: Vec<f64>,
    alpha: Vec<f64>,
    bound: Vec<Bound>,
    /// 0 for a variable in `I_up` (`I_low`), −∞ otherwise: membership as the
    /// vectorized passes read it.
    up_penalty: Vec<f64>,
    low_penalty: Vec<f64>,
    /// ∇f(α) = Qα + p, kept exact on the active set.
    gradient: Vec<f64>,
    /// Σ over variables at their upper bound of Cₛ Qₜₛ: the part of the gradient that
    /// lets an inactive variable's gradient be rebuilt from the free variables alone.
    gradient_bar: Vec<f64>,
    /// Changes to `gradient_bar` not yet applied, as a weight per training row: the
    /// sum of ±Cₛyₛ of the variables of that row that reached or left their upper bound.
    /// Only gradient reconstruction reads `gradient_bar`, so the changes are applied
    /// then, in one batch, and those that cancel out cost nothing.
    pending_bar: Vec<f64>,
    /// k(x_{r(t)}, x_{r(t)}).
    diagonal: Vec<f64>,
    active_size: usize,
    /// Training rows the active variables use: the columns a kernel row needs.
    active_rows: ColumnSet,
    /// Bumped whenever the active set grows, which invalidates partial cached rows.
    epoch: u64,
    unshrunk: bool,
    /// `select_first`'s answer, computed in the same pass as the last gradient update;
    /// `None` once the active set changed since.
    next_first: Option<[Candidate; 2]>,
    settings: SolverSettings,
}

/// Runs `pass` over `0..length` in pieces, in parallel when long, and combines the
/// pieces' results in order.
fn sweep<T: Send>(
    length: usize,
    pass: impl Fn(std::ops::Range<usize>) -> T + Sync,
    combine: impl Fn(T, T) -> T + Sync + Send,
) -> T {
    if length < PARALLEL_VARIABLES {
        return pass(0..length);
    }
    let pieces = length.div_ceil(PIECE);
    (0..pieces)
        .into_par_iter()
        .map(|piece| pass(piece * PIECE..((piece + 1) * PIECE).min(length)))
        .reduce_with(&combine)
        .expect("at least one piece")
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
    fn new(
        problem: DualProblem<'a>,
        settings: SolverSettings,
        control: &FitControl,
    ) -> Result<Solver<'a>, Stopped> {
        let variables = problem.alpha.len();
        let rows = problem.kernel.len();
        let bound: Vec<Bound> = (0..variables)
            .map(|t| bound_of(problem.alpha[t], problem.upper[t]))
            .collect();
        let (up_penalty, low_penalty) = (0..variables)
            .map(|t| penalties(problem.sign[t], bound[t]))
            .unzip();
        let diagonal = problem
            .row_of
            .iter()
            .map(|&row| problem.kernel.value(row, row))
            .collect();
        let mut solver = Solver {
            kernel: problem.kernel,
            cache: KernelCache::new(rows, settings.cache_bytes),
            original: (0..variables).collect(),
            active_size: variables,
            active_rows: problem.kernel.column_set((0..rows).collect()),
            gradient: problem.linear.clone(),
            gradient_bar: vec![0.0; variables],
            pending_bar: vec![0.0; rows],
            row_of: problem.row_of,
            sign: problem.sign,
            linear: problem.linear,
            upper: problem.upper,
            alpha: problem.alpha,
            bound,
            up_penalty,
            low_penalty,
            diagonal,
            epoch: 0,
            unshrunk: false,
            next_first: None,
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

    /// The most violating pair of positions, or `None` when the KKT conditions hold
    /// within the tolerance.
    fn select_working_set(&mut self) -> Option<(usize, usize)> {
        if self.settings.nu_variant {
            self.select_working_set_nu()
        } else {
            self.select_working_set_standard()
        }
    }

    fn ensure_active_row(&mut self, position: usize) {
        let row = self.row_of[position];
        self.cache
            .ensure(self.kernel, row, Some(&self.active_rows), self.epoch);
    }

    /// The best `i` over `I_up` for each side (one side for the standard solver):
    /// the largest `−yₜ∇fₜ`.
    fn select_first<const SIDES: usize>(&self) -> [Candidate; 2] {
        let (sign, bound, gradient) = (&self.sign, &self.bound, &self.gradient);
        sweep(
            self.active_size,
            |range| {
                let mut best = [Candidate::NONE; 2];
                for t in range {
                    if in_up(sign[t], bound[t]) {
                        let side = if SIDES == 2 { side_of(sign[t]) } else { 0 };
                        best[side].offer(-sign[t] * gradient[t], t);
                    }
                }
                best
            },
            |left, right| [left[0].later_wins(right[0]), left[1].later_wins(right[1])],
        )
    }

    /// The standard solver's second choice for the first choice `first` at position
    /// `i`, and −M(α) (see `passes::select_second`).
    fn select_second_standard(&self, first: Candidate, i: usize) -> (Candidate, f64) {
        let active = self.active_size;
        let choice = SecondChoice {
            first_score: first.score,
            first_diagonal: self.diagonal[i],
            kernel_first: self.cache.row(self.row_of[i]),
            gradient: &self.gradient[..active],
            diagonal: &self.diagonal[..active],
            tau: TAU,
        };
        let variables = Variables {
            start: 0,
            row_of: &self.row_of[..active],
            sign: &self.sign[..active],
            penalty: &self.low_penalty[..active],
        };
        sweep(
            active,
            |range| {
                let piece = SecondChoice {
                    gradient: &choice.gradient[range.clone()],
                    diagonal: &choice.diagonal[range.clone()],
                    ..choice
                };
                passes::select_second(&piece, variables.slice(range))
            },
            |left, right| (left.0.later_wins(right.0), left.1.max(right.1)),
        )
    }

    /// The ν solver's best `j` over `I_low` for the chosen `i` of each side
    /// (second-order selection), and the largest `yₜ∇fₜ` over `I_low` of each side.
    fn select_second_nu(&self, first: &[Candidate; 2]) -> (Candidate, [f64; 2]) {
        let (sign, bound, gradient) = (&self.sign, &self.bound, &self.gradient);
        let (row_of, diagonal) = (&self.row_of, &self.diagonal);
        let kernel_rows = first.map(|candidate| {
            candidate
                .position
                .map(|i| (i, self.cache.row(self.row_of[i])))
        });
        sweep(
            self.active_size,
            |range| {
                let mut best = Candidate::NONE;
                let mut max_low = [f64::NEG_INFINITY; 2];
                for t in range {
                    if !in_low(sign[t], bound[t]) {
                        continue;
                    }
                    let side = side_of(sign[t]);
                    let score = sign[t] * gradient[t];
                    max_low[side] = max_low[side].max(score);
                    let Some((i, kernel_i)) = kernel_rows[side] else {
                        continue;
                    };
                    // b = m(α) − (−yₜ∇fₜ) > 0, a = Kᵢᵢ + Kₜₜ − 2Kᵢₜ; the pair decreases f
                    // by about b²/a.
                    let b = first[side].score + score;
                    if b > 0.0 {
                        let a = diagonal[i] + diagonal[t] - 2.0 * kernel_i[row_of[t]] as f64;
                        best.offer((b * b) / if a > 0.0 { a } else { TAU }, t);
                    }
                }
                (best, max_low)
            },
            |left, right| {
                (
                    left.0.later_wins(right.0),
                    [left.1[0].max(right.1[0]), left.1[1].max(right.1[1])],
                )
            },
        )
    }

    fn select_working_set_standard(&mut self) -> Option<(usize, usize)> {
        let first = match self.next_first.take() {
            Some(first) => first,
            None => self.select_first::<1>(),
        };
        let i = first[0].position?;
        self.ensure_active_row(i);
        let (second, max_low) = self.select_second_standard(first[0], i);
        if first[0].score + max_low < self.settings.tolerance {
            return None;
        }
        second.position.map(|j| (i, j))
    }

    /// The ν solver's selection: `i` and `j` share their sign, so both equality
    /// constraints keep holding.
    fn select_working_set_nu(&mut self) -> Option<(usize, usize)> {
        let first = match self.next_first.take() {
            Some(first) => first,
            None => self.select_first::<2>(),
        };
        for candidate in &first {
            if let Some(i) = candidate.position {
                self.ensure_active_row(i);
            }
        }
        // Both rows must still be cached: the cache keeps at least its two most
        // recent rows.
        let (second, max_low) = self.select_second_nu(&first);
        let gap = (first[0].score + max_low[0]).max(first[1].score + max_low[1]);
        if gap < self.settings.tolerance {
            return None;
        }
        let j = second.position?;
        let i = first[side_of(self.sign[j])].position?;
        Some((i, j))
    }

    /// Minimizes f along the feasible direction of the pair, clipped to the box, and
    /// updates the gradients.
    fn update_pair(&mut self, i: usize, j: usize) {
        let (row_i, row_j) = (self.row_of[i], self.row_of[j]);
        self.ensure_active_row(i);
        self.ensure_active_row(j);
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
        for position in [i, j] {
            let was_upper = self.bound[position] == Bound::Upper;
            self.bound[position] = bound_of(self.alpha[position], self.upper[position]);
            (self.up_penalty[position], self.low_penalty[position]) =
                penalties(self.sign[position], self.bound[position]);
            let is_upper = self.bound[position] == Bound::Upper;
            if was_upper != is_upper {
                self.update_gradient_bar(position, if is_upper { 1.0 } else { -1.0 });
            }
        }
        let weight_i = self.sign[i] * (new_i - old_i);
        let weight_j = self.sign[j] * (new_j - old_j);
        let rows = [
            (weight_i, self.cache.row(row_i)),
            (weight_j, self.cache.row(row_j)),
        ];
        let active = self.active_size;
        let (gradient, row_of) = (&mut self.gradient[..active], &self.row_of[..active]);
        let (sign, bound) = (&self.sign[..active], &self.bound[..active]);
        // The next selection's first pass rides along with the update.
        self.next_first = Some(if self.settings.nu_variant {
            add_rows_selecting_nu(gradient, row_of, sign, bound, rows)
        } else {
            let variables = Variables {
                start: 0,
                row_of,
                sign,
                penalty: &self.up_penalty[..active],
            };
            [
                add_rows_selecting(gradient, variables, rows),
                Candidate::NONE,
            ]
        });
    }

    /// Records that the variable at `position` reached (`direction` = 1) or left (−1)
    /// its upper bound: its contribution `Cₛ Qₜₛ` to every `gradient_barₜ` changes.
    fn update_gradient_bar(&mut self, position: usize, direction: f64) {
        self.pending_bar[self.row_of[position]] +=
            direction * self.upper[position] * self.sign[position];
    }

    /// Applies the pending changes to every variable's `gradient_bar`.
    fn apply_pending_bar(&mut self, control: &FitControl) -> Result<(), Stopped> {
        let (rows, weights): (Vec<usize>, Vec<f64>) = self
            .pending_bar
            .iter()
            .enumerate()
            .filter(|(_, &weight)| weight != 0.0)
            .map(|(row, &weight)| (row, weight))
            .unzip();
        if rows.is_empty() {
            return Ok(());
        }
        let all_rows: Vec<usize> = (0..self.kernel.len()).collect();
        let changes = kernel_sums(self.kernel, &all_rows, &rows, &weights, control)?;
        for ((value, &row), sign) in self
            .gradient_bar
            .iter_mut()
            .zip(&self.row_of)
            .zip(&self.sign)
        {
            *value += sign * changes[row];
        }
        self.pending_bar.fill(0.0);
        Ok(())
    }

    /// Drops from the active set the bounded variables whose gradient says they will
    /// stay at their bound; the first time the gap falls under ten times the
    /// tolerance, first restores every variable (shrinking may have been premature).
    fn shrink(&mut self, control: &FitControl) -> Result<(), Stopped> {
        self.next_first = None;
        let nu = self.settings.nu_variant;
        // For each side, the largest −yₜ∇fₜ over I_up and yₜ∇fₜ over I_low.
        let first = if nu {
            self.select_first::<2>()
        } else {
            self.select_first::<1>()
        };
        let maximum_up = [first[0].score, first[1].score];
        let (sign, bound, gradient) = (&self.sign, &self.bound, &self.gradient);
        let maximum_low = sweep(
            self.active_size,
            |range| {
                let mut maximum = [f64::NEG_INFINITY; 2];
                for t in range {
                    if in_low(sign[t], bound[t]) {
                        let side = if nu { side_of(sign[t]) } else { 0 };
                        maximum[side] = maximum[side].max(sign[t] * gradient[t]);
                    }
                }
                maximum
            },
            |left, right| [left[0].max(right[0]), left[1].max(right[1])],
        );
        let gap = (maximum_up[0] + maximum_low[0]).max(if nu {
            maximum_up[1] + maximum_low[1]
        } else {
            f64::NEG_INFINITY
        });
        if !self.unshrunk && gap <= self.settings.tolerance * 10.0 {
            self.unshrunk = true;
            self.reconstruct_gradient(control)?;
            self.activate_all();
        }
        let before = self.active_size;
        let mut position = 0;
        while position < self.active_size {
            let side = if nu { side_of(self.sign[position]) } else { 0 };
            if self.can_shrink(position, maximum_up[side], maximum_low[side]) {
                self.active_size -= 1;
                self.swap_positions(position, self.active_size);
            } else {
                position += 1;
            }
        }
        if self.active_size < before {
            self.sort_active_by_row();
            self.refresh_active_rows();
        }
        Ok(())
    }

    /// Puts the active positions back in training-row order, which swaps scrambled:
    /// then every pass reads kernel rows front to back, as the memory prefetcher likes.
    fn sort_active_by_row(&mut self) {
        let active = self.active_size;
        let mut order: Vec<usize> = (0..active).collect();
        order.sort_unstable_by_key(|&p| (self.row_of[p], self.original[p]));
        fn permute<T: Copy>(values: &mut [T], order: &[usize]) {
            let reordered: Vec<T> = order.iter().map(|&p| values[p]).collect();
            values[..order.len()].copy_from_slice(&reordered);
        }
        permute(&mut self.original, &order);
        permute(&mut self.row_of, &order);
        permute(&mut self.sign, &order);
        permute(&mut self.linear, &order);
        permute(&mut self.upper, &order);
        permute(&mut self.alpha, &order);
        permute(&mut self.bound, &order);
        permute(&mut self.up_penalty, &order);
        permute(&mut self.low_penalty, &order);
        permute(&mut self.gradient, &order);
        permute(&mut self.gradient_bar, &order);
        permute(&mut self.diagonal, &order);
    }

    /// A bounded variable is shrunk when it is in only one of `I_up`, `I_low` and its
    /// score lies beyond the extreme of the other set, so no pair can include it.
    fn can_shrink(&self, t: usize, maximum_up: f64, maximum_low: f64) -> bool {
        let score = -self.sign[t] * self.gradient[t];
        match (
            in_up(self.sign[t], self.bound[t]),
            in_low(self.sign[t], self.bound[t]),
        ) {
            // Only in I_up: useful as i only if its score can reach M(α) = −maximum_low.
            (true, false) => score < -maximum_low,
            // Only in I_low: useful as j only if its score is below m(α) = maximum_up.
            (false, true) => score > maximum_up,
            _ => false,
        }
    }

    fn swap_positions(&mut self, a: usize, b: usize) {
        self.original.swap(a, b);
        self.row_of.swap(a, b);
        self.sign.swap(a, b);
        self.linear.swap(a, b);
        self.upper.swap(a, b);
        self.alpha.swap(a, b);
        self.bound.swap(a, b);
        self.up_penalty.swap(a, b);
        self.low_penalty.swap(a, b);
        self.gradient.swap(a, b);
        self.gradient_bar.swap(a, b);
        self.diagonal.swap(a, b);
    }

    fn activate_all(&mut self) {
        self.next_first = None;
        if self.active_size < self.alpha.len() {
            self.active_size = self.alpha.len();
            self.sort_active_by_row();
            self.refresh_active_rows();
            self.epoch += 1;
        }
    }

    fn refresh_active_rows(&mut self) {
        let rows = self.kernel.len();
        if self.active_size == self.alpha.len() {
            self.active_rows = self.kernel.column_set((0..rows).collect());
            return;
        }
        let mut used = vec![false; rows];
        for &row in &self.row_of[..self.active_size] {
            used[row] = true;
        }
        self.active_rows = self
            .kernel
            .column_set((0..rows).filter(|&row| used[row]).collect());
    }

    /// Rebuilds the gradient of inactive variables:
    /// `∇fₜ = gradient_barₜ + pₜ + Σ_{s free} αₛ Qₜₛ`.
    fn reconstruct_gradient(&mut self, control: &FitControl) -> Result<(), Stopped> {
        let variables = self.alpha.len();
        if self.active_size == variables {
            return Ok(());
        }
        let free: Vec<usize> = (0..variables)
            .filter(|&s| self.bound[s] == Bound::Free)
            .collect();
        let free_rows: Vec<usize> = free.iter().map(|&s| self.row_of[s]).collect();
        let free_weights: Vec<f64> = free.iter().map(|&s| self.alpha[s] * self.sign[s]).collect();
        self.apply_pending_bar(control)?;
        // Regression has two variables per row: compute each row's sum once.
        let inactive = self.active_size;
        let mut slot_of_row = vec![usize::MAX; self.kernel.len()];
        let mut targets = Vec::new();
        for &row in &self.row_of[inactive..] {
            if slot_of_row[row] == usize::MAX {
                slot_of_row[row] = targets.len();
                targets.push(row);
            }
        }
        let sums = kernel_sums(self.kernel, &targets, &free_rows, &free_weights, control)?;
        for t in inactive..variables {
            let sum = sums[slot_of_row[self.row_of[t]]];
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

/// Target rows whose sums are computed together, so that each block of kernel
/// columns is read once for all of them.
const TARGET_GROUP: usize = 16;

/// For each training row `r` of `targets`: `Σₖ weightsₖ · k(x_{rowsₖ}, x_r)`, with
/// kernel values rounded to f32 like every cached value (so that rebuilt and updated
/// gradients agree). In parallel; stops early when the stop flag is raised.
fn kernel_sums(
    kernel: &KernelMatrix,
    targets: &[usize],
    rows: &[usize],
    weights: &[f64],
    control: &FitControl,
) -> Result<Vec<f64>, Stopped> {
    if kernel.prefers_full_row(rows.len()) {
        let mut dense = vec![0.0; kernel.len()];
        for (&row, &weight) in rows.iter().zip(weights) {
            dense[row] += weight;
        }
        let mut sums = vec![0.0; targets.len()];
        sums.par_chunks_mut(TARGET_GROUP)
            .zip(targets.par_chunks(TARGET_GROUP))
            .for_each(|(sums, targets)| {
                if !control.is_stopped() {
                    kernel.dense_weighted_sums(targets, &dense, sums);
                }
            });
        control.check()?;
        return Ok(sums);
    }
    let sums: Vec<Option<f64>> = targets
        .par_iter()
        .with_min_len(16)
        .map_init(
            || vec![0f32; rows.len()],
            |values, &target| {
                if control.is_stopped() {
                    return None;
                }
                kernel.fill_values(target, rows, values);
                Some(
                    weights
                        .iter()
                        .zip(values.iter())
                        .map(|(weight, &value)| weight * value as f64)
                        .sum(),
                )
            },
        )
        .collect();
    control.check()?;
    sums.into_iter().map(|sum| sum.ok_or(Stopped)).collect()
}

/// `gradient[t] += signₜ · Σ weight · row[row_of[t]]` over the two weighted kernel
/// rows, in parallel pieces when long; in the same pass, what `select_first` would
/// answer on the updated gradient (one pass over memory instead of two).
fn add_rows_selecting(
    gradient: &mut [f64],
    variables: Variables,
    rows: [(f64, &[f32]); 2],
) -> Candidate {
    if gradient.len() < PARALLEL_VARIABLES {
        return passes::update_gradient(gradient, variables, rows);
    }
    gradient
        .par_chunks_mut(PIECE)
        .enumerate()
        .map(|(piece, gradient)| {
            let start = piece * PIECE;
            passes::update_gradient(
                gradient,
                variables.slice(start..start + gradient.len()),
                rows,
            )
        })
        .reduce_with(Candidate::later_wins)
        .expect("at least one piece")
}

/// `add_rows_selecting` for the ν solver: the first choice of each side.
fn add_rows_selecting_nu(
    gradient: &mut [f64],
    row_of: &[usize],
    sign: &[f64],
    bound: &[Bound],
    rows: [(f64, &[f32]); 2],
) -> [Candidate; 2] {
    let [(weight_a, row_a), (weight_b, row_b)] = rows;
    let pass =
        |start: usize, gradient: &mut [f64], row_of: &[usize], sign: &[f64], bound: &[Bound]| {
            let mut best = [Candidate::NONE; 2];
            let variables = gradient.iter_mut().zip(row_of).zip(sign).zip(bound);
            for (offset, (((value, &row), &sign), &bound)) in variables.enumerate() {
                *value += sign * (weight_a * row_a[row] as f64 + weight_b * row_b[row] as f64);
                if in_up(sign, bound) {
                    best[side_of(sign)].offer(-sign * *value, start + offset);
                }
            }
            best
        };
    if gradient.len() < PARALLEL_VARIABLES {
        return pass(0, gradient, row_of, sign, bound);
    }
    gradient
        .par_chunks_mut(PIECE)
        .zip(row_of.par_chunks(PIECE))
        .zip(sign.par_chunks(PIECE))
        .zip(bound.par_chunks(PIECE))
        .enumerate()
        .map(|(piece, (((gradient, row_of), sign), bound))| {
            pass(piece * PIECE, gradient, row_of, sign, bound)
        })
        .reduce_with(|left, right| [left[0].later_wins(right[0]), left[1].later_wins(right[1])])
        .expect("at least one piece")
}

/// In `I_up`: α can move in the direction that increases `yₜαₜ`.
#[inline]
fn in_up(sign: f64, bound: Bound) -> bool {
    if sign > 0.0 {
        bound != Bound::Upper
    } else {
        bound != Bound::Lower
    }
}

/// In `I_low`: α can move in the direction that decreases `yₜαₜ`.
#[inline]
fn in_low(sign: f64, bound: Bound) -> bool {
    if sign > 0.0 {
        bound != Bound::Lower
    } else {
        bound != Bound::Upper
    }
}

/// The up- and low-penalties of a variable: 0 in the set, −∞ outside.
fn penalties(sign: f64, bound: Bound) -> (f64, f64) {
    let penalty = |member: bool| if member { 0.0 } else { f64::NEG_INFINITY };
    (penalty(in_up(sign, bound)), penalty(in_low(sign, bound)))
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
