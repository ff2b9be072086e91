//! The ways into a running fit: a cooperative stop flag and a progress callback.
//!
//! The solver polls the flag every iteration and inside every long parallel loop, so a
//! fit stops within milliseconds of the flag being raised. Progress is reported as
//! counts (iterations, finished subproblems); turning them into percentages is the
//! caller's business.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// A fit was stopped through its stop flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

/// A snapshot of a running fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FitProgress {
    /// Solver iterations so far, over every subproblem (reported in batches).
    pub iterations: u64,
    /// Subproblems (class pairs, folds) finished so far.
    pub finished_subproblems: usize,
    /// Subproblems the fit will solve in all.
    pub subproblems: usize,
}

/// What a caller hands to a fit besides data and parameters.
#[derive(Default)]
pub struct FitControl<'a> {
    stop: Option<&'a AtomicBool>,
    progress: Option<&'a (dyn Fn(FitProgress) + Sync)>,
    iterations: AtomicU64,
    finished_subproblems: AtomicUsize,
    subproblems: AtomicUsize,
}

impl<'a> FitControl<'a> {
    /// A control without a stop flag or a progress callback.
    pub fn new() -> FitControl<'a> {
        FitControl::default()
    }

    /// The fit stops soon after `flag` becomes true.
    pub fn with_stop_flag(mut self, flag: &'a AtomicBool) -> FitControl<'a> {
        self.stop = Some(flag);
        self
    }

    /// `callback` is called from the fitting threads as the fit advances.
    pub fn with_progress(mut self, callback: &'a (dyn Fn(FitProgress) + Sync)) -> FitControl<'a> {
        self.progress = Some(callback);
        self
    }

    /// Whether the stop flag has been raised (never, without a flag).
    pub fn is_stopped(&self) -> bool {
        self.stop.is_some_and(|flag| flag.load(Ordering::Relaxed))
    }

    /// `Err(Stopped)` once the stop flag is raised.
    #[inline]
    pub(crate) fn check(&self) -> Result<(), Stopped> {
        if self.is_stopped() {
            Err(Stopped)
        } else {
            Ok(())
        }
    }

    pub(crate) fn add_subproblems(&self, count: usize) {
        self.subproblems.fetch_add(count, Ordering::Relaxed);
        self.report();
    }

    pub(crate) fn finish_subproblem(&self) {
        self.finished_subproblems.fetch_add(1, Ordering::Relaxed);
        self.report();
    }

    pub(crate) fn report_iterations(&self, count: u64) {
        self.iterations.fetch_add(count, Ordering::Relaxed);
        self.report();
    }

    fn report(&self) {
        if let Some(callback) = self.progress {
            callback(FitProgress {
                iterations: self.iterations.load(Ordering::Relaxed),
                finished_subproblems: self.finished_subproblems.load(Ordering::Relaxed),
                subproblems: self.subproblems.load(Ordering::Relaxed),
            });
        }
    }
}
