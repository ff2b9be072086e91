//! Multi-target regression: `target_dimension = k` takes the last k columns as
//! targets and trains one model per target (the Python original always failed here),
//! each reported in its own units.

use crate::support::*;
use svmq_core::random::Random;
use svmq_data::Task;
use svmq_service::prediction::rows_from_json;
use svmq_service::{KernelChoice, TrainingRequest};

/// `near = 2 + 3·x1` and `far = 500 − 20·x2`, plus a little noise each.
fn two_targets_csv(rows: usize) -> String {
    let mut random = Random::new(17);
    let table: Vec<Vec<String>> = (0..rows)
        .map(|_| {
            let x1 = 10.0 * random.unit();
            let x2 = 10.0 * random.unit();
            let near = 2.0 + 3.0 * x1 + 0.1 * (random.unit() - 0.5);
            let far = 500.0 - 20.0 * x2 + 0.1 * (random.unit() - 0.5);
            vec![field(x1), field(x2), field(near), field(far)]
        })
        .collect();
    csv(&["x1", "x2", "near", "far"], &table)
}

fn two_target_request(path: &std::path::Path) -> TrainingRequest {
    TrainingRequest {
        target_dimension: 2,
        kernel: KernelChoice::Linear,
        optimize_hyperparameters: false,
        ..request(path, Task::Regression)
    }
}

#[test]
fn each_target_gets_its_own_model_and_metrics_in_its_units() {
    let fixture = Fixture::new("two-targets");
    let path = fixture.write("data.csv", &two_targets_csv(60));
    let outcome = train_ok(&two_target_request(&path));
    let report = &outcome.report;
    assert_eq!(report.data.targets, ["near", "far"]);
    // The other target is never a feature.
    assert_eq!(report.data.features, ["x1", "x2"]);
    assert_eq!(report.targets.len(), 2);
    assert_eq!(outcome.model.targets.len(), 2);
    assert_eq!(outcome.model.targets[0].name, "near");
    assert_eq!(outcome.model.targets[1].name, "far");

    for (target, (low, high)) in report.targets.iter().zip([(2.0, 32.0), (300.0, 500.0)]) {
        let pairs = target.test_predictions.as_ref().expect("pairs");
        assert!(
            pairs
                .iter()
                .all(|(truth, _)| (low - 1.0..=high + 1.0).contains(truth)),
            "{}: truths in the file's units",
            target.target
        );
        assert!(close(target.test_metrics["rmse"], rmse(pairs), 1e-9));
        assert!(target.test_metrics["r2"] > 0.99, "{}", target.target);
        assert!(target.cv_mean > 0.99, "{}", target.target);
    }
    // `far` spans 200 units, `near` 30: with the same fit in standardized units, far's
    // errors in its own units are several times near's.
    let (near, far) = (&report.targets[0], &report.targets[1]);
    let ratio = far.test_metrics["rmse"] / near.test_metrics["rmse"];
    assert!(ratio > 2.0, "rmse ratio far/near {ratio}");
}

#[test]
fn predictions_give_one_value_per_target() {
    let fixture = Fixture::new("two-targets-predict");
    let path = fixture.write("data.csv", &two_targets_csv(60));
    let outcome = train_ok(&two_target_request(&path));
    let model = &outcome.model;
    let input = serde_json::json!([{"x1": 5.0, "x2": 5.0}, [1.0, 9.0]]);
    let error = rows_from_json(model, &input).expect_err("mixed forms refused");
    assert!(error.to_string().contains("use one form"), "{error}");

    let input = serde_json::json!([{"x1": 5.0, "x2": 5.0}, {"x1": 1.0, "x2": 9.0, "near": null}]);
    let rows = rows_from_json(model, &input).expect("rows by name");
    let predicted = model.predict_matrix(&rows, false);
    let expected = [[17.0, 400.0], [5.0, 320.0]];
    // A twentieth of each target's span (30 and 200 units).
    let tolerance = [1.5, 10.0];
    for (row, expected) in predicted.iter().zip(expected) {
        let values = row.values.as_ref().expect("values");
        assert_eq!(values.len(), 2);
        assert!(row.label.is_none());
        for ((value, want), tolerance) in values.iter().zip(expected).zip(tolerance) {
            assert!((value - want).abs() < tolerance, "{value} for {want}");
        }
    }
    let csv_text = svmq_service::prediction::predictions_csv(model, &predicted);
    assert!(
        csv_text.starts_with("predicted_near,predicted_far\n"),
        "{csv_text}"
    );
}

#[test]
fn a_search_runs_for_every_target() {
    let fixture = Fixture::new("two-targets-search");
    let path = fixture.write("data.csv", &two_targets_csv(60));
    let outcome = train_ok(&TrainingRequest {
        optimize_hyperparameters: true,
        n_trials: 5,
        ..two_target_request(&path)
    });
    for target in &outcome.report.targets {
        assert_eq!(target.trials.len(), 5, "{}", target.target);
        assert!(target.test_metrics["r2"] > 0.9, "{}", target.target);
    }
}
