//! Model files are untrusted input: LIBSVM text models and svmq model files that claim
//! huge counts, hold parameters outside their domains or vectors of the wrong length are
//! refused with an error naming what is wrong, before any allocation they imply, and
//! never panic. Each test is named after the defect it pins.

use svmq_core::libsvm_format::{from_libsvm_text, to_libsvm_text};
use svmq_core::model_format::{
    from_model_file, to_envelope, to_model_file, FORMAT_NAME, FORMAT_VERSION,
};
use svmq_core::{
    fit, fit_approximate_svm, ApproximateOutcome, FitControl, FitOutcome, Kernel,
    KernelApproximation, Matrix, Model, SvmParams, SvmType,
};

/// A small three-class model with probabilities, trained on fixed data.
fn trained(kernel: Kernel, svm_type: SvmType) -> Model {
    let rows: Vec<Vec<f64>> = (0..45)
        .map(|i| vec![(i as f64 * 0.37).sin(), (i as f64 * 0.11).cos()])
        .collect();
    let targets: Vec<f64> = (0..45)
        .map(|i| match svm_type {
            SvmType::CSvc | SvmType::NuSvc => (i % 3) as f64,
            _ => (i as f64 * 0.2).sin(),
        })
        .collect();
    let params = SvmParams {
        svm_type,
        kernel,
        probability: svm_type != SvmType::OneClass,
        ..SvmParams::default()
    };
    let data = Matrix::from_rows(&rows).unwrap();
    match fit(
        &data,
        &targets,
        &params.validate().unwrap(),
        &FitControl::new(),
    )
    .unwrap()
    {
        FitOutcome::Trained(trained) => trained.model,
        FitOutcome::Stopped => unreachable!(),
    }
}

fn classifier() -> Model {
    trained(Kernel::Rbf { gamma: 0.5 }, SvmType::CSvc)
}

fn replace_line(text: &str, key: &str, replacement: &str) -> String {
    text.lines()
        .map(|line| {
            if line.split_whitespace().next() == Some(key) {
                replacement.to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn refused(text: &str) -> String {
    from_libsvm_text(text)
        .expect_err("a hostile model must be refused")
        .to_string()
}

#[test]
fn total_sv_of_a_trillion_is_refused_without_allocating() {
    let text = replace_line(
        &to_libsvm_text(&classifier()),
        "total_sv",
        "total_sv 1000000000000",
    );
    let error = refused(&text);
    assert!(
        error.contains("total_sv") && error.contains("line"),
        "{error}"
    );
    let header_only = "svm_type epsilon_svr\nkernel_type linear\nnr_class 2\n\
                       total_sv 18446744073709551615\nrho 0\nSV\n";
    assert!(refused(header_only).contains("total_sv"));
}

#[test]
fn nr_class_of_a_hundred_million_is_refused_without_allocating() {
    let text = replace_line(
        &to_libsvm_text(&classifier()),
        "nr_class",
        "nr_class 100000000",
    );
    let error = refused(&text);
    assert!(error.contains("nr_class"), "{error}");
    for classes in ["0", "1", "18446744073709551615"] {
        let text = replace_line(
            &to_libsvm_text(&classifier()),
            "nr_class",
            &format!("nr_class {classes}"),
        );
        assert!(refused(&text).contains("nr_class"));
    }
}

#[test]
fn gamma_nan_and_other_kernel_parameters_out_of_their_domain_are_refused() {
    let rbf = to_libsvm_text(&classifier());
    for gamma in ["nan", "inf", "-0.5", "0"] {
        let error = refused(&replace_line(&rbf, "gamma", &format!("gamma {gamma}")));
        assert!(error.contains("gamma"), "{gamma}: {error}");
    }
    let polynomial = to_libsvm_text(&trained(
        Kernel::Polynomial {
            gamma: 0.5,
            coef0: 1.0,
            degree: 2,
        },
        SvmType::CSvc,
    ));
    for degree in ["0", "1000000000", "-2", "1e9"] {
        let error = refused(&replace_line(
            &polynomial,
            "degree",
            &format!("degree {degree}"),
        ));
        assert!(error.contains("degree"), "{degree}: {error}");
    }
    let error = refused(&replace_line(&polynomial, "coef0", "coef0 -inf"));
    assert!(error.contains("coef0"), "{error}");
}

#[test]
fn non_finite_offsets_coefficients_and_probabilities_are_refused() {
    let text = to_libsvm_text(&classifier());
    for key in ["rho", "probA", "probB", "label"] {
        let line = text
            .lines()
            .find(|line| line.starts_with(key))
            .unwrap()
            .to_string();
        let broken = line.replacen(' ', " nan ", 1);
        let broken = broken
            .split_whitespace()
            .take(line.split_whitespace().count())
            .collect::<Vec<_>>()
            .join(" ");
        let error = refused(&text.replace(&line, &broken));
        assert!(error.contains(key), "{key}: {error}");
    }
    let sv = text.find("SV\n").unwrap() + 3;
    let mut broken = text.clone();
    broken.insert_str(sv, "nan ");
    assert!(refused(&broken).contains("coefficient"));
}

#[test]
fn mismatched_lengths_are_refused() {
    let text = to_libsvm_text(&classifier());
    for (key, replacement) in [
        ("rho", "rho 0.1"),
        ("label", "label 0 1"),
        ("nr_sv", "nr_sv 1 2"),
        ("probA", "probA 1"),
        ("probB", "probB 1 2 3 4"),
        ("label", "label 0 0 1"),
        ("nr_sv", "nr_sv 1 1 1"),
    ] {
        let error = refused(&replace_line(&text, key, replacement));
        assert!(
            error.contains("line") || error.contains(key),
            "{replacement}: {error}"
        );
    }
}

#[test]
fn a_huge_feature_index_is_refused_before_densifying() {
    let text = "svm_type c_svc\nkernel_type linear\nnr_class 2\ntotal_sv 2\nrho 0\n\
                label 1 -1\nnr_sv 1 1\nSV\n1 1:1 300000000:1\n-1 2:1\n";
    let error = refused(text);
    assert!(error.contains("dense cells"), "{error}");
    let index = format!("{}", usize::MAX);
    let text = text.replace("300000000", &index);
    assert!(refused(&text).contains("dense cells"));
}

#[test]
fn errors_quote_only_an_excerpt_of_a_huge_token() {
    let text = to_libsvm_text(&classifier());
    let huge = "9".repeat(100_000) + "x";
    let error = refused(&replace_line(&text, "gamma", &format!("gamma {huge}")));
    assert!(error.len() < 200, "{} bytes", error.len());
}

#[test]
fn every_formulation_still_reads_back() {
    for svm_type in [
        SvmType::CSvc,
        SvmType::NuSvc,
        SvmType::OneClass,
        SvmType::EpsilonSvr,
        SvmType::NuSvr,
    ] {
        let model = trained(Kernel::Rbf { gamma: 0.5 }, svm_type);
        from_libsvm_text(&to_libsvm_text(&model)).unwrap();
        from_model_file(&svmq_core::model_format::to_model_file(&model)).unwrap();
    }
}

/// An svmq model file edited and re-sealed with a freshly computed checksum.
fn resealed(edit: impl FnOnce(&mut serde_json::Value)) -> Result<Model, String> {
    let mut value = serde_json::to_value(classifier()).unwrap();
    edit(&mut value);
    from_model_file(&to_envelope(FORMAT_NAME, FORMAT_VERSION, &value)).map_err(|e| e.to_string())
}

#[test]
fn a_resealed_model_file_with_a_short_support_vector_matrix_is_refused() {
    let error = resealed(|model| {
        model["support_vectors"]["values"]
            .as_array_mut()
            .unwrap()
            .truncate(3)
    })
    .unwrap_err();
    assert!(error.contains("matrix"), "{error}");
}

#[test]
fn a_resealed_model_file_with_nonsense_is_refused() {
    type Edit = fn(&mut serde_json::Value);
    let edits: [(&str, Edit); 9] = [
        ("gamma", |m| m["kernel"]["gamma"] = (-1.0).into()),
        ("class", |m| m["labels"] = serde_json::json!([0.0])),
        ("distinct", |m| {
            m["labels"] = serde_json::json!([0.0, 0.0, 1.0])
        }),
        ("coefficient", |m| {
            m["coefficients"][0].as_array_mut().unwrap().pop();
        }),
        ("offsets", |m| {
            m["rho"].as_array_mut().unwrap().push(0.0.into())
        }),
        ("counts", |m| {
            m["support_vector_counts"][0] = 100_000_000_000u64.into()
        }),
        ("indices", |m| {
            m["support_vector_indices"] = serde_json::json!([1, 2])
        }),
        ("1-based", |m| m["support_vector_indices"][0] = 0.into()),
        ("probability", |m| {
            m["probability"] = serde_json::json!({"kind": "laplace", "sigma": 1.0})
        }),
    ];
    for (expected, edit) in edits {
        let error = resealed(edit).unwrap_err();
        assert!(error.contains(expected), "{expected}: {error}");
    }
}

/// A model on random Fourier features (on the classifier's 45 rows), as a file.
fn fourier_model() -> serde_json::Value {
    let rows: Vec<Vec<f64>> = (0..45)
        .map(|i| vec![(i as f64 * 0.37).sin(), (i as f64 * 0.11).cos()])
        .collect();
    let targets: Vec<f64> = (0..45).map(|i| (i % 3) as f64).collect();
    let params = SvmParams {
        kernel: Kernel::Rbf { gamma: 0.5 },
        ..SvmParams::default()
    }
    .validate()
    .unwrap();
    let approximation = KernelApproximation::RandomFourier { components: 16 };
    let data = Matrix::from_rows(&rows).unwrap();
    match fit_approximate_svm(&data, &targets, &params, approximation, &FitControl::new()) {
        Ok(ApproximateOutcome::Trained(trained)) => serde_json::to_value(&trained.model).unwrap(),
        _ => unreachable!("the fit is not stopped"),
    }
}

#[test]
fn a_resealed_random_fourier_map_that_does_not_fit_is_refused() {
    let sealed = |value: &serde_json::Value| {
        from_model_file(&to_envelope(FORMAT_NAME, FORMAT_VERSION, value)).map_err(|e| e.to_string())
    };
    let model = fourier_model();
    let read = sealed(&model).expect("the map reads back");
    assert_eq!(read.feature_count(), 2);
    type Edit = fn(&mut serde_json::Value);
    let edits: [(&str, Edit); 5] = [
        ("phases", |m| {
            m["feature_map"]["phases"].as_array_mut().unwrap().pop();
        }),
        ("expected f64", |m| {
            m["feature_map"]["phases"][2] = "NaN".into()
        }),
        ("linear kernel", |m| {
            m["kernel"] = serde_json::json!({"kind": "rbf", "gamma": 1.0})
        }),
        ("matrix", |m| {
            m["feature_map"]["frequencies"]["values"]
                .as_array_mut()
                .unwrap()
                .truncate(5)
        }),
        ("columns", |m| {
            m["feature_map"]["frequencies"] =
                serde_json::json!({"rows": 1, "columns": 2, "values": [0.5, 0.25]});
            m["feature_map"]["phases"] = serde_json::json!([0.0]);
        }),
    ];
    for (expected, edit) in edits {
        let mut edited = model.clone();
        edit(&mut edited);
        let error = sealed(&edited).unwrap_err();
        assert!(error.contains(expected), "{expected}: {error}");
    }
}

#[test]
fn a_model_with_a_map_is_written_as_version_2_which_older_builds_refuse() {
    let model: Model = serde_json::from_value(fourier_model()).unwrap();
    let text = to_model_file(&model);
    assert!(text.contains("\"version\":2,"), "{}", &text[..80]);
    assert_eq!(from_model_file(&text).unwrap(), model);
    assert!(to_model_file(&classifier()).contains("\"version\":1,"));
    // A version past the newest is refused naming the versions read.
    let error = from_model_file(&text.replacen("\"version\":2,", "\"version\":3,", 1))
        .unwrap_err()
        .to_string();
    assert!(error.contains("versions 1 to 2"), "{error}");
}
