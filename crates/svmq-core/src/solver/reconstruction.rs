//! Gradient reconstruction: the upper-bound part of the gradient (`gradient_bar`), kept
//! up to date in batches, and the full gradient of inactive variables rebuilt from it
//! and the free variables when shrinking is undone.

use super::bounds::Bound;
use super::state::Solver;
use crate::control::{FitControl, Stopped};
use crate::kernel::KernelMatrix;
use rayon::prelude::*;

impl<'a> Solver<'a> {
    /// Records that the variable at `position` reached (`direction` = 1) or left (−1)
    /// its upper bound: its contribution `Cₛ Qₜₛ` to every `gradient_barₜ` changes.
    pub(super) fn update_gradient_bar(&mut self, position: usize, direction: f64) {
        self.pending_bar[self.row_of[position]] +=
            direction * self.upper[position] * self.sign[position];
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
