//! Shrinking: the active set drops bounded variables unlikely to move, so that passes
//! sweep fewer variables, and takes them all back before the final optimality check.

use super::bounds::{in_low, in_up, side_of};
use super::state::Solver;
use super::sweep::sweep;
use crate::control::{FitControl, Stopped};

impl<'a> Solver<'a> {
    /// Drops from the active set the bounded variables whose gradient says they will
    /// stay at their bound; the first time the gap falls under ten times the
    /// tolerance, first restores every variable (shrinking may have been premature).
    pub(super) fn shrink(&mut self, control: &FitControl) -> Result<(), Stopped> {
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
    pub(super) fn sort_active_by_row(&mut self) {
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
    pub(super) fn can_shrink(&self, t: usize, maximum_up: f64, maximum_low: f64) -> bool {
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

    pub(super) fn swap_positions(&mut self, a: usize, b: usize) {
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

    pub(super) fn activate_all(&mut self) {
        self.next_first = None;
        if self.active_size < self.alpha.len() {
            self.active_size = self.alpha.len();
            self.sort_active_by_row();
            self.refresh_active_rows();
            self.epoch += 1;
        }
    }

    pub(super) fn refresh_active_rows(&mut self) {
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
}
