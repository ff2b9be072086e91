//! Successive halving with rows as the budget: a trial is first scored by
//! cross-validation on a small sample of every fold, and goes on to a sample `factor`
//! times larger only while its score is among the best `1/factor` of the trials scored
//! at that size before it; the survivors end on the full folds (Jamieson & Talwalkar,
//! "Non-stochastic best arm identification and hyperparameter optimization", 2016;
//! the promotion rule is the asynchronous one of Li et al., "A system for massively
//! parallel hyperparameter tuning", 2020, which lets trials run in any order).
//!
//! The samples of one fold are nested: each is the start of one shuffled order of the
//! fold's rows (class by class for classification, so every class keeps its share),
//! so a larger sample holds every row of a smaller one. Training and validation rows
//! are sampled alike: a sample is the same cross-validation on fewer rows.
//!
//! Hyperband (Li et al., "Hyperband: a novel bandit-based approach to hyperparameter
//! optimization", 2018) hedges against samples that rank trials badly: trials are
//! spread over brackets that start on ever larger samples, the last on the full folds,
//! the more aggressive brackets getting more trials ([`bracket_start`]); promotion
//! compares a trial with the trials of its own bracket only.
//!
//! What it does not do: decide when halving pays off (the caller does, from the row
//! count) or run trials ([`crate::study`]).

use crate::evaluation::{PreparedFold, Task};
use crate::metrics::Metric;
use serde::{Deserialize, Serialize};
use svmq_core::random::Random;

/// How many rows a search scores its trials on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Fidelity {
    /// Successive halving when the training split has at least
    /// [`AUTOMATIC_HALVING_ROWS`] rows, every row otherwise.
    #[default]
    Auto,
    /// Every trial on every row of its folds.
    Full,
    /// Successive halving whenever the folds are large enough for a sample
    /// ([`rung_count`]).
    Halving,
    /// Successive halving in Hyperband's brackets, whenever the folds are large enough
    /// for a sample.
    Hyperband,
}

impl Fidelity {
    /// Every choice's name, as requests spell it.
    pub const NAMES: [&'static str; 4] = ["auto", "full", "halving", "hyperband"];

    /// The choice named `auto`, `full`, `halving` or `hyperband`.
    pub fn from_name(name: &str) -> Option<Fidelity> {
        match name {
            "auto" => Some(Fidelity::Auto),
            "full" => Some(Fidelity::Full),
            "halving" => Some(Fidelity::Halving),
            "hyperband" => Some(Fidelity::Hyperband),
            _ => None,
        }
    }

    /// The log's line for a search whose samples have `rows` training rows per fold,
    /// smallest first, and whose trials end on `last`.
    pub fn describe(self, rows: &[String], last: &str) -> String {
        let start = if self.brackets() {
            "trials spread over Hyperband's brackets start on samples of"
        } else {
            "trials start on samples of"
        };
        format!(
            "successive halving: {start} {} training rows per fold, a third going on each \
             time, then {last}",
            rows.join(", then ")
        )
    }

    /// Whether trials are spread over Hyperband's brackets.
    pub fn brackets(self) -> bool {
        self == Fidelity::Hyperband
    }

    /// How many samples below the full folds a search on `training_rows` rows (the
    /// training split) in `folds` folds uses.
    pub fn rungs(self, training_rows: usize, folds: usize) -> usize {
        let per_fold = training_rows - training_rows / folds.max(1);
        match self {
            Fidelity::Full => 0,
            Fidelity::Halving | Fidelity::Hyperband => rung_count(per_fold),
            Fidelity::Auto if training_rows >= AUTOMATIC_HALVING_ROWS => rung_count(per_fold),
            Fidelity::Auto => 0,
        }
    }
}

/// The training-split size from which [`Fidelity::Auto`] halves.
pub const AUTOMATIC_HALVING_ROWS: usize = 10_000;

/// How much larger each sample is than the one before, and how many trials out of
/// `FACTOR` go on: three, as in Hyperband's and scikit-learn's halving searches.
pub const FACTOR: usize = 3;

/// The fewest training rows a fold's smallest sample has: below a few hundred rows a
/// score says little about the same parameters on many rows.
pub const MIN_SAMPLE_ROWS: usize = 500;

/// The most sample sizes below the full folds.
pub const MAX_RUNGS: usize = 4;

/// How many sample sizes below the full folds a fold of `train_rows` training rows
/// gets: each `FACTOR` times smaller than the next, the smallest at least
/// [`MIN_SAMPLE_ROWS`] rows, at most [`MAX_RUNGS`]. Zero means no halving.
pub fn rung_count(train_rows: usize) -> usize {
    let mut rungs = 0;
    let mut rows = train_rows;
    while rungs < MAX_RUNGS && rows / FACTOR >= MIN_SAMPLE_ROWS {
        rows /= FACTOR;
        rungs += 1;
    }
    rungs
}

/// The fraction of the full fold each of `rungs` samples holds, smallest first.
pub fn rung_fractions(rungs: usize) -> Vec<f64> {
    (0..rungs)
        .map(|rung| (FACTOR as f64).powi(-((rungs - rung) as i32)))
        .collect()
}

/// The rows of a fold's sample: `fraction` of its training and of its validation rows,
/// nested across fractions for the same `seed`.
pub fn sample_fold(fold: &PreparedFold, fraction: f64, task: Task, seed: u64) -> PreparedFold {
    let fraction = fraction.clamp(0.0, 1.0);
    let mut random = Random::for_stream(seed, 0x68616c76);
    let train = sampled_rows(&fold.train_targets, fraction, task, &mut random);
    let valid = sampled_rows(&fold.valid_targets, fraction, task, &mut random);
    PreparedFold {
        train: fold.train.select_rows(&train),
        train_targets: train.iter().map(|&row| fold.train_targets[row]).collect(),
        valid: fold.valid.select_rows(&valid),
        valid_targets: valid.iter().map(|&row| fold.valid_targets[row]).collect(),
    }
}

/// The rows kept, in ascending order: for classification, the first
/// `ceil(fraction · count)` rows of each class's shuffled order (at least two, or all
/// of a smaller class); for regression, of the whole shuffled order.
fn sampled_rows(targets: &[f64], fraction: f64, task: Task, random: &mut Random) -> Vec<usize> {
    let groups: Vec<Vec<usize>> = match task {
        Task::Classification { classes } => {
            let mut groups = vec![Vec::new(); classes];
            for (row, &target) in targets.iter().enumerate() {
                if let Some(group) = groups.get_mut(target as usize) {
                    group.push(row);
                }
            }
            groups
        }
        Task::Regression => vec![(0..targets.len()).collect()],
    };
    let mut kept = Vec::new();
    for mut group in groups {
        random.shuffle(&mut group);
        let wanted = ((group.len() as f64 * fraction).ceil() as usize)
            .max(2)
            .min(group.len());
        kept.extend_from_slice(&group[..wanted]);
    }
    kept.sort_unstable();
    kept
}

/// The sample trial `number` starts on when trials are spread over Hyperband's brackets
/// for `rungs` samples below the full folds (`rungs` itself: the full folds). The
/// bracket that halves `s` times starts on sample `rungs − s` and gets a share of the
/// trials proportional to Hyperband's `⌈(S + 1)/(s + 1)·FACTOR^s⌉` (S = `rungs`): for
/// three samples, 27, 12, 6 and 4 of every 49 trials. Brackets take turns by smooth
/// weighted round-robin, so every prefix of the trials is spread nearly in proportion.
pub fn bracket_start(number: usize, rungs: usize) -> usize {
    let weights: Vec<u64> = (0..=rungs)
        .map(|start| {
            let halvings = (rungs - start) as u32;
            ((rungs as u64 + 1) * (FACTOR as u64).pow(halvings)).div_ceil(u64::from(halvings) + 1)
        })
        .collect();
    let weights: Vec<i64> = weights.into_iter().map(|weight| weight as i64).collect();
    let total: i64 = weights.iter().sum();
    let mut current = vec![0i64; weights.len()];
    let mut chosen = 0;
    for _ in 0..=number {
        for (value, weight) in current.iter_mut().zip(&weights) {
            *value += weight;
        }
        // The largest current value, the most aggressive bracket on ties.
        chosen = (0..current.len()).fold(0, |best, start| {
            if current[start] > current[best] {
                start
            } else {
                best
            }
        });
        current[chosen] -= total;
    }
    chosen
}

/// Whether a trial scoring `score` on a sample goes on to the next size: it does when
/// it is among the best `max(1, n / FACTOR)` of the `n` scores at this size — the
/// `earlier` trials' and its own. Non-finite scores never go on.
pub fn promoted(score: f64, earlier: &[f64], metric: Metric) -> bool {
    if !score.is_finite() {
        return false;
    }
    let competitors = earlier.iter().filter(|value| value.is_finite()).count() + 1;
    let promoted = (competitors / FACTOR).max(1);
    let better = earlier
        .iter()
        .filter(|value| value.is_finite() && metric.is_better(**value, score))
        .count();
    better < promoted
}

#[cfg(test)]
mod tests {
    use super::*;
    use svmq_core::Matrix;

    fn fold(rows: usize, classes: usize) -> PreparedFold {
        let values: Vec<f64> = (0..rows).map(|row| row as f64).collect();
        let targets: Vec<f64> = (0..rows).map(|row| (row % classes) as f64).collect();
        PreparedFold {
            train: Matrix::new(rows, 1, values.clone()).unwrap(),
            train_targets: targets.clone(),
            valid: Matrix::new(rows, 1, values).unwrap(),
            valid_targets: targets,
        }
    }

    #[test]
    fn rungs_stop_at_the_smallest_sample() {
        assert_eq!(rung_count(1_000), 0);
        assert_eq!(rung_count(1_499), 0);
        assert_eq!(rung_count(1_500), 1);
        assert_eq!(rung_count(13_500), 3);
        assert_eq!(rung_count(10_000_000), MAX_RUNGS);
        let fractions = rung_fractions(3);
        assert_eq!(fractions.len(), 3);
        assert!((fractions[0] - 1.0 / 27.0).abs() < 1e-12);
        assert!((fractions[2] - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn samples_are_nested_and_keep_every_class() {
        let full = fold(3_000, 3);
        let task = Task::Classification { classes: 3 };
        let small = sample_fold(&full, 1.0 / 9.0, task, 7);
        let large = sample_fold(&full, 1.0 / 3.0, task, 7);
        // A ninth and a third of each class's 1,000 rows, rounded up.
        assert_eq!(small.train.rows(), 3 * 112);
        assert_eq!(large.train.rows(), 3 * 334);
        for class in 0..3 {
            let count = small
                .train_targets
                .iter()
                .filter(|&&target| target == class as f64)
                .count();
            assert_eq!(count, 112, "class {class}");
        }
        let large_rows: Vec<f64> = large.train.values().to_vec();
        for value in small.train.values() {
            assert!(
                large_rows.contains(value),
                "row {value} is in the larger sample"
            );
        }
        assert_eq!(small.valid.rows(), 3 * 112);
        // Another seed, another sample.
        let other = sample_fold(&full, 1.0 / 9.0, task, 8);
        assert_ne!(other.train.values(), small.train.values());
    }

    #[test]
    fn a_rare_class_keeps_two_rows() {
        let mut full = fold(1_000, 2);
        full.train_targets = (0..1_000).map(|row| f64::from(row < 5)).collect();
        let sample = sample_fold(&full, 0.01, Task::Classification { classes: 2 }, 1);
        assert_eq!(
            sample.train_targets.iter().filter(|&&t| t == 1.0).count(),
            2
        );
    }

    #[test]
    fn hyperband_brackets_get_their_share_in_turn() {
        // Three samples: brackets starting on samples 0, 1, 2 and the full folds get
        // 27, 12, 6 and 4 of every 49 trials.
        let starts: Vec<usize> = (0..49).map(|number| bracket_start(number, 3)).collect();
        for (start, share) in [(0, 27), (1, 12), (2, 6), (3, 4)] {
            assert_eq!(
                starts.iter().filter(|&&s| s == start).count(),
                share,
                "{start}"
            );
        }
        // Every bracket has a trial among the first dozen.
        for start in 0..=3 {
            assert!(starts[..12].contains(&start), "{start}: {starts:?}");
        }
        // One sample: brackets of 3 and 2 of every 5; no sample: the full folds.
        let starts: Vec<usize> = (0..5).map(|number| bracket_start(number, 1)).collect();
        assert_eq!(starts.iter().filter(|&&s| s == 0).count(), 3);
        assert_eq!(bracket_start(7, 0), 0);
    }

    #[test]
    fn the_best_third_goes_on() {
        let metric = Metric::Accuracy;
        // Alone, or with fewer than FACTOR others: only the best goes on.
        assert!(promoted(0.5, &[], metric));
        assert!(promoted(0.9, &[0.8], metric));
        assert!(!promoted(0.7, &[0.8], metric));
        // Six scores: the best two go on.
        let earlier = [0.9, 0.8, 0.7, 0.6, 0.5];
        assert!(promoted(0.85, &earlier, metric));
        assert!(!promoted(0.75, &earlier, metric));
        // For an error, lower is better.
        assert!(promoted(1.0, &[2.0, 3.0], Metric::Rmse));
        assert!(!promoted(f64::NAN, &[], metric));
    }
}
