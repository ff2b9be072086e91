//! The solver's state and how it starts: the variables at their positions, the
//! gradient and its upper-bound part, the kernel-row cache and the active set. The
//! steps that change it live in the sibling modules.

use super::bounds::{bound_of, penalties, Bound};
use super::problem::{DualProblem, SolverSettings};
use crate::cache::KernelCache;
use crate::control::{FitControl, Stopped};
use crate::kernel::{ColumnSet, KernelMatrix};
use crate::passes::Candidate;

/// The curvature used when `a ≤ 0` (non-positive-definite kernels such as sigmoid).
pub(super) const TAU: f64 = 1e-12;

/// The solver's state. Variables live at *positions*: the active ones first
/// (`0..active_size`), so that every pass over the active set is a contiguous sweep
/// that splits across threads; `original[p]` is the variable at position `p`.
pub(super) struct Solver<'a> {
    pub(super) kernel: &'a KernelMatrix<'a>,
    pub(super) cache: KernelCache,
    pub(super) original: Vec<usize>,
    pub(super) row_of: Vec<usize>,
    pub(super) sign: Vec<f64>,
    pub(super) linear: Vec<f64>,
    pub(super) upper: Vec<f64>,
    pub(super) alpha: Vec<f64>,
    pub(super) bound: Vec<Bound>,
    /// 0 for a variable in `I_up` (`I_low`), −∞ otherwise: membership as the
    /// vectorized passes read it.
    pub(super) up_penalty: Vec<f64>,
    pub(super) low_penalty: Vec<f64>,
    /// ∇f(α) = Qα + p, kept exact on the active set.
    pub(super) gradient: Vec<f64>,
    /// Σ over variables at their upper bound of Cₛ Qₜₛ: the part of the gradient that
    /// lets an inactive variable's gradient be rebuilt from the free variables alone.
    pub(super) gradient_bar: Vec<f64>,
    /// Changes to `gradient_bar` not yet applied, as a weight per training row: the
    /// sum of ±Cₛyₛ of the variables of that row that reached or left their upper bound.
    /// Only gradient reconstruction reads `gradient_bar`, so the changes are applied
    /// then, in one batch, and those that cancel out cost nothing.
    pub(super) pending_bar: Vec<f64>,
    /// k(x_{r(t)}, x_{r(t)}).
    pub(super) diagonal: Vec<f64>,
    pub(super) active_size: usize,
    /// Training rows the active variables use: the columns a kernel row needs.
    pub(super) active_rows: ColumnSet,
    /// Bumped whenever the active set grows, which invalidates partial cached rows.
    pub(super) epoch: u64,
    pub(super) unshrunk: bool,
    /// `select_first`'s answer, computed in the same pass as the last gradient update;
    /// `None` once the active set changed since.
    pub(super) next_first: Option<[Candidate; 2]>,
    pub(super) settings: SolverSettings,
}

impl<'a> Solver<'a> {
    pub(super) fn new(
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
    pub(super) fn initialize_gradient(&mut self, control: &FitControl) -> Result<(), Stopped> {
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

    pub(super) fn ensure_active_row(&mut self, position: usize) {
        let row = self.row_of[position];
        self.cache
            .ensure(self.kernel, row, Some(&self.active_rows), self.epoch);
    }
}
