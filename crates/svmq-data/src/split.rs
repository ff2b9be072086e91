//! Seeded train/test splits and k-fold assignments, stratified by class for
//! classification and plainly shuffled for regression.
//!
//! All functions work on positions `0..n` of the examples they are given (for a
//! [`crate::Dataset`], positions in `Dataset::rows`; for folds inside a training split,
//! positions in that split). The same inputs and seed always give the same result, on
//! every platform (SplitMix64 from the engine's `random` module).
//!
//! Stratification keeps each class's share: a split puts ⌈fraction · n⌉ examples in
//! the test part, given to classes in proportion to their size by largest remainder,
//! and always leaves each class at least one training example; folds deal each
//! class's shuffled members round-robin, so fold sizes differ by at most one.
//!
//! What it does not do: refuse a class smaller than the fold count; that check, with
//! its message, is [`crate::Dataset::check_folds`], to be called first.

use svmq_core::random::Random;

use crate::error::DataError;

/// Positions of the training and test examples, each ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Positions trained on.
    pub train: Vec<usize>,
    /// Positions held out for testing.
    pub test: Vec<usize>,
}

impl Split {
    /// The items at the training and at the test positions, e.g. table rows.
    pub fn pick<T: Copy>(&self, items: &[T]) -> (Vec<T>, Vec<T>) {
        (
            self.train.iter().map(|&position| items[position]).collect(),
            self.test.iter().map(|&position| items[position]).collect(),
        )
    }
}

/// Which fold each example validates in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folds {
    fold_of: Vec<usize>,
    count: usize,
}

impl Folds {
    /// The number of folds, at least 2.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The fold of each position.
    pub fn fold_of(&self) -> &[usize] {
        &self.fold_of
    }

    /// Positions trained on when `fold` validates: all the others, ascending.
    pub fn training(&self, fold: usize) -> Vec<usize> {
        self.positions(|assigned| assigned != fold)
    }

    /// Positions validated on in `fold`, ascending.
    pub fn validation(&self, fold: usize) -> Vec<usize> {
        self.positions(|assigned| assigned == fold)
    }

    fn positions(&self, keep: impl Fn(usize) -> bool) -> Vec<usize> {
        (0..self.fold_of.len())
            .filter(|&position| keep(self.fold_of[position]))
            .collect()
    }
}

/// A split keeping each class's share in both parts. `classes[i]` is example i's
/// class index.
pub fn stratified_split(
    classes: &[usize],
    test_fraction: f64,
    seed: u64,
) -> Result<Split, DataError> {
    let members = members_by_class(classes);
    let test_size = test_size(classes.len(), test_fraction, members.len())?;
    let quotas = test_quotas(&members, test_size);
    let mut random = Random::new(seed);
    let mut split = Split {
        train: Vec::new(),
        test: Vec::new(),
    };
    for (mut positions, quota) in members.into_iter().zip(quotas) {
        random.shuffle(&mut positions);
        split.test.extend_from_slice(&positions[..quota]);
        split.train.extend_from_slice(&positions[quota..]);
    }
    split.train.sort_unstable();
    split.test.sort_unstable();
    Ok(split)
}

/// A shuffled split of `examples` examples.
pub fn shuffled_split(examples: usize, test_fraction: f64, seed: u64) -> Result<Split, DataError> {
    let test_size = test_size(examples, test_fraction, 1)?;
    let mut positions: Vec<usize> = (0..examples).collect();
    Random::new(seed).shuffle(&mut positions);
    let mut test = positions[..test_size].to_vec();
    let mut train = positions[test_size..].to_vec();
    train.sort_unstable();
    test.sort_unstable();
    Ok(Split { train, test })
}

/// k folds, each class's members spread evenly over them.
pub fn stratified_folds(classes: &[usize], folds: usize, seed: u64) -> Result<Folds, DataError> {
    check_fold_count(classes.len(), folds)?;
    let mut random = Random::new(seed);
    let mut fold_of = vec![0; classes.len()];
    // Continuing the round-robin from class to class keeps fold sizes within one.
    let mut next = 0;
    for mut positions in members_by_class(classes) {
        random.shuffle(&mut positions);
        for position in positions {
            fold_of[position] = next % folds;
            next += 1;
        }
    }
    Ok(Folds {
        fold_of,
        count: folds,
    })
}

/// k folds of shuffled examples.
pub fn shuffled_folds(examples: usize, folds: usize, seed: u64) -> Result<Folds, DataError> {
    check_fold_count(examples, folds)?;
    let mut positions: Vec<usize> = (0..examples).collect();
    Random::new(seed).shuffle(&mut positions);
    let mut fold_of = vec![0; examples];
    for (order, position) in positions.into_iter().enumerate() {
        fold_of[position] = order % folds;
    }
    Ok(Folds {
        fold_of,
        count: folds,
    })
}

fn check_fold_count(examples: usize, folds: usize) -> Result<(), DataError> {
    if folds < 2 || folds > examples {
        return Err(DataError::InvalidSplit {
            reason: format!(
                "{folds} folds asked for {examples} examples; use between 2 and the number of examples"
            ),
        });
    }
    Ok(())
}

/// The positions of each class, classes in index order.
fn members_by_class(classes: &[usize]) -> Vec<Vec<usize>> {
    let count = classes.iter().max().map_or(0, |&largest| largest + 1);
    let mut members = vec![Vec::new(); count];
    for (position, &class) in classes.iter().enumerate() {
        members[class].push(position);
    }
    members.retain(|positions| !positions.is_empty());
    members
}

/// ⌈fraction · n⌉, refused unless it leaves a test example and `minimum_train`
/// training examples.
fn test_size(examples: usize, fraction: f64, minimum_train: usize) -> Result<usize, DataError> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(DataError::InvalidSplit {
            reason: format!("test_size {fraction} must be strictly between 0 and 1"),
        });
    }
    let size = (fraction * examples as f64).ceil() as usize;
    if size == 0 || size + minimum_train > examples {
        return Err(DataError::InvalidSplit {
            reason: format!(
                "test_size {fraction} of {examples} examples leaves no test example or too few training examples (at least {minimum_train} needed)"
            ),
        });
    }
    Ok(size)
}

/// How many of each class go to the test part: proportional shares, rounded by
/// largest remainder, never taking a class's last member.
fn test_quotas(members: &[Vec<usize>], test_size: usize) -> Vec<usize> {
    let total: usize = members.iter().map(Vec::len).sum();
    let room = |class: usize| members[class].len() - 1;
    let mut quotas = Vec::with_capacity(members.len());
    let mut remainders = Vec::with_capacity(members.len());
    for (class, positions) in members.iter().enumerate() {
        let exact = test_size as f64 * positions.len() as f64 / total as f64;
        quotas.push((exact.floor() as usize).min(room(class)));
        remainders.push((exact - exact.floor(), class));
    }
    // Largest remainder first; among equal remainders, the larger class, then the
    // lower index, so the result does not depend on anything but the counts.
    remainders.sort_by(|left, right| {
        right
            .0
            .total_cmp(&left.0)
            .then(members[right.1].len().cmp(&members[left.1].len()))
            .then(left.1.cmp(&right.1))
    });
    let mut assigned: usize = quotas.iter().sum();
    while assigned < test_size {
        let before = assigned;
        for &(_, class) in &remainders {
            if assigned < test_size && quotas[class] < room(class) {
                quotas[class] += 1;
                assigned += 1;
            }
        }
        if assigned == before {
            // Every class is down to one training member: the test part stays smaller.
            break;
        }
    }
    quotas
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(counts: &[usize]) -> Vec<usize> {
        counts
            .iter()
            .enumerate()
            .flat_map(|(class, &count)| std::iter::repeat_n(class, count))
            .collect()
    }

    #[test]
    fn stratified_split_keeps_proportions_and_is_a_partition() {
        let classes = labels(&[60, 30, 10]);
        let split = stratified_split(&classes, 0.2, 7).unwrap();
        assert_eq!(split.test.len(), 20);
        let count = |positions: &[usize], class| {
            positions
                .iter()
                .filter(|&&position| classes[position] == class)
                .count()
        };
        assert_eq!(
            [
                count(&split.test, 0),
                count(&split.test, 1),
                count(&split.test, 2)
            ],
            [12, 6, 2]
        );
        let mut all = [split.train.clone(), split.test.clone()].concat();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn stratified_split_is_seeded() {
        let classes = labels(&[20, 20]);
        let first = stratified_split(&classes, 0.25, 1).unwrap();
        assert_eq!(first, stratified_split(&classes, 0.25, 1).unwrap());
        assert_ne!(first, stratified_split(&classes, 0.25, 2).unwrap());
    }

    #[test]
    fn a_class_never_loses_its_last_training_member() {
        let classes = labels(&[1, 2, 9]);
        let split = stratified_split(&classes, 0.5, 3).unwrap();
        for class in 0..3 {
            assert!(
                split
                    .train
                    .iter()
                    .any(|&position| classes[position] == class),
                "class {class} missing from training"
            );
        }
    }

    #[test]
    fn bad_fractions_are_refused() {
        for fraction in [0.0, 1.0, -0.1, f64::NAN, 1.5] {
            let error = shuffled_split(10, fraction, 0).unwrap_err();
            assert!(
                error.to_string().contains("strictly between 0 and 1"),
                "{error}"
            );
        }
        let error = stratified_split(&labels(&[1, 1]), 0.5, 0).unwrap_err();
        assert!(error.to_string().contains("too few training"), "{error}");
    }

    #[test]
    fn stratified_folds_balance_classes_and_sizes() {
        let classes = labels(&[50, 50, 50]);
        let folds = stratified_folds(&classes, 5, 11).unwrap();
        for fold in 0..5 {
            let validation = folds.validation(fold);
            assert_eq!(validation.len(), 30);
            for class in 0..3 {
                let members = validation
                    .iter()
                    .filter(|&&position| classes[position] == class)
                    .count();
                assert_eq!(members, 10, "fold {fold} class {class}");
            }
            assert_eq!(folds.training(fold).len(), 120);
        }
    }

    #[test]
    fn uneven_folds_differ_by_at_most_one() {
        let classes = labels(&[7, 6]);
        let folds = stratified_folds(&classes, 4, 0).unwrap();
        let sizes: Vec<usize> = (0..4).map(|fold| folds.validation(fold).len()).collect();
        assert_eq!(sizes.iter().sum::<usize>(), 13);
        assert!(
            sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1,
            "{sizes:?}"
        );
    }

    #[test]
    fn shuffled_folds_cover_everything_once() {
        let folds = shuffled_folds(23, 5, 9).unwrap();
        let mut seen: Vec<usize> = (0..5).flat_map(|fold| folds.validation(fold)).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..23).collect::<Vec<_>>());
        assert_eq!(folds, shuffled_folds(23, 5, 9).unwrap());
    }

    #[test]
    fn bad_fold_counts_are_refused() {
        assert!(shuffled_folds(5, 1, 0).is_err());
        let error = stratified_folds(&[0, 1, 0], 4, 0).unwrap_err();
        assert!(error.to_string().contains("4 folds"), "{error}");
    }
}
