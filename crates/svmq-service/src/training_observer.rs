//! Where a training reports to while it runs: progress and log lines
//! ([`TrainingObserver`]), and where finished trials are kept so that an interrupted
//! training resumes its search ([`TrialCheckpoint`]).

use svmq_tune::study::TrialRecord;

/// Where a training run reports to: progress (0–100 with a message) and log lines.
pub trait TrainingObserver: Sync {
    /// Overall progress, 0 to 100, with what is being done.
    fn progress(&self, percent: f64, message: &str);
    /// One line for the training's log (a trial's result, a warning).
    fn log(&self, message: &str);
}

/// Where finished trials are kept as they complete, so that an interrupted training
/// resumes its search instead of starting over. `target` is the target's index.
pub trait TrialCheckpoint: Sync {
    /// The trials saved so far for `target`, in trial order.
    fn load(&self, target: usize) -> Vec<TrialRecord>;
    /// Keeps one finished trial of `target`'s search; failures to keep it are the
    /// implementation's to log, as training goes on regardless.
    fn save(&self, target: usize, trial: &TrialRecord);
}

/// No checkpoint: every search starts from nothing.
pub struct NoCheckpoint;

impl TrialCheckpoint for NoCheckpoint {
    fn load(&self, _: usize) -> Vec<TrialRecord> {
        Vec::new()
    }

    fn save(&self, _: usize, _: &TrialRecord) {}
}

/// An observer that ignores everything.
pub struct Silent;

impl TrainingObserver for Silent {
    fn progress(&self, _: f64, _: &str) {}
    fn log(&self, _: &str) {}
}
