//! `svmq train --approximation nystroem` (and `rff`): on a two-class set whose boundary is a circle
//! (no linear model beats the majority class), the Nyström model scores on held-out
//! rows within two points of the exact RBF search's, its report says how many landmarks
//! it kept and how exact and approximate compared on a sample, and the saved model is
//! an ordinary RBF model that `predict` reads. Bad approximation flags fail alone.

mod support;

use serde_json::Value;
use std::fmt::Write as _;
use std::path::PathBuf;
use support::{svmq, Workspace};

/// Points uniform in [−2, 2]² with a third, uninformative column; the label says
/// whether the point is inside the circle of squared radius 1.6 (a twentieth flipped).
fn circle_rows(seed: u64, rows: usize) -> String {
    let mut state = seed.wrapping_mul(0x9E3779B97F4A7C15).wrapping_add(7);
    let mut unit = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut text = String::from("x,y,noise,label\n");
    for _ in 0..rows {
        let (x, y, noise) = (4.0 * unit() - 2.0, 4.0 * unit() - 2.0, unit());
        let inside = x * x + y * y < 1.6;
        let label = if inside != (unit() < 0.05) {
            "in"
        } else {
            "out"
        };
        writeln!(text, "{x:.5},{y:.5},{noise:.5},{label}").unwrap();
    }
    text
}

/// The paths of a home directory, a training file of `rows` circle rows drawn from
/// `seed` and a held-out file of 2,000 rows drawn from `seed + 1`, in `workspace`.
fn circle_files(workspace: &Workspace, seed: u64, rows: usize) -> (String, String, String) {
    let (train, held_out) = (workspace.path("train.csv"), workspace.path("held_out.csv"));
    std::fs::write(&train, circle_rows(seed, rows)).unwrap();
    std::fs::write(&held_out, circle_rows(seed + 1, 2000)).unwrap();
    let text = |path: PathBuf| path.to_str().unwrap().to_string();
    (text(workspace.path("home")), text(train), text(held_out))
}

/// Trains on `train` with `extra` flags; the printed JSON.
fn train(home: &str, train: &str, extra: &[&str]) -> Value {
    let mut arguments = vec![
        "--home", home, "--json", "train", train, "--target", "label", "--trials", "6", "--folds",
        "3", "--seed", "5",
    ];
    arguments.extend_from_slice(extra);
    let run = svmq(&arguments).success();
    serde_json::from_str(&run.stdout()).expect("one JSON object")
}

/// The share of `held_out`'s labels the model predicts.
fn held_out_accuracy(workspace: &Workspace, home: &str, model: &str, held_out: &str) -> f64 {
    let predictions = workspace.path(&format!("predictions-{model}.csv"));
    svmq(&[
        "--home",
        home,
        "predict",
        model,
        held_out,
        "--no-probability",
        "--output",
        predictions.to_str().unwrap(),
    ])
    .success();
    let predicted = std::fs::read_to_string(&predictions).unwrap();
    let truth = std::fs::read_to_string(held_out).unwrap();
    let pairs: Vec<(String, String)> = predicted
        .lines()
        .skip(1)
        .zip(truth.lines().skip(1))
        .map(|(p, t)| (p.to_string(), t.rsplit(',').next().unwrap().to_string()))
        .collect();
    assert_eq!(pairs.len(), truth.lines().count() - 1);
    pairs.iter().filter(|(p, t)| p == t).count() as f64 / pairs.len() as f64
}

#[test]
fn a_nystroem_model_scores_as_the_exact_one_and_says_how_close_it_came() {
    let workspace = Workspace::new("approximation");
    let (home, train_path, held_out_path) = circle_files(&workspace, 1, 4000);
    let (home, train_path, held_out_path) = (&*home, &*train_path, &*held_out_path);

    let approximate = train(
        home,
        train_path,
        &["--approximation", "nystroem", "--landmarks", "150"],
    );
    let target = &approximate["report"]["targets"][0];
    let approximation = &target["approximation"];
    assert_eq!(approximation["method"], "nystroem", "{approximation}");
    assert_eq!(approximation["requested_landmarks"], 150);
    let kept = approximation["landmarks"].as_u64().unwrap();
    assert!((1..=150).contains(&kept), "{approximation}");
    let check = &approximation["check"];
    assert_eq!(check["training_rows"], 3000, "{approximation}");
    let (exact, approximated) = (
        check["exact"].as_f64().unwrap(),
        check["approximate"].as_f64().unwrap(),
    );
    assert!(
        (exact - approximated).abs() < 0.05,
        "exact {exact}, approximate {approximated}"
    );
    // An ordinary RBF model whose support vectors are the landmarks, one copy per class.
    assert_eq!(approximate["kernel"], "rbf", "{approximate}");

    let exact_run = train(home, train_path, &["--approximation", "none"]);
    assert!(exact_run["report"]["targets"][0]
        .get("approximation")
        .is_none());

    let approximate_accuracy = held_out_accuracy(
        &workspace,
        home,
        approximate["model_id"].as_str().unwrap(),
        held_out_path,
    );
    let exact_accuracy = held_out_accuracy(
        &workspace,
        home,
        exact_run["model_id"].as_str().unwrap(),
        held_out_path,
    );
    // A twentieth of the labels are flipped: 0.95 is the best any model can do.
    assert!(exact_accuracy > 0.9, "exact {exact_accuracy}");
    assert!(
        approximate_accuracy > exact_accuracy - 0.02,
        "Nyström {approximate_accuracy} against exact {exact_accuracy}"
    );

    // So does the model's summary.
    let shown = svmq(&[
        "--home",
        home,
        "models",
        "show",
        approximate["model_id"].as_str().unwrap(),
    ])
    .success();
    assert!(
        shown
            .stdout()
            .contains("kernel approximation: Nyström with"),
        "{}",
        shown.stdout()
    );

    // The text output says which approximation was used and how close it came.
    let run = svmq(&[
        "--home",
        home,
        "train",
        train_path,
        "--target",
        "label",
        "--trials",
        "2",
        "--approximation",
        "nystroem",
        "--landmarks",
        "50",
    ])
    .success();
    assert!(
        run.stdout()
            .contains("kernel approximation: Nyström with 50 landmarks"),
        "{}",
        run.stdout()
    );
}

#[test]
fn a_random_fourier_model_learns_the_circle_and_says_so() {
    let workspace = Workspace::new("approximation-rff");
    let (home, train_path, held_out_path) = circle_files(&workspace, 4, 3000);
    let (home, train_path, held_out_path) = (&*home, &*train_path, &*held_out_path);
    let run = train(
        home,
        train_path,
        &["--approximation", "rff", "--landmarks", "400"],
    );
    let approximation = &run["report"]["targets"][0]["approximation"];
    assert_eq!(approximation["method"], "rff", "{approximation}");
    assert_eq!(approximation["landmarks"], 400, "{approximation}");
    assert_eq!(approximation["requested_landmarks"], 400, "{approximation}");
    let check = &approximation["check"];
    let (exact, approximated) = (
        check["exact"].as_f64().unwrap(),
        check["approximate"].as_f64().unwrap(),
    );
    assert!(
        (exact - approximated).abs() < 0.05,
        "exact {exact}, approximate {approximated}"
    );
    let model = run["model_id"].as_str().unwrap();
    // Saved as version 2, which builds that know no feature map refuse.
    let saved = std::fs::read_to_string(
        std::path::Path::new(home)
            .join("models")
            .join(model)
            .join("model.json"),
    )
    .unwrap();
    assert!(saved.contains("\"version\":2,"), "{}", &saved[..80]);
    // A twentieth of the labels are flipped: 0.95 is the best any model can do, and
    // no linear model beats the majority (about 0.6).
    let accuracy = held_out_accuracy(&workspace, home, model, held_out_path);
    assert!(accuracy > 0.9, "random Fourier features: {accuracy}");
    let shown = svmq(&["--home", home, "models", "show", model]).success();
    assert!(
        shown
            .stdout()
            .contains("kernel approximation: 400 random Fourier features"),
        "{}",
        shown.stdout()
    );
}

#[test]
fn bad_approximation_flags_are_refused_naming_the_flag() {
    let workspace = Workspace::new("approximation-flags");
    let home = workspace.path("home");
    let home = home.to_str().unwrap();
    let data = workspace.path("circle.csv");
    std::fs::write(&data, circle_rows(3, 300)).unwrap();
    let data = data.to_str().unwrap();
    for (flags, named) in [
        (&["--landmarks", "0"][..], "--landmarks"),
        (&["--landmarks", "2001"][..], "--landmarks"),
        (&["--landmarks=-3"][..], "--landmarks"),
        (&["--landmarks=18446744073709551615"][..], "--landmarks"),
        (&["--landmarks=99999999999999999999999"][..], "--landmarks"),
        (&["--landmarks=NaN"][..], "--landmarks"),
        (&["--landmarks="][..], "--landmarks"),
        (&["--landmarks", "5", "--landmarks", "6"][..], "--landmarks"),
        (&["--approximation="][..], "--approximation"),
        (&["--approximation", "fourier"][..], "--approximation"),
        (
            &["--approximation", "rff", "--approximation", "none"][..],
            "--approximation",
        ),
        (
            &["--fidelity", "hyperband", "--fidelity", "full"][..],
            "--fidelity",
        ),
        (&["--fidelity", "hyperbands"][..], "--fidelity"),
        (
            &["--approximation", "nystroem", "--kernel", "poly"][..],
            "--approximation",
        ),
        (
            &["--approximation", "rff", "--kernel", "linear"][..],
            "--approximation",
        ),
        (
            &["--approximation", "rff", "--landmarks", "2001"][..],
            "--landmarks",
        ),
    ] {
        let mut arguments = vec!["--home", home, "train", data, "--target", "label"];
        arguments.extend_from_slice(flags);
        let run = svmq(&arguments).failure();
        assert_eq!(run.code(), Some(2), "{flags:?}: {}", run.stderr());
        assert!(run.stderr().contains(named), "{flags:?}: {}", run.stderr());
        assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
    }
    // The next training still works.
    svmq(&[
        "--home",
        home,
        "train",
        data,
        "--target",
        "label",
        "--no-optimize",
        "--approximation",
        "nystroem",
        "--landmarks",
        "20",
    ])
    .success();
}
