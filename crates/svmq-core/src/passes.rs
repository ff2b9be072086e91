//! The standard solver's two passes over the active variables, run at every
//! iteration: the gradient update (which also finds the next first choice) and the
//! second-order second choice. They are most of an iteration's work, so each has an
//! AVX2 version beside the portable one; both do the same f64 operations in the same
//! order and return the same answer, bit for bit.
//!
//! Set membership is read from *penalties*: 0 for a variable in the set and −∞ for
//! one outside, so that a score plus its penalty is the score or −∞, without a branch.

/// The best candidate of a selection pass: its score and position (`None`: no
/// candidate). Later positions win ties, whatever the split into pieces.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Candidate {
    pub score: f64,
    pub position: Option<usize>,
}

impl Candidate {
    pub const NONE: Candidate = Candidate {
        score: f64::NEG_INFINITY,
        position: None,
    };

    #[inline]
    pub fn offer(&mut self, score: f64, position: usize) {
        if score >= self.score {
            self.score = score;
            self.position = Some(position);
        }
    }

    pub fn later_wins(self, later: Candidate) -> Candidate {
        if later.position.is_some() && later.score >= self.score {
            later
        } else {
            self
        }
    }
}

/// The variables a pass reads, from position `start` on.
#[derive(Clone, Copy)]
pub(crate) struct Variables<'a> {
    pub start: usize,
    pub row_of: &'a [usize],
    pub sign: &'a [f64],
    /// 0 in the set the pass selects from (`I_up` or `I_low`), −∞ outside.
    pub penalty: &'a [f64],
}

impl<'a> Variables<'a> {
    /// The variables at offsets `range` of these.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Variables<'a> {
        Variables {
            start: self.start + range.start,
            row_of: &self.row_of[range.clone()],
            sign: &self.sign[range.clone()],
            penalty: &self.penalty[range],
        }
    }
}

/// `gradientₜ += signₜ · (weight_a · row_a[row_of[t]] + weight_b · row_b[row_of[t]])`,
/// and the best first choice on the updated gradient: the largest `−yₜ∇fₜ` over the
/// variables whose up-penalty is 0.
pub(crate) fn update_gradient(
    gradient: &mut [f64],
    variables: Variables,
    rows: [(f64, &[f32]); 2],
) -> Candidate {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2; `update_gradient_avx2` checks the
            // slices' lengths and indexes kernel rows with bounds checks.
            return unsafe { update_gradient_avx2(gradient, variables, rows) };
        }
    }
    update_gradient_portable(gradient, variables, rows, 0)
}

/// The portable update from offset `from` of the slices on.
fn update_gradient_portable(
    gradient: &mut [f64],
    variables: Variables,
    rows: [(f64, &[f32]); 2],
    from: usize,
) -> Candidate {
    let [(weight_a, row_a), (weight_b, row_b)] = rows;
    let mut best = Candidate::NONE;
    for (offset, value) in gradient.iter_mut().enumerate().skip(from) {
        let row = variables.row_of[offset];
        let sign = variables.sign[offset];
        *value += sign * (weight_a * row_a[row] as f64 + weight_b * row_b[row] as f64);
        if variables.penalty[offset] == 0.0 {
            best.offer(-sign * *value, variables.start + offset);
        }
    }
    best
}

/// The second choice for the first choice at `first` (score `m(α)`, kernel row
/// `kernel_first`, diagonal `first_diagonal`): the variable with the largest `b²/a`
/// among those with low-penalty 0 and `b = m(α) + yₜ∇fₜ > 0`, where
/// `a = K₁₁ + Kₜₜ − 2K₁ₜ` (or `tau` when not positive); and the largest `yₜ∇fₜ` over
/// the same set, −M(α).
#[derive(Clone, Copy)]
pub(crate) struct SecondChoice<'a> {
    pub first_score: f64,
    pub first_diagonal: f64,
    pub kernel_first: &'a [f32],
    pub gradient: &'a [f64],
    pub diagonal: &'a [f64],
    pub tau: f64,
}

pub(crate) fn select_second(choice: &SecondChoice, variables: Variables) -> (Candidate, f64) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2; `select_second_avx2` checks the
            // slices' lengths and indexes the kernel row with bounds checks.
            return unsafe { select_second_avx2(choice, variables) };
        }
    }
    select_second_portable(choice, variables, 0, Candidate::NONE, f64::NEG_INFINITY)
}

/// The portable pass from offset `from` on, continuing from `best` and `max_low`.
fn select_second_portable(
    choice: &SecondChoice,
    variables: Variables,
    from: usize,
    mut best: Candidate,
    mut max_low: f64,
) -> (Candidate, f64) {
    for offset in from..choice.gradient.len() {
        let score = variables.sign[offset] * choice.gradient[offset] + variables.penalty[offset];
        max_low = max_low.max(score);
        let b = choice.first_score + score;
        if b > 0.0 {
            let kernel = choice.kernel_first[variables.row_of[offset]] as f64;
            let a = choice.first_diagonal + choice.diagonal[offset] - 2.0 * kernel;
            best.offer(
                (b * b) / if a > 0.0 { a } else { choice.tau },
                variables.start + offset,
            );
        }
    }
    (best, max_low)
}

/// The kernel row's values at four training rows, widened to f64. Four scalar loads
/// (bounds-checked) rather than a gather: on the AMD EPYC the benchmarks ran on, a
/// gather costs more than the loads it replaces, and the loads need no scan of the
/// rows beforehand.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn four_values(row: &[f32], rows: &[usize]) -> std::arch::x86_64::__m256d {
    // SAFETY: AVX2 by the caller's contract.
    unsafe {
        std::arch::x86_64::_mm256_setr_pd(
            row[rows[0]] as f64,
            row[rows[1]] as f64,
            row[rows[2]] as f64,
            row[rows[3]] as f64,
        )
    }
}

/// The best of four lanes' candidates: the highest score, the later position on ties.
#[cfg(target_arch = "x86_64")]
fn best_lane(scores: [f64; 4], positions: [i64; 4]) -> Candidate {
    let mut best = Candidate::NONE;
    for (score, position) in scores.into_iter().zip(positions) {
        if position < 0 {
            continue;
        }
        let position = position as usize;
        let better = match best.position {
            None => true,
            Some(current) => score > best.score || (score == best.score && position > current),
        };
        if better {
            best = Candidate {
                score,
                position: Some(position),
            };
        }
    }
    best
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn update_gradient_avx2(
    gradient: &mut [f64],
    variables: Variables,
    rows: [(f64, &[f32]); 2],
) -> Candidate {
    use std::arch::x86_64::*;
    let length = gradient.len();
    let [(weight_a, row_a), (weight_b, row_b)] = rows;
    assert!(variables.row_of.len() >= length && variables.sign.len() >= length);
    assert!(variables.penalty.len() >= length);
    let vector_end = length - length % 4;
    let (weight_a, weight_b) = (_mm256_set1_pd(weight_a), _mm256_set1_pd(weight_b));
    let zero = _mm256_setzero_pd();
    let mut best_scores = _mm256_set1_pd(f64::NEG_INFINITY);
    let mut best_positions = _mm256_set1_epi64x(-1);
    let mut positions = _mm256_setr_epi64x(0, 1, 2, 3);
    let four = _mm256_set1_epi64x(4);
    let mut offset = 0;
    while offset < vector_end {
        // SAFETY (whole block): offset + 4 ≤ length, checked above for every slice.
        let rows = &variables.row_of[offset..offset + 4];
        let kernel_a = four_values(row_a, rows);
        let kernel_b = four_values(row_b, rows);
        let sign = _mm256_loadu_pd(variables.sign.as_ptr().add(offset));
        let change = _mm256_mul_pd(
            sign,
            _mm256_add_pd(
                _mm256_mul_pd(weight_a, kernel_a),
                _mm256_mul_pd(weight_b, kernel_b),
            ),
        );
        let slot = gradient.as_mut_ptr().add(offset);
        let value = _mm256_add_pd(_mm256_loadu_pd(slot), change);
        _mm256_storeu_pd(slot, value);
        let score = _mm256_mul_pd(_mm256_sub_pd(zero, sign), value);
        let penalty = _mm256_loadu_pd(variables.penalty.as_ptr().add(offset));
        let take = _mm256_and_pd(
            _mm256_cmp_pd::<_CMP_EQ_OQ>(penalty, zero),
            _mm256_cmp_pd::<_CMP_GE_OQ>(score, best_scores),
        );
        keep_best(
            &mut best_scores,
            &mut best_positions,
            score,
            positions,
            take,
        );
        positions = _mm256_add_epi64(positions, four);
        offset += 4;
    }
    let (scores, lane_positions) = lanes(best_scores, best_positions, variables.start);
    let best = best_lane(scores, lane_positions);
    best.later_wins(update_gradient_portable(
        gradient, variables, rows, vector_end,
    ))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn select_second_avx2(choice: &SecondChoice, variables: Variables) -> (Candidate, f64) {
    use std::arch::x86_64::*;
    let length = choice.gradient.len();
    assert!(variables.row_of.len() >= length && variables.sign.len() >= length);
    assert!(variables.penalty.len() >= length && choice.diagonal.len() >= length);
    let vector_end = length - length % 4;
    let first_score = _mm256_set1_pd(choice.first_score);
    let first_diagonal = _mm256_set1_pd(choice.first_diagonal);
    let (two, tau, zero) = (
        _mm256_set1_pd(2.0),
        _mm256_set1_pd(choice.tau),
        _mm256_setzero_pd(),
    );
    let mut max_low = _mm256_set1_pd(f64::NEG_INFINITY);
    let mut best_scores = _mm256_set1_pd(f64::NEG_INFINITY);
    let mut best_positions = _mm256_set1_epi64x(-1);
    let mut positions = _mm256_setr_epi64x(0, 1, 2, 3);
    let four = _mm256_set1_epi64x(4);
    let mut offset = 0;
    while offset < vector_end {
        // SAFETY (whole block): offset + 4 ≤ length, checked above for every slice.
        let score = _mm256_add_pd(
            _mm256_mul_pd(
                _mm256_loadu_pd(variables.sign.as_ptr().add(offset)),
                _mm256_loadu_pd(choice.gradient.as_ptr().add(offset)),
            ),
            _mm256_loadu_pd(variables.penalty.as_ptr().add(offset)),
        );
        max_low = _mm256_max_pd(max_low, score);
        let b = _mm256_add_pd(first_score, score);
        let kernel = four_values(choice.kernel_first, &variables.row_of[offset..offset + 4]);
        let a = _mm256_sub_pd(
            _mm256_add_pd(
                first_diagonal,
                _mm256_loadu_pd(choice.diagonal.as_ptr().add(offset)),
            ),
            _mm256_mul_pd(two, kernel),
        );
        let a = _mm256_blendv_pd(tau, a, _mm256_cmp_pd::<_CMP_GT_OQ>(a, zero));
        let decrease = _mm256_div_pd(_mm256_mul_pd(b, b), a);
        let take = _mm256_and_pd(
            _mm256_cmp_pd::<_CMP_GT_OQ>(b, zero),
            _mm256_cmp_pd::<_CMP_GE_OQ>(decrease, best_scores),
        );
        keep_best(
            &mut best_scores,
            &mut best_positions,
            decrease,
            positions,
            take,
        );
        positions = _mm256_add_epi64(positions, four);
        offset += 4;
    }
    let mut maxima = [0f64; 4];
    _mm256_storeu_pd(maxima.as_mut_ptr(), max_low);
    let max_low = maxima.into_iter().fold(f64::NEG_INFINITY, f64::max);
    let (scores, lane_positions) = lanes(best_scores, best_positions, variables.start);
    let best = best_lane(scores, lane_positions);
    select_second_portable(choice, variables, vector_end, best, max_low)
}

/// Lane by lane, where `take` is set: the score and position become the best.
///
/// # Safety
/// Only for functions compiled with `avx2`, into which it is inlined.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn keep_best(
    best_scores: &mut std::arch::x86_64::__m256d,
    best_positions: &mut std::arch::x86_64::__m256i,
    scores: std::arch::x86_64::__m256d,
    positions: std::arch::x86_64::__m256i,
    take: std::arch::x86_64::__m256d,
) {
    use std::arch::x86_64::*;
    // SAFETY: the caller's contract.
    unsafe {
        *best_scores = _mm256_blendv_pd(*best_scores, scores, take);
        *best_positions = _mm256_castpd_si256(_mm256_blendv_pd(
            _mm256_castsi256_pd(*best_positions),
            _mm256_castsi256_pd(positions),
            take,
        ));
    }
}

/// The four lanes' best scores and positions (−1: none), positions offset by `start`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn lanes(
    scores: std::arch::x86_64::__m256d,
    positions: std::arch::x86_64::__m256i,
    start: usize,
) -> ([f64; 4], [i64; 4]) {
    use std::arch::x86_64::*;
    let mut score_lanes = [0f64; 4];
    let mut position_lanes = [0i64; 4];
    _mm256_storeu_pd(score_lanes.as_mut_ptr(), scores);
    _mm256_storeu_si256(position_lanes.as_mut_ptr() as *mut __m256i, positions);
    for position in &mut position_lanes {
        if *position >= 0 {
            *position += start as i64;
        }
    }
    (score_lanes, position_lanes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::Random;

    struct Case {
        row_of: Vec<usize>,
        sign: Vec<f64>,
        penalty: Vec<f64>,
        gradient: Vec<f64>,
        diagonal: Vec<f64>,
        row_a: Vec<f32>,
        row_b: Vec<f32>,
    }

    fn case(length: usize, seed: u64) -> Case {
        let mut random = Random::new(seed);
        let rows = length / 2 + 3;
        Case {
            row_of: (0..length).map(|_| random.below(rows)).collect(),
            sign: (0..length)
                .map(|_| if random.below(2) == 0 { 1.0 } else { -1.0 })
                .collect(),
            penalty: (0..length)
                .map(|_| {
                    if random.below(3) == 0 {
                        f64::NEG_INFINITY
                    } else {
                        0.0
                    }
                })
                .collect(),
            // Few distinct values, so that ties occur.
            gradient: (0..length)
                .map(|_| random.below(7) as f64 * 0.25 - 0.75)
                .collect(),
            diagonal: (0..length).map(|_| 1.0).collect(),
            row_a: (0..rows).map(|_| random.below(5) as f32 * 0.2).collect(),
            row_b: (0..rows).map(|_| random.below(5) as f32 * 0.1).collect(),
        }
    }

    #[test]
    fn vectorized_passes_equal_portable_ones_bit_for_bit() {
        for length in [0, 1, 3, 4, 5, 17, 64, 1001] {
            for seed in 0..20 {
                let case = case(length, seed);
                let variables = Variables {
                    start: 7,
                    row_of: &case.row_of,
                    sign: &case.sign,
                    penalty: &case.penalty,
                };
                let rows = [(0.3, &case.row_a[..]), (-1.7, &case.row_b[..])];
                let mut portable_gradient = case.gradient.clone();
                let portable = update_gradient_portable(&mut portable_gradient, variables, rows, 0);
                let mut gradient = case.gradient.clone();
                let dispatched = update_gradient(&mut gradient, variables, rows);
                assert_eq!(portable, dispatched, "update, length {length}, seed {seed}");
                assert_eq!(portable_gradient, gradient);
                let choice = SecondChoice {
                    first_score: 0.5,
                    first_diagonal: 1.0,
                    kernel_first: &case.row_a,
                    gradient: &gradient,
                    diagonal: &case.diagonal,
                    tau: 1e-12,
                };
                let portable = select_second_portable(
                    &choice,
                    variables,
                    0,
                    Candidate::NONE,
                    f64::NEG_INFINITY,
                );
                let dispatched = select_second(&choice, variables);
                assert_eq!(
                    portable.0, dispatched.0,
                    "second, length {length}, seed {seed}"
                );
                assert_eq!(portable.1.to_bits(), dispatched.1.to_bits());
            }
        }
    }

    #[test]
    fn ties_go_to_the_later_position() {
        let variables = Variables {
            start: 0,
            row_of: &[0; 9],
            sign: &[1.0; 9],
            penalty: &[0.0; 9],
        };
        let mut gradient = vec![-1.0; 9];
        let best = update_gradient(&mut gradient, variables, [(0.0, &[0.0]), (0.0, &[0.0])]);
        assert_eq!(best.position, Some(8));
        assert_eq!(best.score, 1.0);
    }
}
