//! Where a variable sits in its box `0 ≤ αₜ ≤ Cₜ`, and what that says about the sets
//! `I_up` and `I_low` the working set is chosen from. Pure functions of (sign, bound).

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Bound {
    Lower,
    Upper,
    Free,
}

/// In `I_up`: α can move in the direction that increases `yₜαₜ`.
#[inline]
pub(super) fn in_up(sign: f64, bound: Bound) -> bool {
    if sign > 0.0 {
        bound != Bound::Upper
    } else {
        bound != Bound::Lower
    }
}

/// In `I_low`: α can move in the direction that decreases `yₜαₜ`.
#[inline]
pub(super) fn in_low(sign: f64, bound: Bound) -> bool {
    if sign > 0.0 {
        bound != Bound::Lower
    } else {
        bound != Bound::Upper
    }
}

/// The up- and low-penalties of a variable: 0 in the set, −∞ outside.
pub(super) fn penalties(sign: f64, bound: Bound) -> (f64, f64) {
    let penalty = |member: bool| if member { 0.0 } else { f64::NEG_INFINITY };
    (penalty(in_up(sign, bound)), penalty(in_low(sign, bound)))
}

/// Index 0 for y = +1, 1 for y = −1.
#[inline]
pub(super) fn side_of(sign: f64) -> usize {
    usize::from(sign < 0.0)
}

pub(super) fn bound_of(alpha: f64, upper: f64) -> Bound {
    if alpha >= upper {
        Bound::Upper
    } else if alpha <= 0.0 {
        Bound::Lower
    } else {
        Bound::Free
    }
}
