//! Platt's sigmoid must never turn a classifier upside down.
//!
//! With a very small C nearly every α sits at its bound, and the ρ of each
//! cross-validation sub-model is set by the few free vectors of whichever class is the
//! larger in that fold's training part: it moves by about ±1 from fold to fold. A fold
//! whose held-out part is rich in one class trains on fewer of that class, so the shift
//! works against the held-out rows, and pooled over the folds the shifts can outweigh
//! the within-fold ranking: the sigmoid's slope comes out positive and every
//! probability prediction is flipped, although the decision values rank the classes
//! perfectly.

use svmq_core::{fit, FitControl, FitOutcome, Kernel, Matrix, Model, ProbabilityModel, SvmParams};

/// 240 rows in two classes split by the first (standardised) feature, plus two small
/// features of deterministic noise; the first half is class 1.
fn separable_by_position(rows: usize) -> (Matrix, Vec<f64>) {
    let mut values = Vec::with_capacity(rows * 3);
    let mut labels = Vec::with_capacity(rows);
    for row in 0..rows {
        let position = (row as f64 - (rows as f64 - 1.0) / 2.0) / (rows as f64 / 3.5);
        values.push(position);
        values.push(((row * 7919) % 101) as f64 / 50.0 - 1.0);
        values.push(((row * 104_729) % 97) as f64 / 48.0 - 1.0);
        labels.push(if row < rows / 2 { 1.0 } else { 2.0 });
    }
    (Matrix::new(rows, 3, values).unwrap(), labels)
}

fn train(data: &Matrix, labels: &[f64], seed: u64) -> Model {
    let params = SvmParams {
        c: 0.027,
        kernel: Kernel::Rbf { gamma: 0.005 },
        probability: true,
        seed,
        ..SvmParams::default()
    };
    match fit(
        data,
        labels,
        &params.validate().unwrap(),
        &FitControl::new(),
    )
    .unwrap()
    {
        FitOutcome::Trained(trained) => trained.model,
        FitOutcome::Stopped => panic!("not stopped"),
    }
}

#[test]
fn a_tiny_cost_does_not_flip_the_probability_predictions() {
    let (data, labels) = separable_by_position(240);
    for seed in 1..=6 {
        let model = train(&data, &labels, seed);
        let Some(ProbabilityModel::Pairwise { a, .. }) = &model.probability else {
            panic!("a probability model");
        };
        assert!(
            a[0] < 0.0,
            "seed {seed}: the sigmoid's slope {} is not negative",
            a[0]
        );
        let predictor = model.predictor();
        let mut agree = 0;
        for (row, &label) in labels.iter().enumerate().take(data.rows()) {
            let plain = predictor.predict(data.row(row), false);
            let with_probability = predictor.predict(data.row(row), true);
            assert_eq!(
                plain.value, label,
                "seed {seed}: the decision function errs"
            );
            let probabilities = with_probability.probabilities.expect("probabilities");
            // Class 1 is the first label: a larger decision value means more likely 1.
            assert_eq!(model.labels[0], 1.0);
            if with_probability.value == label {
                agree += 1;
            }
            assert!(
                (probabilities[0] > 0.5) == (plain.decision_values[0] > 0.0)
                    || plain.decision_values[0].abs() < 1e-3,
                "seed {seed}, row {row}: probabilities {probabilities:?}, decision {}",
                plain.decision_values[0]
            );
        }
        assert_eq!(agree, data.rows(), "seed {seed}");
    }
}
