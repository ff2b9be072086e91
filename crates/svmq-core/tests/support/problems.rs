//! Seeded generated problems for the linear solvers: classes separated by random
//! hyperplanes with label noise, and a noisy linear regression.

use svmq_core::random::Random;
use svmq_core::Matrix;

/// Uniform features in [−1, 1].
fn features(random: &mut Random, rows: usize, columns: usize) -> Vec<f64> {
    (0..rows * columns)
        .map(|_| 2.0 * random.unit() - 1.0)
        .collect()
}

fn gaussian(random: &mut Random) -> f64 {
    // Box–Muller; 1 − u keeps the logarithm finite.
    let radius = (-2.0 * (1.0 - random.unit()).ln()).sqrt();
    radius * (std::f64::consts::TAU * random.unit()).cos()
}

/// `classes` classes labelled `labels[k]`: each row takes the class whose random
/// hyperplane scores it highest (the sign of one for two classes), with a fraction
/// `noise` of the labels replaced by a random class.
pub fn classification(
    seed: u64,
    rows: usize,
    columns: usize,
    labels: &[f64],
    noise: f64,
) -> (Matrix, Vec<f64>) {
    let mut random = Random::new(seed);
    let values = features(&mut random, rows, columns);
    let planes: Vec<Vec<f64>> = (0..labels.len())
        .map(|_| (0..=columns).map(|_| gaussian(&mut random)).collect())
        .collect();
    let score = |plane: &[f64], row: &[f64]| -> f64 {
        row.iter().zip(plane).map(|(x, w)| x * w).sum::<f64>() + 0.3 * plane[columns]
    };
    let targets = (0..rows)
        .map(|row| {
            let x = &values[row * columns..(row + 1) * columns];
            let class = if random.unit() < noise {
                random.below(labels.len())
            } else if labels.len() == 2 {
                usize::from(score(&planes[0], x) <= 0.0)
            } else {
                (0..labels.len())
                    .max_by(|&a, &b| score(&planes[a], x).total_cmp(&score(&planes[b], x)))
                    .unwrap()
            };
            labels[class]
        })
        .collect();
    (Matrix::new(rows, columns, values).unwrap(), targets)
}

/// `y = w·x + 0.5 + noise·N(0, 1)` with random weights.
pub fn regression(seed: u64, rows: usize, columns: usize, noise: f64) -> (Matrix, Vec<f64>) {
    let mut random = Random::new(seed);
    let values = features(&mut random, rows, columns);
    let plane: Vec<f64> = (0..columns).map(|_| gaussian(&mut random)).collect();
    let targets = (0..rows)
        .map(|row| {
            let x = &values[row * columns..(row + 1) * columns];
            x.iter().zip(&plane).map(|(x, w)| x * w).sum::<f64>()
                + 0.5
                + noise * gaussian(&mut random)
        })
        .collect();
    (Matrix::new(rows, columns, values).unwrap(), targets)
}
