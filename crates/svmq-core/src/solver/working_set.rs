//! Working-set selection: the pair of variables an iteration changes, chosen by the
//! maximal violation for `i` and the second-order estimate for `j` (Fan, Chen & Lin
//! 2005), for the standard solver and the ν solver. Changes nothing but the cache.

use super::bounds::{in_low, in_up, side_of};
use super::state::{Solver, TAU};
use super::sweep::sweep;
use crate::passes::{self, Candidate, SecondChoice, Variables};

impl<'a> Solver<'a> {
    /// The most violating pair of positions, or `None` when the KKT conditions hold
    /// within the tolerance.
    pub(super) fn select_working_set(&mut self) -> Option<(usize, usize)> {
        if self.settings.nu_variant {
            self.select_working_set_nu()
        } else {
            self.select_working_set_standard()
        }
    }

    /// The best `i` over `I_up` for each side (one side for the standard solver):
    /// the largest `−yₜ∇fₜ`.
    pub(super) fn select_first<const SIDES: usize>(&self) -> [Candidate; 2] {
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
    pub(super) fn select_second_standard(&self, first: Candidate, i: usize) -> (Candidate, f64) {
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
    pub(super) fn select_second_nu(&self, first: &[Candidate; 2]) -> (Candidate, [f64; 2]) {
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

    pub(super) fn select_working_set_standard(&mut self) -> Option<(usize, usize)> {
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
    pub(super) fn select_working_set_nu(&mut self) -> Option<(usize, usize)> {
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
}
