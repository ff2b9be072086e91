//! Gradient reconstruction: the upper-bound part of the gradient (`gradient_bar`), kept
//! up to date in batches, and the full gradient of inactive variables rebuilt from it
//! and the free variables when shrinking is undone.

use super::bounds::Bound;
use super::state::Solver;
use super::sweep::add_rows_selecting;
use crate::control::{FitControl, Stopped};
use crate::kernel::{ColumnSet, KernelMatrix};
use crate::passes::Variables;
use rayon::prelude::*;

impl<'a> Solver<'a> {
    /// Records that the variables at the positions of `changes` reached (direction 1)
    /// or left (−1) their upper bound (0: neither): their contributions `Cₛ Qₜₛ` to
    /// every `gradient_barₜ` change. Applied at once, in one pass over the variables
    /// with no kernel value computed, for rows cached whole (both rows were just
    /// ensured); kept pending for the others.
    pub(super) fn update_gradient_bar(&mut self, changes: [(usize, f64); 2]) {
        let mut weights = [0.0; 2];
        for (weight, &(position, direction)) in weights.iter_mut().zip(&changes) {
            let row = self.row_of[position];
            let change = direction * self.upper[position] * self.sign[position];
            if change == 0.0 {
                continue;
            }
            if self.cache.is_complete(row) {
                *weight = change;
            } else {
                self.pending_bar[row] += change;
            }
        }
        let rows = match weights {
            [0.0, 0.0] => return,
            [_, 0.0] => [changes[0].0; 2],
            [0.0, _] => [changes[1].0; 2],
            _ => [changes[0].0, changes[1].0],
        }
        .map(|position| self.cache.row(self.row_of[position]));
        let variables = Variables {
            start: 0,
            row_of: &self.row_of,
            sign: &self.sign,
            penalty: &self.low_penalty,
        };
        add_rows_selecting(
            &mut self.gradient_bar,
            variables,
            [(weights[0], rows[0]), (weights[1], rows[1])],
        );
    }

    /// Applies the pending changes to every variable's `gradient_bar`.
    pub(super) fn apply_pending_bar(&mut self, control: &FitControl) -> Result<(), Stopped> {
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

    /// Rebuilds the gradient of inactive variables:
    /// `∇fₜ = gradient_barₜ + pₜ + Σ_{s free} αₛ Qₜₛ`.
    pub(super) fn reconstruct_gradient(&mut self, control: &FitControl) -> Result<(), Stopped> {
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
}

/// Target rows whose sums are computed together, so that each block of kernel
/// columns is read once for all of them.
const TARGET_GROUP: usize = 16;

/// For each training row `r` of `targets`: `Σₖ weightsₖ · k(x_{rowsₖ}, x_r)`, with
/// kernel values rounded to f32 like every cached value (so that rebuilt and updated
/// gradients agree). Target rows go in groups that read each block of kernel columns
/// once: the columns from the feature-major data when they are many, else from a
/// feature-major copy of just those rows. In parallel; stops early when the stop flag
/// is raised.
fn kernel_sums(
    kernel: &KernelMatrix,
    targets: &[usize],
    rows: &[usize],
    weights: &[f64],
    control: &FitControl,
) -> Result<Vec<f64>, Stopped> {
    let mut dense = vec![0.0; kernel.len()];
    for (&row, &weight) in rows.iter().zip(weights) {
        dense[row] += weight;
    }
    let used: Vec<usize> = (0..kernel.len()).filter(|&row| dense[row] != 0.0).collect();
    let grouped = |set: Option<&ColumnSet>, weights: &[f64]| {
        let mut sums = vec![0.0; targets.len()];
        sums.par_chunks_mut(TARGET_GROUP)
            .zip(targets.par_chunks(TARGET_GROUP))
            .for_each(|(sums, targets)| {
                if !control.is_stopped() {
                    kernel.weighted_sums(targets, set, weights, sums);
                }
            });
        control.check()?;
        Ok(sums)
    };
    if kernel.prefers_full_row(used.len()) {
        return grouped(None, &dense);
    }
    let set_weights: Vec<f64> = used.iter().map(|&row| dense[row]).collect();
    let set = kernel.column_set(used);
    if set.has_copy() {
        return grouped(Some(&set), &set_weights);
    }
    let used = set.indices();
    let sums: Vec<Option<f64>> = targets
        .par_iter()
        .with_min_len(16)
        .map_init(
            || vec![0f32; used.len()],
            |values, &target| {
                if control.is_stopped() {
                    return None;
                }
                kernel.fill_values(target, used, values);
                Some(
                    set_weights
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
