//! Passes over the active variables, split into one piece per thread of the rayon pool
//! when long, with the pieces' results combined in order. Every combination is a
//! maximum with ties to the later position (or work per variable), so the answer does
//! not depend on where the pieces end, nor on the number of threads. The per-variable
//! work is in `passes`.

use super::bounds::{in_up, side_of, Bound};
use crate::passes::{self, Candidate, Variables};
use rayon::prelude::*;

/// Passes over at least this many variables are split across the rayon pool.
pub(super) const PARALLEL_VARIABLES: usize = 4096;

/// Variables per parallel piece of a pass over `length`: one piece per thread, a
/// multiple of 64 and at least 2048 (below that, handing out a piece costs more
/// than it saves).
pub(super) fn piece(length: usize) -> usize {
    let threads = rayon::current_num_threads().max(1);
    length.div_ceil(threads).next_multiple_of(64).max(2048)
}

/// Runs `pass` over `0..length` in pieces, in parallel when long, and combines the
/// pieces' results in order.
pub(super) fn sweep<T: Send>(
    length: usize,
    pass: impl Fn(std::ops::Range<usize>) -> T + Sync,
    combine: impl Fn(T, T) -> T + Sync + Send,
) -> T {
    if length < PARALLEL_VARIABLES {
        return pass(0..length);
    }
    let size = piece(length);
    (0..length.div_ceil(size))
        .into_par_iter()
        .map(|piece| pass(piece * size..((piece + 1) * size).min(length)))
        .reduce_with(&combine)
        .expect("at least one piece")
}

/// `gradient[t] += signₜ · Σ weight · row[row_of[t]]` over the two weighted kernel
/// rows, in parallel pieces when long; in the same pass, what `select_first` would
/// answer on the updated gradient (one pass over memory instead of two).
pub(super) fn add_rows_selecting(
    gradient: &mut [f64],
    variables: Variables,
    rows: [(f64, &[f32]); 2],
) -> Candidate {
    if gradient.len() < PARALLEL_VARIABLES {
        return passes::update_gradient(gradient, variables, rows);
    }
    let size = piece(gradient.len());
    gradient
        .par_chunks_mut(size)
        .enumerate()
        .map(|(piece, gradient)| {
            let start = piece * size;
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
pub(super) fn add_rows_selecting_nu(
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
    let size = piece(gradient.len());
    gradient
        .par_chunks_mut(size)
        .zip(row_of.par_chunks(size))
        .zip(sign.par_chunks(size))
        .zip(bound.par_chunks(size))
        .enumerate()
        .map(|(piece, (((gradient, row_of), sign), bound))| {
            pass(piece * size, gradient, row_of, sign, bound)
        })
        .reduce_with(|left, right| [left[0].later_wins(right[0]), left[1].later_wins(right[1])])
        .expect("at least one piece")
}
