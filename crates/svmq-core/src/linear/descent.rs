//! What both dual coordinate descents share: the settings taken from the parameters,
//! the row order of each pass, and how often a pass looks at the stop flag.

use super::params::{LinearLoss, ValidLinearParams};
use crate::random::Random;

/// A pass looks at the stop flag every this many rows: a few hundred microseconds on
/// rows of a hundred features.
pub(crate) const STOP_CHECK_INTERVAL: usize = 4096;

/// A pass prefetches the row this many places ahead of the one it steps: enough rows
/// of work to cover a memory latency.
pub(crate) const PREFETCH_DISTANCE: usize = 8;

/// The stopping rule and the pass order of one subproblem, and its loss (with the L2
/// loss, a descent that reaches its pass limit is finished on the primal).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DescentSettings {
    pub(crate) loss: LinearLoss,
    pub(crate) tolerance: f64,
    pub(crate) max_passes: usize,
    pub(crate) shrinking: bool,
    pub(crate) seed: u64,
    /// Which subproblem this is: each draws its own row orders from the seed.
    pub(crate) stream: u64,
}

impl DescentSettings {
    pub(crate) fn new(params: &ValidLinearParams, stream: u64) -> DescentSettings {
        DescentSettings {
            loss: params.loss,
            tolerance: params.tolerance,
            max_passes: params.max_passes,
            shrinking: params.shrinking,
            seed: params.seed,
            stream,
        }
    }

    pub(crate) fn random(&self) -> Random {
        Random::for_stream(self.seed, self.stream)
    }
}

/// The rows of a subproblem in the order of the current pass: the first `active` are
/// the ones still optimized, the rest were shrunk (set aside at a bound).
pub(crate) struct ActiveSet {
    pub(crate) order: Vec<usize>,
    pub(crate) active: usize,
}

impl ActiveSet {
    pub(crate) fn all(rows: usize) -> ActiveSet {
        ActiveSet {
            order: (0..rows).collect(),
            active: rows,
        }
    }

    /// A fresh random order of the active rows, for the next pass.
    pub(crate) fn shuffle(&mut self, random: &mut Random) {
        random.shuffle(&mut self.order[..self.active]);
    }

    /// Sets aside the row at `position`: the last active row takes its place, so the
    /// caller looks at `position` again.
    #[inline(always)]
    pub(crate) fn shrink(&mut self, position: usize) {
        self.active -= 1;
        self.order.swap(position, self.active);
    }

    pub(crate) fn is_complete(&self) -> bool {
        self.active == self.order.len()
    }

    /// Brings every shrunk row back.
    pub(crate) fn restore(&mut self) {
        self.active = self.order.len();
    }
}
