//! One SMO step: the two chosen variables move along the feasible direction to the
//! minimum of f, clipped to the box, and the gradient follows.

use super::bounds::{bound_of, penalties, Bound};
use super::state::{Solver, TAU};
use super::sweep::{add_rows_selecting, add_rows_selecting_nu};
use crate::passes::{Candidate, Variables};

impl<'a> Solver<'a> {
    /// Minimizes f along the feasible direction of the pair, clipped to the box, and
    /// updates the gradients.
    pub(super) fn update_pair(&mut self, i: usize, j: usize) {
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
        let changes = [i, j].map(|position| {
            let was_upper = self.bound[position] == Bound::Upper;
            self.bound[position] = bound_of(self.alpha[position], self.upper[position]);
            (self.up_penalty[position], self.low_penalty[position]) =
                penalties(self.sign[position], self.bound[position]);
            let is_upper = self.bound[position] == Bound::Upper;
            let direction = match (was_upper, is_upper) {
                (false, true) => 1.0,
                (true, false) => -1.0,
                _ => 0.0,
            };
            (position, direction)
        });
        self.update_gradient_bar(changes);
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
}

/// Sets a clipped variable exactly on the bound it hit, so rounding cannot leave it a
/// hair inside the box.
#[inline]
pub(super) fn snap(value: f64, hit_lower: bool, hit_upper: bool, upper: f64) -> f64 {
    if hit_lower {
        0.0
    } else if hit_upper {
        upper
    } else {
        value
    }
}
